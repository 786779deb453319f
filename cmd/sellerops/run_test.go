package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"github.com/sellerops/sellerops/automations/testwait"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// runEnv is a private data folder, config file and database for the run
// tests, shared by in-process commands and child processes.
type runEnv struct {
	dir, db, cfg, log string
	env               map[string]string
}

func newRunEnv(t *testing.T, configYAML string) *runEnv {
	t.Helper()
	dir := t.TempDir()
	e := &runEnv{dir: dir, db: filepath.Join(dir, "data", "sellerops.db"), cfg: filepath.Join(dir, "config.yaml"),
		log: filepath.Join(dir, "data", "logs", "sellerops.log")}
	if err := os.WriteFile(e.cfg, []byte(configYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env = map[string]string{
		"SELLEROPS_DB":     e.db,
		"SELLEROPS_CONFIG": e.cfg,
		"SELLEROPS_LOG":    e.log,
		"XDG_CONFIG_HOME":  filepath.Join(dir, "xdg-config"),
		"XDG_DATA_HOME":    filepath.Join(dir, "xdg-data"),
	}
	return e
}

// setup points an in-process command at the environment.
func (e *runEnv) setup(f *factory) {
	getenv := f.Getenv
	f.Getenv = func(k string) string {
		if v, ok := e.env[k]; ok {
			return v
		}
		return getenv(k)
	}
}

// child starts this test binary as `sellerops ARGS...` in a new process.
func (e *runEnv) child(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRunChildProcess$")
	cmd.Env = append(os.Environ(), "SELLEROPS_TEST_CHILD_ARGS="+strings.Join(args, "\x1f"))
	for k, v := range e.env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	return cmd, &out, &errOut
}

// TestRunChildProcess is the child side of the multi-process tests: it runs
// one command line in this process and exits with its code.
func TestRunChildProcess(t *testing.T) {
	t.Parallel()
	raw, ok := os.LookupEnv("SELLEROPS_TEST_CHILD_ARGS")
	if !ok {
		return // run only as a child
	}
	os.Exit(int(childMain(strings.Split(raw, "\x1f"))))
}

func childMain(args []string) exitCode {
	// As run() does: SIGTERM and Ctrl-C cancel the command's context.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	f := newFactory(systemIO())
	defer f.Close()
	return execute(ctx, f, args)
}

func exitOf(t *testing.T, err error) exitCode {
	t.Helper()
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return exitCode(ee.ExitCode())
	}
	t.Fatalf("child: %v", err)
	return 0
}

func TestRunRefusesUnknownJobAndBadSchedules(t *testing.T) {
	t.Parallel()
	e := newRunEnv(t, "")
	res := runCommand(t, []string{"run", "sink"}, false, "", e.setup)
	if res.code != exitUsage || !strings.Contains(res.stderr, `unknown job "sink"`) || !strings.Contains(res.stderr, "claims-file") {
		t.Fatalf("unknown job: %d %q", res.code, res.stderr)
	}
	bad := newRunEnv(t, "schedules:\n  - job: track\n    cron: \"61 * * * *\"\n")
	res = runCommand(t, []string{"run", "--daemon"}, false, "", bad.setup)
	if res.code != exitConfig || !strings.Contains(res.stderr, `schedules[0].cron "61 * * * *"`) {
		t.Fatalf("bad cron: %d %q", res.code, res.stderr)
	}
	none := newRunEnv(t, "")
	res = runCommand(t, []string{"run", "--daemon"}, false, "", none.setup)
	if res.code != exitConfig || !strings.Contains(res.stderr, "no enabled schedules") {
		t.Fatalf("no schedules: %d %q", res.code, res.stderr)
	}
	res = runCommand(t, []string{"run", "--daemon", "sync"}, false, "", none.setup)
	if res.code != exitUsage {
		t.Fatalf("daemon with a job: %d %q", res.code, res.stderr)
	}
}

func TestRunReportJobWritesReportsAndPostsTheWebhook(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var posted []map[string]any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var v map[string]any
		_ = json.NewDecoder(r.Body).Decode(&v)
		mu.Lock()
		posted = append(posted, v)
		mu.Unlock()
	}))
	defer hook.Close()
	e := newRunEnv(t, "report:\n  webhook: "+hook.URL+"/night\n")
	res := runCommand(t, []string{"run", "report", "--json"}, false, "", e.setup)
	if res.code != exitOK {
		t.Fatalf("run report: %d %q", res.code, res.stderr)
	}
	var results []jobs.Result
	if err := json.Unmarshal([]byte(res.stdout), &results); err != nil || len(results) != 1 {
		t.Fatalf("json %q: %v", res.stdout, err)
	}
	if r := results[0]; r.Job != "report" || r.Done != 1 || r.State != localdb.RunDone {
		t.Errorf("result %+v", r)
	}
	files, _ := filepath.Glob(filepath.Join(e.dir, "data", "reports", "report-*"))
	var exts []string
	for _, f := range files {
		exts = append(exts, filepath.Ext(f))
	}
	slices.Sort(exts)
	if !slices.Equal(exts, []string{".html", ".json", ".md"}) {
		t.Errorf("reports written: %v", files)
	}
	mu.Lock()
	if len(posted) != 1 || posted[0]["event"] != "run.finished" || posted[0]["report"] == nil {
		t.Errorf("webhook got %v", posted)
	}
	mu.Unlock()

	// The report command: to stdout, to a file, and refusing bad flags.
	res = runCommand(t, []string{"report", "--format", "html", "--out", "-", "--since", "2d"}, false, "", e.setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "<svg") || !strings.Contains(res.stdout, "report") {
		t.Errorf("report html: %d %q", res.code, res.stderr)
	}
	res = runCommand(t, []string{"report", "--format", "json", "--out", "-"}, false, "", e.setup)
	var rep map[string]any
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &rep) != nil || rep["runs"] == nil {
		t.Errorf("report json: %d %q", res.code, res.stdout)
	}
	res = runCommand(t, []string{"report"}, false, "", e.setup)
	if path := strings.TrimSpace(res.stdout); res.code != exitOK || !strings.HasSuffix(path, ".md") {
		t.Errorf("report default: %d %q %q", res.code, res.stdout, res.stderr)
	} else if data, err := os.ReadFile(path); err != nil || !strings.Contains(string(data), "# sellerops morning report") {
		t.Errorf("report file %s: %v", path, err)
	}
	for _, args := range [][]string{{"report", "--format", "pdf"}, {"report", "--since", "yesterday"}} {
		if res := runCommand(t, args, false, "", e.setup); res.code != exitUsage {
			t.Errorf("%v: %d %q", args, res.code, res.stderr)
		}
	}
}

func TestRunLockedJobExits13NamingThePID(t *testing.T) {
	t.Parallel()
	e := newRunEnv(t, "")
	unlock, err := jobs.Lock(filepath.Join(e.dir, "data", "locks"), "report")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	res := runCommand(t, []string{"run", "report"}, false, "", e.setup)
	if res.code != exitAlreadyRunning {
		t.Fatalf("code %d, want 13: %q", res.code, res.stderr)
	}
	for _, want := range []string{"already running", strconv.Itoa(os.Getpid()), "report.lock"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr lacks %q: %q", want, res.stderr)
		}
	}
}

// trackEnv starts a sandbox whose carrier APIs answer with the given faults
// and returns an environment whose config and secrets point at it, with
// every shipped sandbox parcel stored as an open parcel to re-track.
func trackEnv(t *testing.T, faults string, orders int) (*runEnv, *sandbox.Sandbox, []string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 5, Orders: orders, Faults: faults})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Close() })
	var cfg strings.Builder
	cfg.WriteString("carriers:\n")
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		fmt.Fprintf(&cfg, "  %s:\n    api_base_url: %s\n    rate_per_second: 200\n", c, sb.URL(c))
	}
	e := newRunEnv(t, cfg.String())
	for _, c := range []string{"ups", "fedex", "usps"} {
		a := sb.Account(c)
		e.env[secrets.EnvName(secrets.CarrierKey(c, "client_id"))] = a.ClientID
		e.env[secrets.EnvName(secrets.CarrierKey(c, "client_secret"))] = a.ClientSecret
	}
	e.env[secrets.EnvName(secrets.CarrierKey("dhl", "api_key"))] = sb.Account("dhl").APIKey

	if err := os.MkdirAll(filepath.Dir(e.db), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := localdb.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var nums []string
	for _, p := range sb.World().Parcels {
		if _, _, err := db.EnsureShipment(ctx, localdb.Shipment{Courier: p.Carrier, TrackingNumber: p.TrackingNumber}); err != nil {
			t.Fatal(err)
		}
		nums = append(nums, p.TrackingNumber)
	}
	slices.Sort(nums)
	return e, sb, nums
}

func TestTwoRunsAtOnceOneRunsTheOtherExits13(t *testing.T) {
	t.Parallel()
	e, _, nums := trackEnv(t, "latency=300ms", 12)
	if len(nums) < 8 {
		t.Fatalf("too few parcels: %d", len(nums))
	}
	a, aOut, aErr := e.child(t, "run", "track", "--json")
	b, bOut, bErr := e.child(t, "run", "track", "--json")
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	codeA, codeB := exitOf(t, a.Wait()), exitOf(t, b.Wait())
	codes := []exitCode{codeA, codeB}
	slices.Sort(codes)
	if codes[0] != exitOK || codes[1] != exitAlreadyRunning {
		t.Fatalf("exit codes %d and %d, want 0 and 13\nA: %s\nB: %s", codeA, codeB, aErr, bErr)
	}
	winner, loserErr := aOut, bErr
	if codeA == exitAlreadyRunning {
		winner, loserErr = bOut, aErr
	}
	var results []jobs.Result
	if err := json.Unmarshal(winner.Bytes(), &results); err != nil || len(results) != 1 || results[0].Done != len(nums) {
		t.Fatalf("winner output %q: %v", winner, err)
	}
	if !strings.Contains(loserErr.String(), "already running") || !strings.Contains(loserErr.String(), "track.lock") ||
		!regexpPID.MatchString(loserErr.String()) {
		t.Errorf("loser's message %q names no lock or pid", loserErr)
	}
}

var regexpPID = regexp.MustCompile(`process \d+ holds the lock`)

// finishedLine is the log line the runner writes as an item ends.
type finishedLine struct {
	Msg   string `json:"msg"`
	Job   string `json:"job"`
	Run   int64  `json:"run"`
	Item  string `json:"item"`
	State string `json:"state"`
	Class string `json:"class"`
}

func readFinished(t *testing.T, path string) []finishedLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []finishedLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		var l finishedLine
		if json.Unmarshal(sc.Bytes(), &l) == nil && l.Msg == "item finished" {
			out = append(out, l)
		}
	}
	return out
}

func TestNightlyRunKilledAndResumed(t *testing.T) {
	t.Parallel()
	// Carrier APIs that fail now and then and answer slowly, so that the
	// run is still going when it is killed.
	e, _, nums := trackEnv(t, "latency=150ms,5xx=0.15,429=0.1", 30)
	ctx := context.Background()
	first, _, firstErr := e.child(t, "run", "track", "report")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some items are through but not all.
	deadline := testwait.Deadline(t)
	killed := false
	for time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		if n := len(readFinishedQuiet(e.log)); n >= len(nums)/4 {
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	_ = first.Wait()
	if !killed {
		t.Fatalf("the first run never got going: %s", firstErr)
	}
	db, err := localdb.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	job, err := db.GetJobByName(ctx, "track")
	if err != nil {
		t.Fatal(err)
	}
	run, err := db.LastUnfinishedRun(ctx, job.ID)
	if err != nil {
		t.Fatalf("the killed run is not left unfinished: %v", err)
	}
	before, _ := db.RunItemCounts(ctx, run.ID)
	if before[localdb.ItemDone] == len(nums) {
		t.Fatalf("killed too late: every item was done (%v)", before)
	}

	second, secondOut, secondErr := e.child(t, "run", "track", "report", "--json")
	code := exitOf(t, second.Run())
	if code != exitOK && code != exitSomeFailed {
		t.Fatalf("resume exited %d: %s", code, secondErr)
	}
	var results []jobs.Result
	if err := json.Unmarshal(secondOut.Bytes(), &results); err != nil || len(results) != 2 {
		t.Fatalf("resume output %q: %v", secondOut, err)
	}
	tr := results[0]
	if !tr.Resumed || tr.RunID != run.ID || tr.State == localdb.RunInterrupted || tr.Pending != 0 {
		t.Fatalf("track did not resume the killed run: %+v", tr)
	}

	// None lost: the run's items are exactly the parcels, each ended done or
	// with a recorded failure class.
	items, err := db.ListRunItems(ctx, run.ID)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, it := range items {
		keys = append(keys, strings.TrimPrefix(it.ItemKey, "parcel:"))
		switch it.State {
		case localdb.ItemDone:
		case localdb.ItemFailed, localdb.ItemNeedsHuman:
			if it.FailureClass == "" {
				t.Errorf("item %s ended %s without a class", it.ItemKey, it.State)
			}
		default:
			t.Errorf("item %s left %s", it.ItemKey, it.State)
		}
	}
	slices.Sort(keys)
	if !slices.Equal(keys, nums) {
		t.Fatalf("items %v\nwant parcels %v", keys, nums)
	}
	// None done twice: across both processes each item was finished done
	// at most once.
	doneBy := map[string]int{}
	for _, l := range readFinished(t, e.log) {
		if l.Run == run.ID && l.State == string(localdb.ItemDone) {
			doneBy[l.Item]++
		}
	}
	for k, n := range doneBy {
		if n > 1 {
			t.Errorf("item %s was done %d times", k, n)
		}
	}
	done := 0
	for _, it := range items {
		if it.State == localdb.ItemDone {
			done++
			if doneBy[it.ItemKey] != 1 {
				t.Errorf("item %s is done but was finished done %d times in the log", it.ItemKey, doneBy[it.ItemKey])
			}
		}
	}
	if done < len(nums)/2 {
		t.Errorf("only %d of %d parcels tracked; the faults should not fail most of them", done, len(nums))
	}
	if results[1].Job != "report" || results[1].Done != 1 {
		t.Errorf("report after the resumed run: %+v", results[1])
	}
	t.Logf("killed with %v; resumed run %d: %d done, %d failed, %d items put back", before, run.ID, tr.Done, tr.Failed, tr.Reset)
}

// readFinishedQuiet is readFinished for a log that may not exist yet.
func readFinishedQuiet(path string) []finishedLine {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []finishedLine
	for _, line := range bytes.Split(data, []byte("\n")) {
		var l finishedLine
		if json.Unmarshal(line, &l) == nil && l.Msg == "item finished" {
			out = append(out, l)
		}
	}
	return out
}

func TestRunStoppedBySIGTERMIsRecordedInterruptedAndResumes(t *testing.T) {
	t.Parallel()
	e, _, nums := trackEnv(t, "latency=200ms", 20)
	first, _, firstErr := e.child(t, "run", "track")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	testwait.Until(t, "three parcels looked up", func() bool { return len(readFinishedQuiet(e.log)) >= 3 })
	if err := first.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := exitOf(t, first.Wait()); code != exitInterrupted {
		t.Fatalf("exit %d after SIGTERM, want 130: %s", code, firstErr)
	}
	if !strings.Contains(firstErr.String(), "resumes at the next start") {
		t.Errorf("stderr %q", firstErr)
	}
	ctx := context.Background()
	db, err := localdb.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.ListRuns(ctx, time.Time{})
	if err != nil || len(runs) != 1 || runs[0].State != localdb.RunInterrupted {
		t.Fatalf("runs after SIGTERM: %+v %v", runs, err)
	}
	second, secondOut, secondErr := e.child(t, "run", "track", "--jq", ".[0] | [.resumed, .done, .pending] | @csv")
	if code := exitOf(t, second.Run()); code != exitOK {
		t.Fatalf("resume exit %d: %s", code, secondErr)
	}
	if got, want := strings.TrimSpace(secondOut.String()), fmt.Sprintf("true,%d,0", len(nums)); got != want {
		t.Errorf("resumed run: %s, want %s", got, want)
	}
}
