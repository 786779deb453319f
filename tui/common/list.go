package common

// List is a cursor over a long list of which only a window of rows is
// loaded. The view draws the rows from Top to Top+Height; when they leave
// the loaded window, NeedWindow says which page to read.
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
}

// Move moves the cursor by delta rows, clamped to the list, and scrolls so
// that the cursor stays visible.
func (l *List[T]) Move(delta int) {
	l.Cursor += delta
	l.clamp()
}

// GoTo puts the cursor on row i.
func (l *List[T]) GoTo(i int) {
	l.Cursor = i
	l.clamp()
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
// filter.
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

// Selected returns the row under the cursor when it is loaded.
func (l *List[T]) Selected() (T, bool) {
	if l.Total == 0 {
		var zero T
		return zero, false
	}
	return l.Row(l.Cursor)
}
