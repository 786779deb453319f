package marketplace

import (
	"context"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/worldseed"
)

// wismoKinds are the world's where-is-my-order thread kinds (its truth,
// not the product's reading): "where", and eBay's item-not-received case.
var wismoKinds = map[string]bool{"where": true, "case": true}

// wismoPer100 counts the where-is-my-order buyer messages that arrive in
// the sandbox between from and to, per 100 orders of the world.
func wismoPer100(sb *sandbox.Sandbox, from, to time.Time) (float64, int) {
	n := 0
	for _, th := range sb.World().Threads {
		if !wismoKinds[th.Kind] || !sb.ThreadVisible(th, to) {
			continue
		}
		for _, m := range th.VisibleMessages(to) {
			if m.From == "buyer" && m.Time.After(from) {
				n++
			}
		}
	}
	return 100 * float64(n) / float64(len(sb.World().Orders)), n
}

// TestNoticesFigureWISMOPer100Orders is the figure of proactive notices:
// the demo's world (seed 1, 60 orders per store, three stores), once as it
// comes and once with the notices the product proposes at the clock's start
// sent through the browser, counted over the three days after the start
// (when the world's later buyer messages arrive). The product is given every
// shipped order with its tracking, as an order sync and a tracking run
// give it, and the buyers' visible threads.
func TestNoticesFigureWISMOPer100Orders(t *testing.T) {
	t.Parallel()
	opts := sandbox.Options{Seed: 1, Orders: 60}
	before, err := sandbox.Start(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = before.Close() })
	e := newEnv(t, opts, "")
	ctx := testwait.Context(t)
	start := e.sb.Now()
	for _, store := range Marketplaces {
		e.addStore(t, store)
		if _, err := worldseed.Orders(ctx, e.deps.DB, e.sb, store, store, nil); err != nil {
			t.Fatal(err)
		}
		if err := worldseed.Threads(ctx, e.deps.DB, e.sb, store, store); err != nil {
			t.Fatal(err)
		}
	}
	props, err := notices.Propose(ctx, notices.Deps{DB: e.deps.DB}, start)
	if err != nil {
		t.Fatal(err)
	}
	sender := NoticeSender{Deps: e.deps}
	sent := 0
	for _, p := range props {
		if _, err := notices.Send(ctx, e.deps.DB, sender, p); err != nil {
			t.Fatalf("notice for %s: %v", p.TrackingNumber, err)
		}
		sent++
	}
	horizon := start.Add(72 * time.Hour)
	e.sb.Advance(horizon.Sub(e.sb.Now()))
	before.Advance(horizon.Sub(before.Now()))
	without, nWithout := wismoPer100(before, start, horizon)
	with, nWith := wismoPer100(e.sb, start, horizon)
	t.Logf("where-is-my-order buyer messages per 100 orders, in the 72 h after the start of the demo world (%d orders): "+
		"without notices %.1f (%d), with notices %.1f (%d); %d notices sent", len(e.sb.World().Orders), without, nWithout, with, nWith, sent)
	if sent == 0 || nWith >= nWithout {
		t.Errorf("notices sent %d; where-is-my-order messages %d with, %d without: no effect", sent, nWith, nWithout)
	}
	got := 0
	for _, ns := range e.sb.State().Notices {
		got += len(ns)
	}
	if got != sent {
		t.Errorf("the sandbox counts %d notices, the product sent %d", got, sent)
	}
}
