package marketplace

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/tiktok"
)

// addTiktokAPIStore registers the sandbox's TikTok store "tiktok" as a
// store reached through the Open API alone.
func (e *env) addTiktokAPIStore(t *testing.T, deps *Deps, name string) localdb.Store {
	t.Helper()
	c := e.sb.TiktokAPIFor("tiktok")
	st, acct, err := AddAPIStore(context.Background(), deps, name, "tiktok", nil, APISpec{Marketplace: c.ShopCipher,
		Endpoint: e.sb.URL("tiktok"), TokenURL: e.sb.URL("tiktok") + "/api/v2/token/refresh",
		ClientID: c.AppKey, ClientSecret: c.AppSecret, RefreshToken: c.RefreshToken})
	if err != nil {
		t.Fatalf("add TikTok API store %s: %v", name, err)
	}
	want := localdb.Channels{Orders: localdb.ChannelAPI, ReadMessages: localdb.ChannelAPI, Reply: localdb.ChannelAPI, Proactive: localdb.ChannelNone}
	if acct.API != "tiktok-shop-api" || acct.Channels != want || len(acct.MarketplaceIDs) != 1 || acct.MarketplaceIDs[0] != c.ShopCipher {
		t.Fatalf("account %+v", acct)
	}
	return st
}

// ttThreadRow is a thread's stored columns that say what it is, without the
// database's own ids and times, its order by its marketplace id. The
// subject is left out: the seller centre shows one, the Open API's
// conversations have none (Get Conversations publishes no subject).
type ttThreadRow struct {
	ID, Order, Buyer, Language, Kind, Status string
	Deadline                                 time.Time
	LinkedOrder                              bool
}

func ttThreadRowOf(th localdb.Thread) ttThreadRow {
	return ttThreadRow{ID: th.MarketplaceThreadID, Order: th.MarketplaceOrderID, Buyer: th.BuyerName, Language: th.Language,
		Kind: string(th.Kind), Status: string(th.Status), Deadline: th.ReplyDeadline.UTC(), LinkedOrder: th.OrderID != 0}
}

// storedMessageRows are a thread's messages as text, attachments by file name,
// type, size and digest (the folder is each database's own).
func storedMessageRows(t *testing.T, db *localdb.DB, threadID int64) []string {
	t.Helper()
	ms, err := db.ListMessages(context.Background(), threadID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range ms {
		var atts []string
		for _, a := range m.Attachments {
			atts = append(atts, fmt.Sprintf("%s|%s|%d|%s|%s", a.FileName, a.MIME, a.Size, a.SHA256, filepath.Base(a.LocalPath)))
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%q|%s|%s|%v|%s", m.MarketplaceMessageID, m.Direction, m.Sender, m.Body,
			m.SentAt.UTC().Format(time.RFC3339), m.Language, m.Automatic, strings.Join(atts, ",")))
	}
	sort.Strings(out)
	return out
}

// One sandbox world's TikTok store synced both ways, into two databases:
// through the seller centre in the browser, and through the Open API
// alone. Orders, parcels, threads and messages (with their photos) are
// the same, row by row.
func TestTiktokAPISyncMatchesBrowserSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 60}, "")
	ctx := testwait.Context(t)
	web := e.withDB(t, "browser")
	api := e.withDB(t, "api")
	web.AttachmentDir, api.AttachmentDir = filepath.Join(e.dir, "web-files"), filepath.Join(e.dir, "api-files")
	acct := e.sb.Account("tiktok")
	wst, err := AddStoreWithRecipes(ctx, web.DB, web.Secrets, web.Recipes, StoreSpec{Name: "tiktok", Marketplace: "tiktok",
		BaseURL: e.sb.URL("tiktok"), Username: acct.Username, Recipe: "tiktok-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret})
	if err != nil {
		t.Fatal(err)
	}
	ast := e.addTiktokAPIStore(t, api, "tiktok")
	wsum, err := SyncStores(ctx, web, nil, nil)
	if err != nil || !wsum.Stores[0].OK {
		t.Fatalf("browser sync: %+v %v", wsum, err)
	}
	api.Browser = nil // a store reached through its API alone needs no browser
	items := newItemLog()
	asum, err := SyncStoresWith(ctx, api, nil, SyncOptions{Record: items}, nil)
	if err != nil || !asum.Stores[0].OK {
		t.Fatalf("API sync: %+v %v", asum, err)
	}
	s := asum.Stores[0]
	if s.OrdersChannel != "api" || s.NewThreads != wsum.Stores[0].NewThreads || s.NewMessages != wsum.Stores[0].NewMessages || s.Attachments != wsum.Stores[0].Attachments {
		t.Errorf("API summary %+v, browser %+v", s, wsum.Stores[0])
	}
	for _, k := range []string{"orders:tiktok:api", "messages:tiktok:api"} {
		if it := items.items[k]; it == nil || !it.Ended || it.Class != "" {
			t.Errorf("run record %s: %+v", k, it)
		}
	}

	// Orders and their parcels.
	worders, _ := web.DB.ListOrders(ctx, wst.ID)
	aorders, _ := api.DB.ListOrders(ctx, ast.ID)
	if len(worders) < 5 || len(worders) != len(aorders) {
		t.Fatalf("browser stored %d orders, the API %d", len(worders), len(aorders))
	}
	byID := map[string]localdb.Order{}
	for _, o := range aorders {
		byID[o.MarketplaceOrderID] = o
	}
	shipments := func(db *localdb.DB, orders []localdb.Order) map[string]string {
		t.Helper()
		ids := map[int64]string{}
		for _, o := range orders {
			ids[o.ID] = o.MarketplaceOrderID
		}
		list, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, sh := range list {
			out[sh.TrackingNumber] = fmt.Sprintf("%s|%s|%s|%s|%s|%s", ids[sh.OrderID], sh.Courier, sh.Service, sh.ShipDate.UTC().Format(time.RFC3339), sh.Tag, sh.Subtag)
		}
		return out
	}
	for _, w := range worders {
		if a := byID[w.MarketplaceOrderID]; rowOf(w) != rowOf(a) {
			t.Errorf("order %s differs:\n browser %+v\n api     %+v", w.MarketplaceOrderID, rowOf(w), rowOf(a))
		}
	}
	wship, aship := shipments(web.DB, worders), shipments(api.DB, aorders)
	shipped := len(wship)
	if len(wship) != len(aship) {
		t.Errorf("browser stored %d parcels, the API %d", len(wship), len(aship))
	}
	for n, w := range wship {
		if aship[n] != w {
			t.Errorf("parcel %s differs:\n browser %s\n api     %s", n, w, aship[n])
		}
	}
	if shipped == 0 {
		t.Error("no shipped order compared")
	}

	// Threads and their messages.
	wthreads, _ := web.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{wst.ID}})
	athreads, _ := api.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{ast.ID}})
	if len(wthreads) < 5 || len(wthreads) != len(athreads) {
		t.Fatalf("browser stored %d threads, the API %d", len(wthreads), len(athreads))
	}
	abyID := map[string]localdb.Thread{}
	for _, th := range athreads {
		abyID[th.MarketplaceThreadID] = th
	}
	photos := 0
	for _, w := range wthreads {
		a, ok := abyID[w.MarketplaceThreadID]
		if !ok {
			t.Errorf("thread %s: stored by the browser, not through the API", w.MarketplaceThreadID)
			continue
		}
		if ttThreadRowOf(w) != ttThreadRowOf(a) {
			t.Errorf("thread %s differs:\n browser %+v\n api     %+v", w.MarketplaceThreadID, ttThreadRowOf(w), ttThreadRowOf(a))
		}
		wm, am := storedMessageRows(t, web.DB, w.ID), storedMessageRows(t, api.DB, a.ID)
		if strings.Join(wm, "\n") != strings.Join(am, "\n") {
			t.Errorf("thread %s messages differ:\n browser %q\n api     %q", w.MarketplaceThreadID, wm, am)
		}
		for _, m := range wm {
			if strings.Contains(m, ".png|image/png|") {
				photos++
			}
		}
	}
	if photos == 0 {
		t.Error("no photo compared")
	}
	t.Logf("compared %d orders (%d shipped), %d threads, %d messages with photos", len(worders), shipped, len(wthreads), photos)

	// A second sync reads only what changed: nothing new is stored.
	asum, err = SyncStores(ctx, api, nil, nil)
	if err != nil || !asum.Stores[0].OK || asum.Stores[0].NewThreads != 0 || asum.Stores[0].NewMessages != 0 {
		t.Fatalf("second API sync: %+v %v", asum, err)
	}
}

// A reply through the API goes through the outbox under the same key as
// the browser's; the world then holds it, the local thread keeps it under
// TikTok's message id, and a later sync stores nothing twice. A send whose
// answer was lost is found in the conversation before anything is sent
// again.
func TestTiktokReplyThroughAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 20}, "")
	ctx := testwait.Context(t)
	api := e.withDB(t, "api")
	api.Browser = nil
	st := e.addTiktokAPIStore(t, api, "tiktok")
	if sum, err := SyncStores(ctx, api, nil, nil); err != nil || !sum.Stores[0].OK {
		t.Fatalf("sync: %+v %v", sum, err)
	}
	threads, _ := api.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{st.ID}})
	if len(threads) < 2 {
		t.Fatalf("%d threads", len(threads))
	}
	th := threads[0]
	const body = "Your parcel is on its way; it should reach you this week."
	res, err := SendReplyResult(ctx, api, th.ID, body, nil)
	if err != nil || res.AlreadySent || res.Recovered || res.Key != ReplyKey(th.ID, body) {
		t.Fatalf("reply: %+v %v", res, err)
	}
	countInWorld := func(conv, text string) int {
		n := 0
		for _, r := range e.sb.State().Replies[conv] {
			if r.Body == text {
				n++
			}
		}
		return n
	}
	if n := countInWorld(th.MarketplaceThreadID, body); n != 1 {
		t.Fatalf("the world holds the reply %d times", n)
	}
	again, err := SendReplyResult(ctx, api, th.ID, body, nil)
	if err != nil || !again.AlreadySent {
		t.Fatalf("second send: %+v %v", again, err)
	}
	before := len(storedMessageRows(t, api.DB, th.ID))
	if sum, err := SyncStores(ctx, api, nil, nil); err != nil || !sum.Stores[0].OK {
		t.Fatalf("sync after the reply: %+v %v", sum, err)
	}
	if after := len(storedMessageRows(t, api.DB, th.ID)); after != before {
		t.Errorf("the sync stored the reply again: %d messages, were %d", after, before)
	}

	// A send whose answer was lost: TikTok has the message, the outbox
	// holds the intent in flight. The next attempt asks the conversation
	// first and records it.
	other := threads[1]
	const lost = "Thank you for your patience."
	c := e.sb.TiktokAPIFor("tiktok")
	cl, err := tiktok.New(tiktok.Config{AppKey: c.AppKey, AppSecret: c.AppSecret, RefreshToken: c.RefreshToken, ShopCipher: c.ShopCipher,
		BaseURL: e.sb.URL("tiktok"), TokenURL: e.sb.URL("tiktok") + "/api/v2/token/refresh", Now: e.sb.Now})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cl.SendText(ctx, other.MarketplaceThreadID, lost); err != nil {
		t.Fatal(err)
	}
	ent, _, err := api.DB.WriteIntent(ctx, localdb.Intent{Key: ReplyKey(other.ID, lost), Kind: localdb.OutboxReply,
		Target: fmt.Sprintf("thread:%d", other.ID), Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.DB.MarkInFlight(ctx, ent.ID); err != nil {
		t.Fatal(err)
	}
	res, err = SendReplyResult(ctx, api, other.ID, lost, nil)
	if err != nil || !res.Recovered {
		t.Fatalf("recovery: %+v %v", res, err)
	}
	if n := countInWorld(other.MarketplaceThreadID, lost); n != 1 {
		t.Fatalf("the world holds the lost reply %d times, want 1", n)
	}
}

// A store whose API credentials TikTok refuses fails as auth_failed, with
// no secret in the summary.
func TestTiktokAPIRefusedCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 10}, "")
	ctx := testwait.Context(t)
	api := e.withDB(t, "api")
	api.Browser = nil
	c := e.sb.TiktokAPIFor("tiktok")
	if _, _, err := AddAPIStore(ctx, api, "tiktok", "tiktok", nil, APISpec{Marketplace: c.ShopCipher, Endpoint: e.sb.URL("tiktok"),
		TokenURL: e.sb.URL("tiktok") + "/api/v2/token/refresh", ClientID: c.AppKey, ClientSecret: "wrong-secret", RefreshToken: c.RefreshToken}); err != nil {
		t.Fatal(err)
	}
	sum, err := SyncStores(ctx, api, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	if s.OK || s.FailureClass != "auth_failed" || strings.Contains(s.Error, "wrong-secret") {
		t.Fatalf("summary %+v", s)
	}
}

// With the seller centre sign-in too, every job is both: the API does
// them and the browser is not opened; when TikTok refuses the app, each
// failure is recorded and said, and the browser reads the orders and the
// buyer messages instead.
func TestTiktokBothChannels(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 20}, "")
	ctx := testwait.Context(t)
	acct := e.sb.Account("tiktok")
	c := e.sb.TiktokAPIFor("tiktok")
	add := func(deps *Deps, name, refresh string) localdb.Store {
		t.Helper()
		st, a, err := AddAPIStore(ctx, deps, name, "tiktok", &StoreSpec{BaseURL: e.sb.URL("tiktok"), Username: acct.Username, Recipe: "tiktok-sandbox",
			Password: acct.Password, TOTPSecret: acct.TOTPSecret}, APISpec{Marketplace: c.ShopCipher, Endpoint: e.sb.URL("tiktok"),
			TokenURL: e.sb.URL("tiktok") + "/api/v2/token/refresh", ClientID: c.AppKey, ClientSecret: c.AppSecret, RefreshToken: refresh})
		if err != nil {
			t.Fatal(err)
		}
		if want := (localdb.Channels{Orders: "both", ReadMessages: "both", Reply: "both", Proactive: "none"}); a.Channels != want {
			t.Fatalf("channels %+v", a.Channels)
		}
		return st
	}
	threads, msgs := visibleThreads(e.sb, "tiktok")

	good := e.withDB(t, "good")
	add(good, "tiktok-both", c.RefreshToken)
	sum, err := SyncStores(ctx, good, nil, nil)
	if err != nil || !sum.Stores[0].OK || sum.Stores[0].OrdersChannel != "api" || sum.Stores[0].MessagesChannel != "api" ||
		sum.Stores[0].NewThreads != threads || sum.Stores[0].NewMessages != msgs {
		t.Fatalf("sync through the API: %+v %v (the site shows %d threads, %d messages)", sum, err, threads, msgs)
	}
	if n := e.sb.State().Logins["tiktok"].Succeeded; n != 0 {
		t.Errorf("the browser signed in %d times; the API did every job", n)
	}

	bad := e.withDB(t, "bad")
	st := add(bad, "tiktok-fallback", "ROW_revoked")
	items := newItemLog()
	sum, err = SyncStoresWith(ctx, bad, nil, SyncOptions{Record: items}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	if !s.OK || s.OrdersChannel != "browser" || !strings.Contains(s.APIError, "auth_failed") || s.MessagesChannel != "browser" ||
		!strings.Contains(s.MessagesAPIError, "auth_failed") || s.NewThreads != threads || s.NewMessages != msgs {
		t.Fatalf("fall-back sync: %+v (the site shows %d threads, %d messages)", s, threads, msgs)
	}
	for _, k := range []string{"orders:tiktok-fallback:api", "messages:tiktok-fallback:api"} {
		if it := items.items[k]; it == nil || string(it.Class) != "auth_failed" || !strings.Contains(it.Err, "the browser reads this sync's") {
			t.Errorf("run record %s: %+v", k, it)
		}
	}
	if orders, err := bad.DB.ListOrders(ctx, st.ID); err != nil || len(orders) == 0 {
		t.Errorf("no order stored through the browser fall-back: %v", err)
	}
	// A reply TikTok refuses before it goes out is sent by the browser,
	// once, under the same outbox key.
	ths, _ := bad.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{st.ID}})
	if len(ths) == 0 {
		t.Fatal("no thread")
	}
	const body = "We are sorry for the wait; a new parcel goes out today."
	res, err := SendReplyResult(ctx, bad, ths[0].ID, body, nil)
	if err != nil || res.Key != ReplyKey(ths[0].ID, body) {
		t.Fatalf("reply with the API refused: %+v %v", res, err)
	}
	sent := 0
	for _, r := range e.sb.State().Replies[ths[0].MarketplaceThreadID] {
		if r.Body == body {
			sent++
		}
	}
	if sent != 1 {
		t.Errorf("the world holds the reply %d times, want 1", sent)
	}
	if err := TestAPI(ctx, bad, st); !strings.Contains(fmt.Sprint(err), "auth_failed") {
		t.Errorf("stores test of the revoked app: %v", err)
	}
	gst, _ := good.DB.GetStoreByName(ctx, "tiktok-both")
	if err := TestAPI(ctx, good, gst); err != nil {
		t.Errorf("stores test: %v", err)
	}
}
