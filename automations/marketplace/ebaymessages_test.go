package marketplace

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// threadRow is a thread's stored columns, without the database's own ids
// and times.
type threadRow struct {
	ID, Order, Buyer, Subject, Language string
	Kind                                localdb.ThreadKind
	Status                              localdb.ThreadStatus
	Last, Deadline                      time.Time
	Linked                              bool // the thread's order is linked
}

// messageRow is a message's stored columns with its attachments, without
// local ids, times and paths.
type messageRow struct {
	ID, Sender, Body, Language string
	Direction                  localdb.Direction
	At                         time.Time
	Automatic                  bool
	Attachments                string
}

func threadRowOf(th localdb.Thread) threadRow {
	return threadRow{ID: th.MarketplaceThreadID, Order: th.MarketplaceOrderID, Buyer: th.BuyerName, Subject: th.Subject, Language: th.Language,
		Kind: th.Kind, Status: th.Status, Last: th.LastMessageAt.UTC(), Deadline: th.ReplyDeadline.UTC(), Linked: th.OrderID != 0}
}

func storedMessages(t *testing.T, db *localdb.DB, threadID int64) []messageRow {
	t.Helper()
	ms, err := db.ListMessages(context.Background(), threadID)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]messageRow, 0, len(ms))
	for _, m := range ms {
		var as []string
		for _, a := range m.Attachments {
			as = append(as, fmt.Sprintf("%s|%s|%d|%s", a.FileName, a.MIME, a.Size, a.SHA256))
		}
		out = append(out, messageRow{ID: m.MarketplaceMessageID, Sender: m.Sender, Body: m.Body, Language: m.Language, Direction: m.Direction,
			At: m.SentAt.UTC(), Automatic: m.Automatic, Attachments: strings.Join(as, ";")})
	}
	return out
}

// One sandbox world's eBay store synced both ways, into two databases:
// the browser reads the portal's conversations, the API store reads
// GetMyMessages. Every conversation the browser stored but returns and
// cases (Post-Order API objects, not member messages) is stored the same
// through the API, thread by thread and message by message, pictures
// included; the API stores no other.
func TestEbayAPIMessagesMatchBrowserSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 60}, "")
	ctx := testwait.Context(t)
	web := e.withDB(t, "browser")
	api := e.withDB(t, "api")
	acct := e.sb.Account("ebay")
	wst, err := AddStoreWithRecipes(ctx, web.DB, web.Secrets, web.Recipes, StoreSpec{Name: "ebay", Marketplace: "ebay",
		BaseURL: e.sb.URL("ebay"), Username: acct.Username, Recipe: "ebay-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret})
	if err != nil {
		t.Fatal(err)
	}
	ast := e.addEbayAPIStore(t, api, "ebay-api")
	if wsum, err := SyncStores(ctx, web, nil, nil); err != nil || !wsum.Stores[0].OK {
		t.Fatalf("browser sync: %+v %v", wsum, err)
	}
	api.Browser = nil // reached through its API alone
	items := newItemLog()
	asum, err := SyncStoresWith(ctx, api, nil, SyncOptions{Record: items}, nil)
	if err != nil || !asum.Stores[0].OK {
		t.Fatalf("API sync: %+v %v", asum, err)
	}
	if s := asum.Stores[0]; s.MessagesChannel != "api" || s.OrdersChannel != "api" || s.NewThreads == 0 || s.Attachments == 0 {
		t.Errorf("API store summary: %+v", s)
	}
	if it := items.items["messages:ebay-api:api"]; it == nil || !it.Ended || it.Class != "" {
		t.Errorf("run record of the API messages: %+v", it)
	}

	wts, err := web.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{wst.ID}})
	if err != nil {
		t.Fatal(err)
	}
	ats, err := api.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{ast.ID}})
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]localdb.Thread{}
	for _, th := range ats {
		byID[th.MarketplaceThreadID] = th
	}
	compared, messages, pictures, answered, skipped := 0, 0, 0, 0, 0
	for _, w := range wts {
		a, ok := byID[w.MarketplaceThreadID]
		if w.Kind == localdb.KindReturn || w.Kind == localdb.KindCase {
			skipped++
			if ok {
				t.Errorf("thread %s is a %s, not a member message, yet the API stored it", w.MarketplaceThreadID, w.Kind)
			}
			continue
		}
		if !ok {
			t.Errorf("thread %s: stored by the browser, not through the API", w.MarketplaceThreadID)
			continue
		}
		delete(byID, w.MarketplaceThreadID)
		compared++
		if threadRowOf(w) != threadRowOf(a) {
			t.Errorf("thread %s differs:\n browser %+v\n api     %+v", w.MarketplaceThreadID, threadRowOf(w), threadRowOf(a))
		}
		if w.Status == localdb.StatusReplied {
			answered++
		}
		wm, am := storedMessages(t, web.DB, w.ID), storedMessages(t, api.DB, a.ID)
		if len(wm) != len(am) {
			t.Errorf("thread %s: %d messages through the browser, %d through the API", w.MarketplaceThreadID, len(wm), len(am))
			continue
		}
		for i := range wm {
			messages++
			if wm[i].Attachments != "" {
				pictures++
			}
			if wm[i] != am[i] {
				t.Errorf("thread %s message %d differs:\n browser %+v\n api     %+v", w.MarketplaceThreadID, i, wm[i], am[i])
			}
		}
	}
	for id := range byID {
		t.Errorf("thread %s: stored through the API only", id)
	}
	if compared < 10 || answered == 0 || pictures == 0 || skipped == 0 {
		t.Errorf("compared %d threads (%d answered), %d messages with %d pictures, %d returns and cases: the comparison needs more of each",
			compared, answered, messages, pictures, skipped)
	}
	t.Logf("%d threads and %d messages compared (%d with pictures), %d returns and cases left to the browser", compared, messages, pictures, skipped)

	// A second sync reads from the cursor and stores nothing twice.
	asum, err = SyncStores(ctx, api, nil, nil)
	if err != nil || !asum.Stores[0].OK || asum.Stores[0].NewThreads != 0 || asum.Stores[0].NewMessages != 0 {
		t.Errorf("second API sync: %+v %v", asum, err)
	}
}

// With both channels for messages and replies, an API that fails (its
// Trading endpoint is not there) is said in the summary and recorded, and
// the browser reads the messages instead; a reply goes through the browser
// and says so.
func TestEbayAPIMessagesFallBackToBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 20}, "")
	ctx := testwait.Context(t)
	c := e.sb.EbayAPIFor("ebay")
	acct := e.sb.Account("ebay")
	web := &StoreSpec{BaseURL: e.sb.URL("ebay"), Username: acct.Username, Recipe: "ebay-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret}
	// A Trading endpoint that is not there: the orders' host answers, the
	// messages' host does not.
	if _, _, err := AddAPIStore(ctx, e.deps, "ebay-both", "ebay", web, APISpec{Endpoint: e.sb.URL("ebay") + "/down",
		TokenURL: e.sb.URL("ebay") + "/identity/v1/oauth2/token", ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken,
		Channels: localdb.Channels{Orders: localdb.ChannelBrowser}}); err != nil {
		t.Fatal(err)
	}
	items := newItemLog()
	sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: items}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	if !s.OK || s.MessagesChannel != "browser" || !strings.Contains(s.MessagesAPIError, "site_error") || s.APIError != "" || s.NewThreads == 0 {
		t.Fatalf("summary: %+v", s)
	}
	if it := items.items["messages:ebay-both:api"]; it == nil || !strings.Contains(it.Err, "the browser reads this sync's messages instead") {
		t.Errorf("run record: %+v", it)
	}

	// A reply: the API fails, the browser sends it, once, and says so.
	th := openThread(t, e, "ebay-both", map[int64]bool{})
	body := "Hello " + th.BuyerName + ", it is on its way."
	res, err := SendReplyResult(ctx, e.deps, th.ID, body, nil)
	if err != nil || res.Channel != "browser" || !strings.Contains(res.APIError, "site_error") {
		t.Fatalf("reply: %+v %v", res, err)
	}
	if replies := e.sb.State().Replies[th.MarketplaceThreadID]; len(replies) != 1 || replies[0].Ref != ReplyKey(th.ID, body) {
		t.Errorf("eBay holds %+v, want one reply with ref %s", replies, ReplyKey(th.ID, body))
	}
}

// A reply through the Trading API, its process killed before the send and
// after it (eBay took it, the outbox still says in flight), then run
// again: the sent folder is asked for the key first, and eBay holds
// exactly one reply per intent, which the portal shows too.
func TestEbayAPIReplyCrashSendsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 30}, "")
	ctx := testwait.Context(t)
	st := e.addEbayAPIStore(t, e.deps, "ebay-api")
	if sum, err := SyncStores(ctx, e.deps, nil, nil); err != nil || !sum.Stores[0].OK || sum.Stores[0].MessagesChannel != "api" {
		t.Fatalf("sync: %+v %v", sum, err)
	}
	c := e.sb.EbayAPIFor("ebay")
	env := []string{
		secrets.EnvName(secrets.StoreAPIKey(st.Name, "client_id")) + "=" + c.ClientID,
		secrets.EnvName(secrets.StoreAPIKey(st.Name, "client_secret")) + "=" + c.ClientSecret,
		secrets.EnvName(secrets.StoreAPIKey(st.Name, "refresh_token")) + "=" + c.RefreshToken,
	}
	used := map[int64]bool{}
	for _, point := range []string{"in-flight", "confirmed"} {
		th := openThread(t, e, st.Name, used)
		body := fmt.Sprintf("Hello %s, your parcel is on its way (%s).", th.BuyerName, point)
		killed, _ := runReplyProcess(t, e, th, st.Name, body, point, env...)
		if !killed {
			t.Fatalf("the process never reached %s", point)
		}
		key := ReplyKey(th.ID, body)
		want := 0
		if point == "confirmed" {
			want = 1 // eBay took it before the process died
		}
		if n := len(e.sb.State().Replies[th.MarketplaceThreadID]); n != want {
			t.Errorf("killed at %s: eBay holds %d replies, want %d", point, n, want)
		}
		_, res := runReplyProcess(t, e, th, st.Name, body, "none", env...)
		replies := e.sb.State().Replies[th.MarketplaceThreadID]
		if len(replies) != 1 || replies[0].Ref != key || strings.Contains(replies[0].Body, "[ref:") {
			t.Errorf("killed at %s: eBay holds %+v, want exactly one reply with ref %s", point, replies, key)
		}
		if res.Channel != "api" || res.Recovered != (point == "confirmed") {
			t.Errorf("killed at %s, run again: %+v", point, res)
		}
		intent, err := e.deps.DB.GetIntent(ctx, key)
		if err != nil || intent.State != localdb.OutboxDone {
			t.Errorf("killed at %s: outbox %+v %v", point, intent, err)
		}
	}
	// The next sync reads the replies back under the outbox's keys: one
	// message each, not a second copy.
	if sum, err := SyncStores(ctx, e.deps, nil, nil); err != nil || !sum.Stores[0].OK {
		t.Fatalf("sync after the replies: %+v %v", sum, err)
	}
	for id := range used {
		ms, err := e.deps.DB.ListMessages(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		out := 0
		for _, m := range ms {
			if m.Direction == localdb.DirectionOut && strings.HasPrefix(m.MarketplaceMessageID, "ref:") {
				out++
				if strings.Contains(m.Body, "[ref:") {
					t.Errorf("thread %d: the stored reply shows its tag: %q", id, m.Body)
				}
			}
		}
		if out != 1 {
			t.Errorf("thread %d: %d replies stored after the sync, want 1", id, out)
		}
	}
}

// A store whose messages go through the API and the browser ("both") has
// the API read the member messages and the browser the returns and cases,
// which the Trading API does not carry: it ends with every thread a
// browser-only store has, none left out.
func TestEbayBothChannelsKeepReturnsAndCases(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 60}, "")
	ctx := testwait.Context(t)
	web := e.withDB(t, "browser")
	both := e.withDB(t, "both")
	acct := e.sb.Account("ebay")
	spec := StoreSpec{BaseURL: e.sb.URL("ebay"), Username: acct.Username, Recipe: "ebay-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret}
	wspec := spec
	wspec.Name, wspec.Marketplace = "ebay", "ebay"
	wst, err := AddStoreWithRecipes(ctx, web.DB, web.Secrets, web.Recipes, wspec)
	if err != nil {
		t.Fatal(err)
	}
	c := e.sb.EbayAPIFor("ebay")
	bst, ch, err := AddAPIStore(ctx, both, "ebay-both", "ebay", &spec, APISpec{Endpoint: e.sb.URL("ebay"),
		TokenURL: e.sb.URL("ebay") + "/identity/v1/oauth2/token", ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	if ch.Channels.ReadMessages != localdb.ChannelBoth {
		t.Fatalf("an API store with its sign-in reads messages through %q, want both", ch.Channels.ReadMessages)
	}
	if sum, err := SyncStores(ctx, web, nil, nil); err != nil || !sum.Stores[0].OK {
		t.Fatalf("browser sync: %+v %v", sum, err)
	}
	sum, err := SyncStores(ctx, both, nil, nil)
	if err != nil || !sum.Stores[0].OK || sum.Stores[0].MessagesChannel != "api" {
		t.Fatalf("sync with both channels: %+v %v", sum, err)
	}
	wts, err := web.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{wst.ID}})
	if err != nil {
		t.Fatal(err)
	}
	bts, err := both.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{bst.ID}})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]localdb.ThreadKind{}
	for _, th := range bts {
		kinds[th.MarketplaceThreadID] = th.Kind
	}
	returnsAndCases := 0
	for _, w := range wts {
		k, ok := kinds[w.MarketplaceThreadID]
		if !ok || k != w.Kind {
			t.Errorf("thread %s (%s): with both channels stored %v as %q", w.MarketplaceThreadID, w.Kind, ok, k)
		}
		if w.Kind != localdb.KindMessage {
			returnsAndCases++
		}
	}
	if len(bts) != len(wts) || returnsAndCases == 0 {
		t.Errorf("%d threads with both channels, %d through the browser alone (%d returns and cases)", len(bts), len(wts), returnsAndCases)
	}
	// The next sync reads from the cursor and stores nothing again.
	sum, err = SyncStores(ctx, both, nil, nil)
	if err != nil || !sum.Stores[0].OK || sum.Stores[0].NewThreads != 0 || sum.Stores[0].NewMessages != 0 {
		t.Errorf("second sync: %+v %v", sum, err)
	}
}
