package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

func splitAddr(t testing.TB, addr string) (string, int) {
	t.Helper()
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return h, n
}

// deliverInbox puts testdata/inbox/*.eml into the seller's INBOX, in name order.
func deliverInbox(t *testing.T, w *world) []string {
	t.Helper()
	names, _ := filepath.Glob("testdata/inbox/*.eml")
	sort.Strings(names)
	at := time.Date(2026, 12, 2, 12, 0, 0, 0, time.UTC)
	for _, n := range names {
		raw, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		w.deliver(t, string(raw), at)
	}
	return names
}

// The labelled set: what each mail of testdata/inbox says, written from the
// mails themselves (the charsets' code tables, RFC 5322 threading headers,
// Amazon's relay aliases) before the reader was run on them.
var wantThreads = map[string]struct {
	messages int
	order    string
	language string
	contains []string
	absent   []string
}{
	// 01, 02 (In-Reply-To 01), 03 (same relay alias and order), 09 (References).
	"relay:" + relayUS + ":112-3456789-1234567": {4, "112-3456789-1234567", "en",
		[]string{"has not moved for a week. Where is it? Thank you.", "Any news about my parcel", "invoice", "photo of the box"}, nil},
	// 04 ISO-2022-JP, 05 Shift_JIS HTML-only (In-Reply-To 04).
	"relay:" + relayJP + ":503-1234567-7654321": {2, "503-1234567-7654321", "ja",
		[]string{"こんにちは。商品がまだ届いていません。", "こんにちは\n箱が壊れていました。写真を送ります。"}, []string{"color:red", "<p>"}},
	"mail:cn1@example.de": {1, "", "zh", []string{"你好，我的订单还没有到。"}, nil},
	"mail:fr1@example.de": {1, "", "fr", []string{"la tasse à café est arrivée cassée", "de €5 me"}, nil},
	// Unknown charset: stored with the bytes as they are (ASCII here).
	"mail:de1@example.de": {1, "", "", []string{"Wann kommt meine Bestellung?"}, nil},
}

func TestSyncFilesMailIntoThreads(t *testing.T) {
	w := newWorld(t, worldOpts{})
	deliverInbox(t, w)
	ctx := w.ctx(t)
	sum := w.sync(t)
	if !sum.OK {
		t.Fatalf("sync failed: %+v", sum)
	}
	// 11 mails: 9 buyer messages, 1 notification skipped, 1 unreadable.
	if sum.Checked != 11 || sum.NewMessages != 9 || sum.NewThreads != len(wantThreads) || sum.Skipped != 1 || sum.Failed != 1 || sum.Partial != 1 {
		t.Fatalf("summary %+v; want checked 11, 9 messages, %d threads, 1 skipped, 1 failed, 1 partial", sum, len(wantThreads))
	}
	if sum.Attachments != 1 {
		t.Errorf("attachments = %d, want 1", sum.Attachments)
	}
	threads, err := w.db.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{w.store.ID}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]localdb.Thread{}
	for _, th := range threads {
		got[th.MarketplaceThreadID] = th
	}
	for id, want := range wantThreads {
		th, ok := got[id]
		if !ok {
			t.Errorf("thread %s missing; have %v", id, keys(got))
			continue
		}
		msgs, err := w.db.ListMessages(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		var all []string
		for _, m := range msgs {
			all = append(all, m.Body)
		}
		text := strings.Join(all, "\n")
		if len(msgs) != want.messages {
			t.Errorf("thread %s: %d messages, want %d", id, len(msgs), want.messages)
		}
		if th.MarketplaceOrderID != want.order {
			t.Errorf("thread %s: order %q, want %q", id, th.MarketplaceOrderID, want.order)
		}
		if want.language != "" && th.Language != want.language {
			t.Errorf("thread %s: language %q, want %q (text %q)", id, th.Language, want.language, text)
		}
		for _, s := range want.contains {
			if !strings.Contains(text, s) {
				t.Errorf("thread %s: text lacks %q:\n%s", id, s, text)
			}
		}
		for _, s := range want.absent {
			if strings.Contains(text, s) {
				t.Errorf("thread %s: text has %q:\n%s", id, s, text)
			}
		}
	}

	// Amazon's clock: 24 hours from the newest buyer message (09, 2 Dec 10:00 UTC).
	us := got["relay:"+relayUS+":112-3456789-1234567"]
	if want := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC); !us.ReplyDeadline.Equal(want) {
		t.Errorf("reply deadline %v, want %v", us.ReplyDeadline, want)
	}
	if us.Subject != "Inquiry from Amazon customer Jane Roe (Order: 112-3456789-1234567)" || us.BuyerName != "Jane Roe - Amazon Marketplace" {
		t.Errorf("subject %q buyer %q", us.Subject, us.BuyerName)
	}
	// The parcel the buyer named is linked to the thread's order.
	tc, err := w.db.GetThreadContext(ctx, us.ID)
	if err != nil {
		t.Fatal(err)
	}
	if tc.Shipment == nil || tc.Shipment.TrackingNumber != "1Z999AA10123456784" || tc.Shipment.Courier != "ups" {
		t.Errorf("parcel link: %+v", tc.Shipment)
	}
	// The attachment is saved whole.
	png, _ := os.ReadFile("testdata/inbox/photo.png")
	sumPNG := sha256.Sum256(png)
	var att *localdb.Attachment
	for _, m := range tc.Messages {
		for i := range m.Attachments {
			att = &m.Attachments[i]
		}
	}
	if att == nil || att.FileName != "box_photo.png" || att.MIME != "image/png" || att.SHA256 != hex.EncodeToString(sumPNG[:]) {
		t.Fatalf("attachment %+v", att)
	}
	if data, err := os.ReadFile(att.LocalPath); err != nil || string(data) != string(png) {
		t.Errorf("attachment file %s: %v", att.LocalPath, err)
	}

	// The unreadable mail and the one with an unknown charset are kept as
	// evidence, readable by the owner only.
	ev, _ := filepath.Glob(filepath.Join(w.deps.EvidenceDir, "mail-mailshop", "*.eml"))
	if len(ev) != 2 {
		t.Fatalf("evidence files %v, want 2", ev)
	}
	for _, p := range ev {
		fi, err := os.Stat(p)
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("evidence %s mode %v: %v", p, fi.Mode(), err)
		}
	}

	// Nothing new: nothing read, nothing stored.
	again := w.sync(t)
	if !again.OK || again.Checked != 0 || again.NewMessages != 0 || again.NewThreads != 0 {
		t.Fatalf("second sync %+v, want nothing read", again)
	}
	// A new mail is read alone, into its thread.
	w.deliver(t, "From: "+relayUS+"\r\nTo: "+sellerAddr+"\r\nSubject: RE: Inquiry\r\nMessage-ID: <a5.jane@marketplace.amazon.com>\r\n"+
		"In-Reply-To: <a4.jane@marketplace.amazon.com>\r\nDate: Thu, 03 Dec 2026 08:00:00 +0000\r\n\r\nThanks, received.\r\n", time.Time{})
	third := w.sync(t)
	if third.Checked != 1 || third.NewMessages != 1 || third.NewThreads != 0 {
		t.Fatalf("third sync %+v, want one message into an existing thread", third)
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func TestSyncShopThreadsBySenderAndOrder(t *testing.T) {
	w := newWorld(t, worldOpts{market: "shop"})
	for i, body := range []string{"Bonjour, où est ma commande FR-10042 ?", "Encore moi: commande FR-10042, toujours rien."} {
		w.deliver(t, "From: Marie <"+shopBuyer+">\r\nTo: "+sellerAddr+"\r\nSubject: Question\r\nMessage-ID: <s"+strconv.Itoa(i)+"@example.de>\r\n"+
			"Date: Wed, 02 Dec 2026 0"+strconv.Itoa(8+i)+":00:00 +0100\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"+body+"\r\n", time.Time{})
	}
	sum := w.sync(t)
	if !sum.OK || sum.NewThreads != 1 || sum.NewMessages != 2 {
		t.Fatalf("summary %+v, want one thread of two messages", sum)
	}
	th, err := w.db.GetThreadByMarketplaceID(context.Background(), w.store.ID, "mail:"+shopBuyer+":FR-10042")
	if err != nil {
		t.Fatal(err)
	}
	if th.Language != "fr" || !th.ReplyDeadline.IsZero() {
		t.Errorf("thread %+v: want French, no marketplace deadline for a shop", th)
	}
}

func TestSyncRereadsRenumberedFolderWithoutDuplicates(t *testing.T) {
	w := newWorld(t, worldOpts{})
	w.deliver(t, "From: "+relayUS+"\r\nSubject: Order 112-3456789-1234567\r\nMessage-ID: <r1@x>\r\nDate: Wed, 02 Dec 2026 08:00:00 +0000\r\n\r\nHello\r\n", time.Time{})
	if s := w.sync(t); s.NewMessages != 1 {
		t.Fatalf("first sync %+v", s)
	}
	// A server that renumbers the folder: the stored UIDVALIDITY no longer
	// matches, so the folder is read again from its start.
	if _, err := w.db.SQL().Exec(`UPDATE mail_folders SET uidvalidity = 1 WHERE store_id = ?`, w.store.ID); err != nil {
		t.Fatal(err)
	}
	s := w.sync(t)
	if !s.OK || s.Checked != 1 || s.NewMessages != 0 {
		t.Fatalf("sync after renumbering %+v, want the mail read again and not stored twice", s)
	}
}

func TestLoginRefusedIsAuthFailed(t *testing.T) {
	w := newWorld(t, worldOpts{})
	if err := w.deps.Secrets.Set(context.Background(), secrets.StorePasswordKey("mailshop"), "wrong"); err != nil {
		t.Fatal(err)
	}
	sum := w.sync(t)
	if sum.OK || sum.FailureClass != string(automations.AuthFailed) || !strings.Contains(sum.Error, "refused the login of "+sellerAddr) {
		t.Fatalf("summary %+v, want auth_failed naming the user", sum)
	}
	st, _ := w.db.GetStore(context.Background(), w.store.ID)
	if st.SessionState != localdb.SessionAuthFailed {
		t.Errorf("session state %q", st.SessionState)
	}
	err := Test(w.ctx(t), w.deps, st)
	if automations.Classify(err) != automations.AuthFailed {
		t.Errorf("stores test: %v (class %s)", err, automations.Classify(err))
	}
}

func TestCertificateProblemNamesHostAndFix(t *testing.T) {
	w := newWorld(t, worldOpts{tls: true})
	st, _ := w.db.GetStore(context.Background(), w.store.ID)
	// Trusted: STARTTLS on the IMAP port works.
	if err := w.dv.Append(sellerAddr, "INBOX", []byte("From: a@b.test\r\nSubject: hi\r\nMessage-ID: <c1@b>\r\n\r\nhello\r\n"), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if s := w.sync(t); !s.OK || s.NewMessages != 1 {
		t.Fatalf("sync over STARTTLS: %+v", s)
	}
	// Implicit TLS with the same trust works too.
	acct, _ := w.db.GetMailAccount(context.Background(), st.ID)
	host, port := splitAddr(t, w.dv.IMAPSAddr)
	acct.IMAPHost, acct.IMAPPort, acct.IMAPSecurity = host, port, localdb.MailTLS
	ic, err := w.deps.dialIMAP(w.ctx(t), acct, sellerPW)
	if err != nil {
		t.Fatalf("IMAPS: %v", err)
	}
	ic.close()
	// Not trusted: the error names the host and what to do.
	w.deps.RootCAs = nil
	for _, sec := range []localdb.MailSecurity{localdb.MailTLS, localdb.MailSTARTTLS} {
		a := acct
		if sec == localdb.MailSTARTTLS {
			a.IMAPHost, a.IMAPPort = splitAddr(t, w.dv.IMAPAddr)
		}
		a.IMAPSecurity = sec
		_, err := w.deps.dialIMAP(w.ctx(t), a, sellerPW)
		if err == nil || !strings.Contains(err.Error(), net.JoinHostPort(a.IMAPHost, strconv.Itoa(a.IMAPPort))) ||
			!strings.Contains(err.Error(), "trust store") {
			t.Errorf("%s with an untrusted certificate: %v", sec, err)
		}
	}
}
