package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// The Insights view reads nothing until shown; enter on the worst carrier
// (the fixture's spx parcel is damaged: 1,000 per 1,000) lists its parcels,
// and esc comes back to the same row.
func TestInsightsViewOpensTheParcelsBehindACarrier(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	if h.m.Insights.Data() != nil {
		t.Fatal("the insights were read before the view was shown")
	}
	h.press("6")
	d := h.m.Insights.Data()
	if d == nil || len(d.Carriers) == 0 || d.Carriers[0].Group != "spx" {
		t.Fatalf("insights after 6: %+v", d)
	}
	// Rows: the stores, then the carriers (no SKU has damage or
	// where-is-my-order contacts in the fixture).
	for range d.Stores {
		h.press("down")
	}
	h.press("enter")
	view := ansi.Strip(h.m.View())
	if !strings.Contains(view, "Parcels of spx") || !strings.Contains(view, "SPX0000123") || !strings.Contains(view, "damaged") {
		t.Fatalf("behind spx:\n%s", view)
	}
	h.press("esc")
	view = ansi.Strip(h.m.View())
	if !strings.Contains(view, "> spx") {
		t.Fatalf("after esc the spx row is not selected:\n%s", view)
	}
}
