package marketplace

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

// fastPlans lets the tests page through the stand-in without waiting out
// the published searchOrders rate (0.0056 a second); the benchmark keeps
// the published plans.
var fastPlans = map[string]amazon.Plan{"searchOrders": {Rate: 50, Burst: 50}}

// withDB is deps on a fresh database of its own, over the same sandbox.
func (e *env) withDB(t *testing.T, name string) *Deps {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(e.dir, name+".db"), localdb.WithClock(e.sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	d := *e.deps
	d.DB, d.Secrets, d.APIPlans = db, NewMemorySecrets(), fastPlans
	return &d
}

// addAPIStore registers the sandbox's Amazon store "amazon" as an API store,
// with its Seller Central sign-in too when browser is set.
func (e *env) addAPIStore(t *testing.T, deps *Deps, name string, browser bool, refresh string, orders localdb.Channel) localdb.Store {
	t.Helper()
	c := e.sb.SPAPIFor("amazon")
	if refresh == "" {
		refresh = c.RefreshToken
	}
	spec := APISpec{Marketplace: c.MarketplaceID, Endpoint: e.sb.URL("amazon"), TokenURL: e.sb.URL("amazon") + "/auth/o2/token",
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: refresh, Channels: localdb.Channels{Orders: orders}}
	var web *StoreSpec
	if browser {
		acct := e.sb.Account("amazon")
		web = &StoreSpec{BaseURL: e.sb.URL("amazon"), Username: acct.Username, Recipe: "amazon-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret}
	}
	st, _, err := AddAPIStore(context.Background(), deps, name, "amazon", web, spec)
	if err != nil {
		t.Fatalf("add API store %s: %v", name, err)
	}
	return st
}

// addEbayAPIStore registers the sandbox's eBay store "ebay" as a store
// reached through the Sell Fulfillment API alone.
func (e *env) addEbayAPIStore(t *testing.T, deps *Deps, name string) localdb.Store {
	t.Helper()
	c := e.sb.EbayAPIFor("ebay")
	st, _, err := AddAPIStore(context.Background(), deps, name, "ebay", nil, APISpec{Endpoint: e.sb.URL("ebay"),
		TokenURL: e.sb.URL("ebay") + "/identity/v1/oauth2/token", ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken})
	if err != nil {
		t.Fatalf("add eBay API store %s: %v", name, err)
	}
	return st
}

// orderRow is an order's stored columns that say what it is, without the
// database's own ids and times; items as title, quantity and unit price
// (the API adds the seller SKU, which the pages do not show).
type orderRow struct {
	ID, Buyer, Currency, Carrier, Service, Tracking, From, To string
	Value                                                     int64
	Ship                                                      time.Time
	Items                                                     string
}

func rowOf(o localdb.Order) orderRow {
	var items []string
	for _, it := range o.Items {
		items = append(items, it.Title+"|"+strconv.Itoa(it.Quantity)+"|"+strconv.FormatInt(it.UnitPrice, 10))
	}
	return orderRow{ID: o.MarketplaceOrderID, Buyer: o.BuyerName, Currency: o.Currency, Carrier: o.Carrier, Service: o.Service,
		Tracking: o.TrackingNumber, From: o.OriginCountry, To: o.DestinationCountry, Value: o.DeclaredValue, Ship: o.ShipDate.UTC(),
		Items: strings.Join(items, ";")}
}

// One sandbox world synced both ways: the browser store walks the order
// list of the site's pages; the API store reads every order through
// searchOrders. Both hold exactly the world's visible orders, and every
// order and parcel the browser stored is stored the same through the API,
// column by column.
func TestAPISyncMatchesBrowserSync(t *testing.T) {
	t.Parallel()
	for _, m := range []string{"amazon", "ebay"} {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			testAPISyncMatchesBrowser(t, m)
		})
	}
}

func testAPISyncMatchesBrowser(t *testing.T, m string) {
	e := newEnv(t, sandbox.Options{Orders: 60}, "")
	ctx := testwait.Context(t)
	web := e.withDB(t, "browser")
	api := e.withDB(t, "api")
	wst, err := AddStoreWithRecipes(ctx, web.DB, web.Secrets, web.Recipes, StoreSpec{Name: m, Marketplace: m,
		BaseURL: e.sb.URL(m), Username: e.sb.Account(m).Username, Recipe: m + "-sandbox",
		Password: e.sb.Account(m).Password, TOTPSecret: e.sb.Account(m).TOTPSecret})
	if err != nil {
		t.Fatal(err)
	}
	var ast localdb.Store
	if m == "ebay" {
		ast = e.addEbayAPIStore(t, api, "ebay-api")
	} else {
		ast = e.addAPIStore(t, api, "amazon-api", false, "", "")
	}
	wsum, err := SyncStores(ctx, web, nil, nil)
	if err != nil || !wsum.Stores[0].OK {
		t.Fatalf("browser sync: %+v %v", wsum, err)
	}
	items := newItemLog()
	api.Browser = nil // an API-only store needs no browser
	asum, err := SyncStoresWith(ctx, api, nil, SyncOptions{Record: items}, nil)
	if err != nil || !asum.Stores[0].OK {
		t.Fatalf("API sync: %+v %v", asum, err)
	}
	// eBay's API store reads its messages through the Trading API too;
	// Amazon's has no API for them.
	if s := asum.Stores[0]; s.OrdersChannel != "api" || s.APIRequests < 1 || (s.NewThreads != 0) != (m == "ebay") {
		t.Errorf("API store summary: %+v", s)
	}
	if it := items.items["orders:"+ast.Name+":api"]; it == nil || !it.Ended || it.Class != "" {
		t.Errorf("run record of the API orders: %+v", it)
	}

	worders, err := web.DB.ListOrders(ctx, wst.ID)
	if err != nil {
		t.Fatal(err)
	}
	aorders, err := api.DB.ListOrders(ctx, ast.ID)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]localdb.Order{}
	for _, o := range aorders {
		byID[o.MarketplaceOrderID] = o
	}
	visible := 0
	for _, o := range e.sb.World().StoreOrders(m) {
		if !o.Placed.After(e.sb.Now()) {
			visible++
			if _, ok := byID[o.ID]; !ok {
				t.Errorf("world order %s not stored through the API", o.ID)
			}
		}
	}
	if len(aorders) != visible {
		t.Errorf("API store holds %d orders, the world shows %d", len(aorders), visible)
	}
	if len(worders) != visible {
		t.Errorf("the browser store holds %d orders, the world shows %d", len(worders), visible)
	}
	if len(worders) < 5 {
		t.Fatalf("the browser stored only %d orders; the comparison needs more", len(worders))
	}
	shipped := 0
	for _, w := range worders {
		a, ok := byID[w.MarketplaceOrderID]
		if !ok {
			t.Errorf("order %s: stored by the browser, not through the API", w.MarketplaceOrderID)
			continue
		}
		if rowOf(w) != rowOf(a) {
			t.Errorf("order %s differs:\n browser %+v\n api     %+v", w.MarketplaceOrderID, rowOf(w), rowOf(a))
		}
		if w.TrackingNumber == "" {
			continue
		}
		shipped++
		ws, werr := web.DB.GetShipmentByNumber(ctx, strings.ToLower(w.Carrier), w.TrackingNumber)
		as, aerr := api.DB.GetShipmentByNumber(ctx, strings.ToLower(a.Carrier), a.TrackingNumber)
		if werr != nil || aerr != nil {
			t.Errorf("order %s parcel: browser %v, API %v", w.MarketplaceOrderID, werr, aerr)
			continue
		}
		if ws.Courier != as.Courier || ws.TrackingNumber != as.TrackingNumber || ws.Service != as.Service || !ws.ShipDate.Equal(as.ShipDate) ||
			ws.Tag != as.Tag || ws.OrderID != w.ID || as.OrderID != a.ID {
			t.Errorf("order %s parcel differs:\n browser %+v\n api     %+v", w.MarketplaceOrderID, ws, as)
		}
	}
	if shipped == 0 {
		t.Error("no shipped order compared")
	}
	t.Logf("%d orders of the browser compared with the API's, %d with parcels; the API stored %d", len(worders), shipped, len(aorders))

	// A second sync reads only what changed since the cursor, and stores
	// nothing twice.
	asum, err = SyncStores(ctx, api, nil, nil)
	if err != nil || !asum.Stores[0].OK {
		t.Fatalf("second API sync: %+v %v", asum, err)
	}
	if n := asum.Stores[0].Orders; n >= visible {
		t.Errorf("second sync read %d orders again, want only those changed since the cursor", n)
	}
	again, _ := api.DB.ListOrders(ctx, ast.ID)
	if len(again) != len(aorders) {
		t.Errorf("after a second sync: %d orders, was %d", len(again), len(aorders))
	}
}

// With both channels, an API that refuses the credentials is recorded as a
// failed item and said in the summary; the browser reads the orders
// instead, and the store's threads are all stored.
func TestAPIFailureFallsBackToBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 30}, "")
	ctx := testwait.Context(t)
	deps := e.withDB(t, "both")
	st := e.addAPIStore(t, deps, "amazon-both", true, "Atzr|revoked", "")
	items := newItemLog()
	sum, err := SyncStoresWith(ctx, deps, nil, SyncOptions{Record: items}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	if !s.OK || s.OrdersChannel != "browser" || !strings.Contains(s.APIError, "auth_failed") {
		t.Fatalf("summary: %+v", s)
	}
	it := items.items["orders:amazon-both:api"]
	if it == nil || string(it.Class) != "auth_failed" || !strings.Contains(it.Err, "the browser reads this sync's orders instead") {
		t.Errorf("run record: %+v", it)
	}
	threads, msgs := visibleThreads(e.sb, "amazon")
	if s.NewThreads != threads || s.NewMessages != msgs {
		t.Errorf("%d threads and %d messages stored, the site shows %d and %d", s.NewThreads, s.NewMessages, threads, msgs)
	}
	orders, err := deps.DB.ListOrders(ctx, st.ID)
	if err != nil || len(orders) == 0 {
		t.Fatalf("no order stored through the browser fall-back: %v", err)
	}
	for _, o := range orders {
		w := e.sb.World().Order(o.MarketplaceOrderID)
		if w == nil || o.DeclaredValue != w.Value || o.TrackingNumber != w.TrackingNumber {
			t.Errorf("order %s: stored %+v, world %+v", o.MarketplaceOrderID, o, w)
		}
	}
}
