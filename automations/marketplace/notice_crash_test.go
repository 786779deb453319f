package marketplace

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/worldseed"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// noticeCrashEnv names the step boundary at which the notice helper
// process kills itself; "none" sends to the end.
const noticeCrashEnv = "SELLEROPS_NOTICE_CRASH_AT"

// NoticePoints are the boundaries a notice passes: the decision recorded
// (before the outbox holds anything), then a reply's steps up to the
// outbox saying done.
var noticePoints = []string{"decided", "intent-written", "session-ready", "checked", "in-flight", "form-filled", "submitted", "confirmed", "marked-done"}

// noticeCrashHelper is the test binary acting as a separate sellerops
// process that proposes the notices at the sandbox's time and sends the
// one of a parcel, as `sellerops notices send PARCEL` does.
func noticeCrashHelper(point string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	now, err := time.Parse(time.RFC3339Nano, os.Getenv("SELLEROPS_TEST_NOW"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	db, err := localdb.Open(ctx, os.Getenv("SELLEROPS_TEST_DB"), localdb.WithClock(func() time.Time { return now }))
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
	b, err := automations.Launch(ctx, automations.BrowserOptions{Bin: os.Getenv("SELLEROPS_TEST_BROWSER"), Timeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer b.Close()
	kill := func(p string) {
		if p == point {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {} // the signal ends the process
		}
	}
	deps := &Deps{DB: db, Browser: b, Recipes: recipes, Now: func() time.Time { return now },
		Secrets: &secrets.Chain{Keyring: NewMemorySecrets(), Env: secrets.Env{}},
		Retry:   automations.RetryPolicy{Attempts: 3, Base: 200 * time.Millisecond},
		Hook:    kill}
	props, err := notices.Propose(ctx, notices.Deps{DB: db}, now)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	p, err := notices.Find(props, os.Getenv("SELLEROPS_TEST_PARCEL"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	res, err := notices.Send(ctx, db, hookedSender{NoticeSender{Deps: deps}, kill}, p)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// hookedSender passes "decided" once notices.Send has recorded the
// decision and before the outbox holds the intent.
type hookedSender struct {
	NoticeSender
	hook func(string)
}

func (h hookedSender) SendNotice(ctx context.Context, m notices.Message) (notices.SendResult, error) {
	h.hook("decided")
	return h.NoticeSender.SendNotice(ctx, m)
}

func runNoticeProcess(t *testing.T, e *env, store, parcel, point string) (killed bool, res notices.SendResult) {
	t.Helper()
	acct := e.sb.Account(store)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(),
		noticeCrashEnv+"="+point,
		"TMPDIR="+e.dir,
		"SELLEROPS_TEST_DB="+e.deps.DB.Path(),
		"SELLEROPS_TEST_BROWSER="+e.deps.Browser.ControlURL(),
		"SELLEROPS_TEST_NOW="+e.sb.Now().Format(time.RFC3339Nano),
		"SELLEROPS_TEST_PARCEL="+parcel,
		secrets.EnvName(secrets.StorePasswordKey(store))+"="+acct.Password,
		secrets.EnvName(secrets.StoreTOTPKey(store))+"="+acct.TOTPSecret,
	)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	began := time.Now()
	err := cmd.Run()
	if testing.Verbose() {
		t.Logf("notice process (crash at %s) ran %s", point, time.Since(began).Round(time.Millisecond))
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true, notices.SendResult{}
		}
		t.Fatalf("notice process (crash at %s) failed: %v\n%s", point, err, errOut.String())
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("notice process said %q: %v", out.String(), err)
	}
	return false, res
}

// TestNoticeCrashAtEveryStepSendsExactlyOnce kills the process sending a
// delay notice at every step boundary, between the decision stored and the
// notice confirmed, on every marketplace, and runs it again: the site then
// holds exactly one notice for the parcel, under the key parcel + event,
// and the outbox and the decision both say sent. The points run in groups
// side by side, each group in a world of its own with its one store.
func TestNoticeCrashAtEveryStepSendsExactlyOnce(t *testing.T) {
	t.Parallel()
	plan := map[string][]string{
		"amazon": noticePoints,
		"ebay":   {"decided", "in-flight", "submitted", "confirmed"},
		"tiktok": {"decided", "in-flight", "submitted", "confirmed"},
	}
	var runs atomic.Int64
	t.Run("points", func(t *testing.T) {
		for _, store := range Marketplaces {
			// A group's world is stored without the browser, in
			// less time than a point takes.
			for _, g := range crashGroups(plan[store], 3) {
				t.Run(store+"/"+g.name(), func(t *testing.T) {
					t.Parallel()
					noticeCrashGroup(t, store, len(plan[store]), g, &runs)
				})
			}
		}
	})
	if n := runs.Load(); n < 15 {
		t.Errorf("only %d crash points were exercised", n)
	}
}

// noticeCrashGroup runs the crash points of g on one store, in a world of
// their own; the store's plan has planLen points.
func noticeCrashGroup(t *testing.T, store string, planLen int, g crashGroup, runs *atomic.Int64) {
	began := time.Now()
	e := newEnv(t, sandbox.Options{Orders: 400}, "")
	ctx := testwait.Context(t)
	e.addStore(t, store)
	silent, err := worldseed.Orders(ctx, e.deps.DB, e.sb, store, store, worldseed.Silent(e.sb))
	if err != nil {
		t.Fatal(err)
	}
	if len(silent) < planLen {
		t.Fatalf("%s: the world has %d silent stalled parcels, want %d", store, len(silent), planLen)
	}
	if testing.Verbose() {
		t.Logf("%s: world of %d silent stalled parcels ready in %s", store, len(silent), time.Since(began).Round(time.Millisecond))
	}
	for i, point := range g.points {
		// The parcel of the point's place in the whole plan, as when every
		// point of the store runs in one world.
		o := silent[g.first+i]
		killed, _ := runNoticeProcess(t, e, store, o.TrackingNumber, point)
		if !killed {
			t.Errorf("%s: the process never reached %s", store, point)
		}
		_, res := runNoticeProcess(t, e, store, o.TrackingNumber, "none")
		runs.Add(1)
		got := e.sb.State().Notices[o.TrackingNumber]
		ns, err := e.deps.DB.ListNotices(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var n localdb.Notice
		for _, x := range ns {
			if x.OrderID != 0 {
				if ord, _ := e.deps.DB.GetOrder(ctx, x.OrderID); ord.MarketplaceOrderID == o.ID {
					n = x
				}
			}
		}
		if len(got) != 1 || n.Key == "" || got[0].Ref != n.Key {
			t.Errorf("%s killed at %s: the site holds %d notices %+v for %s, want exactly one with ref %s", store, point, len(got), got, o.TrackingNumber, n.Key)
			continue
		}
		intent, err := e.deps.DB.GetIntent(ctx, n.Key)
		if err != nil || intent.State != localdb.OutboxDone || n.State != localdb.NoticeSent {
			t.Errorf("%s killed at %s: outbox %+v %v, decision %s", store, point, intent, err, n.State)
		}
		t.Logf("%s killed at %-14s rerun: already sent %v, recovered %v, via %s", store, point, res.AlreadySent, res.Recovered, res.Channel)
	}
}
