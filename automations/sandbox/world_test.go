package sandbox

import (
	"encoding/json"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func TestSameSeedSameWorld(t *testing.T) {
	a, _ := json.Marshal(generateWorld(42, DefaultStart, 2, 120))
	b, _ := json.Marshal(generateWorld(42, DefaultStart, 2, 120))
	if string(a) != string(b) {
		t.Fatal("two worlds from seed 42 differ")
	}
	c, _ := json.Marshal(generateWorld(43, DefaultStart, 2, 120))
	if string(a) == string(c) {
		t.Fatal("seeds 42 and 43 gave the same world")
	}
	// Accounts come from the seed too.
	w := generateWorld(42, DefaultStart, 1, 10)
	if makeAccounts(42, w)["amazon"] != makeAccounts(42, w)["amazon"] {
		t.Fatal("accounts differ for the same seed")
	}
	if makeAccounts(42, w)["amazon"].Password == makeAccounts(43, w)["amazon"].Password {
		t.Fatal("accounts do not depend on the seed")
	}
}

// The checks below are written from the public format rules, separately
// from the generator.

var (
	upsShape   = regexp.MustCompile(`^1Z([0-9A-Z]{15})([0-9])$`)
	fedexShape = regexp.MustCompile(`^([0-9]{11})([0-9])$`)
	uspsShape  = regexp.MustCompile(`^(94[0-9]{3}9[0-9]{15})([0-9])$`)
	dhlShape   = regexp.MustCompile(`^([0-9]{9,10})([0-9])$`)
)

func checkUPS(n string) bool {
	m := upsShape.FindStringSubmatch(n)
	if m == nil {
		return false
	}
	sum := 0
	for i, c := range m[1] {
		v := int(c - '0')
		if c >= 'A' && c <= 'Z' {
			v = (int(c) - 3) % 10
		}
		if i%2 == 1 {
			v *= 2
		}
		sum += v
	}
	return strconv.Itoa((10-sum%10)%10) == m[2]
}

func checkFedEx12(n string) bool {
	m := fedexShape.FindStringSubmatch(n)
	if m == nil {
		return false
	}
	w := [...]int{3, 1, 7, 3, 1, 7, 3, 1, 7, 3, 1}
	sum := 0
	for i := range 11 {
		sum += int(m[1][i]-'0') * w[i]
	}
	return strconv.Itoa(sum%11%10) == m[2]
}

// checkIMpb is the GS1 mod 10: from the right, weights 3,1,3,1...
func checkIMpb(n string) bool {
	m := uspsShape.FindStringSubmatch(n)
	if m == nil {
		return false
	}
	sum := 0
	s := m[1]
	for i := len(s) - 1; i >= 0; i-- {
		d := int(s[i] - '0')
		if (len(s)-1-i)%2 == 0 {
			d *= 3
		}
		sum += d
	}
	return strconv.Itoa((10-sum%10)%10) == m[2]
}

func checkDHL(n string) bool {
	m := dhlShape.FindStringSubmatch(n)
	if m == nil {
		return false
	}
	v, _ := strconv.ParseUint(m[1], 10, 64)
	return strconv.FormatUint(v%7, 10) == m[2]
}

func TestTrackingNumbersPassCheckDigits(t *testing.T) {
	check := map[string]func(string) bool{"ups": checkUPS, "fedex": checkFedEx12, "usps": checkIMpb, "dhl": checkDHL}
	for _, seed := range []int64{1, 2, 3} {
		w := generateWorld(seed, DefaultStart, 2, 300)
		per := map[string]int{}
		for _, p := range w.Parcels {
			if !check[p.Carrier](p.TrackingNumber) {
				t.Errorf("seed %d: %s number %s fails its check digit", seed, p.Carrier, p.TrackingNumber)
			}
			per[p.Carrier]++
		}
		for _, c := range Carriers {
			if per[c] < 50 {
				t.Errorf("seed %d: only %d %s parcels", seed, per[c], c)
			}
		}
	}
	// The checkers reject a wrong check digit.
	w := generateWorld(1, DefaultStart, 1, 50)
	for _, p := range w.Parcels {
		n := []byte(p.TrackingNumber)
		last := n[len(n)-1]
		n[len(n)-1] = '0' + (last-'0'+1)%10
		if check[p.Carrier](string(n)) {
			t.Errorf("%s checker accepts altered number %s", p.Carrier, n)
		}
	}
}

func TestWorldCoversEveryCase(t *testing.T) {
	w := generateWorld(5, DefaultStart, 1, 300)
	states := map[string]int{}
	for _, p := range w.Parcels {
		states[p.State]++
		if len(p.Events) == 0 {
			t.Fatalf("parcel %s has no events", p.TrackingNumber)
		}
		for i := 1; i < len(p.Events); i++ {
			if p.Events[i].Time.Before(p.Events[i-1].Time) {
				t.Fatalf("parcel %s events out of order at %d", p.TrackingNumber, i)
			}
		}
		if p.Events[0].Time.After(DefaultStart) {
			t.Fatalf("parcel %s has no event before the start", p.TrackingNumber)
		}
	}
	for _, s := range ParcelStates {
		if states[s] == 0 {
			t.Errorf("no parcel in state %s", s)
		}
	}
	// Stalled parcels have had no scan for days.
	for _, p := range w.Parcels {
		if p.State == ParcelStalled {
			if age := DefaultStart.Sub(p.Events[len(p.Events)-1].Time); age < 3*24*time.Hour {
				t.Errorf("stalled parcel %s last scanned %v ago", p.TrackingNumber, age)
			}
		}
	}
	langs, kinds := map[string]int{}, map[string]int{}
	photos, future, futureEvents := 0, 0, 0
	for _, th := range w.Threads {
		langs[th.Lang]++
		kinds[th.Kind]++
		for _, m := range th.Messages {
			photos += len(m.Attachments)
		}
		if !th.Visible(DefaultStart) {
			future++
		}
	}
	for _, p := range w.Parcels {
		if len(p.VisibleEvents(DefaultStart)) < len(p.Events) {
			futureEvents++
		}
	}
	for _, l := range Languages {
		if langs[l] == 0 {
			t.Errorf("no thread in %s", l)
		}
	}
	for _, k := range []string{"where", "damage", "question", "return", "case"} {
		if kinds[k] == 0 {
			t.Errorf("no thread of kind %s", k)
		}
	}
	if photos == 0 || future == 0 || futureEvents == 0 {
		t.Errorf("photos=%d future threads=%d parcels with future events=%d; want all > 0", photos, future, futureEvents)
	}
	if n := len(w.StoreThreads("amazon")); n != 300 {
		t.Errorf("amazon store has %d threads, want 300", n)
	}
}

func TestClockRevealsMessagesAndEvents(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 3})
	before := len(sb.storeThreads("amazon", sb.Now()))
	var p *Parcel
	for _, x := range sb.World().Parcels {
		if len(x.VisibleEvents(sb.Now())) < len(x.Events) {
			p = x
			break
		}
	}
	if p == nil {
		t.Fatal("no parcel with future events")
	}
	ev := len(p.VisibleEvents(sb.Now()))
	sb.Advance(96 * time.Hour)
	if after := len(sb.storeThreads("amazon", sb.Now())); after <= before {
		t.Fatalf("threads visible: %d before, %d after 96h", before, after)
	}
	if got := len(p.VisibleEvents(sb.Now())); got <= ev {
		t.Fatalf("parcel %s events: %d before, %d after", p.TrackingNumber, ev, got)
	}
	sb.Reset()
	if !sb.Now().Equal(DefaultStart) {
		t.Fatalf("Reset left the clock at %v", sb.Now())
	}
}

func TestReplyDeadlines(t *testing.T) {
	sat := time.Date(2026, 3, 7, 10, 0, 0, 0, time.UTC) // a Saturday
	if got := replyDue("amazon", "where", sat); !got.Equal(sat.Add(24 * time.Hour)) {
		t.Errorf("amazon due %v", got)
	}
	if got := replyDue("tiktok", "where", sat); !got.Equal(sat.Add(12 * time.Hour)) {
		t.Errorf("tiktok due %v", got)
	}
	// Saturday + 3 business days = Wednesday.
	if got := replyDue("ebay", "return", sat); got.Weekday() != time.Wednesday {
		t.Errorf("ebay return due %v (%s), want a Wednesday", got, got.Weekday())
	}
	if got := replyDue("ebay", "question", sat); !got.IsZero() {
		t.Errorf("ebay question has due %v, want none", got)
	}
}
