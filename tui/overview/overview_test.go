package overview

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/theme"
)

// A store reached through its API alone has no portal session: the
// overview says "api" where a browser store shows its session state.
func TestOverviewShowsAPIStores(t *testing.T) {
	m := New(common.Common{Styles: theme.NewStyles(theme.Default()), Keys: keys.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }})
	m.SetSize(100, 30)
	o := localdb.Overview{Stores: []localdb.StoreSummary{
		{Store: localdb.Store{Name: "shop-api", Marketplace: "amazon", SessionState: localdb.SessionUnknown},
			Orders: localdb.ChannelAPI, ReadMessages: localdb.ChannelNone},
		{Store: localdb.Store{Name: "shop-both", Marketplace: "amazon", SessionState: localdb.SessionOK},
			Orders: localdb.ChannelBoth, ReadMessages: localdb.ChannelBrowser},
		{Store: localdb.Store{Name: "shop-web", Marketplace: "ebay", SessionState: localdb.SessionUnknown}},
	}}
	m.Update(OverviewLoadedMsg{Overview: o})
	view := m.View()
	want := map[string]string{"shop-api": "api", "shop-both": "ok", "shop-web": "unknown"}
	for _, line := range strings.Split(view, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 {
			if w, ok := want[f[0]]; ok {
				if f[2] != w {
					t.Errorf("%s: session column %q, want %q", f[0], f[2], w)
				}
				delete(want, f[0])
			}
		}
	}
	if len(want) != 0 {
		t.Errorf("stores not shown: %v\n%s", want, view)
	}
}
