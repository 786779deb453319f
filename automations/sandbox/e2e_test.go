package sandbox

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
)

// writePNG writes a small generated photo for upload tests.
func writePNG(t *testing.T, name string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, photoPNG(name), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestE2EAmazon(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 7})
	acct := sb.Account("amazon")
	p := newPage(t)
	p.MustNavigate(sb.URL("amazon") + "/messages").MustWaitLoad()
	// Not logged in: the inbox sends us to the login form.
	p.MustElement("#ap_email").MustInput(acct.Username)
	p.MustElement("#ap_password").MustInput(acct.Password)
	if v := p.MustElement(`input[name=appActionToken]`).MustAttribute("value"); v == nil || *v == "" {
		t.Fatal("login form has no CSRF token")
	}
	clickAndLoad(p, "#signInSubmit")
	p.MustElement("#auth-mfa-otpcode").MustInput(totpNow(t, acct.TOTPSecret))
	clickAndLoad(p, "#auth-signin-button")
	p.MustElement("#buyer-messages")
	// Back to the inbox we asked for.
	rows := p.MustElements("tr.thread-row")
	if len(rows) != amazonThreadsPerPage {
		t.Fatalf("first inbox page has %d rows, want %d", len(rows), amazonThreadsPerPage)
	}
	total := len(sb.storeThreads("amazon", sb.Now()))
	seen := map[string]bool{}
	for page := 1; ; page++ {
		for _, r := range p.MustElements("tr.thread-row") {
			seen[*r.MustAttribute("data-thread-id")] = true
		}
		next, err := p.Sleeper(rod.NotFoundSleeper).Element("a.pagination-next")
		if err != nil {
			break
		}
		wait := p.MustWaitNavigation()
		next.MustClick()
		wait()
		if page > 100 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != total {
		t.Fatalf("paginated through %d threads, want %d", len(seen), total)
	}
	// A damage thread with a photo.
	var th *Thread
	for _, x := range sb.World().StoreThreads("amazon") {
		if x.Visible(sb.Now()) && len(x.Messages[0].Attachments) > 0 {
			th = x
			break
		}
	}
	if th == nil {
		t.Fatal("the seeded amazon store has no visible thread with a photo")
	}
	p.MustNavigate(sb.URL("amazon") + "/messages/thread/" + th.ID).MustWaitLoad()
	if got := p.MustElement(".thread-order").MustText(); got != th.OrderID {
		t.Fatalf("thread order id %q, want %q", got, th.OrderID)
	}
	if w := p.MustEval(`() => document.querySelector('a.attachment img').naturalWidth`).Int(); w != 64 {
		t.Fatalf("attachment image width %d, want 64 (image did not load)", w)
	}
	p.MustElement("textarea.reply-body").MustInput("Sorry about that, a replacement is on its way.")
	p.MustElement("input.reply-ref").MustInput("intent-42")
	p.MustElement("input.reply-file").MustSetFiles(writePNG(t, "label.png"))
	clickAndLoad(p, "button.reply-send")
	p.MustElement("#reply-sent")
	sent := p.MustElement(`article.sent-reply[data-ref="intent-42"]`)
	if !strings.Contains(sent.MustText(), "replacement") {
		t.Fatalf("sent reply text %q", sent.MustText())
	}
	st := sb.State()
	if rs := st.Replies[th.ID]; len(rs) != 1 || rs[0].Ref != "intent-42" || len(rs[0].Attachments) != 1 {
		t.Fatalf("state replies for %s = %+v", th.ID, rs)
	}
	// "No response needed" from the thread page: the page comes back with
	// the new status and without the button.
	var quiet *threadView
	for _, v := range sb.storeThreads("amazon", sb.Now()) {
		if v.Status == "awaiting_reply" {
			quiet = &v
			break
		}
	}
	if quiet == nil {
		t.Fatal("the seeded amazon store has no thread awaiting a reply")
	}
	p.MustNavigate(sb.URL("amazon") + "/messages/thread/" + quiet.ID).MustWaitLoad()
	if got := *p.MustElement("dd#thread-state.thread-state").MustAttribute("data-status"); got != "awaiting_reply" {
		t.Fatalf("thread %s shows status %q, want awaiting_reply", quiet.ID, got)
	}
	wait := p.MustWaitNavigation()
	p.MustElement("button#thread-no-response.no-response-btn").MustClick()
	wait()
	p.MustElement(`dd#thread-state[data-status="no_response_needed"]`)
	if got := p.MustInfo().URL; !strings.HasSuffix(got, "/messages/thread/"+quiet.ID) {
		t.Fatalf("after the action the browser is on %s, want the thread page", got)
	}
	if p.MustHas("#thread-no-response") {
		t.Fatal("the thread page still offers the action once it is set")
	}
	if nr := sb.State().NoResponse; len(nr) != 1 || nr[0] != quiet.ID {
		t.Fatalf("state no_response = %v, want [%s]", nr, quiet.ID)
	}
	// Orders page shows tracking numbers and ship dates.
	p.MustNavigate(sb.URL("amazon") + "/orders").MustWaitLoad()
	var o *Order
	for _, x := range sb.World().StoreOrders("amazon") {
		if x.Shipped {
			o = x
			break
		}
	}
	row := p.MustElement(`tr.order-row[data-order-id="` + o.ID + `"]`)
	if got := row.MustElement(".order-tracking").MustText(); got != o.TrackingNumber {
		t.Fatalf("order %s tracking %q, want %q", o.ID, got, o.TrackingNumber)
	}
	if got := row.MustElement(".order-shipdate").MustText(); got != o.ShipDate.Format("2006-01-02") {
		t.Fatalf("order %s ship date %q, want %s", o.ID, got, o.ShipDate.Format("2006-01-02"))
	}
}

func TestE2EEbay(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 8})
	acct := sb.Account("ebay")
	p := newPage(t)
	p.MustNavigate(sb.URL("ebay") + "/mesg").MustWaitLoad()
	p.MustElement("#userid").MustInput(acct.Username)
	p.MustElement("#pass").MustInput(acct.Password)
	clickAndLoad(p, "#sgnBt")
	p.MustElement("#otp-code").MustInput(totpNow(t, acct.TOTPSecret))
	clickAndLoad(p, "#otp-submit")
	total := len(sb.storeThreads("ebay", sb.Now()))
	if total <= ebayPageSize {
		t.Fatalf("world too small for infinite scroll: %d threads", total)
	}
	// The list renders after load; scroll until it says it is complete.
	p.MustElement("li.conv-item")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if v := p.MustElement("#conv-list").MustAttribute("data-complete"); v != nil && *v == "true" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("infinite scroll did not finish; %d items loaded", len(p.MustElements("li.conv-item")))
		}
		p.MustEval(`() => { const s = document.getElementById('conv-scroll'); s.scrollTop = s.scrollHeight; }`)
		time.Sleep(100 * time.Millisecond)
	}
	if n := len(p.MustElements("li.conv-item")); n != total {
		t.Fatalf("loaded %d conversations, want %d", n, total)
	}
	first := p.MustElement("li.conv-item")
	id := *first.MustAttribute("data-conversation-id")
	wait := p.MustWaitNavigation()
	first.MustElement("a.conv-link").MustClick()
	wait()
	p.MustElement("#reply-message").MustInput("Thanks for reaching out [ref:ebay-1]")
	clickAndLoad(p, "#reply-send")
	p.MustElement("#reply-sent")
	p.MustElement(`li.conv-msg[data-ref="ebay-1"]`)
	if rs := sb.State().Replies[id]; len(rs) != 1 || rs[0].Ref != "ebay-1" {
		t.Fatalf("state replies for %s = %+v", id, rs)
	}
}

func TestE2ETiktok(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 9, Orders: 300})
	acct := sb.Account("tiktok")
	p := newPage(t)
	p.MustNavigate(sb.URL("tiktok") + "/chat").MustWaitLoad()
	p.MustElement("#login-email").MustInput(acct.Username)
	p.MustElement("#login-password").MustInput(acct.Password)
	p.MustElement("#login-submit").MustClick()
	p.MustElement("#login-otp").MustWaitVisible().MustInput(totpNow(t, acct.TOTPSecret))
	clickAndLoad(p, "#login-otp-submit")
	p.MustElement(`#chat-list[data-loaded="true"]`)
	total := len(sb.storeThreads("tiktok", sb.Now()))
	if n := len(p.MustElements("li.chat-item")); n != total {
		t.Fatalf("chat list has %d conversations, want %d", n, total)
	}
	item := p.MustElement("li.chat-item")
	id := *item.MustAttribute("data-conversation-id")
	item.MustClick()
	p.MustElement(`#chat-pane[data-loaded="true"] .chat-msg`)
	p.MustElement("#chat-input").MustInput("Your parcel is on its way.")
	p.MustElement("#chat-ref").MustInput("tt-7")
	p.MustElement("#chat-send").MustClick()
	p.MustElement(`#chat-pane .chat-msg[data-ref="tt-7"]`)
	if rs := sb.State().Replies[id]; len(rs) != 1 || rs[0].Ref != "tt-7" {
		t.Fatalf("state replies for %s = %+v", id, rs)
	}
	// A new conversation appears in the list as the clock moves on.
	var later *Thread
	for _, x := range sb.World().StoreThreads("tiktok") {
		if !x.Visible(sb.Now()) && (later == nil || x.Messages[0].Time.Before(later.Messages[0].Time)) {
			later = x
		}
	}
	if later == nil || later.Messages[0].Time.Sub(sb.Now()) > 10*time.Hour {
		t.Fatal("no tiktok thread arriving within 10 h of the start (sessions last 12 h)")
	}
	sb.Advance(later.Messages[0].Time.Sub(sb.Now()) + time.Minute)
	p.MustElement(`li.chat-item[data-conversation-id="` + later.ID + `"]`)
}

// rowInMarkup finds an element of class trk-event in served HTML.
var rowInMarkup = regexp.MustCompile(`class="[^"]*\btrk-event\b`)

func TestE2ECarrierTrackingPages(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 10})
	for _, c := range Carriers {
		t.Run(c, func(t *testing.T) {
			var parcel *Parcel
			for _, x := range sb.World().Parcels {
				if x.Carrier == c && len(x.VisibleEvents(sb.Now())) >= 4 {
					parcel = x
					break
				}
			}
			if parcel == nil {
				t.Fatalf("no %s parcel with events", c)
			}
			p := newPage(t)
			tp := trackPaths[c]
			u := sb.URL(c) + tp.path + "?" + tp.param + "=" + parcel.TrackingNumber
			// Rendered by script: the page as served holds no timeline row.
			// (Read without a browser, so that a slow machine, on which the
			// script may run before a check could, does not matter.)
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			served, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if rowInMarkup.Match(served) {
				t.Fatalf("timeline rows in the page as served, before any script ran")
			}
			p.MustNavigate(u).MustWaitLoad()
			p.MustElement(`#trk-result[data-state="ready"]`)
			rows := p.MustElements(".trk-event")
			evs := parcel.VisibleEvents(sb.Now())
			if len(rows) != len(evs) {
				t.Fatalf("%d events rendered, want %d", len(rows), len(evs))
			}
			want := carrierEvents[c][evs[len(evs)-1].Step].Desc
			if got := rows[0].MustElement(".trk-event-desc").MustText(); got != want {
				t.Fatalf("newest event %q, want %q", got, want)
			}
			// An unknown number renders the not-found box.
			p.MustNavigate(sb.URL(c) + "/track?n=0000").MustWaitLoad()
			p.MustElement(`#trk-result[data-state="notfound"] .trk-notfound`)
		})
	}
}

// fileClaimInBrowser walks the claim portal's four steps.
func fileClaimInBrowser(t *testing.T, p *rod.Page, sb *Sandbox, carrier, number, kind string) string {
	t.Helper()
	p.MustNavigate(sb.URL(carrier) + "/claims/new").MustWaitLoad()
	if p.MustHas("#claims-user") {
		acct := sb.Account(carrier)
		p.MustElement("#claims-user").MustInput(acct.Username)
		p.MustElement("#claims-pass").MustInput(acct.Password)
		wait := p.MustWaitNavigation()
		p.MustElement("#claims-submit").MustClick()
		wait()
	}
	p.MustElement("#claim-tracking-input").MustInput(number)
	p.MustElement(`input[name=claimType][value=` + kind + `]`).MustClick()
	clickAndLoad(p, "#claim-next")
	p.MustElement("#claim-amount-input").MustInput("42.50")
	p.MustElement("#claim-description").MustInput("Parcel " + kind + " in transit.")
	clickAndLoad(p, "#claim-next")
	p.MustElement("#claim-photos").MustSetFiles(writePNG(t, "damage1.png"), writePNG(t, "damage2.png"))
	p.MustElement("#claim-invoice").MustSetFiles(writePNG(t, "invoice.png"))
	clickAndLoad(p, "#claim-next")
	p.MustElement("#claim-confirm").MustClick()
	p.MustElement("#confirm-submit").MustWaitVisible()
	clickAndLoad(p, "#confirm-submit")
	return p.MustElement("#claim-number").MustText()
}

func TestE2EClaimsPortals(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 11})
	for _, c := range Carriers {
		t.Run(c, func(t *testing.T) {
			var parcel *Parcel
			for _, x := range sb.World().Parcels {
				if x.Carrier == c && x.State == ParcelDamaged {
					parcel = x
					break
				}
			}
			if parcel == nil {
				t.Fatalf("no damaged %s parcel", c)
			}
			p := newPage(t)
			n1 := fileClaimInBrowser(t, p, sb, c, parcel.TrackingNumber, "damage")
			if !strings.HasPrefix(n1, claimPrefix[c]) {
				t.Fatalf("claim number %q lacks prefix %q", n1, claimPrefix[c])
			}
			// Like the real portals, a second claim for the same parcel goes through.
			n2 := fileClaimInBrowser(t, p, sb, c, parcel.TrackingNumber, "damage")
			if n1 == n2 {
				t.Fatalf("two claims got the same number %s", n1)
			}
			if got := len(sb.State().Claims[parcel.TrackingNumber]); got != 2 {
				t.Fatalf("State counts %d claims for %s, want 2", got, parcel.TrackingNumber)
			}
			p.MustNavigate(sb.URL(c) + "/claims?q=" + parcel.TrackingNumber).MustWaitLoad()
			row := p.MustElement(`tr.claim-row[data-claim-number="` + n1 + `"]`)
			if s := row.MustElement(".claim-status").MustText(); s != "submitted" {
				t.Fatalf("new claim status %q, want submitted", s)
			}
		})
	}
	// Statuses move on with the clock.
	sb.Advance(2 * 24 * time.Hour)
	for _, cs := range sb.State().Claims {
		for _, c := range cs {
			if c.Status != "under_review" {
				t.Fatalf("claim %s after 2 days: %s, want under_review", c.Number, c.Status)
			}
		}
	}
	sb.Advance(10 * 24 * time.Hour)
	for _, cs := range sb.State().Claims {
		for _, c := range cs {
			if c.Status != "paid" && c.Status != "denied" {
				t.Fatalf("claim %s after 12 days: %s, want paid or denied", c.Number, c.Status)
			}
			if c.Status == "paid" && c.Paid <= 0 {
				t.Fatalf("paid claim %s has no amount paid", c.Number)
			}
		}
	}
}

func TestE2EControl(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 12})
	p := newPage(t)
	p.MustNavigate(sb.URL("control")).MustWaitLoad()
	if n := len(p.MustElements("tr.site-row")); n != len(siteOrder) {
		t.Fatalf("control page lists %d sites, want %d", n, len(siteOrder))
	}
	before := sb.Now()
	p.MustElement("#clock-advance").MustSelectAllText().MustInput("3h")
	wait := p.MustWaitNavigation()
	p.MustElement("#clock-submit").MustClick()
	wait()
	if got := sb.Now().Sub(before); got != 3*time.Hour {
		t.Fatalf("clock moved %v, want 3h", got)
	}
	p.MustElement("#faults-input").MustSelectAllText().MustInput("latency=5ms,amazon.variant=2")
	wait = p.MustWaitNavigation()
	p.MustElement("#faults-submit").MustClick()
	wait()
	if got := p.MustElement("#faults").MustText(); got != "latency=5ms,amazon.variant=2" {
		t.Fatalf("faults shown %q", got)
	}
}
