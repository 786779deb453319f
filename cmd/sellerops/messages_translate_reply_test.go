package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// A reply written in English to a buyer who writes in another language:
// without a terminal it is refused until the policy allows it, then sent
// once through the outbox in the buyer's language, and the stored reply
// keeps both texts.
func TestMessagesReplyTranslateReplyPolicyAndBothTexts(t *testing.T) {
	t.Parallel()
	sb, dir, shared := sandboxEnv(t, 5)
	setup := func(f *factory) {
		shared(f)
		if err := f.secretsS.Set(context.Background(), secrets.TranslationKey("deepl"), sb.Account(sandbox.TranslateSite).APIKey); err != nil {
			t.Fatal(err)
		}
	}
	cfgPath := filepath.Join(dir, "config", "config.yaml")
	writeCfg := func(allow bool) {
		cfg := "operator:\n  language: en\ntranslation:\n  provider: deepl\n  url: " + sb.URL(sandbox.TranslateSite) + "\n" +
			"agents:\n  allow_translated_replies: " + strconv.FormatBool(allow) + "\n"
		if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeCfg(false)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"sync"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sync: %d %s", res.code, res.stderr)
	}
	res := runCommand(t, []string{"messages", "list", "--status", "open", "--json"}, false, "", setup)
	var threads []localdb.Thread
	if err := json.Unmarshal([]byte(res.stdout), &threads); err != nil {
		t.Fatal(err)
	}
	var th localdb.Thread
	for _, x := range threads {
		if x.Language != "en" && x.Language != "und" && x.Language != "" {
			th = x
			break
		}
	}
	if th.ID == 0 {
		t.Fatalf("no open thread in a language other than English among %d", len(threads))
	}
	sid := strconv.FormatInt(th.ID, 10)
	body := filepath.Join(dir, "answer.txt")
	const original = "Thank you, we are checking with the carrier."
	if err := os.WriteFile(body, []byte(original), 0o600); err != nil {
		t.Fatal(err)
	}
	reply := []string{"messages", "reply", sid, "--body-file", body, "--translate-reply"}
	sent := func() []sandbox.Reply { return sb.State().Replies[th.MarketplaceThreadID] }
	before := len(sent())

	// No terminal, no policy: refused, nothing in the outbox.
	res = runCommand(t, reply, false, "", setup)
	if res.code != exitNeedsHuman || !strings.Contains(res.stderr, "agents.allow_translated_replies") {
		t.Fatalf("without the policy: exit %d %s", res.code, res.stderr)
	}
	if n := outboxCount(t, dir); n != 0 {
		t.Fatalf("refused, yet %d outbox intents", n)
	}

	// The dry run shows both texts and sends nothing.
	res = runCommand(t, append(reply, "--dry-run"), false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, original) || !strings.Contains(res.stdout, "the buyer gets ("+th.Language+")") {
		t.Fatalf("dry run: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// At a terminal both texts are shown first; "n" sends nothing.
	res = runCommand(t, reply, true, "n\n", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "the buyer gets ("+th.Language+")") || !strings.Contains(res.stderr, "not sent") {
		t.Fatalf("at a terminal, answered n: exit %d %s", res.code, res.stderr)
	}
	if n := outboxCount(t, dir); n != 0 || len(sent()) != before {
		t.Fatalf("answered n, yet %d outbox intents and %d new replies", n, len(sent())-before)
	}

	writeCfg(true)
	for i := range 2 {
		res = runCommand(t, reply, false, "", setup)
		if res.code != exitOK {
			t.Fatalf("run %d: exit %d %s", i, res.code, res.stderr)
		}
	}
	if !strings.Contains(res.stdout, "already sent") {
		t.Errorf("second run: %s", res.stdout)
	}
	if n := outboxCount(t, dir); n != 1 {
		t.Errorf("%d outbox intents, want 1", n)
	}
	if got := sent(); len(got) != before+1 || got[len(got)-1].Body == original {
		t.Errorf("the site has %d new replies (want 1, in the buyer's language): %+v", len(got)-before, got)
	}
	res = runCommand(t, []string{"messages", "show", sid, "--json"}, false, "", setup)
	var v struct {
		Messages []localdb.Message `json:"messages"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range v.Messages {
		if m.Direction == localdb.DirectionOut && m.Original != nil {
			found = true
			if m.Original.Text != original || m.Original.Language != "en" || m.Original.SentIn != th.Language || m.Body == original || m.Body == "" {
				t.Errorf("stored reply: body %q, original %+v", m.Body, *m.Original)
			}
		}
	}
	if !found {
		t.Fatalf("no stored reply keeps its original: %s", res.stdout)
	}
}

func outboxCount(t *testing.T, dir string) int {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.SQL().QueryRow(`SELECT count(*) FROM outbox`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
