package tui

import (
	"bytes"
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// step is a key to press and a text that shows the frame it leads to has
// been drawn; wide is a further text to wait for when the terminal is wide
// enough for a pane beside the list (which fills after the list).
type step struct{ key, waitFor, wide string }

// inboxShown waits for the inbox list and, beside it, the selected thread.
var inboxShown = step{"2", "Where is my", "overdue by"}

// TestGolden runs the dashboard as a program on the fixture database and
// compares each view's final frame with testdata/TestGolden/*.golden.
// Refresh the files with: go test ./tui -run TestGolden -update
func TestGolden(t *testing.T) {
	lipgloss.SetColorProfile(termenv.Ascii)
	db := fixture.Open(t)
	fixture.Fill(t, db)
	cases := []struct {
		name  string
		steps []step
	}{
		{"overview", []step{{"", "Last runs", ""}}},
		{"inbox", []step{inboxShown}},
		{"inbox_thread", []step{inboxShown, {"enter", "Departed facility", ""}}},
		{"inbox_composer", []step{inboxShown, {"enter", "Departed facility", ""}, {"r", "ctrl+s send", ""},
			{"ctrl+t", "template: damaged", ""}, {"ctrl+t", "template: delay", ""}, {"ctrl+t", "template: shipped", ""}, {"ctrl+t", "template: thanks", ""},
			{"ctrl+t", "template: tracking", ""}}},
		{"shipments", []step{{"3", "1Z999AA", ""}}},
		{"shipments_stalled_detail", []step{{"3", "1Z999AA", ""}, {"s", "estimate)  1 p", ""}, {"enter", "Label created", ""}}},
		{"claims", []step{{"4", "SPX0000123", ""}}},
		{"claims_dialog", []step{{"4", "SPX0000123", ""}, {"down", "", ""}, {"f", "y file", ""}}},
		{"claims_candidates", []step{{"4", "SPX0000123", ""}, {"c", "closes 40d", ""}}},
		{"jobs", []step{{"5", "need a person", ""}}},
		{"insights", []step{{"6", "SLA by store", ""}}},
		{"insights_behind", []step{{"6", "SLA by store", ""}, {"enter", "thread", ""}}},
		{"help", []step{inboxShown, {"?", "Keys  (", ""}}},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		for _, tc := range cases {
			t.Run(fmt.Sprintf("%s_%dx%d", tc.name, size[0], size[1]), func(t *testing.T) {
				m := newModel(context.Background(), Options{DB: db, Now: fixture.Clock})
				m.noTick = true
				tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(size[0], size[1]))
				for _, s := range tc.steps {
					if s.key != "" {
						tm.Send(keyMsg(s.key))
					}
					var wants [][]byte
					for _, w := range []string{s.waitFor, s.wide} {
						if w != "" && (w != s.wide || size[0] >= common.SplitWidth) {
							wants = append(wants, []byte(w))
						}
					}
					if len(wants) > 0 {
						teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
							for _, w := range wants {
								if !bytes.Contains(b, w) {
									return false
								}
							}
							return true
						}, teatest.WithDuration(testwait.Budget(t)), teatest.WithCheckInterval(10*time.Millisecond))
					}
				}
				if err := tm.Quit(); err != nil {
					t.Fatal(err)
				}
				final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second))
				golden.RequireEqual(t, []byte(final.View()))
			})
		}
	}
}
