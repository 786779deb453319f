package marketplace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// crashEnv names the reply step boundary at which the helper process kills
// itself; "none" runs the reply to its end.
const crashEnv = "SELLEROPS_MARKETPLACE_CRASH_AT"

// crashHelper is the test binary acting as a separate sellerops process
// that sends one reply. Its store's secrets come from the environment, as
// on a server without a keyring.
func crashHelper(point string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := localdb.Open(ctx, os.Getenv("SELLEROPS_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer db.Close()
	recipes, err := automations.LoadRecipes("")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	// The child attaches to the test's own browser, as a process pointed at
	// a shared remote browser does: its kill drops the connection, and its
	// browser context goes with it.
	b, err := automations.Launch(ctx, automations.BrowserOptions{Bin: os.Getenv("SELLEROPS_TEST_BROWSER"), Timeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer b.Close()
	thread, _ := strconv.ParseInt(os.Getenv("SELLEROPS_TEST_THREAD"), 10, 64)
	deps := &Deps{DB: db, Browser: b, Recipes: recipes,
		Secrets: &secrets.Chain{Keyring: NewMemorySecrets(), Env: secrets.Env{}},
		Retry:   automations.RetryPolicy{Attempts: 3, Base: 200 * time.Millisecond},
		Hook: func(p string) {
			if p == point {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {} // the signal ends the process
			}
		}}
	res, err := SendReplyResult(ctx, deps, thread, os.Getenv("SELLEROPS_TEST_BODY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runReplyProcess runs the helper and reports whether it was killed, and
// its result when it finished.
// extra is more of its environment, NAME=VALUE.
func runReplyProcess(t *testing.T, e *env, th localdb.Thread, store, body, point string, extra ...string) (killed bool, res ReplyResult) {
	t.Helper()
	acct := e.sb.Account(store)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		crashEnv+"="+point,
		"TMPDIR="+e.dir,
		"SELLEROPS_TEST_DB="+e.deps.DB.Path(),
		"SELLEROPS_TEST_BROWSER="+e.deps.Browser.ControlURL(),
		"SELLEROPS_TEST_THREAD="+strconv.FormatInt(th.ID, 10),
		"SELLEROPS_TEST_BODY="+body,
		secrets.EnvName(secrets.StorePasswordKey(store))+"="+acct.Password,
		secrets.EnvName(secrets.StoreTOTPKey(store))+"="+acct.TOTPSecret,
	)
	cmd.Env = append(cmd.Env, extra...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	began := time.Now()
	err := cmd.Run()
	if testing.Verbose() {
		t.Logf("reply process (crash at %s) ran %s", point, time.Since(began).Round(time.Millisecond))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, ReplyResult{}
		}
		t.Fatalf("reply process (crash at %s) failed: %v\n%s", point, err, errOut.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("reply process said %q: %v", out.String(), err)
	}
	return false, res
}

// TestReplyCrashAtEveryStepSendsExactlyOnce kills the replying process at
// every step boundary, on every marketplace, and runs it again; the site
// then holds exactly one reply per intent and the outbox knows it. The
// points run in groups side by side, each group in a world of its own with
// its one store synced, so that no two replying processes meet in one store.
func TestReplyCrashAtEveryStepSendsExactlyOnce(t *testing.T) {
	t.Parallel()
	plan := map[string][]string{
		"amazon": replyPlan(),
		"ebay":   {"in-flight", "form-filled", "submitted", "confirmed"},
		"tiktok": {"in-flight", "form-filled", "submitted", "confirmed"},
	}
	var runs atomic.Int64
	t.Run("points", func(t *testing.T) {
		for _, store := range Marketplaces {
			// A group's world needs its store synced through the
			// browser, which costs about as much as a few points.
			for _, g := range crashGroups(plan[store], 5) {
				t.Run(store+"/"+g.name(), func(t *testing.T) {
					t.Parallel()
					replyCrashGroup(t, store, g, &runs)
				})
			}
		}
	})
	if n := runs.Load(); n < 15 {
		t.Errorf("only %d crash points were exercised", n)
	}
}

// replyCrashGroup runs the crash points of g on one store, in a world of
// their own.
func replyCrashGroup(t *testing.T, store string, g crashGroup, runs *atomic.Int64) {
	began := time.Now()
	e := newEnv(t, sandbox.Options{}, "")
	ctx := testwait.Context(t)
	e.addStore(t, store)
	if sum, err := SyncStores(ctx, e.deps, nil, nil); err != nil || !sum.Stores[0].OK {
		t.Fatalf("sync %s: %+v %v", store, sum, err)
	}
	if testing.Verbose() {
		t.Logf("%s synced in %s", store, time.Since(began).Round(time.Millisecond))
	}
	// Each point replies in the thread it has when every point of the
	// store runs in one world, one after another: the open threads before
	// it went to the points before it.
	used := map[int64]bool{}
	for range g.first {
		openThread(t, e, store, used)
	}
	for _, point := range g.points {
		th := openThread(t, e, store, used)
		body := fmt.Sprintf("Hello %s, we are on it (%s).", th.BuyerName, point)
		killed, _ := runReplyProcess(t, e, th, store, body, point)
		if !killed {
			t.Errorf("%s: the process never reached %s", store, point)
		}
		_, res := runReplyProcess(t, e, th, store, body, "none")
		runs.Add(1)
		key := ReplyKey(th.ID, body)
		replies := e.sb.State().Replies[th.MarketplaceThreadID]
		if len(replies) != 1 || replies[0].Ref != key {
			t.Errorf("%s killed at %s: the site holds %d replies %+v, want exactly one with ref %s", store, point, len(replies), replies, key)
		}
		intent, err := e.deps.DB.GetIntent(ctx, key)
		if err != nil || intent.State != localdb.OutboxDone {
			t.Errorf("%s killed at %s: outbox %+v %v", store, point, intent, err)
		}
		t.Logf("%s killed at %-14s rerun: already sent %v, recovered %v, attempts %d", store, point, res.AlreadySent, res.Recovered, res.Attempts)
	}
}

// crashGroup is a run of consecutive crash points of one store's plan;
// first is the index of its first point in the plan.
type crashGroup struct {
	first  int
	points []string
}

func (g crashGroup) name() string { return strings.Join(g.points, "+") }

// crashGroups cuts a plan into groups of at most size points, of sizes as
// even as can be, every point in exactly one group, in order. Each point
// takes two processes that sign in and reply, a few seconds; each group
// costs a world of its own.
func crashGroups(plan []string, size int) []crashGroup {
	n := (len(plan) + size - 1) / size
	var out []crashGroup
	for i := range n {
		lo, hi := i*len(plan)/n, (i+1)*len(plan)/n
		out = append(out, crashGroup{first: lo, points: plan[lo:hi]})
	}
	return out
}

// replyPlan is every reply step boundary, or the one named by
// SELLEROPS_TEST_CRASH_ONLY when debugging one.
func replyPlan() []string {
	if p := os.Getenv("SELLEROPS_TEST_CRASH_ONLY"); p != "" {
		return []string{p}
	}
	return ReplyPoints
}
