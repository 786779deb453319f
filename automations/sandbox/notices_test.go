package sandbox

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestNoticeInOrderConversation sends a notice into an Amazon order's own
// conversation over HTTP, and checks that the sandbox counts it for the
// parcel and that the buyer's later where-is-my-order thread never comes,
// while the same thread comes in a world without the notice.
func TestNoticeInOrderConversation(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 7, Orders: 300})
	now := sb.Now()
	// A where-is-my-order thread still to come, on a shipped Amazon order.
	var later *Thread
	for _, th := range sb.World().StoreThreads("amazon") {
		o := sb.World().Order(th.OrderID)
		if wismoKinds[th.Kind] && !th.Visible(now) && o.Shipped && (later == nil || th.Messages[0].Time.Before(later.Messages[0].Time)) {
			later = th
		}
	}
	if later == nil {
		t.Fatal("the world has no where-is-my-order thread still to come on Amazon")
	}
	o := sb.World().Order(later.OrderID)
	c, resp := amazonLogin(t, sb, "")
	resp.Body.Close()
	conv := sb.URL("amazon") + "/messages/thread/" + OrderConversationPrefix + o.ID
	code, body := get(t, c, conv)
	if code != 200 || !strings.Contains(body, `data-status="seller_started"`) {
		t.Fatalf("order conversation: %d\n%s", code, body[:min(len(body), 1500)])
	}
	// Another store's order has no conversation here.
	other := sb.World().StoreOrders("ebay")[0]
	if code, _ := get(t, c, sb.URL("amazon")+"/messages/thread/"+OrderConversationPrefix+other.ID); code != 404 {
		t.Fatalf("another store's order conversation: %d, want 404", code)
	}
	tok := csrfField.FindStringSubmatch(body)[1]
	r, err := c.PostForm(conv+"/reply", url.Values{"csrf": {tok}, "body": {"Your parcel is delayed."}, "ref": {"n-1"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	st := sb.State()
	if n := st.Notices[o.TrackingNumber]; len(n) != 1 || n[0].Ref != "n-1" || n[0].Channel != "conversation" || n[0].OrderID != o.ID {
		t.Fatalf("notices of %s = %+v", o.TrackingNumber, n)
	}
	if _, body := get(t, c, conv); !strings.Contains(body, `data-ref="n-1"`) {
		t.Fatal("the order conversation does not show the sent notice")
	}
	// The buyer, told first, does not write.
	at := later.Messages[0].Time.Add(time.Minute)
	sb.Advance(at.Sub(now))
	for _, th := range sb.storeThreads("amazon", sb.Now()) {
		if th.ID == later.ID {
			t.Fatalf("thread %s (%s) came although the buyer was told on %s", later.ID, later.Kind, st.Notices[o.TrackingNumber][0].At)
		}
	}
	if sb.ThreadVisible(later, sb.Now()) {
		t.Fatal("ThreadVisible shows the thread")
	}
	// The same world without the notice: the thread comes.
	fresh := startSandbox(t, Options{Seed: 7, Orders: 300})
	fresh.Advance(at.Sub(fresh.Now()))
	if !fresh.ThreadVisible(fresh.World().Thread(later.ID), fresh.Now()) {
		t.Fatal("without a notice the thread does not come either: the test proves nothing")
	}
}
