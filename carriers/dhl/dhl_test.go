package dhl

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apitest"
)

func sample(t *testing.T, name string) []byte { return apitest.Sample(t, Courier, name) }

func sampleNumber(t *testing.T, name string) string { return apitest.SampleNumber(t, Courier, name) }

// The DHL OpenAPI example mixes states (statusCode pre-transit, status text
// DELIVERED); statusCode decides, so it reads as InfoReceived.
func TestSampleSpecExample(t *testing.T) {
	want := sampleNumber(t, "spec_example_shipment")
	sh, err := Parse(sample(t, "spec_example_shipment.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Number != want || !sh.Found {
		t.Fatalf("number %q found %v", sh.Number, sh.Found)
	}
	if sh.Tag != carriers.InfoReceived || sh.Subtag != carriers.InfoReceivedLabel {
		t.Fatalf("status %s/%s", sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 1 {
		t.Fatalf("events %d", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "JESSICA" || last.RawCode != "pre-transit" || last.Location != "Oderweg 2, AMSTERDAM, 1043 AG, NL" ||
		!last.Time.Equal(time.Date(2018, 3, 2, 7, 53, 47, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	if sh.EstimatedDelivery == nil || !sh.EstimatedDelivery.Equal(time.Date(2018, 8, 3, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("estimated delivery %v", sh.EstimatedDelivery)
	}
	if sh.Service != "UNKNOWN - Product unknown" {
		t.Fatalf("service %q", sh.Service)
	}
}

func TestSampleNotFound(t *testing.T) {
	num := sampleNumber(t, "not_found")
	sh, err := Parse(sample(t, "not_found.json"), num)
	if err != nil {
		t.Fatal(err)
	}
	if sh.Found || sh.Tag != carriers.Pending || sh.Number != num {
		t.Fatalf("%+v", sh)
	}
}

func TestMapStatusRefinesByText(t *testing.T) {
	cases := []struct {
		code, text string
		want       carriers.Subtag
	}{
		{"failure", "Shipment damaged", carriers.ExceptionDamaged},
		{"failure", "Something", carriers.ExceptionGeneric},
		{"transit", "With delivery courier", carriers.OutForDeliveryOnVehicle},
		{"transit", "Processed at LEIPZIG - GERMANY", carriers.InTransitOnTheWay},
		{"delivered", "Delivered - Signed for by: X", carriers.DeliveredOK},
		{"pre-transit", "DELIVERED", carriers.InfoReceivedLabel},
		{"", "Shipment is out for delivery", carriers.OutForDeliveryOnVehicle},
	}
	for _, c := range cases {
		if _, sub, _ := MapStatus(c.code, c.text); sub != c.want {
			t.Errorf("%s %q -> %s, want %s", c.code, c.text, sub, c.want)
		}
	}
}

// fakeDHL stands in for the DHL tracking endpoint, which takes the key
// "k3y"; tracking call throttleCall gets a 429 with Retry-After 1.
func fakeDHL(throttleCall int64) *apitest.Server {
	return &apitest.Server{
		TrackPath:    "/track/shipments",
		Authorized:   func(r *http.Request) bool { return r.Header.Get("DHL-API-Key") == "k3y" },
		Unauthorized: `{"title":"Unauthorized","status":401,"detail":"Invalid API key"}`,
		ThrottleCall: throttleCall,
		RetryAfter:   func() string { return "1" },
		Track: func(w http.ResponseWriter, r *http.Request) {
			num := r.URL.Query().Get("trackingNumber")
			if strings.HasSuffix(num, "0") {
				w.Header().Set("Content-Type", "application/problem+json")
				w.WriteHeader(http.StatusNotFound)
				fmt.Fprintf(w, `{"title":"No result found","detail":"No shipment with given tracking number found.","status":404,"instance":"/shipment/%s"}`, num)
				return
			}
			fmt.Fprintf(w, `{"shipments":[{"id":%q,"service":"express","status":{"timestamp":"2026-03-01T10:00:00Z","statusCode":"delivered","status":"delivered","description":"Delivered - Signed for by: A"},
"events":[{"timestamp":"2026-03-01T10:00:00Z","statusCode":"delivered","description":"Delivered - Signed for by: A","location":{"address":{"addressLocality":"BERLIN - GERMANY"}}},
{"timestamp":"2026-02-28T10:00:00Z","statusCode":"transit","description":"Shipment picked up","location":{"address":{"addressLocality":"PARIS - FRANCE"}}}]}]}`, num)
		},
	}
}

func TestClientRetryAfterAndNotFound(t *testing.T) {
	c, err := New(carriers.Credentials{APIKey: "k3y"}, carriers.ClientOptions{BaseURL: fakeDHL(2).Start(t), RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	res, err := c.Track(ctx, []string{"1234567891"})
	if err != nil || !res[0].Shipment.Found || res[0].Shipment.Tag != carriers.Delivered {
		t.Fatalf("%v %+v", err, res)
	}
	if sd := res[0].Shipment.ShipDate; sd == nil || sd.Day() != 28 {
		t.Fatalf("ship date %v, want the pickup event", sd)
	}
	start := time.Now()
	res, err = c.Track(ctx, []string{"9876543213"}) // the fake throttles this call once
	if err != nil || !res[0].Shipment.Found {
		t.Fatalf("%v %+v", err, res)
	}
	if time.Since(start) < 900*time.Millisecond || c.Stats().Honoured429 != 1 {
		t.Fatalf("Retry-After not honoured: %v, stats %+v", time.Since(start), c.Stats())
	}
	res, err = c.Track(ctx, []string{"9876543210"})
	if err != nil || res[0].Err != nil || res[0].Shipment.Found {
		t.Fatalf("not found: %v %+v", err, res)
	}
}

func TestClientBadKey(t *testing.T) {
	c, _ := New(carriers.Credentials{APIKey: "wrong-key"}, carriers.ClientOptions{BaseURL: fakeDHL(0).Start(t)})
	_, err := c.Track(context.Background(), []string{"1234567891"})
	if !errors.Is(err, carriers.ErrAuth) || strings.Contains(err.Error(), "wrong-key") {
		t.Fatalf("err = %v", err)
	}
	if _, err := New(carriers.Credentials{}, carriers.ClientOptions{}); err == nil {
		t.Fatal("missing key accepted")
	}
}

func TestClientKeepsRateLimit(t *testing.T) {
	c, _ := New(carriers.Credentials{APIKey: "k3y"}, carriers.ClientOptions{BaseURL: fakeDHL(0).Start(t), RatePerSecond: 20, Burst: 1})
	// the first lookup spends the burst; five more at 20/s need 250ms
	if _, err := c.Track(context.Background(), []string{"1234567891"}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if _, err := c.Track(context.Background(), []string{"1234567891", "1234567891", "1234567891", "1234567891", "1234567891"}); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 200*time.Millisecond {
		t.Fatalf("5 lookups at 20/s took %v", el)
	}
	if st := c.Stats(); st.RateLimitWaits == 0 || st.Honoured429 != 0 {
		t.Fatalf("stats %+v: the bucket, not the server, should have slowed the calls", st)
	}
}
