package mail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap"
)

// benchMails is the size of the mailbox of BenchmarkMailSync.
var benchMails = envInt("SELLEROPS_BENCH_MAILS", 10000)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// fillMaildir writes n relay mails (threads of three, every fourth in
// Japanese) straight into the seller's INBOX on disk; Dovecot indexes them
// at the next EXAMINE.
func fillMaildir(b *testing.B, w *world, n int) {
	dir := w.dv.Maildir(sellerAddr, "INBOX")
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for i := 0; i < n; i++ {
		thread := i / 3
		order := fmt.Sprintf("112-%07d-%07d", thread, thread*7%10000000)
		relay := fmt.Sprintf("b%014d@marketplace.amazon.com", thread)
		body := fmt.Sprintf("Hello, where is my order %s? It was due last week. Message %d.", order, i)
		ctype := "text/plain; charset=utf-8"
		if thread%4 == 0 {
			body = fmt.Sprintf("注文番号 %s の商品がまだ届いていません。確認をお願いします。(%d)", order, i)
		}
		irt := ""
		if i%3 > 0 {
			irt = fmt.Sprintf("In-Reply-To: <m%d@marketplace.amazon.com>\r\n", i-1)
		}
		raw := fmt.Sprintf("From: Buyer %d <%s>\r\nTo: %s\r\nSubject: Inquiry from Amazon customer (Order: %s)\r\n"+
			"Date: %s\r\nMessage-ID: <m%d@marketplace.amazon.com>\r\n%sMIME-Version: 1.0\r\nContent-Type: %s\r\n\r\n%s\r\n",
			thread, relay, sellerAddr, order, base.Add(time.Duration(i)*time.Minute).Format(time.RFC1123Z), i, irt, ctype, body)
		p := filepath.Join(dir, "new", fmt.Sprintf("%d.M%dP1.bench", base.Unix()+int64(i), i))
		if err := os.WriteFile(p, []byte(raw), 0o600); err != nil {
			b.Fatal(err)
		}
		w.dv.Own(p)
	}
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

// BenchmarkMailSync syncs a mailbox of 10,000 mails from Dovecot, then
// syncs again with nothing new. Beside each it measures, in the same run,
// its floor: fetching every mail's bytes over IMAP with nothing parsed or
// stored, and one EXAMINE round trip (what a sync with nothing new must
// at least cost per folder). Run:
//
//	go test ./automations/mail -run '^$' -bench MailSync -benchtime 1x
func BenchmarkMailSync(b *testing.B) {
	for range b.N {
		b.StopTimer()
		w := newWorld(b, worldOpts{})
		fillMaildir(b, w, benchMails)
		ctx := context.Background()
		acct, _ := w.db.GetMailAccount(ctx, w.store.ID)

		// Floor of the first sync: the bytes alone (this also lets Dovecot
		// index the new files, so that the sync is not charged for it).
		ic, err := w.deps.dialIMAP(ctx, acct, sellerPW)
		if err != nil {
			b.Fatal(err)
		}
		fetchStart := time.Now()
		if _, err := ic.c.Select("INBOX", true); err != nil {
			b.Fatal(err)
		}
		seq := new(imap.SeqSet)
		seq.AddRange(1, 0)
		section := &imap.BodySectionName{Peek: true}
		ch := make(chan *imap.Message, 64)
		done := make(chan error, 1)
		go func() { done <- ic.c.UidFetch(seq, []imap.FetchItem{imap.FetchUid, section.FetchItem()}, ch) }()
		fetched := 0
		for range ch {
			fetched++
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		fetchTime := time.Since(fetchStart)
		var examine []time.Duration
		for range 9 {
			t0 := time.Now()
			if _, err := ic.c.Select("INBOX", true); err != nil {
				b.Fatal(err)
			}
			examine = append(examine, time.Since(t0))
		}
		ic.close()

		b.StartTimer()
		start := time.Now()
		sum := w.sync(b)
		first := time.Since(start)
		b.StopTimer()
		if !sum.OK || sum.Checked != benchMails || sum.NewMessages != benchMails || fetched != benchMails {
			b.Fatalf("first sync %+v (fetched %d), want %d mails", sum, fetched, benchMails)
		}
		var again []time.Duration
		for range 9 {
			t0 := time.Now()
			s := w.sync(b)
			again = append(again, time.Since(t0))
			if !s.OK || s.Checked != 0 {
				b.Fatalf("second sync read %d mails", s.Checked)
			}
		}
		rate := float64(benchMails) / first.Seconds()
		b.ReportMetric(rate, "mails/s")
		b.ReportMetric(float64(benchMails)/fetchTime.Seconds(), "floor-mails/s")
		b.ReportMetric(float64(median(again).Microseconds())/1000, "nothing-new-ms")
		b.ReportMetric(float64(median(examine).Microseconds())/1000, "examine-ms")
		fmt.Fprintf(os.Stderr, "mail sync of %d mails: %.0f mails/s (%v); bytes alone over IMAP: %.0f mails/s (%v)\n",
			benchMails, rate, first.Round(time.Millisecond), float64(benchMails)/fetchTime.Seconds(), fetchTime.Round(time.Millisecond))
		fmt.Fprintf(os.Stderr, "second sync, nothing new: median %v of 9 (login, EXAMINE, logout); one EXAMINE round trip: median %v of 9\n",
			median(again).Round(10*time.Microsecond), median(examine).Round(10*time.Microsecond))
	}
}
