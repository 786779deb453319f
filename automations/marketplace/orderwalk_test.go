package marketplace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// shownOrders returns a store's orders as its sites show them now: those
// placed by now, each as it stands now.
func shownOrders(sb *sandbox.Sandbox, store string) []*sandbox.Order {
	now := sb.Now()
	var out []*sandbox.Order
	for _, o := range sb.World().StoreOrders(store) {
		if o.PlacedBy(now) {
			out = append(out, o.At(now))
		}
	}
	return out
}

// listPages is how many order-list pages the sandbox served, by marketplace.
func listPages(sb *sandbox.Sandbox, m string) int {
	key := map[string]string{"amazon": "amazon.orders_list", "ebay": "ebay.orders_list", "tiktok": "tiktok.orders_search"}[m]
	return sb.State().Requests[key]
}

// ordersPerPage is how many orders one page of each order list holds.
var ordersPerPage = map[string]int{"amazon": 50, "ebay": 200, "tiktok": 100}

// checkStored checks that the store holds every order the sites show, each
// with the world's carrier, tracking number, countries and value, and
// that every shipped one has its parcel to track; it returns how many
// were shipped.
func checkStored(t *testing.T, ctx context.Context, db *localdb.DB, st localdb.Store, shown []*sandbox.Order) int {
	t.Helper()
	stored, err := db.ListOrders(ctx, st.ID)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]localdb.Order{}
	for _, o := range stored {
		byID[o.MarketplaceOrderID] = o
	}
	if len(stored) != len(shown) {
		t.Errorf("%d orders stored, the site shows %d", len(stored), len(shown))
	}
	shipped := 0
	for _, w := range shown {
		o, ok := byID[w.ID]
		if !ok {
			t.Errorf("order %s (shipped %v) not stored", w.ID, w.Shipped)
			continue
		}
		value, err := money.New(w.Value, w.Currency)
		if err != nil {
			t.Fatal(err)
		}
		if o.DeclaredValue != value.Minor() || o.Currency != w.Currency {
			t.Errorf("order %s: value %d %s, the world has %d %s", w.ID, o.DeclaredValue, o.Currency, w.Value, w.Currency)
		}
		if !w.Shipped {
			if o.TrackingNumber != "" {
				t.Errorf("order %s is not shipped, but has tracking number %q", w.ID, o.TrackingNumber)
			}
			continue
		}
		shipped++
		if o.TrackingNumber != w.TrackingNumber || o.OriginCountry != w.ShipFromCountry || o.DestinationCountry != w.ShipToCountry ||
			!o.ShipDate.Equal(w.ShipDate) {
			t.Errorf("order %s stored %q %s->%s shipped %s, the world has %q %s->%s shipped %s", w.ID, o.TrackingNumber,
				o.OriginCountry, o.DestinationCountry, o.ShipDate, w.TrackingNumber, w.ShipFromCountry, w.ShipToCountry, w.ShipDate)
			continue
		}
		p, ok := shipments.OfOrder(o)
		if !ok || string(p.Courier) != w.Carrier {
			t.Errorf("order %s: carrier %q gives courier %q, the world's is %s", w.ID, o.Carrier, p.Courier, w.Carrier)
			continue
		}
		if sh, err := db.GetShipmentByNumber(ctx, string(p.Courier), p.TrackingNumber); err != nil || sh.OrderID != o.ID {
			t.Errorf("order %s: parcel %s %s not stored for it: %+v %v", w.ID, w.Carrier, w.TrackingNumber, sh, err)
		}
	}
	return shipped
}

// A fresh sync walks the store's whole order list: every order the site
// shows is stored, each shipped one with the world's carrier and tracking
// number, and AdoptOrders finds one parcel for each and nothing more to
// add. Then the world gains an order: the next sync stores just that one,
// from the list's first page; once it ships, the sync after stores its
// tracking number, again from one page.
func TestOrderWalkStoresEveryOrderThenOnlyTheNew(t *testing.T) {
	t.Parallel()
	for _, m := range Marketplaces {
		t.Run(m, func(t *testing.T) {
			t.Parallel()
			testOrderWalk(t, m)
		})
	}
}

func testOrderWalk(t *testing.T, m string) {
	e := newEnv(t, sandbox.Options{Orders: 110, LaterOrders: 1}, "")
	ctx := testwait.Context(t)
	st := e.addStore(t, m)
	db := e.deps.DB
	var later *sandbox.Order
	for _, o := range e.sb.World().StoreOrders(m) {
		if o.Placed.After(e.sb.Now()) {
			later = o
		}
	}
	if later == nil || !later.Shipped {
		t.Fatalf("the world has no later order for %s: %+v", m, later)
	}

	sync := func(round string) StoreSummary {
		t.Helper()
		items := newItemLog()
		sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: items}, nil)
		if err != nil {
			t.Fatal(err)
		}
		s := sum.Stores[0]
		if !s.OK {
			t.Fatalf("%s: %s %s (evidence %s)", round, s.FailureClass, s.Error, s.Evidence)
		}
		it := items.items["orders:"+st.Name+":list"]
		if it == nil || !it.Ended || it.Class != "" {
			items.logFailures(t)
			t.Fatalf("%s: the order list's run item: %+v", round, it)
		}
		return s
	}

	shown := shownOrders(e.sb, m)
	s := sync("first sync")
	shipped := checkStored(t, ctx, db, st, shown)
	wantPages := (len(shown) + ordersPerPage[m] - 1) / ordersPerPage[m]
	if s.ListedOrders != len(shown) || s.OrderPages != wantPages || listPages(e.sb, m) != wantPages {
		t.Errorf("first walk: %d orders stored from %d pages (%d served), want %d from %d", s.ListedOrders, s.OrderPages,
			listPages(e.sb, m), len(shown), wantPages)
	}
	if shipped < len(shown)/2 {
		t.Fatalf("only %d of %d orders shipped: too few to tell", shipped, len(shown))
	}
	added, err := tracking.AdoptOrders(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	parcels, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if added != 0 || len(parcels) != shipped {
		t.Errorf("AdoptOrders added %d parcels to %d; want every one of the %d shipped orders already there", added, len(parcels), shipped)
	}
	t.Logf("%s first walk: %d orders (%d shipped) from %d pages", m, s.ListedOrders, shipped, s.OrderPages)

	// The buyer places an order; it has no parcel yet.
	e.sb.Advance(later.Placed.Sub(e.sb.Now()) + 1)
	before := listPages(e.sb, m)
	s = sync("sync after a new order")
	shown = shownOrders(e.sb, m)
	checkStored(t, ctx, db, st, shown)
	if s.ListedOrders != 1 || s.OrderPages != 1 || listPages(e.sb, m)-before != 1 {
		t.Errorf("walk after one new order: %d orders stored from %d pages (%d served), want 1 from 1", s.ListedOrders, s.OrderPages,
			listPages(e.sb, m)-before)
	}
	if o, err := db.GetOrderByMarketplaceID(ctx, st.ID, later.ID); err != nil || o.TrackingNumber != "" {
		t.Errorf("the new order before it shipped: %+v %v", o, err)
	}

	// It ships: the next walk stores its tracking number.
	e.sb.Advance(later.ShipDate.Sub(e.sb.Now()) + 1)
	before = listPages(e.sb, m)
	s = sync("sync after it shipped")
	shown = shownOrders(e.sb, m)
	if n := checkStored(t, ctx, db, st, shown); n != shipped+1 {
		t.Errorf("%d shipped orders stored after the new one shipped, want %d", n, shipped+1)
	}
	if s.ListedOrders != 1 || s.OrderPages != 1 || listPages(e.sb, m)-before != 1 {
		t.Errorf("walk after the new order shipped: %d orders stored from %d pages (%d served), want 1 from 1", s.ListedOrders,
			s.OrderPages, listPages(e.sb, m)-before)
	}
	if o, err := db.GetOrderByMarketplaceID(ctx, st.ID, later.ID); err != nil || o.TrackingNumber != later.TrackingNumber {
		t.Errorf("the new order once shipped: %+v %v", o, err)
	}
}

// variant2ButOrders is the override of the sandbox's second amazon layout
// for everything but its order pages: the sign-in, the inbox and the
// threads are read, the order list no longer fits the recipe.
func variant2ButOrders(t *testing.T) string {
	t.Helper()
	var keep []string
	for _, line := range strings.Split(Variant2Override, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "orders.") {
			keep = append(keep, line)
		}
	}
	return strings.Join(keep, "\n")
}

// An order list whose page no longer fits the recipe is a failed item,
// page_changed with evidence of that page, and nothing read from it is
// stored; the threads are still read, and the next walk starts afresh.
func TestOrderWalkChangedPageIsPageChanged(t *testing.T) {
	t.Parallel()
	overrides := t.TempDir()
	if err := os.WriteFile(filepath.Join(overrides, "amazon-sandbox.yaml"), []byte(variant2ButOrders(t)), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, sandbox.Options{Orders: 30, Faults: "amazon.variant=2"}, overrides)
	ctx := testwait.Context(t)
	st := e.addStore(t, "amazon")
	items := newItemLog()
	sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: items}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	threads, msgs := visibleThreads(e.sb, "amazon")
	if !s.OK || s.NewThreads != threads || s.NewMessages != msgs || s.Failed == 0 || s.ListedOrders != 0 {
		t.Errorf("summary: %+v; want the %d threads read and the order list failed", s, threads)
	}
	it := items.items["orders:amazon:list"]
	if it == nil || !it.Ended || it.Class != automations.PageChanged || it.Evidence == "" {
		t.Fatalf("the order list's run item: %+v", it)
	}
	html, err := os.ReadFile(filepath.Join(it.Evidence, automations.EvidenceHTML))
	if err != nil || !strings.Contains(string(html), "order-table") {
		t.Errorf("the evidence is not the order list's page (%v)", err)
	}
	orders, err := e.deps.DB.ListOrders(ctx, st.ID)
	if err != nil || len(orders) != 0 {
		t.Errorf("%d orders stored from pages that do not fit (%v)", len(orders), err)
	}
	if _, err := e.deps.DB.GetOrderWalk(ctx, st.ID); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("a failed walk left a watermark: %v", err)
	}
}
