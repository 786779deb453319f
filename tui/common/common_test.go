package common

import (
	"testing"
	"time"
)

func TestListWindowing(t *testing.T) {
	var l List[int]
	l.SetHeight(10)
	off, lim, ok := l.NeedWindow()
	if !ok || off != 0 || lim != 30 {
		t.Fatalf("first window = %d,%d,%v", off, lim, ok)
	}
	seq := l.Requested()
	if _, _, ok := l.NeedWindow(); ok {
		t.Fatal("a second request while one is pending")
	}
	rows := make([]int, 30)
	for i := range rows {
		rows[i] = i
	}
	if !l.SetWindow(seq, 0, rows, 1000) {
		t.Fatal("window refused")
	}
	l.Move(15) // still inside the loaded window
	if _, _, ok := l.NeedWindow(); ok {
		t.Fatal("asked again for rows already loaded")
	}
	if v, ok := l.Selected(); !ok || v != 15 || l.Top != 6 {
		t.Fatalf("selected %d (%v), top %d", v, ok, l.Top)
	}
	l.Move(20) // cursor 35, top 26: rows 26..35 are not all loaded
	off, lim, ok = l.NeedWindow()
	if !ok || off != 16 || lim != 30 {
		t.Fatalf("scrolled window = %d,%d,%v; want 16,30", off, lim, ok)
	}
	old := seq
	seq = l.Requested()
	if l.SetWindow(old, 0, rows, 1000) {
		t.Fatal("an answer to an old request was taken")
	}
	if !l.SetWindow(seq, 16, rows, 1000) {
		t.Fatal("current answer refused")
	}
	if _, ok := l.Row(15); ok {
		t.Fatal("row 15 is outside the loaded window")
	}
	l.GoTo(5000)
	if l.Cursor != 999 || l.Top != 990 {
		t.Fatalf("GoTo past the end: cursor %d top %d", l.Cursor, l.Top)
	}
	l.SetWindow(l.Requested(), 0, nil, 0)
	if _, ok := l.Selected(); ok || l.Cursor != 0 {
		t.Fatal("an empty list has a selection")
	}
}

func TestFormatters(t *testing.T) {
	for d, want := range map[time.Duration]string{
		90 * time.Minute:                "1h30m",
		-2*time.Hour - 5*time.Minute:    "-2h05m",
		50*time.Hour + 59*time.Second:   "2d02h",
		59 * time.Second:                "0h00m",
		-(3*24*time.Hour + time.Minute): "-3d00h",
	} {
		if got := Countdown(d); got != want {
			t.Errorf("Countdown(%v) = %q, want %q", d, got, want)
		}
	}
	if got := Pad("abcdef", 4); got != "abc…" {
		t.Errorf("Pad cut = %q", got)
	}
	if got := PadLeft("ab", 4); got != "  ab" {
		t.Errorf("PadLeft = %q", got)
	}
	if got := Fit("a\nbbbbbb\nc\nd", 3, 2); got != "a\nbb…" {
		t.Errorf("Fit = %q", got)
	}
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if got := Ago(now.Add(-50*time.Hour), now); got != "2d ago" {
		t.Errorf("Ago = %q", got)
	}
	if got := Ago(time.Time{}, now); got != "never" {
		t.Errorf("Ago(zero) = %q", got)
	}
}
