package localdb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

func sampleEvents() []TrackingEvent {
	return []TrackingEvent{
		{Time: t0.Add(-96 * time.Hour), Tag: "InfoReceived", RawCode: "MP", Description: "Shipping label created", Location: "Austin, TX"},
		{Time: t0.Add(-72 * time.Hour), Tag: "InTransit", RawCode: "OR", Description: "Origin scan", Location: "Austin, TX"},
		{Time: t0.Add(-48 * time.Hour), Tag: "InTransit", RawCode: "DP", Description: "Departed facility", Location: "Dallas, TX"},
	}
}

func TestSaveTrackResultIdempotent(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	r := TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", Tag: "InTransit", Source: SourceAPI,
		EstimatedDelivery: t0.Add(24 * time.Hour), Events: sampleEvents()}
	s, n, err := db.SaveTrackResult(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 || s.Tag != "InTransit" || s.Source != SourceAPI || !s.LastEventAt.Equal(t0.Add(-48*time.Hour)) ||
		!s.CheckedAt.Equal(t0) || !s.EstimatedDelivery.Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("first save: new=%d shipment=%+v", n, s)
	}

	// Re-tracking returns the same events plus one new one.
	clock.Advance(time.Hour)
	r.Events = append(sampleEvents(), TrackingEvent{Time: t0.Add(-1 * time.Hour), Tag: "OutForDelivery", RawCode: "OT",
		Description: "Out for delivery", Location: "Houston, TX"})
	r.Tag = "OutForDelivery"
	s2, n, err := db.SaveTrackResult(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || s2.ID != s.ID || s2.Tag != "OutForDelivery" || !s2.CheckedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("second save: new=%d shipment=%+v", n, s2)
	}
	evs, err := db.ShipmentEvents(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != 4 || evs[0].RawCode != "OT" || evs[0].Source != SourceAPI {
		t.Fatalf("events = %+v", evs)
	}

	// A failed lookup keeps the known status and records the failure.
	clock.Advance(time.Hour)
	s3, n, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: r.TrackingNumber, Source: SourceWeb, ErrorClass: "blocked"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || s3.Tag != "OutForDelivery" || s3.ErrorClass != "blocked" || s3.Source != SourceAPI || !s3.CheckedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("failed lookup: %+v", s3)
	}
	// The next good lookup clears the failure.
	s4, _, err := db.SaveTrackResult(ctx, r)
	if err != nil || s4.ErrorClass != "" {
		t.Fatalf("good lookup after failure: %+v, %v", s4, err)
	}

	if _, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("no number: %v, want ErrInvalid", err)
	}
	if _, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: "x", Source: "carrier-pigeon"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad source: %v, want ErrInvalid", err)
	}
	if _, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: "x", Events: []TrackingEvent{{Description: "no time"}}}); !errors.Is(err, ErrInvalid) {
		t.Errorf("event without time: %v, want ErrInvalid", err)
	}
	got, err := db.GetShipmentByNumber(ctx, "ups", r.TrackingNumber)
	if err != nil || got.ID != s.ID {
		t.Errorf("GetShipmentByNumber = %+v, %v", got, err)
	}
	if _, err := db.GetShipmentByNumber(ctx, "ups", "x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rejected saves must not store anything: %v", err)
	}
}

func TestEnsureShipmentLinksOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	st := mustStore(t, db, "shop", "amazon")
	o, _, err := db.UpsertOrder(ctx, Order{StoreID: st.ID, MarketplaceOrderID: "O1", Carrier: "usps", TrackingNumber: "9400"})
	if err != nil {
		t.Fatal(err)
	}
	s, created, err := db.EnsureShipment(ctx, Shipment{Courier: "usps", TrackingNumber: "9400"})
	if err != nil || !created || s.OrderID != 0 || s.Tag != "Pending" {
		t.Fatalf("ensure: %+v created=%v err=%v", s, created, err)
	}
	s2, created, err := db.EnsureShipment(ctx, Shipment{Courier: "usps", TrackingNumber: "9400", OrderID: o.ID, Service: "Ground Advantage"})
	if err != nil || created || s2.ID != s.ID || s2.OrderID != o.ID || s2.Service != "Ground Advantage" {
		t.Fatalf("ensure again: %+v created=%v err=%v", s2, created, err)
	}
	if _, _, err := db.EnsureShipment(ctx, Shipment{Courier: "usps", TrackingNumber: "9401", OrderID: 777}); !errors.Is(err, ErrConflict) {
		t.Errorf("missing order: %v, want ErrConflict", err)
	}
}

func TestStalledShipments(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	save := func(courier, number, tag string, lastEvent time.Duration, eta time.Duration) {
		t.Helper()
		r := TrackResult{Courier: courier, TrackingNumber: number, Tag: tag, Source: SourceAPI,
			Events: []TrackingEvent{{Time: t0.Add(lastEvent), Tag: tag, RawCode: "X", Description: "scan"}}}
		if eta != 0 {
			r.EstimatedDelivery = t0.Add(eta)
		}
		if _, _, err := db.SaveTrackResult(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	day := 24 * time.Hour
	save("usps", "U-quiet6", "InTransit", -6*day, 0)       // usps threshold 5 days: stalled
	save("usps", "U-quiet4", "InTransit", -4*day, 0)       // not stalled
	save("dhl", "D-quiet4", "InTransit", -4*day, 0)        // default 3 days: stalled
	save("dhl", "D-delivered", "Delivered", -30*day, 0)    // delivered: never stalled
	save("ups", "P-late-eta", "InTransit", -1*day, -3*day) // 3 days past ETA, threshold 2: stalled
	save("ups", "P-eta-ok", "InTransit", -1*day, -1*day)   // 1 day past ETA: not stalled
	if _, _, err := db.EnsureShipment(ctx, Shipment{Courier: "usps", TrackingNumber: "U-noevents", ShipDate: t0.Add(-10 * day)}); err != nil {
		t.Fatal(err)
	}
	// Back with the sender (AfterShip Exception_011): never stalled.
	if _, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "fedex", TrackingNumber: "F-returned", Tag: "Exception", Subtag: SubtagReturned,
		Source: SourceAPI, Events: []TrackingEvent{{Time: t0.Add(-20 * day), Tag: "Exception", Subtag: SubtagReturned, RawCode: "RT", Description: "returned"}}}); err != nil {
		t.Fatal(err)
	}

	rule := StallRule{PerCourier: map[string]StallThreshold{
		"usps": {NoEventFor: 5 * day},
		"ups":  {NoEventFor: 7 * day, PastETA: 2 * day},
	}, Default: StallThreshold{NoEventFor: 3 * day}}
	got, err := db.StalledShipments(ctx, rule)
	if err != nil {
		t.Fatal(err)
	}
	var numbers []string
	for _, s := range got {
		numbers = append(numbers, s.TrackingNumber)
		if s.Reason == "" {
			t.Errorf("%s stalled without a reason", s.TrackingNumber)
		}
	}
	want := []string{"U-noevents", "U-quiet6", "D-quiet4", "P-late-eta"}
	if strings.Join(numbers, ",") != strings.Join(want, ",") {
		t.Fatalf("stalled = %v, want %v (most idle first)", numbers, want)
	}
	if !strings.Contains(got[3].Reason, "past the estimated delivery") {
		t.Errorf("ETA reason = %q", got[3].Reason)
	}
	// The dashboard's page applies the same rule in SQL: the same parcels.
	page, err := db.PageShipments(ctx, ShipmentFilter{Stalled: &rule, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	var paged []string
	for _, s := range page.Rows {
		paged = append(paged, s.TrackingNumber)
	}
	slices.Sort(paged)
	slices.Sort(want)
	if page.Total != len(want) || strings.Join(paged, ",") != strings.Join(want, ",") {
		t.Fatalf("PageShipments(stalled) = %v (total %d), want %v", paged, page.Total, want)
	}
	// The overview counts the same parcels.
	o, err := db.GetOverview(ctx, OverviewQuery{Stall: rule})
	if err != nil || o.Stalled != len(want) {
		t.Fatalf("overview stalled = %d, %v; want %d", o.Stalled, err, len(want))
	}

	open, err := db.ListShipments(ctx, ShipmentFilter{Open: true, Courier: "dhl"})
	if err != nil || len(open) != 1 || open[0].TrackingNumber != "D-quiet4" {
		t.Errorf("ListShipments(open dhl) = %+v, %v", open, err)
	}
	delivered, err := db.ListShipments(ctx, ShipmentFilter{Tags: []string{"Delivered"}})
	if err != nil || len(delivered) != 1 {
		t.Errorf("ListShipments(Delivered) = %+v, %v", delivered, err)
	}
	unchecked, err := db.ListShipments(ctx, ShipmentFilter{CheckedBefore: t0})
	if err != nil || len(unchecked) != 1 || unchecked[0].TrackingNumber != "U-noevents" {
		t.Errorf("ListShipments(CheckedBefore) = %+v, %v", unchecked, err)
	}
}

// EventsByShipment gives each parcel exactly what ShipmentEvents gives it,
// in the same order, and nothing for a parcel without events.
func TestEventsByShipmentMatchesPerParcelQuery(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	a, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", Tag: "InTransit",
		Source: SourceAPI, Events: sampleEvents()})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "usps", TrackingNumber: "9400111899223197428490", Tag: "InTransit",
		Source: SourceWeb, Events: []TrackingEvent{{Time: t0, Tag: "InTransit", RawCode: "A1", Description: "Accepted"}}})
	if err != nil {
		t.Fatal(err)
	}
	empty, _, err := db.EnsureShipment(ctx, Shipment{Courier: "dhl", TrackingNumber: "1234567890"})
	if err != nil {
		t.Fatal(err)
	}
	all, err := db.EventsByShipment(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{a.ID, b.ID} {
		one, err := db.ShipmentEvents(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(one) == 0 || !slices.EqualFunc(one, all[id], func(x, y TrackingEvent) bool { return x.ID == y.ID }) {
			t.Errorf("shipment %d: EventsByShipment %+v, ShipmentEvents %+v", id, all[id], one)
		}
	}
	if got, ok := all[empty.ID]; ok {
		t.Errorf("shipment without events got %+v", got)
	}
	if len(all) != 2 {
		t.Errorf("%d shipments with events, want 2", len(all))
	}
}

func TestPageShipmentsFilters(t *testing.T) {
	ctx := context.Background()
	db, ids := readFixture(t)
	all, err := db.PageShipments(ctx, ShipmentFilter{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 3 || all.Rows[0].ID != ids["s-moving"] {
		t.Fatalf("all = %+v", all)
	}
	rule := StallRule{Default: StallThreshold{NoEventFor: 7 * 24 * time.Hour}}
	stalled, err := db.PageShipments(ctx, ShipmentFilter{Stalled: &rule})
	if err != nil {
		t.Fatal(err)
	}
	if stalled.Total != 1 || stalled.Rows[0].ID != ids["s-stalled"] {
		t.Fatalf("stalled = %+v, want only the UPS parcel (the DHL one is delivered)", stalled)
	}
	tag, err := db.PageShipments(ctx, ShipmentFilter{Tags: []string{"Delivered"}})
	if err != nil || tag.Total != 1 || tag.Rows[0].ID != ids["s-delivered"] {
		t.Fatalf("tag Delivered = %+v, %v", tag, err)
	}
	search, err := db.PageShipments(ctx, ShipmentFilter{Search: "1z999"})
	if err != nil || search.Total != 1 || search.Rows[0].ID != ids["s-stalled"] {
		t.Fatalf("search 1z999 = %+v, %v", search, err)
	}
	wild, err := db.PageShipments(ctx, ShipmentFilter{Search: "%"})
	if err != nil || wild.Total != 0 {
		t.Fatalf("search %% must be literal: %+v, %v", wild, err)
	}
}

// A read that knows less than what is stored (no events, as a page that
// came back empty or "not found" shows, or only older ones) never moves
// the parcel's status back.
func TestSaveTrackResultNeverMovesBack(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	r := TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", Tag: "InTransit", Subtag: "InTransit_007", Source: SourceAPI,
		EstimatedDelivery: t0.Add(24 * time.Hour), Events: sampleEvents()}
	if _, _, err := db.SaveTrackResult(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		events []TrackingEvent
	}{
		{"no events", nil},
		{"older events only", sampleEvents()[:1]},
	} {
		clock.Advance(time.Hour)
		s, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: r.TrackingNumber, Tag: "Pending",
			Subtag: "Pending_001", Source: SourceWeb, Events: c.events})
		if err != nil {
			t.Fatal(err)
		}
		if s.Tag != "InTransit" || s.Subtag != "InTransit_007" || s.Source != SourceAPI || !s.EstimatedDelivery.Equal(t0.Add(24*time.Hour)) {
			t.Errorf("%s: status moved back: %+v", c.name, s)
		}
		if !s.CheckedAt.Equal(clock.Now()) {
			t.Errorf("%s: checked at %v, want %v", c.name, s.CheckedAt, clock.Now())
		}
	}
	// A read with a newer event still moves the status on.
	next := append(sampleEvents(), TrackingEvent{Time: t0.Add(-time.Hour), Tag: "Delivered", RawCode: "KB", Description: "Delivered"})
	s, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: r.TrackingNumber, Tag: "Delivered", Source: SourceWeb, Events: next})
	if err != nil || s.Tag != "Delivered" {
		t.Fatalf("newer read: %+v, %v", s, err)
	}
}

// ListShipments and PageShipments are one query: for every filter, the
// list is the page's rows in the same order, and the page's total counts
// the same parcels.
func TestListAndPageShipmentsAgree(t *testing.T) {
	ctx := context.Background()
	db, _ := readFixture(t)
	rule := StallRule{Default: StallThreshold{NoEventFor: 7 * 24 * time.Hour}}
	filters := map[string]ShipmentFilter{
		"all":       {},
		"open":      {Open: true},
		"courier":   {Courier: "ups"},
		"stalled":   {Stalled: &rule},
		"search":    {Search: "1Z"},
		"offset":    {Offset: 1},
		"limit":     {Limit: 2},
		"delivered": {Tags: []string{"Delivered"}, Open: true},
	}
	for name, f := range filters {
		list, err := db.ListShipments(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page, err := db.PageShipments(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var a, b []int64
		for _, s := range list {
			a = append(a, s.ID)
		}
		for _, s := range page.Rows {
			b = append(b, s.ID)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: ListShipments gives %v, PageShipments %v", name, a, b)
		}
		whole := f
		whole.Offset, whole.Limit = 0, 0
		n, err := db.ListShipments(ctx, whole)
		if err != nil {
			t.Fatal(err)
		}
		if page.Total != len(n) {
			t.Errorf("%s: page total %d, want %d (every parcel that passes)", name, page.Total, len(n))
		}
	}
}
