package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// sharedEnv makes every runCommand of a test use one database, config dir,
// log and in-memory secret store, as one machine would across commands.
func sharedEnv(t *testing.T) (dir string, setup func(*factory)) {
	t.Helper()
	dir = t.TempDir()
	mem := marketplace.NewMemorySecrets()
	env := map[string]string{
		"SELLEROPS_DB":     filepath.Join(dir, "data", "sellerops.db"),
		"SELLEROPS_CONFIG": filepath.Join(dir, "config", "config.yaml"),
		"SELLEROPS_LOG":    filepath.Join(dir, "data", "logs", "sellerops.log"),
		"XDG_CONFIG_HOME":  filepath.Join(dir, "config"),
		"XDG_DATA_HOME":    filepath.Join(dir, "data"),
	}
	// An empty config file: commands that read the config (messages list
	// does, for thresholds.due_soon) find the explicit path they are given.
	if err := os.MkdirAll(filepath.Dir(env["SELLEROPS_CONFIG"]), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(env["SELLEROPS_CONFIG"], nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, func(f *factory) {
		f.Getenv = func(k string) string { return env[k] }
		f.secretsS = mem
	}
}

// sandboxEnv starts a sandbox and a shared environment on its clock.
func sandboxEnv(t *testing.T, seed int64) (sb *sandbox.Sandbox, dir string, setup func(*factory)) {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Seed: seed, Orders: 30})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	dir, shared := sharedEnv(t)
	return sb, dir, func(f *factory) {
		shared(f)
		f.Now = sb.Now
	}
}

func TestMessagesCommandsEndToEnd(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 5)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup)
	if res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitBadInput {
		t.Errorf("adding the same store again: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "list", "--json"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, `"name": "shop"`) || strings.Contains(res.stdout, acct.Password) {
		t.Fatalf("stores list: %d %s", res.code, res.stdout)
	}

	res = runCommand(t, []string{"sync", "--json"}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("sync: %d %s %s", res.code, res.stdout, res.stderr)
	}
	var sum marketplace.Summary
	if err := json.Unmarshal([]byte(res.stdout), &sum); err != nil || sum.NewThreads == 0 {
		t.Fatalf("sync summary %q: %v", res.stdout, err)
	}
	if !strings.Contains(res.stderr, "shop: done") {
		t.Errorf("no progress on stderr: %q", res.stderr)
	}

	res = runCommand(t, []string{"messages", "list", "--json"}, false, "", setup)
	var threads []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &threads); err != nil || len(threads) != sum.NewThreads {
		t.Fatalf("messages list: %d threads, %v", len(threads), err)
	}
	for _, k := range []string{"store", "marketplace", "reply_deadline", "language", "overdue"} {
		if _, ok := threads[0][k]; !ok {
			t.Errorf("a listed thread has no %q: %v", k, threads[0])
		}
	}
	if res = runCommand(t, []string{"messages", "list", "--lang", "zz", "--json"}, false, "", setup); strings.TrimSpace(res.stdout) != "[]" || res.code != exitOK {
		t.Errorf("empty list: %q %d", res.stdout, res.code)
	}
	if res = runCommand(t, []string{"messages", "list", "--lang", "english"}, false, "", setup); res.code != exitUsage {
		t.Errorf("bad --lang: exit %d", res.code)
	}

	// Pick an open thread and answer it.
	var id int64
	for _, th := range threads {
		if th["status"] == "open" {
			id = int64(th["id"].(float64))
			break
		}
	}
	if id == 0 {
		t.Fatal("no open thread")
	}
	sid := strconv.FormatInt(id, 10)
	res = runCommand(t, []string{"messages", "show", sid}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "store shop (amazon)") {
		t.Fatalf("messages show: %d %s", res.code, res.stdout)
	}
	// No parcel status is known yet: the tracking template is refused.
	res = runCommand(t, []string{"messages", "reply", sid, "--template", "tracking"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stderr, "{{status}}") {
		t.Errorf("template with a missing value: exit %d %s", res.code, res.stderr)
	}
	body := filepath.Join(dir, "answer.txt")
	if err := os.WriteFile(body, []byte("Thank you, we are checking with the carrier."), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"messages", "reply", sid, "--body-file", body}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "reply sent") {
		t.Fatalf("reply: %d %s %s", res.code, res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"messages", "reply", sid, "--body-file", body}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "already sent") {
		t.Errorf("second reply: %d %s %s", res.code, res.stdout, res.stderr)
	}
	db, err := localdb.Open(context.Background(), filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	th, err := db.GetThread(context.Background(), id)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(sb.State().Replies[th.MarketplaceThreadID]); n != 1 {
		t.Errorf("the site holds %d replies", n)
	}

	if res = runCommand(t, []string{"messages", "done", sid}, false, "", setup); res.code != exitOK {
		t.Fatalf("done: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"messages", "list", "--status", "no_response_needed", "--jq", ".[].id"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != sid {
		t.Errorf("after done: %q", res.stdout)
	}
	if res = runCommand(t, []string{"messages", "show", "99999"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("unknown thread: exit %d", res.code)
	}
	// The sandbox's own world says how many threads the store shows now.
	worldThreads := 0
	for _, th := range sb.World().Threads {
		if th.Marketplace == "amazon" && th.Visible(sb.Now()) {
			worldThreads++
		}
	}
	if res = runCommand(t, []string{"stores", "remove", "shop"}, false, "", setup); res.code != exitUsage ||
		!strings.Contains(res.stderr, "needs --yes") || !strings.Contains(res.stderr, fmt.Sprintf("with %d threads", worldThreads)) {
		t.Errorf("remove in a script without --yes: exit %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"stores", "list", "--json", "--jq", ".[].name"}, false, "", setup); strings.TrimSpace(res.stdout) != "shop" {
		t.Errorf("a refused remove removed the store: %q", res.stdout)
	}
	if res = runCommand(t, []string{"stores", "remove", "shop"}, true, "n\n", setup); res.code != exitOK || !strings.Contains(res.stderr, "nothing removed") {
		t.Errorf("remove answered no at a terminal: exit %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"stores", "remove", "shop", "--yes"}, false, "", setup); res.code != exitOK ||
		!strings.Contains(res.stderr, fmt.Sprintf("removed store shop with %d threads", worldThreads)) {
		t.Errorf("remove --yes: %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"stores", "list", "--json"}, false, "", setup); strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("after remove: %q", res.stdout)
	}
}

func TestStoresAddRefusesBadInput(t *testing.T) {
	t.Parallel()
	_, setup := sharedEnv(t)
	res := runCommand(t, []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", "me"}, false, "", setup)
	if res.code != exitUsage || !strings.Contains(res.stderr, "--password-stdin") {
		t.Errorf("no password in a script: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "add", "shop", "--marketplace", "etsy", "--username", "me", "--password-stdin"}, false, "pw\n", setup)
	if res.code != exitBadInput || !strings.Contains(res.stderr, `"etsy"`) {
		t.Errorf("unknown marketplace: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", "me", "--password-stdin", "--totp-secret-stdin"}, false, "pw\nnot base32!\n", setup)
	if res.code != exitBadInput || !strings.Contains(res.stderr, "TOTP") || strings.Contains(res.stderr, "not base32!") {
		t.Errorf("bad TOTP secret: %d %s", res.code, res.stderr)
	}
	// On a terminal, missing fields are asked for.
	res = runCommand(t, []string{"stores", "add", "--no-totp"}, true, "tty-shop\nebay\nseller@example.com\nsecret-pw\n", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "store name:") || !strings.Contains(res.stderr, "password (hidden)") {
		t.Errorf("prompted add: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "list"}, false, "", setup)
	if !strings.HasPrefix(res.stdout, "tty-shop\tebay\tbrowser\tseller@example.com\tunknown\tnever\tebay") {
		t.Errorf("stores list: %q", res.stdout)
	}
	if res = runCommand(t, []string{"stores", "test", "nope"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("test of an unknown store: %d", res.code)
	}
	if res = runCommand(t, []string{"sync", "--store", "nope"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("sync of an unknown store: %d", res.code)
	}
	if res = runCommand(t, []string{"messages", "list", "--json"}, false, "", setup); strings.TrimSpace(res.stdout) != "[]" || res.code != 0 {
		t.Errorf("empty inbox: %q %d", res.stdout, res.code)
	}
	if res = runCommand(t, []string{"messages", "reply", "1"}, false, "", setup); res.code != exitNotFound && res.code != exitUsage {
		t.Errorf("reply without text: %d", res.code)
	}
}

func TestRecipesCommands(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	res := runCommand(t, []string{"recipes", "list", "--json"}, false, "", setup)
	var rows []recipeRow
	if err := json.Unmarshal([]byte(res.stdout), &rows); err != nil || len(rows) < 6 {
		t.Fatalf("recipes list: %v %s", err, res.stdout)
	}
	res = runCommand(t, []string{"recipes", "check"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "all usable") {
		t.Errorf("recipes check: %d %s", res.code, res.stdout)
	}
	res = runCommand(t, []string{"recipes", "show", "amazon-sandbox"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "login.username") {
		t.Errorf("recipes show: %d %s", res.code, res.stdout)
	}
	if res = runCommand(t, []string{"recipes", "show", "nope"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("unknown recipe: %d", res.code)
	}
	// A broken override is named by file, key and line.
	over := filepath.Join(dir, "config", "recipes")
	if err := os.MkdirAll(over, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(over, "amazon-sandbox.yaml"), []byte("selectors:\n  login.username: \"#ok\"\n  login.password: \"input[name=pw\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"recipes", "check"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stdout, "amazon-sandbox.yaml:3") || !strings.Contains(res.stdout, "selectors.login.password") {
		t.Errorf("broken override: %d %s", res.code, res.stdout)
	}
	res = runCommand(t, []string{"messages", "templates", "--json", "--jq", ".[].name"}, false, "", setup)
	if !strings.Contains(res.stdout, "tracking") {
		t.Errorf("templates: %s", res.stdout)
	}
}

func TestMessagesDoneOnTheMarketplace(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 6)
	for _, m := range []string{"amazon", "ebay"} {
		acct := sb.Account(m)
		add := []string{"stores", "add", m, "--marketplace", m, "--username", acct.Username,
			"--base-url", sb.URL(m), "--recipe", m + "-sandbox", "--password-stdin", "--totp-secret-stdin"}
		if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
			t.Fatalf("stores add %s: %d %s", m, res.code, res.stderr)
		}
	}
	if res := runCommand(t, []string{"sync"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sync: %d %s", res.code, res.stderr)
	}
	open := func(store string, n int) []string {
		res := runCommand(t, []string{"messages", "list", "--store", store, "--status", "open", "--jq", ".[].id"}, false, "", setup)
		ids := strings.Fields(res.stdout)
		if len(ids) < n {
			t.Fatalf("%s has %d open threads, want %d", store, len(ids), n)
		}
		return ids[:n]
	}
	db, err := localdb.Open(context.Background(), filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	thread := func(sid string) localdb.Thread {
		id, _ := strconv.ParseInt(sid, 10, 64)
		th, err := db.GetThread(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return th
	}
	siteID := func(sid string) string { return thread(sid).MarketplaceThreadID }
	status := func(sid string) localdb.ThreadStatus { return thread(sid).Status }
	am := open("amazon", 2)

	// On amazon: the site's action, then the local status.
	res := runCommand(t, []string{"messages", "done", am[0], "--json"}, false, "", setup)
	var got marketplace.NoResponseResult
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &got) != nil {
		t.Fatalf("done on amazon: %d %q %s", res.code, res.stdout, res.stderr)
	}
	if !got.OnSite || got.Already || got.Store != "amazon" || got.Marketplace != "amazon" || strconv.FormatInt(got.ThreadID, 10) != am[0] {
		t.Errorf("done on amazon: %+v", got)
	}
	if !strings.Contains(res.stderr, "on amazon and locally") {
		t.Errorf("done on amazon says %q", res.stderr)
	}
	if nr := sb.State().NoResponse; len(nr) != 1 || nr[0] != siteID(am[0]) {
		t.Errorf("the site marks %v, want [%s]", nr, siteID(am[0]))
	}
	if s := status(am[0]); s != localdb.StatusNoResponseNeeded {
		t.Errorf("amazon thread locally: %s", s)
	}
	forms := sb.State().Requests["amazon.form"]
	res = runCommand(t, []string{"messages", "done", am[0], "--jq", ".already"}, false, "", setup)
	if res.code != exitOK || strings.TrimSpace(res.stdout) != "true" {
		t.Errorf("done again: %d %q %s", res.code, res.stdout, res.stderr)
	}
	if n := sb.State().Requests["amazon.form"] - forms; n != 0 {
		t.Errorf("done again posted %d forms", n)
	}

	// --local leaves the site alone.
	res = runCommand(t, []string{"messages", "done", am[1], "--local"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "locally only") || res.stdout != "" {
		t.Errorf("done --local: %d %q %q", res.code, res.stdout, res.stderr)
	}
	if nr := sb.State().NoResponse; len(nr) != 1 {
		t.Errorf("after --local the site marks %v", nr)
	}
	if s := status(am[1]); s != localdb.StatusNoResponseNeeded {
		t.Errorf("--local thread: %s", s)
	}

	// eBay has no such action.
	eb := open("ebay", 1)
	res = runCommand(t, []string{"messages", "done", eb[0]}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "locally only: ebay has no such action") {
		t.Errorf("done on ebay: %d %q", res.code, res.stderr)
	}
	if s := status(eb[0]); s != localdb.StatusNoResponseNeeded {
		t.Errorf("ebay thread: %s", s)
	}

	if res = runCommand(t, []string{"messages", "done", "99999"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("done on an unknown thread: exit %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"messages", "done", "99999", "--local"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("done --local on an unknown thread: exit %d %s", res.code, res.stderr)
	}
}

// messages show prints where the thread's parcel stands: its status and its
// latest events, the same record the dashboard and MCP read.
func TestMessagesShowPrintsTheParcel(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "ebay"})
	if err != nil {
		t.Fatal(err)
	}
	const number = "9400111899223397623910"
	if _, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: "12-34567-89012",
		Carrier: "usps", TrackingNumber: number, DeclaredValue: 2599, Currency: "USD"}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	saved, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T1", Subject: "Where is my parcel?",
		MarketplaceOrderID: "12-34567-89012", ReplyDeadline: t0.Add(48 * time.Hour)},
		[]localdb.Message{{MarketplaceMessageID: "M1", Direction: localdb.DirectionIn, Body: "It has not come.", SentAt: t0}})
	if err != nil {
		t.Fatal(err)
	}
	events := []localdb.TrackingEvent{
		{Time: t0.Add(-96 * time.Hour), Tag: "InfoReceived", Subtag: "InfoReceived_001", Description: "Shipping Label Created"},
		{Time: t0.Add(-72 * time.Hour), Tag: "InTransit", Subtag: "InTransit_001", Description: "Accepted at USPS Origin Facility"},
		{Time: t0.Add(-48 * time.Hour), Tag: "InTransit", Subtag: "InTransit_003", Description: "Arrived at USPS Regional Facility"},
		{Time: t0.Add(-2 * time.Hour), Tag: "Exception", Subtag: "Exception_013", Description: "Missing Mail Search Request Initiated", Location: "TACOMA WA"},
	}
	if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "usps", TrackingNumber: number, Tag: "Exception",
		Subtag: "Exception_013", Source: localdb.SourceAPI, Events: events, CheckedAt: t0}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := strconv.FormatInt(saved.Thread.ID, 10)

	res := runCommand(t, []string{"messages", "show", id}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("messages show: exit %d %s", res.code, res.stderr)
	}
	for _, want := range []string{"parcel usps " + number + ": Exception/Exception_013", "Missing Mail Search Request Initiated (TACOMA WA)",
		"Arrived at USPS Regional Facility", "1 earlier events"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("messages show lacks %q:\n%s", want, res.stdout)
		}
	}
	if strings.Contains(res.stdout, "Shipping Label Created") {
		t.Errorf("messages show prints more than the %d latest events:\n%s", shownEvents, res.stdout)
	}
	res = runCommand(t, []string{"messages", "show", id, "--json"}, false, "", setup)
	var v struct {
		Shipment *localdb.Shipment       `json:"shipment"`
		Events   []localdb.TrackingEvent `json:"events"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || v.Shipment == nil {
		t.Fatalf("messages show --json: %v %s", err, res.stdout)
	}
	if v.Shipment.Subtag != "Exception_013" || len(v.Events) != 4 || v.Events[0].Subtag != "Exception_013" {
		t.Errorf("--json parcel %+v with %d events (newest %+v)", v.Shipment, len(v.Events), v.Events)
	}
}

// TestStoresUpdateFixesRefusedCredentials: a store kept with a wrong
// password is refused by the sandbox (exit 12) with a hint that names
// `stores update`; after the update the same sign-in passes, and the
// sandbox counts the successful login.
func TestStoresUpdateFixesRefusedCredentials(t *testing.T) {
	t.Parallel()
	sb, _, setup := sandboxEnv(t, 6)
	acct := sb.Account("ebay")
	add := []string{"stores", "add", "shop", "--marketplace", "ebay", "--username", acct.Username,
		"--base-url", sb.URL("ebay"), "--recipe", "ebay-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, "wrong-password\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	res := runCommand(t, []string{"stores", "test", "shop"}, false, "", setup)
	if res.code != exitAuthFailed || !strings.Contains(res.stderr, "sellerops stores update shop") {
		t.Fatalf("sign-in with the wrong password: exit %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"stores", "update", "shop"}, false, "", setup); res.code != exitUsage || !strings.Contains(res.stderr, "nothing to change") {
		t.Errorf("update with nothing to change: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "update", "shop", "--password-stdin"}, false, acct.Password+"\n", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "updated store shop: password") || strings.Contains(res.stderr, acct.Password) {
		t.Fatalf("stores update: exit %d %s", res.code, res.stderr)
	}
	if res = runCommand(t, []string{"stores", "test", "shop"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sign-in after the update: exit %d %s", res.code, res.stderr)
	}
	if got := sb.State().Logins["ebay"].Succeeded; got != 1 {
		t.Errorf("the sandbox counted %d successful ebay sign-ins, want 1", got)
	}
	if res = runCommand(t, []string{"stores", "update", "nope", "--no-totp"}, false, "", setup); res.code != exitNotFound {
		t.Errorf("update of an unknown store: exit %d %s", res.code, res.stderr)
	}
}

// stores remove --keep-data takes a store out of use (no secrets, no sync)
// and keeps its threads to read; removing it again without the flag
// deletes that history.
func TestStoresRemoveKeepData(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	res := runCommand(t, []string{"stores", "add", "shop", "--marketplace", "ebay", "--username", "me", "--password-stdin"}, false, "secret-pw\n", setup)
	if res.code != exitOK {
		t.Fatalf("stores add: exit %d %s", res.code, res.stderr)
	}
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.GetStoreByName(ctx, "shop")
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)
	for _, id := range []string{"T1", "T2"} {
		if _, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: id, Subject: "About " + id, ReplyDeadline: t0.Add(72 * time.Hour)},
			[]localdb.Message{{MarketplaceMessageID: id + "-1", Direction: localdb.DirectionIn, Body: "Hello", SentAt: t0}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	overdue := func() string {
		res := runCommand(t, []string{"messages", "list", "--overdue", "--json", "--jq", "length"}, false, "", setup)
		return strings.TrimSpace(res.stdout)
	}
	if n := overdue(); n != "2" {
		t.Fatalf("before removal %s threads overdue, want 2", n)
	}
	var secretsLeft func() []string
	setupWithSecrets := func(f *factory) {
		setup(f)
		secretsLeft = func() []string {
			var out []string
			for _, k := range []string{secrets.StorePasswordKey("shop")} {
				if v, err := f.Secrets().Get(ctx, k); err == nil && v != "" {
					out = append(out, k)
				}
			}
			return out
		}
	}

	res = runCommand(t, []string{"stores", "remove", "shop", "--keep-data", "--yes"}, false, "", setupWithSecrets)
	if res.code != exitOK || !strings.Contains(res.stderr, "its 2 threads") {
		t.Fatalf("remove --keep-data: exit %d %s", res.code, res.stderr)
	}
	if left := secretsLeft(); len(left) != 0 {
		t.Errorf("secrets kept after remove --keep-data: %v", left)
	}
	if res = runCommand(t, []string{"stores", "list", "--json"}, false, "", setup); strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("a removed store is still listed as in use: %s", res.stdout)
	}
	res = runCommand(t, []string{"stores", "list", "--all", "--json", "--jq", ".[] | select(.removed_at != null) | .name"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "shop" {
		t.Errorf("stores list --all does not show the removed store: %q %s", res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"messages", "list", "--store", "shop", "--json", "--jq", "length"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "2" {
		t.Errorf("the kept history lists %q threads, want 2 (%s)", res.stdout, res.stderr)
	}
	// Nobody can answer a removed store's buyers from here: its threads
	// are history, not overdue work, in the list, the overview and the
	// report alike.
	if n := overdue(); n != "0" {
		t.Errorf("a removed store's threads count as overdue: %s", n)
	}
	res = runCommand(t, []string{"messages", "list", "--store", "shop", "--json", "--jq", "[.[] | select(.overdue or (.store_removed | not))] | length"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "0" {
		t.Errorf("kept threads not marked as a removed store's, or overdue: %q %s", res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"sync", "--store", "shop"}, false, "", setup)
	if res.code != exitNotFound || !strings.Contains(res.stderr, "removed") {
		t.Errorf("sync of a removed store: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "add", "shop", "--marketplace", "ebay", "--username", "me", "--password-stdin"}, false, "pw\n", setup)
	if res.code == exitOK {
		t.Errorf("stores add reused the name of a store whose history is kept")
	}
	res = runCommand(t, []string{"stores", "remove", "shop", "--yes"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "with 2 threads") {
		t.Fatalf("remove the history: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"messages", "list", "--json"}, false, "", setup)
	if strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("after removing the history: %s", res.stdout)
	}
}
