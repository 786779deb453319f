package common

import (
	"sort"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Column is one column of a list's table. Every column gets Min cells;
// what is left goes first to the weighted columns (the text that is worth
// reading, such as a subject or a buyer), a cell each in turn up to Pref,
// then to the others up to Pref, then to the weighted columns again, by
// Weight; with none, the rest stays blank at the end of the row. A column with
// Keep (numbers, money, ids) is never cut: its Min should be the widest of
// its values, and the text columns narrow first.
type Column struct {
	Title     string
	Min, Pref int
	Weight    int
	// Right aligns the values to the right (numbers and money).
	Right bool
	// Keep marks a column whose values are never cut.
	Keep bool
}

// ColumnGap is the space between two columns.
const ColumnGap = 1

// Widths shares w cells among cols, ColumnGap between each two.
func Widths(cols []Column, w int) []int {
	out := make([]int, len(cols))
	room := w - ColumnGap*max(len(cols)-1, 0)
	for i, c := range cols {
		out[i] = max(c.Min, 1)
		room -= out[i]
	}
	if room < 0 {
		// Too narrow: the columns that may be cut give up cells, the
		// heaviest first, down to one cell each.
		order := byWeight(cols)
		for room < 0 {
			cut := false
			for _, i := range order {
				if cols[i].Keep || out[i] <= 1 || room >= 0 {
					continue
				}
				out[i]--
				room++
				cut = true
			}
			if !cut {
				break
			}
		}
		return out
	}
	grow := func(i, upTo int) {
		if add := min(upTo-out[i], room); add > 0 {
			out[i] += add
			room -= add
		}
	}
	// The weighted columns grow together, a cell each in turn, so that
	// the buyer is not starved by the subject.
	for grew := true; grew && room > 0; {
		grew = false
		for _, i := range byWeight(cols) {
			if cols[i].Weight > 0 && out[i] < cols[i].Pref && room > 0 {
				out[i]++
				room--
				grew = true
			}
		}
	}
	for i, c := range cols {
		if c.Weight == 0 {
			grow(i, c.Pref)
		}
	}
	total := 0
	for _, c := range cols {
		total += c.Weight
	}
	if total == 0 || room <= 0 {
		return out
	}
	left, last := room, -1
	for i, c := range cols {
		if c.Weight > 0 {
			add := left * c.Weight / total
			out[i] += add
			room -= add
			last = i
		}
	}
	out[last] += room // what rounding left over
	return out
}

// byWeight returns the column indexes, heaviest first, in column order
// among equals.
func byWeight(cols []Column) []int {
	order := make([]int, len(cols))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return cols[order[a]].Weight > cols[order[b]].Weight })
	return order
}

// Cells lays values out in the columns' widths: each cut or padded to its
// width (a Keep column is never cut), right-aligned where the column says.
// Values may carry styles; widths are measured without them.
func Cells(cols []Column, widths []int, values []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(strings.Repeat(" ", ColumnGap))
		}
		v := ""
		if i < len(values) {
			v = values[i]
		}
		w := widths[i]
		if c.Keep {
			w = max(w, ansi.StringWidth(v))
		}
		if c.Right {
			b.WriteString(PadLeft(v, w))
		} else {
			b.WriteString(Pad(v, w))
		}
	}
	return b.String()
}

// Heading lays the columns' titles out as Cells lays out a row.
func Heading(cols []Column, widths []int) string {
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	return Cells(cols, widths, titles)
}

// WidestOf is the width of the widest of values, at least min: the Min of
// a Keep column.
func WidestOf(min int, values ...string) int {
	for _, v := range values {
		if n := ansi.StringWidth(v); n > min {
			min = n
		}
	}
	return min
}
