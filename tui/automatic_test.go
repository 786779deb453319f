package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/localdb"
)

// A help desk's acknowledgement stored in a thread is shown as automatic,
// and it leaves the thread waiting for a person's answer.
func TestAutomaticMessageIsLabelledAndLeavesTheThreadOpen(t *testing.T) {
	h := newHarness(t, 120, 50, nil)
	id := h.ids.Threads["later"]
	before, err := h.db.GetThread(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.db.UpsertMessage(context.Background(), localdb.Message{ThreadID: id, MarketplaceMessageID: "ack-1",
		Direction: localdb.DirectionOut, Sender: "help desk", Body: "We have your message.",
		SentAt: before.LastMessageAt.Add(time.Minute), Automatic: true}); err != nil {
		t.Fatal(err)
	}
	if after, err := h.db.GetThread(context.Background(), id); err != nil || after.Status != before.Status {
		t.Fatalf("thread status %s after an automatic reply, want %s as before (%v)", after.Status, before.Status, err)
	}
	h.press("2", "/")
	h.typeText("refund")
	h.press("enter", "enter")
	if tc := h.m.Inbox.OpenThread(); tc == nil || tc.Thread.ID != id {
		t.Fatalf("open thread = %+v, want %d", tc, id)
	}
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "help desk · automatic") || !strings.Contains(view, "We have your message.") {
		t.Errorf("the automatic reply is not shown as automatic:\n%s", view)
	}
}
