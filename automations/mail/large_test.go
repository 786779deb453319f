package mail

import (
	"bufio"
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// lineWriter breaks base64 into lines of 76 characters (RFC 2045 6.8).
type lineWriter struct {
	w   io.Writer
	col int
}

func (l *lineWriter) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(76-l.col, len(p))
		if _, err := l.w.Write(p[:k]); err != nil {
			return n, err
		}
		n += k
		l.col += k
		p = p[k:]
		if l.col == 76 {
			if _, err := io.WriteString(l.w, "\r\n"); err != nil {
				return n, err
			}
			l.col = 0
		}
	}
	return n, nil
}

// writeLargeMail writes, straight into the seller's INBOX on disk, a buyer
// mail with a text part and an attachment of attachBytes random bytes, and
// returns the mail's size.
func writeLargeMail(t *testing.T, w *world, attachBytes int) int64 {
	t.Helper()
	dir := w.dv.Maildir(sellerAddr, "INBOX")
	path := filepath.Join(dir, "new", "1764700000.M1P1.large")
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	fmt.Fprint(bw, "From: Jane Roe <"+relayUS+">\r\nTo: "+sellerAddr+"\r\n"+
		"Subject: Inquiry from Amazon customer Jane Roe (Order: 112-3456789-7654321)\r\n"+
		"Date: Wed, 02 Dec 2026 09:00:00 +0000\r\nMessage-ID: <large1@marketplace.amazon.com>\r\nMIME-Version: 1.0\r\n"+
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"+
		"--b1\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"+
		"The video of the broken lamp is attached. Gr=C3=BC=C3=9Fe\r\n"+
		"--b1\r\nContent-Type: video/mp4; name=\"lamp.mp4\"\r\nContent-Disposition: attachment; filename=\"lamp.mp4\"\r\n"+
		"Content-Transfer-Encoding: base64\r\n\r\n")
	enc := base64.NewEncoder(base64.StdEncoding, &lineWriter{w: bw})
	rng := rand.New(rand.NewPCG(1, 2))
	buf := make([]byte, 1<<16)
	for left := attachBytes; left > 0; left -= len(buf) {
		for i := range buf {
			buf[i] = byte(rng.Uint32())
		}
		if _, err := enc.Write(buf[:min(len(buf), left)]); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(bw, "\r\n--b1--\r\n")
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	w.dv.Own(path)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

// A mail with a 50 MB attachment is above the size limit: the sync goes
// on, the buyer's text is stored, the attachment is recorded by name and
// not downloaded, and the process never holds the mail: what it allocates
// in all is a small part of the mail's size.
func TestSyncMailAboveSizeLimit(t *testing.T) {
	w := newWorld(t, worldOpts{})
	size := writeLargeMail(t, w, 50<<20)
	if size <= DefaultMaxMailBytes {
		t.Fatalf("the mail is %d bytes, not above the default limit", size)
	}
	w.deliver(t, "From: "+relayJP+"\r\nTo: "+sellerAddr+"\r\nSubject: Order 503-1234567-7654321\r\nMessage-ID: <after-large@x>\r\n"+
		"Date: Wed, 02 Dec 2026 10:00:00 +0000\r\n\r\nAnd a small one after it.\r\n", time.Time{})

	// Let Dovecot index the new file first, so that the figure is the sync's.
	if n, err := w.dv.Count(sellerAddr, "INBOX", ""); err != nil || n != 2 {
		t.Fatalf("INBOX holds %d mails (%v), want 2", n, err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	sum := w.sync(t)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("mail of %d bytes; the sync allocated %d bytes in all", size, alloc)
	if !sum.OK || sum.Checked != 2 || sum.NewMessages != 2 || sum.Partial != 1 || sum.Failed != 0 {
		t.Fatalf("summary %+v, want both mails stored, one partly", sum)
	}
	if alloc > uint64(size)/4 {
		t.Errorf("the sync allocated %d bytes for a mail of %d: the mail was held, not left on the server", alloc, size)
	}
	ctx := context.Background()
	th, err := w.db.GetThreadByMarketplaceID(ctx, w.store.ID, "relay:"+relayUS+":112-3456789-7654321")
	if err != nil {
		t.Fatal(err)
	}
	msgs, err := w.db.ListMessages(ctx, th.ID)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages %+v %v", msgs, err)
	}
	if msgs[0].Body != "The video of the broken lamp is attached. Grüße" {
		t.Errorf("body %q", msgs[0].Body)
	}
	if len(msgs[0].Attachments) != 1 {
		t.Fatalf("attachments %+v", msgs[0].Attachments)
	}
	a := msgs[0].Attachments[0]
	if a.FileName != "lamp.mp4" || a.MIME != "video/mp4" || a.LocalPath != "" || a.SHA256 != "" || a.Size != 0 {
		t.Errorf("attachment %+v, want lamp.mp4 recorded and not downloaded", a)
	}
	if ents, _ := os.ReadDir(filepath.Join(w.deps.AttachmentDir, "mailshop")); len(ents) != 0 {
		t.Errorf("attachment files %v, want none", ents)
	}
	// The evidence is what was read (header and text), owner-only, small.
	ev, _ := filepath.Glob(filepath.Join(w.deps.EvidenceDir, "mail-mailshop", "*.eml"))
	if len(ev) != 1 {
		t.Fatalf("evidence %v, want 1 file", ev)
	}
	fi, err := os.Stat(ev[0])
	if err != nil || fi.Mode().Perm() != 0o600 || fi.Size() > 64<<10 {
		t.Fatalf("evidence %s: %v mode %v size %d", ev[0], err, fi.Mode(), fi.Size())
	}
	data, _ := os.ReadFile(ev[0])
	if !strings.Contains(string(data), "large1@marketplace.amazon.com") || !strings.Contains(string(data), "broken lamp") {
		t.Errorf("evidence lacks the header or the text:\n%s", data)
	}
	if _, err := w.db.GetThreadByMarketplaceID(ctx, w.store.ID, "relay:"+relayJP+":503-1234567-7654321"); err != nil {
		t.Errorf("the mail after the large one: %v", err)
	}
	if again := w.sync(t); !again.OK || again.Checked != 0 {
		t.Errorf("second sync %+v, want nothing read", again)
	}
}

// A limit set lower takes the same path for an ordinary mail: its text
// parts are read, a text part above the limit is named and not read.
func TestSyncSizeLimitFromDeps(t *testing.T) {
	w := newWorld(t, worldOpts{})
	w.deps.MaxMailBytes = 2000
	long := strings.Repeat("All work and no play. ", 200) // 4,400 bytes
	w.deliver(t, "From: "+shopBuyer+"\r\nTo: "+sellerAddr+"\r\nSubject: Two parts\r\nMessage-ID: <two@x>\r\n"+
		"Date: Wed, 02 Dec 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary=zz\r\n\r\n"+
		"--zz\r\nContent-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9 short\r\n"+
		"--zz\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>"+long+"</p>\r\n--zz--\r\n", time.Time{})
	sum := w.sync(t)
	if !sum.OK || sum.NewMessages != 1 || sum.Partial != 1 {
		t.Fatalf("summary %+v", sum)
	}
	th, err := w.db.GetThreadByMarketplaceID(context.Background(), w.store.ID, "mail:two@x")
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := w.db.ListMessages(context.Background(), th.ID)
	if len(msgs) != 1 || msgs[0].Body != "Café short" {
		t.Fatalf("messages %+v", msgs)
	}
	if len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].FileName != "part-2" || msgs[0].Attachments[0].LocalPath != "" {
		t.Errorf("attachments %+v, want the HTML part recorded as not read", msgs[0].Attachments)
	}
}
