package tui

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// proposals stands in for notices.Propose, whose rules are tested in
// automations/notices: the test changes the list between keys as a sync
// or a sent notice would.
type proposals struct {
	mu    sync.Mutex
	props []notices.Proposal
}

func (p *proposals) set(keys ...string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.props = nil
	for i, k := range keys {
		p.props = append(p.props, notices.Proposal{Key: k, ShipmentID: int64(i + 1), Courier: "ups",
			TrackingNumber: "1Z" + strings.ToUpper(k), Store: "amz-us", Buyer: "buyer " + k, Language: "en",
			Why: "no new scan for 6 days", Body: "Dear buyer " + k + ", your parcel is late."})
	}
}

func (p *proposals) propose(context.Context, time.Time) ([]notices.Proposal, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notices.Proposal(nil), p.props...), nil
}

func noticeCalls(a *fixture.Actions, action string) [][]string {
	var out [][]string
	for _, c := range a.Calls() {
		if c.Action == action {
			out = append(out, c.Keys)
		}
	}
	return out
}

// The shipments view lists the proposed delay notices (N); space marks,
// S sends the marked ones behind one confirmation that lists each, and a
// notice that arrives above the marks between the keys is not sent.
func TestShipmentsSendTheMarkedDelayNotices(t *testing.T) {
	acts := &fixture.Actions{}
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	p := &proposals{}
	p.set("ka", "kb", "kc")
	h := startHarnessOpts(t, ids, 120, 40, Options{DB: db, Now: fixture.Clock, Actions: acts, Notices: p.propose})

	h.press("3", "N")
	if !h.m.Shipments.NoticesShown() || h.m.Shipments.SelectedNotice() != "ka" {
		t.Fatalf("N: shown %v, selected %q", h.m.Shipments.NoticesShown(), h.m.Shipments.SelectedNotice())
	}
	if v := h.m.View(); !strings.Contains(v, "1ZKB") || !strings.Contains(v, "Delay notices: 3 proposed") {
		t.Fatalf("the list does not show the notices:\n%s", v)
	}
	h.press("j", "space", "j", "space")
	// A new notice comes in above the others.
	p.set("kz", "ka", "kb", "kc")
	h.run(h.m.Shipments.Reload())
	if got := h.m.Shipments.SelectedNotice(); got != "kc" {
		t.Fatalf("after the list was read again the selection is %q, want kc still", got)
	}
	// kb, marked but not selected, leaves the list and comes back: it is
	// no longer marked, so nothing is sent for it without the operator.
	p.set("kz", "ka", "kc")
	h.run(h.m.Shipments.Reload())
	p.set("kz", "ka", "kb", "kc")
	h.run(h.m.Shipments.Reload())
	if got := h.m.Shipments.SelectedNotice(); got != "kc" {
		t.Fatalf("selected %q, want kc still", got)
	}
	h.press("k", "space", "j", "S")
	asked, action := h.m.Shipments.NoticesAsking()
	// In the order they were marked: kc, then kb again.
	if action != "send" || len(asked) != 2 || asked[0].Key != "kc" || asked[1].Key != "kb" {
		t.Fatalf("the confirmation asks to %s %+v, want to send kc and kb", action, asked)
	}
	if v := h.m.View(); !strings.Contains(v, "Send these 2 delay notices?") || !strings.Contains(v, "buyer kb") || strings.Contains(v, "buyer kz") {
		t.Fatalf("the confirmation does not list what it sends:\n%s", v)
	}
	if len(noticeCalls(acts, "send_notices")) != 0 {
		t.Fatal("a notice went out before the confirmation")
	}
	h.press("y")
	got := noticeCalls(acts, "send_notices")
	if len(got) != 1 || strings.Join(got[0], ",") != "kc,kb" {
		t.Fatalf("sent %v, want [kc kb] once", got)
	}
}

// X skips the selected notice (no marks) behind a confirmation; n cancels
// a confirmation and nothing is skipped.
func TestShipmentsSkipTheSelectedDelayNotice(t *testing.T) {
	acts := &fixture.Actions{}
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	p := &proposals{}
	p.set("ka", "kb")
	h := startHarnessOpts(t, ids, 80, 24, Options{DB: db, Now: fixture.Clock, Actions: acts, Notices: p.propose})
	h.press("3", "N", "j", "X", "n")
	if len(noticeCalls(acts, "skip_notices")) != 0 {
		t.Fatal("n skipped a notice")
	}
	h.press("X")
	if asked, action := h.m.Shipments.NoticesAsking(); action != "skip" || len(asked) != 1 || asked[0].Key != "kb" {
		t.Fatalf("asks to %s %+v, want to skip kb", action, asked)
	}
	h.press("y")
	if got := noticeCalls(acts, "skip_notices"); len(got) != 1 || strings.Join(got[0], ",") != "kb" {
		t.Fatalf("skipped %v, want [kb]", got)
	}
	h.press("esc")
	if h.m.Shipments.NoticesShown() {
		t.Fatal("esc did not go back to the parcels")
	}
}
