package common

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/tui/theme"
)

func typeText(t *testing.T, f *Filter, s string) {
	t.Helper()
	for _, r := range s {
		if applied, _ := f.Key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}}); applied {
			t.Fatalf("typing %q applied the filter", r)
		}
	}
}

func TestFilter(t *testing.T) {
	f := NewFilter("number: ")
	if f.Typing || f.Text != "" || f.Update(tea.WindowSizeMsg{}) != nil {
		t.Fatal("a new filter is typing or has text")
	}
	f.Start()
	if !f.Typing || !f.Input.Focused() {
		t.Fatal("Start did not focus the input")
	}
	typeText(t, &f, " 1Z9 ")
	if f.Text != "" {
		t.Fatalf("typed text took effect before enter: %q", f.Text)
	}
	if applied, _ := f.Key(tea.KeyMsg{Type: tea.KeyEnter}); !applied {
		t.Fatal("enter did not apply the filter")
	}
	if f.Typing || f.Input.Focused() || f.Text != "1Z9" {
		t.Fatalf("after enter: typing %v, focused %v, text %q", f.Typing, f.Input.Focused(), f.Text)
	}

	// Esc leaves the filter in force as it was.
	f.Start()
	if f.Input.Value() != "1Z9" {
		t.Fatalf("Start shows %q, not the filter in force", f.Input.Value())
	}
	typeText(t, &f, "X")
	if applied, _ := f.Key(tea.KeyMsg{Type: tea.KeyEsc}); applied {
		t.Fatal("esc applied the filter")
	}
	if f.Typing || f.Text != "1Z9" {
		t.Fatalf("after esc: typing %v, text %q", f.Typing, f.Text)
	}
	if !strings.Contains(f.Input.View(), "number: ") {
		t.Fatalf("the input line lacks its prompt: %q", f.Input.View())
	}

	if !f.Clear() || f.Text != "" || f.Input.Value() != "" {
		t.Fatalf("Clear left %q / %q", f.Text, f.Input.Value())
	}
	if f.Clear() {
		t.Fatal("Clear of an empty filter reported one")
	}
}

func TestSplit(t *testing.T) {
	st := theme.NewStyles(theme.Default())
	var lw, pw int
	out := Split(st, 100, 3, func(w int) string {
		lw = w
		return "list"
	}, func(w int) string {
		pw = w
		return "pane\nsecond"
	})
	if lw != 64 || pw != 35 {
		t.Fatalf("widths %d and %d, want 64 and 35: the pane takes PaneShareMin percent", lw, pw)
	}
	// The pane's share grows with the terminal up to PaneShareMax.
	for _, c := range []struct{ w, list int }{{110, 71}, {155, 89}, {200, 99}, {300, 149}} {
		if got := ListWidth(c.w); got != c.list {
			t.Errorf("ListWidth(%d) = %d, want %d", c.w, got, c.list)
		}
	}
	// Each side is fitted to 3 lines; the rule runs between them.
	rule := Rule(st, 1)
	want := "list" + rule + "pane  \n" + "    " + rule + "second\n" + "    " + rule + "      "
	if out != want {
		t.Fatalf("Split =\n%q\nwant\n%q", out, want)
	}
	if got := strings.Count(Rule(st, 4), "│"); got != 4 {
		t.Fatalf("a rule of 4 lines has %d marks", got)
	}
}

func TestOr(t *testing.T) {
	if Or("", "-") != "-" || Or("x", "-") != "x" {
		t.Fatal("Or")
	}
}
