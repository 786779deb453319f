package usps

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/conformance"
)

func sample(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(conformance.File(t, "carrier_responses", "usps", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sampleNumber returns the tracking number a recorded answer is about, read
// from the sample's .meta.json so the public number is not repeated here.
func sampleNumber(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(conformance.File(t, "carrier_responses", "usps", name+".meta.json"))
	if err != nil {
		t.Fatal(err)
	}
	var meta struct {
		TrackingNumber string `json:"tracking_number"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatalf("%s.meta.json: %v", name, err)
	}
	if meta.TrackingNumber == "" {
		t.Fatalf("%s.meta.json names no tracking_number", name)
	}
	return meta.TrackingNumber
}

func TestSampleDelivered(t *testing.T) {
	sh, err := Parse(sample(t, "delivered.json"), sampleNumber(t, "delivered"))
	if err != nil {
		t.Fatal(err)
	}
	if !sh.Found || sh.Tag != carriers.Delivered || sh.Subtag != carriers.DeliveredOK {
		t.Fatalf("status %v %s/%s", sh.Found, sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 12 {
		t.Fatalf("events %d, want 12", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "Delivered, Parcel Locker" || last.Location != "HERNANDO, FL, 34442" || last.RawCode != "01" ||
		!last.Time.Equal(time.Date(2024, 11, 22, 18, 58, 0, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	if sh.EstimatedDelivery != nil {
		t.Fatalf("estimated delivery %v, the answer has none", sh.EstimatedDelivery)
	}
	if sh.Service != "USPS Ground Advantage™" {
		t.Fatalf("service %q", sh.Service)
	}
	for _, e := range sh.Events {
		if e.Tag == "" {
			t.Errorf("unmapped event %+v", e)
		}
	}
}

func TestSampleInTransit(t *testing.T) {
	want := sampleNumber(t, "in_transit")
	sh, err := Parse(sample(t, "in_transit.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Number != want || !sh.Found {
		t.Fatalf("%+v", sh)
	}
	if sh.Tag != carriers.InTransit || sh.Subtag != carriers.InTransitArrival {
		t.Fatalf("status %s/%s", sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 4 {
		t.Fatalf("events %d, want 4", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "Arrived at USPS Regional Facility" || last.Location != "OAK CREEK WI DISTRIBUTION CENTER" ||
		!last.Time.Equal(time.Date(2024, 11, 26, 7, 44, 0, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	if sh.EstimatedDelivery == nil || !sh.EstimatedDelivery.Equal(time.Date(2024, 11, 29, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("estimated delivery %v", sh.EstimatedDelivery)
	}
	if sh.ShipDate == nil || !sh.ShipDate.Equal(time.Date(2024, 11, 26, 0, 26, 0, 0, time.UTC)) {
		t.Fatalf("ship date %v, want the acceptance scan", sh.ShipDate)
	}
	if oldest := sh.Events[3]; oldest.RawCode != "MA" || oldest.Tag != carriers.InfoReceived {
		t.Fatalf("oldest %+v", oldest)
	}
}

func TestSampleNotFound(t *testing.T) {
	sh, err := Parse(sample(t, "not_found.json"), "9400100000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Found || sh.Tag != carriers.Pending {
		t.Fatalf("%+v", sh)
	}
}

type fakeUSPS struct {
	tokens, calls atomic.Int64
	ttl           int
}

func (f *fakeUSPS) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.URL.Path == "/oauth2/v3/token":
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		if body["client_id"] != "key" || body["client_secret"] != "secret" || body["grant_type"] != "client_credentials" {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"bad"}`))
			return
		}
		n := f.tokens.Add(1)
		fmt.Fprintf(w, `{"access_token":"u%d","token_type":"Bearer","expires_in":%d}`, n, f.ttl)
	case strings.HasPrefix(r.URL.Path, "/tracking/v3/tracking/"):
		f.calls.Add(1)
		if r.URL.Query().Get("expand") != "DETAIL" || !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer u") {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		num := strings.TrimPrefix(r.URL.Path, "/tracking/v3/tracking/")
		if strings.HasSuffix(num, "0000") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"apiVersion":"/tracking/v3","error":{"code":"404","message":"not found","errors":[{"code":"150001","title":"not found"}]}}`))
			return
		}
		fmt.Fprintf(w, `{"trackingNumber":%q,"statusCategory":"Out for Delivery","trackingEvents":[{"eventType":"Out for Delivery","eventTimestamp":"2026-02-02T08:00:00","GMTOffset":"-06:00","eventCity":"DALLAS","eventState":"TX","eventCode":"OF"}]}`, num)
	default:
		http.NotFound(w, r)
	}
}

func TestClientTokenExpiryAndNotFound(t *testing.T) {
	f := &fakeUSPS{ttl: 3600}
	ts := httptest.NewServer(f)
	defer ts.Close()
	now := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	var mu atomic.Int64
	clock := func() time.Time { return now.Add(time.Duration(mu.Load())) }
	c, err := New(carriers.Credentials{ClientID: "key", ClientSecret: "secret"}, carriers.ClientOptions{BaseURL: ts.URL, Now: clock, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Track(context.Background(), []string{"9400 1000 0000 0000 0000 01", "9400100000000000000000"})
	if err != nil {
		t.Fatal(err)
	}
	if !res[0].Shipment.Found || res[0].Shipment.Tag != carriers.OutForDelivery || res[0].Number != "9400100000000000000001" {
		t.Fatalf("result 0 %+v", res[0])
	}
	if res[1].Err != nil || res[1].Shipment.Found {
		t.Fatalf("result 1 %+v", res[1])
	}
	if f.tokens.Load() != 1 {
		t.Fatalf("tokens %d", f.tokens.Load())
	}
	mu.Store(int64(time.Hour)) // the token has expired
	if _, err := c.Track(context.Background(), []string{"9400100000000000000001"}); err != nil {
		t.Fatal(err)
	}
	if f.tokens.Load() != 2 {
		t.Fatalf("tokens %d, want a new one after expiry", f.tokens.Load())
	}
}

func TestClientBadCredentials(t *testing.T) {
	ts := httptest.NewServer(&fakeUSPS{ttl: 3600})
	defer ts.Close()
	c, _ := New(carriers.Credentials{ClientID: "key", ClientSecret: "bad-secret"}, carriers.ClientOptions{BaseURL: ts.URL})
	_, err := c.Track(context.Background(), []string{"9400100000000000000001"})
	if !errors.Is(err, carriers.ErrAuth) || strings.Contains(err.Error(), "bad-secret") {
		t.Fatalf("err = %v", err)
	}
}
