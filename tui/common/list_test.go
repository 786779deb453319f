package common

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/theme"
)

// window makes a list of total rows, height visible, with rows
// offset..offset+n-1 loaded; row i holds i.
func window(height, offset, n, total int) *List[int] {
	l := &List[int]{}
	l.SetHeight(height)
	rows := make([]int, n)
	for i := range rows {
		rows[i] = offset + i
	}
	l.SetWindow(l.Requested(), offset, rows, total)
	return l
}

func TestListPageLoaded(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	var l List[int]
	l.SetHeight(5)
	lastErr := errors.New("an earlier failure")

	seq := l.Requested()
	boom := errors.New("disk full")
	if l.PageLoaded(logger, "things: load", &lastErr, seq, localdb.Page[int]{}, boom) {
		t.Fatal("a failed read was taken as a page")
	}
	if lastErr != boom || !strings.Contains(logs.String(), "things: load") || !strings.Contains(logs.String(), "disk full") {
		t.Fatalf("error %v, log %q", lastErr, logs.String())
	}
	if _, _, ok := l.NeedWindow(); !ok {
		t.Fatal("the failed request is still pending")
	}

	old := l.Requested()
	seq = l.Requested()
	if l.PageLoaded(logger, "things: load", &lastErr, old, localdb.Page[int]{Rows: []int{9}, Total: 1}, nil) {
		t.Fatal("an answer to an older request was taken")
	}
	if lastErr != boom || l.Loaded {
		t.Fatalf("a late answer changed the list: error %v, loaded %v", lastErr, l.Loaded)
	}
	if !l.PageLoaded(logger, "things: load", &lastErr, seq, localdb.Page[int]{Rows: []int{7, 8}, Offset: 3, Total: 40}, nil) {
		t.Fatal("the current page was refused")
	}
	if lastErr != nil || l.WinStart != 3 || l.Total != 40 || len(l.Rows) != 2 {
		t.Fatalf("after the page: error %v, start %d, total %d, rows %v", lastErr, l.WinStart, l.Total, l.Rows)
	}
}

func TestListRequest(t *testing.T) {
	var l List[int]
	l.SetHeight(4)
	var gotSeq, gotOff, gotLim int
	read := func(seq, offset, limit int) tea.Cmd {
		gotSeq, gotOff, gotLim = seq, offset, limit
		return func() tea.Msg { return nil }
	}
	if l.Request(read) == nil || gotSeq != 1 || gotOff != 0 || gotLim != 12 {
		t.Fatalf("first request: seq %d, window %d+%d", gotSeq, gotOff, gotLim)
	}
	gotSeq = 0
	if l.Request(read) != nil || gotSeq != 0 {
		t.Fatal("asked again while a request is pending")
	}
	l.SetWindow(1, 0, make([]int, 12), 100)
	if l.Request(read) != nil || gotSeq != 0 {
		t.Fatal("asked for rows already loaded")
	}
	l.GoTo(50)
	if l.Request(read) == nil || gotSeq != 2 || gotOff != 43 || gotLim != 12 {
		t.Fatalf("scrolled request: seq %d, window %d+%d", gotSeq, gotOff, gotLim)
	}
}

func TestListNavigate(t *testing.T) {
	k := keys.Default()
	l := window(10, 0, 100, 100)
	for _, step := range []struct {
		msg    tea.KeyMsg
		cursor int
	}{
		{tea.KeyMsg{Type: tea.KeyDown}, 1},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("j")}, 2},
		{tea.KeyMsg{Type: tea.KeyUp}, 1},
		{tea.KeyMsg{Type: tea.KeyPgDown}, 11},
		{tea.KeyMsg{Type: tea.KeyPgUp}, 1},
		{tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("G")}, 99},
		{tea.KeyMsg{Type: tea.KeyHome}, 0},
	} {
		if !l.Navigate(step.msg, k) {
			t.Fatalf("%s is not a navigation key", step.msg)
		}
		if l.Cursor != step.cursor {
			t.Fatalf("after %s the cursor is %d, want %d", step.msg, l.Cursor, step.cursor)
		}
	}
	if l.Navigate(tea.KeyMsg{Type: tea.KeyEnter}, k) || l.Cursor != 0 {
		t.Fatal("enter moved the cursor")
	}
}

func TestListCountAndEmpty(t *testing.T) {
	var l List[int]
	if got := l.Count("parcels"); got != "loading…" {
		t.Errorf("Count before loading = %q", got)
	}
	if l.Empty() {
		t.Error("a list not read yet is empty")
	}
	l.SetWindow(l.Requested(), 0, nil, 0)
	if got := l.Count("parcels"); got != "0 parcels" || !l.Empty() {
		t.Errorf("read and empty: Count %q, Empty %v", got, l.Empty())
	}
	l = *window(5, 0, 5, 12)
	if got := l.Count("threads"); got != "12 threads" || l.Empty() {
		t.Errorf("read: Count %q, Empty %v", got, l.Empty())
	}
}

func TestListView(t *testing.T) {
	st := theme.NewStyles(theme.Default())
	cells := func(i int) string { return "row " + string(rune('a'+i)) }

	// Rows 2..5 are visible, rows 4 and 5 are not loaded.
	l := window(4, 0, 4, 10)
	l.GoTo(3)
	l.Top = 2
	if top, end := l.Visible(); top != 2 || end != 6 {
		t.Fatalf("Visible = %d, %d", top, end)
	}
	want := "\n  row c" +
		"\n" + st.Selected.Render(Pad("› row d", 12)) +
		"\n" + st.Faint.Render("  …") +
		"\n" + st.Faint.Render("  …")
	if got := l.View(st, 12, cells); got != want {
		t.Fatalf("View =\n%q\nwant\n%q", got, want)
	}

	// Fewer rows than the height: only those are drawn.
	l = window(4, 0, 2, 2)
	if top, end := l.Visible(); top != 0 || end != 2 {
		t.Fatalf("Visible of a short list = %d, %d", top, end)
	}
	if got := strings.Count(l.View(st, 12, cells), "\n"); got != 2 {
		t.Fatalf("a list of 2 rows drew %d lines", got)
	}

	// The selected row is drawn again without its own styles.
	styled := func(i int) string { return st.Error.Render("x") + " plain" }
	l = window(2, 0, 2, 2)
	want = "\n" + st.Selected.Render(Pad("› x plain", 10)) + "\n  " + styled(1)
	if got := l.View(st, 10, styled); got != want {
		t.Fatalf("View of styled cells =\n%q\nwant\n%q", got, want)
	}
}

func TestListBody(t *testing.T) {
	st := theme.NewStyles(theme.Default())
	cells := func(i int) string { return "row" }
	errLine := "\n" + st.Error.Render(Truncate("error: no database", 20))

	var l List[int]
	l.SetHeight(3)
	if got := l.Body(st, 20, nil, "nothing here", cells); got != "" {
		t.Fatalf("Body before loading = %q", got)
	}
	l.SetWindow(l.Requested(), 0, nil, 0)
	if got := l.Body(st, 20, nil, "nothing here", cells); got != "\n"+st.Faint.Render("nothing here") {
		t.Fatalf("Body of an empty list = %q", got)
	}
	if got := l.Body(st, 20, errors.New("no database"), "nothing here", cells); got != errLine+"\n"+st.Faint.Render("nothing here") {
		t.Fatalf("Body of an empty list with an error = %q", got)
	}
	l = *window(3, 0, 1, 1)
	if got, want := l.Body(st, 20, errors.New("no database"), "nothing here", cells), errLine+l.View(st, 20, cells); got != want {
		t.Fatalf("Body with rows and an error =\n%q\nwant\n%q", got, want)
	}
}

// keyed makes a list of ids whose key is the id itself, with rows loaded
// from offset 0.
func keyed(height int, ids ...int) *List[int] {
	l := &List[int]{Key: func(i int) int64 { return int64(i) }}
	l.SetHeight(height)
	l.SetWindow(l.Requested(), 0, ids, len(ids))
	return l
}

func TestListKeepsTheSelectedIDWhenRowsMove(t *testing.T) {
	l := keyed(5, 10, 20, 30, 40)
	l.Move(2)
	if got := l.SelectedID(); got != 30 {
		t.Fatalf("selected %d after two downs, want 30", got)
	}
	// A refresh brings two new rows above it: the cursor follows 30.
	l.Invalidate()
	l.SetWindow(l.Requested(), 0, []int{1, 2, 10, 20, 30, 40}, 6)
	if r, ok := l.Selected(); !ok || r != 30 || l.Cursor != 4 || l.Left != 0 {
		t.Fatalf("after rows were added above: selected %d (%v) at %d, left %d; want 30 at 4", r, ok, l.Cursor, l.Left)
	}
	// A filter change keeps it too.
	l.Reset()
	l.SetWindow(l.Requested(), 0, []int{20, 30}, 2)
	if r, ok := l.Selected(); !ok || r != 30 || l.Cursor != 1 {
		t.Fatalf("after a filter: selected %d (%v) at %d, want 30 at 1", r, ok, l.Cursor)
	}
}

func TestListMovesToTheNeighbourWhenTheSelectedItemLeaves(t *testing.T) {
	l := keyed(5, 10, 20, 30, 40)
	l.Move(1) // 20
	l.Invalidate()
	l.SetWindow(l.Requested(), 0, []int{10, 30, 40}, 3)
	if r, ok := l.Selected(); !ok || r != 30 || l.Left != 20 {
		t.Fatalf("20 left: selected %d (%v), left %d; want the neighbour 30 and left 20", r, ok, l.Left)
	}
	l.Move(1)
	if l.Left != 0 || l.SelectedID() != 40 {
		t.Fatalf("a key should clear the note and select 40: left %d, selected %d", l.Left, l.SelectedID())
	}
	// The last row leaves: the neighbour is the row before it.
	l.Invalidate()
	l.SetWindow(l.Requested(), 0, []int{10, 30}, 2)
	if r, ok := l.Selected(); !ok || r != 30 || l.Left != 40 {
		t.Fatalf("40 left: selected %d (%v), left %d; want 30, left 40", r, ok, l.Left)
	}
	// Everything leaves: nothing is selected.
	l.Invalidate()
	l.SetWindow(l.Requested(), 0, nil, 0)
	if _, ok := l.Selected(); ok || l.SelectedID() != 0 || l.Left != 30 {
		t.Fatalf("empty list: selected id %d, left %d", l.SelectedID(), l.Left)
	}
}

func TestListSelectsNothingUntilTheRowUnderTheCursorIsRead(t *testing.T) {
	l := &List[int]{Key: func(i int) int64 { return int64(i) }}
	l.SetHeight(3)
	rows := make([]int, 9)
	for i := range rows {
		rows[i] = 100 + i
	}
	l.SetWindow(l.Requested(), 0, rows, 50)
	l.GoTo(49) // not read yet
	if _, ok := l.Selected(); ok || l.SelectedID() != 0 {
		t.Fatalf("a row not read yet counts as selected: id %d", l.SelectedID())
	}
	off, _, ok := l.NeedWindow()
	if !ok {
		t.Fatal("no window asked for the cursor's row")
	}
	win := make([]int, 50-off)
	for i := range win {
		win[i] = 100 + off + i
	}
	l.SetWindow(l.Requested(), off, win, 50)
	if r, ok := l.Selected(); !ok || r != 149 {
		t.Fatalf("after the window came: selected %d (%v), want 149", r, ok)
	}
}

func TestListMarksByIDAndRanges(t *testing.T) {
	l := keyed(5, 10, 20, 30, 40)
	l.Move(1)
	if !l.ToggleMark() || fmt.Sprint(l.Marked()) != "[20]" {
		t.Fatalf("space on 20 marked %v", l.Marked())
	}
	// Rows arrive above: the mark stays on 20, and a range from it to 40
	// holds 20, 30 and 40.
	l.Invalidate()
	l.SetWindow(l.Requested(), 0, []int{1, 10, 20, 30, 40}, 5)
	l.Move(2)
	if n, err := l.MarkRange(); err != nil || n != 3 || fmt.Sprint(l.Marked()) != "[20 30 40]" {
		t.Fatalf("range marked %d %v (%v), want [20 30 40]", n, l.Marked(), err)
	}
	if !strings.Contains(l.View(theme.NewStyles(theme.Default()), 20, func(i int) string { return fmt.Sprint(i) }), "›*40") {
		t.Fatal("the cursor's marked row is not drawn with its mark")
	}
	l.Move(-1)
	l.ToggleMark()
	if fmt.Sprint(l.Marked()) != "[20 40]" || l.IsMarked(30) {
		t.Fatalf("unmarking 30 left %v", l.Marked())
	}
}

func TestListRangeRefusesRowsNotRead(t *testing.T) {
	l := &List[int]{Key: func(i int) int64 { return int64(i) }}
	l.SetHeight(3)
	l.SetWindow(l.Requested(), 0, []int{10, 20, 30}, 100)
	l.ToggleMark()
	// Rows 3 onwards are not read; a page read at 50 puts the cursor there.
	l.GoTo(50)
	l.SetWindow(l.Requested(), 50, []int{510, 520, 530}, 100)
	if _, err := l.MarkRange(); err == nil {
		t.Fatalf("a range over rows not read marked %v", l.Marked())
	}
	if fmt.Sprint(l.Marked()) != "[10]" {
		t.Fatalf("a refused range changed the marks: %v", l.Marked())
	}
}
