package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/launcher"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// exampleWorld is a machine set up as a user who followed the README would
// have it: a store named shop-us on the sandbox's Amazon, synced and
// tracked, claims drafted, the carriers pointed at the sandbox, and the
// files the examples name in the working folder.
type exampleWorld struct {
	sb      *sandbox.Sandbox
	base    string // data and config folders, copied afresh for each example
	work    string // the working folder the examples run in
	mem     *marketplace.MemorySecrets
	env     []string          // variables the examples' shell parts read ($PW, $SEED)
	replace map[string]string // placeholder → a value that exists in this world
	// draftReplace: `claims draft` names a parcel that has no claim yet.
	draftReplace map[string]string
	// translateReplace: `--translate-reply` names a thread in a language
	// other than the operator's.
	translateReplace map[string]string
	// offlineBrowser starts the system Chromium with every connection
	// refused, for the examples that reach a real site.
	offlineBrowser string
	// home is the home folder the examples run with, whose data and config
	// dirs hold what a command keeps there (the demo's world); empty while
	// the world is being set up.
	home string
}

// expectation is how an example must end when run in the world, and why
// when it is not a plain success.
type expectation struct {
	code   exitCode
	why    string
	ready  string        // a long-running command: cancel once stderr says this
	stdin  string        // what a person or program types in
	tty    bool          // run as at a terminal
	extra  []string      // flags added to keep the run small, with why
	config string        // lines added to the config, as the example's user has them
	budget time.Duration // 0 = the default
	// fresh: the example adds the store the world has, so it runs on the
	// config alone, before any store was added.
	fresh bool
	// offline: the example reaches a real site. Chromium is given a proxy
	// that refuses every connection, so that the run ends as it would
	// offline, wherever the test runs.
	offline bool
}

// exampleExpectations lists every example that does not simply succeed
// with exit 0 in the world, keyed by the line as written.
var exampleExpectations = map[string]expectation{
	// Long-running commands serve until Ctrl-C and then exit 130; the
	// daemon's clean stop is exit 0, as the README documents for systemd.
	"sellerops sandbox": {code: exitInterrupted, ready: "control http://", why: "serves until stopped"},
	"sellerops sandbox --addr 127.0.0.1:8700 --seed 7 --faults 'latency=100ms,5xx=0.05'": {code: exitInterrupted, ready: "control http://", why: "serves until stopped"},
	"sellerops sandbox --start 2026-03-04":                                               {code: exitInterrupted, ready: "control http://", why: "serves until stopped"},
	"sellerops sandbox --addr 127.0.0.1:8700 --write-config sandbox.yaml":                {code: exitInterrupted, ready: "control http://", why: "serves until stopped"},
	"sellerops run --daemon": {ready: "running on schedule", why: "runs the schedules until stopped, then exits 0"},
	"sellerops mcp": {stdin: `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n",
		why: "an MCP client sends initialize on stdin and closes it"},
	// The dashboard quits on q.
	"sellerops demo":                                   {tty: true, stdin: "q", extra: []string{"--orders", "12"}, why: "the dashboard, quit with q; a small world"},
	"sellerops demo --keep":                            {tty: true, stdin: "q", extra: []string{"--orders", "12"}, why: "no earlier demo: starts one; a small world"},
	"sellerops demo --no-tui":                          {extra: []string{"--orders", "12"}, why: "a small world"},
	"sellerops demo --faults 'latency=100ms,5xx=0.05'": {tty: true, stdin: "q", extra: []string{"--orders", "12"}, why: "a small world", budget: 4 * time.Minute},
	// Prompts, answered as a person would.
	"sellerops stores add": {tty: true, fresh: true, stdin: "shop-us\namazon\nme@example.com\nsecret-pw\nJBSWY3DPEHPK3PXP\n",
		why: "asks for each field"},
	"sellerops stores update shop-us": {tty: true, stdin: "new-secret-pw\n", why: "asks for the new password"},
	"printf '%s\\n%s\\n' \"$PW\" \"$SEED\" | sellerops stores add shop-us --marketplace amazon --username me@example.com --password-stdin --totp-secret-stdin": {
		fresh: true, why: "adds the store"},
	"printf '%s\\n%s\\n' \"$PASSWORD\" \"$TOTP_SEED\" | sellerops stores add shop-us --marketplace amazon --username me@example.com --password-stdin --totp-secret-stdin": {
		fresh: true, why: "adds the store"},
	"sellerops stores remove shop-us": {tty: true, stdin: "y\n", why: "asks before removing"},
	// The email store of the `stores add --email` example; the world's one
	// store is read by the browser.
	"sellerops stores update mail-us --imap imap.example.com:993 --folder INBOX --folder Amazon": {code: exitNotFound,
		why: "names the email store the stores add --email example adds, which the world lacks"},
	// The world's notice was never sent, so no send is in doubt.
	"sellerops notices settle 205 --sent":            {code: exitNotFound, why: "the world's notice was never sent: nothing in doubt"},
	"sellerops notices settle 205 --not-sent --json": {code: exitNotFound, why: "the world's notice was never sent: nothing in doubt"},
	"sellerops claims file 12":                       {tty: true, stdin: "y\n", why: "asks before filing"},
	"sellerops messages reply 42 --body-file answer.txt --translate-reply": {tty: true, stdin: "y\n",
		why: "shows both texts and asks before sending"},
	// A script files only what the policy allows (claims file --help).
	"sellerops claims file 12 --yes --json": {config: "claims:\n  auto_file: true\n  max_auto_amount: \"500\"\n", why: "the policy its --help names"},
	// Examples that reach a real site end as they would offline (exit 1,
	// the site error named), and --show without a display says so.
	"sellerops recipes check --live ups --real --number 1Z999AA10123456784":    {code: exitError, offline: true, why: "reaches ups.com"},
	"sellerops recipes check --live ebay --real --store shop-us --show":        {code: exitError, offline: true, why: "--show needs a display"},
	"sellerops recipes check --live ebay --real --store shop-us --show --json": {code: exitError, offline: true, why: "--show needs a display"},
	"sellerops stores login shop-us --show":                                    {code: exitError, offline: true, why: "--show needs a display"},
}

func newExampleWorld(t *testing.T) *exampleWorld {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 20})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Close() })
	w := &exampleWorld{sb: sb, base: t.TempDir(), work: t.TempDir(), mem: marketplace.NewMemorySecrets()}
	cfgPath := filepath.Join(w.base, "config", "config.yaml")
	if err := os.MkdirAll(filepath.Dir(cfgPath), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeSandboxConfig(cfgPath, sb); err != nil {
		t.Fatal(err)
	}
	// `run --daemon` runs the config's schedules.
	appendFile(t, cfgPath, "schedules:\n  - job: sync\n    cron: \"0 * * * *\"\n")
	if err := setSandboxSecrets(ctx, w.mem, sb); err != nil {
		t.Fatal(err)
	}
	acct := sb.Account("amazon")
	w.env = []string{"PW=" + acct.Password, "SEED=" + acct.TOTPSecret, "PASSWORD=" + acct.Password,
		"TOTP_SEED=" + acct.TOTPSecret, "NEW_PASSWORD=" + acct.Password}
	// The app credentials the API examples pipe in: the sandbox's.
	sp, eb := sb.SPAPIFor("amazon"), sb.EbayAPIFor("ebay")
	w.env = append(w.env, "LWA_ID="+sp.ClientID, "LWA_SECRET="+sp.ClientSecret, "REFRESH="+sp.RefreshToken,
		"EBAY_APP_ID="+eb.ClientID, "EBAY_CERT_ID="+eb.ClientSecret, "EBAY_REFRESH="+eb.RefreshToken)
	tt := sb.TiktokAPIFor("tiktok")
	w.env = append(w.env, "TT_APP_KEY="+tt.AppKey, "TT_APP_SECRET="+tt.AppSecret, "TT_REFRESH="+tt.RefreshToken, "TT_SHOP_CIPHER="+tt.ShopCipher)

	run := func(args ...string) cmdResult {
		t.Helper()
		res := w.run(t, w.base, w.mem, args, expectation{})
		if res.code != exitOK {
			t.Fatalf("setting up the world: %v: exit %d\n%s\n%s", args, res.code, res.stdout, res.stderr)
		}
		return res
	}
	w.runWithStdin(t, acct.Password+"\n"+acct.TOTPSecret+"\n", "stores", "add", "shop-us", "--marketplace", "amazon",
		"--username", acct.Username, "--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin")
	// shop-us is reached through the SP-API stand-in too, as a seller who
	// followed the README's API section has it: orders through the API,
	// buyer messages in the browser.
	w.runWithStdin(t, sp.ClientID+"\n"+sp.ClientSecret+"\n"+sp.RefreshToken+"\n", "stores", "update", "shop-us", "--api",
		"--marketplace-id", sp.MarketplaceID, "--api-endpoint", sb.URL("amazon"), "--token-url", sb.URL("amazon")+"/auth/o2/token")
	run("sync")
	run("run", "track")

	var threads []struct {
		ID       int64  `json:"id"`
		Status   string `json:"status"`
		Language string `json:"language"`
	}
	decode(t, run("messages", "list", "--json").stdout, &threads)
	var thread, foreign int64
	for _, th := range threads {
		if th.Status == "open" && thread == 0 {
			thread = th.ID
		}
		// A reply sent in the buyer's language needs a buyer who does not
		// write in the operator's (English).
		if th.Status == "open" && foreign == 0 && th.Language != "en" && th.Language != "und" && th.Language != "" {
			foreign = th.ID
		}
	}
	if foreign == 0 {
		t.Fatalf("the world has no open thread in a language other than English (%d threads)", len(threads))
	}
	var cands []struct {
		ShipmentID     int64  `json:"shipment_id"`
		TrackingNumber string `json:"tracking_number"`
		DeclaredValue  int64  `json:"declared_value"`
		Currency       string `json:"currency"`
		Kind           string `json:"kind"`
	}
	decode(t, run("claims", "candidates", "--json").stdout, &cands)
	if thread == 0 || len(cands) < 2 {
		t.Fatalf("the world has no open thread (%d threads) or fewer than 2 claim candidates (%d)", len(threads), len(cands))
	}
	// The drafted claim is one `claims file 12 --yes` may file under the
	// policy its --help names (USD, at most 500.00), and the parcel of
	// `claims draft 42 --kind damaged` one that qualifies as damaged: the
	// first such candidates go first and second.
	for i, c := range cands {
		if c.Currency == "USD" && c.DeclaredValue <= 50000 {
			cands[0], cands[i] = cands[i], cands[0]
			break
		}
	}
	for i := 1; i < len(cands); i++ {
		if cands[i].Kind == "damaged" {
			cands[1], cands[i] = cands[i], cands[1]
			break
		}
	}
	var draft struct {
		ID       int64 `json:"id"`
		Evidence []struct {
			ID int64 `json:"id"`
		} `json:"evidence"`
	}
	decode(t, run("claims", "draft", cands[0].TrackingNumber, "--json").stdout, &draft)
	if draft.ID == 0 {
		t.Fatal("the drafted claim has no id")
	}
	decode(t, run("claims", "show", strconv.FormatInt(draft.ID, 10), "--json").stdout, &draft)
	// A delay notice proposed: a parcel quiet for days whose buyer never
	// writes. The orders the sync stored usually hold one; else one such
	// order is stored as an order sync would store it.
	var props []struct {
		ShipmentID int64 `json:"shipment_id"`
	}
	decode(t, run("notices", "list", "--json").stdout, &props)
	if len(props) == 0 {
		seedSilentOrders(t, sb, filepath.Join(w.base, "data", "sellerops.db"), "shop-us", "amazon", 1)
		decode(t, run("notices", "list", "--json").stdout, &props)
	}
	if len(props) == 0 {
		t.Fatal("the world proposes no delay notice, even with a silent parcel stored")
	}
	evidence := "0"
	if len(draft.Evidence) > 0 {
		evidence = strconv.FormatInt(draft.Evidence[0].ID, 10)
	}

	// The files the examples name, as a user would have them.
	ups := sandboxNumber(t, sb, "ups", 0)
	usps := sandboxNumber(t, sb, "usps", 0)
	files := map[string]string{
		"answer.txt":   "Thank you for your patience; we are checking with the carrier.\n",
		"messages.txt": "The mug arrived broken.\nDas Paket ist nicht angekommen.\n",
		"numbers.txt":  ups + "\n" + usps + "\n",
		"orders.csv":   "order_id,store,carrier,tracking_number\n1001,shop-us,ups," + ups + "\n1002,shop-us,usps," + usps + "\n",
		"box.jpg":      "\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9",
		"receipt.pdf":  "%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(w.work, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := writeSandboxConfig(filepath.Join(w.work, "sandbox.yaml"), sb); err != nil {
		t.Fatal(err)
	}
	chromium, ok := launcher.LookPath()
	if !ok {
		t.Fatal("no Chromium found; the examples run in it (make test installs it)")
	}
	w.offlineBrowser = filepath.Join(t.TempDir(), "chromium-offline")
	script := "#!/bin/sh\n# Port 9 on loopback refuses: no site beyond the sandbox is reached.\nexec " + chromium + " --proxy-server=127.0.0.1:9 \"$@\"\n"
	if err := os.WriteFile(w.offlineBrowser, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	w.draftReplace = map[string]string{
		"42":                 strconv.FormatInt(cands[1].ShipmentID, 10),
		"1Z999AA10123456784": cands[1].TrackingNumber,
	}
	w.replace = map[string]string{
		"42":                     strconv.FormatInt(thread, 10),
		"12":                     strconv.FormatInt(draft.ID, 10),
		"31":                     evidence,
		"205":                    strconv.FormatInt(props[0].ShipmentID, 10),
		"1Z999AA10123456784":     ups,
		"9400111899223100012348": usps,
		"127.0.0.1:8700":         fmt.Sprintf("127.0.0.1:%d", freePorts(t, len(sb.Sites())+2)),
	}
	w.translateReplace = maps.Clone(w.replace)
	w.translateReplace["42"] = strconv.FormatInt(foreign, 10)
	return w
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(text); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

func decode(t *testing.T, s string, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(s), v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
}

func (w *exampleWorld) runWithStdin(t *testing.T, stdin string, args ...string) {
	t.Helper()
	if res := w.run(t, w.base, w.mem, args, expectation{stdin: stdin}); res.code != exitOK {
		t.Fatalf("setting up the world: %v: exit %d\n%s", args, res.code, res.stderr)
	}
}

// run executes one command line in-process against the data and config
// under base, as `sellerops` would in the working folder.
func (w *exampleWorld) run(t *testing.T, base string, mem secrets.Store, args []string, exp expectation) cmdResult {
	t.Helper()
	var out, errOut syncBuffer
	ios := &ioStreams{In: strings.NewReader(exp.stdin), Out: &out, ErrOut: &errOut,
		stdinTTY: exp.tty, stdoutTTY: exp.tty, stderrTTY: exp.tty}
	f := newFactory(ios)
	env := map[string]string{
		"SELLEROPS_DB":     filepath.Join(base, "data", "sellerops.db"),
		"SELLEROPS_CONFIG": filepath.Join(base, "config", "config.yaml"),
		"SELLEROPS_LOG":    filepath.Join(base, "data", "logs", "sellerops.log"),
	}
	if w.home != "" {
		env["HOME"] = w.home
		env["XDG_DATA_HOME"] = filepath.Join(w.home, "data")
		env["XDG_CONFIG_HOME"] = filepath.Join(w.home, "config")
	}
	f.Getenv = func(k string) string { return env[k] }
	f.secretsS = mem
	f.Now = w.sb.Now
	budget := exp.budget
	if budget == 0 {
		budget = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(context.Background(), budget)
	defer cancel()
	done := make(chan exitCode, 1)
	go func() { done <- execute(ctx, f, args) }()
	var code exitCode
	if exp.ready != "" {
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
	wait:
		for {
			select {
			case code = <-done:
				break wait
			case <-tick.C:
				if strings.Contains(errOut.String(), exp.ready) || strings.Contains(out.String(), exp.ready) {
					cancel()
					code = <-done
					break wait
				}
			}
		}
	} else {
		code = <-done
	}
	f.Close()
	return cmdResult{stdout: out.String(), stderr: errOut.String(), code: code}
}

// copyTree copies the prepared data and config folders for one example.
func copyTree(t *testing.T, from, to string) {
	t.Helper()
	err := filepath.WalkDir(from, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(from, p)
		dst := filepath.Join(to, rel)
		if d.IsDir() {
			return os.MkdirAll(dst, 0o700)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		return os.WriteFile(dst, b, info.Mode().Perm())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestEveryExampleRuns runs every example of every --help text and of the
// README against the sandbox, each on a fresh copy of one prepared world,
// and checks that it ends as a user would expect: exit 0, or the exit the
// table above gives with its reason. Placeholders (thread 42, claim 12,
// the example tracking numbers, port 8700) are replaced with values that
// exist in the world; everything else is run as written, in a folder that
// holds the files the examples name.
func TestEveryExampleRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("runs every example against the sandbox in Chromium; not in -short")
	}
	exs := allExamples(t)
	w := newExampleWorld(t)
	t.Chdir(w.work)
	// The demo keeps its world under the data dir: a throwaway one here,
	// never the home of whoever runs the tests.
	home := t.TempDir()
	w.home = home
	t.Setenv("HOME", home)
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	// --show must meet no display here, wherever the test runs.
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	t.Setenv(automations.EnvBrowser, "")
	seen := map[string]bool{}
	used := map[string]bool{}
	ran := 0
	for _, ex := range exs {
		if seen[ex.line] {
			continue
		}
		seen[ex.line] = true
		exp, listed := exampleExpectations[ex.line]
		used[ex.line] = listed
		if ex.feed != "" {
			if exp.stdin != "" {
				t.Errorf("%q: a piped example takes its input from its pipe; the table must not give it one", ex.line)
			}
			exp.stdin = w.shell(t, ex)
		}
		if ex.stdin != "" {
			b, err := os.ReadFile(filepath.Join(w.work, ex.stdin))
			if err != nil {
				t.Fatalf("%s: %q reads %s, which the world does not have: %v", ex.where, ex.line, ex.stdin, err)
			}
			exp.stdin = string(b)
		}
		replace := w.replace
		if len(ex.args) > 1 && ex.args[0] == "claims" && ex.args[1] == "draft" {
			replace = w.draftReplace
		}
		if slices.Contains(ex.args, "--translate-reply") {
			replace = w.translateReplace
		}
		args := make([]string, 0, len(ex.args)+len(exp.extra))
		for _, a := range ex.args {
			if to, ok := replace[a]; ok {
				a = to
			} else if strings.Contains(a, "127.0.0.1:8700") {
				a = strings.ReplaceAll(a, "127.0.0.1:8700", w.replace["127.0.0.1:8700"])
			}
			args = append(args, a)
		}
		args = append(args, exp.extra...)
		dir := t.TempDir()
		if exp.fresh {
			copyTree(t, filepath.Join(w.base, "config"), filepath.Join(dir, "config"))
		} else {
			copyTree(t, w.base, dir)
		}
		if exp.config != "" {
			appendFile(t, filepath.Join(dir, "config", "config.yaml"), exp.config)
		}
		os.Setenv(automations.EnvBrowser, "")
		if exp.offline {
			os.Setenv(automations.EnvBrowser, w.offlineBrowser)
		}
		ran++
		began := time.Now()
		res := w.run(t, dir, w.mem.Clone(), args, exp)
		t.Logf("%-70.70s exit %3d in %5.1fs", strings.Join(args, " "), res.code, time.Since(began).Seconds())
		if res.code != exp.code {
			t.Errorf("%s: %q (run as %q): exit %d, want %d (%s)\nstdout: %.600s\nstderr: %.1200s",
				ex.where, ex.line, strings.Join(args, " "), res.code, exp.code, orDefault(exp.why, "a plain success"), res.stdout, res.stderr)
		}
		if ex.line == "sellerops mcp" && !strings.Contains(res.stdout, `"serverInfo"`) {
			t.Errorf("mcp answered initialize with %q", res.stdout)
		}
	}
	for line := range exampleExpectations {
		if _, ok := used[line]; !ok {
			t.Errorf("the table lists %q, which no --help text or README example has any more", line)
		}
	}
	t.Logf("%d examples run", ran)
}

// shell runs the shell part that feeds a piped example and returns what it
// prints, with the world's variables set.
func (w *exampleWorld) shell(t *testing.T, ex example) string {
	t.Helper()
	cmd := exec.Command("sh", "-c", ex.feed)
	cmd.Dir = w.work
	cmd.Env = append(os.Environ(), w.env...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: the feeding part of %q failed: %v", ex.where, ex.line, err)
	}
	return string(out)
}
