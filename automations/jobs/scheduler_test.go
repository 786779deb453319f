package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

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
	var starts, running, overlap atomic.Int32
	stopped := make(chan error, 1)
	go func() {
		stopped <- Daemon(ctx, entries, time.UTC, nil, func(ctx context.Context, e Entry) {
			if running.Add(1) > 1 {
				overlap.Add(1)
			}
			defer running.Add(-1)
			starts.Add(1)
			select { // longer than the period: the next start must be skipped
			case <-time.After(1500 * time.Millisecond):
			case <-ctx.Done():
			}
		})
	}()
	time.Sleep(4200 * time.Millisecond)
	cancel()
	select {
	case err := <-stopped:
		if err != context.Canceled {
			t.Errorf("daemon ended with %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("daemon did not stop")
	}
	if n := starts.Load(); n < 2 || n > 3 {
		t.Errorf("%d starts in 4.2 s of a 1 s schedule with 1.5 s jobs, want 2 or 3", n)
	}
	if overlap.Load() != 0 || running.Load() != 0 {
		t.Errorf("overlapping or unfinished runs: %d, %d", overlap.Load(), running.Load())
	}
	if err := Daemon(context.Background(), nil, nil, nil, nil); err == nil || !strings.Contains(err.Error(), "no enabled schedules") {
		t.Errorf("no entries: %v", err)
	}
}
