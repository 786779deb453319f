package localdb

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestUpsertOrderIdempotentAndPartial(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	ship := t0.Add(-72 * time.Hour)
	full := Order{StoreID: s.ID, MarketplaceOrderID: "111-222", BuyerName: "Ana",
		Items:         []OrderItem{{SKU: "MUG-1", Title: "Mug", Quantity: 2, UnitPrice: 1250}},
		DeclaredValue: 2500, Currency: "USD", ShipDate: ship, Carrier: "usps", Service: "Priority",
		TrackingNumber: "9400100000000000000000"}
	o, created, err := db.UpsertOrder(ctx, full)
	if err != nil || !created {
		t.Fatalf("first upsert: created=%v err=%v", created, err)
	}
	o2, created, err := db.UpsertOrder(ctx, full)
	if err != nil || created || o2.ID != o.ID {
		t.Fatalf("second upsert: id %d vs %d, created=%v err=%v", o2.ID, o.ID, created, err)
	}
	// A thread page knows only the order id and buyer: nothing else is lost.
	o3, created, err := db.UpsertOrder(ctx, Order{StoreID: s.ID, MarketplaceOrderID: "111-222", BuyerName: "Ana P."})
	if err != nil || created {
		t.Fatalf("partial upsert: created=%v err=%v", created, err)
	}
	if o3.BuyerName != "Ana P." || o3.DeclaredValue != 2500 || o3.Currency != "USD" || len(o3.Items) != 1 ||
		o3.Items[0].UnitPrice != 1250 || !o3.ShipDate.Equal(ship) || o3.TrackingNumber != full.TrackingNumber {
		t.Errorf("partial upsert lost fields: %+v", o3)
	}
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM orders`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("orders rows = %d, %v; want 1", n, err)
	}

	byTrack, err := db.FindOrdersByTracking(ctx, full.TrackingNumber)
	if err != nil || len(byTrack) != 1 || byTrack[0].ID != o.ID {
		t.Errorf("FindOrdersByTracking = %+v, %v", byTrack, err)
	}
	if _, err := db.GetOrderByMarketplaceID(ctx, s.ID, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing order: %v, want ErrNotFound", err)
	}
	list, err := db.ListOrders(ctx, 0)
	if err != nil || len(list) != 1 {
		t.Errorf("ListOrders = %d, %v", len(list), err)
	}
	if _, _, err := db.UpsertOrder(ctx, Order{StoreID: s.ID, MarketplaceOrderID: "x", DeclaredValue: -1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("negative value: %v, want ErrInvalid", err)
	}
}

// A thread stored before its order is linked when the order arrives, and
// one stored after is linked at once.
func TestOrderLinksThreads(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th, _, err := db.UpsertThread(ctx, Thread{StoreID: s.ID, MarketplaceThreadID: "T1", MarketplaceOrderID: "O1"})
	if err != nil {
		t.Fatal(err)
	}
	if th.OrderID != 0 {
		t.Fatalf("thread linked to an order that does not exist yet: %+v", th)
	}
	o, _, err := db.UpsertOrder(ctx, Order{StoreID: s.ID, MarketplaceOrderID: "O1"})
	if err != nil {
		t.Fatal(err)
	}
	th, err = db.GetThread(ctx, th.ID)
	if err != nil || th.OrderID != o.ID {
		t.Fatalf("thread after order arrived: order_id=%d, want %d (%v)", th.OrderID, o.ID, err)
	}
	th2, _, err := db.UpsertThread(ctx, Thread{StoreID: s.ID, MarketplaceThreadID: "T2", MarketplaceOrderID: "O1"})
	if err != nil || th2.OrderID != o.ID {
		t.Fatalf("thread stored after its order: order_id=%d, want %d (%v)", th2.OrderID, o.ID, err)
	}
}
