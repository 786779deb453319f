package localdb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// dashFixture stores two stores with threads around the clock, parcels with
// and without events, and claims in several states.
func dashFixture(t *testing.T) (*DB, map[string]int64) {
	t.Helper()
	ctx := context.Background()
	db, _ := openTest(t)
	ids := map[string]int64{}
	amz, err := db.CreateStore(ctx, Store{Name: "amz-us", Marketplace: "amazon", SessionState: SessionOK})
	if err != nil {
		t.Fatal(err)
	}
	shp, err := db.CreateStore(ctx, Store{Name: "shopee-sg", Marketplace: "shopee"})
	if err != nil {
		t.Fatal(err)
	}
	ord, _, err := db.UpsertOrder(ctx, Order{StoreID: amz.ID, MarketplaceOrderID: "111-1", BuyerName: "Ana",
		Carrier: "ups", TrackingNumber: "1Z999AA10123456784"})
	if err != nil {
		t.Fatal(err)
	}
	// deadlines relative to t0: overdue by 2h, due in 1h, due in 10h, and a replied one.
	for i, spec := range []struct {
		store    int64
		id, lang string
		deadline time.Duration
		dir      Direction
	}{
		{amz.ID, "T-overdue", "en", -2 * time.Hour, DirectionIn},
		{amz.ID, "T-soon", "de", time.Hour, DirectionIn},
		{shp.ID, "T-later", "en", 10 * time.Hour, DirectionIn},
		{shp.ID, "T-replied", "en", 5 * time.Hour, DirectionOut},
	} {
		th, _, err := db.UpsertThread(ctx, Thread{StoreID: spec.store, MarketplaceThreadID: spec.id, Language: spec.lang,
			MarketplaceOrderID: map[bool]string{true: "111-1"}[i == 0], Subject: "Subject " + spec.id,
			ReplyDeadline: t0.Add(spec.deadline)})
		if err != nil {
			t.Fatal(err)
		}
		ids[spec.id] = th.ID
		if _, _, err := db.UpsertMessage(ctx, Message{ThreadID: th.ID, MarketplaceMessageID: "M" + spec.id,
			Direction: spec.dir, Body: "where is my parcel " + spec.id, SentAt: t0.Add(-time.Duration(i+1) * time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	s1, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", OrderID: ord.ID,
		Tag: "InTransit", Source: SourceAPI, Events: []TrackingEvent{
			{Time: t0.Add(-10 * 24 * time.Hour), Tag: "InfoReceived", Description: "Label created"},
			{Time: t0.Add(-9 * 24 * time.Hour), Tag: "InTransit", Description: "Departed"},
		}})
	if err != nil {
		t.Fatal(err)
	}
	ids["s-stalled"] = s1.ID
	s2, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "dhl", TrackingNumber: "JD0000000001", Tag: "Delivered",
		Source: SourceWeb, Events: []TrackingEvent{{Time: t0.Add(-20 * 24 * time.Hour), Tag: "Delivered", Description: "Delivered"}}})
	if err != nil {
		t.Fatal(err)
	}
	ids["s-delivered"] = s2.ID
	s3, _, err := db.SaveTrackResult(ctx, TrackResult{Courier: "usps", TrackingNumber: "9400100000000000000000", Tag: "InTransit",
		Source: SourceAPI, Events: []TrackingEvent{{Time: t0.Add(-24 * time.Hour), Tag: "InTransit", Description: "Arrived"}}})
	if err != nil {
		t.Fatal(err)
	}
	ids["s-moving"] = s3.ID
	c1, err := db.CreateClaim(ctx, Claim{ShipmentID: s1.ID, Kind: ClaimLost, Amount: 4500, Currency: "USD",
		WindowCloses: t0.Add(3 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	ids["c-draft"] = c1.ID
	if _, err := db.AddClaimEvidence(ctx, ClaimEvidence{ClaimID: c1.ID, Kind: EvidenceNote, Note: "no scan for 9 days"}); err != nil {
		t.Fatal(err)
	}
	c2, err := db.CreateClaim(ctx, Claim{ShipmentID: s3.ID, Kind: ClaimDamaged, Amount: 2000, Currency: "USD",
		WindowCloses: t0.Add(30 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordClaimFiled(ctx, c2.ID, "CONF-1", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RecordClaimStatus(ctx, c2.ID, ClaimPaid, 1500); err != nil {
		t.Fatal(err)
	}
	ids["c-paid"] = c2.ID
	job, err := db.UpsertJob(ctx, Job{Name: "sync", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	run, err := db.StartRun(ctx, job.ID, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddRunItems(ctx, run.ID, "amz-us", "shopee-sg"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StartItem(ctx, run.ID, "amz-us"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishItem(ctx, run.ID, "amz-us", ItemOutcome{State: ItemFailed, FailureClass: "timeout"}); err != nil {
		t.Fatal(err)
	}
	ids["run"] = run.ID
	return db, ids
}

func TestPageThreadsOrdersAndCounts(t *testing.T) {
	ctx := context.Background()
	db, ids := dashFixture(t)
	p, err := db.PageThreads(ctx, ThreadQuery{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 4 || len(p.Rows) != 2 {
		t.Fatalf("total %d rows %d, want 4 and 2", p.Total, len(p.Rows))
	}
	if p.Rows[0].ID != ids["T-overdue"] || !p.Rows[0].Overdue || p.Rows[1].ID != ids["T-soon"] {
		t.Fatalf("first page = %+v, want overdue then due soon", p.Rows)
	}
	p2, err := db.PageThreads(ctx, ThreadQuery{Offset: 2, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Rows) != 2 || p2.Rows[0].ID != ids["T-later"] || p2.Rows[1].ID != ids["T-replied"] {
		t.Fatalf("second page = %+v", p2.Rows)
	}
	// The order matches ListThreads.
	all, err := db.ListThreads(ctx, ThreadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, th := range append(p.Rows, p2.Rows...) {
		if all[i].ID != th.ID {
			t.Fatalf("row %d: page has %d, ListThreads has %d", i, th.ID, all[i].ID)
		}
	}
	f, err := db.PageThreads(ctx, ThreadQuery{Language: "en", Status: StatusOpen, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != 2 {
		t.Fatalf("open english threads = %d, want 2", f.Total)
	}
	if _, err := db.PageThreads(ctx, ThreadQuery{Status: "closed"}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad status: err = %v, want ErrInvalid", err)
	}
	past, err := db.PageThreads(ctx, ThreadQuery{Offset: 10, Limit: 5})
	if err != nil || len(past.Rows) != 0 || past.Total != 4 {
		t.Fatalf("offset past the end: %+v, %v", past, err)
	}
	langs, err := db.ThreadLanguages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(langs) != "[en de]" {
		t.Fatalf("languages = %v, want [en de]", langs)
	}
}

func TestGetThreadContextFindsOrderAndParcel(t *testing.T) {
	ctx := context.Background()
	db, ids := dashFixture(t)
	tc, err := db.GetThreadContext(ctx, ids["T-overdue"])
	if err != nil {
		t.Fatal(err)
	}
	if tc.Order == nil || tc.Order.BuyerName != "Ana" {
		t.Fatalf("order = %+v, want Ana's order", tc.Order)
	}
	if tc.Shipment == nil || tc.Shipment.ID != ids["s-stalled"] || len(tc.Events) != 2 || tc.Events[0].Description != "Departed" {
		t.Fatalf("parcel = %+v events %+v", tc.Shipment, tc.Events)
	}
	if len(tc.Messages) != 1 {
		t.Fatalf("messages = %d, want 1", len(tc.Messages))
	}
	bare, err := db.GetThreadContext(ctx, ids["T-later"])
	if err != nil {
		t.Fatal(err)
	}
	if bare.Order != nil || bare.Shipment != nil || bare.Events == nil {
		t.Fatalf("thread without order: %+v", bare)
	}
	if _, err := db.GetThreadContext(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing thread: err = %v, want ErrNotFound", err)
	}
}

func TestPageShipmentsFilters(t *testing.T) {
	ctx := context.Background()
	db, ids := dashFixture(t)
	all, err := db.PageShipments(ctx, ShipmentQuery{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if all.Total != 3 || all.Rows[0].ID != ids["s-moving"] {
		t.Fatalf("all = %+v", all)
	}
	rule := StallRule{Default: StallThreshold{NoEventFor: 7 * 24 * time.Hour}}
	stalled, err := db.PageShipments(ctx, ShipmentQuery{Stalled: &rule})
	if err != nil {
		t.Fatal(err)
	}
	if stalled.Total != 1 || stalled.Rows[0].ID != ids["s-stalled"] {
		t.Fatalf("stalled = %+v, want only the UPS parcel (the DHL one is delivered)", stalled)
	}
	tag, err := db.PageShipments(ctx, ShipmentQuery{Tag: "Delivered"})
	if err != nil || tag.Total != 1 || tag.Rows[0].ID != ids["s-delivered"] {
		t.Fatalf("tag Delivered = %+v, %v", tag, err)
	}
	search, err := db.PageShipments(ctx, ShipmentQuery{Search: "1z999"})
	if err != nil || search.Total != 1 || search.Rows[0].ID != ids["s-stalled"] {
		t.Fatalf("search 1z999 = %+v, %v", search, err)
	}
	wild, err := db.PageShipments(ctx, ShipmentQuery{Search: "%"})
	if err != nil || wild.Total != 0 {
		t.Fatalf("search %% must be literal: %+v, %v", wild, err)
	}
}

func TestPageClaimsAndRuns(t *testing.T) {
	ctx := context.Background()
	db, ids := dashFixture(t)
	p, err := db.PageClaims(ctx, ClaimQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 2 || p.Rows[0].ID != ids["c-draft"] || p.Rows[0].Evidence != 1 || p.Rows[0].Courier != "ups" {
		t.Fatalf("claims = %+v", p)
	}
	if p.Rows[1].ConfirmationNumber != "CONF-1" || p.Rows[1].PaidAmount != 1500 {
		t.Fatalf("paid claim = %+v", p.Rows[1])
	}
	drafts, err := db.PageClaims(ctx, ClaimQuery{State: ClaimDraft})
	if err != nil || drafts.Total != 1 {
		t.Fatalf("drafts = %+v, %v", drafts, err)
	}
	runs, err := db.PageRuns(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Total != 1 || runs.Rows[0].ID != ids["run"] || runs.Rows[0].Items != 2 || runs.Rows[0].Failed != 1 || runs.Rows[0].JobName != "sync" {
		t.Fatalf("runs = %+v", runs)
	}
	att, err := db.PageAttentionItems(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if att.Total != 1 || att.Rows[0].ItemKey != "amz-us" || att.Rows[0].FailureClass != "timeout" || att.Rows[0].JobName != "sync" {
		t.Fatalf("attention items = %+v", att)
	}
}

func TestGetOverview(t *testing.T) {
	ctx := context.Background()
	db, _ := dashFixture(t)
	o, err := db.GetOverview(ctx, OverviewQuery{DueSoon: 4 * time.Hour,
		Stall: StallRule{Default: StallThreshold{NoEventFor: 7 * 24 * time.Hour}}, ClosingSoon: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Stores) != 2 {
		t.Fatalf("stores = %+v", o.Stores)
	}
	amz := o.Stores[0]
	if amz.Name != "amz-us" || amz.Open != 2 || amz.Overdue != 1 || amz.DueSoon != 1 {
		t.Fatalf("amz-us summary = %+v, want 2 open, 1 overdue, 1 due soon", amz)
	}
	if sg := o.Stores[1]; sg.Open != 1 || sg.Overdue != 0 || sg.DueSoon != 0 {
		t.Fatalf("shopee-sg summary = %+v", sg)
	}
	if o.Parcels != 3 || o.Stalled != 1 || fmt.Sprint(o.ByTag) != "[{InTransit 2} {Delivered 1}]" {
		t.Fatalf("parcels = %d stalled %d by tag %v", o.Parcels, o.Stalled, o.ByTag)
	}
	if o.ClaimsOpen != 1 || o.ClaimsClosingSoon != 1 {
		t.Fatalf("claims open %d closing soon %d, want 1 and 1", o.ClaimsOpen, o.ClaimsClosingSoon)
	}
	if len(o.Money) != 1 || o.Money[0] != (MoneyTotal{Currency: "USD", Claimed: 2000, Paid: 1500}) {
		t.Fatalf("money = %+v", o.Money)
	}
	if len(o.Runs) != 1 || o.Runs[0].Failed != 1 {
		t.Fatalf("runs = %+v", o.Runs)
	}
}

// TestPageThreadsMatchesListThreadsOrder pages through threads with equal
// deadlines, no deadline, every status and two stores, and checks that the
// pages join up to exactly ListThreads' order, with and without filters.
func TestPageThreadsMatchesListThreadsOrder(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var stores []int64
	for _, name := range []string{"a", "b"} {
		s, err := db.CreateStore(ctx, Store{Name: name, Marketplace: "amazon"})
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s.ID)
	}
	for i := range 61 {
		var deadline time.Time
		if i%5 != 0 {
			deadline = t0.Add(time.Duration(i%7-3) * time.Hour) // ties, some past, some to come
		}
		th, _, err := db.UpsertThread(ctx, Thread{StoreID: stores[i%2], MarketplaceThreadID: fmt.Sprint("T", i),
			Language: []string{"en", "de"}[i%3%2], ReplyDeadline: deadline, LastMessageAt: t0.Add(-time.Duration(i%4) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if s := []ThreadStatus{StatusOpen, StatusOpen, StatusReplied, StatusNoResponseNeeded}[i%4]; s != StatusOpen {
			if err := db.SetThreadStatus(ctx, th.ID, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, c := range []struct {
		q ThreadQuery
		f ThreadFilter
	}{
		{ThreadQuery{}, ThreadFilter{}},
		{ThreadQuery{Status: StatusOpen}, ThreadFilter{Statuses: []ThreadStatus{StatusOpen}}},
		{ThreadQuery{Status: StatusReplied, StoreID: stores[0]}, ThreadFilter{Statuses: []ThreadStatus{StatusReplied}, StoreIDs: stores[:1]}},
		{ThreadQuery{Language: "de", StoreID: stores[1]}, ThreadFilter{Language: "de", StoreIDs: stores[1:]}},
	} {
		want, err := db.ListThreads(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var got []int64
		for off := 0; ; off += 7 {
			q := c.q
			q.Offset, q.Limit = off, 7
			p, err := db.PageThreads(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != len(want) {
				t.Fatalf("%+v: total %d, ListThreads has %d", c.q, p.Total, len(want))
			}
			if len(p.Rows) == 0 {
				break
			}
			for _, th := range p.Rows {
				got = append(got, th.ID)
			}
		}
		var wantIDs []int64
		for _, th := range want {
			wantIDs = append(wantIDs, th.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(wantIDs) {
			t.Fatalf("%+v: pages give\n%v\nListThreads gives\n%v", c.q, got, wantIDs)
		}
	}
}
