package localdb

import (
	"context"
	"testing"
	"time"
)

// readFixture stores two stores with threads around the clock, parcels with
// and without events, and claims in several states.
func readFixture(t *testing.T) (*DB, map[string]int64) {
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
