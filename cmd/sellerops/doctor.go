package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-rod/rod/lib/proto"
	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

type doctorOptions struct {
	JSON jsonFlags
	// Only, when set, runs just the named checks.
	Only []string
}

// checkResult is one line of the doctor's report.
type checkResult struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix,omitempty"`
}

func newDoctorCmd(f *factory) *cobra.Command {
	var opts doctorOptions
	cmd := &cobra.Command{
		Use:   "doctor",
		Short: "Check that the database, browser, keyring and config work on this machine",
		Long: strings.TrimSpace(`
Check each part sellerops depends on and say how to fix what fails:

  config    the config dir exists and is private; config.yaml (if any) is valid
  database  the database opens, its migrations are at head, its file is mode 0600
  browser   Chromium launches headless and renders a page served on 127.0.0.1
  keyring   a probe secret can be stored, read back and deleted

Exits 0 when every check passes and 14 when any fails.`),
		Example: "  sellerops doctor\n  sellerops doctor --json --jq '.[] | select(.ok | not) | .fix'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return doctorRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringSliceVar(&opts.Only, "only", nil, "Run only these `checks` (config, database, browser, keyring)")
	return cmd
}

var doctorChecks = []struct {
	name string
	fn   func(ctx context.Context, f *factory) checkResult
}{
	{"config", checkConfig},
	{"database", checkDatabase},
	{"browser", checkBrowser},
	{"keyring", checkKeyring},
}

func doctorRun(ctx context.Context, f *factory, opts *doctorOptions) error {
	for _, o := range opts.Only {
		known := false
		for _, c := range doctorChecks {
			known = known || c.name == o
		}
		if !known {
			return usageErrorf("--only %q: unknown check; use config, database, browser or keyring", o)
		}
	}
	var results []checkResult
	for _, c := range doctorChecks {
		if len(opts.Only) > 0 && !containsString(opts.Only, c.name) {
			continue
		}
		if !opts.JSON.enabled() && f.IO.IsStderrTTY() {
			fmt.Fprintf(f.IO.ErrOut, "checking %s...\r", c.name)
		}
		r := c.fn(ctx, f)
		r.Name = c.name
		results = append(results, r)
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	failed := 0
	for _, r := range results {
		if !r.OK {
			failed++
		}
	}
	if opts.JSON.enabled() {
		if err := writeJSON(f.IO.Out, results, opts.JSON.JQ); err != nil {
			return err
		}
	} else {
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "CHECK", "STATUS", "DETAIL")
		for _, r := range results {
			status := "ok"
			if !r.OK {
				status = "FAIL"
			}
			t.row(r.Name, status, r.Detail)
		}
		t.flush()
		for _, r := range results {
			if !r.OK && r.Fix != "" {
				fmt.Fprintf(f.IO.ErrOut, "fix %s: %s\n", r.Name, r.Fix)
			}
		}
	}
	if failed > 0 {
		return errChecksFailed
	}
	return nil
}

func containsString(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func checkConfig(_ context.Context, f *factory) checkResult {
	path, explicit, err := f.ConfigPath()
	if err != nil {
		return checkResult{Detail: err.Error(), Fix: "set HOME or XDG_CONFIG_HOME, or pass --config"}
	}
	dir := filepath.Dir(path)
	if err := localdb.EnsurePrivateDir(dir); err != nil {
		return checkResult{Detail: fmt.Sprintf("config dir %s: %v", dir, err), Fix: "make the directory writable by you, or pass --config"}
	}
	probe, err := os.CreateTemp(dir, ".doctor-*")
	if err != nil {
		return checkResult{Detail: fmt.Sprintf("config dir %s is not writable: %v", dir, err), Fix: "fix the directory's owner or permissions"}
	}
	probe.Close()
	os.Remove(probe.Name())
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return checkResult{Detail: err.Error(), Fix: "edit the file at the line named, or move it aside to start from defaults"}
	}
	if _, statErr := os.Stat(path); statErr != nil {
		return checkResult{OK: true, Detail: fmt.Sprintf("%s (no config.yaml yet: defaults in use)", dir)}
	}
	return checkResult{OK: true, Detail: fmt.Sprintf("%s valid: %d carriers, %d schedules", cfg.Path, len(cfg.Carriers), len(cfg.Schedules))}
}

func checkDatabase(ctx context.Context, f *factory) checkResult {
	db, err := f.DB(ctx)
	if err != nil {
		return checkResult{Detail: err.Error(), Fix: "check the path's permissions and free space, or pass --db"}
	}
	st, err := db.Check(ctx)
	if err != nil {
		return checkResult{Detail: err.Error(), Fix: "restore the file from a backup, or move it aside to start afresh"}
	}
	detail := fmt.Sprintf("%s schema %d/%d, mode %04o, %s journal", st.Path, st.SchemaVersion, st.HeadVersion, st.FileMode, st.JournalMode)
	if !st.OK() {
		return checkResult{Detail: detail, Fix: strings.Join(st.Problems, "; ")}
	}
	return checkResult{OK: true, Detail: detail}
}

func checkBrowser(ctx context.Context, f *factory) checkResult {
	fix := "install Chromium (sudo apt-get install chromium, or brew install --cask chromium), or pass --browser PATH|ws://URL"
	b, err := f.Browser(ctx)
	if err != nil {
		return checkResult{Detail: err.Error(), Fix: fix}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return checkResult{Detail: "cannot listen on 127.0.0.1: " + err.Error(), Fix: "allow loopback connections"}
	}
	const marker = "sellerops doctor probe"
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!doctype html><title>probe</title><p id="out">loading</p><script>setTimeout(function(){document.getElementById("out").textContent=%q},50)</script>`, marker)
	})}
	go srv.Serve(ln)
	defer srv.Close()

	start := time.Now()
	text, err := renderProbe(ctx, f, "http://"+ln.Addr().String()+"/")
	if err != nil {
		return checkResult{Detail: "launched, but could not render a local page: " + err.Error(), Fix: fix}
	}
	if text != marker {
		return checkResult{Detail: fmt.Sprintf("rendered %q instead of the probe text", text), Fix: fix}
	}
	version, _ := b.Version(ctx)
	return checkResult{OK: true, Detail: fmt.Sprintf("%s started in %s, rendered a local page in %s",
		version, b.Started.Round(time.Millisecond), time.Since(start).Round(time.Millisecond))}
}

// renderProbe opens url in a new page and returns the text the page's script
// writes, waiting on the element's content rather than on a sleep.
func renderProbe(ctx context.Context, f *factory, url string) (string, error) {
	b, err := f.Browser(ctx)
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	page, err := b.Rod().Context(ctx).Page(proto.TargetCreateTarget{URL: url})
	if err != nil {
		return "", fmt.Errorf("open page: %w", err)
	}
	defer page.Close()
	el, err := page.ElementR("#out", "sellerops")
	if err != nil {
		return "", fmt.Errorf("wait for the page's script: %w", err)
	}
	return el.Text()
}

func checkKeyring(ctx context.Context, f *factory) checkResult {
	fix := "start and unlock a keyring (gnome-keyring on Linux, Keychain on macOS); on servers without one, give secrets as SELLEROPS_SECRET_* environment variables (see README)"
	s := f.Secrets()
	key := fmt.Sprintf("doctor/probe-%d", os.Getpid())
	value := fmt.Sprintf("probe-%d", f.Now().UnixNano())
	start := time.Now()
	if err := s.Set(ctx, key, value); err != nil {
		if errors.Is(err, secrets.ErrUnavailable) || errors.Is(err, secrets.ErrReadOnly) {
			// No desktop keyring: say so once, without the probe's
			// throwaway variable name.
			return checkResult{Detail: "no desktop keyring answers on this machine",
				Fix: "run `make doctor`, which starts a keyring for the check, or give each secret as a SELLEROPS_SECRET_* environment variable (see README)"}
		}
		return checkResult{Detail: err.Error(), Fix: fix}
	}
	got, err := s.Get(ctx, key)
	delErr := s.Delete(ctx, key)
	switch {
	case err != nil:
		return checkResult{Detail: "stored but could not read back: " + err.Error(), Fix: fix}
	case got != value:
		return checkResult{Detail: "read back a different value than stored", Fix: fix}
	case delErr != nil:
		return checkResult{Detail: "could not delete the probe: " + delErr.Error(), Fix: fix}
	}
	return checkResult{OK: true, Detail: fmt.Sprintf("stored, read and deleted a probe secret in %s", time.Since(start).Round(time.Millisecond))}
}
