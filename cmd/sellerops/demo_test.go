package main

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

func TestDashboardNeedsATerminal(t *testing.T) {
	res := runCommand(t, nil, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "needs a terminal") {
		t.Fatalf("code %d stderr %q", res.code, res.stderr)
	}
}

// TestDemoNoTUI runs the demo's first pass twice on one database: the first
// fills it from the sandbox, the second finds nothing new to store.
func TestDemoNoTUI(t *testing.T) {
	db := filepath.Join(t.TempDir(), "demo.db")
	var first demoSummary
	res := runCommand(t, []string{"--db", db, "demo", "--no-tui", "--json", "--orders", "25", "--drafts", "2"}, false, "")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if err := json.Unmarshal([]byte(res.stdout), &first); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	if first.Database != db || first.Stores != 3 || first.SyncFailed != 0 {
		t.Fatalf("stores: %+v", first)
	}
	if first.NewThreads == 0 || first.NewMessages < first.NewThreads {
		t.Fatalf("sync stored nothing: %+v", first)
	}
	if first.Parcels == 0 || first.Tracked+first.TrackFailed != first.Parcels || first.Tracked == 0 {
		t.Fatalf("tracking: %d parcels, %d tracked, %d failed", first.Parcels, first.Tracked, first.TrackFailed)
	}
	if len(first.Candidates) == 0 || first.Drafts == 0 || first.Drafts > 2 {
		t.Fatalf("claims: %d candidates, %d drafted", len(first.Candidates), first.Drafts)
	}
	if first.Sites["control"] == "" || first.Sites["amazon"] == "" {
		t.Fatalf("sites: %+v", first.Sites)
	}

	res = runCommand(t, []string{"--db", db, "demo", "--no-tui", "--json", "--orders", "25", "--drafts", "0"}, false, "")
	if res.code != exitOK {
		t.Fatalf("second run: exit %d: %s", res.code, res.stderr)
	}
	var second demoSummary
	if err := json.Unmarshal([]byte(res.stdout), &second); err != nil {
		t.Fatal(err)
	}
	if second.NewThreads != 0 || second.NewMessages != 0 {
		t.Fatalf("a second demo run stored %d threads and %d messages again", second.NewThreads, second.NewMessages)
	}

	// The data stays for later offline commands.
	res = runCommand(t, []string{"--db", db, "messages", "list", "--json", "--jq", "length"}, false, "")
	if res.code != exitOK || strings.TrimSpace(res.stdout) == "0" {
		t.Fatalf("messages list after the demo: code %d out %q err %q", res.code, res.stdout, res.stderr)
	}
}

func TestDemoRefusesBadFlags(t *testing.T) {
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
