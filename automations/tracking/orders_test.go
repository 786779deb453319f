package tracking

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
)

func TestAdoptOrdersCreatesOneParcelPerShippedOrder(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.CreateStore(ctx, localdb.Store{Name: "s", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	ship := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for _, o := range []localdb.Order{
		{StoreID: st.ID, MarketplaceOrderID: "A1", TrackingNumber: "1Z999AA10123456784", ShipDate: ship, Service: "ground"},
		{StoreID: st.ID, MarketplaceOrderID: "A2", TrackingNumber: "1z999aa10123456785"}, // bad check digit, no carrier given
		{StoreID: st.ID, MarketplaceOrderID: "A3"},                                       // not shipped
	} {
		if _, _, err := db.UpsertOrder(ctx, o); err != nil {
			t.Fatal(err)
		}
	}
	for run := 0; run < 2; run++ {
		n, err := AdoptOrders(ctx, db)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[int]int{0: 1, 1: 0}[run]; n != want {
			t.Fatalf("run %d: %d new parcels, want %d", run, n, want)
		}
	}
	s, err := db.GetShipmentByNumber(ctx, "ups", "1Z999AA10123456784")
	if err != nil {
		t.Fatal(err)
	}
	if s.OrderID == 0 || s.Service != "ground" || !s.ShipDate.Equal(ship) {
		t.Fatalf("parcel not linked to its order: %+v", s)
	}
}
