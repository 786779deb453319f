package jobs

import (
	"context"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb/config"
)

func TestParseSchedules(t *testing.T) {
	off := false
	entries, err := ParseSchedules([]config.Schedule{
		{Job: "sync", Cron: "0 * * * *", Stores: []string{"shop-us"}},
		{Job: "track", Cron: " 30 1 * * * "},
		{Job: "report", Cron: "@daily", Enabled: &off},
		{Job: "claims-status", Cron: "@every 90m"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Stores[0] != "shop-us" || entries[1].Cron != "30 1 * * *" {
		t.Fatalf("entries %+v", entries)
	}
	at := time.Date(2026, 3, 4, 0, 10, 0, 0, time.UTC)
	if next := entries[1].Next(at); !next.Equal(time.Date(2026, 3, 4, 1, 30, 0, 0, time.UTC)) {
		t.Errorf("track next %s", next)
	}
	for _, bad := range []config.Schedule{{Job: "track", Cron: "61 * * * *"}, {Job: "track", Cron: "* * *"}, {Job: "dance", Cron: "@daily"}} {
		_, err := ParseSchedules([]config.Schedule{bad})
		if err == nil || !strings.Contains(err.Error(), "schedules[0]") {
			t.Errorf("%+v: %v", bad, err)
		}
	}
}

func TestDaemonRunsOnScheduleSkipsOverlapsAndStops(t *testing.T) {
	entries, err := ParseSchedules([]config.Schedule{{Job: "track", Cron: "@every 1s"}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	skipped := make(chan struct{}, 16)
	log := slog.New(&notifyHandler{msg: "scheduled start skipped", ch: skipped})
	var starts, running, overlap atomic.Int32
	firstHeld := make(chan struct{})
	stopped := make(chan error, 1)
	go func() {
		stopped <- Daemon(ctx, entries, time.UTC, log, func(ctx context.Context, e Entry) {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			if starts.Add(1) == 1 {
				// The first run lasts until a start came due while it ran:
				// that start must be skipped, not run beside it.
				select {
				case <-firstHeld:
				case <-ctx.Done():
				}
			}
		})
	}()
	select {
	case <-skipped:
	case <-time.After(testwait.Budget(t)):
		t.Fatal("no start was skipped while the first run went on")
	}
	if n := starts.Load(); n != 1 {
		t.Fatalf("%d starts while the first run went on, want 1", n)
	}
	close(firstHeld)
	testwait.Until(t, "a second scheduled start", func() bool { return starts.Load() >= 2 })
	cancel()
	select {
	case err := <-stopped:
		if err != context.Canceled {
			t.Errorf("daemon ended with %v", err)
		}
	case <-time.After(testwait.Budget(t)):
		t.Fatal("daemon did not stop")
	}
	if overlap.Load() != 0 || running.Load() != 0 {
		t.Errorf("overlapping or unfinished runs: %d, %d", overlap.Load(), running.Load())
	}
	if err := Daemon(context.Background(), nil, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "no enabled schedules") {
		t.Errorf("no entries: %v", err)
	}
}

// notifyHandler is a log handler that signals ch at each record whose
// message starts with msg.
type notifyHandler struct {
	msg string
	ch  chan struct{}
}

func (h *notifyHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *notifyHandler) Handle(_ context.Context, r slog.Record) error {
	if strings.HasPrefix(r.Message, h.msg) {
		select {
		case h.ch <- struct{}{}:
		default:
		}
	}
	return nil
}
func (h *notifyHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *notifyHandler) WithGroup(string) slog.Handler      { return h }
