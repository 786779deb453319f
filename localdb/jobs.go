package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// RunState is where a run of a job stands.
type RunState string

// Run states.
const (
	RunRunning     RunState = "running"
	RunDone        RunState = "done"
	RunFailed      RunState = "failed"
	RunInterrupted RunState = "interrupted" // stopped (signal, crash) before its items were through
)

// ItemState is where one item of a run stands.
type ItemState string

// Run item states.
const (
	ItemPending    ItemState = "pending"
	ItemRunning    ItemState = "running"
	ItemDone       ItemState = "done"
	ItemFailed     ItemState = "failed"
	ItemNeedsHuman ItemState = "needs_human" // never retried without a person
)

var (
	runStates  = []RunState{RunRunning, RunDone, RunFailed, RunInterrupted}
	itemStates = []ItemState{ItemPending, ItemRunning, ItemDone, ItemFailed, ItemNeedsHuman}
)

// Job is a named, scheduled piece of work (sync, re-track, draft claims...).
type Job struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Schedule  string    `json:"schedule"` // cron syntax, parsed by the scheduler
	Enabled   bool      `json:"enabled"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// Run is one execution of a job.
type Run struct {
	ID         int64     `json:"id"`
	JobID      int64     `json:"job_id"`
	JobName    string    `json:"job"`
	State      RunState  `json:"state"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	PID        int       `json:"pid"`
	Error      string    `json:"error,omitempty"`
}

// RunItem is one unit of work of a run (a store to sync, a parcel to
// track, a claim to file), keyed by ItemKey within the run.
type RunItem struct {
	ID           int64     `json:"id"`
	RunID        int64     `json:"run_id"`
	ItemKey      string    `json:"item_key"`
	State        ItemState `json:"state"`
	FailureClass string    `json:"failure_class,omitempty"`
	EvidencePath string    `json:"evidence_path,omitempty"`
	Error        string    `json:"error,omitempty"`
	Attempts     int       `json:"attempts"`
	UpdatedAt    time.Time `json:"updated_at"`
}

const jobCols = `id, name, schedule, enabled, created_at, updated_at`

func scanJob(row interface{ Scan(...any) error }) (Job, error) {
	var j Job
	var enabled, created, updated int64
	if err := row.Scan(&j.ID, &j.Name, &j.Schedule, &enabled, &created, &updated); err != nil {
		return Job{}, err
	}
	j.Enabled = enabled == 1
	j.CreatedAt = time.UnixMilli(created).UTC()
	j.UpdatedAt = time.UnixMilli(updated).UTC()
	return j, nil
}

const runCols = `r.id, r.job_id, j.name, r.state, r.started_at, r.finished_at, r.pid, r.error`
const runFrom = ` FROM runs r JOIN jobs j ON j.id = r.job_id`

func scanRun(row interface{ Scan(...any) error }) (Run, error) {
	var r Run
	var started int64
	var finished sql.NullInt64
	if err := row.Scan(&r.ID, &r.JobID, &r.JobName, &r.State, &started, &finished, &r.PID, &r.Error); err != nil {
		return Run{}, err
	}
	r.StartedAt = time.UnixMilli(started).UTC()
	r.FinishedAt = fromMS(finished)
	return r, nil
}

const itemCols = `id, run_id, item_key, state, failure_class, evidence_path, error, attempts, updated_at`

func scanItem(row interface{ Scan(...any) error }) (RunItem, error) {
	var it RunItem
	var updated int64
	if err := row.Scan(&it.ID, &it.RunID, &it.ItemKey, &it.State, &it.FailureClass, &it.EvidencePath, &it.Error,
		&it.Attempts, &updated); err != nil {
		return RunItem{}, err
	}
	it.UpdatedAt = time.UnixMilli(updated).UTC()
	return it, nil
}

type queryRower interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}

func getRun(ctx context.Context, q queryRower, id int64) (Run, error) {
	r, err := scanRun(q.QueryRowContext(ctx, `SELECT `+runCols+runFrom+` WHERE r.id = ?`, id))
	if err != nil {
		return Run{}, fmt.Errorf("run id %d: %w", id, mapErr(err))
	}
	return r, nil
}

// UpsertJob stores a job by name, replacing its schedule and enabled flag.
func (db *DB) UpsertJob(ctx context.Context, j Job) (Job, error) {
	if j.Name == "" {
		return Job{}, invalidf("job needs a name")
	}
	var out Job
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		var err error
		out, err = scanJob(tx.QueryRowContext(ctx, `INSERT INTO jobs (name, schedule, enabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET schedule = excluded.schedule, enabled = excluded.enabled,
				updated_at = excluded.updated_at
			RETURNING `+jobCols, j.Name, j.Schedule, boolInt(j.Enabled), now, now))
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("store job %q: %w", j.Name, err)
	}
	return out, nil
}

// GetJobByName returns the job with the given name.
func (db *DB) GetJobByName(ctx context.Context, name string) (Job, error) {
	j, err := scanJob(db.sql.QueryRowContext(ctx, `SELECT `+jobCols+` FROM jobs WHERE name = ?`, name))
	if err != nil {
		return Job{}, fmt.Errorf("job %q: %w", name, mapErr(err))
	}
	return j, nil
}

// ListJobs returns every job, by name.
func (db *DB) ListJobs(ctx context.Context) ([]Job, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+jobCols+` FROM jobs ORDER BY name`)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanJob)
}

// StartRun records a new run of a job, started now by process pid.
func (db *DB) StartRun(ctx context.Context, jobID int64, pid int) (Run, error) {
	var out Run
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		if err := tx.QueryRowContext(ctx, `INSERT INTO runs (job_id, state, started_at, pid) VALUES (?, 'running', ?, ?)
			RETURNING id`, jobID, msNow(db.now()), pid).Scan(&id); err != nil {
			return err
		}
		var err error
		out, err = getRun(ctx, tx, id)
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("start run of job %d: %w", jobID, err)
	}
	return out, nil
}

// GetRun returns the run with the given id.
func (db *DB) GetRun(ctx context.Context, id int64) (Run, error) { return getRun(ctx, db.sql, id) }

// LastUnfinishedRun returns the job's newest run that is still running or
// was interrupted: the run to resume. ErrNotFound when there is none.
func (db *DB) LastUnfinishedRun(ctx context.Context, jobID int64) (Run, error) {
	r, err := scanRun(db.sql.QueryRowContext(ctx, `SELECT `+runCols+runFrom+`
		WHERE r.job_id = ? AND r.state IN ('running', 'interrupted') ORDER BY r.started_at DESC, r.id DESC LIMIT 1`, jobID))
	if err != nil {
		return Run{}, fmt.Errorf("unfinished run of job %d: %w", jobID, mapErr(err))
	}
	return r, nil
}

// ResumeRun takes over an unfinished run for process pid: the run is
// running again, and items left running by the previous process go back to
// pending (done items stay done, so nothing is done twice). It returns the
// run and how many items were put back.
func (db *DB) ResumeRun(ctx context.Context, runID int64, pid int) (Run, int, error) {
	var out Run
	var reset int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		r, err := getRun(ctx, tx, runID)
		if err != nil {
			return err
		}
		if r.State != RunRunning && r.State != RunInterrupted {
			return fmt.Errorf("run %d is %s and cannot be resumed: %w", runID, r.State, ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE runs SET state = 'running', pid = ?, finished_at = NULL WHERE id = ?`, pid, runID); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE run_items SET state = 'pending', updated_at = ? WHERE run_id = ? AND state = 'running'`,
			msNow(db.now()), runID)
		if err != nil {
			return err
		}
		if reset, err = res.RowsAffected(); err != nil {
			return err
		}
		out, err = getRun(ctx, tx, runID)
		return err
	})
	return out, int(reset), err
}

// FinishRun ends a run as done, failed or interrupted, with an error text
// for failed runs (never a secret).
func (db *DB) FinishRun(ctx context.Context, runID int64, state RunState, errText string) (Run, error) {
	if err := oneOf("run state", state, runStates...); err != nil {
		return Run{}, err
	}
	if state == RunRunning {
		return Run{}, invalidf("FinishRun needs done, failed or interrupted, not running")
	}
	var out Run
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := execOne(ctx, tx, fmt.Sprintf("run id %d", runID),
			`UPDATE runs SET state = ?, finished_at = ?, error = ? WHERE id = ?`,
			state, msNow(db.now()), errText, runID); err != nil {
			return err
		}
		var err error
		out, err = getRun(ctx, tx, runID)
		return err
	})
	return out, err
}

// ListRuns returns the runs started at or after since (every run for the
// zero time), newest first.
func (db *DB) ListRuns(ctx context.Context, since time.Time) ([]Run, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+runCols+runFrom+` WHERE r.started_at >= ?
		ORDER BY r.started_at DESC, r.id DESC`, since.UnixMilli())
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanRun)
}

// AddRunItems adds pending items to a run and returns how many were new;
// keys already in the run are left as they are.
func (db *DB) AddRunItems(ctx context.Context, runID int64, keys ...string) (int, error) {
	added := 0
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		for _, k := range keys {
			if k == "" {
				return invalidf("run %d: empty item key", runID)
			}
			res, err := tx.ExecContext(ctx, `INSERT INTO run_items (run_id, item_key, updated_at) VALUES (?, ?, ?)
				ON CONFLICT (run_id, item_key) DO NOTHING`, runID, k, now)
			if err != nil {
				return err
			}
			n, _ := res.RowsAffected()
			added += int(n)
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("add items to run %d: %w", runID, err)
	}
	return added, nil
}

func getItem(ctx context.Context, q queryRower, runID int64, key string) (RunItem, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemCols+` FROM run_items WHERE run_id = ? AND item_key = ?`, runID, key))
	if err != nil {
		return RunItem{}, fmt.Errorf("item %q of run %d: %w", key, runID, mapErr(err))
	}
	return it, nil
}

// StartItem marks a pending or failed item running and counts the attempt.
// A done item gives ErrConflict (it is never done twice), and so does one
// that needs a person (it is never retried blindly).
func (db *DB) StartItem(ctx context.Context, runID int64, key string) (RunItem, error) {
	var out RunItem
	err := db.tx(ctx, func(tx *sql.Tx) error {
		it, err := getItem(ctx, tx, runID, key)
		if err != nil {
			return err
		}
		if it.State != ItemPending && it.State != ItemFailed {
			return fmt.Errorf("item %q of run %d is %s and cannot start: %w", key, runID, it.State, ErrConflict)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE run_items SET state = 'running', attempts = attempts + 1,
			updated_at = ? WHERE id = ?`, msNow(db.now()), it.ID); err != nil {
			return err
		}
		out, err = getItem(ctx, tx, runID, key)
		return err
	})
	return out, err
}

// ItemOutcome is how an item ended.
type ItemOutcome struct {
	State        ItemState // done, failed or needs_human
	FailureClass string    // for failed and needs_human
	EvidencePath string
	Error        string // a message for the report; never a secret
}

// FinishItem records how an item ended. Failed and needs_human outcomes
// need a failure class, so that nothing fails in silence.
func (db *DB) FinishItem(ctx context.Context, runID int64, key string, o ItemOutcome) (RunItem, error) {
	if err := oneOf("item state", o.State, ItemDone, ItemFailed, ItemNeedsHuman); err != nil {
		return RunItem{}, err
	}
	if o.State != ItemDone && o.FailureClass == "" {
		return RunItem{}, invalidf("item %q of run %d ended %s without a failure class", key, runID, o.State)
	}
	var out RunItem
	err := db.tx(ctx, func(tx *sql.Tx) error {
		if err := execOne(ctx, tx, fmt.Sprintf("item %q of run %d", key, runID), `UPDATE run_items SET state = ?,
			failure_class = ?, evidence_path = ?, error = ?, updated_at = ? WHERE run_id = ? AND item_key = ?`,
			o.State, o.FailureClass, o.EvidencePath, o.Error, msNow(db.now()), runID, key); err != nil {
			return err
		}
		var err error
		out, err = getItem(ctx, tx, runID, key)
		return err
	})
	return out, err
}

// ListRunItems returns a run's items (only those in states, when given), in
// the order they were added.
func (db *DB) ListRunItems(ctx context.Context, runID int64, states ...ItemState) ([]RunItem, error) {
	args := []any{runID}
	query := `SELECT ` + itemCols + ` FROM run_items WHERE run_id = ?`
	if len(states) > 0 {
		for _, s := range states {
			if err := oneOf("item state", s, itemStates...); err != nil {
				return nil, err
			}
			args = append(args, s)
		}
		query += " AND state IN (" + placeholders(len(states)) + ")"
	}
	rows, err := db.sql.QueryContext(ctx, query+" ORDER BY id", args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanItem)
}

// RunItemCounts returns how many of a run's items are in each state.
func (db *DB) RunItemCounts(ctx context.Context, runID int64) (map[ItemState]int, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT state, count(*) FROM run_items WHERE run_id = ? GROUP BY state`, runID)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[ItemState]int{}
	for rows.Next() {
		var s ItemState
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[s] = n
	}
	return out, rows.Err()
}

// AttentionItem is a failed or needs_human item with its run and job.
type AttentionItem struct {
	RunItem
	JobName string `json:"job"`
}

// ListAttentionItems returns the items updated at or after since that
// failed or need a person, newest first, for the morning report.
func (db *DB) ListAttentionItems(ctx context.Context, since time.Time) ([]AttentionItem, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT i.id, i.run_id, i.item_key, i.state, i.failure_class,
		i.evidence_path, i.error, i.attempts, i.updated_at, j.name
		FROM run_items i JOIN runs r ON r.id = i.run_id JOIN jobs j ON j.id = r.job_id
		WHERE i.state IN ('failed', 'needs_human') AND i.updated_at >= ?
		ORDER BY i.updated_at DESC, i.id DESC`, since.UnixMilli())
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (AttentionItem, error) {
		var a AttentionItem
		var updated int64
		err := row.Scan(&a.ID, &a.RunID, &a.ItemKey, &a.State, &a.FailureClass, &a.EvidencePath, &a.Error,
			&a.Attempts, &updated, &a.JobName)
		a.UpdatedAt = time.UnixMilli(updated).UTC()
		return a, err
	})
}

// RunSummary is a run with how many of its items ended in each state.
type RunSummary struct {
	Run
	Items      int `json:"items"`
	Done       int `json:"done"`
	Failed     int `json:"failed"`
	NeedsHuman int `json:"needs_human"`
}

// PageRuns returns one page of runs, newest first, with their item counts,
// and the number of runs.
func (db *DB) PageRuns(ctx context.Context, offset, limit int) (Page[RunSummary], error) {
	offset, limit = pageBounds(offset, limit)
	out := Page[RunSummary]{Offset: offset, Rows: []RunSummary{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&out.Total); err != nil {
		return Page[RunSummary]{}, fmt.Errorf("count runs: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+runCols+`,
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'done'),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'failed'),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'needs_human')`+runFrom+`
		ORDER BY r.started_at DESC, r.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return Page[RunSummary]{}, fmt.Errorf("list runs: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (RunSummary, error) {
		var s RunSummary
		var started int64
		var finished sql.NullInt64
		err := row.Scan(&s.ID, &s.JobID, &s.JobName, &s.State, &started, &finished, &s.PID, &s.Error,
			&s.Items, &s.Done, &s.Failed, &s.NeedsHuman)
		s.StartedAt = time.UnixMilli(started).UTC()
		s.FinishedAt = fromMS(finished)
		return s, err
	})
	if err != nil {
		return Page[RunSummary]{}, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// PageAttentionItems returns one page of the run items that failed or need
// a person, newest first, with their job's name, and how many there are.
func (db *DB) PageAttentionItems(ctx context.Context, offset, limit int) (Page[AttentionItem], error) {
	offset, limit = pageBounds(offset, limit)
	out := Page[AttentionItem]{Offset: offset, Rows: []AttentionItem{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM run_items WHERE state IN ('failed', 'needs_human')`).Scan(&out.Total); err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("count failed items: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT i.id, i.run_id, i.item_key, i.state, i.failure_class,
		i.evidence_path, i.error, i.attempts, i.updated_at, j.name
		FROM run_items i JOIN runs r ON r.id = i.run_id JOIN jobs j ON j.id = r.job_id
		WHERE i.state IN ('failed', 'needs_human')
		ORDER BY i.updated_at DESC, i.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("list failed items: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (AttentionItem, error) {
		var a AttentionItem
		var updated int64
		err := row.Scan(&a.ID, &a.RunID, &a.ItemKey, &a.State, &a.FailureClass, &a.EvidencePath, &a.Error,
			&a.Attempts, &updated, &a.JobName)
		a.UpdatedAt = time.UnixMilli(updated).UTC()
		return a, err
	})
	if err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("list failed items: %w", err)
	}
	return out, nil
}
