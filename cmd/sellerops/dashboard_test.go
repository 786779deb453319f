package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
	"github.com/sellerops/sellerops/tui"
)

// jobRecorder wraps the dashboard's real actions and keeps every report
// each job streamed, so that a test sees how each job ended.
type jobRecorder struct {
	tui.Actions
	mu       sync.Mutex
	finished []tui.Progress // the last report of each finished job
	failed   []tui.Progress // every report of a failed item
	changed  chan struct{}
}

func newJobRecorder(a tui.Actions) *jobRecorder {
	return &jobRecorder{Actions: a, changed: make(chan struct{}, 1)}
}

func (r *jobRecorder) tee(ch <-chan tui.Progress, err error) (<-chan tui.Progress, error) {
	if err != nil {
		r.mu.Lock()
		r.finished = append(r.finished, tui.Progress{Finished: true, Err: err, Line: "did not start: " + err.Error()})
		r.mu.Unlock()
		r.notify()
		return nil, err
	}
	out := make(chan tui.Progress, 64)
	go func() {
		defer close(out)
		for p := range ch {
			r.mu.Lock()
			if p.Err != nil {
				r.failed = append(r.failed, p)
			}
			if p.Finished {
				r.finished = append(r.finished, p)
			}
			r.mu.Unlock()
			r.notify()
			out <- p
		}
	}()
	return out, nil
}

func (r *jobRecorder) notify() {
	select {
	case r.changed <- struct{}{}:
	default:
	}
}

func (r *jobRecorder) SyncStores(ctx context.Context, stores []string) (<-chan tui.Progress, error) {
	return r.tee(r.Actions.SyncStores(ctx, stores))
}

func (r *jobRecorder) TrackShipments(ctx context.Context, ids []int64) (<-chan tui.Progress, error) {
	return r.tee(r.Actions.TrackShipments(ctx, ids))
}

func (r *jobRecorder) FileClaim(ctx context.Context, id int64) (<-chan tui.Progress, error) {
	return r.tee(r.Actions.FileClaim(ctx, id))
}

// waitFinished waits until n jobs have finished and fails the test if any
// job or item failed.
func (r *jobRecorder) waitFinished(t *testing.T, n int, what string) {
	t.Helper()
	deadline := time.NewTimer(time.Until(testwait.Deadline(t)))
	defer deadline.Stop()
	for {
		r.mu.Lock()
		done := len(r.finished)
		fin, fail := append([]tui.Progress(nil), r.finished...), append([]tui.Progress(nil), r.failed...)
		r.mu.Unlock()
		for _, p := range fin {
			if p.Err != nil {
				t.Fatalf("%s: job %q failed: %s (%s)", what, p.Job, p.Line, p.FailureClass)
			}
		}
		if len(fail) > 0 {
			t.Fatalf("%s: items failed: %+v", what, fail)
		}
		if done >= n {
			return
		}
		select {
		case <-r.changed:
		case <-deadline.C:
			t.Fatalf("%s: only %d of %d jobs finished before the test's deadline", what, done, n)
		}
	}
}

// dashboardTerminal is the dashboard's keyboard and screen in a test.
type dashboardTerminal struct {
	t    *testing.T
	keys *io.PipeWriter
	out  *syncBuffer
}

// press writes each key as one read of the terminal, as a person types.
func (d *dashboardTerminal) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		if _, err := d.keys.Write([]byte(k)); err != nil {
			d.t.Fatalf("key %q: %v", k, err)
		}
	}
}

// command runs one line of the command palette.
func (d *dashboardTerminal) command(line string) { d.press(":", line, "\r") }

// waitScreen waits until the screen has shown want.
func (d *dashboardTerminal) waitScreen(want string) {
	d.t.Helper()
	deadline := testwait.Deadline(d.t)
	for !strings.Contains(d.out.String(), want) {
		if time.Now().After(deadline) {
			d.t.Fatalf("the dashboard never showed %q", want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestDashboardSessionRunsBrowserJobsOnOneBrowser opens one dashboard on
// the sandbox and runs, each in the browser, a sync, a re-track, and a
// claim filing one after another, then a sync and a re-track side by side.
// A job's end must not take the browser away from the next one (each
// dashboard job cancels its own context when it ends); the process starts
// one browser and closes it once, at the end. The truth is the sandbox's
// own state (the claim it recorded), the tracking source stored, and the
// log's launch records.
func TestDashboardSessionRunsBrowserJobsOnOneBrowser(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/usr/bin/chromium"); err != nil && os.Getenv(automations.EnvBrowser) == "" {
		t.Fatalf("this test needs Chromium (install the chromium package): %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Filing reads the wall clock, so the sandbox's world starts now.
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 18, Orders: 8, Start: time.Now().UTC().Truncate(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var parcel *sandbox.Parcel
	for _, p := range sb.World().Parcels {
		if p.State == sandbox.ParcelLost && p.Currency == "USD" &&
			claims.ClaimWindow(nil, p.Carrier, claims.Lane{Origin: p.Origin.Country, Destination: p.Destination.Country, Service: p.Service}, localdb.ClaimLost, p.ShipDate, time.Now()).State == claims.WindowOpen {
			parcel = p
			break
		}
	}
	if parcel == nil {
		t.Fatal("the sandbox world (seed 18) has no lost USD parcel with its claim window open")
	}

	dir := t.TempDir()
	keysIn, keys := io.Pipe()
	defer keys.Close()
	screen := &syncBuffer{}
	ios := &ioStreams{In: keysIn, Out: screen, ErrOut: io.Discard, stdinTTY: true, stdoutTTY: true}
	f := newFactory(ios)
	env := map[string]string{
		"SELLEROPS_DB":    filepath.Join(dir, "data", "sellerops.db"),
		"SELLEROPS_LOG":   filepath.Join(dir, "data", "logs", "sellerops.log"),
		"XDG_CONFIG_HOME": filepath.Join(dir, "config"),
	}
	f.Getenv = func(k string) string { return env[k] }
	defer f.Close()

	// Carriers with their web pages and claim portals but no API keys, so
	// that tracking goes through the browser too.
	cfg := config.Defaults()
	cfg.Carriers = map[string]config.Carrier{}
	for _, c := range sandbox.Carriers {
		cfg.Carriers[c] = config.Carrier{Recipe: c + "-sandbox", WebBaseURL: sb.URL(c), PortalURL: sb.URL(c)}
	}
	mem := marketplace.NewMemorySecrets()
	f.cfg = cfg
	f.secretsS = secrets.Tracking{Store: mem, R: f.redactor}
	for _, c := range sandbox.Carriers {
		a := sb.Account(c)
		for key, v := range map[string]string{"portal_username": a.Username, "portal_password": a.Password} {
			if err := mem.Set(ctx, secrets.CarrierKey(c, key), v); err != nil {
				t.Fatal(err)
			}
		}
	}
	db, err := f.DB(ctx)
	if err != nil {
		t.Fatal(err)
	}
	stores := map[string]localdb.Store{}
	for _, m := range []string{"ebay", "amazon"} {
		a := sb.Account(m)
		st, err := marketplace.AddStore(ctx, db, mem, marketplace.StoreSpec{Name: "shop-" + m, Marketplace: m, BaseURL: sb.URL(m),
			Recipe: m + "-sandbox", Username: a.Username, Password: a.Password, TOTPSecret: a.TOTPSecret})
		if err != nil {
			t.Fatal(err)
		}
		stores[m] = st
	}
	// The lost parcel, stored as an earlier look-up left it, and a claim
	// drafted for it.
	value := parcel.DeclaredValue // minor units, as the sandbox keeps them
	o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: stores["ebay"].ID, MarketplaceOrderID: parcel.OrderID, DeclaredValue: value,
		Currency: parcel.Currency, ShipDate: parcel.ShipDate, Carrier: parcel.Carrier, Service: parcel.Service, TrackingNumber: parcel.TrackingNumber,
		Items: []localdb.OrderItem{{Title: sb.World().Order(parcel.OrderID).Item, Quantity: 1, UnitPrice: value}}})
	if err != nil {
		t.Fatal(err)
	}
	r := localdb.TrackResult{Courier: parcel.Carrier, TrackingNumber: parcel.TrackingNumber, OrderID: o.ID, Service: parcel.Service,
		ShipDate: parcel.ShipDate, Source: localdb.SourceAPI, CheckedAt: time.Now().Add(-48 * time.Hour),
		Tag: string(carriers.Exception), Subtag: string(carriers.ExceptionLost)}
	for _, e := range parcel.VisibleEvents(sb.Now()) {
		r.Events = append(r.Events, localdb.TrackingEvent{Time: e.Time, Tag: string(carriers.InTransit), Description: e.Step, RawCode: e.Step})
	}
	ship, _, err := db.SaveTrackResult(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	draft, err := claims.Draft(ctx, claims.Deps{DB: db, Config: cfg, DataDir: filepath.Dir(db.Path())}, parcel.TrackingNumber, localdb.ClaimLost)
	if err != nil {
		t.Fatal(err)
	}

	rec := newJobRecorder(&dashboardActions{f: f})
	opts, err := dashboardOptions(ctx, f, false, rec)
	if err != nil {
		t.Fatal(err)
	}
	// The screen is a buffer, which cannot report a size.
	opts.Width, opts.Height = 160, 48
	done := make(chan error, 1)
	go func() { done <- tui.Run(ctx, opts) }()
	term := &dashboardTerminal{t: t, keys: keys, out: screen}

	term.command("sync shop-ebay")
	start := time.Now()
	rec.waitFinished(t, 1, "sync")
	t.Logf("sync took %s", time.Since(start).Round(time.Millisecond))
	first := f.startedBrowser()
	if first == nil {
		t.Fatal("the sync ran without starting the browser")
	}
	pid := first.PID()
	if th, err := db.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{stores["ebay"].ID}}); err != nil || len(th) == 0 {
		t.Fatalf("after the sync the database holds %d threads of the store (%v)", len(th), err)
	}

	term.command(fmt.Sprintf("track %d", ship.ID))
	rec.waitFinished(t, 2, "track after sync")
	got, err := db.GetShipment(ctx, ship.ID)
	if err != nil || got.Source != localdb.SourceWeb {
		t.Fatalf("after the re-track the parcel's source is %q (%v); want %q, a look-up in the browser", got.Source, err, localdb.SourceWeb)
	}

	term.command("claims")
	term.waitScreen(parcel.TrackingNumber)
	term.press("f")
	term.waitScreen(fmt.Sprintf("File claim %d", draft.ID))
	term.press("y")
	rec.waitFinished(t, 3, "claim filing after track")
	filed := sb.State().Claims[parcel.TrackingNumber]
	if len(filed) != 1 {
		t.Fatalf("the portal holds %d claims for %s, want 1", len(filed), parcel.TrackingNumber)
	}
	c, err := db.GetClaim(ctx, draft.ID)
	if err != nil || c.ConfirmationNumber != filed[0].Number {
		t.Fatalf("claim %d recorded confirmation %q (%v), the portal says %q", draft.ID, c.ConfirmationNumber, err, filed[0].Number)
	}

	// Two browser jobs side by side.
	term.command("sync shop-amazon")
	term.command(fmt.Sprintf("track %d", ship.ID))
	rec.waitFinished(t, 5, "sync and track side by side")

	if now := f.startedBrowser(); now != first || first.PID() != pid {
		t.Fatalf("the jobs did not share one browser: first pid %d, now %v", pid, now)
	}
	term.press("q")
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dashboard: %v", err)
		}
	case <-time.After(time.Until(testwait.Deadline(t))):
		t.Fatal("the dashboard did not close on q")
	}
	f.Close()
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("browser %d still runs after the process closed it", pid)
	}
	log, err := os.ReadFile(env["SELLEROPS_LOG"])
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(log), `"msg":"browser launched"`); n != 1 {
		t.Errorf("the log records %d browser launches in one session, want 1", n)
	}
}
