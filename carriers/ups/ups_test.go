package ups

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
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
	if len(sh.Events) != 2 {
		t.Fatalf("events %d, want 2", len(sh.Events))
	}
	last := sh.Events[0]
	if last.Description != "DELIVERED" || last.Location != "PARAMUS, NJ, US" || last.RawCode != "D/F4/011" ||
		!last.Time.Equal(time.Date(2022, 1, 26, 16, 30, 0, 0, time.UTC)) {
		t.Fatalf("last event %+v", last)
	}
	if sh.Events[1].Subtag != carriers.InfoReceivedLabel {
		t.Fatalf("label event mapped to %s", sh.Events[1].Subtag)
	}
	if sh.EstimatedDelivery != nil {
		t.Fatalf("a delivered parcel's DEL date is no estimate: %v", sh.EstimatedDelivery)
	}
}

func TestSampleInTransitCustoms(t *testing.T) {
	want := sampleNumber(t, "in_transit_customs_exception")
	sh, err := Parse(sample(t, "in_transit_customs_exception.json"), "")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Number != want || !sh.Found {
		t.Fatalf("number %q found %v", sh.Number, sh.Found)
	}
	if sh.Tag != carriers.InTransit || sh.Subtag != carriers.InTransitCustomsStarted {
		t.Fatalf("status %s/%s, want InTransit/InTransit_006", sh.Tag, sh.Subtag)
	}
	if len(sh.Events) != 17 {
		t.Fatalf("events %d, want 17", len(sh.Events))
	}
	last := sh.Events[0]
	wantTime := time.Date(2024, 3, 20, 11, 8, 38, 0, time.UTC)
	if !strings.HasPrefix(last.Description, "The package is at the clearing agency") || !last.Time.Equal(wantTime) {
		t.Fatalf("last event %+v", last)
	}
	if sh.EstimatedDelivery != nil {
		t.Fatalf("no delivery date in the answer, got %v", sh.EstimatedDelivery)
	}
	if sh.Service != "UPS Express®" {
		t.Fatalf("service %q", sh.Service)
	}
	if sh.ShipDate == nil || !sh.ShipDate.Equal(time.Date(2024, 3, 18, 14, 44, 3, 0, time.UTC)) {
		t.Fatalf("ship date %v, want the pickup scan", sh.ShipDate)
	}
	// the earlier customs hold is an exception subtag, the release a clearance
	var sawDelay bool
	for _, e := range sh.Events {
		if e.Subtag == carriers.ExceptionCustomsDelay {
			sawDelay = true
		}
		if e.Tag == "" {
			t.Errorf("unmapped event %+v", e)
		}
	}
	if !sawDelay {
		t.Error("the 'contact the sender for clearance information' event should map to Exception_004")
	}
}

func TestSampleNotFound(t *testing.T) {
	sh, err := Parse(sample(t, "not_found.json"), "1Z0000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Found || len(sh.Events) != 0 || sh.Tag != carriers.Pending {
		t.Fatalf("got %+v", sh)
	}
}

func TestMapStatusRegistered(t *testing.T) {
	if tag, sub, ok := carriers.MapStatus("ups", "DP", ""); !ok || tag != carriers.InTransit || sub != carriers.InTransitDeparture {
		t.Fatalf("DP -> %s %s %v", tag, sub, ok)
	}
	if tag, _, ok := carriers.MapStatus("ups", "", "Delivered"); !ok || tag != carriers.Delivered {
		t.Fatalf("text fallback -> %s %v", tag, ok)
	}
}

// fakeUPS stands in for the UPS token and tracking endpoints; every
// throttleEvery-th tracking call gets a 429.
func fakeUPS(throttleEvery int64) *apitest.Server {
	f := &apitest.Server{
		TokenPath: "/security/v1/oauth/token", ClientID: "id", ClientSecret: "secret", In: apiclient.BasicAuth,
		TokenPrefix: "tok", ExpiresIn: `"14399"`,
		TokenRejected: `{"response":{"errors":[{"code":"250003","message":"Invalid Access License number"}]}}`,
		TrackPath:     "/api/track/v1/details/",
		ThrottleEvery: throttleEvery,
	}
	f.Authorized = func(r *http.Request) bool { return f.HasToken(r) && r.Header.Get("transId") != "" }
	f.Track = func(w http.ResponseWriter, r *http.Request) {
		num := strings.TrimPrefix(r.URL.Path, "/api/track/v1/details/")
		if strings.HasSuffix(num, "0000") {
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"response":{"errors":[{"code":"TW0001","message":"Tracking Information Not Found"}]}}`))
			return
		}
		_, _ = w.Write([]byte(strings.ReplaceAll(ownDelivered, ownDeliveredNumber, num)))
	}
	return f
}

func newTestClient(t testing.TB, url string, opts carriers.ClientOptions) *Client {
	opts.BaseURL = url
	c, err := New(carriers.Credentials{ClientID: "id", ClientSecret: "secret"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// ownDeliveredNumber is the placeholder in ownDelivered that the fake
// replaces with the number asked for.
const ownDeliveredNumber = "1Z3K7T05A204618737"

const ownDelivered = `{"trackResponse":{"shipment":[{"inquiryNumber":"` + ownDeliveredNumber + `","package":[{"trackingNumber":"` + ownDeliveredNumber + `",
"activity":[{"location":{"address":{"city":"LYON","countryCode":"FR"}},"status":{"type":"D","description":"DELIVERED","code":"KB","statusCode":"011"},"date":"20260102","time":"101500"}]}]}]}}`

func TestClientTracksCachesTokenAndHandlesNotFound(t *testing.T) {
	f := fakeUPS(3)
	c := newTestClient(t, f.Start(t), carriers.ClientOptions{RatePerSecond: -1})
	nums := []string{"1z 4y7a 2b03 9081 7263", "1ZH5K2P90100000428", "1Z6E2W480312840000", "1Z6E2W480312845091"}
	res, err := c.Track(context.Background(), nums)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 4 {
		t.Fatalf("%d results", len(res))
	}
	if res[0].Number != "1Z4Y7A2B0390817263" || !res[0].Shipment.Found || res[0].Shipment.Tag != carriers.Delivered {
		t.Fatalf("result 0: %+v", res[0])
	}
	if res[2].Err != nil || res[2].Shipment.Found {
		t.Fatalf("not-found number: %+v", res[2])
	}
	if f.Tokens.Load() != 1 {
		t.Fatalf("token fetched %d times", f.Tokens.Load())
	}
	if st := c.Stats(); st.Honoured429 != f.Throttled.Load() || st.Honoured429 == 0 {
		t.Fatalf("honoured %d, server throttled %d", st.Honoured429, f.Throttled.Load())
	}
}

func TestClientBadCredentials(t *testing.T) {
	c, err := New(carriers.Credentials{ClientID: "id", ClientSecret: "not-the-secret"}, carriers.ClientOptions{BaseURL: fakeUPS(0).Start(t)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Track(context.Background(), []string{"1Z4Y7A2B0390817263"})
	if !errors.Is(err, carriers.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), "not-the-secret") {
		t.Fatal("error leaks the secret")
	}
	if _, err := New(carriers.Credentials{}, carriers.ClientOptions{}); err == nil {
		t.Fatal("missing credentials accepted")
	}
	if s := fmt.Sprintf("%v %+v %#v", carriers.Credentials{ClientSecret: "x-secret"}, carriers.Credentials{ClientSecret: "x-secret"}, carriers.Credentials{ClientSecret: "x-secret"}); strings.Contains(s, "x-secret") {
		t.Fatalf("credentials print their secret: %s", s)
	}
}

// BenchmarkTrack2000 looks 2,000 numbers up against an httptest API that
// answers every 50th call with 429, and reports lookups per second and the
// 429s honoured, beside a baseline of one number per Track call on one goroutine.
func BenchmarkTrack2000(b *testing.B) {
	nums := make([]string, 2000)
	for i := range nums {
		nums[i] = fmt.Sprintf("1Z%016d", i+1)
	}
	start := func(b *testing.B) (apitest.Client, func()) {
		ts := httptest.NewServer(fakeUPS(50))
		return newTestClient(b, ts.URL, carriers.ClientOptions{RatePerSecond: -1}), ts.Close
	}
	b.Run("sequential-baseline", func(b *testing.B) { apitest.Bench(b, len(nums), start, apitest.OneByOne(nums)) })
	b.Run("pooled", func(b *testing.B) { apitest.Bench(b, len(nums), start, apitest.InParts(nums, 8)) })
}

func TestTrackCancelledLeavesNoBlankResult(t *testing.T) {
	c := newTestClient(t, fakeUPS(0).Start(t), carriers.ClientOptions{RatePerSecond: 1, Burst: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	nums := []string{"1Z0000000000000001", "1Z0000000000000002", "1Z0000000000000003", "1Z0000000000000004", "1Z0000000000000005", "1Z0000000000000006"}
	res, err := c.Track(ctx, nums)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the deadline", err)
	}
	for i, r := range res {
		if r.Number != nums[i] {
			t.Fatalf("result %d has number %q", i, r.Number)
		}
		if !r.Shipment.Found && r.Err == nil {
			t.Fatalf("result %d is neither found nor failed: %+v", i, r)
		}
	}
}
