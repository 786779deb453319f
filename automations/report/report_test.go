package report

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// seed fills a database with one night of work: times come from a clock
// the test moves.
func seed(t *testing.T) (*localdb.DB, time.Time, time.Time) {
	t.Helper()
	ctx := context.Background()
	night := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	now := night.Add(-48 * time.Hour)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(t time.Time) { mu.Lock(); now = t; mu.Unlock() }
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "r.db"), localdb.WithClock(clock))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop-us", Marketplace: "amazon"})
	must(err)

	// An old thread, overdue now, from before the night.
	_, err = db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T-old", BuyerName: "Old Buyer",
		Subject: "Where is it?", Status: localdb.StatusOpen, LastMessageAt: night.Add(-30 * time.Hour),
		ReplyDeadline: night.Add(-6 * time.Hour)},
		[]localdb.Message{{MarketplaceMessageID: "m0", Direction: localdb.DirectionIn, Body: "hello", SentAt: night.Add(-30 * time.Hour)}})
	must(err)

	// During the night: two new messages at 02:xx, one at 05:xx.
	set(night.Add(2*time.Hour + 10*time.Minute))
	_, err = db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T-new", BuyerName: "Ana <b>",
		Subject: "Broken | cracked", Status: localdb.StatusOpen, MarketplaceOrderID: "111-1",
		LastMessageAt: night.Add(2 * time.Hour), ReplyDeadline: night.Add(26 * time.Hour)},
		[]localdb.Message{
			{MarketplaceMessageID: "m1", Direction: localdb.DirectionIn, Body: "it arrived broken", SentAt: night.Add(2 * time.Hour)},
			{MarketplaceMessageID: "m2", Direction: localdb.DirectionIn, Body: "photo", SentAt: night.Add(2*time.Hour + time.Minute)},
		})
	must(err)
	set(night.Add(5*time.Hour + 30*time.Minute))
	_, err = db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T-3", BuyerName: "Bo",
		Subject: "Question", Status: localdb.StatusOpen, LastMessageAt: night.Add(5 * time.Hour), ReplyDeadline: night.Add(29 * time.Hour)},
		[]localdb.Message{{MarketplaceMessageID: "m3", Direction: localdb.DirectionIn, Body: "?", SentAt: night.Add(5 * time.Hour)}})
	must(err)

	// Parcels: one delivered and one moved in the night, one stalled for days.
	_, _, err = db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: "1ZDELIVERED", Tag: "Delivered",
		Source: localdb.SourceAPI, CheckedAt: night.Add(5 * time.Hour),
		Events: []localdb.TrackingEvent{{Time: night.Add(3 * time.Hour), Tag: "Delivered", Description: "DELIVERED"}}})
	must(err)
	_, _, err = db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "dhl", TrackingNumber: "1234567890", Tag: "InTransit",
		Source: localdb.SourceWeb, CheckedAt: night.Add(5 * time.Hour),
		Events: []localdb.TrackingEvent{{Time: night.Add(4 * time.Hour), Tag: "InTransit", Description: "Departed"}}})
	must(err)
	stalled, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "fedex", TrackingNumber: "123456789012", Tag: "InTransit",
		Source: localdb.SourceAPI, CheckedAt: night.Add(5 * time.Hour),
		Events: []localdb.TrackingEvent{{Time: night.Add(-10 * 24 * time.Hour), Tag: "InTransit", Description: "Arrived"}}})
	must(err)

	// Claims: one drafted and filed tonight, one paid tonight.
	set(night.Add(3 * time.Hour))
	c1, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: stalled.ID, Kind: localdb.ClaimLost, Amount: 4990, Currency: "USD"})
	must(err)
	_, err = db.RecordClaimFiled(ctx, c1.ID, "FX123", night.Add(3*time.Hour))
	must(err)
	delivered, err := db.GetShipmentByNumber(ctx, "ups", "1ZDELIVERED")
	must(err)
	set(night.Add(-40 * time.Hour))
	c2, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: delivered.ID, Kind: localdb.ClaimDamaged, Amount: 2500, Currency: "EUR"})
	must(err)
	_, err = db.RecordClaimFiled(ctx, c2.ID, "C999", night.Add(-40*time.Hour))
	must(err)
	set(night.Add(4 * time.Hour))
	_, err = db.RecordClaimStatus(ctx, c2.ID, localdb.ClaimPaid, 2500)
	must(err)

	// A run with one item done and one that needs a person.
	set(night.Add(1 * time.Hour))
	job, err := db.UpsertJob(ctx, localdb.Job{Name: "sync", Enabled: true})
	must(err)
	run, err := db.StartRun(ctx, job.ID, 1)
	must(err)
	_, err = db.AddRunItems(ctx, run.ID, "store:shop-us", "store:shop-de")
	must(err)
	for _, k := range []string{"store:shop-us", "store:shop-de"} {
		_, err = db.StartItem(ctx, run.ID, k)
		must(err)
	}
	_, err = db.FinishItem(ctx, run.ID, "store:shop-us", localdb.ItemOutcome{State: localdb.ItemDone})
	must(err)
	set(night.Add(2 * time.Hour))
	_, err = db.FinishItem(ctx, run.ID, "store:shop-de", localdb.ItemOutcome{State: localdb.ItemNeedsHuman,
		FailureClass: "needs_human", EvidencePath: "evidence/shop-de/login", Error: "CAPTCHA on the sign-in page"})
	must(err)
	_, err = db.FinishRun(ctx, run.ID, localdb.RunDone, "")
	must(err)
	set(night.Add(6 * time.Hour))
	return db, night, night.Add(6 * time.Hour)
}

func TestBuildCoversTheNight(t *testing.T) {
	db, from, to := seed(t)
	r, err := Build(context.Background(), db, nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	if r.Messages.New != 3 || len(r.Messages.NewThreads) != 2 {
		t.Errorf("new messages %d in %d threads, want 3 in 2", r.Messages.New, len(r.Messages.NewThreads))
	}
	if len(r.Messages.Overdue) != 1 || r.Messages.Overdue[0].Buyer != "Old Buyer" {
		t.Errorf("overdue %+v", r.Messages.Overdue)
	}
	if len(r.Parcels.Delivered) != 1 || r.Parcels.Delivered[0].TrackingNumber != "1ZDELIVERED" {
		t.Errorf("delivered %+v", r.Parcels.Delivered)
	}
	if len(r.Parcels.Changed) != 1 || r.Parcels.Changed[0].Courier != "dhl" {
		t.Errorf("changed %+v", r.Parcels.Changed)
	}
	if len(r.Parcels.Stalled) != 1 || r.Parcels.Stalled[0].Courier != "fedex" || r.Parcels.Stalled[0].Reason == "" {
		t.Errorf("stalled %+v", r.Parcels.Stalled)
	}
	if len(r.Claims.Drafted) != 1 || len(r.Claims.Filed) != 1 || len(r.Claims.Paid) != 1 || len(r.Claims.Denied) != 0 {
		t.Errorf("claims %+v", r.Claims)
	}
	if len(r.Claims.Recovered) != 1 || r.Claims.Recovered[0] != money.Of(2500, "EUR") {
		t.Errorf("recovered %+v", r.Claims.Recovered)
	}
	if len(r.Failures) != 1 || r.Failures[0].Class != "needs_human" || r.Failures[0].Evidence == "" || r.Failures[0].Job != "sync" {
		t.Errorf("failures %+v", r.Failures)
	}
	if len(r.Runs) != 1 || r.Runs[0].Done != 1 || r.Runs[0].NeedsHuman != 1 {
		t.Errorf("runs %+v", r.Runs)
	}
	if len(r.Activity) != 6 {
		t.Fatalf("activity has %d hours, want 6", len(r.Activity))
	}
	if a := r.Activity[2]; a.Messages != 2 || a.Failed != 1 {
		t.Errorf("02:00 bucket %+v", a)
	}
	if a := r.Activity[1]; a.Done != 1 {
		t.Errorf("01:00 bucket %+v", a)
	}
	if a := r.Activity[5]; a.Messages != 1 {
		t.Errorf("05:00 bucket %+v", a)
	}
}

func TestRenderings(t *testing.T) {
	db, from, to := seed(t)
	r, err := Build(context.Background(), db, nil, from, to)
	if err != nil {
		t.Fatal(err)
	}
	var md, html, js bytes.Buffer
	for format, buf := range map[string]*bytes.Buffer{"md": &md, "html": &html, "json": &js} {
		if err := r.Render(buf, format); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
	}
	for _, want := range []string{"3 new in 2 threads, 1 overdue", "EUR 25.00", `Broken \| cracked`, "needs_human", "evidence/shop-de/login", "FX123"} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("markdown lacks %q", want)
		}
	}
	h := html.String()
	for _, want := range []string{"<svg", "<rect", "EUR 25.00", "Ana &lt;b&gt;", "needs_human", "<style>"} {
		if !strings.Contains(h, want) {
			t.Errorf("html lacks %q", want)
		}
	}
	// Self-contained: nothing is fetched from elsewhere.
	if m := regexp.MustCompile(`(?i)(src|href)\s*=|<script|<link|@import|url\(`).FindString(h); m != "" {
		t.Errorf("html refers to an outside asset: %q", m)
	}
	if strings.Contains(h, "Ana <b>") {
		t.Error("html does not escape a buyer's name")
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back.Messages.New != 3 || len(back.Activity) != 6 {
		t.Errorf("json round trip: %v %+v", err, back.Messages)
	}
	if err := r.Render(io.Discard, "pdf"); err == nil || !strings.Contains(err.Error(), "md, html or json") {
		t.Errorf("unknown format: %v", err)
	}
	path := filepath.Join(t.TempDir(), "reports", FileName(to, "html"))
	if err := r.Save(path, "html"); err != nil {
		t.Fatal(err)
	}
}

func TestEmptyReport(t *testing.T) {
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "e.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	to := time.Now()
	r, err := Build(context.Background(), db, nil, to.Add(-24*time.Hour), to)
	if err != nil {
		t.Fatal(err)
	}
	var md bytes.Buffer
	if err := r.Markdown(&md); err != nil || !strings.Contains(md.String(), "None.") || !strings.Contains(md.String(), "recovered nothing") {
		t.Errorf("empty markdown: %v\n%s", err, md.String())
	}
	if len(r.Activity) < 24 || len(r.Activity) > 25 {
		t.Errorf("activity buckets %d", len(r.Activity))
	}
}

func TestPostWebhook(t *testing.T) {
	var got map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		_ = json.NewDecoder(r.Body).Decode(&got)
		if strings.Contains(r.URL.Path, "fail") {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if err := PostWebhook(ctx, nil, srv.URL+"/hook", map[string]int{"failures": 2}, time.Second); err != nil {
		t.Fatal(err)
	}
	if got["failures"] != float64(2) {
		t.Errorf("payload %v", got)
	}
	err := PostWebhook(ctx, nil, srv.URL+"/fail/secret-token", map[string]int{}, time.Second)
	if err == nil || !strings.Contains(err.Error(), "500") || strings.Contains(err.Error(), "secret-token") {
		t.Errorf("failing hook: %v", err)
	}
	// A hook that never answers until the test lets it: only the budget
	// can end the post, however slow the machine.
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer slow.Close()
	defer close(release)
	err = PostWebhook(ctx, nil, slow.URL+"/t0ken", map[string]int{}, 50*time.Millisecond)
	if err == nil || strings.Contains(err.Error(), "t0ken") {
		t.Errorf("slow hook: %v", err)
	}
}

// The report lists the claims that can still be filed and whose window
// closes within thresholds.claim_alert_days (7 by default), soonest first.
// The windows come from the carriers' published rules: DHL Express takes
// claims within 30 days of accepting the shipment (DHL Express Terms and
// Conditions of Carriage, "Claims").
func TestClaimWindowsClosing(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC)
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "r.db"), localdb.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	lost := func(number string, shippedDaysAgo int) {
		t.Helper()
		shipped := now.AddDate(0, 0, -shippedDaysAgo)
		if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "dhl", TrackingNumber: number, Tag: "Exception",
			Subtag: "Exception_013", Source: localdb.SourceAPI, CheckedAt: now, Events: []localdb.TrackingEvent{
				{Time: shipped, Tag: "InfoReceived", Subtag: "InfoReceived_001", Description: "Shipment picked up"},
				{Time: now.Add(-24 * time.Hour), Tag: "Exception", Subtag: "Exception_013", Description: "Shipment could not be located"},
			}}); err != nil {
			t.Fatal(err)
		}
	}
	lost("1111111111", 26) // closes in 4 days
	lost("2222222222", 28) // closes in 2 days: first
	lost("3333333333", 10) // closes in 20 days: not yet worth a line
	lost("4444444444", 31) // closed yesterday: too late to list
	r, err := Build(ctx, db, nil, now.Add(-6*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Closing) != 2 || r.Closing[0].TrackingNumber != "2222222222" || r.Closing[1].TrackingNumber != "1111111111" {
		t.Fatalf("closing windows %+v; want 2222222222 then 1111111111", r.Closing)
	}
	for _, c := range r.Closing {
		shipped := map[string]int{"1111111111": 26, "2222222222": 28}[c.TrackingNumber]
		if want := now.AddDate(0, 0, 30-shipped); !c.Closes.Truncate(24 * time.Hour).Equal(want.Truncate(24 * time.Hour)) {
			t.Errorf("%s closes %s, want 30 days after shipping: %s", c.TrackingNumber, c.Closes, want)
		}
		// The window runs to the end of the 30th day; the days left count
		// today, which is not over at 06:00.
		if c.DaysLeft != 30-shipped+1 {
			t.Errorf("%s: %d days left, want %d", c.TrackingNumber, c.DaysLeft, 30-shipped+1)
		}
		if c.Kind != "lost" || !strings.Contains(c.Reason, "lost") {
			t.Errorf("%s: kind %q reason %q", c.TrackingNumber, c.Kind, c.Reason)
		}
	}
	var md strings.Builder
	if err := r.Markdown(&md); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(md.String(), "## Claim windows closing") || !strings.Contains(md.String(), "| dhl | 2222222222 | lost |") {
		t.Errorf("markdown has no closing-windows table:\n%s", md.String())
	}
	var html strings.Builder
	if err := r.HTML(&html); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(html.String(), "<h2>Claim windows closing</h2>") || !strings.Contains(html.String(), "<code>1111111111</code>") {
		t.Errorf("HTML has no closing-windows table")
	}
}
