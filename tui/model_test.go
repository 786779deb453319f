package tui

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/inbox"
	"github.com/sellerops/sellerops/tui/internal/fixture"
	"github.com/sellerops/sellerops/tui/jobs"
)

func threadIDs(ts []localdb.Thread) []int64 {
	var out []int64
	for _, t := range ts {
		out = append(out, t.ID)
	}
	return out
}

func TestSwitchViews(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	if h.m.Active() != ViewOverview {
		t.Fatalf("starts on view %d, want the overview", h.m.Active())
	}
	h.press("tab")
	if h.m.Active() != ViewInbox {
		t.Fatalf("tab: view %d, want inbox", h.m.Active())
	}
	h.press("5")
	if h.m.Active() != ViewJobs {
		t.Fatalf("5: view %d, want jobs", h.m.Active())
	}
	h.press("tab")
	if h.m.Active() != ViewInsights {
		t.Fatalf("tab from jobs: view %d, want insights", h.m.Active())
	}
	h.press("tab")
	if h.m.Active() != ViewOverview {
		t.Fatalf("tab from the last view: %d, want the overview", h.m.Active())
	}
	h.press("shift+tab")
	if h.m.Active() != ViewInsights {
		t.Fatalf("shift+tab: %d, want insights", h.m.Active())
	}
	h.press(":")
	h.typeText("claims")
	h.press("enter")
	if h.m.Active() != ViewClaims {
		t.Fatalf(":claims: view %d, want claims", h.m.Active())
	}
	h.press(":")
	h.typeText("frobnicate")
	h.press("enter")
	if !strings.Contains(h.m.Status(), `unknown command "frobnicate"`) {
		t.Fatalf("status = %q, want it to name the unknown command", h.m.Status())
	}
}

func TestInboxOrderAndFilters(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("2")
	rows, total := h.m.Inbox.Rows()
	want := []int64{h.ids.Threads["late"], h.ids.Threads["soon"], h.ids.Threads["later"], h.ids.Threads["quiet"]}
	if total != 4 || fmt.Sprint(threadIDs(rows)) != fmt.Sprint(want) {
		t.Fatalf("open threads %v (total %d), want overdue first then by deadline %v", threadIDs(rows), total, want)
	}
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "-2h00m") || !strings.Contains(view, "1h00m") {
		t.Fatalf("inbox lacks countdowns:\n%s", view)
	}
	h.press("t") // status: replied
	rows, total = h.m.Inbox.Rows()
	if total != 1 || rows[0].ID != h.ids.Threads["replied"] {
		t.Fatalf("replied filter: %v total %d", threadIDs(rows), total)
	}
	h.press("t", "t") // no_response_needed, then all
	if _, total = h.m.Inbox.Rows(); total != 5 {
		t.Fatalf("all statuses: total %d, want 5", total)
	}
	h.press("s") // first store by name: amz-us
	if _, total = h.m.Inbox.Rows(); total != 3 {
		t.Fatalf("store amz-us: total %d, want 3", total)
	}
	h.press("l") // most common language: en
	if _, total = h.m.Inbox.Rows(); total != 2 {
		t.Fatalf("amz-us in English: total %d, want 2", total)
	}
	h.press("down", "down", "down")
	if c := h.m.Inbox.Cursor(); c != 1 {
		t.Fatalf("cursor = %d, want it clamped to the last of 2 rows", c)
	}
}

func TestInboxSearchOpensThread(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("2", "/")
	h.typeText("refund")
	h.press("enter")
	hits := h.m.Inbox.Hits()
	if len(hits) == 0 {
		t.Fatal("search for refund found nothing")
	}
	for _, hit := range hits {
		if hit.ThreadID != h.ids.Threads["later"] {
			t.Fatalf("hit in thread %d, want only thread %d (Refund request)", hit.ThreadID, h.ids.Threads["later"])
		}
	}
	h.press("enter")
	tc := h.m.Inbox.OpenThread()
	if tc == nil || tc.Thread.ID != h.ids.Threads["later"] {
		t.Fatalf("open thread = %+v", tc)
	}
	view := ansi.Strip(h.m.View())
	for _, want := range []string{"Refund request", "SG-77", "Exception", "Parcel damaged"} {
		if !strings.Contains(view, want) {
			t.Errorf("thread pane lacks %q:\n%s", want, view)
		}
	}
	h.press("esc", "esc")
	if rows, _ := h.m.Inbox.Rows(); len(rows) != 4 {
		t.Fatalf("after clearing the search: %d rows, want the 4 open threads", len(rows))
	}
}

func TestReplyWithTemplateIsFilledAndSent(t *testing.T) {
	acts := &fixture.Actions{Script: []common.Progress{{Done: 1, Total: 1, Line: "reply sent"}}}
	h := newHarness(t, 120, 40, acts)
	h.press("2", "enter", "r")
	h.chooseTemplate("tracking")
	if v := h.m.Inbox.ComposerValue(); !strings.Contains(v, "{{tracking}}") || !strings.Contains(v, "{{carrier}}") {
		t.Fatalf("composer = %q, want the built-in tracking template", v)
	}
	h.press("ctrl+p")
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "travels with UPS") || strings.Contains(view, "{{tracking}}") {
		t.Fatalf("preview lacks the filled text:\n%s", view)
	}
	h.press("ctrl+s")
	calls := acts.Calls()
	if len(calls) != 1 || calls[0].Action != "reply" || calls[0].ThreadID != h.ids.Threads["late"] {
		t.Fatalf("calls = %+v, want one reply to the overdue thread", calls)
	}
	for _, want := range []string{"Hello Ana Lima", "order 111-0001",
		"travels with UPS under tracking number 1Z999AA10123456784; its current status is: in transit."} {
		if !strings.Contains(calls[0].Body, want) {
			t.Errorf("reply body lacks %q: %q", want, calls[0].Body)
		}
	}
	if strings.Contains(calls[0].Body, "{{") {
		t.Fatalf("reply body still has a placeholder: %q", calls[0].Body)
	}
	js := h.m.Jobs.Jobs()
	if len(js) != 1 || js[0].State != jobs.Done || js[0].Done != 1 || js[0].Lines[0] != "reply sent" {
		t.Fatalf("job = %+v", js[0])
	}
}

func TestReplyWithMissingValueIsRefused(t *testing.T) {
	acts := &fixture.Actions{}
	h := newHarness(t, 80, 24, acts)
	// The second thread's order has no parcel: no carrier, tracking or status.
	h.press("2", "down", "r")
	h.chooseTemplate("tracking")
	h.press("ctrl+s")
	if calls := acts.Calls(); len(calls) != 0 {
		t.Fatalf("calls = %+v, want nothing sent", calls)
	}
	want := `template "tracking" needs {{carrier}}, which is not known for this thread (order 111-0002 has no carrier); nothing was sent`
	if s := h.m.Status(); !strings.HasPrefix(s, want) {
		t.Fatalf("status = %q, want it to start %q", s, want)
	}
	if !h.m.Inbox.Capturing() {
		t.Fatal("the composer closed; it should stay open with the draft")
	}
}

func TestMarkNoResponseWithoutActionsWritesLocally(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("2", "n")
	th, err := h.db.GetThread(t.Context(), h.ids.Threads["late"])
	if err != nil {
		t.Fatal(err)
	}
	if th.Status != localdb.StatusNoResponseNeeded {
		t.Fatalf("status = %s, want no_response_needed", th.Status)
	}
	if rows, total := h.m.Inbox.Rows(); total != 3 || rows[0].ID != h.ids.Threads["soon"] {
		t.Fatalf("open list after marking: %v (total %d)", threadIDs(rows), total)
	}
}

func TestUnavailableActionSaysSo(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press(":")
	h.typeText("sync")
	h.press("enter")
	if s := h.m.Status(); !strings.Contains(s, "sync all stores") || !strings.Contains(s, "not available") {
		t.Fatalf("status = %q, want it to say sync is not available", s)
	}
	if js := h.m.Jobs.Jobs(); len(js) != 1 || js[0].State != jobs.Unavailable {
		t.Fatalf("jobs = %+v", js)
	}
	if strings.Count(h.m.View(), "\n") != 23 {
		t.Fatal("the frame lost its shape")
	}
}

func TestShipmentsFiltersDetailAndRetrack(t *testing.T) {
	acts := &fixture.Actions{Script: []common.Progress{
		{Done: 0, Total: 1, Line: "looking up 1Z999AA10123456784"},
		{Done: 1, Total: 1, Err: errors.New("tracking page did not load"), FailureClass: "timeout", EvidencePath: "evidence/track/1.png"},
	}}
	h := newHarness(t, 80, 24, acts)
	h.press("3")
	if _, total := h.m.Shipments.Rows(); total != 6 {
		t.Fatalf("parcels = %d, want 6", total)
	}
	h.press("s")
	rows, total := h.m.Shipments.Rows()
	if total != 1 || rows[0].ID != h.ids.Shipments["stalled"] {
		t.Fatalf("stalled = %+v", rows)
	}
	h.press("enter")
	if d := h.m.Shipments.Detail(); d == nil || d.ID != h.ids.Shipments["stalled"] {
		t.Fatalf("detail = %+v", d)
	}
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "Departed facility") || !strings.Contains(view, "Label created") {
		t.Fatalf("timeline missing:\n%s", view)
	}
	h.press("r")
	calls := acts.Calls()
	if len(calls) != 1 || calls[0].Action != "track" || fmt.Sprint(calls[0].IDs) != fmt.Sprint([]int64{h.ids.Shipments["stalled"]}) {
		t.Fatalf("calls = %+v", calls)
	}
	j := h.m.Jobs.Jobs()[0]
	if j.State != jobs.Failed || len(j.Failures) != 1 || j.Failures[0].FailureClass != "timeout" {
		t.Fatalf("job = %+v", j)
	}
	h.press("esc", "5")
	view := ansi.Strip(h.m.View())
	for _, want := range []string{"re-track 1Z999AA10123456784", "1/1", "timeout", "evidence/track/1.png", "1 failed"} {
		if !strings.Contains(view, want) {
			t.Errorf("jobs view lacks %q:\n%s", want, view)
		}
	}
	h.press("3", "s", "t") // stalled off, tag Pending
	rows, total = h.m.Shipments.Rows()
	if total != 1 || rows[0].ID != h.ids.Shipments["failed"] {
		t.Fatalf("tag Pending = %+v", rows)
	}
}

func TestClaimFilingNeedsConfirmation(t *testing.T) {
	acts := &fixture.Actions{Script: []common.Progress{{Done: 1, Total: 1, Line: "filed, confirmation UPS-1"}}}
	h := newHarness(t, 80, 24, acts)
	h.press("4")
	rows, _ := h.m.Claims.Rows()
	if len(rows) != 3 || rows[0].ID != h.ids.Claims["paid"] || rows[1].ID != h.ids.Claims["draft"] {
		t.Fatalf("claims order = %+v", rows)
	}
	h.press("f")
	if h.m.Claims.Confirming() != nil || !strings.Contains(h.m.Status(), "only a draft can be filed") {
		t.Fatalf("filing a paid claim: status %q", h.m.Status())
	}
	h.press("down", "f")
	if c := h.m.Claims.Confirming(); c == nil || c.ID != h.ids.Claims["draft"] {
		t.Fatalf("dialog for %+v, want the draft", c)
	}
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "File claim") || !strings.Contains(view, "y file") {
		t.Fatalf("dialog not drawn:\n%s", view)
	}
	h.press("q") // keys other than y and n do nothing while the dialog is open
	if h.quit || h.m.Claims.Confirming() == nil {
		t.Fatal("q closed the dialog or quit")
	}
	h.press("n")
	if h.m.Claims.Confirming() != nil || len(acts.Calls()) != 0 {
		t.Fatalf("n: dialog still open or claim filed: %+v", acts.Calls())
	}
	h.press("f", "y")
	calls := acts.Calls()
	if len(calls) != 1 || calls[0].Action != "claim" || calls[0].ClaimID != h.ids.Claims["draft"] {
		t.Fatalf("calls = %+v", calls)
	}
	h.press("enter")
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "evidence/1Z999-tracking.html") {
		t.Fatalf("evidence list missing:\n%s", view)
	}
}

func TestQuitCancelsRunningJobsAndSaysWhich(t *testing.T) {
	acts := &fixture.Actions{Hold: true, Stopped: make(chan string, 1), Script: []common.Progress{{Done: 1, Total: 3, Line: "amz-us synced"}}}
	h := newHarness(t, 80, 24, acts)
	h.press(":")
	h.typeText("sync amz-us")
	h.press("enter")
	j := h.m.Jobs.Jobs()[0]
	if j.State != jobs.Running || j.Done != 1 || j.Total != 3 {
		t.Fatalf("job = %+v", j)
	}
	if !strings.Contains(ansi.Strip(h.m.View()), "1 running") {
		t.Fatal("header does not show the running job")
	}
	h.press("q")
	if !h.quit {
		t.Fatal("q did not quit")
	}
	if note := h.m.QuitNote(); note != "cancelled running jobs: sync amz-us" {
		t.Fatalf("quit note = %q", note)
	}
	if got := <-acts.Stopped; got != "sync" {
		t.Fatalf("stopped %q", got)
	}
}

func TestCancelAndRetryJob(t *testing.T) {
	acts := &fixture.Actions{Hold: true, Stopped: make(chan string, 2)}
	h := newHarness(t, 80, 24, acts)
	h.press(":")
	h.typeText("track stalled")
	h.press("enter", "5", "x")
	j := h.m.Jobs.Jobs()[0]
	if j.State != jobs.Cancelled {
		t.Fatalf("after x: %s", j.State)
	}
	<-acts.Stopped
	h.awaitLate() // the progress channel closes
	if calls := acts.Calls(); len(calls) != 1 || fmt.Sprint(calls[0].IDs) != fmt.Sprint([]int64{h.ids.Shipments["stalled"]}) {
		t.Fatalf("calls = %+v, want the stalled parcel", calls)
	}
	h.press("R")
	if js := h.m.Jobs.Jobs(); len(js) != 2 || js[1].State != jobs.Running || js[1].Name != "re-track stalled parcels" {
		t.Fatalf("after retry: %+v", js)
	}
	if len(acts.Calls()) != 2 {
		t.Fatal("retry did not call the action again")
	}
	h.press("x")
	<-acts.Stopped
}

func TestEveryViewFitsEverySize(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	for _, size := range [][2]int{{80, 24}, {120, 40}, {100, 30}, {60, 15}, {30, 8}, {200, 60}} {
		w, ht := size[0], size[1]
		h.send(resize(w, ht))
		for v := range viewCount {
			h.press(fmt.Sprint(v + 1))
			for _, extra := range [][]string{nil, {"enter"}, {"?"}} {
				h.press(extra...)
				frame := h.m.View()
				lines := strings.Split(frame, "\n")
				if len(lines) != ht {
					t.Fatalf("%dx%d view %d %v: %d lines", w, ht, v+1, extra, len(lines))
				}
				for i, l := range lines {
					if n := ansi.StringWidth(l); n > w {
						t.Fatalf("%dx%d view %d %v: line %d is %d cells: %q", w, ht, v+1, extra, i, n, ansi.Strip(l))
					}
				}
				if len(extra) > 0 {
					h.press("esc")
				}
			}
		}
	}
}

func TestHelpShowsGroups(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("2", "?")
	view := ansi.Strip(h.m.View())
	for _, want := range []string{"next view", "quit", "reply", "no response needed", "page down"} {
		if !strings.Contains(view, want) {
			t.Errorf("full help lacks %q", want)
		}
	}
	h.press("x")
	if strings.Contains(ansi.Strip(h.m.View()), "any key closes") {
		t.Fatal("a key did not close the help")
	}
}

// TestHelpListsEveryViewCurrentFirst checks that ? lists the keys of every
// view, not only the current one's, with the current view's keys first
// and, on a small terminal, the rest reachable by scrolling.
func TestHelpListsEveryViewCurrentFirst(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		h := newHarness(t, size[0], size[1], nil)
		h.press("3", "?")
		var seen strings.Builder
		for range 40 {
			seen.WriteString(ansi.Strip(h.m.View()))
			h.press("down")
		}
		all := seen.String()
		// One binding unique to each view, and the shared ones.
		for _, want := range []string{"Shipments (this view)", "re-track", "Inbox", "no response needed", "Claims", "file claim",
			"Jobs", "cancel job", "Overview", "Every view", "go to a view", "commands", "quit"} {
			if !strings.Contains(all, want) {
				t.Errorf("%dx%d: the full help lacks %q:\n%s", size[0], size[1], want, all)
			}
		}
		for range 40 {
			h.press("up")
		}
		first := ansi.Strip(h.m.View())
		if i, j := strings.Index(first, "Shipments (this view)"), strings.Index(first, "Every view"); i < 0 || j >= 0 && j < i {
			t.Errorf("%dx%d: the current view's keys are not first:\n%s", size[0], size[1], first)
		}
	}
}

// TestInboxPagesThroughLargeList checks that the inbox reads only windows
// around the visible rows and that the row under the cursor is the one the
// database has at that position.
func TestInboxPagesThroughLargeList(t *testing.T) {
	db := fixture.Open(t)
	fixture.Bulk(t, db, 2000, 1, 0)
	h := startHarness(t, db, fixture.IDs{}, 80, 24, nil)
	h.press("2", "t", "t", "t") // open, replied, no response needed, then every status
	bodyRows := 24 - 1 - 2 - 2
	for range 30 {
		h.press("pgdown")
	}
	h.press("down", "down")
	rows, total := h.m.Inbox.Rows()
	if total != 2000 {
		t.Fatalf("total = %d", total)
	}
	if len(rows) > 3*bodyRows {
		t.Fatalf("%d rows loaded, want at most %d (three screens)", len(rows), 3*bodyRows)
	}
	want := 30*bodyRows + 2
	if c := h.m.Inbox.Cursor(); c != want {
		t.Fatalf("cursor = %d, want %d", c, want)
	}
	p, err := db.PageThreads(t.Context(), localdb.ThreadFilter{Offset: want, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "› ") || !strings.Contains(view, p.Rows[0].BuyerName) {
		t.Fatalf("selected row should be %s:\n%s", p.Rows[0].BuyerName, view)
	}
	h.press("G")
	if c := h.m.Inbox.Cursor(); c != 1999 {
		t.Fatalf("G: cursor %d", c)
	}
}

func TestClaimsFilterByParcelNumber(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("4", "/")
	if !h.m.Claims.Capturing() {
		t.Fatal("/ did not open the filter")
	}
	h.typeText("spx")
	h.press("enter")
	rows, total := h.m.Claims.Rows()
	if total != 1 || rows[0].ID != h.ids.Claims["submitted"] {
		t.Fatalf("claims for spx* = %+v", rows)
	}
	h.press("q") // q is a key again once the filter is closed
	if !h.quit {
		t.Fatal("q did not quit after the filter closed")
	}
}

func TestShipmentsFilterTypesIntoInputNotGlobals(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("3", "/")
	h.typeText("940011189922319") // "1" would switch views if it were not typed into the filter
	if h.m.Active() != ViewShipments {
		t.Fatalf("typing switched to view %d", h.m.Active())
	}
	h.press("enter")
	rows, total := h.m.Shipments.Rows()
	if total != 1 || rows[0].ID != h.ids.Shipments["out"] {
		t.Fatalf("parcels 940011189922319* = %+v", rows)
	}
}

func TestLogsGoToTheLoggerAndNotAvailableIsReported(t *testing.T) {
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	var logs bytes.Buffer
	acts := &fixture.Actions{Err: ErrNotAvailable}
	h := startHarnessOpts(t, ids, 80, 24, Options{DB: db, Now: fixture.Clock, Actions: acts,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	h.press("2", "n")
	if s := h.m.Status(); !strings.Contains(s, "not available yet") {
		t.Fatalf("status = %q", s)
	}
	th, err := db.GetThread(t.Context(), ids.Threads["late"])
	if err != nil || th.Status != localdb.StatusOpen {
		t.Fatalf("thread changed although the action was not available: %+v %v", th.Status, err)
	}
	h.press("3", "r")
	if !strings.Contains(logs.String(), "re-track 794644790132: not available yet") {
		t.Fatalf("log lacks the job: %s", logs.String())
	}
	if !strings.Contains(h.m.Status(), "re-track") || !strings.Contains(h.m.Status(), "not available") {
		t.Fatalf("status = %q", h.m.Status())
	}
}

func TestLiveRefreshShowsNewThreads(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("2")
	if _, total := h.m.Inbox.Rows(); total != 4 {
		t.Fatalf("total = %d", total)
	}
	if _, _, err := h.db.UpsertThread(t.Context(), localdb.Thread{StoreID: h.ids.Stores["amz-us"], MarketplaceThreadID: "T-new",
		BuyerName: "Fay", Subject: "New question", ReplyDeadline: fixture.Now.Add(-3 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	h.press(":") // an open palette must not hold up the data
	h.send(RefreshTickedMsg{})
	h.press("esc")
	rows, total := h.m.Inbox.Rows()
	if total != 5 || rows[0].BuyerName != "Fay" {
		t.Fatalf("after refresh: total %d, first %q; want the new, most overdue thread first", total, rows[0].BuyerName)
	}
}

func TestStaleWindowIsDropped(t *testing.T) {
	h := newHarness(t, 80, 24, nil)
	h.press("2")
	before, _ := h.m.Inbox.Rows()
	h.send(inbox.ThreadsLoadedMsg{Seq: -1, Page: localdb.Page[localdb.Thread]{Total: 99}})
	after, total := h.m.Inbox.Rows()
	if total != 4 || len(after) != len(before) {
		t.Fatalf("a stale window replaced the list: total %d", total)
	}
}

func TestClaimCandidatesWithWindows(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("4", "c")
	rows, total := h.m.Claims.Candidates()
	// The lost USPS parcel closes soonest; the stalled UPS parcel and the
	// damaged SPX parcel already have claims and are listed all the same,
	// as `sellerops claims candidates` lists them.
	if total != 3 || rows[0].ShipmentID != h.ids.Shipments["lost"] || rows[0].Kind != localdb.ClaimLost {
		t.Fatalf("candidates = %+v", rows)
	}
	// USPS lost-parcel claims open 15 days after mailing and close after 60:
	// shipped 20 days ago, the window closes in 40 days and some hours.
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "closes 40d") || !strings.Contains(view, "9400111899223100000017") {
		t.Fatalf("candidate row lacks its window:\n%s", view)
	}
	h.press("c")
	if strings.Contains(ansi.Strip(h.m.View()), "candidates:") {
		t.Fatal("c did not go back to the claims")
	}
}

func TestJobsViewShowsRecordedFailures(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("5")
	view := ansi.Strip(h.m.View())
	for _, want := range []string{"sync", "1/2 done", "1 need a person", "shopee-sg: needs_human", "evidence evidence/run1/shopee-sg.png"} {
		if !strings.Contains(view, want) {
			t.Errorf("jobs view lacks %q:\n%s", want, view)
		}
	}
}

func TestDemoIsLabelled(t *testing.T) {
	db := fixture.Open(t)
	h := startHarnessOpts(t, fixture.IDs{}, 80, 24, Options{DB: db, Now: fixture.Clock, Demo: true})
	if first := strings.SplitN(ansi.Strip(h.m.View()), "\n", 2)[0]; !strings.HasPrefix(first, "sellerops  DEMO  1 Overview") {
		t.Fatalf("header = %q, want the DEMO label", first)
	}
	plain := startHarnessOpts(t, fixture.IDs{}, 80, 24, Options{DB: db, Now: fixture.Clock})
	if strings.Contains(strings.SplitN(plain.m.View(), "\n", 2)[0], "DEMO") {
		t.Fatal("DEMO shown without Demo")
	}
}
