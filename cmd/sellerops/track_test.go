package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// trackSandbox starts a sandbox and writes a config that sends ups, fedex
// and usps to its tracking pages and dhl to its API.
func trackSandbox(t *testing.T, faults string) (*sandbox.Sandbox, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 11, Orders: 40, Faults: faults})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Close() })
	cfg := fmt.Sprintf(`carriers:
  ups:
    recipe: ups-sandbox
    web_base_url: %s
  fedex:
    recipe: fedex-sandbox
    web_base_url: %s
  usps:
    recipe: usps-sandbox
    web_base_url: %s
  dhl:
    api_base_url: %s
    rate_per_second: 100
`, sb.URL("ups"), sb.URL("fedex"), sb.URL("usps"), sb.URL("dhl"))
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return sb, path
}

// withTrackEnv points the command at the config, a shared database and an
// environment-only secret store that holds the sandbox's DHL key.
func withTrackEnv(sb *sandbox.Sandbox, cfgPath, dbPath string) func(*factory) {
	return func(f *factory) {
		// Flags are bound when the command tree is built, so the paths go
		// through the environment the factory reads.
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			switch {
			case k == "SELLEROPS_CONFIG":
				return cfgPath
			case k == "SELLEROPS_DB" && dbPath != "":
				return dbPath
			}
			return getenv(k)
		}
		env := secrets.Env{Lookup: func(name string) (string, bool) {
			if name == secrets.EnvName(secrets.CarrierKey("dhl", "api_key")) {
				return sb.Account("dhl").APIKey, true
			}
			return "", false
		}}
		f.secretsS = &secrets.Chain{Keyring: env, Env: env}
	}
}

func sandboxNumber(t *testing.T, sb *sandbox.Sandbox, carrier string, skip int) string {
	t.Helper()
	var list []string
	for _, p := range sb.World().Parcels {
		if p.Carrier == carrier && len(p.VisibleEvents(sb.Now())) > 0 {
			list = append(list, p.TrackingNumber)
		}
	}
	sort.Strings(list)
	if len(list) <= skip {
		t.Fatalf("the sandbox has too few %s parcels", carrier)
	}
	return list[skip]
}

func parseTrackLines(t *testing.T, stdout string) []tracking.Line {
	t.Helper()
	var out []tracking.Line
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l tracking.Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("not a JSON line: %v\n%s", err, sc.Text())
		}
		out = append(out, l)
	}
	return out
}

func TestTrackStreamsJSONLinesAndCaches(t *testing.T) {
	t.Parallel()
	sb, cfg := trackSandbox(t, "")
	db := filepath.Join(t.TempDir(), "sellerops.db")
	ups, usps, dhl := sandboxNumber(t, sb, "ups", 0), sandboxNumber(t, sb, "usps", 0), sandboxNumber(t, sb, "dhl", 0)
	args := []string{"track", "--json", ups, strings.ToLower(usps), dhl, "1Z999AA10123456785"}
	res := runCommand(t, args, false, "", withTrackEnv(sb, cfg, db))
	lines := parseTrackLines(t, res.stdout)
	if len(lines) != 4 {
		t.Fatalf("want 4 JSON lines, got %d\nstdout %s\nstderr %s", len(lines), res.stdout, res.stderr)
	}
	by := map[string]tracking.Line{}
	for _, l := range lines {
		by[l.Input] = l
	}
	for in, src := range map[string]string{ups: "web", strings.ToLower(usps): "web", dhl: "api"} {
		l := by[in]
		if l.Error != nil || l.Source != src || l.Tag == "" || l.LastEvent == nil || l.LastEvent.Description == "" || len(l.Events) == 0 {
			t.Errorf("%s: %+v; want a %s result with events", in, l, src)
		}
	}
	if l := by["1Z999AA10123456785"]; l.Error == nil || l.Error.Class != "bad_input" {
		t.Errorf("bad check digit: %+v", l)
	}
	if res.code != exitSomeFailed {
		t.Errorf("one of four failed: exit %d, want %d; stderr %s", res.code, exitSomeFailed, res.stderr)
	}
	// The raw JSON has the documented keys.
	first := strings.SplitN(res.stdout, "\n", 2)[0]
	for _, k := range []string{`"number"`, `"courier"`, `"tag"`, `"events"`} {
		if !strings.Contains(first, k) {
			t.Errorf("JSON line lacks %s: %s", k, first)
		}
	}

	// Again within --max-age: from the database, no request to the sandbox.
	before := sb.State().Requests
	res = runCommand(t, []string{"track", "--json", "--max-age", "2h", ups, dhl}, false, "", withTrackEnv(sb, cfg, db))
	after := sb.State().Requests
	for _, l := range parseTrackLines(t, res.stdout) {
		if l.Source != "cache" || l.Error != nil {
			t.Errorf("second run %s: source %s error %+v; want cache", l.Number, l.Source, l.Error)
		}
	}
	if res.code != exitOK || after["ups.page"] != before["ups.page"] || after["dhl.api"] != before["dhl.api"] {
		t.Errorf("cached run: exit %d, ups pages %d->%d, dhl api %d->%d", res.code, before["ups.page"], after["ups.page"], before["dhl.api"], after["dhl.api"])
	}
}

func TestTrackCSVInput(t *testing.T) {
	t.Parallel()
	sb, cfg := trackSandbox(t, "")
	dir := t.TempDir()
	dhl1, dhl2 := sandboxNumber(t, sb, "dhl", 0), sandboxNumber(t, sb, "dhl", 1)
	good := filepath.Join(dir, "orders.csv")
	os.WriteFile(good, []byte("order,Tracking Number,carrier\nA1,"+dhl1+",dhl\nA2,,\nA3,\""+dhl2+"\",dhl\n"), 0o600)
	db := filepath.Join(dir, "sellerops.db")
	res := runCommand(t, []string{"track", "--file", good, "--column", "tracking number", "--json"}, false, "", withTrackEnv(sb, cfg, db))
	lines := parseTrackLines(t, res.stdout)
	if res.code != exitOK || len(lines) != 2 {
		t.Fatalf("exit %d, %d lines\nstdout %s\nstderr %s", res.code, len(lines), res.stdout, res.stderr)
	}
	if !strings.Contains(res.stderr, "line 3") {
		t.Errorf("the empty cell on line 3 is not reported: %s", res.stderr)
	}

	// A broken row stops everything before any lookup.
	broken := filepath.Join(dir, "broken.csv")
	os.WriteFile(broken, []byte("order,tracking\nB1,"+dhl1+"\nB2,"+dhl2+",extra\n"), 0o600)
	db2 := filepath.Join(dir, "other.db")
	before := sb.State().Requests["dhl.api"]
	res = runCommand(t, []string{"track", "--file", broken, "--column", "tracking", "--json"}, false, "", withTrackEnv(sb, cfg, db2))
	if res.code != exitBadInput || res.stdout != "" || !strings.Contains(res.stderr, "broken.csv line 3") {
		t.Errorf("broken row: exit %d stdout %q stderr %q; want exit 4 naming line 3 and no output", res.code, res.stdout, res.stderr)
	}
	if sb.State().Requests["dhl.api"] != before {
		t.Errorf("a lookup ran although the CSV was broken")
	}
	if _, err := os.Stat(db2); !os.IsNotExist(err) {
		t.Errorf("the database was created although nothing was tracked (%v)", err)
	}

	res = runCommand(t, []string{"track", "--file", good, "--column", "parcel"}, false, "", withTrackEnv(sb, cfg, db2))
	if res.code != exitBadInput || !strings.Contains(res.stderr, `no column "parcel"`) || !strings.Contains(res.stderr, "Tracking Number") {
		t.Errorf("missing column: exit %d stderr %q", res.code, res.stderr)
	}
	res = runCommand(t, []string{"track", "--file", good}, false, "", withTrackEnv(sb, cfg, db2))
	if res.code != exitUsage {
		t.Errorf("--file without --column: exit %d", res.code)
	}
}

func TestTrackAllFailedAndStdin(t *testing.T) {
	t.Parallel()
	sb, cfg := trackSandbox(t, "")
	res := runCommand(t, []string{"track", "--json", "-"}, false, "nope\n\n12345\n", withTrackEnv(sb, cfg, ""))
	lines := parseTrackLines(t, res.stdout)
	if res.code != exitAllFailed || len(lines) != 2 || lines[0].Error == nil || lines[0].Error.Class != "bad_input" {
		t.Fatalf("exit %d lines %+v stderr %s", res.code, lines, res.stderr)
	}
	res = runCommand(t, []string{"track", "--jq", ".error.class", "nope"}, false, "", withTrackEnv(sb, cfg, ""))
	if res.code != exitAllFailed || res.stdout != "bad_input\n" {
		t.Errorf("--jq per line: exit %d stdout %q", res.code, res.stdout)
	}
	res = runCommand(t, []string{"track", "--json"}, false, "", withTrackEnv(sb, cfg, ""))
	if res.code != exitOK || strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("no numbers: exit %d stdout %q", res.code, res.stdout)
	}
	res = runCommand(t, []string{"track", "--concurrency", "-1", "x"}, false, "", withTrackEnv(sb, cfg, ""))
	if res.code != exitUsage {
		t.Errorf("--concurrency -1: exit %d", res.code)
	}
	res = runCommand(t, []string{"track", "--max-age", "soon", "x"}, false, "", withTrackEnv(sb, cfg, ""))
	if res.code != exitUsage || !strings.Contains(res.stderr, "--max-age") {
		t.Errorf("bad --max-age: exit %d %s", res.code, res.stderr)
	}
}

func TestTrackBlockedPageIsAFailureLine(t *testing.T) {
	t.Parallel()
	sb, cfg := trackSandbox(t, "ups.blocked=1")
	ups := sandboxNumber(t, sb, "ups", 0)
	res := runCommand(t, []string{"track", "--json", ups}, false, "", withTrackEnv(sb, cfg, ""))
	lines := parseTrackLines(t, res.stdout)
	if res.code != exitAllFailed || len(lines) != 1 || lines[0].Error == nil || lines[0].Error.Class != "blocked" || len(lines[0].Events) != 0 {
		t.Fatalf("exit %d lines %+v stderr %s", res.code, lines, res.stderr)
	}
}

func TestShipmentsList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sellerops.db")
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath, localdb.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	ev := func(daysAgo int, desc string) []localdb.TrackingEvent {
		return []localdb.TrackingEvent{{Time: now.Add(-time.Duration(daysAgo) * 24 * time.Hour), Tag: "InTransit", Description: desc}}
	}
	save := func(courier, number, tag string, events []localdb.TrackingEvent, eta time.Time) {
		t.Helper()
		if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: courier, TrackingNumber: number, Tag: tag,
			Subtag: tag + "_001", Source: localdb.SourceAPI, Events: events, EstimatedDelivery: eta, CheckedAt: now}); err != nil {
			t.Fatal(err)
		}
	}
	save("ups", "1ZFRESH", "InTransit", ev(1, "Departed"), time.Time{})
	save("ups", "1ZQUIET", "InTransit", ev(6, "Arrived"), time.Time{})            // ups threshold 5 days (global)
	save("usps", "9400QUIET", "InTransit", ev(6, "Arrived"), time.Time{})         // usps set to 10 days below
	save("dhl", "123LATE", "InTransit", ev(1, "Departed"), now.AddDate(0, 0, -4)) // 4 days past ETA, threshold 3
	save("dhl", "123DONE", "Delivered", ev(20, "Delivered"), time.Time{})
	db.Close()
	cfg := filepath.Join(dir, "config.yaml")
	os.WriteFile(cfg, []byte("carriers:\n  usps:\n    stalled_days: 10\n"), 0o600)
	setup := func(f *factory) {
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			switch k {
			case "SELLEROPS_CONFIG":
				return cfg
			case "SELLEROPS_DB":
				return dbPath
			}
			return getenv(k)
		}
		f.Now = func() time.Time { return now }
	}

	res := runCommand(t, []string{"shipments", "list", "--json"}, false, "", setup)
	var rows []shipmentRow
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil || len(rows) != 5 || res.code != exitOK {
		t.Fatalf("list: exit %d, %v, %s", res.code, err, res.stdout)
	}
	res = runCommand(t, []string{"shipments", "list", "--stalled", "--json"}, false, "", setup)
	rows = nil
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil {
		t.Fatal(err, res.stdout)
	}
	got := map[string]string{}
	for _, r := range rows {
		got[r.TrackingNumber] = r.StalledReason
	}
	if len(got) != 2 || !strings.Contains(got["1ZQUIET"], "no new event") || !strings.Contains(got["123LATE"], "past the estimated delivery") {
		t.Errorf("stalled: %v; want 1ZQUIET (no event for 6 days) and 123LATE (past ETA)", got)
	}
	res = runCommand(t, []string{"shipments", "list", "--tag", "delivered", "--jq", ".[].tracking_number"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "123DONE" {
		t.Errorf("--tag delivered: %q", res.stdout)
	}
	res = runCommand(t, []string{"shipments", "list", "--tag", "Exception", "--json"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "[]" || res.code != exitOK {
		t.Errorf("empty: %q exit %d", res.stdout, res.code)
	}
	res = runCommand(t, []string{"shipments", "list", "--tag", "Lost"}, false, "", setup)
	if res.code != exitUsage || !strings.Contains(res.stderr, "InTransit") {
		t.Errorf("bad tag: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"shipments", "list", "--stalled"}, true, "", setup)
	if !strings.Contains(res.stdout, "WHY STALLED") || !strings.Contains(res.stdout, "1ZQUIET") {
		t.Errorf("table: %s", res.stdout)
	}
}

// TestMessagesListDueSoon checks that `messages list --due-soon` and the
// "due soon" mark follow thresholds.due_soon from the config, the value the
// dashboard's inbox and overview read too.
func TestMessagesListDueSoon(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "sellerops.db")
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath, localdb.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	for id, left := range map[string]time.Duration{"T-30m": 30 * time.Minute, "T-3h": 3 * time.Hour, "T-late": -time.Hour, "T-2d": 48 * time.Hour} {
		if _, _, err := db.UpsertThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: id, Subject: id, ReplyDeadline: now.Add(left)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	cfg := filepath.Join(dir, "config.yaml")
	setup := func(f *factory) {
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			switch k {
			case "SELLEROPS_CONFIG":
				return cfg
			case "SELLEROPS_DB":
				return dbPath
			}
			return getenv(k)
		}
		f.Now = func() time.Time { return now }
	}
	subjects := func(args ...string) string {
		t.Helper()
		res := runCommand(t, append([]string{"messages", "list", "--jq", ".[].subject"}, args...), false, "", setup)
		if res.code != exitOK {
			t.Fatalf("messages list %v: exit %d %s", args, res.code, res.stderr)
		}
		return strings.Join(strings.Fields(res.stdout), ",")
	}
	// An empty config: the documented default, 4h.
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := subjects("--due-soon"); got != "T-30m,T-3h" {
		t.Errorf("--due-soon with the default 4h: %s", got)
	}
	if err := os.WriteFile(cfg, []byte("thresholds:\n  due_soon: 1h\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := subjects("--due-soon"); got != "T-30m" {
		t.Errorf("--due-soon with due_soon 1h: %s", got)
	}
	res := runCommand(t, []string{"messages", "list"}, true, "", setup)
	rows := 0
	for _, line := range strings.Split(res.stdout, "\n") {
		if !strings.Contains(line, "T-") {
			continue
		}
		rows++
		if want := strings.Contains(line, "T-30m"); strings.Contains(line, "due soon") != want {
			t.Errorf("due soon mark %v wanted in %q", want, line)
		}
	}
	if rows != 4 {
		t.Errorf("%d thread rows, want 4:\n%s", rows, res.stdout)
	}
}

// TestTrackCSVRejectsLongField: a CSV field over the line bound stops the
// command with exit 4 naming the file and line, before any lookup.
func TestTrackCSVRejectsLongField(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "orders.csv")
	body := "order,tracking\nA1,1Z999AA10123456784\nA2," + strings.Repeat("1", 5000) + "\n"
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCommand(t, []string{"track", "--file", path, "--column", "tracking", "--json"}, false, "")
	if res.code != exitBadInput || !strings.Contains(res.stderr, "orders.csv line 3") || res.stdout != "" {
		t.Errorf("exit %d, stderr %q, stdout %q; want exit 4 naming line 3 and nothing looked up", res.code, res.stderr, res.stdout)
	}
}

// A --browser list that mixes a path with addresses stops before any
// lookup, naming the item, with the usage exit code.
func TestTrackRefusesABadBrowserList(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"--browser", "ws://127.0.0.1:9/devtools/browser/a,/usr/bin/chromium", "track", "1Z999AA10123456784"}, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "item 2") || res.stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", res.code, res.stdout, res.stderr)
	}
}
