package localdb

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
)

func TestWriteIntentSameKeyTwice(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	in := Intent{Key: "reply:thread-7:v1", Kind: OutboxReply, Target: "thread:7", Payload: json.RawMessage(`{"body":"Hi Ana"}`)}
	e1, created, err := db.WriteIntent(ctx, in)
	if err != nil || !created || e1.State != OutboxPending {
		t.Fatalf("first write: %+v created=%v err=%v", e1, created, err)
	}
	e2, created, err := db.WriteIntent(ctx, in)
	if err != nil || created || e2.ID != e1.ID {
		t.Fatalf("second write: %+v created=%v err=%v", e2, created, err)
	}
	// Even after it is done, the same key returns the done row.
	if _, err := db.MarkInFlight(ctx, e1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkDone(ctx, e1.ID, json.RawMessage(`{"reply_id":"R9"}`)); err != nil {
		t.Fatal(err)
	}
	e3, created, err := db.WriteIntent(ctx, in)
	if err != nil || created || e3.State != OutboxDone || string(e3.Result) != `{"reply_id":"R9"}` {
		t.Fatalf("write after done: %+v created=%v err=%v", e3, created, err)
	}
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("outbox rows = %d, %v; want 1", n, err)
	}
	// The key reused for something else is a conflict, not a silent reuse.
	if _, _, err := db.WriteIntent(ctx, Intent{Key: in.Key, Kind: OutboxClaim, Target: "claim:1"}); !errors.Is(err, ErrConflict) {
		t.Errorf("key reused for a claim: %v, want ErrConflict", err)
	}
	if _, _, err := db.WriteIntent(ctx, Intent{Key: "k", Kind: OutboxReply, Payload: json.RawMessage(`{bad`)}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad payload: %v, want ErrInvalid", err)
	}
}

func TestWriteIntentConcurrentSameKey(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var wg sync.WaitGroup
	var mu sync.Mutex
	created, ids := 0, map[int64]bool{}
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e, c, err := db.WriteIntent(ctx, Intent{Key: "claim:parcel-1:lost", Kind: OutboxClaim, Target: "claim:1"})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if c {
				created++
			}
			ids[e.ID] = true
		}()
	}
	wg.Wait()
	if created != 1 || len(ids) != 1 {
		t.Fatalf("8 concurrent writes: %d created, %d distinct ids; want 1 and 1", created, len(ids))
	}
}

func TestOutboxLifecycle(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	a, _, _ := db.WriteIntent(ctx, Intent{Key: "a", Kind: OutboxReply, Target: "thread:1"})
	b, _, _ := db.WriteIntent(ctx, Intent{Key: "b", Kind: OutboxClaim, Target: "claim:1"})
	c, _, _ := db.WriteIntent(ctx, Intent{Key: "c", Kind: OutboxClaim, Target: "claim:2"})

	a, err := db.MarkInFlight(ctx, a.ID)
	if err != nil || a.State != OutboxInFlight || a.Attempts != 1 {
		t.Fatalf("in flight: %+v, %v", a, err)
	}
	// Two workers never act on one intent.
	if _, err := db.MarkInFlight(ctx, a.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("second MarkInFlight: %v, want ErrConflict", err)
	}
	if _, err := db.MarkFailed(ctx, a.ID, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("MarkFailed without class: %v, want ErrInvalid", err)
	}
	a, err = db.MarkFailed(ctx, a.ID, "rate_limited")
	if err != nil || a.State != OutboxFailed || a.ErrorClass != "rate_limited" {
		t.Fatalf("failed: %+v, %v", a, err)
	}
	a, err = db.MarkInFlight(ctx, a.ID)
	if err != nil || a.Attempts != 2 || a.ErrorClass != "" {
		t.Fatalf("retry: %+v, %v", a, err)
	}
	if a, err = db.MarkDone(ctx, a.ID, nil); err != nil || a.State != OutboxDone || string(a.Result) != "{}" {
		t.Fatalf("done: %+v, %v", a, err)
	}
	if _, err := db.MarkInFlight(ctx, a.ID); !errors.Is(err, ErrConflict) {
		t.Errorf("MarkInFlight on done: %v, want ErrConflict", err)
	}

	// A crash leaves b in flight; recovery turns it into needs_check.
	if _, err := db.MarkInFlight(ctx, b.ID); err != nil {
		t.Fatal(err)
	}
	n, err := db.RecoverInFlight(ctx)
	if err != nil || n != 1 {
		t.Fatalf("RecoverInFlight = %d, %v; want 1", n, err)
	}
	b, _ = db.GetIntent(ctx, "b")
	if b.State != OutboxNeedsCheck {
		t.Errorf("b after recovery = %s, want needs_check", b.State)
	}

	un, err := db.ListUnfinished(ctx, "")
	if err != nil || len(un) != 2 || un[0].IdempotencyKey != "b" || un[1].IdempotencyKey != "c" {
		t.Fatalf("ListUnfinished = %+v, %v", un, err)
	}
	un, err = db.ListUnfinished(ctx, OutboxReply)
	if err != nil || len(un) != 0 {
		t.Errorf("unfinished replies = %+v, %v", un, err)
	}
	if _, err := db.MarkNeedsCheck(ctx, c.ID, "timeout"); err != nil {
		t.Error(err)
	}
	if _, err := db.GetIntent(ctx, "zzz"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing key: %v, want ErrNotFound", err)
	}
}
