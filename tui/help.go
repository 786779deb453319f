package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/lipgloss"

	"github.com/sellerops/sellerops/tui/common"
)

// helpSection is one group of the full help: a title and its keys.
type helpSection struct {
	title    string
	bindings []key.Binding
}

// helpSections lists every key of every view: the active view's own keys
// first, then the keys every view shares, then the other views' own keys
// in tab order.
func (m *Model) helpSections() []helpSection {
	k := m.c.Keys
	own := func(i int) helpSection {
		return helpSection{title: m.views[i].Title(), bindings: k.Own(m.views[i].FullHelp())}
	}
	cur := own(m.active)
	cur.title += " (this view)"
	out := []helpSection{cur, {title: "Every view", bindings: k.Everywhere()}}
	for i := range m.views {
		if i != m.active {
			out = append(out, own(i))
		}
	}
	return out
}

// helpLines draws the sections in as many columns as fit in w cells,
// filled in order, each column about as tall as the others.
func (m *Model) helpLines(w int) []string {
	s := m.c.Styles
	secs := m.helpSections()
	keyW, descW := 0, 0
	for _, sec := range secs {
		descW = max(descW, lipgloss.Width(sec.title))
		for _, b := range sec.bindings {
			keyW = max(keyW, lipgloss.Width(b.Help().Key))
			descW = max(descW, lipgloss.Width(b.Help().Desc))
		}
	}
	const gap = 3
	colW := min(keyW+1+descW, w)
	cols := max((w+gap)/(colW+gap), 1)
	blocks := make([][]string, len(secs))
	total := 0
	for i, sec := range secs {
		lines := []string{s.Heading.Render(common.Truncate(sec.title, colW))}
		if len(sec.bindings) == 0 {
			lines = append(lines, s.Faint.Render(common.Truncate("no keys of its own", colW)))
		}
		for _, b := range sec.bindings {
			h := b.Help()
			lines = append(lines, common.Truncate(s.Primary.Render(common.Pad(h.Key, keyW))+" "+s.Help.Render(h.Desc), colW))
		}
		blocks[i] = lines
		total += len(lines) + 1
	}
	target := (total + cols - 1) / cols
	var columns [][]string
	var col []string
	for _, bl := range blocks {
		if len(col) > 0 && len(col)+len(bl) > target && len(columns) < cols-1 {
			columns = append(columns, col)
			col = nil
		}
		if len(col) > 0 {
			col = append(col, "")
		}
		col = append(col, bl...)
	}
	columns = append(columns, col)
	height := 0
	for _, c := range columns {
		height = max(height, len(c))
	}
	out := make([]string, height)
	for r := range out {
		var b strings.Builder
		for ci, c := range columns {
			cell := ""
			if r < len(c) {
				cell = c[r]
			}
			if ci < len(columns)-1 {
				cell = common.Pad(cell, colW) + strings.Repeat(" ", gap)
			}
			b.WriteString(cell)
		}
		out[r] = strings.TrimRight(b.String(), " ")
	}
	return out
}

// helpView draws the full help in w by h cells, from line helpScroll on.
func (m *Model) helpView(w, h int) string {
	s := m.c.Styles
	lines := m.helpLines(w)
	room := max(h-2, 1)
	m.helpScroll = min(max(m.helpScroll, 0), max(len(lines)-room, 0))
	hint := "(any key closes)"
	if len(lines) > room {
		hint = "(↑/↓ scroll · any other key closes)"
	}
	end := min(m.helpScroll+room, len(lines))
	return s.Heading.Render("Keys") + "  " + s.Faint.Render(hint) + "\n\n" + strings.Join(lines[m.helpScroll:end], "\n")
}
