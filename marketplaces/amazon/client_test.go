package amazon

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
)

func testCtx(t *testing.T) context.Context {
	t.Helper()
	return testwait.Context(t)
}

func testClient(t *testing.T, url string, plans map[string]Plan) *Client {
	t.Helper()
	c, err := New(Config{Credentials: Credentials{ClientID: "cid", ClientSecret: "csecret", RefreshToken: "Atzr|rt"},
		MarketplaceID: "ATVPDKIKX0DER", BaseURL: url, TokenURL: url + "/auth/o2/token", Plans: plans, MaxRetryWait: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

const oneOrder = `{"payload":{"AmazonOrderId":"111-1111111-1111111","PurchaseDate":"2026-01-02T03:04:05Z","LastUpdateDate":"2026-01-02T03:04:05Z","OrderStatus":"Shipped","OrderTotal":{"CurrencyCode":"JPY","Amount":"4900"}}}`

// The token request follows "Connecting to the Selling Partner API": a form
// POST with grant_type=refresh_token, and the access token rides in
// x-amz-access-token. A cached token is reused until near expiry.
func TestTokenExchangeAndCache(t *testing.T) {
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			fetches.Add(1)
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/x-www-form-urlencoded") {
				t.Errorf("token Content-Type %q", ct)
			}
			_ = r.ParseForm()
			for k, v := range map[string]string{"grant_type": "refresh_token", "refresh_token": "Atzr|rt", "client_id": "cid", "client_secret": "csecret"} {
				if r.PostForm.Get(k) != v {
					t.Errorf("token form %s = %q, want %q", k, r.PostForm.Get(k), v)
				}
			}
			_, _ = io.WriteString(w, `{"access_token":"Atza|a1","token_type":"bearer","expires_in":3600}`)
			return
		}
		if r.Header.Get("x-amz-access-token") != "Atza|a1" {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, oneOrder)
	}))
	defer srv.Close()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := testClient(t, srv.URL, map[string]Plan{"getOrder": {100, 100}})
	c.now = func() time.Time { return now }
	ctx := testCtx(t)
	for range 3 {
		o, err := c.GetOrder(ctx, "111-1111111-1111111")
		if err != nil {
			t.Fatal(err)
		}
		// JPY has no minor unit (ISO 4217): 4900 yen is 4900 minor units.
		if o.OrderTotal == nil || o.OrderTotal.Minor() != 4900 || o.OrderTotal.Currency() != "JPY" {
			t.Fatalf("total %v", o.OrderTotal)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d token fetches for 3 calls within the hour, want 1", n)
	}
	now = now.Add(3600*time.Second - tokenMargin + time.Second)
	if _, err := c.GetOrder(ctx, "111-1111111-1111111"); err != nil {
		t.Fatal(err)
	}
	if n := fetches.Load(); n != 2 {
		t.Fatalf("%d token fetches after the token neared expiry, want 2", n)
	}
}

// A 403 whose token expired is retried once with a fresh token; a second
// 403 is auth_failed. A refused refresh token (LWA invalid_grant) is
// auth_failed too, and no error text carries a secret.
func TestExpiredTokenRefreshOnceThenAuthFailed(t *testing.T) {
	var tokens, calls atomic.Int32
	alwaysDeny := atomic.Bool{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			n := tokens.Add(1)
			_, _ = io.WriteString(w, `{"access_token":"Atza|t`+string(rune('0'+n))+`","expires_in":3600}`)
			return
		}
		calls.Add(1)
		if alwaysDeny.Load() || r.Header.Get("x-amz-access-token") == "Atza|t1" {
			w.WriteHeader(http.StatusForbidden)
			_, _ = io.WriteString(w, `{"errors":[{"code":"Unauthorized","message":"The access token you provided has expired."}]}`)
			return
		}
		_, _ = io.WriteString(w, oneOrder)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, map[string]Plan{"getOrder": {100, 100}})
	ctx := testCtx(t)
	if _, err := c.GetOrder(ctx, "111-1111111-1111111"); err != nil {
		t.Fatalf("expired token not refreshed: %v", err)
	}
	if tokens.Load() != 2 || calls.Load() != 2 {
		t.Fatalf("tokens %d calls %d, want 2 and 2", tokens.Load(), calls.Load())
	}
	alwaysDeny.Store(true)
	calls.Store(0)
	_, err := c.GetOrder(ctx, "111-1111111-1111111")
	if apierr.ClassOf(err) != apierr.AuthFailed || calls.Load() != 2 {
		t.Fatalf("err %v after %d calls, want auth_failed after 2", err, calls.Load())
	}
	for _, s := range []string{"csecret", "Atzr|rt", "Atza|"} {
		if strings.Contains(err.Error(), s) {
			t.Fatalf("error %q carries a secret", err)
		}
	}
}

func TestRefusedRefreshToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"The request has an invalid grant parameter : refresh_token"}`)
	}))
	defer srv.Close()
	_, err := testClient(t, srv.URL, nil).GetOrder(testCtx(t), "111-1111111-1111111")
	var e *apierr.Error
	if !errors.As(err, &e) || e.Class != apierr.AuthFailed || e.Code != "invalid_grant" {
		t.Fatalf("err %v, want auth_failed invalid_grant", err)
	}
}

// 429 is waited out per Retry-After and retried; past the retries it is
// rate_limited with the wait Amazon asked for. x-amzn-RateLimit-Limit sets
// the bucket's rate ("Usage Plans and Rate Limits in the Selling Partner API").
func TestRateLimited(t *testing.T) {
	var calls atomic.Int32
	limit := atomic.Int32{}
	limit.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			_, _ = io.WriteString(w, `{"access_token":"Atza|x","expires_in":3600}`)
			return
		}
		w.Header().Set("x-amzn-RateLimit-Limit", "2.5")
		if calls.Add(1) <= limit.Load() {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"errors":[{"code":"QuotaExceeded","message":"You exceeded your quota for the requested resource."}]}`)
			return
		}
		_, _ = io.WriteString(w, oneOrder)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, map[string]Plan{"getOrder": {100, 100}})
	ctx := testCtx(t)
	if _, err := c.GetOrder(ctx, "111-1111111-1111111"); err != nil {
		t.Fatalf("one 429 not waited out: %v", err)
	}
	if s := c.Stats(); s.Honoured429 != 1 {
		t.Fatalf("stats %+v", s)
	}
	if r := c.bucket("getOrder").Rate(); r != 2.5 {
		t.Fatalf("bucket rate %v after x-amzn-RateLimit-Limit: 2.5", r)
	}
	calls.Store(0)
	limit.Store(100)
	_, err := c.GetOrder(ctx, "111-1111111-1111111")
	if apierr.ClassOf(err) != apierr.RateLimited {
		t.Fatalf("err %v, want rate_limited", err)
	}
	if n := calls.Load(); n != int32(c.retries+1) {
		t.Fatalf("%d calls, want %d", n, c.retries+1)
	}
}

// The usage plan's burst passes at once; the next request waits for the
// rate. A context whose deadline comes first fails without sending.
func TestUsagePlanBucket(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			_, _ = io.WriteString(w, `{"access_token":"Atza|x","expires_in":3600}`)
			return
		}
		calls.Add(1)
		_, _ = io.WriteString(w, oneOrder)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, map[string]Plan{"getOrder": {0.001, 2}})
	ctx := testCtx(t)
	for range 2 {
		if _, err := c.GetOrder(ctx, "111-1111111-1111111"); err != nil {
			t.Fatal(err)
		}
	}
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	_, err := c.GetOrder(short, "111-1111111-1111111")
	if apierr.ClassOf(err) != apierr.Timeout || calls.Load() != 2 {
		t.Fatalf("err %v with %d calls, want timeout before a third call", err, calls.Load())
	}
	// The default plans are the models' figures.
	if p := PlanOf("getOrders"); p != (Plan{0.0167, 20}) {
		t.Fatalf("getOrders plan %+v", p)
	}
}

// Paging follows NextToken until it is absent.
func TestAllOrdersPaging(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			_, _ = io.WriteString(w, `{"access_token":"Atza|x","expires_in":3600}`)
			return
		}
		if r.URL.Query().Get("LastUpdatedAfter") != "2026-01-01T00:00:00Z" {
			t.Errorf("LastUpdatedAfter %q", r.URL.Query().Get("LastUpdatedAfter"))
		}
		o := `{"AmazonOrderId":"%s","PurchaseDate":"2026-01-02T03:04:05Z","LastUpdateDate":"2026-01-02T03:04:05Z","OrderStatus":"Unshipped"}`
		switch r.URL.Query().Get("NextToken") {
		case "":
			_, _ = io.WriteString(w, `{"payload":{"NextToken":"p2","Orders":[`+strings.Replace(o, "%s", "a", 1)+`]}}`)
		case "p2":
			_, _ = io.WriteString(w, `{"payload":{"Orders":[`+strings.Replace(o, "%s", "b", 1)+`]}}`)
		default:
			w.WriteHeader(http.StatusBadRequest)
		}
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, map[string]Plan{"getOrders": {100, 100}})
	all, err := c.AllOrders(testCtx(t), OrdersQuery{LastUpdatedAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}, 10)
	if err != nil || len(all) != 2 || all[0].AmazonOrderID != "a" || all[1].AmazonOrderID != "b" {
		t.Fatalf("orders %+v err %v", all, err)
	}
}

// An answer that does not fit the model is a site_error, never an empty
// result: a money amount with too many decimals, a missing payload.
func TestAnswerThatDoesNotFit(t *testing.T) {
	for name, body := range map[string]string{
		"yen with decimals": `{"payload":{"AmazonOrderId":"x","PurchaseDate":"2026-01-02T03:04:05Z","LastUpdateDate":"2026-01-02T03:04:05Z","OrderStatus":"Shipped","OrderTotal":{"CurrencyCode":"JPY","Amount":"4900.5"}}}`,
		"no payload":        `{}`,
		"bad date":          `{"payload":{"AmazonOrderId":"x","PurchaseDate":"yesterday","LastUpdateDate":"2026-01-02T03:04:05Z","OrderStatus":"Shipped"}}`,
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/auth/o2/token" {
					_, _ = io.WriteString(w, `{"access_token":"Atza|x","expires_in":3600}`)
					return
				}
				_, _ = io.WriteString(w, body)
			}))
			defer srv.Close()
			_, err := testClient(t, srv.URL, map[string]Plan{"getOrder": {100, 100}}).GetOrder(testCtx(t), "x")
			if apierr.ClassOf(err) != apierr.SiteError {
				t.Fatalf("err %v, want site_error", err)
			}
		})
	}
}

// Regions follow "SP-API Endpoints": US in NA, Germany in EU, Japan in FE.
func TestEndpointFor(t *testing.T) {
	for id, want := range map[string]string{"ATVPDKIKX0DER": EndpointNA, "A1PA6795UKMFR9": EndpointEU, "A1VC38T7YXB528": EndpointFE, "A1F83G8C2ARO7P": EndpointEU} {
		if got, err := EndpointFor(id); err != nil || got != want {
			t.Errorf("%s: %s %v, want %s", id, got, err, want)
		}
	}
	if _, err := EndpointFor("NOPE"); apierr.ClassOf(err) != apierr.BadInput || !strings.Contains(err.Error(), "NOPE") {
		t.Errorf("unknown id: %v", err)
	}
}

// Every country of Amazon's marketplace id table maps to an id the region
// table knows, and back; a few rows checked against the published table.
func TestMarketplaceByCountry(t *testing.T) {
	for c, id := range marketplaceByCountry {
		if _, ok := marketplaceRegion[id]; !ok {
			t.Errorf("%s: id %s has no region", c, id)
		}
	}
	if len(marketplaceByCountry) != len(marketplaceRegion)+1 { // UK and GB share one
		t.Errorf("%d countries for %d marketplaces", len(marketplaceByCountry), len(marketplaceRegion))
	}
	for in, want := range map[string]string{"US": "ATVPDKIKX0DER", "de": "A1PA6795UKMFR9", "GB": "A1F83G8C2ARO7P", "JP": "A1VC38T7YXB528", "A1VC38T7YXB528": "A1VC38T7YXB528"} {
		if got, err := ParseMarketplace(in); err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %s", in, got, err, want)
		}
	}
	for _, bad := range []string{"XX", "", "AMAZON"} {
		if _, err := ParseMarketplace(bad); apierr.ClassOf(err) != apierr.BadInput {
			t.Errorf("%q: got %v, want bad_input", bad, err)
		}
	}
}

func TestParseMarketplaces(t *testing.T) {
	ids, err := ParseMarketplaces("DE, FR,A1PA6795UKMFR9,GB", false)
	if err != nil || strings.Join(ids, ",") != "A1PA6795UKMFR9,A13V1IB3VIYZZH,A1F83G8C2ARO7P" {
		t.Errorf("EU list: %v %v", ids, err)
	}
	// United States (North America) and Japan (Far East) are two regions.
	if _, err := ParseMarketplaces("US,JP", false); apierr.ClassOf(err) != apierr.BadInput {
		t.Errorf("two regions: %v", err)
	}
	if ids, err := ParseMarketplaces("US,JP", true); err != nil || len(ids) != 2 {
		t.Errorf("two regions at one endpoint: %v %v", ids, err)
	}
}
