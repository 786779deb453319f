package usps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
	"github.com/sellerops/sellerops/carriers/internal/apitest"
)

func sample(t *testing.T, name string) []byte { return apitest.Sample(t, Courier, name) }

func sampleNumber(t *testing.T, name string) string { return apitest.SampleNumber(t, Courier, name) }

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

// fakeUSPS stands in for the USPS token and tracking endpoints; its tokens
// last an hour.
func fakeUSPS() *apitest.Server {
	f := &apitest.Server{
		TokenPath: "/oauth2/v3/token", ClientID: "key", ClientSecret: "secret", In: apiclient.JSONFields,
		TokenPrefix: "u", ExpiresIn: "3600",
		TokenRejected: `{"error":"invalid_client","error_description":"bad"}`,
		TrackPath:     "/tracking/v3/tracking/",
	}
	f.Authorized = func(r *http.Request) bool { return r.URL.Query().Get("expand") == "DETAIL" && f.HasToken(r) }
	f.Track = func(w http.ResponseWriter, r *http.Request) {
		num := strings.TrimPrefix(r.URL.Path, "/tracking/v3/tracking/")
		if strings.HasSuffix(num, "0000") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"apiVersion":"/tracking/v3","error":{"code":"404","message":"not found","errors":[{"code":"150001","title":"not found"}]}}`))
			return
		}
		fmt.Fprintf(w, `{"trackingNumber":%q,"statusCategory":"Out for Delivery","trackingEvents":[{"eventType":"Out for Delivery","eventTimestamp":"2026-02-02T08:00:00","GMTOffset":"-06:00","eventCity":"DALLAS","eventState":"TX","eventCode":"OF"}]}`, num)
	}
	return f
}

func TestClientTokenExpiryAndNotFound(t *testing.T) {
	f := fakeUSPS()
	url := f.Start(t)
	now := time.Date(2026, 2, 2, 0, 0, 0, 0, time.UTC)
	var mu atomic.Int64
	clock := func() time.Time { return now.Add(time.Duration(mu.Load())) }
	c, err := New(carriers.Credentials{ClientID: "key", ClientSecret: "secret"}, carriers.ClientOptions{BaseURL: url, Now: clock, RatePerSecond: -1})
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
	if f.Tokens.Load() != 1 {
		t.Fatalf("tokens %d", f.Tokens.Load())
	}
	mu.Store(int64(time.Hour)) // the token has expired
	if _, err := c.Track(context.Background(), []string{"9400100000000000000001"}); err != nil {
		t.Fatal(err)
	}
	if f.Tokens.Load() != 2 {
		t.Fatalf("tokens %d, want a new one after expiry", f.Tokens.Load())
	}
}

func TestClientBadCredentials(t *testing.T) {
	c, _ := New(carriers.Credentials{ClientID: "key", ClientSecret: "bad-secret"}, carriers.ClientOptions{BaseURL: fakeUSPS().Start(t)})
	_, err := c.Track(context.Background(), []string{"9400100000000000000001"})
	if !errors.Is(err, carriers.ErrAuth) || strings.Contains(err.Error(), "bad-secret") {
		t.Fatalf("err = %v", err)
	}
}
