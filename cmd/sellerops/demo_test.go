package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

func TestDashboardNeedsATerminal(t *testing.T) {
	t.Parallel()
	res := runCommand(t, nil, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "needs a terminal") {
		t.Fatalf("code %d stderr %q", res.code, res.stderr)
	}
}

// TestDemoNoTUI runs the demo's first pass on its own folder, then goes on
// from it with --keep (nothing new to store, the sandbox's state read back),
// then starts a clean world again.
func TestDemoNoTUI(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "demo")
	db := filepath.Join(dir, "demo.db")
	var first demoSummary
	res := runCommand(t, []string{"--db", db, "demo", "--no-tui", "--json", "--orders", "25", "--drafts", "2"}, false, "")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if err := json.Unmarshal([]byte(res.stdout), &first); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	// Three site stores, the SP-API store and, Dovecot being installed for
	// the tests, the email store.
	if first.Database != db || first.Stores != 5 || first.SyncFailed != 0 || !strings.HasPrefix(first.Mail, "email store demo-mail: ") {
		t.Fatalf("stores: %+v", first)
	}
	if first.NewThreads == 0 || first.NewMessages < first.NewThreads {
		t.Fatalf("sync stored nothing: %+v", first)
	}
	// The demo's API store: orders through the SP-API stand-in, buyer
	// messages through no channel (Amazon's API has none).
	ls := runCommand(t, []string{"--db", db, "stores", "list", "--json"}, false, "")
	var listed []storeListing
	if err := json.Unmarshal([]byte(ls.stdout), &listed); err != nil {
		t.Fatalf("stores list: %v\n%s", err, ls.stdout)
	}
	found := false
	for _, l := range listed {
		if l.Name == demoAPIStore {
			found = l.Channels.Orders == "api" && l.Channels.ReadMessages == "none" && l.Demo && !l.LastSyncAt.IsZero()
		}
	}
	if !found {
		t.Errorf("no synced demo API store with orders through the API: %s", ls.stdout)
	}
	if first.Parcels == 0 || first.Tracked == 0 {
		t.Fatalf("tracking: %d parcels, %d tracked, %d failed", first.Parcels, first.Tracked, first.TrackFailed)
	}
	checkDemoTracking(t, db, first)
	if len(first.Candidates) == 0 || first.Drafts == 0 || first.Drafts > 2 {
		t.Fatalf("claims: %d candidates, %d drafted", len(first.Candidates), first.Drafts)
	}
	if first.Sites["control"] == "" || first.Sites["amazon"] == "" {
		t.Fatalf("sites: %+v", first.Sites)
	}
	// Everything the demo wrote is in its folder.
	for _, name := range []string{"demo.db", "sandbox.json", "logs"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the demo's folder lacks %s: %v", name, err)
		}
	}
	var saved sandbox.Saved
	if b, err := os.ReadFile(filepath.Join(dir, "sandbox.json")); err != nil || json.Unmarshal(b, &saved) != nil || saved.Seed != 1 || saved.Orders != 25 {
		t.Fatalf("sandbox state not saved: %+v %v", saved, err)
	}

	run := func(args ...string) demoSummary {
		t.Helper()
		res := runCommand(t, append([]string{"--db", db, "demo", "--no-tui", "--json", "--drafts", "0"}, args...), false, "")
		if res.code != exitOK {
			t.Fatalf("demo %v: exit %d: %s", args, res.code, res.stderr)
		}
		var s demoSummary
		if err := json.Unmarshal([]byte(res.stdout), &s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	// --keep goes on from the kept world: its size comes from the saved
	// state (no --orders given), and nothing is new.
	if kept := run("--keep"); kept.NewThreads != 0 || kept.NewMessages != 0 || kept.Stores != 5 {
		t.Fatalf("a kept demo stored %d threads and %d messages again (%d stores)", kept.NewThreads, kept.NewMessages, kept.Stores)
	}
	var again sandbox.Saved
	if b, err := os.ReadFile(filepath.Join(dir, "sandbox.json")); err != nil || json.Unmarshal(b, &again) != nil || !again.Start.Equal(saved.Start) {
		t.Fatalf("the kept run's world started %v, the first's %v (%v)", again.Start, saved.Start, err)
	}
	if res := runCommand(t, []string{"--db", db, "demo", "--no-tui", "--keep", "--seed", "9"}, false, ""); res.code != exitUsage || !strings.Contains(res.stderr, "--seed with --keep") {
		t.Errorf("--seed against a kept world: exit %d %s", res.code, res.stderr)
	}
	// The data stays for later offline commands.
	res = runCommand(t, []string{"--db", db, "messages", "list", "--json", "--jq", "length"}, false, "")
	if res.code != exitOK || strings.TrimSpace(res.stdout) == "0" {
		t.Fatalf("messages list after the demo: code %d out %q err %q", res.code, res.stdout, res.stderr)
	}
	// The delay notices the summary counts are the ones `notices list` shows.
	res = runCommand(t, []string{"--db", db, "notices", "list", "--json", "--jq", "length"}, false, "")
	if res.code != exitOK || strings.TrimSpace(res.stdout) != strconv.Itoa(first.Notices) {
		t.Fatalf("notices list after the demo: code %d out %q, the summary said %d (%s)", res.code, res.stdout, first.Notices, res.stderr)
	}
	// Without --keep the world starts clean.
	if clean := run("--orders", "25"); clean.NewThreads != first.NewThreads {
		t.Fatalf("a clean demo stored %d new threads, want %d as the first run", clean.NewThreads, first.NewThreads)
	}
}

// Without Dovecot the demo says so and goes on with the site stores.
func TestDemoNoTUIWithoutDovecot(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "demo", "demo.db")
	missing := filepath.Join(t.TempDir(), "no-dovecot")
	res := runCommand(t, []string{"--db", db, "demo", "--no-tui", "--json", "--orders", "25", "--drafts", "0"}, false, "", func(f *factory) {
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			if k == "DOVECOT" {
				return missing
			}
			return getenv(k)
		}
	})
	var without demoSummary
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &without) != nil {
		t.Fatalf("demo without Dovecot: exit %d %s", res.code, res.stderr)
	}
	if without.Stores != 4 || without.SyncFailed != 0 || !strings.HasPrefix(without.Mail, "no email store in this demo: DOVECOT=") {
		t.Errorf("demo without Dovecot: %d stores, %d failed, mail %q", without.Stores, without.SyncFailed, without.Mail)
	}
}

// checkDemoTracking holds the summary of a first demo run against its
// database: a fresh database has no final parcel before the track job, so
// every stored parcel is one the job took on, each was looked up (it has a
// check time), and the lookups that failed are those stored with a failure
// class.
func checkDemoTracking(t *testing.T, dbPath string, sum demoSummary) {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	list, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		t.Fatal(err)
	}
	checked, failed := 0, 0
	for _, s := range list {
		if !s.CheckedAt.IsZero() {
			checked++
		}
		if s.ErrorClass != "" {
			failed++
		}
	}
	if sum.Parcels != len(list) || sum.NotFinal != len(list) {
		t.Errorf("summary: %d parcels, %d not final; the database holds %d parcels, none tracked before", sum.Parcels, sum.NotFinal, len(list))
	}
	if checked != len(list) || sum.Tracked+sum.TrackFailed != len(list) || sum.TrackFailed != failed {
		t.Errorf("summary: %d tracked and %d failed of %d; the database has %d parcels looked up, %d with a failure",
			sum.Tracked, sum.TrackFailed, sum.NotFinal, checked, failed)
	}
}

// The demo never writes beside the user's own database, and never empties a
// folder it did not make.
func TestDemoStaysInItsOwnFolder(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	res := runCommand(t, []string{"stores", "add", "mine", "--marketplace", "ebay", "--username", "me", "--password-stdin"}, false, "pw\n", setup)
	if res.code != exitOK {
		t.Fatalf("stores add: exit %d %s", res.code, res.stderr)
	}
	userDir := filepath.Join(dir, "data")
	before := listTree(t, userDir)
	res = runCommand(t, []string{"demo", "--no-tui", "--orders", "10", "--drafts", "0"}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("demo: exit %d %s", res.code, res.stderr)
	}
	after := listTree(t, userDir)
	made := false
	for p := range after {
		made = made || strings.HasPrefix(p, filepath.Join("sellerops", "demo"))
	}
	if !made {
		t.Errorf("the demo wrote nothing under sellerops/demo in the data dir %s", userDir)
	}
	for p, sum := range after {
		inDemo := strings.HasPrefix(p, filepath.Join("sellerops", "demo"))
		switch {
		case before[p] == "" && !inDemo:
			t.Errorf("the demo wrote %s outside its own folder", p)
		case before[p] != "" && before[p] != sum:
			// The user's database (and its journal) byte for byte.
			t.Errorf("the demo changed the user's %s", p)
		}
	}
	for p := range before {
		if after[p] == "" {
			t.Errorf("the demo removed the user's %s", p)
		}
	}
	res = runCommand(t, []string{"stores", "list", "--json", "--jq", "[.[].name]"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != `["mine"]` {
		t.Errorf("the user's stores after the demo: %s %s", res.stdout, res.stderr)
	}
	// A --db in a folder of other files is refused, and the files stay.
	other := t.TempDir()
	keepMe := filepath.Join(other, "notes.txt")
	if err := os.WriteFile(keepMe, []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"--db", filepath.Join(other, "demo.db"), "demo", "--no-tui"}, false, "", setup)
	if res.code != exitUsage || !strings.Contains(res.stderr, "not an earlier demo") {
		t.Errorf("demo into a folder of other files: exit %d %s", res.code, res.stderr)
	}
	if _, err := os.Stat(keepMe); err != nil {
		t.Errorf("the user's file went: %v", err)
	}
}

// listTree lists the files below dir, relative to it, each with the
// SHA-256 of its content.
func listTree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			out[rel] = fmt.Sprintf("%x", sha256.Sum256(b))
		}
		return nil
	})
	return out
}

func TestDemoRefusesBadFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"demo", "--orders", "0"},
		{"demo", "--json"},
		{"demo", "--no-tui", "--addr", "bogus"},
	} {
		if res := runCommand(t, args, false, ""); res.code != exitUsage {
			t.Errorf("%v: exit %d, stderr %q", args, res.code, res.stderr)
		}
	}
}
