package localdb

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// insightsWorld stores threads whose response times were worked out by
// hand (see TestResponseStatsHandComputed).
func insightsWorld(t *testing.T, db *DB) (since time.Time) {
	t.Helper()
	ctx := context.Background()
	base := t0.Add(-5 * 24 * time.Hour)
	since = t0.Add(-10 * 24 * time.Hour)
	stores := map[string]int64{}
	for name, mp := range map[string]string{"a": "amazon", "b": "ebay"} {
		st, err := db.CreateStore(ctx, Store{Name: name, Marketplace: mp})
		if err != nil {
			t.Fatal(err)
		}
		stores[name] = st.ID
	}
	type m struct {
		dir Direction
		at  time.Duration
	}
	h := time.Hour
	threads := []struct {
		store, id string
		start     time.Time
		msgs      []m
	}{
		{"a", "t1", base, []m{{"in", 0}, {"out", 30 * time.Minute}, {"in", 2 * h}, {"out", 3 * h}}},
		{"a", "t2", base, []m{{"in", 0}, {"in", h}, {"out", 5 * h}}},
		{"a", "t3", base, []m{{"in", 0}}},
		{"a", "t4", base, []m{{"in", 0}, {"out", 25 * h}}},
		{"b", "t5", base, []m{{"in", 0}, {"out", 2 * h}, {"in", 3 * h}}},
		{"b", "t6", since.Add(-h), []m{{"in", 0}, {"out", h}}},
		{"b", "t7", base, []m{{"out", 0}, {"in", h}, {"out", 9 * h}}},
	}
	for _, th := range threads {
		var msgs []Message
		for i, x := range th.msgs {
			msgs = append(msgs, Message{MarketplaceMessageID: fmt.Sprintf("%s-%d", th.id, i), Direction: x.dir,
				Sender: string(x.dir), Body: "x", SentAt: th.start.Add(x.at)})
		}
		if _, err := db.SaveThread(ctx, Thread{StoreID: stores[th.store], MarketplaceThreadID: th.id}, msgs); err != nil {
			t.Fatal(err)
		}
	}
	return since
}

// Expected values by hand. Store a: first responses 30 min, 5 h (from the
// first of two buyer messages), 25 h, and t3 unanswered; nearest-rank p50
// of [1800 18000 90000] is rank 2, p90 rank 3; one next response (t1, 1 h).
// Store b: t6 began before the window; t7's seller wrote first, so its
// first response runs from the buyer's message at +1 h to +9 h (8 h, the
// lower bound of 8-24h); t5's later buyer message has no reply yet and
// gives no next-response value.
//
// One-touch: at t0 every reply is under 7 days old, so nothing is judged.
// A thread is closed when its newest message is the seller's (the status
// the database keeps). Ten days on, store a judges t1 (two replies: no), t2
// (one reply after both buyer messages: yes) and t4 (yes), t3 being open;
// store b judges t7 (one reply after the buyer's first message: yes), t5
// being open again since the buyer wrote after the reply.
func TestResponseStatsHandComputed(t *testing.T) {
	db, clock := openTest(t)
	since := insightsWorld(t, db)
	got, err := db.ResponseStats(context.Background(), ResponseQuery{Since: since, By: ByStore})
	if err != nil {
		t.Fatal(err)
	}
	want := []ResponseGroup{
		{Group: "a", Threads: 4, BuyerMessages: 6, SellerReplies: 4, Answered: 3, FRTValues: 3,
			FRTP50Seconds: 18000, FRTP90Seconds: 90000,
			FRTBuckets: map[string]int{"0-1h": 1, "1-4h": 0, "4-8h": 1, "8-24h": 0, "24h+": 1},
			NRTValues:  1, NRTP50Seconds: 3600, NRTP90Seconds: 3600, RepliesPerThread: 1},
		{Group: "b", Threads: 2, BuyerMessages: 3, SellerReplies: 3, Answered: 2, FRTValues: 2,
			FRTP50Seconds: 7200, FRTP90Seconds: 28800,
			FRTBuckets:       map[string]int{"0-1h": 0, "1-4h": 1, "4-8h": 0, "8-24h": 1, "24h+": 0},
			RepliesPerThread: 1.5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ResponseStats by store:\n got %+v\nwant %+v", got, want)
	}
	byMP, err := db.ResponseStats(context.Background(), ResponseQuery{Since: since, By: ByMarketplace})
	if err != nil || len(byMP) != 2 || byMP[0].Group != "amazon" || byMP[1].Group != "ebay" || byMP[1].Threads != 2 {
		t.Errorf("by marketplace: %+v %v", byMP, err)
	}
	clock.Set(t0.Add(10 * 24 * time.Hour))
	later, err := db.ResponseStats(context.Background(), ResponseQuery{Since: since, By: ByStore})
	if err != nil || len(later) != 2 {
		t.Fatalf("ten days later: %+v %v", later, err)
	}
	for i, w := range [][3]float64{{3, 2, 2.0 / 3}, {1, 1, 1}} {
		if g := later[i]; g.OneTouchJudged != int(w[0]) || g.OneTouch != int(w[1]) || g.OneTouchRate != w[2] {
			t.Errorf("%s one-touch: judged %d one %d rate %v, want %v", g.Group, g.OneTouchJudged, g.OneTouch, g.OneTouchRate, w)
		}
	}
	if _, err := db.ResponseStats(context.Background(), ResponseQuery{Since: since, By: "colour"}); err == nil {
		t.Error("an unknown grouping was accepted")
	}
}

// Each buyer message is paired with the first seller reply at or after it:
// store a's six buyer messages, worked out by hand from insightsWorld.
func TestBuyerRepliesHandComputed(t *testing.T) {
	db, _ := openTest(t)
	since := insightsWorld(t, db)
	got, err := db.BuyerReplies(context.Background(), ResponseQuery{Since: since, By: ByStore})
	if err != nil {
		t.Fatal(err)
	}
	h := time.Hour
	var replyAfter []time.Duration
	for _, r := range got {
		if r.Group != "a" {
			continue
		}
		if r.Marketplace != "amazon" || r.Kind != KindMessage {
			t.Errorf("row %+v", r)
		}
		d := time.Duration(-1)
		if !r.ReplyAt.IsZero() {
			d = r.ReplyAt.Sub(r.SentAt)
		}
		replyAfter = append(replyAfter, d)
	}
	// t1: 30 min and 1 h; t2: 5 h and 4 h (one reply answers both); t3
	// none; t4: 25 h.
	want := map[time.Duration]int{30 * time.Minute: 1, 5 * h: 1, -1: 1, 25 * h: 1, 4 * h: 1, 1 * h: 1}
	gotCount := map[time.Duration]int{}
	for _, d := range replyAfter {
		gotCount[d]++
	}
	if !reflect.DeepEqual(gotCount, want) {
		t.Errorf("store a reply delays %v, want %v", gotCount, want)
	}
	if n := len(got) - len(replyAfter); n != 3 {
		t.Errorf("store b: %d buyer messages in the window, want 3 (t6 is before it)", n)
	}
}
