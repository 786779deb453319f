package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/report"
	"github.com/sellerops/sellerops/localdb"
)

type runOptions struct {
	Jobs      []string
	Daemon    bool
	RetryHeld bool
	Stores    []string
	JSON      jsonFlags
}

func newRunCmd(f *factory) *cobra.Command {
	var opts runOptions
	cmd := &cobra.Command{
		Use:   "run [JOB...]",
		Short: "Run the overnight jobs now, or on their schedules with --daemon",
		Long: strings.TrimSpace(`
Run jobs now, one after another, and print how each run ended. Jobs:

  sync           pull new messages from every store (one item per store)
  track          look up every open parcel again (one item per parcel)
  notices        send the proposed delay notices, only with proactive.auto_send:
                 true (one item per notice); else they wait for
                 'sellerops notices send'
  claims-draft   draft a claim for every parcel that qualifies (one per parcel)
  claims-file    file the drafts the config's claims policy lets file unattended
                 (claims.auto_file, claims.max_auto_amount, an open window);
                 never the others
  claims-status  read the status and payment of filed claims from the portals
  report         write the morning report into the reports folder

With no JOB, the jobs of the config's schedules run (all of them when there
are none), in the order above.

Every run is recorded with its items before work starts. A run that was
killed is resumed at the next start from its last finished item; items left
in flight are checked again, never done twice. A failing store or carrier
does not stop the others. An item that needs a person (a CAPTCHA, refused
credentials) is listed and, after three runs in a row, held until you fix the
cause and pass --retry-held.

Only one process runs a job at a time: a lock file per job, in the locks
folder beside the database, refuses a second one (exit 13, naming the
holder's pid). The lock is released when the holder exits, even after a crash.

With --daemon, the jobs run on the cron schedules of the config until
SIGTERM or Ctrl-C. When report.webhook is set, a JSON summary is posted to it
after each run.

Exit codes: 0 every item done; 9 some items failed or wait for a person;
10 all failed; 13 another process runs the job; 130 interrupted (the run
resumes at the next start).`),
		Example: strings.Join([]string{
			"  sellerops run",
			"  sellerops run sync track --json --jq '.[] | select(.failed > 0) | .job'",
			"  sellerops run claims-file",
			"  sellerops run --daemon",
			"  sellerops run sync --retry-held",
		}, "\n"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Jobs = args
			return runRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Daemon, "daemon", false, "Run the jobs on the config's schedules until stopped")
	cmd.Flags().BoolVar(&opts.RetryHeld, "retry-held", false, "Try again the items held for a person (after you fixed the cause)")
	cmd.Flags().StringSliceVar(&opts.Stores, "store", nil, "Sync only this `store` (repeatable)")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

// runJobNames returns the jobs to run: the named ones, else those of the
// enabled schedules, else every job.
func runJobNames(f *factory, named []string) ([]string, error) {
	for _, n := range named {
		if !slices.Contains(jobs.Names, n) {
			return nil, usageErrorf("unknown job %q; use one of %s", n, strings.Join(jobs.Names, ", "))
		}
	}
	if len(named) > 0 {
		return named, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	entries, err := jobs.ParseSchedules(cfg.Schedules)
	if err != nil {
		return nil, &scheduleError{err: err}
	}
	var out []string
	for _, n := range jobs.Names {
		if slices.ContainsFunc(entries, func(e jobs.Entry) bool { return e.Job == n }) {
			out = append(out, n)
		}
	}
	if len(out) == 0 {
		out = slices.Clone(jobs.Names)
	}
	return out, nil
}

// dataDirOf is the folder of the database: evidence, locks and reports live
// there.
func dataDirOf(db *localdb.DB) string { return filepath.Dir(db.Path()) }

// reportsDir is report.dir from the config, else reports beside the database.
func reportsDir(f *factory, db *localdb.DB) string {
	if cfg, err := f.Config(); err == nil && cfg.Report.Dir != "" {
		return cfg.Report.Dir
	}
	return filepath.Join(dataDirOf(db), "reports")
}

// runPrinter writes progress to stderr: on a terminal one redrawn line per
// job, in a pipe the start and end of each run and each failed item.
type runPrinter struct {
	f   *factory
	tty bool
}

func (p *runPrinter) progress(pr jobs.Progress) {
	w := p.f.IO.ErrOut
	switch pr.State {
	case "started", "resumed":
		if p.tty {
			fmt.Fprint(w, "\r\033[K")
		}
		line := fmt.Sprintf("%s: run %d %s", pr.Job, pr.RunID, pr.State)
		if pr.Message != "" {
			line += " (" + pr.Message + ")"
		}
		fmt.Fprintln(w, line)
	case "finished":
		if p.tty {
			fmt.Fprint(w, "\r\033[K")
		}
	case "done":
		if p.tty {
			fmt.Fprintf(w, "\r\033[K%s: %d/%d", pr.Job, pr.Done, pr.Total)
		}
	default:
		if p.tty {
			fmt.Fprint(w, "\r\033[K")
		}
		fmt.Fprintf(w, "%s: %s %s (%s) %s\n", pr.Job, pr.Item, pr.State, pr.Class, pr.Message)
	}
}

func runRun(ctx context.Context, f *factory, opts *runOptions) error {
	if opts.Daemon {
		return runDaemon(ctx, f, opts)
	}
	names, err := runJobNames(f, opts.Jobs)
	if err != nil {
		return err
	}
	results, lockErrs, err := runJobs(ctx, f, names, opts.Stores, opts.RetryHeld)
	if results == nil && err != nil {
		return err // nothing could start
	}
	if opts.JSON.enabled() {
		if werr := writeJSON(f.IO.Out, results, opts.JSON.JQ); werr != nil {
			return werr
		}
	} else {
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "JOB", "RUN", "STATE", "ITEMS", "DONE", "FAILED", "NEEDS PERSON", "LEFT", "RESUMED")
		for _, r := range results {
			t.row(r.Job, fmt.Sprint(r.RunID), string(r.State), fmt.Sprint(r.Total), fmt.Sprint(r.Done), fmt.Sprint(r.Failed),
				fmt.Sprint(r.NeedsHuman), fmt.Sprint(r.Pending), fmt.Sprint(r.Resumed))
		}
		t.flush()
	}
	for _, r := range results {
		for _, fl := range r.Failures {
			line := fmt.Sprintf("%s: %s %s (%s)", r.Job, fl.Item, fl.State, fl.Class)
			if fl.Error != "" {
				line += ": " + fl.Error
			}
			if fl.Evidence != "" {
				line += " [evidence " + fl.Evidence + "]"
			}
			fmt.Fprintln(f.IO.ErrOut, f.redactor.Redact(line))
		}
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "stopped: the unfinished run resumes at the next start")
		return err
	}
	if err != nil {
		return err
	}
	if len(lockErrs) > 0 {
		if len(lockErrs) == 1 && len(names) == 1 {
			return lockErrs[0]
		}
		for _, le := range lockErrs {
			fmt.Fprintf(f.IO.ErrOut, "error: %v\n", le)
		}
		return fmt.Errorf("%w: %w", lockErrs[0], errSilent)
	}
	return runExit(results)
}

// runExit sums the runs up in an exit code.
func runExit(results []jobs.Result) error {
	total, bad := 0, 0
	for _, r := range results {
		total += r.Total
		bad += r.Failed + r.NeedsHuman
	}
	return batchOutcome(bad, total)
}

// newRunner returns the jobs runner every surface records its runs with:
// `run`, `sync`, the dashboard and the demo share its lock files, so a job
// never runs twice at once, whoever started it.
func newRunner(f *factory, db *localdb.DB, progress func(jobs.Progress)) *jobs.Runner {
	return &jobs.Runner{DB: db, LockDir: filepath.Join(dataDirOf(db), "locks"), Logger: f.Logger(), Progress: progress}
}

// runJobs runs the named jobs in order. A job another process holds is
// skipped and its *jobs.LockedError returned in lockErrs; the others run.
func runJobs(ctx context.Context, f *factory, names, stores []string, retryHeld bool) (results []jobs.Result, lockErrs []error, err error) {
	db, err := f.DB(ctx)
	if err != nil {
		return nil, nil, err
	}
	deps, err := runJobDeps(ctx, f, stores)
	if err != nil {
		return nil, nil, err
	}
	pr := &runPrinter{f: f, tty: f.IO.IsStderrTTY()}
	runner := newRunner(f, db, pr.progress)
	runner.RetryHeld = retryHeld
	for _, n := range names {
		if _, jerr := jobs.Builtin(deps, n); jerr != nil {
			return nil, nil, usageErrorf("%v", jerr)
		}
	}
	results, lockErrs, err = jobs.RunBuiltin(ctx, runner, deps, names...)
	for _, le := range lockErrs {
		var l *jobs.LockedError
		if errors.As(le, &l) {
			f.Logger().Warn("job already running", "job", l.Job, "lock", l.Path, "pid", l.PID)
		}
	}
	runWebhook(f, db, results)
	return results, lockErrs, err
}

// webhookPayload is what report.webhook receives after a run.
type webhookPayload struct {
	Event    string         `json:"event"`
	Host     string         `json:"host,omitempty"`
	Runs     []jobs.Result  `json:"runs"`
	Report   *report.Report `json:"report,omitempty"`
	Failures int            `json:"failures"`
}

// runWebhook posts the runs and the last day's report to report.webhook,
// when set. Its failure is logged and shown as a warning, never fatal.
func runWebhook(f *factory, db *localdb.DB, results []jobs.Result) {
	cfg, err := f.Config()
	if err != nil || cfg.Report.Webhook == "" || len(results) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	p := webhookPayload{Event: "run.finished", Runs: results}
	for _, r := range results {
		p.Failures += r.Failed + r.NeedsHuman
	}
	now := f.Now()
	if rep, err := report.Build(ctx, db, cfg, now.Add(-24*time.Hour), now); err == nil {
		p.Report = rep
	}
	if err := report.PostWebhook(ctx, nil, cfg.Report.Webhook, p, 10*time.Second); err != nil {
		f.Logger().Warn("webhook failed", "error", err.Error())
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
		return
	}
	f.Logger().Info("webhook posted", "runs", len(results))
}

func runDaemon(ctx context.Context, f *factory, opts *runOptions) error {
	if len(opts.Jobs) > 0 {
		return usageErrorf("--daemon runs the config's schedules; give no JOB (run one now with `sellerops run JOB`)")
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	entries, err := jobs.ParseSchedules(cfg.Schedules)
	if err != nil {
		return &scheduleError{err: fmt.Errorf("%s: %w", orDefault(cfg.Path, "config"), err)}
	}
	if len(entries) == 0 {
		return &scheduleError{err: fmt.Errorf("no enabled schedules in %s; add some, such as:\n  schedules:\n    - job: sync\n      cron: \"0 * * * *\"\n    - job: track\n      cron: \"30 1 * * *\"\n    - job: report\n      cron: \"0 7 * * *\"",
			orDefault(cfg.Path, "the config file"))}
	}
	if _, err := f.DB(ctx); err != nil {
		return err
	}
	now := f.Now()
	for _, e := range entries {
		fmt.Fprintf(f.IO.ErrOut, "%-14s %-16s next %s\n", e.Job, e.Cron, e.Next(now).Format("2006-01-02 15:04 MST"))
	}
	fmt.Fprintln(f.IO.ErrOut, "running on schedule; stop with Ctrl-C or SIGTERM")
	log := f.Logger()
	err = jobs.Daemon(ctx, entries, time.Local, log, func(ctx context.Context, e jobs.Entry) {
		stores := e.Stores
		if len(opts.Stores) > 0 {
			stores = opts.Stores
		}
		results, lockErrs, err := runJobs(ctx, f, []string{e.Job}, stores, opts.RetryHeld)
		for _, le := range lockErrs {
			fmt.Fprintf(f.IO.ErrOut, "skipped: %v\n", le)
		}
		if err != nil && !errors.Is(err, context.Canceled) {
			log.Error("scheduled run failed", "job", e.Job, "error", err.Error())
			fmt.Fprintf(f.IO.ErrOut, "%s: %v\n", e.Job, f.redactor.Redact(err.Error()))
		}
		for _, r := range results {
			fmt.Fprintf(f.IO.ErrOut, "%s: run %d %s: %d done, %d failed, %d need a person\n", r.Job, r.RunID, r.State, r.Done, r.Failed, r.NeedsHuman)
		}
	})
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "stopped")
		return nil
	}
	return err
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
