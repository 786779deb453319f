package filing

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// The kill test re-runs this test binary as a filing process. These
// variables tell the child what to do.
const (
	envChild    = "SELLEROPS_CLAIMS_CHILD"    // "1" makes the binary a filing process
	envDB       = "SELLEROPS_CLAIMS_DB"       // database file
	envClaim    = "SELLEROPS_CLAIMS_ID"       // claim to file
	envKillAt   = "SELLEROPS_CLAIMS_KILL_AT"  // checkpoint at which to die; "" runs to the end
	envKillMode = "SELLEROPS_CLAIMS_KILL_BY"  // "self": SIGKILL itself; "parent": report and wait to be killed
	envPortals  = "SELLEROPS_CLAIMS_PORTALS"  // JSON map of carrier to Portal
	envProfile  = "SELLEROPS_CLAIMS_PROFILE"  // browser profile folder
	envDeadline = "SELLEROPS_CLAIMS_DEADLINE" // the parent test's deadline, RFC 3339; the child gives up then
)

func TestMain(m *testing.M) {
	if os.Getenv(envChild) == "1" {
		os.Exit(runChild())
	}
	code := m.Run()
	_ = automations.CloseAll()
	os.Exit(code)
}

// runChild files one claim and reports on stdout; at the kill point it
// dies without any cleanup, as a crash or a power cut would.
func runChild() int {
	deadline, err := time.Parse(time.RFC3339Nano, os.Getenv(envDeadline))
	if err != nil {
		deadline = time.Now().Add(2 * time.Minute)
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	fail := func(err error) int {
		fmt.Printf("ERR %v\n", err)
		return 3
	}
	db, err := localdb.Open(ctx, os.Getenv(envDB))
	if err != nil {
		return fail(err)
	}
	defer db.Close()
	id, err := strconv.ParseInt(os.Getenv(envClaim), 10, 64)
	if err != nil {
		return fail(err)
	}
	var portals map[string]claims.Portal
	if err := json.Unmarshal([]byte(os.Getenv(envPortals)), &portals); err != nil {
		return fail(err)
	}
	killAt, mode := os.Getenv(envKillAt), os.Getenv(envKillMode)
	var browser *automations.Browser
	deps := Deps{
		Deps:    claims.Deps{DB: db, Config: config.Defaults()},
		Secrets: secrets.Env{},
		Portals: portals,
		Browser: func(ctx context.Context) (*automations.Browser, error) {
			if browser == nil {
				b, err := automations.Launch(ctx, automations.BrowserOptions{UserDataDir: os.Getenv(envProfile), Timeout: time.Minute})
				if err != nil {
					return nil, err
				}
				browser = b
			}
			return browser, nil
		},
		StepTimeout: 20 * time.Second,
		Retry:       automations.RetryPolicy{Attempts: 3, Base: 200 * time.Millisecond, Max: time.Second},
		Checkpoint: func(point string) {
			if point != killAt {
				return
			}
			if mode == "parent" {
				fmt.Printf("AT %s\n", point)
				_ = os.Stdout.Sync()
				select {} // the parent kills us here
			}
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		},
	}
	f := NewFiler(deps, false)
	res, err := f.File(ctx, id, nil)
	_ = f.Close()
	if browser != nil {
		_ = browser.Close()
	}
	if err != nil {
		return fail(err)
	}
	out, _ := json.Marshal(res)
	fmt.Printf("RESULT %s\n", out)
	return 0
}

// childRun is how one filing process ended.
type childRun struct {
	killed bool
	result *Result
	output string
}

func runFiler(t *testing.T, dbPath string, claimID int64, portals map[string]claims.Portal, sb *sandbox.Sandbox, killAt, mode string) childRun {
	t.Helper()
	pj, _ := json.Marshal(portals)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	env := append(os.Environ(), envChild+"=1", envDB+"="+dbPath, envClaim+"="+strconv.FormatInt(claimID, 10),
		envKillAt+"="+killAt, envKillMode+"="+mode, envPortals+"="+string(pj), envProfile+"="+filepath.Join(t.TempDir(), "profile"),
		envDeadline+"="+testwait.Deadline(t).Format(time.RFC3339Nano))
	for _, c := range sandbox.Carriers {
		a := sb.Account(c)
		env = append(env, secrets.EnvName(claims.PortalUsernameKey(c))+"="+a.Username, secrets.EnvName(claims.PortalPasswordKey(c))+"="+a.Password)
	}
	cmd.Env = env
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	var res *Result
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		out.WriteString(line + "\n")
		if strings.HasPrefix(line, "AT ") && mode == "parent" {
			_ = cmd.Process.Kill() // SIGKILL, from outside
		}
		if rest, ok := strings.CutPrefix(line, "RESULT "); ok {
			var r Result
			if err := json.Unmarshal([]byte(rest), &r); err == nil {
				res = &r
			}
		}
	}
	err = cmd.Wait()
	run := childRun{result: res, output: out.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			run.killed = true
		}
	}
	return run
}

// killCase is one parcel's story: its filing is killed at each point in
// turn (each time by a new process), then run to the end.
type killCase struct {
	kills  []string
	by     string // "self" or "parent"
	photos bool   // a damage claim, so that photo uploads are in the form
	// want says how the final run ends: "filed", "adopted", "already" or
	// "" when either filed or adopted is right (the kill raced the click).
	want string
}

// TestKillFilingAnywhere kills the filing process at every checkpoint of
// the flow (and a few in a row), each time followed by a rerun, and checks
// that the portal then holds exactly one claim per parcel and that the
// database knows every confirmation number.
func TestKillFilingAnywhere(t *testing.T) {
	t.Parallel()
	cases := []killCase{
		{kills: []string{"lock.taken"}, want: "filed"},
		{kills: []string{"intent.before"}, want: "filed"},
		{kills: []string{"intent.written"}, want: "filed"},
		{kills: []string{"claim.filing"}, want: "filed"},
		{kills: []string{"portal.ready"}, want: "filed"},
		{kills: []string{"portal.searched"}, want: "filed"},
		{kills: []string{"intent.in_flight"}, want: "filed"},
		{kills: []string{"form.opened"}, want: "filed"},
		{kills: []string{"form.parcel.filled"}, want: "filed"},
		{kills: []string{"form.parcel.sent"}, want: "filed"},
		{kills: []string{"form.details.filled"}, want: "filed"},
		{kills: []string{"form.details.sent"}, want: "filed"},
		{kills: []string{"form.photos.set"}, photos: true, want: "filed"},
		{kills: []string{"form.invoice.set"}, photos: true, want: "filed"},
		{kills: []string{"form.documents.sent"}, photos: true, want: "filed"},
		{kills: []string{"form.confirm.open"}, want: "filed"},
		{kills: []string{"form.submitted"}},
		{kills: []string{"confirmation.shown"}, want: "adopted"},
		{kills: []string{"confirmation.read"}, want: "adopted"},
		{kills: []string{"claim.recorded"}, want: "already"},
		{kills: []string{"intent.done"}, want: "already"},
		// Killed again while recovering from the first kill.
		{kills: []string{"form.details.sent", "intent.recovered"}, want: "filed"},
		{kills: []string{"confirmation.read", "intent.recovered", "portal.searched"}, want: "adopted"},
		{kills: []string{"form.confirm.open", "form.submitted", "claim.filing"}},
		// Killed from outside, as by the OOM killer or kill -9.
		{kills: []string{"form.documents.sent"}, by: "parent", photos: true, want: "filed"},
		{kills: []string{"confirmation.read"}, by: "parent", want: "adopted"},
	}
	distinct := map[string]bool{}
	for _, c := range cases {
		for _, k := range c.kills {
			distinct[k] = true
		}
	}
	if len(distinct) < 20 {
		t.Fatalf("the cases kill at %d distinct points; the test needs at least 20", len(distinct))
	}
	for k := range distinct {
		known := false
		for _, p := range FilingPoints {
			known = known || p == k
		}
		if !known {
			t.Fatalf("kill point %q is not one of FilingPoints", k)
		}
	}
	testBrowser(t) // fail early and loudly without Chromium

	ctx := context.Background()
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 21})
	db := claimtest.OpenDB(t)
	lostParcels := claimtest.PickParcels(sb, 8, nil, sandbox.ParcelLost, sandbox.ParcelStalled)
	damaged := claimtest.PickParcels(sb, 2, func(p *sandbox.Parcel) bool { return claimtest.DamageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged)
	claimtest.SeedParcels(t, db, sb, append(append([]*sandbox.Parcel{}, lostParcels...), damaged...), t.TempDir())
	deps := claims.Deps{DB: db, Now: sb.Now}
	claimOf := map[int]int64{}
	parcelOf := map[int]*sandbox.Parcel{}
	li, di := 0, 0
	for i, c := range cases {
		var p *sandbox.Parcel
		if c.photos {
			p, di = damaged[di], di+1
		} else {
			p, li = lostParcels[li], li+1
		}
		d, err := claims.Draft(ctx, deps, p.TrackingNumber, "")
		if err != nil {
			t.Fatalf("draft %s: %v", p.TrackingNumber, err)
		}
		if c.photos && (d.Kind != localdb.ClaimDamaged || len(d.Evidence) < 3) {
			t.Fatalf("case %d wants a damage claim with photos, got %s with %d evidence", i, d.Kind, len(d.Evidence))
		}
		claimOf[i], parcelOf[i] = d.ID, p
	}
	portals := sandboxPortals(sb)

	// The cases file different parcels' claims, each under its own claim
	// lock, so they run side by side against the one portal and database.
	var mu sync.Mutex
	kills := 0
	t.Run("cases", func(t *testing.T) {
		for i, c := range cases {
			t.Run(fmt.Sprintf("%02d-%s", i, strings.Join(c.kills, "+")), func(t *testing.T) {
				t.Parallel()
				by := c.by
				if by == "" {
					by = "self"
				}
				p := parcelOf[i]
				for _, point := range c.kills {
					run := runFiler(t, db.Path(), claimOf[i], portals, sb, point, by)
					if !run.killed {
						t.Errorf("case %d (%s): the process was not killed at %s; it said:\n%s", i, p.TrackingNumber, point, run.output)
						return
					}
					mu.Lock()
					kills++
					mu.Unlock()
				}
				run := runFiler(t, db.Path(), claimOf[i], portals, sb, "", by)
				if run.killed || run.result == nil {
					t.Errorf("case %d (%s, killed at %v): the rerun did not finish: %s", i, p.TrackingNumber, c.kills, run.output)
					return
				}
				r := run.result
				got := "filed"
				switch {
				case r.AlreadyFiled:
					got = "already"
				case r.Adopted:
					got = "adopted"
				}
				if c.want != "" && got != c.want {
					t.Errorf("case %d (%s, killed at %v): the rerun %s the claim, want %s", i, p.TrackingNumber, c.kills, got, c.want)
				}
				if c.want == "" && got == "already" {
					t.Errorf("case %d (%s, killed at %v): the rerun found the claim already recorded", i, p.TrackingNumber, c.kills)
				}
			})
		}
	})
	if t.Failed() {
		return
	}
	t.Logf("%d kills at %d distinct points across %d parcels, each followed by a rerun", kills, len(distinct), len(cases))

	state := sb.State()
	for i := range cases {
		p := parcelOf[i]
		portal := state.Claims[p.TrackingNumber]
		if len(portal) != 1 {
			t.Errorf("case %d: the portal holds %d claims for %s, want exactly one", i, len(portal), p.TrackingNumber)
			continue
		}
		c, err := db.GetClaim(ctx, claimOf[i])
		if err != nil {
			t.Fatal(err)
		}
		if c.ConfirmationNumber != portal[0].Number || c.State != localdb.ClaimSubmitted {
			t.Errorf("case %d (%s, killed at %v): the database has %q (%s), the portal %s", i, p.TrackingNumber, cases[i].kills,
				c.ConfirmationNumber, c.State, portal[0].Number)
		}
		ship, _ := db.GetShipment(ctx, c.ShipmentID)
		e, err := db.GetIntent(ctx, IdempotencyKey(c, ship.Courier, ship.TrackingNumber))
		if err != nil || e.State != localdb.OutboxDone || !strings.Contains(string(e.Result), portal[0].Number) {
			t.Errorf("case %d: outbox %+v, %v", i, e, err)
		}
	}
	// Nothing is left in flight or unchecked.
	if left, err := db.ListUnfinished(ctx, localdb.OutboxClaim); err != nil || len(left) != 0 {
		t.Errorf("unfinished intents after the reruns: %+v, %v", left, err)
	}
}
