package sandbox

import (
	"strings"
	"testing"
	"time"
)

// In variant 2 the JavaScript-rendered pages use the renamed classes and
// attributes, and the variant-1 selectors find nothing.
func TestE2EVariant2(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 13, Faults: "variant=2"})
	t.Run("ebay", func(t *testing.T) {
		acct := sb.Account("ebay")
		p := newPage(t)
		p.MustNavigate(sb.URL("ebay") + "/signin").MustWaitLoad()
		if p.MustHas("#userid") {
			t.Fatal("variant 2 still has #userid")
		}
		p.MustElement("#uid-field").MustInput(acct.Username)
		p.MustElement("#pwd-field").MustInput(acct.Password)
		clickAndLoad(p, "#sign-in-btn")
		p.MustElement("#code-field").MustInput(totpNow(t, acct.TOTPSecret))
		clickAndLoad(p, "#code-btn")
		item := p.MustElement("li.m-card[data-cid]")
		if item.MustElement(".m-user").MustText() == "" {
			t.Fatal("variant 2 item has no buyer")
		}
		if p.MustHas("li.conv-item") {
			t.Fatal("variant 2 still renders li.conv-item")
		}
	})
	t.Run("amazon thread", func(t *testing.T) {
		acct := sb.Account("amazon")
		var id string
		for _, v := range sb.storeThreads("amazon", sb.Now()) {
			if v.Status == "awaiting_reply" {
				id = v.ID
				break
			}
		}
		p := newPage(t)
		p.MustNavigate(sb.URL("amazon") + "/messages/thread/" + id).MustWaitLoad()
		p.MustElement("#signin-email").MustInput(acct.Username)
		p.MustElement("#signin-pass").MustInput(acct.Password)
		clickAndLoad(p, "#continue-btn")
		p.MustElement("#otp-input").MustInput(totpNow(t, acct.TOTPSecret))
		clickAndLoad(p, "#otp-submit")
		if got := *p.MustElement(`main#thread[data-conv-id="` + id + `"] dd#conv-state.conv-state`).MustAttribute("data-status"); got != "awaiting_reply" {
			t.Fatalf("variant 2 thread status %q", got)
		}
		if p.MustHas("#thread-state") || p.MustHas("#thread-no-response") {
			t.Fatal("variant 2 still has the variant-1 status or button")
		}
		wait := p.MustWaitNavigation()
		p.MustElement("button#conv-dismiss.dismiss-btn").MustClick()
		wait()
		p.MustElement(`dd#conv-state[data-status="no_response_needed"]`)
		if p.MustHas("#conv-dismiss") {
			t.Fatal("variant 2 still offers the action once it is set")
		}
	})
	t.Run("tiktok", func(t *testing.T) {
		acct := sb.Account("tiktok")
		p := newPage(t)
		p.MustNavigate(sb.URL("tiktok") + "/login").MustWaitLoad()
		p.MustElement("#tt-account").MustInput(acct.Username)
		p.MustElement("#tt-secret").MustInput(acct.Password)
		p.MustElement("#tt-go").MustClick()
		p.MustElement("#tt-otp").MustWaitVisible().MustInput(totpNow(t, acct.TOTPSecret))
		clickAndLoad(p, "#tt-otp-go")
		p.MustElement(`#im-sessions[data-loaded="true"] li.im-session`).MustClick()
		msg := p.MustElement(`#im-window[data-loaded="true"] .im-msg`)
		// The text comes before the time in variant 2.
		if first := msg.MustEval(`() => this.firstElementChild.className`).String(); first != "im-msg-content" {
			t.Fatalf("first child of a variant-2 message is %q", first)
		}
	})
	t.Run("ups", func(t *testing.T) {
		var n string
		for _, x := range sb.World().Parcels {
			if x.Carrier == "ups" {
				n = x.TrackingNumber
				break
			}
		}
		p := newPage(t)
		p.MustNavigate(sb.URL("ups") + "/track?tracknum=" + n).MustWaitLoad()
		p.MustElement(`#trk-result[data-state="ready"] .trk-row .trk-row-what`)
		if p.MustHas(".trk-event") {
			t.Fatal("variant 2 still renders .trk-event")
		}
	})
}

// A CAPTCHA stops a robot on a carrier's tracking page; the timeline never
// renders.
func TestE2ECaptchaOnTrackingPage(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 14, Faults: "fedex.captcha=1"})
	n := ""
	for _, x := range sb.World().Parcels {
		if x.Carrier == "fedex" {
			n = x.TrackingNumber
			break
		}
	}
	p := newPage(t)
	p.MustNavigate(sb.URL("fedex") + "/fedextrack/?trknbr=" + n).MustWaitLoad()
	p.MustElement("#captcha-form")
	if p.MustHas("#trk-result") {
		t.Fatal("tracking result present behind the CAPTCHA")
	}
	// A person types the digits and goes on.
	id := *p.MustElement("#captcha").MustAttribute("data-challenge")
	p.MustElement("#captcha-answer").MustInput(sb.CaptchaAnswer("fedex", id))
	clickAndLoad(p, "#captcha-submit")
	p.Timeout(10 * time.Second).MustElement(`#trk-result[data-state="ready"]`)
}

func TestSeveralStoresPerMarketplace(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 15, Stores: 2, Orders: 30})
	a1, a2 := sb.Account("amazon"), sb.Account("amazon-2")
	if a2.Username == "" || a1.Username == a2.Username {
		t.Fatalf("accounts %q and %q", a1.Username, a2.Username)
	}
	if n := len(sb.World().Stores); n != 6 {
		t.Fatalf("%d stores, want 6", n)
	}
	// Each store sees only its own threads.
	for _, th := range sb.World().StoreThreads("amazon-2") {
		if th.StoreID != "amazon-2" {
			t.Fatalf("thread %s of %s listed for amazon-2", th.ID, th.StoreID)
		}
		if sb.threadOf("amazon", th.ID, sb.Now().Add(100*time.Hour)) != nil {
			t.Fatalf("amazon can open amazon-2's thread %s", th.ID)
		}
	}
	if !strings.HasPrefix(a2.Username, "seller+amazon-2") {
		t.Fatalf("amazon-2 username %q", a2.Username)
	}
}
