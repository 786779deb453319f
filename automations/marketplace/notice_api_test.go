package marketplace

import (
	"testing"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

// A store whose proactive messages go through Amazon's API gets its delay
// notice as the Messaging API's unexpectedProblem message, without a
// browser, once: a second send finds the outbox entry done.
func TestNoticeToAnAPIStoreGoesThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{Orders: 20}, "")
	ctx := testwait.Context(t)
	deps := e.withDB(t, "api-notice")
	st := e.addAPIStore(t, deps, "amazon-api", false, "", "")
	acct, err := deps.DB.GetAPIAccount(ctx, st.ID)
	if err != nil || acct.Channels.Proactive != localdb.ChannelAPI {
		t.Fatalf("the API store's proactive channel is %q (%v); the test needs api", acct.Channels.Proactive, err)
	}
	deps.Browser = nil // the API needs none
	var order *sandbox.Order
	for _, o := range e.sb.World().Orders {
		if o.StoreID == "amazon" && o.Shipped && o.TrackingNumber != "" {
			order = o
			break
		}
	}
	if order == nil {
		t.Fatal("the sandbox's Amazon store has no shipped order")
	}
	m := notices.Message{Key: NoticeKeyPrefix + "api-test-1", StoreID: st.ID, MarketplaceOrderID: order.ID,
		Body: "Your parcel is running late; we are watching it with the carrier."}
	res, err := NoticeSender{Deps: deps}.SendNotice(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	if res.AlreadySent || res.Channel != "sp-api unexpectedProblem" {
		t.Fatalf("first send: %+v", res)
	}
	got := e.sb.State().Notices[order.TrackingNumber]
	if len(got) != 1 || got[0].Channel != "sp-api" || got[0].OrderID != order.ID {
		t.Fatalf("the sandbox holds %+v for order %s", got, order.ID)
	}
	again, err := NoticeSender{Deps: deps}.SendNotice(ctx, m)
	if err != nil || !again.AlreadySent {
		t.Fatalf("second send: %+v, %v", again, err)
	}
	if n := len(e.sb.State().Notices[order.TrackingNumber]); n != 1 {
		t.Fatalf("the buyer got %d notices", n)
	}
}
