package mail

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

// The sandbox's world mailed into Dovecot as Amazon's relay would mail it
// (several languages, each in a charset of its own) is read back into the
// world's threads: the truth is the world, which wrote the mail.
func TestSyncReadsTheSandboxWorldByMail(t *testing.T) {
	w := newWorld(t, worldOpts{})
	world := sandbox.NewWorld(sandbox.Options{Seed: 7, Orders: 40})
	mails := world.RelayMails("amazon", sellerAddr, sandbox.DefaultStart)
	charsets := map[string]bool{}
	buyerMails, notes, photos := 0, 0, 0
	// Amazon keeps one relay alias per buyer, and the reader files a buyer's
	// mail by alias and order number: the world's threads of one order are
	// one thread here.
	wantBodies := map[string][]string{} // order id -> the buyer messages of its threads
	for _, m := range mails {
		w.deliver(t, string(m.Raw), m.Date)
		if m.ThreadID == "" {
			notes++
			continue
		}
		buyerMails++
		charsets[m.Charset] = true
	}
	for _, th := range world.StoreThreads("amazon") {
		for _, m := range th.VisibleMessages(sandbox.DefaultStart) {
			if m.From == "buyer" {
				wantBodies[th.OrderID] = append(wantBodies[th.OrderID], m.Body)
				photos += len(m.Attachments)
			}
		}
	}
	for _, cs := range []string{"ISO-2022-JP", "ISO-8859-1", "windows-1252", "UTF-8"} {
		if !charsets[cs] {
			t.Fatalf("the world's mail has no %s mail (charsets %v); the test would not read it", cs, charsets)
		}
	}
	sum := w.sync(t)
	if !sum.OK || sum.Checked != len(mails) || sum.NewMessages != buyerMails || sum.Skipped != notes || sum.Failed != 0 || sum.Partial != 0 {
		t.Fatalf("summary %+v; want %d mails, %d buyer messages, %d notifications skipped", sum, len(mails), buyerMails, notes)
	}
	if sum.Attachments != photos || photos == 0 {
		t.Errorf("%d attachments, want the world's %d photos", sum.Attachments, photos)
	}
	if sum.NewThreads != len(wantBodies) {
		t.Errorf("%d threads, want the world's %d", sum.NewThreads, len(wantBodies))
	}
	ctx := context.Background()
	threads, err := w.db.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{w.store.ID}})
	if err != nil {
		t.Fatal(err)
	}
	byOrder := map[string]localdb.Thread{}
	for _, th := range threads {
		byOrder[th.MarketplaceOrderID] = th
	}
	wrongLang := 0
	langOf := map[string]string{}
	for _, wt := range world.StoreThreads("amazon") {
		langOf[wt.OrderID] = wt.Lang
	}
	for order, want := range wantBodies {
		th, ok := byOrder[order]
		if !ok {
			t.Errorf("order %s: no thread read", order)
			continue
		}
		if !strings.HasPrefix(th.MarketplaceThreadID, "relay:") {
			t.Errorf("thread %s is not filed by its relay alias", th.MarketplaceThreadID)
		}
		msgs, _ := w.db.ListMessages(ctx, th.ID)
		var got []string
		for _, m := range msgs {
			got = append(got, m.Body)
		}
		sort.Strings(got)
		sort.Strings(want)
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("thread of order %s (%s):\n got %q\nwant %q", order, langOf[order], got, want)
		}
		if th.Language != langOf[order] {
			wrongLang++
			t.Logf("thread of order %s: language %q, the world's %q", order, th.Language, langOf[order])
		}
	}
	if wrongLang > 0 {
		t.Errorf("%d of %d threads got another language than the world's", wrongLang, len(wantBodies))
	}
}
