package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// The selection tests press keys with live updates (the list read again
// after the database changed under it) in between, and check the id that
// each action was given through the recording fixture.Actions.

// liveUpdate reads every view again, as the refresh tick does.
func (h *harness) liveUpdate() {
	h.t.Helper()
	h.send(RefreshTickedMsg{})
}

func lastCall(t *testing.T, a *fixture.Actions, action string) fixture.Call {
	t.Helper()
	calls := a.Calls()
	for i := len(calls) - 1; i >= 0; i-- {
		if calls[i].Action == action {
			return calls[i]
		}
	}
	t.Fatalf("no %s call among %+v", action, calls)
	return fixture.Call{}
}

func TestInboxActsOnTheSelectedThreadThroughLiveUpdates(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	ctx := context.Background()
	h.press("2", "j", "j") // late, soon, later
	later := h.ids.Threads["later"]
	if tc := h.m.Inbox.OpenThread(); tc == nil || tc.Thread.ID != later {
		t.Fatalf("the pane beside the list shows %+v, want the selected thread %d", tc, later)
	}
	// A new overdue thread arrives above the cursor.
	if _, _, err := h.db.UpsertThread(ctx, localdb.Thread{StoreID: h.ids.Stores["amz-us"], MarketplaceThreadID: "T-new",
		BuyerName: "Fay New", Subject: "Urgent", ReplyDeadline: fixture.Now.Add(-5 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	h.press("n")
	if got := lastCall(t, actions, "no_response").ThreadID; got != later {
		t.Fatalf("n marked thread %d after a thread arrived above, want the selected %d", got, later)
	}
	if tc := h.m.Inbox.OpenThread(); tc == nil || tc.Thread.ID != later {
		t.Fatalf("after the update the pane shows %+v, want %d", tc, later)
	}

	// The selected thread is answered elsewhere and leaves the open list:
	// its neighbour is selected, the pane says so, and n acts on it.
	if err := h.db.SetThreadStatus(ctx, later, localdb.StatusReplied); err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	quiet := h.ids.Threads["quiet"]
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, fmt.Sprintf("thread %d left the list", later)) {
		t.Fatalf("the pane does not say the thread left:\n%s", view)
	}
	if tc := h.m.Inbox.OpenThread(); tc == nil || tc.Thread.ID != quiet {
		t.Fatalf("after it left the pane shows %+v, want the neighbour %d", tc, quiet)
	}
	h.press("n")
	if got := lastCall(t, actions, "no_response").ThreadID; got != quiet {
		t.Fatalf("n marked thread %d, want the neighbour %d", got, quiet)
	}

	// r replies to the selected thread, not to one opened before.
	h.press("k") // new, late, soon, quiet: up from quiet is soon
	soon := h.ids.Threads["soon"]
	h.press("r")
	h.typeText("Thank you")
	h.liveUpdate()
	h.press("ctrl+s")
	if got := lastCall(t, actions, "reply").ThreadID; got != soon {
		t.Fatalf("the reply went to thread %d, want the selected %d", got, soon)
	}
}

func TestShipmentsPaneFollowsTheCursorAndRetrackActsOnIt(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	ctx := context.Background()
	h.press("3", "enter", "j")
	rows, _ := h.m.Shipments.Rows()
	want := rows[1].ID
	if d := h.m.Shipments.Detail(); d == nil || d.ID != want {
		t.Fatalf("the pane shows %+v after j, want the highlighted parcel %d", d, want)
	}
	// Another parcel gets a fresh event and moves to the top.
	if _, _, err := h.db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "dhl", TrackingNumber: "9876543213", Tag: "Delivered",
		Source: localdb.SourceAPI, CheckedAt: fixture.Now, Events: []localdb.TrackingEvent{
			{Time: fixture.Now.Add(-time.Minute), Tag: "Delivered", Description: "Delivered again", RawCode: "Delivered"}}}); err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	h.press("r")
	if got := lastCall(t, actions, "track").IDs; len(got) != 1 || got[0] != want {
		t.Fatalf("r re-tracked %v, want the selected parcel %d", got, want)
	}
	if d := h.m.Shipments.Detail(); d == nil || d.ID != want {
		t.Fatalf("after the update the pane shows %+v, want %d", d, want)
	}
	h.press("j", "j", "r")
	rows, _ = h.m.Shipments.Rows()
	sel := h.m.Shipments.SelectedID()
	if got := lastCall(t, actions, "track").IDs; len(got) != 1 || got[0] != sel || sel == want {
		t.Fatalf("r re-tracked %v, want the newly selected parcel %d", got, sel)
	}
}

func TestClaimsFileTheSelectedClaimThroughLiveUpdates(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	ctx := context.Background()
	h.press("4", "enter", "j") // paid, then the draft
	draft := h.ids.Claims["draft"]
	if d := h.m.Claims.Detail(); d == nil || d.ID != draft {
		t.Fatalf("the pane shows %+v, want the draft %d", d, draft)
	}
	// A claim whose window closes sooner arrives above it.
	if _, err := h.db.CreateClaim(ctx, localdb.Claim{ShipmentID: h.ids.Shipments["lost"], Kind: localdb.ClaimLost, Amount: 1000,
		Currency: "USD", WindowCloses: fixture.Now.Add(time.Hour), Portal: "usps"}); err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	h.press("f")
	if c := h.m.Claims.Confirming(); c == nil || c.ID != draft {
		t.Fatalf("the dialog asks about %+v, want the draft %d", c, draft)
	}
	h.press("y")
	if got := lastCall(t, actions, "claim").ClaimID; got != draft {
		t.Fatalf("filed claim %d, want the selected draft %d", got, draft)
	}
}

// TestMoneyIsNeverCut checks that an amount wider than the usual ones is
// shown whole in the claims list at every size, the text columns giving
// way (the issue saw "JPY 21100…").
func TestMoneyIsNeverCut(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		h := newHarness(t, size[0], size[1], nil)
		if _, err := h.db.CreateClaim(context.Background(), localdb.Claim{ShipmentID: h.ids.Shipments["lost"], Kind: localdb.ClaimLost,
			Amount: 211000000, Currency: "JPY", WindowCloses: fixture.Now.Add(time.Hour), Portal: "usps"}); err != nil {
			t.Fatal(err)
		}
		h.press("4", "ctrl+r")
		want := money.Format(211000000, "JPY") // "JPY 211,000,000"
		view := ansi.Strip(h.m.View())
		if !strings.Contains(view, want) {
			t.Fatalf("%dx%d: the claims list does not show %q whole:\n%s", size[0], size[1], want, view)
		}
		for i, l := range strings.Split(view, "\n") {
			if n := ansi.StringWidth(l); n > size[0] {
				t.Fatalf("%dx%d: line %d is %d cells wide", size[0], size[1], i, n)
			}
		}
	}
}

func callsOf(a *fixture.Actions, action string) []int64 {
	var ids []int64
	for _, c := range a.Calls() {
		if c.Action == action {
			ids = append(ids, c.ThreadID)
		}
	}
	return ids
}

// TestInboxBulkNoResponseActsOnTheMarkedThreads marks threads with space
// and V while live updates move the rows, and checks that n gives the
// no-response path exactly the marked ids, once each, and nothing else.
func TestInboxBulkNoResponseActsOnTheMarkedThreads(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	ctx := context.Background()
	late, soon, later := h.ids.Threads["late"], h.ids.Threads["soon"], h.ids.Threads["later"]
	h.press("2", "space") // late
	if got := h.m.Inbox.Marked(); len(got) != 1 || got[0] != late {
		t.Fatalf("space marked %v, want [%d]", got, late)
	}
	// A new overdue thread arrives above the marked one.
	newT, _, err := h.db.UpsertThread(ctx, localdb.Thread{StoreID: h.ids.Stores["amz-us"], MarketplaceThreadID: "T-new",
		BuyerName: "Fay New", Subject: "Urgent", ReplyDeadline: fixture.Now.Add(-5 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	h.press("j", "j") // soon, later
	h.liveUpdate()
	h.press("V") // late…later
	if got, want := fmt.Sprint(h.m.Inbox.Marked()), fmt.Sprint([]int64{late, soon, later}); got != want {
		t.Fatalf("V marked %s, want %s", got, want)
	}
	view := ansi.Strip(h.m.View())
	if n := strings.Count(view, "›*") + strings.Count(view, " *"); n < 3 {
		t.Fatalf("the marked rows are not shown (%d marks):\n%s", n, view)
	}
	h.press("k", "space") // soon is unmarked
	if got, want := fmt.Sprint(h.m.Inbox.Marked()), fmt.Sprint([]int64{late, later}); got != want {
		t.Fatalf("after unmarking soon: %s, want %s", got, want)
	}
	h.liveUpdate()
	before := len(callsOf(actions, "no_response"))
	h.press("n")
	got := callsOf(actions, "no_response")[before:]
	if fmt.Sprint(got) != fmt.Sprint([]int64{late, later}) {
		t.Fatalf("n marked %v, want the marked %v (not the new thread %d nor the selected %d)", got, []int64{late, later}, newT.ID, soon)
	}
	if m := h.m.Inbox.Marked(); len(m) != 0 {
		t.Fatalf("the marks stay after the action: %v", m)
	}
	// Without marks, n acts on the selected thread alone.
	h.press("n")
	if got := callsOf(actions, "no_response"); got[len(got)-1] != soon || len(got) != before+3 {
		t.Fatalf("n without marks: calls %v, want one more for the selected %d", got, soon)
	}
}

func TestInboxMarksClearWithEscAndRangeStartsAtTheLastMark(t *testing.T) {
	h := newHarness(t, 80, 24, &fixture.Actions{})
	h.press("2", "j", "space", "esc")
	if m := h.m.Inbox.Marked(); len(m) != 0 {
		t.Fatalf("esc left marks %v", m)
	}
	// V with no mark marks the selected row alone.
	h.press("V")
	if m := h.m.Inbox.Marked(); len(m) != 1 || m[0] != h.ids.Threads["soon"] {
		t.Fatalf("V without a start marked %v, want the selected soon %d", m, h.ids.Threads["soon"])
	}
}

// markClaims walks the claims list from the top and marks the claims
// with the given ids, pressing space on each.
func (h *harness) markClaims(ids ...int64) {
	h.t.Helper()
	want := map[int64]bool{}
	for _, id := range ids {
		want[id] = true
	}
	h.press("g")
	_, total := h.m.Claims.Rows()
	for range total {
		if want[h.m.Claims.SelectedID()] {
			h.press("space")
		}
		h.press("j")
	}
}

func claimCalls(a *fixture.Actions) []int64 {
	var ids []int64
	for _, c := range a.Calls() {
		if c.Action == "claim" {
			ids = append(ids, c.ClaimID)
		}
	}
	return ids
}

// TestClaimsFileTheMarkedClaimsBehindOneConfirmation marks two drafts,
// lets a live update add a claim above them, and checks that one dialog
// lists each marked claim with its amount and that y files exactly those.
func TestClaimsFileTheMarkedClaimsBehindOneConfirmation(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	ctx := context.Background()
	draft := h.ids.Claims["draft"]
	secondClaim, err := h.db.CreateClaim(ctx, localdb.Claim{ShipmentID: h.ids.Shipments["lost"], Kind: localdb.ClaimLost, Amount: 211000000,
		Currency: "JPY", WindowCloses: fixture.Now.Add(48 * time.Hour), Portal: "usps"})
	if err != nil {
		t.Fatal(err)
	}
	second := secondClaim.ID
	h.press("4", "ctrl+r")
	h.markClaims(draft, second)
	if got := h.m.Claims.Marked(); len(got) != 2 {
		t.Fatalf("marked %v, want the draft %d and claim %d", got, draft, second)
	}
	// A claim whose window closes sooner arrives above them.
	if _, err := h.db.CreateClaim(ctx, localdb.Claim{ShipmentID: h.ids.Shipments["lost"], Kind: localdb.ClaimDamaged, Amount: 1000,
		Currency: "USD", WindowCloses: fixture.Now.Add(time.Hour), Portal: "usps"}); err != nil {
		t.Fatal(err)
	}
	h.liveUpdate()
	h.press("f")
	all := h.m.Claims.ConfirmingAll()
	if len(all) != 2 {
		t.Fatalf("the dialog asks about %+v, want the two marked claims", all)
	}
	view := ansi.Strip(h.m.View())
	for _, c := range all {
		if !strings.Contains(view, fmt.Sprintf("claim %d", c.ID)) || !strings.Contains(view, money.Format(c.Amount, c.Currency)) {
			t.Fatalf("the dialog does not list claim %d with %s:\n%s", c.ID, money.Format(c.Amount, c.Currency), view)
		}
	}
	if len(claimCalls(actions)) != 0 {
		t.Fatalf("filed before the confirmation: %v", claimCalls(actions))
	}
	h.press("y")
	got := claimCalls(actions)
	if len(got) != 2 || !(got[0] == draft && got[1] == second || got[0] == second && got[1] == draft) {
		t.Fatalf("filed %v, want exactly the marked %d and %d", got, draft, second)
	}
}

// TestClaimsBulkFilingRefusesAClaimThatCannotBeFiled marks the paid claim
// beside the draft: f names it and opens no dialog.
func TestClaimsBulkFilingRefusesAClaimThatCannotBeFiled(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	h.press("4")
	h.markClaims(h.ids.Claims["draft"], h.ids.Claims["paid"])
	h.press("f")
	if all := h.m.Claims.ConfirmingAll(); all != nil {
		t.Fatalf("a dialog opened for %+v with a paid claim marked", all)
	}
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, fmt.Sprintf("claim %d is", h.ids.Claims["paid"])) {
		t.Fatalf("the refusal does not name the paid claim:\n%s", view)
	}
	h.press("y")
	if got := claimCalls(actions); len(got) != 0 {
		t.Fatalf("filed %v after a refusal", got)
	}
}

// TestInboxSendsOneTemplateToEachMarkedThread marks three threads, one of
// which lacks a value the template needs, and checks that each fillable
// thread gets its own filled reply through the reply path while the other
// is named and gets nothing.
func TestInboxSendsOneTemplateToEachMarkedThread(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	late, soon, later := h.ids.Threads["late"], h.ids.Threads["soon"], h.ids.Threads["later"]
	buyers := map[int64]string{late: "Ana Lima", soon: "Ben Ode", later: "Chen Wei"}
	// Which threads the template fills, by the command line's rule.
	set, err := messages.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	fillable := map[int64]bool{}
	for id := range buyers {
		values, why, err := messages.TemplateValues(t.Context(), h.db, id)
		if err != nil {
			t.Fatal(err)
		}
		_, ferr := set["tracking"].Fill(values, why)
		fillable[id] = ferr == nil
	}
	if !fillable[late] || fillable[soon] {
		t.Fatalf("the fixture should give late every value and soon none for its carrier: %v", fillable)
	}
	h.press("2", "space", "j", "j", "V") // late, soon, later
	h.liveUpdate()
	for range 20 {
		if strings.Contains(h.m.Status(), "template tracking") {
			break
		}
		h.press("ctrl+t")
	}
	if !strings.Contains(h.m.Status(), "template tracking") {
		t.Fatalf("ctrl+t never chose tracking for the marked threads: %q", h.m.Status())
	}
	h.liveUpdate()
	h.press("ctrl+s")
	got := map[int64]string{}
	for _, c := range actions.Calls() {
		if c.Action == "reply" {
			if _, twice := got[c.ThreadID]; twice {
				t.Fatalf("thread %d got two replies", c.ThreadID)
			}
			got[c.ThreadID] = c.Body
		}
	}
	for id, buyer := range buyers {
		body, sent := got[id]
		switch {
		case fillable[id] && !sent:
			t.Errorf("thread %d can be filled but got no reply", id)
		case !fillable[id] && sent:
			t.Errorf("thread %d lacks a value but got %q", id, body)
		case sent && (strings.Contains(body, "{{") || !strings.Contains(body, buyer)):
			t.Errorf("thread %d got %q, want its own values filled (buyer %s)", id, body, buyer)
		}
	}
	if len(got) != 2 && fillable[later] || len(got) != 1 && !fillable[later] {
		t.Errorf("replies went to %v, want the fillable marked threads only", got)
	}
	// The skipped thread stays named above the list after the replies'
	// jobs report, until esc.
	skipped := fmt.Sprintf("thread %d needs {{carrier}}", soon)
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, skipped) {
		t.Errorf("the inbox does not name the skipped thread %d:\n%s", soon, view)
	}
	h.press("esc")
	if view := ansi.Strip(h.m.View()); strings.Contains(view, skipped) {
		t.Errorf("esc left the skipped note:\n%s", view)
	}
}
