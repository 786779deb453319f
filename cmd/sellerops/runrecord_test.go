package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// recordEnv is a sandbox with one marketplace store and a few parcels, and
// a data folder whose commands share one database and secret store.
type recordEnv struct {
	sb      *sandbox.Sandbox
	dbPath  string
	env     map[string]string
	mem     secrets.Store
	parcels []string
}

func newRecordEnv(t *testing.T) *recordEnv {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Seed: 7, Orders: 12})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	dir := t.TempDir()
	e := &recordEnv{sb: sb, dbPath: filepath.Join(dir, "data", "sellerops.db"), mem: marketplace.NewMemorySecrets()}
	cfgPath := filepath.Join(dir, "config.yaml")
	var cfg strings.Builder
	cfg.WriteString("carriers:\n")
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		fmt.Fprintf(&cfg, "  %s:\n    api_base_url: %s\n    rate_per_second: 200\n", c, sb.URL(c))
	}
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	e.env = map[string]string{
		"SELLEROPS_DB":     e.dbPath,
		"SELLEROPS_CONFIG": cfgPath,
		"SELLEROPS_LOG":    filepath.Join(dir, "data", "logs", "sellerops.log"),
		"XDG_CONFIG_HOME":  filepath.Join(dir, "config"),
		"XDG_DATA_HOME":    filepath.Join(dir, "data"),
	}
	ctx := context.Background()
	set := func(key, value string) {
		if err := e.mem.Set(ctx, key, value); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []string{"ups", "fedex", "usps"} {
		a := sb.Account(c)
		set(secrets.CarrierKey(c, "client_id"), a.ClientID)
		set(secrets.CarrierKey(c, "client_secret"), a.ClientSecret)
	}
	set(secrets.CarrierKey("dhl", "api_key"), sb.Account("dhl").APIKey)

	acct := sb.Account("amazon")
	res := runCommand(t, []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"},
		false, acct.Password+"\n"+acct.TOTPSecret+"\n", e.setup)
	if res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	db := e.open(t)
	for _, p := range sb.World().Parcels {
		if _, _, err := db.EnsureShipment(ctx, localdb.Shipment{Courier: p.Carrier, TrackingNumber: p.TrackingNumber}); err != nil {
			t.Fatal(err)
		}
		e.parcels = append(e.parcels, p.TrackingNumber)
	}
	if len(e.parcels) == 0 {
		t.Fatal("the sandbox world has no parcels")
	}
	return e
}

func (e *recordEnv) setup(f *factory) {
	f.Getenv = func(k string) string { return e.env[k] }
	f.secretsS = e.mem
	f.Now = e.sb.Now
}

func (e *recordEnv) open(t *testing.T) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// checkOneRun asserts that the database holds exactly one run of job, done,
// whose items are exactly want, each ended done.
func checkOneRun(t *testing.T, db *localdb.DB, job string, want []string) {
	t.Helper()
	ctx := context.Background()
	all, err := db.ListJobs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, j := range all {
		if strings.Contains(j.Name, ":") {
			t.Errorf("a job is recorded under a prefixed name %q", j.Name)
		}
	}
	rec, err := db.GetJobByName(ctx, job)
	if err != nil {
		t.Fatalf("job %s: %v", job, err)
	}
	runs, err := db.ListRuns(ctx, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	var mine []localdb.Run
	for _, r := range runs {
		if r.JobID == rec.ID {
			mine = append(mine, r)
		}
	}
	if len(mine) != 1 {
		t.Fatalf("job %s has %d runs, want 1: %+v", job, len(mine), mine)
	}
	if mine[0].State != localdb.RunDone {
		t.Errorf("run of %s ended %s (%s)", job, mine[0].State, mine[0].Error)
	}
	items, err := db.ListRunItems(ctx, mine[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range items {
		got = append(got, it.ItemKey)
		if it.State != localdb.ItemDone {
			t.Errorf("item %s of %s: %s %s %s", it.ItemKey, job, it.State, it.FailureClass, it.Error)
		}
	}
	slices.Sort(got)
	want = slices.Clone(want)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("items of %s:\n got %v\nwant %v", job, got, want)
	}
}

// wantItems lists the items a sync of the store and a track of the parcels
// must leave, from the sandbox's own record of its world.
func (e *recordEnv) wantItems() (sync, track []string) {
	// The store, the walk of its order list, and each visible thread.
	sync = []string{"store:shop", "orders:shop:list"}
	for _, th := range e.sb.World().StoreThreads("amazon") {
		if th.Visible(e.sb.Now()) {
			sync = append(sync, "thread:shop:"+th.ID)
		}
	}
	for _, n := range e.parcels {
		track = append(track, "parcel:"+n)
	}
	return sync, track
}

// TestSyncAndTrackRecordOneRunEachFromEverySurface syncs a store and
// tracks its parcels from the command line and from the dashboard's
// actions: each surface leaves exactly one run of each job, recorded by the
// jobs runner under the job's own name, with one item per store, thread and
// parcel.
func TestSyncAndTrackRecordOneRunEachFromEverySurface(t *testing.T) {
	t.Parallel()
	t.Run("command line", func(t *testing.T) {
		t.Parallel()
		e := newRecordEnv(t)
		if res := runCommand(t, []string{"sync", "--json"}, false, "", e.setup); res.code != exitOK {
			t.Fatalf("sync: %d %s", res.code, res.stderr)
		}
		if res := runCommand(t, []string{"run", "track"}, false, "", e.setup); res.code != exitOK {
			t.Fatalf("run track: %d %s", res.code, res.stderr)
		}
		syncItems, trackItems := e.wantItems()
		db := e.open(t)
		checkOneRun(t, db, "sync", syncItems)
		checkOneRun(t, db, "track", trackItems)
	})
	t.Run("dashboard", func(t *testing.T) {
		t.Parallel()
		e := newRecordEnv(t)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out, errOut bytes.Buffer
		f := newFactory(&ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		e.setup(f)
		defer f.Close()
		a := &dashboardActions{f: f}
		ch, err := a.SyncStores(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		for p := range ch {
			if p.Finished && p.Err != nil {
				t.Fatalf("dashboard sync: %v", p.Err)
			}
		}
		ch, err = a.TrackShipments(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for p := range ch {
			if p.Finished && p.Err != nil {
				t.Fatalf("dashboard track: %v", p.Err)
			}
			if !p.Finished {
				n++
			}
		}
		if n != len(e.parcels) {
			t.Errorf("the dashboard showed %d lookups, want %d", n, len(e.parcels))
		}
		syncItems, trackItems := e.wantItems()
		db := e.open(t)
		checkOneRun(t, db, "sync", syncItems)
		checkOneRun(t, db, "track", trackItems)
	})
}
