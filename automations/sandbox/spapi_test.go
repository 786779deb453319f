package sandbox

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"errors"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

func spClient(t *testing.T, sb *Sandbox, c SPAPI, plans map[string]amazon.Plan) *amazon.Client {
	t.Helper()
	cl, err := amazon.New(amazon.Config{Credentials: amazon.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken},
		MarketplaceID: c.MarketplaceID, BaseURL: sb.URL("amazon"), TokenURL: sb.URL("amazon") + "/auth/o2/token", Plans: plans, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

// The stand-in serves the same orders as the pages, paged by NextToken, in
// the published shape the SP-API client reads.
func TestSPAPIOrdersOverTheWorld(t *testing.T) {
	sb := startSandbox(t, Options{Orders: 500})
	ctx := testwait.Context(t)
	var store string
	for _, st := range sb.world.Stores {
		if st.Marketplace == "amazon" {
			store = st.ID
			break
		}
	}
	fast := map[string]amazon.Plan{"getOrders": {Rate: 50, Burst: 50}, "getOrderItems": {Rate: 50, Burst: 50}, "getMessagingActionsForOrder": {Rate: 50, Burst: 50}, "createUnexpectedProblem": {Rate: 50, Burst: 50}}
	c := spClient(t, sb, sb.SPAPIFor(store), fast)
	got, err := c.AllOrders(ctx, amazon.OrdersQuery{CreatedAfter: sb.world.Start.AddDate(-1, 0, 0)}, 50)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Order{}
	for _, o := range sb.world.StoreOrders(store) {
		if !o.Placed.After(sb.Now()) {
			want[o.ID] = o
		}
	}
	if len(got) != len(want) || len(want) <= spPageSize {
		t.Fatalf("%d orders through the API, the world has %d visible (want more than one page of %d)", len(got), len(want), spPageSize)
	}
	for _, o := range got {
		w := want[o.AmazonOrderID]
		if w == nil {
			t.Fatalf("order %s is not the store's", o.AmazonOrderID)
		}
		if o.OrderTotal == nil || o.OrderTotal.Minor() != w.Value || o.OrderTotal.Currency() != w.Currency || !o.PurchaseDate.Equal(w.Placed.Truncate(time.Second)) {
			t.Fatalf("order %s: %+v, world %+v", o.AmazonOrderID, o, w)
		}
	}
	items, err := c.GetOrderItems(ctx, got[0].AmazonOrderID)
	if err != nil || len(items) != 1 || items[0].Title != want[got[0].AmazonOrderID].Item {
		t.Fatalf("items %+v err %v", items, err)
	}
	acts, err := c.GetMessagingActionsForOrder(ctx, got[0].AmazonOrderID)
	if err != nil || len(acts) == 0 {
		t.Fatalf("actions %v err %v", acts, err)
	}
	if err := c.CreateUnexpectedProblem(ctx, got[0].AmazonOrderID, "Your parcel is delayed."); err != nil {
		t.Fatal(err)
	}
	if n := sb.SPAPISent(got[0].AmazonOrderID, "unexpectedProblem"); n != 1 {
		t.Fatalf("%d messages taken, want 1", n)
	}
	// Another store's order is not found with this store's token.
	for _, o := range sb.world.Orders {
		if o.StoreID != store {
			if _, err := c.GetOrder(ctx, o.ID); apierr.ClassOf(err) != apierr.NotFound {
				t.Fatalf("foreign order: %v", err)
			}
			break
		}
	}
}

// A wrong refresh token is refused as LWA refuses it (auth_failed); an
// access token past its hour is refused with 403 and the client gets a new
// one; past the usage plan the answer is 429 with x-amzn-RateLimit-Limit.
func TestSPAPITokensAndLimits(t *testing.T) {
	sb := startSandbox(t, Options{})
	ctx := testwait.Context(t)
	var store, order string
	for _, o := range sb.world.Orders {
		if o.Marketplace == "amazon" && !o.Placed.After(sb.Now()) {
			store, order = o.StoreID, o.ID
			break
		}
	}
	bad := sb.SPAPIFor(store)
	bad.RefreshToken = "Atzr|wrong"
	if _, err := spClient(t, sb, bad, nil).GetOrder(ctx, order); apierr.ClassOf(err) != apierr.AuthFailed {
		t.Fatalf("wrong refresh token: %v", err)
	}
	c := spClient(t, sb, sb.SPAPIFor(store), map[string]amazon.Plan{"getOrder": {Rate: 1000, Burst: 1000}})
	if _, err := c.GetOrder(ctx, order); err != nil {
		t.Fatal(err)
	}
	sb.Advance(2 * time.Hour)
	if _, err := c.GetOrder(ctx, order); err != nil {
		t.Fatalf("expired access token not renewed: %v", err)
	}
	if s := c.Stats(); s.TokenFetches != 2 || s.Refreshes != 1 {
		t.Fatalf("stats %+v, want 2 token fetches after one refresh", s)
	}
	// getOrder's plan is burst 30 at 0.5/s: the client, told to ignore it,
	// meets 429s before 40 calls.
	var err error
	for range 40 {
		if _, err = c.GetOrder(ctx, order); err != nil {
			break
		}
	}
	if apierr.ClassOf(err) != apierr.RateLimited {
		t.Fatalf("past the usage plan: %v", err)
	}
}

// Injected faults answer the API in its own error shape.
func TestSPAPIFaultShape(t *testing.T) {
	sb := startSandbox(t, Options{})
	ctx := testwait.Context(t)
	var store, order string
	for _, o := range sb.world.Orders {
		if o.Marketplace == "amazon" && !o.Placed.After(sb.Now()) {
			store, order = o.StoreID, o.ID
			break
		}
	}
	c := spClient(t, sb, sb.SPAPIFor(store), map[string]amazon.Plan{"getOrder": {Rate: 1000, Burst: 1000}})
	if _, err := c.GetOrder(ctx, order); err != nil {
		t.Fatal(err)
	}
	if err := sb.SetFaults("amazon.429=1"); err != nil {
		t.Fatal(err)
	}
	_, err := c.GetOrder(ctx, order)
	var e *apierr.Error
	if !errors.As(err, &e) || e.Class != apierr.RateLimited || e.Code != "QuotaExceeded" {
		t.Fatalf("err %v, want rate_limited QuotaExceeded", err)
	}
}

// searchOrders serves the same orders with their packages (carrier,
// tracking number, ship time) as the world holds, each in the marketplace
// of the country it ships to, and marketplaceIds narrows to those.
func TestSPAPISearchOrdersOverTheWorld(t *testing.T) {
	sb := startSandbox(t, Options{Orders: 250})
	ctx := testwait.Context(t)
	var store string
	for _, st := range sb.world.Stores {
		if st.Marketplace == "amazon" {
			store = st.ID
			break
		}
	}
	c := spClient(t, sb, sb.SPAPIFor(store), map[string]amazon.Plan{"searchOrders": {Rate: 50, Burst: 50}})
	got, err := c.AllSearchOrders(ctx, amazon.SearchQuery{MarketplaceIDs: spAllMarketplaces, LastUpdatedAfter: sb.world.Start.AddDate(-1, 0, 0)}, 50)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]*Order{}
	for _, o := range sb.world.StoreOrders(store) {
		if !o.Placed.After(sb.Now()) {
			want[o.ID] = o
		}
	}
	if len(got) != len(want) || len(want) <= spPageSize {
		t.Fatalf("%d orders, the world has %d visible (want more than one page of %d)", len(got), len(want), spPageSize)
	}
	// Amazon's table: the country each of these ids belongs to.
	country := map[string]string{"ATVPDKIKX0DER": "US", "A1F83G8C2ARO7P": "GB", "A1PA6795UKMFR9": "DE", "A13V1IB3VIYZZH": "FR", "A1RKKUPIHCS9HS": "ES", "A1VC38T7YXB528": "JP"}
	markets := map[string]int{}
	for _, o := range got {
		w := want[o.OrderID]
		if w == nil {
			t.Fatalf("order %s is not the store's", o.OrderID)
		}
		markets[o.MarketplaceID]++
		if w.ShipToCountry != "" && country[o.MarketplaceID] != w.ShipToCountry {
			t.Errorf("order %s ships to %s but is in marketplace %s", o.OrderID, w.ShipToCountry, o.MarketplaceID)
		}
		if o.Total == nil || o.Total.Minor() != w.Value || o.BuyerName != w.Buyer || len(o.Items) != 1 || o.Items[0].Title != w.Item {
			t.Fatalf("order %s: %+v, world %+v", o.OrderID, o, w)
		}
		if w.Shipped {
			if len(o.Packages) != 1 || o.Packages[0].TrackingNumber != w.TrackingNumber || o.Packages[0].Carrier != w.Carrier ||
				!o.Packages[0].ShipTime.Equal(w.ShipDate) || o.ShipToCountry != w.ShipToCountry {
				t.Fatalf("order %s packages %+v, world %+v", o.OrderID, o.Packages, w)
			}
		} else if len(o.Packages) != 0 {
			t.Fatalf("unshipped order %s has packages %+v", o.OrderID, o.Packages)
		}
	}
	if len(markets) < 3 {
		t.Errorf("orders in %d marketplaces (%v), want the world's several", len(markets), markets)
	}
	jp, err := c.AllSearchOrders(ctx, amazon.SearchQuery{MarketplaceIDs: []string{"A1VC38T7YXB528"}, LastUpdatedAfter: sb.world.Start.AddDate(-1, 0, 0)}, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(jp) != markets["A1VC38T7YXB528"] {
		t.Errorf("marketplaceIds=JP: %d orders, want %d", len(jp), markets["A1VC38T7YXB528"])
	}
	for _, o := range jp {
		if o.MarketplaceID != "A1VC38T7YXB528" {
			t.Errorf("order %s of %s in the JP answer", o.OrderID, o.MarketplaceID)
		}
	}
}
