package tracking

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// wantTag is the tag each carrier-neutral step must come out as, for the
// steps whose meaning does not depend on the carrier's wording.
var wantTag = map[string]carriers.Tag{
	"label": carriers.InfoReceived, "pickup": carriers.InTransit, "depart": carriers.InTransit,
	"arrive": carriers.InTransit, "out_for_delivery": carriers.OutForDelivery, "delivered": carriers.Delivered,
	"damaged": carriers.Exception, "lost": carriers.Exception,
}

// checkAgainstWorld compares a line with the sandbox's own story of the parcel.
func checkAgainstWorld(t *testing.T, sb *sandbox.Sandbox, l Line, source string) {
	t.Helper()
	p := sb.World().Parcel(l.Number)
	if p == nil {
		t.Fatalf("%s: not a sandbox parcel", l.Number)
	}
	if l.Error != nil {
		t.Fatalf("%s %s lookup failed: %s: %s", p.Carrier, source, l.Error.Class, l.Error.Message)
	}
	vis := p.VisibleEvents(sb.Now())
	if l.Source != source || l.Courier != p.Carrier || !l.Found {
		t.Errorf("%s: source %q courier %q found %v; want %s, %s, true", l.Number, l.Source, l.Courier, l.Found, source, p.Carrier)
	}
	if len(l.Events) != len(vis) {
		t.Fatalf("%s %s: %d events, the sandbox shows %d", p.Carrier, source, len(l.Events), len(vis))
	}
	newest := vis[len(vis)-1]
	if l.LastEvent == nil || !l.LastEvent.Time.Equal(newest.Time.Truncate(time.Second)) && !l.LastEvent.Time.Equal(newest.Time) {
		t.Errorf("%s %s: last event %+v; want the %s scan at %s", p.Carrier, source, l.LastEvent, newest.Step, newest.Time)
	}
	if l.LastEvent != nil && (l.LastEvent.Description == "" || l.LastEvent.Location == "") {
		t.Errorf("%s %s: last event without description or location: %+v", p.Carrier, source, l.LastEvent)
	}
	if want, ok := wantTag[newest.Step]; ok && l.Tag != string(want) {
		t.Errorf("%s %s: tag %s after a %s scan; want %s", p.Carrier, source, l.Tag, newest.Step, want)
	}
	if l.Tag == "" || l.Subtag == "" || !strings.HasPrefix(l.Subtag, l.Tag+"_") {
		t.Errorf("%s %s: tag %q subtag %q", p.Carrier, source, l.Tag, l.Subtag)
	}
}

func TestWebLookupEachCarrier(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	var numbers []string
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		numbers = append(numbers, numbersOf(parcels(sb, c, "delivered", 1))...)
		numbers = append(numbers, numbersOf(parcels(sb, c, "in_transit", 1))...)
	}
	if len(numbers) < 6 {
		t.Fatalf("the sandbox world has too few parcels: %v", numbers)
	}
	lines := track(t, webDeps(t, sb, db), numbers, Options{Concurrency: 4, Retry: fastRetry()})
	for _, l := range lines {
		checkAgainstWorld(t, sb, l, SourceWeb)
		if p := sb.World().Parcel(l.Number); p.State == "delivered" && l.Tag != string(carriers.Delivered) {
			t.Errorf("%s %s: delivered parcel tagged %s", p.Carrier, l.Number, l.Tag)
		}
		// Every result is stored, with its events.
		s, err := db.GetShipmentByNumber(context.Background(), l.Courier, l.Number)
		if err != nil {
			t.Fatalf("%s not stored: %v", l.Number, err)
		}
		evs, err := db.ShipmentEvents(context.Background(), s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if s.Source != localdb.SourceWeb || s.Tag != l.Tag || len(evs) != len(l.Events) || s.CheckedAt.IsZero() {
			t.Errorf("%s stored as source %q tag %q with %d events; the line says web, %s, %d", l.Number, s.Source, s.Tag, len(evs), l.Tag, len(l.Events))
		}
	}
	st := sb.State()
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		if st.Requests[c+".page"] == 0 || st.Requests[c+".api"] != 0 {
			t.Errorf("%s: %d page views, %d API calls; want pages only (no keys held)", c, st.Requests[c+".page"], st.Requests[c+".api"])
		}
	}
}

func TestAPILookupEachCarrierMatchesTheWeb(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	var numbers []string
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		numbers = append(numbers, numbersOf(parcels(sb, c, "", 3))...)
	}
	api := track(t, apiDeps(t, sb, db), numbers, Options{Concurrency: 4, Retry: fastRetry()})
	web := track(t, webDeps(t, sb, openDB(t)), numbers, Options{Concurrency: 4, Retry: fastRetry()})
	for i := range api {
		checkAgainstWorld(t, sb, api[i], SourceAPI)
		checkAgainstWorld(t, sb, web[i], SourceWeb)
		if api[i].Tag != web[i].Tag || api[i].Subtag != web[i].Subtag {
			t.Errorf("%s %s: API says %s/%s, the tracking page %s/%s", api[i].Courier, api[i].Number,
				api[i].Tag, api[i].Subtag, web[i].Tag, web[i].Subtag)
		}
	}
	st := sb.State()
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		if st.Requests[c+".api"] == 0 {
			t.Errorf("%s: no API call with keys held", c)
		}
		if st.Requests["api."+c+".unauthorized"]+st.Requests["api."+c+".bad_credentials"] != 0 {
			t.Errorf("%s: the sandbox refused the client's credentials: %v", c, st.Requests)
		}
	}
}

func TestFedExBatchesThirtyNumbersPerRequest(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Orders: 300})
	db := openDB(t)
	numbers := numbersOf(parcels(sb, "fedex", "", 1000))
	if len(numbers) < 31 {
		t.Fatalf("need 31 fedex parcels, the world has %d", len(numbers))
	}
	numbers = numbers[:31]
	lines := track(t, apiDeps(t, sb, db), numbers, Options{Concurrency: 4, Retry: fastRetry()})
	for _, l := range lines {
		checkAgainstWorld(t, sb, l, SourceAPI)
	}
	// One token request, then 31 numbers in two tracking requests.
	if got := sb.State().Requests["fedex.api"]; got != 3 {
		t.Errorf("fedex API requests: %d; want 3 (token + 30 + 1)", got)
	}
}

func TestCacheHitMakesNoLookup(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	deps := apiDeps(t, sb, db)
	deps.Web = SandboxWeb(sb.URL)
	ups := numbersOf(parcels(sb, "ups", "", 2))
	dhl := numbersOf(parcels(sb, "dhl", "", 2))
	// dhl through its API, ups through its page
	deps.Credentials = func(ctx context.Context, courier string) (carriers.Credentials, bool, error) {
		if courier != "dhl" {
			return carriers.Credentials{}, false, nil
		}
		return carriers.Credentials{APIKey: sb.Account("dhl").APIKey}, true, nil
	}
	numbers := append(append([]string{}, ups...), dhl...)
	first := track(t, deps, numbers, Options{MaxAge: time.Hour, Retry: fastRetry()})
	for _, l := range first {
		if l.Error != nil || l.Source == SourceCache {
			t.Fatalf("first lookup of %s: source %s error %+v", l.Number, l.Source, l.Error)
		}
	}
	before := sb.State().Requests
	second := track(t, deps, numbers, Options{MaxAge: time.Hour, Retry: fastRetry()})
	after := sb.State().Requests
	for _, k := range []string{"ups.page", "ups.xhr", "dhl.api"} {
		if before[k] == 0 || after[k] != before[k] {
			t.Errorf("sandbox %s requests: %d before, %d after the cached run; want no new request", k, before[k], after[k])
		}
	}
	for i, l := range second {
		if l.Source != SourceCache || l.Error != nil {
			t.Errorf("%s: source %s error %+v; want cache", l.Number, l.Source, l.Error)
		}
		if l.Tag != first[i].Tag || len(l.Events) != len(first[i].Events) || l.LastEvent == nil ||
			l.LastEvent.Description != first[i].LastEvent.Description {
			t.Errorf("%s: cached line %+v differs from the looked-up %+v", l.Number, l, first[i])
		}
	}
	// An old result is looked up again.
	third := track(t, deps, dhl[:1], Options{MaxAge: time.Nanosecond, Retry: fastRetry()})
	if third[0].Source != SourceAPI {
		t.Errorf("stale cache: source %s; want a fresh API lookup", third[0].Source)
	}
}

func TestInvalidNumbersGetErrorLines(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	good := numbersOf(parcels(sb, "dhl", "", 1))[0]
	inputs := []string{"1Z999AA10123456785", "hello world", "", good, "12345"}
	lines := track(t, apiDeps(t, sb, db), inputs, Options{Retry: fastRetry()})
	for i, l := range lines {
		if l.Index != i || l.Input != inputs[i] {
			t.Fatalf("line %d is for input %q (index %d)", i, l.Input, l.Index)
		}
		if inputs[i] == good {
			checkAgainstWorld(t, sb, l, SourceAPI)
			continue
		}
		if l.Error == nil || l.Error.Class != ClassBadInput || l.Events == nil || len(l.Events) != 0 {
			t.Errorf("%q: %+v; want a bad_input error line", inputs[i], l)
			continue
		}
		if inputs[i] != "" && !strings.Contains(l.Error.Message, inputs[i]) {
			t.Errorf("%q: message %q does not name the input", inputs[i], l.Error.Message)
		}
	}
	if !strings.Contains(lines[0].Error.Message, "check digit") {
		t.Errorf("a UPS number with a wrong check digit: %q; want the message to say so", lines[0].Error.Message)
	}
}

func TestBlockedAndCaptchaPagesAreClassifiedNotEmpty(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Faults: "ups.blocked=1,usps.captcha=1"})
	db := openDB(t)
	ups := numbersOf(parcels(sb, "ups", "", 1))[0]
	usps := numbersOf(parcels(sb, "usps", "", 1))[0]
	fedex := numbersOf(parcels(sb, "fedex", "", 1))[0]
	lines := track(t, webDeps(t, sb, db), []string{ups, usps, fedex}, Options{Retry: fastRetry()})
	want := map[string]string{ups: string(automations.Blocked), usps: string(automations.NeedsHuman)}
	for _, l := range lines[:2] {
		if l.Error == nil || l.Error.Class != want[l.Number] {
			t.Errorf("%s %s: %+v; want error class %s", l.Courier, l.Number, l.Error, want[l.Number])
			continue
		}
		if l.Found || len(l.Events) != 0 || l.Tag != "" {
			t.Errorf("%s: a refused page was read as a result: %+v", l.Number, l)
		}
		s, err := db.GetShipmentByNumber(context.Background(), l.Courier, l.Number)
		if err != nil || s.ErrorClass != want[l.Number] {
			t.Errorf("%s stored with error class %q (%v); want %s", l.Number, s.ErrorClass, err, want[l.Number])
		}
	}
	checkAgainstWorld(t, sb, lines[2], SourceWeb)
	st := sb.State()
	if st.Requests["fault.ups.blocked"] != 1 || st.Requests["fault.usps.captcha"] != 1 {
		t.Errorf("fault counts %v: blocked and needs_human must not be retried", st.Requests)
	}
}

func TestRecipeThatNoLongerFitsIsPageChanged(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Faults: "dhl.variant=2"})
	db := openDB(t)
	n := numbersOf(parcels(sb, "dhl", "", 1))[0]
	lines := track(t, webDeps(t, sb, db), []string{n}, Options{Retry: fastRetry(), PageBudget: 8 * time.Second})
	if l := lines[0]; l.Error == nil || l.Error.Class != string(automations.PageChanged) || len(l.Events) != 0 {
		t.Fatalf("variant-2 page with the variant-1 recipe: %+v; want page_changed", l)
	}
}

func TestSiteErrorsAreRetried(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Faults: "usps.5xx=0.3"})
	db := openDB(t)
	numbers := numbersOf(parcels(sb, "usps", "", 4))
	lines := track(t, webDeps(t, sb, db), numbers, Options{Concurrency: 1,
		Retry: automations.RetryPolicy{Attempts: 6, Base: 10 * time.Millisecond, Max: 50 * time.Millisecond}})
	for _, l := range lines {
		checkAgainstWorld(t, sb, l, SourceWeb)
	}
	if n := sb.State().Requests["fault.usps.5xx"]; n == 0 {
		t.Errorf("no 5xx was injected; the test proves nothing")
	}
}

func TestResultsStreamAsTheyArrive(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	numbers := numbersOf(parcels(sb, "ups", "", 5))
	ch, err := TrackAll(testwait.Context(t), webDeps(t, sb, db), numbers, Options{Concurrency: 1, Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	first, ok := <-ch
	if !ok {
		t.Fatal("no line")
	}
	pagesAtFirst := sb.State().Requests["ups.page"]
	rest := collect(t, ch)
	if first.Error != nil || len(rest) != len(numbers)-1 {
		t.Fatalf("first %+v, then %d more lines", first, len(rest))
	}
	if total := sb.State().Requests["ups.page"]; pagesAtFirst >= total || total != len(numbers) {
		t.Errorf("the first line came after %d of %d page views; want it before the last lookup", pagesAtFirst, total)
	}
}

func TestRetrackOpenParcels(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	ctx := context.Background()
	open := numbersOf(parcels(sb, "dhl", "in_transit", 2))
	for _, n := range open {
		if _, _, err := db.EnsureShipment(ctx, localdb.Shipment{Courier: "dhl", TrackingNumber: n}); err != nil {
			t.Fatal(err)
		}
	}
	// A delivered parcel is not re-tracked.
	done := numbersOf(parcels(sb, "dhl", "delivered", 1))[0]
	if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "dhl", TrackingNumber: done, Tag: "Delivered",
		Subtag: "Delivered_001", Source: localdb.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	ch, n, err := RetrackOpen(ctx, apiDeps(t, sb, db), Options{Retry: fastRetry()})
	if err != nil {
		t.Fatal(err)
	}
	lines := collect(t, ch)
	if n != len(open) || len(lines) != len(open) {
		t.Fatalf("re-tracked %d (announced %d); want the %d open parcels", len(lines), n, len(open))
	}
	for _, l := range lines {
		checkAgainstWorld(t, sb, l, SourceAPI)
	}
}

func TestNoBrowserIsAnErrorLineNotACrash(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	deps := Deps{DB: db, Web: SandboxWeb(sb.URL), Browser: func(context.Context) (*automations.Browser, error) {
		return nil, automations.ErrNoBrowser
	}}
	n := numbersOf(parcels(sb, "ups", "", 1))[0]
	lines := track(t, deps, []string{n}, Options{})
	if l := lines[0]; l.Error == nil || l.Error.Class != ClassNoBrowser || !strings.Contains(l.Error.Message, "Chromium") {
		t.Fatalf("%+v; want a no_browser line that says how to install Chromium", l)
	}
}

func TestParsePageTime(t *testing.T) {
	t.Parallel()
	want := time.Date(2026, 3, 4, 9, 5, 0, 0, time.UTC)
	for _, c := range []struct{ attr, text string }{
		{"2026-03-04T09:05:00Z", ""},
		{"", "2026-03-04 09:05 UTC"},
		{"", "03/04/2026 9:05 AM"},
		{"", "March 4, 2026 9:05 am"},
	} {
		if got := parsePageTime(c.attr, c.text); !got.Equal(want) {
			t.Errorf("parsePageTime(%q, %q) = %s; want %s", c.attr, c.text, got, want)
		}
	}
	if got := parsePageTime("", "yesterday"); !got.IsZero() {
		t.Errorf("unreadable date parsed as %s", got)
	}
}
