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
	// ListShare is the list's share (percent) of the width when split.
	ListShare = 45
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

// Split draws a list and its pane side by side in w by h cells: the list
// takes ListShare percent of the width, then comes a rule, and the pane
// takes the rest. Each side is drawn for its width and fitted to h lines;
// the list is drawn first.
func Split(st *theme.Styles, w, h int, list, pane func(w int) string) string {
	lw := w * ListShare / 100
	pw := w - lw - 1
	l := Fit(list(lw), lw, h)
	return lipgloss.JoinHorizontal(lipgloss.Top, l, Rule(st, h), Fit(pane(pw), pw, h))
}
