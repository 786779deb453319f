package main

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// messages list --search finds exactly the threads that hold a Japanese term,
// the truth being strings.Contains over the subjects and messages that the
// sandbox seeded for the synced store and showed by the sandbox's clock.
func TestMessagesSearchJapanese(t *testing.T) {
	t.Parallel()
	sb, _, setup := sandboxEnv(t, 33)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"sync", "--json"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sync: %d %s %s", res.code, res.stdout, res.stderr)
	}
	now := sb.Now()
	truth := func(term string) []string {
		var ids []string
		for _, th := range sb.World().StoreThreads("amazon") {
			if !th.Visible(now) {
				continue
			}
			hit := strings.Contains(th.Subject, term)
			for _, m := range th.VisibleMessages(now) {
				hit = hit || strings.Contains(m.Body, term)
			}
			if hit {
				ids = append(ids, th.ID)
			}
		}
		slices.Sort(ids)
		return ids
	}
	for _, term := range []string{"届きません", "壊れ", "返品", "破損", "注文"} {
		want := truth(term)
		if len(want) == 0 {
			t.Errorf("seed 33 has no thread with %q: pick a seed whose world has one", term)
			continue
		}
		res := runCommand(t, []string{"messages", "list", "--search", term, "--json"}, false, "", setup)
		var threads []struct {
			MarketplaceThreadID string `json:"marketplace_thread_id"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &threads); err != nil || res.code != exitOK {
			t.Fatalf("messages list --search %s: exit %d, %v: %s", term, res.code, err, res.stderr)
		}
		var got []string
		for _, th := range threads {
			got = append(got, th.MarketplaceThreadID)
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("--search %s found %d threads %v, want the %d that hold it %v", term, len(got), got, len(want), want)
		} else {
			t.Logf("--search %s: %d of %d threads hold it, all found", term, len(got), len(want))
		}
	}
}
