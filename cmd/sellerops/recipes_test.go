package main

import (
	"encoding/json"
	"github.com/sellerops/sellerops/automations/marketplace"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/tracking"
)

// `recipes check --live` opens the sandbox's tracking page with the recipe
// and its override: a good recipe matches the timeline and its records fit;
// a renamed cell is page_changed naming the selector; a misspelt name is an
// error for the site, with no other recipe standing in.
func TestRecipesCheckLive(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	res := runCommand(t, []string{"recipes", "check", "--live", "ups-sandbox", "--json"}, false, "", setup)
	var p tracking.Probe
	if err := json.Unmarshal([]byte(res.stdout), &p); err != nil || res.code != exitOK {
		t.Fatalf("live check: %d %v\n%s\n%s", res.code, err, res.stdout, res.stderr)
	}
	matched := map[string]int{}
	for _, s := range p.Selectors {
		matched[s.Key] = s.Matched
	}
	if p.Events == 0 || p.Class != "" || matched["selectors.track.events"] != p.Events || matched["selectors.track.event_text"] != p.Events {
		t.Errorf("live check of the built-in recipe: %+v", p)
	}

	over := filepath.Join(dir, "config", "recipes")
	if err := os.MkdirAll(over, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(over, "ups-sandbox.yaml")
	if err := os.WriteFile(file, []byte("selectors:\n  track.event_text: \".trk-event-description\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"recipes", "check", "--live", "ups-sandbox"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stdout, "records: page_changed") ||
		!strings.Contains(res.stdout, `selectors.track.event_text ".trk-event-description": empty`) {
		t.Errorf("renamed cell: %d\n%s", res.code, res.stdout)
	}

	if err := os.WriteFile(file, []byte("selectors:\n  track.evnts: \"table .row\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"recipes", "check"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stdout, "ups-sandbox.yaml:2: selectors.track.evnts: unknown selector name") ||
		!strings.Contains(res.stdout, "did you mean track.events?") {
		t.Errorf("misspelt name: %d\n%s", res.code, res.stdout)
	}
	res = runCommand(t, []string{"recipes", "check", "--live", "ups-sandbox"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stderr, `recipe "ups-sandbox" is invalid`) {
		t.Errorf("live check of a broken override: %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
}

// A live check of each marketplace recipe signs in to the sandbox, reads
// the inbox and a thread as a sync does and counts the selectors there; an
// override that renames a cell of the inbox is caught as page_changed.
func TestRecipesCheckLiveMarketplaces(t *testing.T) {
	t.Parallel()
	dir, setup := sharedEnv(t)
	for _, m := range []string{"amazon", "ebay", "tiktok"} {
		res := runCommand(t, []string{"recipes", "check", "--live", m + "-sandbox", "--json"}, false, "", setup)
		var p marketplace.Probe
		if err := json.Unmarshal([]byte(res.stdout), &p); err != nil || res.code != exitOK {
			t.Fatalf("%s live check: exit %d %v\n%s\n%s", m, res.code, err, res.stdout, res.stderr)
		}
		if !p.SignedIn || p.Threads == 0 || p.Misfits != 0 || p.Messages == 0 || p.Class != "" || len(p.Pages) == 0 {
			t.Errorf("%s live check: %+v", m, p)
		}
		counted := 0
		for _, pg := range p.Pages {
			for _, s := range pg.Selectors {
				if s.Matched > 0 {
					counted++
				}
			}
		}
		if counted == 0 {
			t.Errorf("%s: no selector matched anything on %+v", m, p.Pages)
		}
	}
	for _, pg := range func() []marketplace.ProbePage {
		res := runCommand(t, []string{"recipes", "check", "--live", "amazon-sandbox", "--json"}, false, "", setup)
		var p marketplace.Probe
		_ = json.Unmarshal([]byte(res.stdout), &p)
		return p.Pages
	}() {
		for _, s := range pg.Selectors {
			if s.Key == "selectors.inbox.thread" && s.Matched == 0 {
				t.Errorf("amazon inbox rows not counted on %s", pg.URL)
			}
		}
	}

	over := filepath.Join(dir, "config", "recipes")
	if err := os.MkdirAll(over, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(over, "amazon-sandbox.yaml"),
		[]byte("selectors:\n  inbox.thread_subject: \".thread-title a\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCommand(t, []string{"recipes", "check", "--live", "amazon-sandbox"}, false, "", setup)
	if res.code != exitBadInput || !strings.Contains(res.stdout, "page_changed") || !strings.Contains(res.stdout, "inbox.thread_subject") {
		t.Errorf("renamed inbox cell: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"recipes", "check", "--live", "amazon-sandbox", "--real"}, false, "", setup)
	if res.code != exitUsage || !strings.Contains(res.stderr, "--store") {
		t.Errorf("--real without --store: exit %d %s", res.code, res.stderr)
	}
}
