package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

func openDB(t *testing.T) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "s.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fakeJob works items by calling do for each; it counts how often each item
// was worked.
type fakeJob struct {
	mu    sync.Mutex
	keys  []string
	calls map[string]int
	do    func(ctx context.Context, key string, n int) error
}

func (f *fakeJob) job(name string) Job {
	if f.calls == nil {
		f.calls = map[string]int{}
	}
	return Job{
		Name:  name,
		Items: func(context.Context) ([]string, error) { return f.keys, nil },
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			for _, k := range keys {
				if ctx.Err() != nil {
					return nil
				}
				if !b.Begin(ctx, k) {
					continue
				}
				f.mu.Lock()
				f.calls[k]++
				n := f.calls[k]
				f.mu.Unlock()
				var err error
				if f.do != nil {
					err = f.do(ctx, k, n)
				}
				b.End(ctx, k, err)
			}
			return nil
		},
	}
}

func TestRunRecordsEveryItemAndRetriesPassingFailures(t *testing.T) {
	db := openDB(t)
	r := &Runner{DB: db, LockDir: t.TempDir(), RetryPause: time.Millisecond, MaxAttempts: 3}
	fj := &fakeJob{keys: []string{"a", "b", "c", "d", "e"}}
	fj.do = func(_ context.Context, k string, n int) error {
		switch k {
		case "b": // passes on the second try
			if n == 1 {
				return automations.Fail(automations.RateLimited, "429 from the site")
			}
		case "c":
			return &automations.Failure{Class: automations.NeedsHuman, Err: errors.New("captcha"), Evidence: "/ev/c"}
		case "d":
			return automations.Fail(automations.PageChanged, "selector gone")
		case "e":
			return automations.Fail(automations.Timeout, "slow")
		}
		return nil
	}
	res, err := r.Run(context.Background(), fj.job("sync"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 5 || res.Done != 2 || res.Failed != 2 || res.NeedsHuman != 1 || res.Pending != 0 {
		t.Fatalf("result %+v", res)
	}
	if res.State != localdb.RunDone {
		t.Errorf("state %s, want done (some items failed, the run went through)", res.State)
	}
	want := map[string]int{"a": 1, "b": 2, "c": 1, "d": 1, "e": 3}
	for k, n := range want {
		if fj.calls[k] != n {
			t.Errorf("item %s worked %d times, want %d", k, fj.calls[k], n)
		}
	}
	items, _ := db.ListRunItems(context.Background(), res.RunID)
	for _, it := range items {
		if it.ItemKey == "c" && (it.State != localdb.ItemNeedsHuman || it.FailureClass != "needs_human" || it.EvidencePath != "/ev/c") {
			t.Errorf("c recorded as %+v", it)
		}
		if it.State != localdb.ItemDone && it.FailureClass == "" {
			t.Errorf("item %s ended %s without a class", it.ItemKey, it.State)
		}
	}
	if _, err := db.GetJobByName(context.Background(), "sync"); err != nil {
		t.Errorf("job record: %v", err)
	}
}

func TestInterruptedRunResumesWithoutRedoingDoneItems(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	fj := &fakeJob{keys: []string{"1", "2", "3", "4", "5", "6"}}
	ctx, cancel := context.WithCancel(context.Background())
	fj.do = func(ctx context.Context, k string, n int) error {
		if k == "3" {
			cancel() // the process is stopped while item 3 is in flight
			return ctx.Err()
		}
		return nil
	}
	r := &Runner{DB: db, LockDir: dir, PID: 111}
	res, err := r.Run(ctx, fj.job("track"))
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want canceled", err)
	}
	if res.State != localdb.RunInterrupted || res.Done != 2 {
		t.Fatalf("first result %+v", res)
	}
	fj.do = nil
	r2 := &Runner{DB: db, LockDir: dir, PID: 222}
	res2, err := r2.Run(context.Background(), fj.job("track"))
	if err != nil {
		t.Fatal(err)
	}
	if !res2.Resumed || res2.RunID != res.RunID || res2.Reset != 1 {
		t.Fatalf("second run did not resume the first: %+v", res2)
	}
	if res2.Done != 6 || res2.State != localdb.RunDone {
		t.Fatalf("second result %+v", res2)
	}
	for k, n := range fj.calls {
		want := 1
		if k == "3" {
			want = 2 // in flight when stopped: checked again
		}
		if n != want {
			t.Errorf("item %s worked %d times, want %d", k, n, want)
		}
	}
	// A third start is a fresh run.
	res3, err := r2.Run(context.Background(), fj.job("track"))
	if err != nil || res3.Resumed || res3.RunID == res.RunID {
		t.Fatalf("third run %+v, %v", res3, err)
	}
}

func TestRunAfterCrashBeforeItemsStoredListsThem(t *testing.T) {
	db := openDB(t)
	ctx := context.Background()
	rec, err := db.UpsertJob(ctx, localdb.Job{Name: "report", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	dead, err := db.StartRun(ctx, rec.ID, 999999)
	if err != nil {
		t.Fatal(err)
	}
	fj := &fakeJob{keys: []string{"x"}}
	res, err := (&Runner{DB: db, LockDir: t.TempDir()}).Run(ctx, fj.job("report"))
	if err != nil {
		t.Fatal(err)
	}
	if res.RunID != dead.ID || !res.Resumed || res.Done != 1 {
		t.Fatalf("result %+v", res)
	}
}

func TestItemsNeedingAPersonAreHeldAfterMaxAttemptsRuns(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	fj := &fakeJob{keys: []string{"store:a", "store:b"}}
	fj.do = func(_ context.Context, k string, _ int) error {
		if k == "store:b" {
			return automations.Fail(automations.AuthFailed, "password refused")
		}
		return nil
	}
	r := &Runner{DB: db, LockDir: dir, MaxAttempts: 2}
	for range 2 {
		if _, err := r.Run(context.Background(), fj.job("sync")); err != nil {
			t.Fatal(err)
		}
	}
	if fj.calls["store:b"] != 2 {
		t.Fatalf("b tried %d times in two runs", fj.calls["store:b"])
	}
	res, err := r.Run(context.Background(), fj.job("sync"))
	if err != nil {
		t.Fatal(err)
	}
	if fj.calls["store:b"] != 2 || fj.calls["store:a"] != 3 {
		t.Fatalf("held item was tried again: %v", fj.calls)
	}
	if res.NeedsHuman != 1 || !strings.Contains(res.Failures[0].Error, "--retry-held") || res.Failures[0].Class != "auth_failed" {
		t.Fatalf("result %+v", res)
	}
	r.RetryHeld = true
	if _, err := r.Run(context.Background(), fj.job("sync")); err != nil {
		t.Fatal(err)
	}
	if fj.calls["store:b"] != 3 {
		t.Fatalf("--retry-held did not try it: %v", fj.calls)
	}
}

func TestWorkErrorFailsTheItemsWithItsClass(t *testing.T) {
	db := openDB(t)
	j := Job{
		Name:  "claims-file",
		Items: func(context.Context) ([]string, error) { return []string{"claim:1", "claim:2"}, nil },
		Work: func(context.Context, []string, *Batch) error {
			return fmt.Errorf("start the browser: %w", automations.ErrNoBrowser)
		},
	}
	res, err := (&Runner{DB: db, LockDir: t.TempDir()}).Run(context.Background(), j)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 2 || res.State != localdb.RunFailed {
		t.Fatalf("result %+v", res)
	}
	for _, f := range res.Failures {
		if f.Class == "" || !strings.Contains(f.Error, "browser") {
			t.Errorf("failure %+v", f)
		}
	}
}

func TestLockRefusesASecondHolderAndNamesThePID(t *testing.T) {
	dir := t.TempDir()
	unlock, err := Lock(dir, "sync")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Lock(dir, "sync")
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("second lock: %v", err)
	}
	if le.PID != os.Getpid() || le.Path != LockPath(dir, "sync") {
		t.Errorf("locked error %+v", le)
	}
	if !strings.Contains(err.Error(), fmt.Sprint(os.Getpid())) || !strings.Contains(err.Error(), "sync.lock") {
		t.Errorf("message %q names neither pid nor lock", err)
	}
	// Another job is not blocked.
	u2, err := Lock(dir, "track")
	if err != nil {
		t.Fatal(err)
	}
	u2()
	unlock()
	u3, err := Lock(dir, "sync")
	if err != nil {
		t.Fatalf("after unlock: %v", err)
	}
	u3()
}

func TestRunnerRefusesWhileLocked(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	unlock, err := Lock(dir, "track")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	fj := &fakeJob{keys: []string{"a"}}
	_, err = (&Runner{DB: db, LockDir: dir}).Run(context.Background(), fj.job("track"))
	if !errors.Is(err, ErrAlreadyRunning) {
		t.Fatalf("err %v", err)
	}
	if len(fj.calls) != 0 {
		t.Fatal("worked while locked")
	}
	runs, _ := db.ListRuns(context.Background(), time.Time{})
	if len(runs) != 0 {
		t.Fatalf("a refused run was recorded: %+v", runs)
	}
}

func TestRunBuiltinGoesOnPastAFailedOrLockedJob(t *testing.T) {
	db := openDB(t)
	dir := t.TempDir()
	reports := 0
	d := Deps{DB: db, Report: func(context.Context) (string, error) { reports++; return "r.html", nil }}
	unlock, err := Lock(dir, "track")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	r := &Runner{DB: db, LockDir: dir}
	results, locked, err := RunBuiltin(context.Background(), r, d, "claims-draft", "track", "report")
	if err == nil || !strings.Contains(err.Error(), "job claims-draft") {
		t.Errorf("err %v, want the claims-draft failure", err)
	}
	if len(locked) != 1 || !errors.Is(locked[0], ErrAlreadyRunning) {
		t.Errorf("locked %v", locked)
	}
	if len(results) != 2 || results[0].State != localdb.RunFailed || results[1].Job != "report" || results[1].Done != 1 || reports != 1 {
		t.Fatalf("results %+v (reports %d)", results, reports)
	}
	if _, _, err := RunBuiltin(context.Background(), r, d, "nap"); err == nil || !strings.Contains(err.Error(), "unknown job") {
		t.Errorf("unknown job: %v", err)
	}
}

// TestDetailItemsAreRecordedUnderTheirUnit works a job whose units add
// detail items, as the sync adds a store's threads: the details are
// recorded in the same run, a detail the job forgot is recorded as failed
// rather than dropped, and only units are handed to Work again or counted
// in the progress.
func TestDetailItemsAreRecordedUnderTheirUnit(t *testing.T) {
	db := openDB(t)
	var mu sync.Mutex
	worked := map[string]int{}
	var last Progress
	job := Job{
		Name:  "sync",
		Unit:  func(key string) bool { return strings.HasPrefix(key, "store:") },
		Items: func(context.Context) ([]string, error) { return []string{"store:a", "store:b"}, nil },
		Work: func(ctx context.Context, keys []string, b *Batch) error {
			var rec automations.Recorder = b
			for _, k := range keys {
				if !rec.Begin(ctx, k) {
					continue
				}
				mu.Lock()
				worked[k]++
				n := worked[k]
				mu.Unlock()
				details := []string{"thread:" + k + ":1", "thread:" + k + ":2", "thread:" + k + ":3"}
				if err := rec.Add(ctx, details...); err != nil {
					return err
				}
				rec.End(ctx, details[0], nil)
				rec.End(ctx, details[1], automations.Fail(automations.PageChanged, "no subject"))
				// details[2] is never ended.
				if k == "store:b" && n == 1 {
					rec.End(ctx, k, automations.Fail(automations.Timeout, "slow inbox"))
					continue
				}
				rec.End(ctx, k, nil)
			}
			return nil
		},
	}
	r := &Runner{DB: db, LockDir: t.TempDir(), RetryPause: time.Millisecond,
		Progress: func(p Progress) { last = p }}
	res, err := r.Run(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if worked["store:a"] != 1 || worked["store:b"] != 2 {
		t.Errorf("units worked %v, want store:a once and store:b twice (one retry of its timeout)", worked)
	}
	items, err := db.ListRunItems(context.Background(), res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]localdb.RunItem{}
	for _, it := range items {
		got[it.ItemKey] = it
	}
	if len(got) != 8 {
		t.Errorf("run has %d items, want 2 stores and 6 threads: %v", len(got), got)
	}
	for _, s := range []string{"store:a", "store:b"} {
		if got[s].State != localdb.ItemDone {
			t.Errorf("%s: %+v", s, got[s])
		}
		if it := got["thread:"+s+":1"]; it.State != localdb.ItemDone {
			t.Errorf("ended detail: %+v", it)
		}
		if it := got["thread:"+s+":2"]; it.State != localdb.ItemFailed || it.FailureClass != string(automations.PageChanged) {
			t.Errorf("failed detail: %+v", it)
		}
		if it := got["thread:"+s+":3"]; it.State != localdb.ItemFailed || it.FailureClass == "" || it.Error == "" {
			t.Errorf("forgotten detail was not recorded as failed: %+v", it)
		}
	}
	if last.State != "finished" || last.Total != 2 || res.Total != 2 || res.Details != 6 || res.FailedDetails != 4 || len(res.Failures) != 4 {
		t.Errorf("last progress %+v, result %+v; want 2 units with 6 details, 4 of them failed", last, res)
	}
	runs, err := db.ListRuns(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 {
		t.Errorf("%d runs recorded, want 1", len(runs))
	}
}
