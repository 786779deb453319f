package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb/config"
)

// The file `sandbox --write-config` writes is one the product reads back
// with every carrier on its sandbox recipe and the addresses the sandbox
// printed, and tracking through it reaches the sandbox's page.
func TestSandboxWriteConfigPointsCarriersAtTheSandbox(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "sandbox.yaml")
	out := &syncBuffer{}
	errOut := &syncBuffer{}
	f := newFactory(&ioStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan exitCode, 1)
	go func() {
		done <- execute(ctx, f, []string{"sandbox", "--seed", "3", "--orders", "20", "--write-config", path})
	}()
	sites := map[string]string{}
	testwait.Until(t, "the sandbox to list its sites", func() bool {
		for _, line := range strings.Split(out.String(), "\n") {
			if name, url, ok := strings.Cut(line, " "); ok {
				sites[name] = url
			}
		}
		return len(sites) >= 9
	})
	cfg, err := config.Load(path, true)
	if err != nil {
		t.Fatalf("the written config does not load: %v", err)
	}
	for _, c := range config.CarrierNames {
		got := cfg.Carriers[c]
		if got.Recipe != c+"-sandbox" || got.WebBaseURL != sites[c] || got.APIBaseURL != sites[c] || got.PortalURL != sites[c] {
			t.Errorf("carrier %s: %+v; want recipe %s-sandbox at %s", c, got, c, sites[c])
		}
	}
	if got := cfg.Carriers["17track"].APIBaseURL; got != sites["17track"]+sandbox.SeventeenAPIPath {
		t.Errorf("17track api_base_url %q, want %q", got, sites["17track"]+sandbox.SeventeenAPIPath)
	}
	if tr := cfg.Translation; tr.Provider != "deepl" || tr.URL != sites[sandbox.TranslateSite] {
		t.Errorf("translation %+v; want deepl at the translate site %s", tr, sites[sandbox.TranslateSite])
	}
	if b, _ := os.ReadFile(path); !strings.Contains(string(b), "SELLEROPS_SECRET_TRANSLATION_DEEPL_API_KEY") {
		t.Errorf("the file does not say where the translate key goes:\n%s", b)
	}
	if !strings.Contains(errOut.String(), "wrote "+path) {
		t.Errorf("stderr does not say the file was written: %q", errOut.String())
	}
	cancel()
	if code := <-done; code != exitInterrupted {
		t.Errorf("stopped sandbox exit %d, want %d", code, exitInterrupted)
	}
}

func TestSandboxWriteConfigRefusesAForeignFile(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 2, Orders: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	mine := filepath.Join(dir, "config.yaml")
	const userConfig = "thresholds:\n  stalled_days: 9\n"
	if err := os.WriteFile(mine, []byte(userConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	err = writeSandboxConfig(mine, sb)
	if code := exitCodeFor(err); code != exitBadInput || !strings.Contains(err.Error(), mine) {
		t.Errorf("writing over a user's config: %v (exit %d); want exit %d naming the file", err, code, exitBadInput)
	}
	if b, _ := os.ReadFile(mine); string(b) != userConfig {
		t.Errorf("the user's config changed: %q", b)
	}
	// A file an earlier run wrote is written over (the ports change).
	own := filepath.Join(dir, "sandbox.yaml")
	for i := 0; i < 2; i++ {
		if err := writeSandboxConfig(own, sb); err != nil {
			t.Fatalf("write %d: %v", i, err)
		}
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".sandbox-config-*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Tracking through the written file alone (no other config) reads the
// sandbox's UPS page in Chromium.
func TestSandboxWrittenConfigTracks(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 11, Orders: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	path := filepath.Join(t.TempDir(), "sandbox.yaml")
	if err := writeSandboxConfig(path, sb); err != nil {
		t.Fatal(err)
	}
	ups := sandboxNumber(t, sb, "ups", 0)
	before := sb.State().Requests["ups.page"]
	res := runCommand(t, []string{"track", "--json", ups}, false, "", withTrackEnv(sb, path, ""))
	lines := parseTrackLines(t, res.stdout)
	if res.code != exitOK || len(lines) != 1 || lines[0].Source != "web" || lines[0].Tag == "" || len(lines[0].Events) == 0 {
		t.Fatalf("track through the written config: exit %d, lines %+v\nstderr %s", res.code, lines, res.stderr)
	}
	if sb.State().Requests["ups.page"] == before {
		t.Error("the sandbox's UPS page was not asked")
	}
}
