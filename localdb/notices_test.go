package localdb

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestRecordNoticeFirstDecisionStands(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	sh, _, err := db.EnsureShipment(ctx, Shipment{Courier: "ups", TrackingNumber: "1Z999AA10123456784"})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	n := Notice{Key: "notice-1-stalled-1", ShipmentID: sh.ID, Event: NoticeStalled, Since: since, State: NoticeSkipped}
	got, created, err := db.RecordNotice(ctx, n)
	if err != nil || !created || got.State != NoticeSkipped || !got.Since.Equal(since) {
		t.Fatalf("first: %+v %v %v", got, created, err)
	}
	// Sending after a skip under the same key keeps the skip.
	n.State = NoticeSending
	got, created, err = db.RecordNotice(ctx, n)
	if err != nil || created || got.State != NoticeSkipped {
		t.Fatalf("second: %+v %v %v", got, created, err)
	}
	if _, err := db.MarkNoticeSent(ctx, n.Key); !errors.Is(err, ErrNotFound) {
		t.Errorf("a skipped notice marked sent: %v", err)
	}
	n2 := Notice{Key: "notice-1-exception-2", ShipmentID: sh.ID, Event: NoticeException, Since: since, State: NoticeSending, Body: "Hello"}
	if _, _, err := db.RecordNotice(ctx, n2); err != nil {
		t.Fatal(err)
	}
	if got, err := db.MarkNoticeSent(ctx, n2.Key); err != nil || got.State != NoticeSent {
		t.Fatalf("mark sent: %+v %v", got, err)
	}
	list, err := db.ListNotices(ctx)
	if err != nil || len(list) != 2 || list[1].Body != "Hello" {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, _, err := db.RecordNotice(ctx, Notice{Key: "k", ShipmentID: sh.ID, Event: "late", State: NoticeSent}); !errors.Is(err, ErrInvalid) {
		t.Errorf("unknown event: %v", err)
	}
}

// A notice whose send may have reached the site is settled by what a
// person found there, and only then.
func TestSettleNotice(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	sh, _, err := db.EnsureShipment(ctx, Shipment{Courier: "ups", TrackingNumber: "1Z999AA10123456784"})
	if err != nil {
		t.Fatal(err)
	}
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	unsure := func(key string) OutboxEntry {
		t.Helper()
		if _, _, err := db.RecordNotice(ctx, Notice{Key: key, ShipmentID: sh.ID, Event: NoticeStalled, Since: since, State: NoticeSending, Body: "Hello"}); err != nil {
			t.Fatal(err)
		}
		e, _, err := db.WriteIntent(ctx, Intent{Key: key, Kind: OutboxReply, Target: "order:1/A", Payload: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		if e, err = db.MarkInFlight(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		return e
	}

	// Found on the site: the intent is done and the notice sent, so no
	// later send repeats it.
	unsure("n-sent")
	n, e, err := db.SettleNotice(ctx, "n-sent", true)
	if err != nil || n.State != NoticeSent || e.State != OutboxDone {
		t.Fatalf("settle sent: %+v %+v %v", n, e, err)
	}
	if _, _, err := db.SettleNotice(ctx, "n-sent", true); err != nil {
		t.Errorf("settling the same way twice: %v", err)
	}
	if _, _, err := db.SettleNotice(ctx, "n-sent", false); !errors.Is(err, ErrNotUnsure) {
		t.Errorf("a sent notice settled as not sent: %v", err)
	}

	// Not found on the site: the intent may be claimed again, the notice
	// stays to be sent.
	e0 := unsure("n-missing")
	if _, err := db.MarkNeedsCheck(ctx, e0.ID, "timeout"); err != nil {
		t.Fatal(err)
	}
	n, e, err = db.SettleNotice(ctx, "n-missing", false)
	if err != nil || n.State != NoticeSending || e.State != OutboxFailed || e.ErrorClass != SettledNotSent {
		t.Fatalf("settle not sent: %+v %+v %v", n, e, err)
	}
	if _, err := db.MarkInFlight(ctx, e.ID); err != nil {
		t.Errorf("the next send cannot claim the intent: %v", err)
	}

	// A notice whose intent never left pending, or that was never sent at
	// all, is not in doubt.
	if _, _, err := db.RecordNotice(ctx, Notice{Key: "n-new", ShipmentID: sh.ID, Event: NoticePastETA, Since: since, State: NoticeSending}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SettleNotice(ctx, "n-new", true); !errors.Is(err, ErrNotUnsure) {
		t.Errorf("a notice without an intent settled: %v", err)
	}
	if _, _, err := db.SettleNotice(ctx, "nope", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("an unknown key: %v", err)
	}
}
