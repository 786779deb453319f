package main

import (
	"encoding/json"
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
