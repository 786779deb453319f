package fedex

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
	"github.com/sellerops/sellerops/carriers/internal/apitest"
)

func parseSample(t *testing.T, name string) []carriers.Result {
	t.Helper()
	res, err := Parse(apitest.Sample(t, Courier, name))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 {
		t.Fatalf("%d results, want 1", len(res))
	}
	return res
}

func sampleNumber(t *testing.T, name string) string { return apitest.SampleNumber(t, Courier, name) }

func TestSampleDelivered(t *testing.T) {
	want := sampleNumber(t, "delivered")
	r := parseSample(t, "delivered.json")[0]
	sh := r.Shipment
	if r.Err != nil || r.Number != want || !sh.Found {
		t.Fatalf("%+v", r)
	}
	if sh.Tag != carriers.Delivered || sh.Subtag != carriers.DeliveredOK {
		t.Fatalf("status %s/%s", sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 17 {
		t.Fatalf("events %d, want 17", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "Delivered" || last.Location != "Blue Point, NY, US" || last.RawCode != "DL" ||
		!last.Time.Equal(time.Date(2024, 8, 20, 16, 41, 57, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	// the pickup scan has no UTC offset in the answer; it still parses
	oldest := sh.Events[len(sh.Events)-1]
	if oldest.RawCode != "PU" || oldest.Time.IsZero() {
		t.Fatalf("oldest event %+v", oldest)
	}
	if sh.EstimatedDelivery == nil || !sh.EstimatedDelivery.Equal(time.Date(2024, 8, 21, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("estimated delivery %v, want the standard transit window end", sh.EstimatedDelivery)
	}
	if sh.Service != "FedEx Ground" || sh.ShipDate == nil || !sh.ShipDate.Equal(time.Date(2024, 8, 15, 6, 0, 0, 0, time.UTC)) {
		t.Fatalf("service %q ship date %v", sh.Service, sh.ShipDate)
	}
	for _, e := range sh.Events {
		if e.Tag == "" {
			t.Errorf("unmapped event %+v", e)
		}
	}
}

func TestSampleInTransitDelayed(t *testing.T) {
	want := sampleNumber(t, "in_transit_delayed_with_exception")
	r := parseSample(t, "in_transit_delayed_with_exception.json")[0]
	sh := r.Shipment
	if r.Err != nil || !sh.Found || sh.Number != want {
		t.Fatalf("%+v", r)
	}
	// the current shipment (the first result), not the older delivered one
	if sh.Tag != carriers.InTransit || sh.Subtag != carriers.InTransitArrival {
		t.Fatalf("status %s/%s", sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 10 {
		t.Fatalf("events %d, want 10", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "At local FedEx facility" || last.Location != "CLOVIS, CA, US" ||
		!last.Time.Equal(time.Date(2024, 4, 26, 14, 50, 0, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	if sh.EstimatedDelivery == nil || !sh.EstimatedDelivery.Equal(time.Date(2024, 4, 25, 17, 30, 0, 0, time.UTC)) {
		t.Fatalf("estimated delivery %v", sh.EstimatedDelivery)
	}
	if sh.Service != "FedEx Priority Overnight" {
		t.Fatalf("service %q", sh.Service)
	}
	var delay, pickup bool
	for _, e := range sh.Events {
		delay = delay || (e.RawCode == "DY/A52" && e.Subtag == carriers.ExceptionDelayed)
		pickup = pickup || (e.RawCode == "HP" && e.Tag == carriers.AvailableForPickup)
	}
	if !delay || !pickup {
		t.Fatalf("delay mapped %v, pickup mapped %v", delay, pickup)
	}
}

func TestSampleNotFound(t *testing.T) {
	want := sampleNumber(t, "not_found")
	r := parseSample(t, "not_found.json")[0]
	if r.Err != nil || r.Shipment.Found || r.Number != want {
		t.Fatalf("%+v", r)
	}
}

func TestDeliveryExceptionCodes(t *testing.T) {
	cases := []struct {
		ev, exc, desc string
		want          carriers.Subtag
	}{
		{"DE", "08", "Customer not available or business closed", carriers.AttemptFailNotAvailable},
		{"DE", "A47", "FedEx redirected your package", carriers.InTransitForwarded},
		{"DE", "99", "Package damaged in transit", carriers.ExceptionDamaged},
		{"SE", "", "Package lost", carriers.ExceptionLost},
		{"DE", "", "", carriers.AttemptFailGeneric},
	}
	for _, c := range cases {
		if _, sub, _ := MapEvent(c.ev, c.exc, "", "", c.desc); sub != c.want {
			t.Errorf("%s/%s %q -> %s, want %s", c.ev, c.exc, c.desc, sub, c.want)
		}
	}
}

// fakeFedEx stands in for the FedEx token and tracking endpoints on
// loopback. It records the size of every batch it is sent, and answers
// numbers starting with 0 as unknown.
type fakeFedEx struct {
	*apitest.Server
	mu           sync.Mutex
	batchSizes   []int
	expireTokens atomic.Bool // reject the first token handed out
}

// newFakeFedEx makes a fake that answers every throttleEvery-th tracking
// call with a 429 and an HTTP-date Retry-After.
func newFakeFedEx(throttleEvery int64) *fakeFedEx {
	f := &fakeFedEx{Server: &apitest.Server{
		TokenPath: "/oauth/token", ClientID: "key", ClientSecret: "secret", In: apiclient.FormFields,
		TokenPrefix: "t", ExpiresIn: "3599",
		TokenRejected: `{"errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"The given client credentials were not valid."}]}`,
		TrackPath:     "/track/v1/trackingnumbers",
		Unauthorized:  `{"errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"expired"}]}`,
		ThrottleEvery: throttleEvery,
		RetryAfter:    func() string { return time.Now().UTC().Format(http.TimeFormat) },
	}}
	f.Authorized = func(r *http.Request) bool {
		return f.HasToken(r) && !(f.expireTokens.Load() && r.Header.Get("Authorization") == "Bearer t1")
	}
	f.Track = f.track
	return f
}

func (f *fakeFedEx) track(w http.ResponseWriter, r *http.Request) {
	var req trackRequest
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.TrackingInfo) == 0 || len(req.TrackingInfo) > BatchSize {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"errors":[{"code":"TRACKING.TRACKINGNUMBER.EMPTY","message":"bad batch"}]}`))
		return
	}
	f.mu.Lock()
	f.batchSizes = append(f.batchSizes, len(req.TrackingInfo))
	f.mu.Unlock()
	var parts []string
	for _, ti := range req.TrackingInfo {
		num := ti.TrackingNumberInfo.TrackingNumber
		if strings.HasPrefix(num, "0") {
			parts = append(parts, fmt.Sprintf(`{"trackingNumber":%q,"trackResults":[{"trackingNumberInfo":{"trackingNumber":%q},"error":{"code":"TRACKING.TRACKINGNUMBER.NOTFOUND","message":"not found"}}]}`, num, num))
			continue
		}
		parts = append(parts, fmt.Sprintf(`{"trackingNumber":%q,"trackResults":[{"latestStatusDetail":{"code":"OD","derivedCode":"OD"},
"scanEvents":[{"date":"2026-01-05T08:00:00-05:00","eventType":"OD","eventDescription":"On FedEx vehicle for delivery","scanLocation":{"city":"AUSTIN","stateOrProvinceCode":"TX","countryCode":"US"},"derivedStatusCode":"OD"}]}]}`, num))
	}
	fmt.Fprintf(w, `{"transactionId":"x","output":{"completeTrackResults":[%s]}}`, strings.Join(parts, ","))
}

func newTestClient(t testing.TB, url string) *Client {
	c, err := New(carriers.Credentials{ClientID: "key", ClientSecret: "secret"}, carriers.ClientOptions{BaseURL: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestClientBatchesOf30(t *testing.T) {
	f := newFakeFedEx(0)
	c := newTestClient(t, f.Start(t))
	nums := make([]string, 65)
	for i := range nums {
		nums[i] = fmt.Sprintf("7%011d", i)
	}
	nums[10] = "012345678901" // unknown to the fake
	res, err := c.Track(context.Background(), nums)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	sizes := fmt.Sprint(f.batchSizes)
	f.mu.Unlock()
	if f.Calls.Load() != 3 || (sizes != "[30 30 5]" && sizes != "[30 5 30]" && sizes != "[5 30 30]") {
		t.Fatalf("calls %d, batch sizes %s; want 3 requests of 30, 30 and 5", f.Calls.Load(), sizes)
	}
	for i, r := range res {
		if r.Number != carriers.Normalize(nums[i]) {
			t.Fatalf("result %d is for %s, want %s", i, r.Number, nums[i])
		}
		if i == 10 {
			if r.Err != nil || r.Shipment.Found {
				t.Fatalf("not-found result %+v", r)
			}
			continue
		}
		if r.Err != nil || r.Shipment.Tag != carriers.OutForDelivery {
			t.Fatalf("result %d: %+v", i, r)
		}
	}
	if f.Tokens.Load() != 1 {
		t.Fatalf("tokens fetched %d, want 1 (cached)", f.Tokens.Load())
	}
}

func TestClientRefreshesRevokedToken(t *testing.T) {
	f := newFakeFedEx(0)
	c := newTestClient(t, f.Start(t))
	if _, err := c.Track(context.Background(), []string{"712345678901"}); err != nil {
		t.Fatal(err)
	}
	f.expireTokens.Store(true) // the server now rejects the first token
	res, err := c.Track(context.Background(), []string{"712345678901"})
	if err != nil || res[0].Err != nil || !res[0].Shipment.Found {
		t.Fatalf("after revocation: %v %+v", err, res)
	}
	if f.Tokens.Load() != 2 {
		t.Fatalf("tokens %d, want a refresh", f.Tokens.Load())
	}
}

func TestClientBadCredentials(t *testing.T) {
	c, _ := New(carriers.Credentials{ClientID: "key", ClientSecret: "nope-secret"}, carriers.ClientOptions{BaseURL: newFakeFedEx(0).Start(t)})
	_, err := c.Track(context.Background(), []string{"712345678901"})
	if !errors.Is(err, carriers.ErrAuth) || strings.Contains(err.Error(), "nope-secret") {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkTrack2000 looks 2,000 numbers up (67 requests of up to 30) against
// a loopback fake that answers every 10th request with 429 and an HTTP-date
// Retry-After, beside a baseline of one number per request.
func BenchmarkTrack2000(b *testing.B) {
	nums := make([]string, 2000)
	for i := range nums {
		nums[i] = fmt.Sprintf("7%011d", i)
	}
	start := func(b *testing.B) (apitest.Client, func()) {
		ts := httptest.NewServer(newFakeFedEx(10))
		return newTestClient(b, ts.URL), ts.Close
	}
	b.Run("one-per-request-baseline", func(b *testing.B) { apitest.Bench(b, len(nums), start, apitest.OneByOne(nums)) })
	b.Run("batched-30", func(b *testing.B) { apitest.Bench(b, len(nums), start, apitest.InParts(nums, 1)) })
}

func TestPerNumberErrorNamesNumber(t *testing.T) {
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			_, _ = w.Write([]byte(`{"access_token":"t","expires_in":3599}`))
			return
		}
		_, _ = w.Write([]byte(`{"output":{"completeTrackResults":[{"trackingNumber":"123","trackResults":[{"error":{"code":"TRACKING.TRACKINGNUMBER.INVALID","message":"Invalid tracking number."}}]}]}}`))
	}))
	defer ts.Close()
	c := newTestClient(t, ts.URL)
	res, err := c.Track(context.Background(), []string{"123"})
	if err != nil {
		t.Fatal(err)
	}
	if !errors.Is(res[0].Err, carriers.ErrBadRequest) || !strings.Contains(res[0].Err.Error(), "tracking number 123") {
		t.Fatalf("err = %v", res[0].Err)
	}
}
