package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/sellerops/sellerops/localdb/config"
)

// Entry is one enabled schedule: a job, its cron expression, parsed, and
// for sync the stores it covers.
type Entry struct {
	Job      string        `json:"job"`
	Cron     string        `json:"cron"`
	Stores   []string      `json:"stores,omitempty"`
	Schedule cron.Schedule `json:"-"`
}

// Next is the entry's next start after t.
func (e Entry) Next(t time.Time) time.Time { return e.Schedule.Next(t) }

// cronParser reads the five standard fields (minute hour day month
// weekday) and the descriptors @hourly, @daily, @weekly, @every 90m.
var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// ParseSchedules checks the config's schedules and returns the enabled ones.
// An error names the schedule, its expression and the fix.
func ParseSchedules(list []config.Schedule) ([]Entry, error) {
	var out []Entry
	for i, s := range list {
		if !slices.Contains(Names, s.Job) {
			return nil, fmt.Errorf("schedules[%d].job %q: unknown job; use one of %s", i, s.Job, strings.Join(Names, ", "))
		}
		sched, err := cronParser.Parse(strings.TrimSpace(s.Cron))
		if err != nil {
			return nil, fmt.Errorf("schedules[%d].cron %q (job %s): %v; write five fields, minute hour day month weekday, such as \"0 2 * * *\" for 02:00 every day, or @hourly",
				i, s.Cron, s.Job, err)
		}
		if s.Enabled != nil && !*s.Enabled {
			continue
		}
		out = append(out, Entry{Job: s.Job, Cron: strings.TrimSpace(s.Cron), Stores: s.Stores, Schedule: sched})
	}
	return out, nil
}

// Daemon starts each entry's job on its schedule until ctx ends, then waits
// for the jobs in flight to stop. A start that comes while the same entry is
// still running is skipped (and logged); run gets a context that ends with
// ctx. Times are in loc (nil: local time), as cron users expect.
func Daemon(ctx context.Context, entries []Entry, loc *time.Location, log *slog.Logger, run func(ctx context.Context, e Entry)) error {
	if len(entries) == 0 {
		return fmt.Errorf("no enabled schedules; add some to the config, such as:\n  schedules:\n    - job: sync\n      cron: \"0 * * * *\"\n    - job: track\n      cron: \"30 1 * * *\"")
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if loc == nil {
		loc = time.Local
	}
	c := cron.New(cron.WithLocation(loc), cron.WithParser(cronParser), cron.WithLogger(cron.DiscardLogger))
	var wg sync.WaitGroup
	for _, e := range entries {
		var busy sync.Mutex
		c.Schedule(e.Schedule, cron.FuncJob(func() {
			if !busy.TryLock() {
				log.Warn("scheduled start skipped: the previous one is still running", "job", e.Job, "cron", e.Cron)
				return
			}
			defer busy.Unlock()
			if ctx.Err() != nil {
				return
			}
			wg.Add(1)
			defer wg.Done()
			log.Info("scheduled start", "job", e.Job, "cron", e.Cron)
			run(ctx, e)
		}))
	}
	c.Start()
	<-ctx.Done()
	<-c.Stop().Done()
	wg.Wait()
	return ctx.Err()
}
