package common

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

func sum(ws []int) int {
	n := 0
	for _, w := range ws {
		n += w
	}
	return n
}

func TestWidthsGiveTheTextColumnsTheRoomFirst(t *testing.T) {
	cols := []Column{
		{Title: "DUE", Min: 8, Pref: 8, Keep: true},
		{Title: "STORE", Min: 6, Pref: 10},
		{Title: "BUYER", Min: 8, Pref: 16, Weight: 1},
		{Title: "SUBJECT", Min: 10, Pref: 40, Weight: 3},
	}
	// 60 cells: the minimums (32) and gaps (3) leave 25, which go to the
	// buyer and the subject in turn: the buyer reaches 16 (8 more), the
	// subject takes the other 17; nothing is left for the store.
	ws := Widths(cols, 60)
	if ws[0] != 8 || ws[1] != 6 || ws[2] != 16 || ws[3] != 27 {
		t.Fatalf("widths at 60 = %v", ws)
	}
	// 200 cells: every column reaches its preferred width, and the rest is
	// shared 1:3 between buyer and subject.
	ws = Widths(cols, 200)
	if sum(ws)+3 != 200 || ws[1] != 10 || ws[0] != 8 {
		t.Fatalf("widths at 200 = %v (sum %d)", ws, sum(ws)+3)
	}
	extra := 200 - 3 - (8 + 10 + 16 + 40)
	if ws[2] != 16+extra/4 || ws[3] != 40+extra-extra/4 {
		t.Fatalf("the rest was not shared by weight: %v", ws)
	}
}

func TestWidthsNeverCutAKeptColumn(t *testing.T) {
	money := "JPY 21,100"
	cols := []Column{
		{Title: "PARCEL", Min: 10, Pref: 24, Weight: 1},
		{Title: "AMOUNT", Min: WidestOf(6, money), Keep: true, Right: true},
	}
	ws := Widths(cols, 15)
	if ws[1] != len(money) {
		t.Fatalf("the amount column was cut: %v", ws)
	}
	line := Cells(cols, ws, []string{"ups 1Z999AA10123456784", money})
	if !strings.HasSuffix(line, money) || ansi.StringWidth(line) != 15 {
		t.Fatalf("row %q: money cut or the row is not 15 cells", line)
	}
}
