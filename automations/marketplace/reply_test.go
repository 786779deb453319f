package marketplace

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

// openThread returns a stored open thread of the store that has had no
// reply through the sandbox yet.
func openThread(t *testing.T, e *env, store string, skip map[int64]bool) localdb.Thread {
	t.Helper()
	st, err := e.deps.DB.GetStoreByName(context.Background(), store)
	if err != nil {
		t.Fatal(err)
	}
	ts, err := e.deps.DB.ListThreads(context.Background(), localdb.ThreadFilter{StoreIDs: []int64{st.ID},
		Statuses: []localdb.ThreadStatus{localdb.StatusOpen}})
	if err != nil {
		t.Fatal(err)
	}
	for _, th := range ts {
		if !skip[th.ID] && len(e.sb.State().Replies[th.MarketplaceThreadID]) == 0 {
			skip[th.ID] = true
			return th
		}
	}
	t.Fatalf("store %s has no open thread left", store)
	return localdb.Thread{}
}

func TestSendReplyThroughTheOutboxOnEveryMarketplace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{}, "")
	ctx := testwait.Context(t)
	for _, m := range Marketplaces {
		e.addStore(t, m)
	}
	if _, err := SyncStores(ctx, e.deps, nil, nil); err != nil {
		t.Fatal(err)
	}
	used := map[int64]bool{}
	for _, m := range Marketplaces {
		th := openThread(t, e, m, used)
		body := "Hello " + th.BuyerName + ", your parcel is on its way.\nKind regards"
		res, err := SendReplyResult(ctx, e.deps, th.ID, body, nil)
		if err != nil {
			t.Fatalf("%s: reply: %v", m, err)
		}
		if res.AlreadySent || res.Recovered || res.Key != ReplyKey(th.ID, body) {
			t.Errorf("%s: first send: %+v", m, res)
		}
		replies := e.sb.State().Replies[th.MarketplaceThreadID]
		if len(replies) != 1 || replies[0].Ref != res.Key || strings.ReplaceAll(replies[0].Body, "\r\n", "\n") != body {
			t.Fatalf("%s: the site holds %+v", m, replies)
		}
		intent, err := e.deps.DB.GetIntent(ctx, res.Key)
		if err != nil || intent.State != localdb.OutboxDone {
			t.Errorf("%s: outbox: %+v %v", m, intent, err)
		}
		got, err := e.deps.DB.GetThread(ctx, th.ID)
		if err != nil || got.Status != localdb.StatusReplied {
			t.Errorf("%s: thread after reply: %s %v", m, got.Status, err)
		}
		// The same reply again is recognised, not sent.
		again, err := SendReplyResult(ctx, e.deps, th.ID, body, nil)
		if err != nil || !again.AlreadySent {
			t.Errorf("%s: second send: %+v %v", m, again, err)
		}
		if n := len(e.sb.State().Replies[th.MarketplaceThreadID]); n != 1 {
			t.Errorf("%s: the site holds %d replies after sending twice", m, n)
		}
	}
	// An intent left in flight by a crashed run, never sent: recovery
	// looks on the site, finds nothing, and sends it once.
	th := openThread(t, e, "tiktok", used)
	body := "Sorry for the wait, " + th.BuyerName + "."
	payload := []byte(`{"thread_id":` + strconv.FormatInt(th.ID, 10) + `,"body":` + strconv.Quote(body) + `}`)
	in, _, err := e.deps.DB.WriteIntent(ctx, localdb.Intent{Key: ReplyKey(th.ID, body), Kind: localdb.OutboxReply,
		Target: "thread:" + strconv.FormatInt(th.ID, 10), Payload: payload})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.deps.DB.MarkInFlight(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	n, err := RecoverReplies(ctx, e.deps)
	if err != nil || n != 1 {
		t.Fatalf("recover: %d settled, %v", n, err)
	}
	if replies := e.sb.State().Replies[th.MarketplaceThreadID]; len(replies) != 1 || replies[0].Ref != in.IdempotencyKey {
		t.Errorf("after recovery the site holds %+v", replies)
	}
	if n, err := RecoverReplies(ctx, e.deps); err != nil || n != 0 {
		t.Errorf("a second recovery settled %d, %v", n, err)
	}

	// A sync after the replies stores no reply twice.
	before := countMessages(t, e)
	sum, err := SyncStores(ctx, e.deps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if after := countMessages(t, e); after != before || sum.NewMessages != 0 {
		t.Errorf("the sync after replying stored %d new messages (%d -> %d)", sum.NewMessages, before, after)
	}
}

func countMessages(t *testing.T, e *env) int {
	t.Helper()
	var n int
	if err := e.deps.DB.SQL().QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
