package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
)

// The small world of the insights tests, every answer worked out by hand
// before the code ran. Now is T = Monday 2026-03-02 12:00 UTC; --since 30d.
//
// Stores: shop-a (amazon, 24 h calendar window), shop-t (tiktok, 12 h).
// Orders (ship date): A1 shop-a CN->DE MUG T-12d, parcel S1 ups;
// A2 shop-a CN->US LAMP T-7d, S2 dhl; A3 shop-a CN->DE MUG T-6d, S4 dhl;
// T1 shop-t CN->DE MUG T-5d, S3 ups.
//
// Threads (buyer "in", seller "out", times from the first message):
//
//	a1 shop-a A1  in T-10d "Where is my order? It has not arrived yet."  out +2h
//	a2 shop-a A2  in T-5d "The lamp arrived broken."  out +30h  in +31h "Can I get a refund?"  out +32h
//	a3 shop-a --  in T-2h "Do you have an invoice for this order?" (open)
//	t1 shop-t T1  in T-3d "Where is my parcel? The tracking shows nothing."  out +13h
//	t2 shop-t --  in T-20d "Great product, love it!"  out +45m
//	t3 shop-t --  in T-15d "Is it waterproof?"  out +1h  out +2h
//	old shop-a -- in T-40d "The mug is broken" (open; before the window, so
//	               only in the backlog, which is every open thread now)
//
// By store:
//
//	shop-a: threads 3, buyer messages 4; first responses 7200 (a1), 108000
//	  (a2), a3 none: nearest-rank p50 of 2 values is rank 1 = 7200, p90
//	  rank 2 = 108000; buckets 1-4h 1, 24h+ 1. SLA (24 h): a1 met, a2's
//	  first message answered after 30 h missed, its second answered in 1 h
//	  met, a3's deadline T+22h not passed so not due: due 3, met 2.
//	  One-touch: only a1's reply is 7 days old (a2's is 3.75 days, a3
//	  open); a1 has one reply and no later buyer message: 1/1 = 1.
//	  Reasons: where_is_order 1, damaged_defective 1, return_refund 1,
//	  invoice_paperwork 1.
//	shop-t: threads 3, buyer messages 3; first responses 2700, 3600, 46800:
//	  p50 rank 2 = 3600, p90 rank 3 = 46800; buckets 0-1h 1, 1-4h 1 (a
//	  bucket holds its lower bound), 8-24h 1. SLA (12 h): t1 answered after
//	  13 h missed, t2 and t3 met: due 3, met 2. One-touch: t2 (one reply)
//	  yes, t3 (two replies) no, t1 too recent: 1/2 = 0.5. Reasons:
//	  where_is_order 1, feedback_complaint 1, product_question 1.
//
// Backlog: shop-a's a3, waiting 2 h (1-4h), and old, waiting 40 days
// (24h+). Replies per thread: shop-a
// 3/3 = 1, shop-t 4/3. Contacts per 100 orders: shop-a has 3 orders in the
// window, so each of its four reasons is 100/3; shop-t has 1, so 100 each.
//
// Parcels (first scan is the first event past InfoReceived):
//
//	S1 ups  InfoReceived T-12d, InTransit T-11d, Delivered T-8d, estimate T-9d: 72 h, late
//	S2 dhl  InTransit T-6d, Delivered T-5d, Exception_012 T-5d+1h, estimate T-5d+6h: 24 h, on time, damaged
//	S3 ups  InTransit T-4d, Exception_013 T-1d: lost
//	S4 dhl  InTransit T-5d, Delivered T-3d, estimate T-4d: 48 h, late
//	S5 ups  InfoReceived T-2d only: no first scan, not counted
//	S6 ups  InTransit T-40d, Delivered T-38d: before the window
//
// By carrier: threads follow their order's parcel; a3, t2, t3 have no
// order and are (unknown).
//
//	(unknown): threads 3, buyer messages 3; first responses 2700, 3600 (a3
//	  none): p50 2700, p90 3600; buckets 0-1h 1, 1-4h 1; SLA due 2 (t2, t3)
//	  met 2; one-touch t2 yes, t3 no: 0.5; reasons invoice 1, feedback 1,
//	  product 1; no parcels: every delivery figure null.
//	dhl: thread a2: threads 1, buyer messages 2, first response 108000
//	  (24h+); SLA due 2 met 1; one-touch none judged: 0; reasons damaged 1,
//	  return 1. Parcels S2, S4: transit 24 and 48 h, p50 24, p90 48; on time
//	  1 of 2 with an estimate = 0.5; lost 0; damaged 1 of 2 = 500 per 1,000.
//	ups: threads a1, t1: buyer messages 2; first responses 7200, 46800: p50
//	  7200, p90 46800; buckets 1-4h 1, 8-24h 1; SLA due 2 met 1; one-touch
//	  a1 only: 1; reasons where_is_order 2. Parcels S1, S3: transit 72 h
//	  (S1 only delivered), on time 0 of 1, lost 1 of 2 = 500, damaged 0.
//
// Claims (drafted at T-4d): ups S3 lost 50.00 EUR filed T-4d, under
// review; dhl S2 damaged 30.00 USD filed T-4d, paid 25.00 at T-2d; dhl S4
// damaged 2000 JPY filed T-4d, denied. Per carrier and currency:
// dhl JPY 1 drafted, 1 filed, 1 denied, 2000 claimed and decided, 0
// recovered, rate 0; dhl USD 1 paid, 25.00 of 30.00 = 5/6, 2 days to
// payment; ups EUR 1 filed, nothing decided, rate 0.
//
// No SKU or carrier has 5 damage or where-is-my-order contacts in the
// last 7 days: no alert.
var insightsNow = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func insightsWorldDB(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	T := insightsNow
	day, h := 24*time.Hour, time.Hour
	clock := T.Add(-4 * day)
	path := filepath.Join(t.TempDir(), "insights.db")
	db, err := localdb.Open(ctx, path, localdb.WithClock(func() time.Time { return clock }))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	stores := map[string]int64{}
	for name, mp := range map[string]string{"shop-a": "amazon", "shop-t": "tiktok"} {
		s, err := db.CreateStore(ctx, localdb.Store{Name: name, Marketplace: mp})
		must(err)
		stores[name] = s.ID
	}
	orders := map[string]int64{}
	for _, o := range []struct {
		id, store, origin, dest, sku string
		ship                         time.Time
	}{
		{"A1", "shop-a", "CN", "DE", "MUG", T.Add(-12 * day)},
		{"A2", "shop-a", "CN", "US", "LAMP", T.Add(-7 * day)},
		{"A3", "shop-a", "CN", "DE", "MUG", T.Add(-6 * day)},
		{"T1", "shop-t", "CN", "DE", "MUG", T.Add(-5 * day)},
	} {
		out, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: stores[o.store], MarketplaceOrderID: o.id, ShipDate: o.ship,
			Items: []localdb.OrderItem{{SKU: o.sku, Title: o.sku, Quantity: 1}}, OriginCountry: o.origin, DestinationCountry: o.dest})
		must(err)
		orders[o.id] = out.ID
	}
	type ev struct {
		at          time.Duration // before T
		tag, subtag string
	}
	parcels := map[string]int64{}
	for _, p := range []struct {
		id, courier, order string
		estimate           time.Time
		tag, subtag        string
		events             []ev
	}{
		{"S1", "ups", "A1", T.Add(-9 * day), "Delivered", "", []ev{{12 * day, "InfoReceived", ""}, {11 * day, "InTransit", ""}, {8 * day, "Delivered", ""}}},
		{"S2", "dhl", "A2", T.Add(-5*day + 6*h), "Exception", "Exception_012", []ev{{6 * day, "InTransit", ""}, {5 * day, "Delivered", ""}, {5*day - h, "Exception", "Exception_012"}}},
		{"S3", "ups", "T1", time.Time{}, "Exception", "Exception_013", []ev{{4 * day, "InTransit", ""}, {day, "Exception", "Exception_013"}}},
		{"S4", "dhl", "A3", T.Add(-4 * day), "Delivered", "", []ev{{5 * day, "InTransit", ""}, {3 * day, "Delivered", ""}}},
		{"S5", "ups", "", time.Time{}, "InfoReceived", "", []ev{{2 * day, "InfoReceived", ""}}},
		{"S6", "ups", "", time.Time{}, "Delivered", "", []ev{{40 * day, "InTransit", ""}, {38 * day, "Delivered", ""}}},
	} {
		var events []localdb.TrackingEvent
		for i, e := range p.events {
			events = append(events, localdb.TrackingEvent{Time: T.Add(-e.at), Tag: e.tag, Subtag: e.subtag,
				RawCode: string(rune('A' + i)), Description: e.tag})
		}
		s, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: p.courier, TrackingNumber: p.id, OrderID: orders[p.order],
			Tag: p.tag, Subtag: p.subtag, EstimatedDelivery: p.estimate, Source: localdb.SourceAPI, Events: events})
		must(err)
		parcels[p.id] = s.ID
	}
	type m struct {
		dir  localdb.Direction
		at   time.Duration // after the thread's start
		body string
	}
	for _, th := range []struct {
		id, store, order string
		start            time.Time
		msgs             []m
	}{
		{"a1", "shop-a", "A1", T.Add(-10 * day), []m{{"in", 0, "Where is my order? It has not arrived yet."}, {"out", 2 * h, "It is on its way."}}},
		{"a2", "shop-a", "A2", T.Add(-5 * day), []m{{"in", 0, "The lamp arrived broken."}, {"out", 30 * h, "Sorry to hear that."},
			{"in", 31 * h, "Can I get a refund?"}, {"out", 32 * h, "Yes."}}},
		{"a3", "shop-a", "", T.Add(-2 * h), []m{{"in", 0, "Do you have an invoice for this order?"}}},
		{"t1", "shop-t", "T1", T.Add(-3 * day), []m{{"in", 0, "Where is my parcel? The tracking shows nothing."}, {"out", 13 * h, "Checking."}}},
		{"t2", "shop-t", "", T.Add(-20 * day), []m{{"in", 0, "Great product, love it!"}, {"out", 45 * time.Minute, "Thank you!"}}},
		{"t3", "shop-t", "", T.Add(-15 * day), []m{{"in", 0, "Is it waterproof?"}, {"out", h, "Yes."}, {"out", 2 * h, "Up to 1 m."}}},
		{"old", "shop-a", "", T.Add(-40 * day), []m{{"in", 0, "The mug is broken"}}},
	} {
		var msgs []localdb.Message
		for i, x := range th.msgs {
			msgs = append(msgs, localdb.Message{MarketplaceMessageID: th.id + string(rune('0'+i)), Direction: x.dir,
				Sender: string(x.dir), Body: x.body, SentAt: th.start.Add(x.at)})
		}
		_, err := db.SaveThread(ctx, localdb.Thread{StoreID: stores[th.store], MarketplaceThreadID: th.id, OrderID: orders[th.order]}, msgs)
		must(err)
	}
	// Claims, drafted and filed at T-4d; one paid at T-2d, one denied.
	claim := func(parcel, currency string, amount int64) int64 {
		c, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: parcels[parcel], Kind: localdb.ClaimDamaged, Amount: amount, Currency: currency})
		must(err)
		_, err = db.RecordClaimFiled(ctx, c.ID, "CONF-"+parcel, T.Add(-4*day))
		must(err)
		return c.ID
	}
	lost, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: parcels["S3"], Kind: localdb.ClaimLost, Amount: 5000, Currency: "EUR"})
	must(err)
	_, err = db.RecordClaimFiled(ctx, lost.ID, "CONF-S3", T.Add(-4*day))
	must(err)
	_, err = db.RecordClaimStatus(ctx, lost.ID, localdb.ClaimUnderReview, -1)
	must(err)
	usd := claim("S2", "USD", 3000)
	jpy := claim("S4", "JPY", 2000)
	_, err = db.RecordClaimStatus(ctx, jpy, localdb.ClaimDenied, -1)
	must(err)
	clock = T.Add(-2 * day)
	_, err = db.RecordClaimStatus(ctx, usd, localdb.ClaimPaid, 2500)
	must(err)
	return path
}

func withInsightsWorld(path string) func(*factory) {
	return func(f *factory) {
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			if k == "SELLEROPS_DB" {
				return path
			}
			return getenv(k)
		}
		f.Now = func() time.Time { return insightsNow }
	}
}

// reasonsWith is every reason at zero but those given.
func reasonsWith(kv ...any) map[string]any {
	out := map[string]any{}
	for _, r := range []string{"where_is_order", "damaged_defective", "return_refund", "cancel_change", "address",
		"product_question", "invoice_paperwork", "feedback_complaint", "other"} {
		out[r] = 0.0
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = float64(kv[i+1].(int))
	}
	return out
}

func buckets(a, b, c, d, e int) map[string]any {
	return map[string]any{"0-1h": float64(a), "1-4h": float64(b), "4-8h": float64(c), "8-24h": float64(d), "24h+": float64(e)}
}

func decodeInsights(t *testing.T, out string) map[string]any {
	t.Helper()
	var got map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("insights --json: %v\n%s", err, out)
	}
	return got
}

func checkJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s:\n got %s\nwant %s", what, g, w)
	}
}

func TestInsightsByStoreHandComputed(t *testing.T) {
	t.Parallel()
	path := insightsWorldDB(t)
	r := runCommand(t, []string{"insights", "--json"}, false, "", withInsightsWorld(path))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got := decodeInsights(t, r.stdout)
	checkJSON(t, "groups by store", got["groups"], []any{
		map[string]any{"group": "shop-a", "threads": 3.0, "buyer_messages": 4.0, "frt_p50_seconds": 7200.0, "frt_p90_seconds": 108000.0,
			"frt_buckets": buckets(0, 1, 0, 0, 1), "sla_due": 3.0, "sla_met": 2.0, "one_touch_rate": 1.0,
			"reasons": reasonsWith("where_is_order", 1, "damaged_defective", 1, "return_refund", 1, "invoice_paperwork", 1)},
		map[string]any{"group": "shop-t", "threads": 3.0, "buyer_messages": 3.0, "frt_p50_seconds": 3600.0, "frt_p90_seconds": 46800.0,
			"frt_buckets": buckets(1, 1, 0, 1, 0), "sla_due": 3.0, "sla_met": 2.0, "one_touch_rate": 0.5,
			"reasons": reasonsWith("where_is_order", 1, "feedback_complaint", 1, "product_question", 1)},
	})
	checkJSON(t, "alerts", got["alerts"], []any{})
	checkJSON(t, "backlog", got["backlog"], []any{
		map[string]any{"group": "shop-a", "open": 2.0, "buckets": buckets(0, 1, 0, 0, 1)},
	})
	checkJSON(t, "replies per thread", got["replies_per_thread"], []any{
		map[string]any{"group": "shop-a", "threads": 3.0, "seller_replies": 3.0, "replies_per_thread": 1.0},
		map[string]any{"group": "shop-t", "threads": 3.0, "seller_replies": 4.0, "replies_per_thread": 4.0 / 3},
	})
	third := 100.0 / 3
	zeroPer := func(v float64, keys ...string) map[string]any {
		out := map[string]any{}
		for k := range reasonsWith() {
			out[k] = 0.0
		}
		for _, k := range keys {
			out[k] = v
		}
		return out
	}
	checkJSON(t, "contacts per 100 orders", got["contacts_per_100_orders"], []any{
		map[string]any{"group": "shop-a", "orders": 3.0,
			"contacts":       reasonsWith("where_is_order", 1, "damaged_defective", 1, "return_refund", 1, "invoice_paperwork", 1),
			"per_100_orders": zeroPer(third, "where_is_order", "damaged_defective", "return_refund", "invoice_paperwork")},
		map[string]any{"group": "shop-t", "orders": 1.0,
			"contacts":       reasonsWith("where_is_order", 1, "feedback_complaint", 1, "product_question", 1),
			"per_100_orders": zeroPer(100, "where_is_order", "feedback_complaint", "product_question")},
	})
	amount := func(dec, cur string, minor int) map[string]any {
		return map[string]any{"amount": dec, "currency": cur, "minor": float64(minor)}
	}
	checkJSON(t, "claims", got["claims"], []any{
		map[string]any{"carrier": "dhl", "currency": "JPY", "drafted": 1.0, "filed": 1.0, "paid": 0.0, "denied": 1.0,
			"claimed": amount("2000", "JPY", 2000), "claimed_decided": amount("2000", "JPY", 2000), "recovered": amount("0", "JPY", 0),
			"recovery_rate": 0.0, "payment_values": 0.0, "days_to_payment_p50": 0.0, "days_to_payment_p90": 0.0},
		map[string]any{"carrier": "dhl", "currency": "USD", "drafted": 1.0, "filed": 1.0, "paid": 1.0, "denied": 0.0,
			"claimed": amount("30.00", "USD", 3000), "claimed_decided": amount("30.00", "USD", 3000), "recovered": amount("25.00", "USD", 2500),
			"recovery_rate": 2500.0 / 3000, "payment_values": 1.0, "days_to_payment_p50": 2.0, "days_to_payment_p90": 2.0},
		map[string]any{"carrier": "ups", "currency": "EUR", "drafted": 1.0, "filed": 1.0, "paid": 0.0, "denied": 0.0,
			"claimed": amount("50.00", "EUR", 5000), "claimed_decided": amount("0.00", "EUR", 0), "recovered": amount("0.00", "EUR", 0),
			"recovery_rate": 0.0, "payment_values": 0.0, "days_to_payment_p50": 0.0, "days_to_payment_p90": 0.0},
	})
	if got["by"] != "store" || got["since"] != "2026-01-31T12:00:00Z" {
		t.Errorf("by %v since %v, want store and T-30d", got["by"], got["since"])
	}
}

func TestInsightsByCarrierHandComputed(t *testing.T) {
	t.Parallel()
	path := insightsWorldDB(t)
	r := runCommand(t, []string{"insights", "--by", "carrier", "--json"}, false, "", withInsightsWorld(path))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	got := decodeInsights(t, r.stdout)
	checkJSON(t, "groups by carrier", got["groups"], []any{
		map[string]any{"group": "(unknown)", "threads": 3.0, "buyer_messages": 3.0, "frt_p50_seconds": 2700.0, "frt_p90_seconds": 3600.0,
			"frt_buckets": buckets(1, 1, 0, 0, 0), "sla_due": 2.0, "sla_met": 2.0, "one_touch_rate": 0.5,
			"reasons":           reasonsWith("invoice_paperwork", 1, "feedback_complaint", 1, "product_question", 1),
			"transit_p50_hours": nil, "transit_p90_hours": nil, "on_time_rate": nil, "lost_per_1000": nil, "damaged_per_1000": nil},
		map[string]any{"group": "dhl", "threads": 1.0, "buyer_messages": 2.0, "frt_p50_seconds": 108000.0, "frt_p90_seconds": 108000.0,
			"frt_buckets": buckets(0, 0, 0, 0, 1), "sla_due": 2.0, "sla_met": 1.0, "one_touch_rate": 0.0,
			"reasons":           reasonsWith("damaged_defective", 1, "return_refund", 1),
			"transit_p50_hours": 24.0, "transit_p90_hours": 48.0, "on_time_rate": 0.5, "lost_per_1000": 0.0, "damaged_per_1000": 500.0},
		map[string]any{"group": "ups", "threads": 2.0, "buyer_messages": 2.0, "frt_p50_seconds": 7200.0, "frt_p90_seconds": 46800.0,
			"frt_buckets": buckets(0, 1, 0, 1, 0), "sla_due": 2.0, "sla_met": 1.0, "one_touch_rate": 1.0,
			"reasons":           reasonsWith("where_is_order", 2),
			"transit_p50_hours": 72.0, "transit_p90_hours": 72.0, "on_time_rate": 0.0, "lost_per_1000": 500.0, "damaged_per_1000": 0.0},
	})
	// The CSV has the same figures, an empty cell for a value absent.
	r = runCommand(t, []string{"insights", "--by", "carrier", "--csv"}, false, "", withInsightsWorld(path))
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	wantCSV := []string{
		"group,threads,buyer_messages,frt_p50_seconds,frt_p90_seconds,frt_0-1h,frt_1-4h,frt_4-8h,frt_8-24h,frt_24h+,sla_due,sla_met,one_touch_rate," +
			"reason_damaged_defective,reason_return_refund,reason_address,reason_cancel_change,reason_where_is_order,reason_invoice_paperwork," +
			"reason_feedback_complaint,reason_product_question,reason_other,transit_p50_hours,transit_p90_hours,on_time_rate,lost_per_1000,damaged_per_1000",
		"(unknown),3,3,2700,3600,1,1,0,0,0,2,2,0.5,0,0,0,0,0,1,1,1,0,,,,,",
		"dhl,1,2,108000,108000,0,0,0,0,1,2,1,0,1,1,0,0,0,0,0,0,0,24,48,0.5,0,500",
		"ups,2,2,7200,46800,0,1,0,1,0,2,1,1,0,0,0,0,2,0,0,0,0,72,72,0,500,0",
	}
	if r.code != exitOK || !reflect.DeepEqual(lines, wantCSV) {
		t.Errorf("--csv (exit %d):\n%s\nwant\n%s", r.code, strings.Join(lines, "\n"), strings.Join(wantCSV, "\n"))
	}
}

// Bad --since and --by exit 4 (bad input) with a message naming the fix,
// before the database is opened.
func TestInsightsBadFlags(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"insights", "--since", "soon"}, "--since \"soon\": give a positive duration such as 30d"},
		{[]string{"insights", "--since", "0d"}, "--since \"0d\""},
		{[]string{"insights", "--by", "colour"}, "--by \"colour\": group by store, marketplace, reason, sku, carrier, country or lane"},
		{[]string{"insights", "--csv", "--json"}, "choose one output format"},
	} {
		r := runCommand(t, tc.args, false, "")
		if r.code != exitBadInput || !strings.Contains(r.stderr, tc.want) || r.stdout != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want exit 4 naming %q", tc.args, r.code, r.stderr, r.stdout, tc.want)
		}
	}
}

// At a terminal the groups are a table, the claims a line each; with no
// data --json still prints every array, empty.
func TestInsightsTableAndEmpty(t *testing.T) {
	t.Parallel()
	path := insightsWorldDB(t)
	r := runCommand(t, []string{"insights", "--by", "carrier"}, true, "", withInsightsWorld(path))
	if r.code != exitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, want := range []string{"CARRIER", "FRT P50", "TRANSIT P50", "ups", "2h00m", "13h00m", "1/2 50.0%", "72.0h", "500.0",
		"claims dhl USD: 1 drafted, 1 filed, 1 paid, 0 denied; recovered USD 25.00 of USD 30.00 decided (83%); paid after 2.0 days (median)"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCommand(t, []string{"insights", "--json"}, false, "")
	got := decodeInsights(t, r.stdout)
	for _, k := range []string{"groups", "alerts", "backlog", "replies_per_thread", "contacts_per_100_orders", "claims"} {
		if v, ok := got[k].([]any); !ok || len(v) != 0 {
			t.Errorf("empty database: %s = %#v, want []", k, got[k])
		}
	}
}
