package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/internal/fixture"
	"github.com/sellerops/sellerops/tui/jobs"
)

func TestStatusBelongsToItsViewAndFades(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("2", "enter", "r")
	h.chooseTemplate("damaged")
	if h.m.StatusShown() != "template: damaged (en)" {
		t.Fatalf("the inbox does not show its own status: %q", h.m.StatusShown())
	}
	h.press("esc", "esc", "4")
	if got := h.m.StatusShown(); got != "" || strings.Contains(ansi.Strip(h.m.View()), "template: damaged") {
		t.Fatalf("the claims view shows the inbox's status %q", got)
	}
	h.press("2")
	if h.m.StatusShown() != "template: damaged (en)" {
		t.Fatalf("back in the inbox its status is gone before it faded: %q", h.m.StatusShown())
	}
	for range common.StatusFadeTicks {
		h.send(RefreshTickedMsg{})
	}
	if got := h.m.StatusShown(); got != "" {
		t.Fatalf("after %d refresh intervals the status is still shown: %q", common.StatusFadeTicks, got)
	}
	// A line about the whole dashboard (an unknown command) shows in every view.
	h.press(":")
	h.typeText("frob")
	h.press("enter", "3")
	if !strings.Contains(h.m.StatusShown(), `unknown command "frob"`) {
		t.Fatalf("a dashboard-wide status is not shown in another view: %q", h.m.StatusShown())
	}
}

func TestJobBarsShowRealTotals(t *testing.T) {
	h := newHarness(t, 120, 40, &fixture.Actions{})
	h.press("5", ":")
	h.typeText("track 1 2 3")
	// The job is asked for and added, not yet started: its bar already
	// shows the total.
	_, cmd := h.m.Update(keyMsg("enter"))
	req, ok := cmd().(common.JobRequestedMsg)
	if !ok || req.Total != 3 {
		t.Fatalf(":track 1 2 3 asked for %+v, want a job over 3 parcels", req)
	}
	h.m.Update(req)
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "0/3") {
		t.Fatalf("a job over 3 parcels does not show its total from the start:\n%s", view)
	}
	// A finished job whose total was never known shows no empty 0/0 count.
	done := &fixture.Actions{}
	h2 := newHarness(t, 120, 40, done)
	h2.press(":")
	h2.typeText("sync")
	h2.press("enter", "5")
	j := h2.m.Jobs.Jobs()[0]
	if j.State != jobs.Done {
		t.Fatalf("sync job state %s, want done", j.State)
	}
	view := ansi.Strip(h2.m.View())
	if strings.Contains(view, "0/0") || !strings.Contains(view, "[#####") {
		t.Fatalf("a finished job without a total shows an empty count or bar:\n%s", view)
	}
}

func TestJobThatEndsShortSaysHowManyWereNotReported(t *testing.T) {
	actions := &fixture.Actions{Script: []common.Progress{{Done: 1, Total: 3, Line: "a"}, {Done: 2, Total: 3, Line: "b"}}}
	h := newHarness(t, 120, 40, actions)
	h.send(common.JobRequestedMsg{Name: "re-track 3 parcels", Total: 3, Start: func(ctx context.Context) (<-chan common.Progress, error) {
		return actions.TrackShipments(ctx, []int64{1, 2, 3})
	}})
	h.press("5")
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "2/3 (1 not reported)") {
		t.Fatalf("a job that reported 2 of 3 items does not say so:\n%s", view)
	}
}

func TestSearchKeepsTheLastResultsWhileTyping(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("2", "/")
	h.typeText("refund")
	h.press("enter")
	if len(h.m.Inbox.Hits()) == 0 {
		t.Fatal("no hits for refund")
	}
	h.press("/")
	h.typeText("crush")
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "SENT") || !strings.Contains(view, "shopee-sg") {
		t.Fatalf("the results went blank while a new search is typed:\n%s", view)
	}
	// Typing a first search keeps the thread list on screen.
	h2 := newHarness(t, 120, 40, nil)
	h2.press("2", "/")
	h2.typeText("lamp")
	if view := ansi.Strip(h2.m.View()); !strings.Contains(view, "Falsche Größe") {
		t.Fatalf("the list went blank while a search is typed:\n%s", view)
	}
}
