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
	t.Parallel()
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

// stores update changes an email store's settings, checked as stores add
// checks them; stores list shows them in text and JSON, never the password.
func TestEmailStoreUpdateAndList(t *testing.T) {
	t.Parallel()
	const seller, pw = "seller@shop.test", "s3cret-mail-pw"
	dv := mailtest.Start(t, map[string]string{seller: pw}, mailtest.Options{})
	sm := mailtest.StartSMTP(t, dv, mailtest.SMTPOptions{})
	_, setup := sharedEnv(t)
	if res := runCommand(t, []string{"stores", "add", "mail-us", "--marketplace", "amazon", "--email", "--address", seller,
		"--imap", dv.IMAPAddr, "--smtp", sm.Addr, "--imap-security", "plain", "--smtp-security", "plain", "--password-stdin"}, false, pw+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if err := dv.Append(seller, "INBOX", []byte("From: a@b.test\r\nSubject: hi\r\nMessage-ID: <u1@b>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\nhello\r\n"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if res := runCommand(t, []string{"sync", "--store", "mail-us"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sync: %d %s", res.code, res.stderr)
	}
	// Bad values are refused with the fix, and nothing changes.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--imap", "imap.example.com"}, `--imap "imap.example.com": give host:port`},
		{[]string{"--smtp", "smtp.example.com:587", "--smtp-security", "plain"}, "unencrypted"},
		{[]string{"--address", "not an address"}, "is not an email address"},
		{[]string{"--folder", " "}, "an empty --folder"},
		{[]string{"--no-totp"}, "has no TOTP secret"},
	} {
		res := runCommand(t, append([]string{"stores", "update", "mail-us"}, c.args...), false, "", setup)
		if res.code == exitOK || !strings.Contains(res.stderr, c.want) {
			t.Errorf("update %v: %d %s, want an error saying %q", c.args, res.code, res.stderr, c.want)
		}
	}
	// The same server under another name and folders: the folder is read
	// again from its start, and the mail already stored is not stored twice.
	_, port, _ := strings.Cut(dv.IMAPAddr, ":")
	res := runCommand(t, []string{"stores", "update", "mail-us", "--imap", "localhost:" + port, "--imap-security", "plain",
		"--folder", "INBOX", "--folder", "Amazon", "--sent-folder", "Sent", "--address", "Orders@Shop.test", "--username", seller}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "mail settings (orders@shop.test") {
		t.Fatalf("update: %d %s", res.code, res.stderr)
	}
	if err := dv.Append(seller, "Amazon", []byte("From: c@d.test\r\nSubject: yo\r\nMessage-ID: <u2@d>\r\nDate: Wed, 02 Dec 2026 09:00:00 +0000\r\n\r\nhi\r\n"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"sync", "--store", "mail-us", "--json"}, false, "", setup)
	var sum marketplace.Summary
	if err := json.Unmarshal([]byte(res.stdout), &sum); res.code != exitOK || err != nil || sum.NewMessages != 1 {
		t.Fatalf("sync after the update: %d %s %s", res.code, res.stdout, res.stderr)
	}
	if len(sum.Stores) != 1 || sum.Stores[0].Checked != 2 {
		t.Errorf("sync after the update read %+v, want INBOX's mail read again and Amazon's new one", sum.Stores)
	}

	res = runCommand(t, []string{"stores", "list"}, false, "", setup)
	for _, want := range []string{"orders@shop.test", "localhost:" + port + " plain", "INBOX,Amazon", "(email)"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("stores list lacks %q:\n%s", want, res.stdout)
		}
	}
	res = runCommand(t, []string{"stores", "list", "--json"}, false, "", setup)
	var list []struct {
		Name string `json:"name"`
		Mail *struct {
			Address      string   `json:"address"`
			Username     string   `json:"username"`
			IMAPHost     string   `json:"imap_host"`
			IMAPPort     int      `json:"imap_port"`
			IMAPSecurity string   `json:"imap_security"`
			SMTPSecurity string   `json:"smtp_security"`
			Folders      []string `json:"folders"`
		} `json:"mail"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &list); err != nil || len(list) != 1 || list[0].Mail == nil {
		t.Fatalf("stores list --json: %v %s", err, res.stdout)
	}
	m := list[0].Mail
	if m.Address != "orders@shop.test" || m.Username != seller || m.IMAPHost != "localhost" || strconv.Itoa(m.IMAPPort) != port ||
		m.IMAPSecurity != "plain" || m.SMTPSecurity != "plain" || strings.Join(m.Folders, ",") != "INBOX,Amazon" {
		t.Errorf("mail settings %+v", m)
	}
	for _, out := range []string{res.stdout, runCommand(t, []string{"stores", "list"}, false, "", setup).stdout} {
		if strings.Contains(out, pw) {
			t.Errorf("the password is in the listing:\n%s", out)
		}
	}
}
