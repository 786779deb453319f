package notices_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/localdb"
)

// now is the moment every case is judged at. The thresholds are the
// config's defaults (thresholds.stalled_days 5, past_eta_days 3); tags and
// subtags are AfterShip's taxonomy (Exception_011 returned to sender).
var now = time.Date(2026, time.March, 20, 12, 0, 0, 0, time.UTC)

func days(n float64) time.Time { return now.Add(-time.Duration(n * 24 * float64(time.Hour))) }

// parcelCase is one labelled parcel: its story, and the notice a person
// expects for it, written down before the rule.
type parcelCase struct {
	name      string
	tag       string
	subtag    string
	lastScan  time.Time // the newest scan; the parcel has one scan before it
	eta       time.Time
	unchecked bool
	noOrder   bool
	country   string
	buyer     []buyerMsg
	// want is "" for no notice, else the event and the language.
	want      localdb.NoticeEvent
	wantSince time.Time
	wantLang  string
}

type buyerMsg struct {
	at   time.Time
	body string
	lang string
}

var cases = []parcelCase{
	{name: "moving, on time", tag: "InTransit", lastScan: days(2), eta: days(-2), country: "US"},
	{name: "quiet six days", tag: "InTransit", lastScan: days(6), eta: days(-1), country: "US", want: localdb.NoticeStalled, wantSince: days(6), wantLang: "en"},
	{name: "four days past estimate", tag: "InTransit", lastScan: days(1), eta: days(4), country: "FR", want: localdb.NoticePastETA, wantSince: days(4), wantLang: "fr"},
	{name: "two days past estimate", tag: "InTransit", lastScan: days(1), eta: days(2), country: "US"},
	{name: "carrier exception", tag: "Exception", subtag: "Exception_004", lastScan: days(1), eta: days(-3), country: "DE", want: localdb.NoticeException, wantSince: days(1), wantLang: "de"},
	{name: "delivered long ago", tag: "Delivered", lastScan: days(20), eta: days(22), country: "US"},
	{name: "returned to sender", tag: "Exception", subtag: "Exception_011", lastScan: days(9), eta: days(12), country: "US"},
	{name: "never looked up", tag: "InTransit", lastScan: days(9), eta: days(12), country: "US", unchecked: true},
	{name: "no order", tag: "InTransit", lastScan: days(9), eta: days(12), noOrder: true},
	{name: "past estimate and quiet", tag: "InTransit", lastScan: days(8), eta: days(5), country: "ES", want: localdb.NoticePastETA, wantSince: days(5), wantLang: "es"},
	{name: "Japanese buyer", tag: "InTransit", lastScan: days(7), eta: days(-1), country: "JP", want: localdb.NoticeStalled, wantSince: days(7), wantLang: "ja"},
	{name: "Chinese buyer", tag: "InTransit", lastScan: days(7), eta: days(-1), country: "CN", want: localdb.NoticeStalled, wantSince: days(7), wantLang: "zh"},
	// The buyer's own messages.
	{name: "asked where it is before", tag: "InTransit", lastScan: days(6), eta: days(-1), country: "US",
		buyer: []buyerMsg{{days(10), "Hi, where is my order? The tracking has not moved.", "en"}}},
	{name: "reported damage before", tag: "Exception", subtag: "Exception_012", lastScan: days(1), eta: days(-1), country: "US",
		buyer: []buyerMsg{{days(3), "The box arrived crushed and the lamp is broken.", "en"}}},
	{name: "asked a question before", tag: "InTransit", lastScan: days(6), eta: days(-1), country: "US",
		buyer: []buyerMsg{{days(10), "Ist der Schal aus reiner Merinowolle?", "de"}}, want: localdb.NoticeStalled, wantSince: days(6), wantLang: "de"},
	{name: "wrote since the stall began", tag: "InTransit", lastScan: days(6), eta: days(-1), country: "US",
		buyer: []buyerMsg{{days(2), "Can I add a gift note?", "en"}}},
}

type world struct {
	db    *localdb.DB
	store localdb.Store
	ids   map[string]int64 // shipment id by case name
}

func build(t *testing.T, cs []parcelCase) world {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "sellerops.db"), localdb.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "ebay", BaseURL: "https://www.ebay.com"})
	if err != nil {
		t.Fatal(err)
	}
	w := world{db: db, store: st, ids: map[string]int64{}}
	for i, c := range cs {
		number := fmt.Sprintf("1ZNOTICE%010d", i)
		var orderID int64
		if !c.noOrder {
			o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: fmt.Sprintf("12-%05d-00001", i),
				BuyerName: "Buyer " + c.name, Carrier: "ups", TrackingNumber: number, ShipDate: c.lastScan.Add(-48 * time.Hour),
				DestinationCountry: c.country, OriginCountry: "CN", Currency: "USD", DeclaredValue: 1000})
			if err != nil {
				t.Fatal(err)
			}
			orderID = o.ID
		}
		var sh localdb.Shipment
		if c.unchecked {
			sh, _, err = db.EnsureShipment(ctx, localdb.Shipment{Courier: "ups", TrackingNumber: number, OrderID: orderID})
		} else {
			sh, _, err = db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: number, OrderID: orderID,
				Tag: c.tag, Subtag: c.subtag, EstimatedDelivery: c.eta, Source: localdb.SourceAPI, CheckedAt: now,
				Events: []localdb.TrackingEvent{
					{Time: c.lastScan.Add(-24 * time.Hour), Tag: "InTransit", Description: "departed"},
					{Time: c.lastScan, Tag: c.tag, Subtag: c.subtag, Description: "latest"},
				}})
		}
		if err != nil {
			t.Fatal(err)
		}
		w.ids[c.name] = sh.ID
		if len(c.buyer) > 0 {
			var msgs []localdb.Message
			for j, m := range c.buyer {
				msgs = append(msgs, localdb.Message{MarketplaceMessageID: fmt.Sprintf("m%d-%d", i, j), Direction: localdb.DirectionIn,
					Sender: "buyer", Body: m.body, SentAt: m.at, Language: m.lang})
			}
			if _, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: fmt.Sprintf("T%d", i),
				MarketplaceOrderID: fmt.Sprintf("12-%05d-00001", i), BuyerName: "Buyer " + c.name, Subject: "order",
				Kind: localdb.KindMessage}, msgs); err != nil {
				t.Fatal(err)
			}
		}
	}
	return w
}

func TestProposeLabelledParcels(t *testing.T) {
	w := build(t, cases)
	props, err := notices.Propose(context.Background(), notices.Deps{DB: w.db}, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[int64]notices.Proposal{}
	for _, p := range props {
		got[p.ShipmentID] = p
	}
	for _, c := range cases {
		p, ok := got[w.ids[c.name]]
		if c.want == "" {
			if ok {
				t.Errorf("%s: proposed %s (%s), want none", c.name, p.Event, p.Why)
			}
			continue
		}
		if !ok {
			t.Errorf("%s: no notice, want %s", c.name, c.want)
			continue
		}
		if p.Event != c.want || !p.Since.Equal(c.wantSince) || p.Language != c.wantLang || p.Problem != "" {
			t.Errorf("%s: %s since %s in %s (problem %q); want %s since %s in %s", c.name, p.Event, p.Since, p.Language, p.Problem,
				c.want, c.wantSince, c.wantLang)
		}
		if !strings.Contains(p.Body, p.TrackingNumber) || !strings.Contains(p.Body, p.MarketplaceOrderID) || !strings.Contains(p.Body, "UPS") {
			t.Errorf("%s: the notice does not name the parcel, order and carrier: %q", c.name, p.Body)
		}
		if p.Key != notices.Key(p.ShipmentID, p.Event, p.Since) {
			t.Errorf("%s: key %s", c.name, p.Key)
		}
	}
	// Buyer's name order and honorific in Japanese and Chinese.
	if b := got[w.ids["Japanese buyer"]].Body; !strings.HasPrefix(b, "Buyer Japanese buyer 様") {
		t.Errorf("ja notice = %q", b)
	}
	if b := got[w.ids["Chinese buyer"]].Body; !strings.HasPrefix(b, "尊敬的Buyer Chinese buyer：") {
		t.Errorf("zh notice = %q", b)
	}
	if b := got[w.ids["carrier exception"]].Body; !strings.Contains(b, "Störung") {
		t.Errorf("the German notice does not word the exception in German: %q", b)
	}
}

// fakeSender stands in for a site: it records what reached it, and fails
// when told to.
type fakeSender struct {
	sent []notices.Message
	fail error
}

func (f *fakeSender) SendNotice(_ context.Context, m notices.Message) (notices.SendResult, error) {
	if f.fail != nil {
		return notices.SendResult{}, f.fail
	}
	f.sent = append(f.sent, m)
	return notices.SendResult{Channel: "fake"}, nil
}

func TestSendSkipDecideOnce(t *testing.T) {
	ctx := context.Background()
	w := build(t, cases)
	deps := notices.Deps{DB: w.db}
	props, err := notices.Propose(ctx, deps, now)
	if err != nil {
		t.Fatal(err)
	}
	stalled, err := notices.Find(props, fmt.Sprint(w.ids["quiet six days"]))
	if err != nil {
		t.Fatal(err)
	}
	eta, err := notices.Find(props, fmt.Sprint(w.ids["four days past estimate"]))
	if err != nil {
		t.Fatal(err)
	}
	// A send that fails leaves the decision; the next list shows it as
	// unfinished, with the same text, and sending again finishes it.
	snd := &fakeSender{fail: errors.New("site down")}
	if _, err := notices.Send(ctx, w.db, snd, stalled); err == nil {
		t.Fatal("a failed send reported success")
	}
	props, _ = notices.Propose(ctx, deps, now.Add(time.Hour))
	again, err := notices.Find(props, stalled.TrackingNumber)
	if err != nil || again.State != notices.StateSending || again.Body != stalled.Body || again.Key != stalled.Key {
		t.Fatalf("after a failed send: %+v, %v", again, err)
	}
	if err := notices.Skip(ctx, w.db, again); !errors.Is(err, notices.ErrNoNotice) {
		t.Errorf("skipping a notice being sent: %v", err)
	}
	snd.fail = nil
	if _, err := notices.Send(ctx, w.db, snd, again); err != nil {
		t.Fatal(err)
	}
	if res, err := notices.Send(ctx, w.db, snd, again); err != nil || !res.AlreadySent {
		t.Fatalf("second send: %+v, %v", res, err)
	}
	if len(snd.sent) != 1 || snd.sent[0].Key != stalled.Key || snd.sent[0].MarketplaceOrderID != stalled.MarketplaceOrderID {
		t.Fatalf("sent %+v", snd.sent)
	}
	// Skipped: not proposed again.
	if err := notices.Skip(ctx, w.db, eta); err != nil {
		t.Fatal(err)
	}
	props, _ = notices.Propose(ctx, deps, now.Add(2*time.Hour))
	for _, p := range props {
		if p.ShipmentID == stalled.ShipmentID || p.ShipmentID == eta.ShipmentID {
			t.Errorf("decided notice proposed again: %+v", p)
		}
	}
	if _, err := notices.Find(props, eta.TrackingNumber); !errors.Is(err, notices.ErrNoNotice) {
		t.Errorf("find a skipped notice: %v", err)
	}
	// A new event after the decision is a new notice: the parcel that was
	// told about its stall now meets an exception.
	later := now.Add(24 * time.Hour)
	if _, _, err := w.db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: stalled.TrackingNumber,
		Tag: "Exception", Subtag: "Exception_004", Source: localdb.SourceAPI, CheckedAt: later,
		Events: []localdb.TrackingEvent{{Time: later.Add(-time.Hour), Tag: "Exception", Subtag: "Exception_004", Description: "delayed"}}}); err != nil {
		t.Fatal(err)
	}
	props, _ = notices.Propose(ctx, deps, later)
	p, err := notices.Find(props, stalled.TrackingNumber)
	if err != nil || p.Event != localdb.NoticeException || p.Key == stalled.Key {
		t.Fatalf("after a new exception: %+v, %v", p, err)
	}
}
