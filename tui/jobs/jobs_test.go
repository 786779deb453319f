package jobs

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/theme"
)

func newTestModel() *Model {
	m := New(common.Common{Styles: theme.NewStyles(theme.Default()), Keys: keys.Default(),
		Logger: slog.New(slog.DiscardHandler), Now: func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }})
	m.SetSize(80, 20)
	return m
}

// pump runs cmd and feeds its messages back until the job's stream ends.
func pump(t *testing.T, m *Model, cmd tea.Cmd) []tea.Msg {
	t.Helper()
	var seen []tea.Msg
	for cmd != nil {
		msg := cmd()
		seen = append(seen, msg)
		if b, ok := msg.(tea.BatchMsg); ok {
			cmd = nil
			for _, c := range b {
				if c != nil {
					seen = append(seen, c())
				}
			}
			continue
		}
		_, cmd = m.Update(msg)
	}
	return seen
}

func TestProgressStreamsIntoTheJob(t *testing.T) {
	m := newTestModel()
	start := func(ctx context.Context) (<-chan common.Progress, error) {
		ch := make(chan common.Progress, 4)
		ch <- common.Progress{Done: 1, Total: 3, Line: "store a synced"}
		ch <- common.Progress{Done: 2, Total: 3, Err: errors.New("captcha"), FailureClass: "needs_human", EvidencePath: "ev/b.png"}
		ch <- common.Progress{Done: 3, Total: 3, Line: "store c synced", Finished: true}
		close(ch)
		return ch, nil
	}
	seen := pump(t, m, m.Start("sync all stores", start))
	j := m.Jobs()[0]
	if j.State != Failed || j.Done != 3 || j.Total != 3 || len(j.Failures) != 1 || len(j.Lines) != 3 {
		t.Fatalf("job = %+v", j)
	}
	var changed, status bool
	for _, msg := range seen {
		switch msg := msg.(type) {
		case common.DataChangedMsg:
			changed = true
		case common.StatusReportedMsg:
			status = msg.Level == common.LevelError && strings.Contains(msg.Text, "1 failures")
		}
	}
	if !changed || !status {
		t.Fatalf("finish should report data changed (%v) and the failures (%v): %v", changed, status, seen)
	}
	view := ansi.Strip(m.View())
	for _, want := range []string{"sync all stores", "3/3", "needs_human: captcha · evidence ev/b.png", "store c synced", "[##"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
}

func TestStartErrorsAreReported(t *testing.T) {
	m := newTestModel()
	pump(t, m, m.Start("file claim 1", func(context.Context) (<-chan common.Progress, error) { return nil, common.ErrNotAvailable }))
	pump(t, m, m.Start("sync", func(context.Context) (<-chan common.Progress, error) { return nil, errors.New("browser not found") }))
	pump(t, m, m.Start("track", func(context.Context) (<-chan common.Progress, error) { return nil, nil }))
	js := m.Jobs()
	if js[0].State != Unavailable || js[1].State != Failed || js[2].State != Failed {
		t.Fatalf("states = %s %s %s", js[0].State, js[1].State, js[2].State)
	}
	if names := m.CancelAll(); len(names) != 0 {
		t.Fatalf("CancelAll cancelled finished jobs: %v", names)
	}
}
