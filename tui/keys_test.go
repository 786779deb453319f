package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// burst is what bubbletea delivers when a terminal hands several letters
// over in one read: one key message carrying every rune.
func burst(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }

func paste(s string) tea.KeyMsg { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s), Paste: true} }

func TestBurstsCountEveryKey(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	h.press("3")
	h.send(burst("jjj"))
	rows, _ := h.m.Shipments.Rows()
	if got := h.m.Shipments.SelectedID(); got != rows[3].ID {
		t.Fatalf("jjj selected parcel %d, want the fourth row %d", got, rows[3].ID)
	}

	h.send(burst(":sync"))
	if !h.m.paletteOn || h.m.palette.Value() != "sync" {
		t.Fatalf(":sync as one message: palette open %v with %q, want it open with \"sync\"", h.m.paletteOn, h.m.palette.Value())
	}
	h.press("enter")
	if c := lastCall(t, actions, "sync"); len(c.Stores) != 0 {
		t.Fatalf("sync called with stores %v, want all", c.Stores)
	}

	h.press("2")
	h.send(burst("/damaged"))
	if !h.m.Inbox.Capturing() || h.m.Inbox.SearchValue() != "damaged" {
		t.Fatalf("/damaged as one message: search open %v with %q, want \"damaged\"", h.m.Inbox.Capturing(), h.m.Inbox.SearchValue())
	}
	h.press("esc")
	h.send(burst("/refund"))
	h.press("enter")
	hits := h.m.Inbox.Hits()
	if len(hits) == 0 || hits[0].ThreadID != h.ids.Threads["later"] {
		t.Fatalf("/refund as one message found %+v, want the refund thread", hits)
	}
}

func TestPasteGoesWholeToTheFocusedInput(t *testing.T) {
	actions := &fixture.Actions{}
	h := newHarness(t, 120, 40, actions)
	h.press("3")
	before := h.m.Shipments.SelectedID()
	h.send(paste("jjjr"))
	if got := h.m.Shipments.SelectedID(); got != before || len(actions.Calls()) != 0 {
		t.Fatalf("a paste outside an input acted as keys: selected %d (was %d), calls %+v", got, before, actions.Calls())
	}
	h.press(":")
	h.send(paste("track 12 34"))
	if h.m.palette.Value() != "track 12 34" {
		t.Fatalf("palette holds %q after a paste, want it whole", h.m.palette.Value())
	}
}
