// Package jobs runs sellerops's unattended work: the sync of every store,
// the re-tracking of open parcels, claim drafting, filing and status checks,
// and the morning report. Each job's run is kept in the database as a run
// with one item per unit of work (a store, a parcel, a claim), written before
// any work starts, so that a run killed at any point resumes at the next
// start from its last finished item. One process at a time may run a job:
// a lock file per job, held with flock(2), refuses a second one. The
// scheduler starts jobs on their cron schedules.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// Job is a piece of unattended work split into items. The runner is the
// one place that records runs and items: the flows a job calls report to
// its *Batch (an automations.Recorder) and keep no records of their own.
type Job struct {
	// Name is the job's name, and the name its runs are recorded under.
	Name string
	// Items returns the item keys of a fresh run, in the order to work
	// them. They are stored before Work is called.
	Items func(ctx context.Context) ([]string, error)
	// Work does the given items. For each it calls b.Begin just before
	// acting (and skips the item when Begin says no), then b.End with the
	// outcome. An error return means the job could not work at all (no
	// browser, say); the items it did not end are then recorded as failed
	// with that error's class.
	Work func(ctx context.Context, keys []string, b *Batch) error
	// Unit, when set, tells the job's own items (those Items returns)
	// from the detail items its work adds with b.Add (the threads of a
	// store). Only units are handed to Work and counted in the progress;
	// a detail is ended by the unit that added it, and a failed one is
	// read again when its unit is. Nil means every item is a unit.
	Unit func(key string) bool
}

func (j Job) unit(key string) bool { return j.Unit == nil || j.Unit(key) }

// Progress is one step of a run, for a progress line or a log.
type Progress struct {
	Job     string `json:"job"`
	RunID   int64  `json:"run_id"`
	Item    string `json:"item,omitempty"`
	State   string `json:"state"` // started, resumed, done, failed, needs_human, held, finished
	Class   string `json:"class,omitempty"`
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message,omitempty"`
}

// Runner runs jobs one at a time, recording them in DB.
type Runner struct {
	DB *localdb.DB
	// LockDir holds one lock file per job; required.
	LockDir string
	// MaxAttempts bounds the tries of an item: within a run, a failure that
	// may pass by itself (rate_limited, timeout, site_error, logged_out) is
	// tried again until this many attempts; across runs, an item that
	// needed a person in this many runs in a row is held for a person and
	// no longer tried. Zero means 3.
	MaxAttempts int
	// RetryHeld tries held items again (after a person fixed the cause).
	RetryHeld bool
	// RetryPause is the pause before another pass over failed items; zero
	// means two seconds.
	RetryPause time.Duration
	Logger     *slog.Logger
	// Progress, when set, receives each step.
	Progress func(Progress)
	// PID is recorded with the run; zero means this process's.
	PID int
}

// ItemFailure is an item that did not end done.
type ItemFailure struct {
	Item     string            `json:"item"`
	State    localdb.ItemState `json:"state"`
	Class    string            `json:"class"`
	Error    string            `json:"error,omitempty"`
	Evidence string            `json:"evidence,omitempty"`
	Attempts int               `json:"attempts"`
}

// Result is how one run of a job ended.
type Result struct {
	Job        string           `json:"job"`
	RunID      int64            `json:"run_id"`
	State      localdb.RunState `json:"state"`
	Resumed    bool             `json:"resumed"`
	Reset      int              `json:"reset_items"` // items a dead process left running, put back
	Total      int              `json:"total"`
	Done       int              `json:"done"`
	Failed     int              `json:"failed"`
	NeedsHuman int              `json:"needs_human"`
	Pending    int              `json:"pending"` // left for the next start (interrupted runs)
	// Details counts the detail items the units added (a store's threads),
	// and FailedDetails those of them that failed or need a person; the
	// counts above are of units only.
	Details       int           `json:"details"`
	FailedDetails int           `json:"failed_details"`
	Failures      []ItemFailure `json:"failures"` // units and details
	Started       time.Time     `json:"started_at"`
	Seconds       float64       `json:"seconds"`
}

// OK reports whether every item ended done.
func (r Result) OK() bool { return r.State == localdb.RunDone && r.Failed == 0 && r.NeedsHuman == 0 }

func (r *Runner) maxAttempts() int {
	if r.MaxAttempts <= 0 {
		return 3
	}
	return r.MaxAttempts
}

func (r *Runner) log() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

func (r *Runner) pid() int {
	if r.PID != 0 {
		return r.PID
	}
	return os.Getpid()
}

func (r *Runner) emit(p Progress) {
	if r.Progress != nil {
		r.Progress(p)
	}
}

// Run takes the job's lock, resumes the job's unfinished run or starts a
// new one, and works its items. A *LockedError (errors.Is
// ErrAlreadyRunning) means another process runs the job. When ctx ends the
// run is recorded as interrupted, with its unfinished items left for the
// next start, and ctx's error is returned with the result.
func (r *Runner) Run(ctx context.Context, job Job) (Result, error) {
	start := time.Now()
	res := Result{Job: job.Name, Started: start.UTC(), Failures: []ItemFailure{}}
	if r.DB == nil || r.LockDir == "" {
		return res, errors.New("jobs: the runner needs a database and a lock directory")
	}
	unlock, err := Lock(r.LockDir, job.Name)
	if err != nil {
		return res, err
	}
	defer unlock()

	db := r.DB
	rec, err := db.GetJobByName(ctx, job.Name)
	if errors.Is(err, localdb.ErrNotFound) {
		rec, err = db.UpsertJob(ctx, localdb.Job{Name: job.Name, Enabled: true})
	}
	if err != nil {
		return res, fmt.Errorf("job %s: %w", job.Name, err)
	}

	// With the lock held, an unfinished run belongs to a process that died
	// or was stopped: take it over.
	run, err := db.LastUnfinishedRun(ctx, rec.ID)
	switch {
	case err == nil:
		run, res.Reset, err = db.ResumeRun(ctx, run.ID, r.pid())
		if err != nil {
			return res, fmt.Errorf("resume run %d of job %s: %w", run.ID, job.Name, err)
		}
		res.Resumed = true
	case errors.Is(err, localdb.ErrNotFound):
		run, err = db.StartRun(ctx, rec.ID, r.pid())
		if err != nil {
			return res, fmt.Errorf("job %s: %w", job.Name, err)
		}
	default:
		return res, fmt.Errorf("job %s: %w", job.Name, err)
	}
	res.RunID = run.ID
	lg := r.log().With("job", job.Name, "run", run.ID)

	// A run that died before its items were stored gets them now.
	items, err := db.ListRunItems(ctx, run.ID)
	if err != nil {
		return res, err
	}
	if len(items) == 0 {
		keys, kerr := job.Items(ctx)
		if kerr != nil {
			return r.finish(ctx, job, &res, localdb.RunFailed, fmt.Sprintf("list the items: %v", kerr), kerr)
		}
		if len(keys) > 0 {
			if _, err := db.AddRunItems(ctx, run.ID, keys...); err != nil {
				return res, err
			}
		}
	}
	if res.Resumed {
		lg.Info("run resumed", "reset_items", res.Reset)
		r.emit(Progress{Job: job.Name, RunID: run.ID, State: "resumed", Message: fmt.Sprintf("%d items put back", res.Reset)})
	} else {
		lg.Info("run started")
		r.emit(Progress{Job: job.Name, RunID: run.ID, State: "started"})
	}

	b := &Batch{r: r, job: job, run: run.ID, log: lg}
	if err := b.load(ctx); err != nil {
		return res, err
	}
	if !res.Resumed {
		if err := b.holdRepeated(ctx, rec.ID); err != nil {
			return res, err
		}
	}

	// Bookkeeping goes on after ctx ends, so that an interrupted run is
	// recorded as such.
	bg := context.WithoutCancel(ctx)
	var workErr error
	for pass := 0; pass <= r.maxAttempts(); pass++ {
		keys, err := b.todo(bg)
		if err != nil {
			return res, err
		}
		if len(keys) == 0 || ctx.Err() != nil {
			break
		}
		if pass > 0 {
			pause := r.RetryPause
			if pause <= 0 {
				pause = 2 * time.Second
			}
			lg.Info("retrying failed items", "items", len(keys), "pass", pass+1)
			select {
			case <-ctx.Done():
			case <-time.After(pause):
			}
			if ctx.Err() != nil {
				break
			}
		}
		began := b.begunCount()
		workErr = job.Work(ctx, keys, b)
		if workErr != nil && ctx.Err() == nil {
			lg.Warn("job could not work", "error", workErr.Error())
			b.failUnended(ctx, keys, workErr)
			break
		}
		if b.begunCount() == began {
			break // the job took none of them: another pass would not either
		}
	}
	if ctx.Err() != nil {
		return r.finish(ctx, job, &res, localdb.RunInterrupted, "stopped before every item was through", ctx.Err())
	}
	// Whatever the job did not reach is recorded, so that nothing is lost
	// in silence.
	left, err := db.ListRunItems(bg, run.ID, localdb.ItemPending, localdb.ItemRunning)
	if err != nil {
		return res, err
	}
	for _, it := range left {
		b.record(bg, it.ItemKey, &automations.Failure{Class: automations.SiteError,
			Err: errors.New("the job ended without reaching this item; it is tried again at the next run")})
	}
	return r.finish(ctx, job, &res, "", "", nil)
}

// finish counts the items, records the run's end and fills res.
func (r *Runner) finish(ctx context.Context, job Job, res *Result, state localdb.RunState, msg string, cause error) (Result, error) {
	db := r.DB
	bg := context.WithoutCancel(ctx)
	items, err := db.ListRunItems(bg, res.RunID)
	if err != nil {
		return *res, err
	}
	for _, it := range items {
		bad := it.State == localdb.ItemFailed || it.State == localdb.ItemNeedsHuman
		if bad {
			res.Failures = append(res.Failures, ItemFailure{Item: it.ItemKey, State: it.State, Class: it.FailureClass,
				Error: it.Error, Evidence: it.EvidencePath, Attempts: it.Attempts})
		}
		if !job.unit(it.ItemKey) {
			res.Details++
			if bad {
				res.FailedDetails++
			}
			continue
		}
		res.Total++
		switch it.State {
		case localdb.ItemDone:
			res.Done++
		case localdb.ItemFailed:
			res.Failed++
		case localdb.ItemNeedsHuman:
			res.NeedsHuman++
		default:
			res.Pending++
		}
	}
	if state == "" {
		state = localdb.RunDone
		if bad := res.Failed + res.NeedsHuman; bad > 0 {
			msg = fmt.Sprintf("%d of %d items failed or need a person", bad, res.Total)
			if bad == res.Total {
				state = localdb.RunFailed
			}
		}
		if res.FailedDetails > 0 {
			if msg != "" {
				msg += "; "
			}
			msg += fmt.Sprintf("%d of %d details failed", res.FailedDetails, res.Details)
		}
	}
	if _, err := db.FinishRun(bg, res.RunID, state, msg); err != nil {
		return *res, err
	}
	res.State = state
	res.Seconds = time.Since(res.Started).Seconds()
	r.log().Info("run finished", "job", res.Job, "run", res.RunID, "state", string(state), "done", res.Done,
		"failed", res.Failed, "needs_human", res.NeedsHuman, "pending", res.Pending)
	r.emit(Progress{Job: res.Job, RunID: res.RunID, State: "finished", Done: res.Done + res.Failed + res.NeedsHuman,
		Total: res.Total, Message: string(state)})
	return *res, cause
}

// Batch is a run's items as a job works them. Its methods are safe for
// concurrent use.
type Batch struct {
	r   *Runner
	job Job
	run int64
	log *slog.Logger

	mu     sync.Mutex
	total  int
	ended  int
	begun  int
	open   map[string]bool // begun and not yet ended in this process
	closed map[string]bool // ended in this process
}

func (b *Batch) load(ctx context.Context) error {
	items, err := b.r.DB.ListRunItems(ctx, b.run)
	if err != nil {
		return err
	}
	b.total = len(items)
	b.open = map[string]bool{}
	b.closed = map[string]bool{}
	b.total = 0
	for _, it := range items {
		if !b.job.unit(it.ItemKey) {
			continue
		}
		b.total++
		if it.State == localdb.ItemDone || it.State == localdb.ItemNeedsHuman {
			b.ended++
		}
	}
	return nil
}

var _ automations.Recorder = (*Batch)(nil)

// Add records detail items of the unit being worked (a store's threads) as
// pending; keys already in the run are left as they are. The job ends each
// with End; one it does not is recorded as failed when the run ends.
func (b *Batch) Add(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	_, err := b.r.DB.AddRunItems(ctx, b.run, keys...)
	return err
}

// RunID is the run's id.
func (b *Batch) RunID() int64 { return b.run }

func (b *Batch) begunCount() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.begun
}

// todo lists the items to work in the next pass: pending ones, and failed
// ones whose class may pass by itself and that have tries left.
func (b *Batch) todo(ctx context.Context) ([]string, error) {
	items, err := b.r.DB.ListRunItems(ctx, b.run, localdb.ItemPending, localdb.ItemFailed)
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, it := range items {
		if !b.job.unit(it.ItemKey) {
			continue
		}
		if it.State == localdb.ItemFailed && (!retryable(it.FailureClass) || it.Attempts >= b.r.maxAttempts()) {
			continue
		}
		keys = append(keys, it.ItemKey)
	}
	return keys, nil
}

func retryable(class string) bool {
	c := automations.Class(class)
	return c.Retryable() || c == automations.LoggedOut
}

// Begin marks the item running and counts the attempt. It says no for an
// item that is done or needs a person (never done twice, never retried
// blindly); the job must then skip it.
func (b *Batch) Begin(ctx context.Context, key string) bool {
	it, err := b.r.DB.StartItem(ctx, b.run, key)
	if err != nil {
		if !errors.Is(err, localdb.ErrConflict) && ctx.Err() == nil {
			b.log.Warn("item could not start", "item", key, "error", err.Error())
		}
		return false
	}
	b.mu.Lock()
	b.begun++
	b.open[key] = true
	b.mu.Unlock()
	b.log.Debug("item started", "item", key, "attempt", it.Attempts)
	return true
}

// End records how a begun item ended: nil is done; an error is classified
// (automations.Classify; a *automations.Failure carries its class and
// evidence). needs_human and auth_failed items wait for a person. An item
// stopped because ctx ended is left running, and the next start puts it
// back.
func (b *Batch) End(ctx context.Context, key string, err error) {
	if err != nil && automations.Classify(err) == automations.Canceled && ctx.Err() != nil {
		b.mu.Lock()
		delete(b.open, key)
		b.mu.Unlock()
		return
	}
	b.record(ctx, key, err)
}

func (b *Batch) record(ctx context.Context, key string, err error) {
	o := localdb.ItemOutcome{State: localdb.ItemDone}
	if err != nil {
		class := automations.Classify(err)
		o = localdb.ItemOutcome{State: localdb.ItemFailed, FailureClass: string(class), Error: err.Error()}
		if class == automations.NeedsHuman || class == automations.AuthFailed {
			o.State = localdb.ItemNeedsHuman
		}
		var f *automations.Failure
		if errors.As(err, &f) {
			o.EvidencePath = f.Evidence
		}
	}
	it, ferr := b.r.DB.FinishItem(context.WithoutCancel(ctx), b.run, key, o)
	if ferr != nil {
		b.log.Error("item outcome not recorded", "item", key, "error", ferr.Error())
		return
	}
	b.mu.Lock()
	delete(b.open, key)
	b.closed[key] = true
	unit := b.job.unit(key)
	if unit && (o.State != localdb.ItemFailed || !retryable(o.FailureClass) || it.Attempts >= b.r.maxAttempts()) {
		b.ended++
	}
	done, total := b.ended, b.total
	b.mu.Unlock()
	attrs := []any{"item", key, "state", string(o.State), "attempt", it.Attempts}
	if o.FailureClass != "" {
		attrs = append(attrs, "class", o.FailureClass, "error", o.Error)
	}
	if o.EvidencePath != "" {
		attrs = append(attrs, "evidence", o.EvidencePath)
	}
	b.log.Info("item finished", attrs...)
	if !unit && o.State == localdb.ItemDone {
		return // a detail's success is not news; its failure is
	}
	b.r.emit(Progress{Job: b.job.Name, RunID: b.run, Item: key, State: string(o.State), Class: o.FailureClass,
		Done: done, Total: total, Message: o.Error})
}

// failUnended records every begun-or-waiting item of keys that the job did
// not end, with the job's error.
func (b *Batch) failUnended(ctx context.Context, keys []string, err error) {
	for _, k := range keys {
		b.mu.Lock()
		closed := b.closed[k]
		open := b.open[k]
		b.mu.Unlock()
		if closed {
			continue
		}
		if !open && !b.Begin(ctx, k) {
			continue
		}
		b.record(ctx, k, err)
	}
}

// holdRepeated records as needs_human, without trying them, the items that
// needed a person in each of the job's last MaxAttempts runs: trying again
// would only meet the same CAPTCHA or refused password.
func (b *Batch) holdRepeated(ctx context.Context, jobID int64) error {
	if b.r.RetryHeld {
		return nil
	}
	limit := b.r.maxAttempts()
	// Runs of the last 90 days are enough to see a streak.
	runs, err := b.r.DB.ListRuns(ctx, time.Now().Add(-90*24*time.Hour))
	if err != nil {
		return err
	}
	var prev []int64
	for _, rn := range runs {
		if rn.JobID == jobID && rn.ID != b.run && rn.State != localdb.RunRunning {
			prev = append(prev, rn.ID)
			if len(prev) == limit {
				break
			}
		}
	}
	if len(prev) < limit {
		return nil
	}
	streak := map[string]int{}
	last := map[string]localdb.RunItem{}
	for i, id := range prev {
		items, err := b.r.DB.ListRunItems(ctx, id, localdb.ItemNeedsHuman)
		if err != nil {
			return err
		}
		for _, it := range items {
			if streak[it.ItemKey] == i {
				streak[it.ItemKey]++
				if i == 0 {
					last[it.ItemKey] = it
				}
			}
		}
	}
	pending, err := b.r.DB.ListRunItems(ctx, b.run, localdb.ItemPending)
	if err != nil {
		return err
	}
	for _, it := range pending {
		if streak[it.ItemKey] < limit {
			continue
		}
		l := last[it.ItemKey]
		msg := fmt.Sprintf("held for a person: it needed one (%s) in the last %d runs; fix the cause, then run `sellerops run %s --retry-held`",
			l.FailureClass, limit, b.job.Name)
		if _, err := b.r.DB.FinishItem(ctx, b.run, it.ItemKey, localdb.ItemOutcome{State: localdb.ItemNeedsHuman,
			FailureClass: l.FailureClass, EvidencePath: l.EvidencePath, Error: msg}); err != nil {
			return err
		}
		b.mu.Lock()
		b.ended++
		b.mu.Unlock()
		b.log.Info("item held", "item", it.ItemKey, "class", l.FailureClass)
		b.r.emit(Progress{Job: b.job.Name, RunID: b.run, Item: it.ItemKey, State: "held", Class: l.FailureClass, Message: msg})
	}
	return nil
}
