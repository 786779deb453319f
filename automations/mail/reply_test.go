package mail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/emersion/go-imap"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// killEnv names the reply step at which the helper process kills itself.
const killEnv = "SELLEROPS_MAIL_KILL_AT"

// killHelper is the test binary acting as a separate sellerops process that
// sends one reply and is killed (SIGKILL, no clean-up) at point.
func killHelper(point string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := localdb.Open(ctx, os.Getenv("SELLEROPS_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer db.Close()
	thread, _ := strconv.ParseInt(os.Getenv("SELLEROPS_TEST_THREAD"), 10, 64)
	d := &Deps{DB: db, Secrets: &secrets.Chain{Keyring: marketplace.NewMemorySecrets(), Env: secrets.Env{}},
		Hook: func(p string) {
			if p == point {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}}
	res, err := SendReply(ctx, d, thread, os.Getenv("SELLEROPS_TEST_BODY"), nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = json.NewEncoder(os.Stdout).Encode(res)
	return 0
}

// runKilled runs the helper and reports whether it was killed.
func runKilled(t *testing.T, w *world, threadID int64, body, point string) bool {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), killEnv+"="+point, "SELLEROPS_TEST_DB="+w.db.Path(),
		"SELLEROPS_TEST_THREAD="+strconv.FormatInt(threadID, 10), "SELLEROPS_TEST_BODY="+body,
		secrets.EnvName(secrets.StorePasswordKey("mailshop"))+"="+sellerPW)
	out, err := cmd.CombinedOutput()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL {
			return true
		}
	}
	if err != nil {
		t.Fatalf("helper at %s: %v\n%s", point, err, out)
	}
	return false
}

// relayThread syncs one buyer mail and returns its thread.
func relayThread(t *testing.T, w *world, n int) localdb.Thread {
	t.Helper()
	order := fmt.Sprintf("112-%07d-1234567", n)
	w.deliver(t, "From: Jane <"+relayUS+">\r\nTo: "+sellerAddr+"\r\nSubject: Inquiry from Amazon customer Jane (Order: "+order+")\r\n"+
		"Message-ID: <q"+strconv.Itoa(n)+"@marketplace.amazon.com>\r\nReferences: <older"+strconv.Itoa(n)+"@marketplace.amazon.com>\r\n"+
		"Date: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\nWhere is my order?\r\n", time.Time{})
	if s := w.sync(t); !s.OK || s.NewThreads != 1 {
		t.Fatalf("sync: %+v", s)
	}
	th, err := w.db.GetThreadByMarketplaceID(context.Background(), w.store.ID, "relay:"+relayUS+":"+order)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

func TestReplyByEmail(t *testing.T) {
	w := newWorld(t, worldOpts{})
	th := relayThread(t, w, 1)
	ctx := w.ctx(t)
	body := "Hello Jane,\nyour parcel left our warehouse today. Grüße"
	res, err := SendReply(ctx, w.deps, th.ID, body, nil)
	if err != nil {
		t.Fatal(err)
	}
	id := MessageIDFor(th.ID, body, sellerAddr)
	if res.Key != id || res.AlreadySent || res.Recovered {
		t.Fatalf("result %+v", res)
	}
	// The buyer's relay alias got it once, answering the buyer's mail.
	if n, err := w.dv.Count(relayUS, "INBOX", "<"+id+">"); err != nil || n != 1 {
		t.Fatalf("buyer has %d copies (%v), want 1", n, err)
	}
	c, err := w.dv.Login(relayUS)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Logout()
	if _, err := c.Select("INBOX", true); err != nil {
		t.Fatal(err)
	}
	crit := imap.NewSearchCriteria()
	crit.Header.Add("Message-Id", "<"+id+">")
	uids, _ := c.UidSearch(crit)
	seq := new(imap.SeqSet)
	seq.AddNum(uids...)
	section := &imap.BodySectionName{Peek: true}
	ch := make(chan *imap.Message, 1)
	if err := c.UidFetch(seq, []imap.FetchItem{section.FetchItem()}, ch); err != nil {
		t.Fatal(err)
	}
	msg := <-ch
	b := make([]byte, msg.GetBody(section).Len())
	_, _ = readFull(msg.GetBody(section), b)
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if m.From.Address != sellerAddr || len(m.InReplyTo) != 1 || m.InReplyTo[0] != "q1@marketplace.amazon.com" ||
		strings.Join(m.References, " ") != "older1@marketplace.amazon.com q1@marketplace.amazon.com" ||
		m.Text != body || !strings.HasPrefix(m.Subject, "Re: Inquiry from Amazon customer Jane") {
		t.Fatalf("reply as received: %+v", m)
	}
	// The test server keeps no copy in Sent, so the client appended one.
	if n, _ := w.dv.Count(sellerAddr, "Sent", "<"+id+">"); n != 1 {
		t.Errorf("Sent holds %d copies, want 1", n)
	}
	got, _ := w.db.GetThread(ctx, th.ID)
	if got.Status != localdb.StatusReplied {
		t.Errorf("thread status %q", got.Status)
	}
	// The same reply again sends nothing.
	again, err := SendReply(ctx, w.deps, th.ID, body, nil)
	if err != nil || !again.AlreadySent {
		t.Fatalf("again: %+v %v", again, err)
	}
	if n, _ := w.dv.Count(relayUS, "INBOX", "<"+id+">"); n != 1 {
		t.Fatalf("after a second send the buyer has %d copies", n)
	}
	// The buyer's answer to the reply lands in the same thread.
	w.deliver(t, "From: "+relayUS+"\r\nSubject: RE: hi\r\nMessage-ID: <q1b@marketplace.amazon.com>\r\nIn-Reply-To: <"+id+">\r\n"+
		"Date: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nThank you!\r\n", time.Time{})
	if s := w.sync(t); s.NewThreads != 0 || s.NewMessages != 1 {
		t.Fatalf("answer to the reply: %+v", s)
	}
}

// A process killed anywhere between storing the reply's Message-ID and the
// end of DATA, then run again, leaves exactly one reply with the buyer.
func TestReplyKilledMidSendArrivesOnce(t *testing.T) {
	w := newWorld(t, worldOpts{})
	points := []string{"intent-written", "checked", "in-flight", "smtp-connected", "envelope", "data-open", "data-half", "data-written"}
	for i, point := range points {
		t.Run(point, func(t *testing.T) {
			th := relayThread(t, w, 10+i)
			body := "Your parcel is on its way (" + point + ")."
			if !runKilled(t, w, th.ID, body, point) {
				t.Fatalf("the helper was not killed at %s", point)
			}
			res, err := SendReply(w.ctx(t), w.deps, th.ID, body, nil)
			if err != nil {
				t.Fatalf("send after the kill: %v", err)
			}
			id := MessageIDFor(th.ID, body, sellerAddr)
			if n, err := w.dv.Count(relayUS, "INBOX", "<"+id+">"); err != nil || n != 1 {
				t.Fatalf("killed at %s: buyer has %d copies (%v), want exactly 1 (result %+v)", point, n, err, res)
			}
		})
	}
}

// Past the end of DATA the message is with the server; a server that keeps
// it in Sent (as Gmail does) lets the next run find it there instead of
// sending it again.
func TestReplyKilledAfterDataIsFoundInSent(t *testing.T) {
	w := newWorld(t, worldOpts{saveToSent: true})
	th := relayThread(t, w, 40)
	body := "Found in Sent."
	if !runKilled(t, w, th.ID, body, "data-ended") {
		t.Fatal("not killed")
	}
	res, err := SendReply(w.ctx(t), w.deps, th.ID, body, nil)
	if err != nil || !res.Recovered {
		t.Fatalf("result %+v %v, want recovered from Sent", res, err)
	}
	id := MessageIDFor(th.ID, body, sellerAddr)
	if n, _ := w.dv.Count(relayUS, "INBOX", "<"+id+">"); n != 1 {
		t.Fatalf("buyer has %d copies, want 1", n)
	}
	if n, _ := w.dv.Count(sellerAddr, "Sent", "<"+id+">"); n != 1 {
		t.Fatalf("Sent has %d copies, want 1 (the server's)", n)
	}
}
