package marketplace

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

func TestCaptchaMarksStoreNeedsHumanAndOthersSync(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Faults: "amazon.captcha=1"}, "")
	ctx := testwait.Context(t)
	for _, m := range Marketplaces {
		e.addStore(t, m)
	}
	log := newItemLog()
	sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sum.Stores {
		st, err := e.deps.DB.GetStoreByName(ctx, s.Store)
		if err != nil {
			t.Fatal(err)
		}
		if s.Store == "amazon" {
			if s.OK || s.FailureClass != string(automations.NeedsHuman) || st.SessionState != localdb.SessionNeedsHuman {
				t.Errorf("amazon behind a CAPTCHA: %+v, session %s", s, st.SessionState)
			}
			if !strings.Contains(s.Error, "stores login amazon --show") {
				t.Errorf("the failure does not say how to fix it: %s", s.Error)
			}
			continue
		}
		if !s.OK || s.NewThreads == 0 {
			t.Errorf("store %s did not sync beside the CAPTCHA: %+v", s.Store, s)
		}
	}
	if items := log.failed(); len(items) != 1 || items[0].Key != "store:amazon" || items[0].Class != automations.NeedsHuman {
		t.Errorf("failed items: %+v", items)
	}
	if e.sb.State().Logins["amazon"].Succeeded != 0 {
		t.Error("a robot got past the CAPTCHA")
	}
}

// TestFaultInjectedSyncLosesNothing syncs through 5xx, 429, latency and
// sessions that expire mid-sync, then checks that every thread is stored
// or has its failure recorded, and that no secret reached any file.
func TestFaultInjectedSyncLosesNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Faults: "latency=15ms,5xx=0.12,429=0.08,expire=8s"}, "")
	ctx := testwait.Context(t)
	for _, m := range Marketplaces {
		e.addStore(t, m)
	}
	log := newItemLog()
	sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st := e.sb.State()
	if st.Requests["fault.amazon.5xx"]+st.Requests["fault.ebay.5xx"]+st.Requests["fault.tiktok.5xx"] == 0 ||
		st.Requests["fault.amazon.429"]+st.Requests["fault.ebay.429"]+st.Requests["fault.tiktok.429"] == 0 {
		t.Fatalf("the sandbox injected no faults: %v", st.Requests)
	}
	db := e.deps.DB
	for _, s := range sum.Stores {
		if !s.OK {
			// A store that could not even list its threads is itself a
			// recorded failure.
			found := false
			for _, it := range log.failed() {
				found = found || it.Key == "store:"+s.Store
			}
			if !found {
				t.Errorf("store %s failed without a recorded failure: %+v", s.Store, s)
			}
			continue
		}
		stored, err := db.GetStoreByName(ctx, s.Store)
		if err != nil {
			t.Fatal(err)
		}
		for _, th := range e.sb.World().StoreThreads(s.Store) {
			if !th.Visible(e.sb.Now()) {
				continue
			}
			_, err := db.GetThreadByMarketplaceID(ctx, stored.ID, th.ID)
			if err == nil {
				continue
			}
			if !errors.Is(err, localdb.ErrNotFound) {
				t.Fatal(err)
			}
			recorded := false
			for _, it := range log.failed() {
				if it.Key == "thread:"+s.Store+":"+th.ID {
					recorded = true
					if it.Evidence == "" {
						t.Errorf("failed thread %s has no evidence", it.Key)
					}
				}
			}
			if !recorded {
				t.Errorf("thread %s of %s is neither stored nor recorded as failed", th.ID, s.Store)
			}
		}
	}
	if n := log.unended(); len(n) != 0 {
		t.Errorf("%d items were left without an outcome: %v", len(n), n)
	}
	t.Logf("faults: %v; failed threads %d, new threads %d", st.Requests, sum.Failed, sum.NewThreads)

	// A store whose TOTP is refused leaves evidence of the login page; the
	// password typed there must not be in it.
	if err := e.sb.SetFaults("ebay.totp=reject"); err != nil {
		t.Fatal(err)
	}
	if err := e.deps.Secrets.Delete(ctx, "store/ebay/session"); err != nil {
		t.Fatal(err)
	}
	bad, err := SyncStores(ctx, e.deps, []string{"ebay"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bad.Stores[0].OK || bad.Stores[0].FailureClass != string(automations.AuthFailed) || bad.Stores[0].Evidence == "" {
		t.Fatalf("rejected TOTP: %+v", bad.Stores[0])
	}
	assertNoSecrets(t, e)
}

// assertNoSecrets greps every file the test wrote (database and its WAL,
// log, evidence, attachments) for every store's password and TOTP secret.
func assertNoSecrets(t *testing.T, e *env) {
	t.Helper()
	var needles [][]byte
	for _, m := range Marketplaces {
		a := e.sb.Account(m)
		needles = append(needles, []byte(a.Password), []byte(a.TOTPSecret))
	}
	files := 0
	evidence := 0
	err := filepath.WalkDir(e.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		if strings.Contains(p, "evidence") {
			evidence++
		}
		for _, n := range needles {
			if bytes.Contains(data, n) {
				t.Errorf("%s holds a secret", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if evidence == 0 {
		t.Error("no evidence file was written, so the grep proves little")
	}
	if _, err := os.Stat(e.log); err != nil {
		t.Errorf("no log file: %v", err)
	}
	t.Logf("grepped %d files (%d evidence) for %d secrets", files, evidence, len(needles))
}

func TestRecipeOverrideFixesVariant2(t *testing.T) {
	t.Parallel()
	overrides := t.TempDir()
	e := newEnv(t, sandbox.Options{Faults: "amazon.variant=2"}, overrides)
	ctx := testwait.Context(t)
	e.addStore(t, "amazon")
	e.deps.Retry = automations.RetryPolicy{Attempts: 1}

	sum, err := SyncStores(ctx, e.deps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	s := sum.Stores[0]
	if s.OK || s.FailureClass != string(automations.PageChanged) || s.Evidence == "" {
		t.Fatalf("variant 2 with the default recipe: %+v", s)
	}
	for _, f := range []string{automations.EvidenceHTML, automations.EvidenceScreenshot, automations.EvidenceLog} {
		if _, err := os.Stat(filepath.Join(s.Evidence, f)); err != nil {
			t.Errorf("page_changed left no %s: %v", f, err)
		}
	}

	// The operator writes an override in the config dir; no rebuild.
	if err := os.WriteFile(filepath.Join(overrides, "amazon-sandbox.yaml"), []byte(Variant2Override), 0o600); err != nil {
		t.Fatal(err)
	}
	recipes, err := automations.LoadRecipes(overrides)
	if err != nil {
		t.Fatal(err)
	}
	e.deps.Recipes = recipes
	e.deps.Retry = automations.RetryPolicy{}
	log := newItemLog()
	sum, err = SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: log}, nil)
	if err != nil {
		t.Fatal(err)
	}
	s = sum.Stores[0]
	want, msgs := visibleThreads(e.sb, "amazon")
	if !s.OK || s.NewThreads != want || s.NewMessages != msgs || s.Failed != 0 {
		log.logFailures(t)
		t.Fatalf("variant 2 with the override: %+v, want %d threads and %d messages and nothing failed (the order list too)", s, want, msgs)
	}
	var linked int
	if err := e.deps.DB.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM threads WHERE order_id IS NOT NULL`).Scan(&linked); err != nil {
		t.Fatal(err)
	}
	if linked < want*9/10 {
		t.Errorf("only %d of %d threads linked to orders read through the override", linked, want)
	}
}

// Variant2Override is the override an operator writes for the sandbox's
// second amazon layout.
const Variant2Override = `# the site renamed its ids and classes
selectors:
  login.form: "form#auth-form"
  login.username: "#signin-email"
  login.password: "#signin-pass"
  login.submit: "#continue-btn"
  login.totp: "#otp-input"
  login.totp_submit: "#otp-submit"
  inbox.list: "table#conv-table"
  inbox.thread: "tr.conv-item"
  inbox.thread_order: ".conv-order"
  inbox.thread_buyer: ".conv-buyer"
  inbox.thread_subject: ".conv-title a.conv-open"
  inbox.thread_received: ".conv-time time"
  inbox.thread_due: ".conv-due time"
  inbox.pager: "nav.pager"
  inbox.next_page: "a.pager-fwd"
  thread.header: ".conv-head"
  thread.message: "article.msg-bubble"
  thread.message_from: ".msg-author"
  thread.message_time: "time.msg-ts"
  thread.message_body: ".msg-text"
  thread.attachment: "a.msg-file"
  thread.sent_reply: ".outbound"
  thread.reply_form: "form#composer"
  thread.reply_body: "#composer-text"
  thread.reply_file: "#composer-attach"
  thread.reply_ref: "#composer-ref"
  thread.reply_send: "#composer-send"
  thread.status: "#conv-state"
  thread.no_response_needed: "button#conv-dismiss"
  orders.row: "tr.ord-line"
  orders.id: ".ord-num"
  orders.ship_date: ".ord-shipped time"
  orders.carrier: ".ord-carrier"
  orders.tracking: ".ord-track"
  orders.pager: "nav.pager"
attributes:
  thread_id: data-conv-id
`
