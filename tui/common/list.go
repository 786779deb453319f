package common

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/theme"
)

// List is a cursor over a long list of which only a window of rows is
// loaded. The view draws the rows from Top to Top+Height; when they leave
// the loaded window, NeedWindow says which page to read.
//
// With Key set, the selection is one item, held by its id, not a row
// index: a window read after a refresh, a filter change or a live update
// puts the cursor back on that item wherever it now sits among the rows
// read, so that an action never lands on another item because rows moved.
// When the item is not among them any more, the selection moves to its
// neighbour (the row now at its place) and Left names the item that left.
// Only a navigation key moves the selection on purpose.
type List[T any] struct {
	Cursor, Top int
	// Height is how many rows are visible.
	Height int
	Total  int
	// WinStart is the index of Rows[0] in the whole list.
	WinStart int
	Rows     []T
	// Seq counts page requests, so that a late answer to an old request
	// is dropped.
	Seq     int
	Loaded  bool
	pending bool

	// Key returns a row's id; nil keeps the selection by row index only.
	Key func(T) int64
	// Left is the id of the selected item that was not among the rows
	// read last, so the selection moved to its neighbour; 0 when none.
	// A navigation key clears it.
	Left int64
	// sel is the id of the selected item; 0 before any row is known.
	sel int64
	// seek is set while the cursor stands on a row not read yet after a
	// navigation key: the row read there becomes the selection.
	seek bool

	// marks are the ids marked for a bulk action, in the order they were
	// marked; marked holds the same ids for lookup. Marks are ids, so
	// they stay on their items across refreshes and live updates.
	marks  []int64
	marked map[int64]bool
	// anchor is the id a range mark starts from: the last item marked or
	// unmarked with ToggleMark.
	anchor int64
}

// ToggleMark marks the selected item for a bulk action, or unmarks it when
// it was marked, and makes it the start of the next range. It reports
// false when no item is selected.
func (l *List[T]) ToggleMark() bool {
	id := l.SelectedID()
	if id == 0 || l.Key == nil {
		return false
	}
	l.anchor = id
	if l.marked[id] {
		l.unmark(id)
		return true
	}
	l.mark(id)
	return true
}

// MarkRange marks every row from the range's start (the last item toggled)
// to the selected one, both included, and returns how many rows it marked.
// Without a start it marks the selected item alone. It fails, marking
// nothing, when the start or a row in the range has not been read yet: a
// range never holds a row the user has not seen.
func (l *List[T]) MarkRange() (int, error) {
	id := l.SelectedID()
	if id == 0 || l.Key == nil {
		return 0, fmt.Errorf("no row is selected")
	}
	from := l.Cursor
	if l.anchor != 0 {
		from = -1
		for i, r := range l.Rows {
			if l.Key(r) == l.anchor {
				from = l.WinStart + i
				break
			}
		}
		if from < 0 {
			return 0, fmt.Errorf("the range's start is too far from the cursor to be read with it; mark a shorter range")
		}
	}
	lo, hi := min(from, l.Cursor), max(from, l.Cursor)
	ids := make([]int64, 0, hi-lo+1)
	for i := lo; i <= hi; i++ {
		r, ok := l.Row(i)
		if !ok {
			return 0, fmt.Errorf("row %d is not loaded yet; mark a shorter range", i+1)
		}
		ids = append(ids, l.Key(r))
	}
	for _, id := range ids {
		l.mark(id)
	}
	l.anchor = id
	return len(ids), nil
}

func (l *List[T]) mark(id int64) {
	if l.marked == nil {
		l.marked = map[int64]bool{}
	}
	if !l.marked[id] {
		l.marked[id] = true
		l.marks = append(l.marks, id)
	}
}

func (l *List[T]) unmark(id int64) {
	delete(l.marked, id)
	for i, m := range l.marks {
		if m == id {
			l.marks = append(l.marks[:i:i], l.marks[i+1:]...)
			break
		}
	}
}

// Marked returns the marked ids in the order they were marked.
func (l *List[T]) Marked() []int64 { return append([]int64(nil), l.marks...) }

// IsMarked reports whether the item with id is marked.
func (l *List[T]) IsMarked(id int64) bool { return l.marked[id] }

// ClearMarks unmarks every item.
func (l *List[T]) ClearMarks() { l.marks, l.marked, l.anchor = nil, nil, 0 }

// SelectedID is the id of the selected item, 0 when none is known (no
// rows, or the cursor was moved onto a row not read yet).
func (l *List[T]) SelectedID() int64 {
	if l.seek {
		return 0
	}
	return l.sel
}

// pick makes the row under the cursor the selection, or, when it is not
// read yet, waits for it.
func (l *List[T]) pick() {
	if l.Key == nil {
		return
	}
	if l.Total == 0 {
		l.sel, l.seek = 0, false
		return
	}
	r, ok := l.Row(l.Cursor)
	if !ok {
		l.sel, l.seek = 0, true
		return
	}
	l.sel, l.seek = l.Key(r), false
}

// follow puts the cursor back on the selected item in the rows just read,
// or, when it is not among them, on its neighbour, noting which one left.
func (l *List[T]) follow() {
	if l.Key == nil {
		return
	}
	if l.seek || l.sel == 0 {
		l.pick()
		return
	}
	for j, r := range l.Rows {
		if l.Key(r) == l.sel {
			l.Cursor = l.WinStart + j
			l.clamp()
			return
		}
	}
	l.Left = l.sel
	l.pick()
}

// Move moves the cursor by delta rows, clamped to the list, and scrolls so
// that the cursor stays visible.
func (l *List[T]) Move(delta int) {
	l.Cursor += delta
	l.clamp()
	l.Left = 0
	l.pick()
}

// GoTo puts the cursor on row i.
func (l *List[T]) GoTo(i int) {
	l.Cursor = i
	l.clamp()
	l.Left = 0
	l.pick()
}

func (l *List[T]) clamp() {
	if l.Cursor >= l.Total {
		l.Cursor = l.Total - 1
	}
	if l.Cursor < 0 {
		l.Cursor = 0
	}
	h := max(l.Height, 1)
	if l.Cursor < l.Top {
		l.Top = l.Cursor
	}
	if l.Cursor >= l.Top+h {
		l.Top = l.Cursor - h + 1
	}
	if l.Top > max(l.Total-h, 0) {
		l.Top = max(l.Total-h, 0)
	}
	if l.Top < 0 {
		l.Top = 0
	}
}

// SetHeight changes the number of visible rows.
func (l *List[T]) SetHeight(h int) {
	l.Height = max(h, 1)
	l.clamp()
}

// Reset goes back to the first row and forgets the loaded rows, for a new
// filter. The selected item stays selected: when the first window of the
// filtered list holds it, the cursor goes to it.
func (l *List[T]) Reset() {
	l.Cursor, l.Top, l.WinStart, l.Rows, l.Loaded = 0, 0, 0, nil, false
}

// NeedWindow reports whether the visible rows are not all loaded and, if
// so, which window to read: one page above and one below the visible rows,
// so that scrolling reads again only every page or so.
func (l *List[T]) NeedWindow() (offset, limit int, ok bool) {
	h := max(l.Height, 1)
	if l.pending {
		return 0, 0, false
	}
	if l.Loaded {
		end := min(l.Top+h, l.Total)
		if l.Top >= l.WinStart && end <= l.WinStart+len(l.Rows) {
			return 0, 0, false
		}
	}
	offset = max(l.Top-h, 0)
	return offset, 3 * h, true
}

// Request asks for the window NeedWindow names: it marks the window as
// asked for and returns read(seq, offset, limit), the command that reads
// it. When the visible rows are loaded or already asked for, it returns nil.
func (l *List[T]) Request(read func(seq, offset, limit int) tea.Cmd) tea.Cmd {
	offset, limit, ok := l.NeedWindow()
	if !ok {
		return nil
	}
	return read(l.Requested(), offset, limit)
}

// Requested marks a window as asked for and returns its sequence number.
func (l *List[T]) Requested() int {
	l.Seq++
	l.pending = true
	return l.Seq
}

// SetWindow stores a loaded window. An answer to an older request is
// ignored and SetWindow returns false.
func (l *List[T]) SetWindow(seq, offset int, rows []T, total int) bool {
	if seq != l.Seq {
		return false
	}
	l.pending = false
	l.Loaded = true
	l.WinStart, l.Rows, l.Total = offset, rows, total
	l.clamp()
	l.follow()
	return true
}

// Failed clears the pending request after an error.
func (l *List[T]) Failed(seq int) {
	if seq == l.Seq {
		l.pending = false
	}
}

// Invalidate forgets the loaded window so that the next NeedWindow reads
// it again (after a data change), keeping the cursor.
func (l *List[T]) Invalidate() {
	l.Loaded = false
	l.pending = false
}

// Row returns row i of the whole list when it is loaded.
func (l *List[T]) Row(i int) (T, bool) {
	var zero T
	j := i - l.WinStart
	if j < 0 || j >= len(l.Rows) {
		return zero, false
	}
	return l.Rows[j], true
}

// Selected returns the selected row when it is loaded. With Key set, that
// is the row of the selected id, never another row that took its place.
func (l *List[T]) Selected() (T, bool) {
	var zero T
	if l.Total == 0 || l.seek {
		return zero, false
	}
	r, ok := l.Row(l.Cursor)
	if ok && l.Key != nil && l.Key(r) != l.sel {
		return zero, false
	}
	return r, ok
}

// PageLoaded takes the answer to page request seq, as a view's loaded
// message carries it. An error ends the request, is logged as what failed
// and is kept in *lastErr; a page that answers the current request is
// stored and clears *lastErr. It reports whether the page was stored, so
// that the view can refresh what it shows of the rows and ask for the next
// window; an error or a late answer to an older request reports false.
func (l *List[T]) PageLoaded(logger *slog.Logger, what string, lastErr *error, seq int, page localdb.Page[T], err error) bool {
	if err != nil {
		l.Failed(seq)
		*lastErr = err
		logger.Error(what, "err", err)
		return false
	}
	if !l.SetWindow(seq, page.Offset, page.Rows, page.Total) {
		return false
	}
	*lastErr = nil
	return true
}

// Navigate moves the cursor by a navigation key (up, down, a page up or
// down, the first or the last row) and reports whether msg was one.
func (l *List[T]) Navigate(msg tea.KeyMsg, k *keys.KeyMap) bool {
	switch {
	case key.Matches(msg, k.Up):
		l.Move(-1)
	case key.Matches(msg, k.Down):
		l.Move(1)
	case key.Matches(msg, k.PageUp):
		l.Move(-l.Height)
	case key.Matches(msg, k.PageDown):
		l.Move(l.Height)
	case key.Matches(msg, k.Top):
		l.GoTo(0)
	case key.Matches(msg, k.Bottom):
		l.GoTo(l.Total - 1)
	default:
		return false
	}
	return true
}

// Count says how many rows the list has, as "12 parcels" for noun
// "parcels", or "loading…" before the first window has come.
func (l *List[T]) Count(noun string) string {
	if !l.Loaded {
		return "loading…"
	}
	return fmt.Sprintf("%d %s", l.Total, noun)
}

// Empty reports whether the list has been read and has no rows.
func (l *List[T]) Empty() bool { return l.Loaded && l.Total == 0 }

// Visible returns the rows on screen: from Top up to, not including, end.
func (l *List[T]) Visible() (top, end int) {
	return l.Top, max(min(l.Top+l.Height, l.Total), l.Top)
}

// VisibleRows returns the loaded rows among the visible ones, for a view
// to size its columns to the values on screen.
func (l *List[T]) VisibleRows() []T {
	top, end := l.Visible()
	var out []T
	for i := top; i < end; i++ {
		if r, ok := l.Row(i); ok {
			out = append(out, r)
		}
	}
	return out
}

// View draws the visible rows, each on a line that begins with a newline
// so that the rows follow the column heading. A row not loaded yet is a
// faint "  …"; a loaded one is a marker, "›" on the cursor's row and a
// space on the others, then "*" when the row is marked for a bulk action
// or a space, followed by cells(row). The cursor's row is drawn
// again without its own styles, padded to w cells in the selected style.
func (l *List[T]) View(st *theme.Styles, w int, cells func(T) string) string {
	var b strings.Builder
	top, end := l.Visible()
	for i := top; i < end; i++ {
		b.WriteString("\n")
		r, ok := l.Row(i)
		if !ok {
			b.WriteString(st.Faint.Render("  …"))
			continue
		}
		mark := " "
		if l.Key != nil && l.marked[l.Key(r)] {
			mark = "*"
		}
		if i != l.Cursor {
			b.WriteString(" " + mark + cells(r))
			continue
		}
		b.WriteString(st.Selected.Render(Pad(ansi.Strip("›"+mark+cells(r)), w)))
	}
	return b.String()
}

// Body draws what follows a list's column heading: the last error, if
// any, then empty, faint, when the list has been read and has no rows, or
// else the visible rows as View draws them. Each line begins with a
// newline.
func (l *List[T]) Body(st *theme.Styles, w int, err error, empty string, cells func(T) string) string {
	out := ""
	if err != nil {
		out = "\n" + st.Error.Render(Truncate("error: "+err.Error(), w))
	}
	if l.Empty() {
		return out + "\n" + st.Faint.Render(empty)
	}
	return out + l.View(st, w, cells)
}
