package common

import (
	"strings"

	"github.com/charmbracelet/lipgloss"

	"github.com/sellerops/sellerops/tui/theme"
)

// Layout constants of the dashboard, in terminal cells.
const (
	// HeaderHeight is the tab bar.
	HeaderHeight = 1
	// FooterHeight is the status line and the short help line.
	FooterHeight = 2
	// MinWidth and MinHeight are the smallest size drawn; below it the
	// dashboard asks for a larger terminal.
	MinWidth  = 40
	MinHeight = 10
	// SplitWidth is the width from which a list and its detail pane are
	// shown side by side; narrower, the detail pane replaces the list.
	SplitWidth = 110
	// PaneShareMin and PaneShareMax are the detail pane's share (percent)
	// of the width when split: the smaller at SplitWidth, growing with the
	// terminal to the larger at PaneShareFullWidth and beyond, so that a
	// list keeps room for its text columns on a mid-size terminal.
	PaneShareMin       = 35
	PaneShareMax       = 50
	PaneShareFullWidth = 200
	// ListShareReading is the list's share (percent) of the width while a
	// thread beside it is being read or answered.
	ListShareReading = 45
	// SideWidth is the width of the order and parcel column beside a
	// thread's messages.
	SideWidth = 30
	// LogLines is how many log lines a job keeps.
	LogLines = 200
	// RefreshSeconds is how often the dashboard rereads the database.
	RefreshSeconds = 5
	// DialogWidth is the width of a confirmation dialog.
	DialogWidth = 60
	// StatusFadeTicks and ErrorFadeTicks are how many refresh intervals a
	// status line stays on the screen (errors longer); it fades after.
	StatusFadeTicks = 2
	ErrorFadeTicks  = 6
)

// Rule is the vertical line between two panes, h lines high.
func Rule(st *theme.Styles, h int) string {
	return st.Separator.Render(strings.TrimSuffix(strings.Repeat("│\n", h), "\n"))
}

// ListWidth is the list's width beside its pane in w cells: what the pane,
// PaneShareMin to PaneShareMax percent as the terminal grows, and the rule
// between them leave.
func ListWidth(w int) int {
	share := PaneShareMin
	if w > SplitWidth {
		share += (PaneShareMax - PaneShareMin) * min(w-SplitWidth, PaneShareFullWidth-SplitWidth) / (PaneShareFullWidth - SplitWidth)
	}
	return w - w*share/100 - 1
}

// Split draws a list and its pane side by side in w by h cells: the list
// takes ListWidth, then comes a rule, and the pane takes the rest. Each
// side is drawn for its width and fitted to h lines; the list is drawn
// first.
func Split(st *theme.Styles, w, h int, list, pane func(w int) string) string {
	return SplitAt(st, w, h, ListWidth(w), list, pane)
}

// SplitAt is Split with the list lw cells wide.
func SplitAt(st *theme.Styles, w, h, lw int, list, pane func(w int) string) string {
	pw := w - lw - 1
	l := Fit(list(lw), lw, h)
	return lipgloss.JoinHorizontal(lipgloss.Top, l, Rule(st, h), Fit(pane(pw), pw, h))
}
