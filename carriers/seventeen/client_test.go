package seventeen

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
)

// The client is checked against the sandbox's 17TRACK stand-in, which
// speaks the v2.2 shape and knows the truth of every parcel it serves.

func startStandIn(t testing.TB, faults string) *sandbox.Sandbox {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 1, Orders: 5, Faults: faults})
	if err != nil {
		cancel()
		t.Fatalf("sandbox: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Close() })
	return sb
}

func newStandInClient(t testing.TB, sb *sandbox.Sandbox, rate float64) *Client {
	t.Helper()
	c, err := New(carriers.Credentials{APIKey: sb.Account(sandbox.SeventeenSite).APIKey},
		carriers.ClientOptions{BaseURL: sb.URL(sandbox.SeventeenSite) + sandbox.SeventeenAPIPath, RatePerSecond: rate})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// finalSubtag is what the world's story of a parcel must read as: its last
// visible step, as AfterShip's list names that meaning.
var finalSubtag = map[string]carriers.Subtag{
	"label": carriers.InfoReceivedLabel, "pickup": carriers.InTransitAccepted,
	"customs": carriers.ExceptionCustomsDelay, "out_for_delivery": carriers.OutForDeliveryOnVehicle,
	"delivered": carriers.DeliveredOK, "delivery_failed": carriers.AttemptFailNotAvailable,
	"damaged": carriers.ExceptionDamaged, "lost": carriers.ExceptionLost,
	"return": carriers.ExceptionReturning, "returned": carriers.ExceptionReturned,
}

func wantFor(p *sandbox.Parcel, now time.Time) (carriers.Subtag, bool) {
	ev := p.VisibleEvents(now)
	if len(ev) == 0 {
		return carriers.PendingNoInfo, true
	}
	last := ev[len(ev)-1].Step
	if last == "depart" || last == "arrive" {
		return "", false // one of the InTransit subtags, checked by tag
	}
	return finalSubtag[last], true
}

func TestRegisterThenReadEveryCrossBorderParcel(t *testing.T) {
	sb := startStandIn(t, sandbox.SeventeenSite+".rate=1000")
	c := newStandInClient(t, sb, -1)
	w := sb.World()
	var numbers []string
	for _, p := range w.CrossBorder {
		numbers = append(numbers, p.TrackingNumber)
		// detection already knows these formats
		d := carriers.Detect(p.TrackingNumber)
		if want := map[bool]string{true: "yunexpress", false: "s10"}[p.Carrier == "yunexpress"]; !d.Valid || d.Courier != want {
			t.Errorf("%s (%s): detected %q valid=%v, want %s", p.TrackingNumber, p.Carrier, d.Courier, d.Valid, want)
		}
	}
	numbers = append(numbers, w.Parcels[0].TrackingNumber, "NOT-A-NUMBER")
	res, err := c.Track(context.Background(), numbers)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(numbers) {
		t.Fatalf("%d results for %d numbers", len(res), len(numbers))
	}
	wantCalls := int64((len(numbers) + MaxNumbers - 1) / MaxNumbers)
	if reg, info := c.Calls(); reg != wantCalls || info != wantCalls {
		t.Fatalf("%d register and %d gettrackinfo calls for %d numbers, want %d of each", reg, info, len(numbers), wantCalls)
	}
	now := sb.Now()
	for i, r := range res[:len(numbers)-1] {
		p := w.Parcel(numbers[i])
		if r.Err != nil || r.Number != numbers[i] {
			t.Errorf("%s: %v (number %q)", numbers[i], r.Err, r.Number)
			continue
		}
		sh := r.Shipment
		if !sh.Found || len(sh.Events) != len(p.VisibleEvents(now)) || sh.Unmapped != 0 {
			t.Errorf("%s: found=%v, %d events (world %d), %d unmapped", p.TrackingNumber, sh.Found, len(sh.Events), len(p.VisibleEvents(now)), sh.Unmapped)
		}
		want, exact := wantFor(p, now)
		switch {
		case exact && sh.Subtag != want:
			t.Errorf("%s (%s, %s): %s, want %s", p.TrackingNumber, p.Carrier, p.State, sh.Subtag, want)
		case !exact && sh.Tag != carriers.InTransit:
			t.Errorf("%s (%s, %s): %s, want InTransit", p.TrackingNumber, p.Carrier, p.State, sh.Subtag)
		}
		if sh.Service != p.Service {
			t.Errorf("%s: service %q, want %q", p.TrackingNumber, sh.Service, p.Service)
		}
	}
	bad := res[len(res)-1]
	var ae *carriers.APIError
	if !errors.As(bad.Err, &ae) || !errors.Is(bad.Err, carriers.ErrBadRequest) || ae.Code != "-18019903" ||
		!strings.Contains(bad.Err.Error(), "-18019903") || !strings.Contains(bad.Err.Error(), "NOT-A-NUMBER") {
		t.Fatalf("the rejected number: %v", bad.Err)
	}

	// a second run reads again without registering again
	if _, err := c.Track(context.Background(), numbers[:len(numbers)-1]); err != nil {
		t.Fatal(err)
	}
	if reg, info := c.Calls(); reg != wantCalls || info != 2*wantCalls {
		t.Fatalf("second run: %d register, %d gettrackinfo calls", reg, info)
	}
	// a number another client registered is read, not refused
	other := newStandInClient(t, sb, -1)
	if r, err := other.Track(context.Background(), numbers[:1]); err != nil || r[0].Err != nil || !r[0].Shipment.Found {
		t.Fatalf("already registered elsewhere: %v %+v", err, r)
	}
	// and one the service forgot is registered again
	sb.Reset()
	if r, err := c.Track(context.Background(), numbers[:1]); err != nil || r[0].Err != nil || !r[0].Shipment.Found {
		t.Fatalf("after the service forgot the number: %v %+v", err, r)
	}
}

func TestViewNamesTheCourier(t *testing.T) {
	sb := startStandIn(t, sandbox.SeventeenSite+".rate=1000")
	c := newStandInClient(t, sb, -1)
	v := c.For("yunexpress")
	if v.Courier() != "yunexpress" || v.MaxBatch() != MaxNumbers {
		t.Fatalf("view: %s %d", v.Courier(), v.MaxBatch())
	}
	res, err := v.Track(context.Background(), []string{sb.World().CrossBorder[0].TrackingNumber})
	if err != nil || res[0].Shipment.Courier != "yunexpress" {
		t.Fatalf("%v %+v", err, res)
	}
}

func TestBadKeyIsAnAuthFailureWithoutTheKey(t *testing.T) {
	sb := startStandIn(t, "")
	c, _ := New(carriers.Credentials{APIKey: "wrong-key-123"}, carriers.ClientOptions{BaseURL: sb.URL(sandbox.SeventeenSite) + sandbox.SeventeenAPIPath})
	_, err := c.Track(context.Background(), []string{sb.World().CrossBorder[0].TrackingNumber})
	if !errors.Is(err, carriers.ErrAuth) || strings.Contains(err.Error(), "wrong-key-123") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(carriers.Credentials{}, carriers.ClientOptions{}); err == nil || !strings.Contains(err.Error(), "carrier/17track/api_key") {
		t.Fatalf("a missing key: %v", err)
	}
}

// The stand-in keeps the published 3 calls a second and answers a faster
// client with 429. At its default rate the client never meets one, and
// never sends more than 40 numbers in a call.
func TestPublishedRateIsKept(t *testing.T) {
	sb := startStandIn(t, "")
	c := newStandInClient(t, sb, 0) // the default: 3 a second
	numbers := validNumbers(t, sb, 3*MaxNumbers+1)
	res, err := c.Track(context.Background(), numbers)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res {
		if r.Err != nil {
			t.Fatalf("%s: %v", r.Number, r.Err)
		}
	}
	st := sb.State().Requests
	if n := st["api.17track.rate_limited"]; n != 0 {
		t.Fatalf("the stand-in refused %d calls for their rate", n)
	}
	if n := st["api.17track.over_limit"]; n != 0 {
		t.Fatalf("%d calls carried more than 40 numbers", n)
	}
	if reg, info := c.Calls(); reg != 4 || info != 4 {
		t.Fatalf("%d register, %d gettrackinfo calls for 121 numbers, want 4 and 4", reg, info)
	}
	if s := c.Stats(); s.Honoured429 != 0 || s.RateLimitWaits == 0 {
		t.Fatalf("stats %+v: the client's own bucket should have spaced the calls", s)
	}
}

// validNumbers is every cross-border number of the world, then fresh S10
// numbers (which the service takes and reports NotFound) up to n.
func validNumbers(t testing.TB, sb *sandbox.Sandbox, n int) []string {
	var out []string
	for _, p := range sb.World().CrossBorder {
		if len(out) < n {
			out = append(out, p.TrackingNumber)
		}
	}
	r := rand.New(rand.NewPCG(17, 17))
	for len(out) < n {
		num := sandbox.S10Number("LZ", fmt.Sprintf("%08d", r.IntN(100000000)), "CN")
		if !carriers.Detect(num).Valid {
			t.Fatalf("%s is not a valid S10 number", num)
		}
		out = append(out, num)
	}
	return out
}

// BenchmarkThousandNumbers is the batch figure: 1,000 numbers at the
// published rate, with the requests they took beside the floor (25
// register and 25 gettrackinfo calls) and the rate's ceiling in lookups a
// second (3 calls a second, 40 numbers a call, two calls a number).
func BenchmarkThousandNumbers(b *testing.B) {
	sb := startStandIn(b, "")
	for i := 0; i < b.N; i++ {
		sb.Reset()
		c := newStandInClient(b, sb, 0)
		numbers := validNumbers(b, sb, 1000)
		start := time.Now()
		res, err := c.Track(context.Background(), numbers)
		el := time.Since(start)
		if err != nil {
			b.Fatal(err)
		}
		for _, r := range res {
			if r.Err != nil {
				b.Fatalf("%s: %v", r.Number, r.Err)
			}
		}
		reg, info := c.Calls()
		b.ReportMetric(float64(len(numbers))/el.Seconds(), "lookups/s")
		b.ReportMetric(float64(DefaultRatePerSecond*MaxNumbers)/2, "ceiling-lookups/s")
		b.ReportMetric(float64(reg), "register-calls")
		b.ReportMetric(float64(info), "gettrackinfo-calls")
		b.ReportMetric(float64(sb.State().Requests["api.17track.rate_limited"]), "429s")
	}
}
