package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/mail"
	"github.com/sellerops/sellerops/automations/mail/mailtest"
	"github.com/sellerops/sellerops/automations/marketplace"
)

// An email store end to end against Dovecot: add, test, sync, reply, and
// the refused login's exit code.
func TestEmailStoreEndToEnd(t *testing.T) {
	const seller, relay = "seller@shop.test", "k2x7m9q4r8t1w5z3@marketplace.amazon.com"
	dv := mailtest.Start(t, map[string]string{seller: "pw", relay: "buyer"}, mailtest.Options{})
	sm := mailtest.StartSMTP(t, dv, mailtest.SMTPOptions{})
	dir, setup := sharedEnv(t)
	add := func(name, pw string, extra ...string) cmdResult {
		args := append([]string{"stores", "add", name, "--marketplace", "amazon", "--email", "--address", seller,
			"--imap", dv.IMAPAddr, "--smtp", sm.Addr, "--imap-security", "plain", "--smtp-security", "plain", "--password-stdin"}, extra...)
		return runCommand(t, args, false, pw+"\n", setup)
	}
	if res := add("mail-us", "pw"); res.code != exitOK || !strings.Contains(res.stderr, "added email store mail-us") {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "add", "x", "--marketplace", "shop", "--username", "me", "--password-stdin"}, false, "pw\n", setup); res.code != exitUsage || !strings.Contains(res.stderr, "--email") {
		t.Errorf("shop without --email: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "add", "y", "--marketplace", "amazon", "--email", "--address", seller, "--imap", "imap.example.com",
		"--smtp", sm.Addr, "--password-stdin"}, false, "pw\n", setup); res.code != exitBadInput || !strings.Contains(res.stderr, "--imap \"imap.example.com\": give host:port") {
		t.Errorf("bad --imap: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "add", "z", "--marketplace", "amazon", "--email", "--address", seller, "--imap", "imap.example.com:143",
		"--imap-security", "plain", "--smtp", sm.Addr, "--password-stdin"}, false, "pw\n", setup); res.code != exitBadInput || !strings.Contains(res.stderr, "unencrypted") {
		t.Errorf("plain to a remote host: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "test", "mail-us"}, false, "", setup); res.code != exitOK || !strings.Contains(res.stdout, "IMAP and SMTP logins work") {
		t.Fatalf("stores test: %d %s %s", res.code, res.stdout, res.stderr)
	}

	raw := "From: Jane <" + relay + ">\r\nTo: " + seller + "\r\nSubject: Inquiry from Amazon customer Jane (Order: 112-3456789-1234567)\r\n" +
		"Message-ID: <q1@marketplace.amazon.com>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\nWhere is my order?\r\n"
	if err := dv.Append(seller, "INBOX", []byte(raw), time.Time{}); err != nil {
		t.Fatal(err)
	}
	res := runCommand(t, []string{"sync", "--json"}, false, "", setup)
	var sum marketplace.Summary
	if err := json.Unmarshal([]byte(res.stdout), &sum); res.code != exitOK || err != nil || sum.NewThreads != 1 || sum.NewMessages != 1 {
		t.Fatalf("sync: %d %s %s", res.code, res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"messages", "list", "--json"}, false, "", setup)
	var threads []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &threads); err != nil || len(threads) != 1 {
		t.Fatalf("messages list: %s", res.stdout)
	}
	id := int64(threads[0]["id"].(float64))
	body := filepath.Join(dir, "answer.txt")
	if err := os.WriteFile(body, []byte("Your parcel left today."), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"messages", "reply", strconv.FormatInt(id, 10), "--body-file", body}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "reply sent") {
		t.Fatalf("reply: %d %s %s", res.code, res.stdout, res.stderr)
	}
	msgID := mail.MessageIDFor(id, "Your parcel left today.", seller)
	if n, err := dv.Count(relay, "INBOX", "<"+msgID+">"); err != nil || n != 1 {
		t.Fatalf("the buyer has %d replies (%v), want 1", n, err)
	}

	// A refused password: stores test and sync exit 12.
	if res := add("mail-bad", "wrong"); res.code != exitOK {
		t.Fatalf("add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "test", "mail-bad"}, false, "", setup); res.code != exitAuthFailed || !strings.Contains(res.stderr, "refused the login") {
		t.Errorf("stores test with a wrong password: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"sync", "--store", "mail-bad"}, false, "", setup); res.code != exitAuthFailed {
		t.Errorf("sync with a wrong password: %d %s", res.code, res.stderr)
	}
}
