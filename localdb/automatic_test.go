package localdb

import (
	"context"
	"reflect"
	"testing"
	"time"
)

// Automatic messages are kept and listed, but they neither ask nor answer:
// a help desk's acknowledgement does not stop the response clock or mark
// the thread replied, a buyer's out-of-office neither reopens the thread
// nor counts as a buyer message, and a thread holding only automatic mail
// is no contact at all. The expected figures are worked out by hand below.
func TestAutomaticMessagesNeitherAskNorAnswer(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	st, err := db.CreateStore(ctx, Store{Name: "c", Marketplace: "email"})
	if err != nil {
		t.Fatal(err)
	}
	base := t0.Add(-3 * 24 * time.Hour)
	h := time.Hour
	type m struct {
		dir  Direction
		at   time.Duration
		auto bool
	}
	threads := []struct {
		id   string
		msgs []m
		want ThreadStatus
	}{
		// The buyer writes; the help desk acknowledges at once; a person
		// answers three hours later: the first response is 3 h.
		{"a1", []m{{DirectionIn, 0, false}, {DirectionOut, time.Minute, true}, {DirectionOut, 3 * h, false}}, StatusReplied},
		// Answered after 2 h; the buyer's out-of-office answers that.
		{"a2", []m{{DirectionIn, 0, false}, {DirectionOut, 2 * h, false}, {DirectionIn, 2*h + 5*time.Minute, true}}, StatusReplied},
		// Only the acknowledgement so far: the buyer still waits.
		{"a3", []m{{DirectionIn, 0, false}, {DirectionOut, time.Minute, true}}, StatusOpen},
		// Nothing but an automatic mail: no contact.
		{"a4", []m{{DirectionIn, 0, true}}, StatusOpen},
	}
	ids := map[string]int64{}
	for _, th := range threads {
		var msgs []Message
		for i, x := range th.msgs {
			msgs = append(msgs, Message{MarketplaceMessageID: th.id + "-" + string(rune('a'+i)), Direction: x.dir,
				Sender: string(x.dir), Body: "x", SentAt: base.Add(x.at), Automatic: x.auto})
		}
		saved, err := db.SaveThread(ctx, Thread{StoreID: st.ID, MarketplaceThreadID: th.id}, msgs)
		if err != nil {
			t.Fatal(err)
		}
		ids[th.id] = saved.Thread.ID
	}
	for _, th := range threads {
		got, err := db.GetThread(ctx, ids[th.id])
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != th.want {
			t.Errorf("thread %s: status %s, want %s", th.id, got.Status, th.want)
		}
		if !got.LastMessageAt.Equal(base.Add(th.msgs[len(th.msgs)-1].at)) {
			t.Errorf("thread %s: last message at %v, want the automatic one's time too", th.id, got.LastMessageAt)
		}
		msgs, err := db.ListMessages(ctx, ids[th.id])
		if err != nil || len(msgs) != len(th.msgs) {
			t.Fatalf("thread %s: %d messages listed, want every one of %d (%v)", th.id, len(msgs), len(th.msgs), err)
		}
		for i, x := range th.msgs {
			if msgs[i].Automatic != x.auto {
				t.Errorf("thread %s message %d: automatic %v, stored %v", th.id, i, x.auto, msgs[i].Automatic)
			}
		}
	}

	// Threads a1, a2, a3 (a4 holds no buyer's words); buyer messages one
	// each; seller replies a1's and a2's human ones; first responses 3 h and
	// 2 h, a3 unanswered; nearest-rank p50 of [7200 10800] is rank 1, p90
	// rank 2; both in 1-4h.
	got, err := db.ResponseStats(ctx, ResponseQuery{Since: base.Add(-h), By: ByStore})
	if err != nil {
		t.Fatal(err)
	}
	want := []ResponseGroup{{Group: "c", Threads: 3, BuyerMessages: 3, SellerReplies: 2, Answered: 2, FRTValues: 2,
		FRTP50Seconds: 7200, FRTP90Seconds: 10800,
		FRTBuckets:       map[string]int{"0-1h": 0, "1-4h": 2, "4-8h": 0, "8-24h": 0, "24h+": 0},
		RepliesPerThread: 2.0 / 3}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ResponseStats:\n got %+v\nwant %+v", got, want)
	}
	replies, err := db.BuyerReplies(ctx, ResponseQuery{Since: base.Add(-h), By: ByStore})
	if err != nil {
		t.Fatal(err)
	}
	var after []time.Duration
	for _, r := range replies {
		d := time.Duration(-1)
		if !r.ReplyAt.IsZero() {
			d = r.ReplyAt.Sub(r.SentAt)
		}
		after = append(after, d)
	}
	if want := []time.Duration{3 * h, 2 * h, -1}; !reflect.DeepEqual(after, want) {
		t.Errorf("buyer messages answered after %v, want %v (the automatic ones neither asked nor answered)", after, want)
	}
}
