package main

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/localdb"
)

// messages reply --template picks the thread's language, then the store's,
// then English, and says which on stderr.
func TestMessagesReplyTemplateLanguage(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: "jp", Marketplace: "amazon", BaseURL: "https://sellercentral.amazon.co.jp"})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for i, lang := range []string{"ja", "", "sv"} {
		th, _, err := db.UpsertThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T" + strconv.Itoa(i),
			MarketplaceOrderID: "250-1234567-123456" + strconv.Itoa(i), BuyerName: "高橋 結衣", Language: lang})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, strconv.FormatInt(th.ID, 10))
	}
	db.Close()
	for i, want := range []struct{ prefix, stderr string }{
		{"高橋 結衣 様", "in ja (the thread's language)"},
		{"高橋 結衣 様", "in ja (the store's language)"},
		{"高橋 結衣 様", "in ja (the store's language)"},
	} {
		res := runCommand(t, []string{"messages", "reply", ids[i], "--template", "thanks", "--dry-run"}, false, "", setup)
		if res.code != exitOK || !strings.HasPrefix(res.stdout, want.prefix) || !strings.Contains(res.stderr, want.stderr) {
			t.Errorf("thread %d: exit %d stdout %q stderr %q", i, res.code, res.stdout, res.stderr)
		}
	}
	// The tracking template still refuses a blank, in Japanese too.
	res := runCommand(t, []string{"messages", "reply", ids[0], "--template", "tracking", "--dry-run"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stderr, "needs {{carrier}}") {
		t.Errorf("missing value: exit %d %s", res.code, res.stderr)
	}
}
