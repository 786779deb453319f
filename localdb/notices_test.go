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
