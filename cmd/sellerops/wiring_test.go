package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations"
)

// TestRecipeOverrideReachesEverySurface writes an override file for the
// UPS sandbox portal beside the config, as an operator would after a page
// changed, and checks that every surface that files claims (a manual
// `claims file` and the dashboard's filing share claimsDeps; `run
// claims-file`; the MCP server's file_claim), the tracker and the
// marketplace flows all run on the overridden recipe, read from that file,
// and that the file is read once per process. No browser is started for it.
func TestRecipeOverrideReachesEverySurface(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config", "config.yaml")
	override := filepath.Join(dir, "config", "recipes", "ups-sandbox.yaml")
	if err := os.MkdirAll(filepath.Dir(override), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfgPath, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const moved = "form#claims-signin-moved"
	if err := os.WriteFile(override, []byte("# the portal renamed its sign-in form\nselectors:\n  claims.login_form: \""+moved+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFactory(&ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	env := map[string]string{
		"SELLEROPS_DB":     filepath.Join(dir, "data", "sellerops.db"),
		"SELLEROPS_CONFIG": cfgPath,
		"SELLEROPS_LOG":    filepath.Join(dir, "data", "logs", "sellerops.log"),
		"XDG_CONFIG_HOME":  filepath.Join(dir, "config"),
		"XDG_DATA_HOME":    filepath.Join(dir, "data"),
	}
	f.Getenv = func(k string) string { return env[k] }
	defer f.Close()
	ctx := context.Background()

	check := func(surface string, set *automations.RecipeSet) {
		t.Helper()
		r, err := set.Get("ups-sandbox")
		if err != nil {
			t.Fatalf("%s: %v", surface, err)
		}
		got, err := r.Selector("claims.login_form")
		if err != nil || got != moved {
			t.Errorf("%s runs on claims.login_form %q (%v), want the override's %q", surface, got, err, moved)
		}
		if len(r.Sources) != 2 || r.Sources[1] != override {
			t.Errorf("%s: recipe read from %v, want the embedded file and then %s", surface, r.Sources, override)
		}
	}

	manual, err := claimsDeps(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	check("claims file and the dashboard", manual.Recipes)

	run, err := runJobDeps(ctx, f, nil)
	if err != nil {
		t.Fatal(err)
	}
	runClaims, err := run.Claims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("run claims-file", runClaims.Recipes)

	mcp, err := mcpDeps(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	mcpClaims, err := mcp.Claims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	check("mcp file_claim", mcpClaims.Recipes)

	tr, err := trackingDeps(ctx, f)
	if err != nil {
		t.Fatal(err)
	}
	check("track", tr.Recipes)
	mk, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		t.Fatal(err)
	}
	check("sync", mk.Recipes)

	for _, set := range []*automations.RecipeSet{runClaims.Recipes, mcpClaims.Recipes, tr.Recipes, mk.Recipes} {
		if set != manual.Recipes {
			t.Fatal("the surfaces loaded the recipes separately; one wiring loads them once")
		}
	}
	if f.startedBrowser() != nil {
		t.Error("building the dependencies started a browser")
	}
}

// TestInvalidConfigExits3 runs commands that read the config with a config
// whose error is on a known line: each refuses with exit 3 and a message
// naming the file, the line and the key, instead of running on defaults.
func TestInvalidConfigExits3(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct{ body, where string }{
		"shopee store": {"stores:\n  - name: shop\n    marketplace: shopee\n", ":1: stores: "},
		"unknown key":  {"thresholds:\n  due_son: 2h\n", ":2: due_son: "},
	} {
		t.Run(name, func(t *testing.T) {
			cfg := writeConfig(t, tc.body)
			for _, args := range [][]string{
				{"sync"}, {"stores", "list"}, {"messages", "list"}, {"track", "1Z999AA10123456784"},
				{"claims", "list"}, {"shipments", "list"}, {"run", "report"},
			} {
				res := runCommand(t, args, false, "", withClaimsEnv(nil, cfg, ""))
				if res.code != exitConfig || !strings.Contains(res.stderr, cfg+tc.where) {
					t.Errorf("%v with an invalid config: exit %d, stderr %q; want exit 3 naming %s%s", args, res.code, res.stderr, cfg, tc.where)
				}
			}
		})
	}
}

// TestLogGoesBesideTheDatabase: with --db in another folder and no
// SELLEROPS_LOG, the log is written in logs/ beside that database, as the
// README says, and nothing under the default data dir.
func TestLogGoesBesideTheDatabase(t *testing.T) {
	t.Parallel()
	elsewhere := filepath.Join(t.TempDir(), "shop")
	var dataHome string
	res := runCommand(t, []string{"--db", filepath.Join(elsewhere, "shop.db"), "run", "report"}, false, "", func(f *factory) {
		getenv := f.Getenv
		dataHome = getenv("XDG_DATA_HOME")
		f.Getenv = func(k string) string {
			if k == "SELLEROPS_LOG" {
				return ""
			}
			return getenv(k)
		}
	})
	if res.code != exitOK {
		t.Fatalf("run report: exit %d, %s", res.code, res.stderr)
	}
	data, err := os.ReadFile(filepath.Join(elsewhere, "logs", "sellerops.log"))
	if err != nil || !strings.Contains(string(data), `"job":"report"`) {
		t.Fatalf("no log beside the database: %v %q", err, data)
	}
	if dataHome == "" {
		t.Fatal("the command's environment names no data dir")
	}
	if def, err := filepath.Glob(filepath.Join(dataHome, "sellerops", "logs", "*")); err != nil || len(def) > 0 {
		t.Errorf("log files under the default data dir: %v", def)
	}
}
