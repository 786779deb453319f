package notices_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/internal/worldseed"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

// A notice to an Amazon store connected by API goes as the Messaging API's
// unexpectedProblem message, through the outbox: once, and never again
// after an attempt whose outcome is unknown.
func TestAPISenderUnexpectedProblem(t *testing.T) {
	ctx := context.Background()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 300})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	now := sb.Now()
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "sellerops.db"), localdb.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st, err := db.CreateStore(ctx, localdb.Store{Name: "amazon", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := worldseed.Orders(ctx, db, sb, "amazon", "amazon", worldseed.Silent(sb))
	if err != nil || len(orders) < 3 {
		t.Fatalf("%d silent orders, %v", len(orders), err)
	}
	c := sb.SPAPIFor("amazon")
	fast := map[string]amazon.Plan{"getMessagingActionsForOrder": {Rate: 50, Burst: 50}, "createUnexpectedProblem": {Rate: 50, Burst: 50}}
	cl, err := amazon.New(amazon.Config{Credentials: amazon.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken},
		MarketplaceID: c.MarketplaceID, BaseURL: sb.URL("amazon"), TokenURL: sb.URL("amazon") + "/auth/o2/token", Plans: fast, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	snd := notices.APISender{DB: db, API: func(_ context.Context, id int64) (notices.ProblemMessenger, error) {
		if id != st.ID {
			t.Errorf("API asked for store %d", id)
		}
		return cl, nil
	}}
	props, err := notices.Propose(ctx, notices.Deps{DB: db}, now)
	if err != nil {
		t.Fatal(err)
	}
	first, err := notices.Find(props, orders[0].TrackingNumber)
	if err != nil {
		t.Fatal(err)
	}
	if res, err := notices.Send(ctx, db, snd, first); err != nil || res.AlreadySent {
		t.Fatalf("send: %+v %v", res, err)
	}
	if res, err := snd.SendNotice(ctx, notices.Message{Key: first.Key, StoreID: st.ID, MarketplaceOrderID: first.MarketplaceOrderID, Body: first.Body}); err != nil || !res.AlreadySent {
		t.Fatalf("send again: %+v %v", res, err)
	}
	got := sb.State().Notices[first.TrackingNumber]
	if len(got) != 1 || got[0].Channel != "sp-api" || got[0].Body != first.Body || sb.SPAPISent(first.MarketplaceOrderID, "unexpectedProblem") != 1 {
		t.Fatalf("Amazon took %+v", got)
	}
	// An attempt that stopped in flight (a crash mid-call) is not sent
	// again: the API cannot say whether it went.
	second, err := notices.Find(props, orders[1].TrackingNumber)
	if err != nil {
		t.Fatal(err)
	}
	e, _, err := db.WriteIntent(ctx, localdb.Intent{Key: second.Key, Kind: localdb.OutboxReply, Target: "order:1/" + second.MarketplaceOrderID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkInFlight(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := notices.Send(ctx, db, snd, second); !errors.Is(err, notices.ErrUnsure) {
		t.Fatalf("unsure intent: %v", err)
	}
	if n := sb.SPAPISent(second.MarketplaceOrderID, "unexpectedProblem"); n != 0 {
		t.Fatalf("an unsure notice was sent again: %d", n)
	}
	// A person looked on the site and did not find it: the next send
	// sends it, once.
	if _, _, err := db.SettleNotice(ctx, second.Key, false); err != nil {
		t.Fatal(err)
	}
	if res, err := notices.Send(ctx, db, snd, second); err != nil || res.AlreadySent {
		t.Fatalf("send after settling as not sent: %+v %v", res, err)
	}
	if res, err := notices.Send(ctx, db, snd, second); err != nil || !res.AlreadySent {
		t.Fatalf("send once more: %+v %v", res, err)
	}
	if n := sb.SPAPISent(second.MarketplaceOrderID, "unexpectedProblem"); n != 1 {
		t.Fatalf("Amazon took the settled notice %d times, want 1", n)
	}
	// Found on the site: recorded as sent, and nothing goes to Amazon.
	third, err := notices.Find(props, orders[2].TrackingNumber)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.RecordNotice(ctx, localdb.Notice{Key: third.Key, ShipmentID: third.ShipmentID, OrderID: third.OrderID,
		Event: third.Event, Since: third.Since, State: localdb.NoticeSending, Body: third.Body}); err != nil {
		t.Fatal(err)
	}
	e, _, err = db.WriteIntent(ctx, localdb.Intent{Key: third.Key, Kind: localdb.OutboxReply, Target: "order:1/" + third.MarketplaceOrderID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.MarkInFlight(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SettleNotice(ctx, third.Key, true); err != nil {
		t.Fatal(err)
	}
	if res, err := notices.Send(ctx, db, snd, third); err != nil || !res.AlreadySent {
		t.Fatalf("send after settling as sent: %+v %v", res, err)
	}
	if n := sb.SPAPISent(third.MarketplaceOrderID, "unexpectedProblem"); n != 0 {
		t.Fatalf("a notice settled as sent went to Amazon %d times", n)
	}
}
