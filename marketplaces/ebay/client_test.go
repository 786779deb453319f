package ebay

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// Two pages of getOrders and one order's fulfilments, in the shapes of
// eBay's getOrders and getShippingFulfillments references, written for this
// test: a line item of two units (lineItemCost is the price of both), a
// currency without minor units (JPY), a fulfilled and an unstarted order.
const page1 = `{"href":"x","total":2,"limit":1,"offset":0,"next":"/sell/fulfillment/v1/order?offset=1",
 "orders":[{"orderId":"12-34567-89012","creationDate":"2026-11-01T10:00:00.000Z","lastModifiedDate":"2026-11-02T08:30:00.000Z",
 "orderFulfillmentStatus":"FULFILLED","buyer":{"username":"ada_b"},"pricingSummary":{"total":{"value":"25.98","currency":"USD"}},
 "fulfillmentStartInstructions":[{"shippingStep":{"shipTo":{"fullName":"Ada B","contactAddress":{"countryCode":"US"}}}}],
 "lineItems":[{"lineItemId":"1001","sku":"MUG-1","title":"Mug","quantity":2,"lineItemCost":{"value":"25.98","currency":"USD"},"itemLocation":{"countryCode":"CN"}}]}]}`

const page2 = `{"href":"x","total":2,"limit":1,"offset":1,
 "orders":[{"orderId":"98-76543-21098","creationDate":"2026-11-03T01:00:00.000Z","lastModifiedDate":"2026-11-03T01:00:00.000Z",
 "orderFulfillmentStatus":"NOT_STARTED","buyer":{"username":"kenji"},"pricingSummary":{"total":{"value":"4900","currency":"JPY"}},
 "lineItems":[{"lineItemId":"2002","title":"Tea","quantity":1,"lineItemCost":{"value":"4900","currency":"JPY"}}]}]}`

const fulfilments = `{"fulfillments":[{"fulfillmentId":"F1","shipmentTrackingNumber":"9400111899223197428490","shippingCarrierCode":"USPS",
 "shippedDate":"2026-11-02T08:00:00.000Z","lineItems":[{"lineItemId":"1001","quantity":2}]}],"total":1}`

func TestOrdersWithFulfilments(t *testing.T) {
	var tokens, calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/identity/v1/oauth2/token":
			tokens.Add(1)
			want := "Basic " + base64.StdEncoding.EncodeToString([]byte("app-id:cert-id"))
			_ = r.ParseForm()
			if r.Header.Get("Authorization") != want || r.PostForm.Get("grant_type") != "refresh_token" ||
				r.PostForm.Get("refresh_token") != "v^1.1#i^1#r^1#rt" || r.PostForm.Get("scope") != Scope {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"bad"}`)
				return
			}
			// The first token is refused once by the API, as a revoked one is.
			_, _ = io.WriteString(w, `{"access_token":"v^1.1#tok`+string(rune('0'+tokens.Load()))+`","expires_in":7200,"token_type":"User Access Token"}`)
		case r.Header.Get("Authorization") == "Bearer v^1.1#tok1":
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"errors":[{"errorId":1001,"message":"Invalid access token"}]}`)
		case r.URL.Path == "/sell/fulfillment/v1/order":
			calls.Add(1)
			if f := r.URL.Query().Get("filter"); f != "lastmodifieddate:[2026-10-31T00:00:00.000Z..]" {
				t.Errorf("filter %q", f)
			}
			if r.URL.Query().Get("offset") == "1" {
				_, _ = io.WriteString(w, page2)
				return
			}
			_, _ = io.WriteString(w, page1)
		case r.URL.Path == "/sell/fulfillment/v1/order/12-34567-89012/shipping_fulfillment":
			_, _ = io.WriteString(w, fulfilments)
		default:
			t.Errorf("unexpected %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	defer srv.Close()
	c, err := New(Config{ClientID: "app-id", ClientSecret: "cert-id", RefreshToken: "v^1.1#i^1#r^1#rt", BaseURL: srv.URL, TokenURL: srv.URL + "/identity/v1/oauth2/token"})
	if err != nil {
		t.Fatal(err)
	}
	orders, err := c.OrdersModifiedSince(context.Background(), time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC), 10)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.Load() != 2 || calls.Load() != 2 || len(orders) != 2 {
		t.Fatalf("%d tokens, %d getOrders calls, %d orders", tokens.Load(), calls.Load(), len(orders))
	}
	a := orders[0]
	if a.Buyer != "ada_b" || a.ShipToCountry != "US" || a.ShipFromCountry != "CN" || a.Total.Minor() != 2598 ||
		len(a.Items) != 1 || a.Items[0].Quantity != 2 || a.Items[0].Cost.Minor() != 2598 {
		t.Errorf("order 1: %+v", a)
	}
	if len(a.Fulfillments) != 1 || a.Fulfillments[0].TrackingNumber != "9400111899223197428490" || a.Fulfillments[0].Carrier != "USPS" ||
		!a.Fulfillments[0].Shipped.Equal(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)) {
		t.Errorf("order 1 fulfilments: %+v", a.Fulfillments)
	}
	if b := orders[1]; b.Total.Minor() != 4900 || b.Total.Currency() != "JPY" || len(b.Fulfillments) != 0 {
		t.Errorf("order 2: %+v", b)
	}
}

// A refused refresh token is auth_failed; an answer that misses what the
// shape requires is site_error, never an order with blanks.
func TestRefusals(t *testing.T) {
	for name, body := range map[string]string{
		"no total":     `{"orders":[]}`,
		"no line item": `{"total":1,"orders":[{"orderId":"1","creationDate":"2026-11-01T10:00:00.000Z","lastModifiedDate":"2026-11-01T10:00:00.000Z","orderFulfillmentStatus":"NOT_STARTED"}]}`,
		"bad money":    `{"total":1,"orders":[{"orderId":"1","creationDate":"2026-11-01T10:00:00.000Z","lastModifiedDate":"2026-11-01T10:00:00.000Z","orderFulfillmentStatus":"NOT_STARTED","pricingSummary":{"total":{"value":"1.234","currency":"USD"}},"lineItems":[{"lineItemId":"1","quantity":1}]}]}`,
		"bad date":     `{"total":1,"orders":[{"orderId":"1","creationDate":"yesterday","lastModifiedDate":"2026-11-01T10:00:00.000Z","lineItems":[{"lineItemId":"1","quantity":1}]}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/token") {
				_, _ = io.WriteString(w, `{"access_token":"v^1.1#a","expires_in":7200}`)
				return
			}
			_, _ = io.WriteString(w, body)
		}))
		c, _ := New(Config{ClientID: "a", ClientSecret: "b", RefreshToken: "v^1.1#r", BaseURL: srv.URL, TokenURL: srv.URL + "/token"})
		if _, err := c.OrdersModifiedSince(context.Background(), time.Now().Add(-time.Hour), 3); apierr.ClassOf(err) != apierr.SiteError {
			t.Errorf("%s: got %v, want site_error", name, err)
		}
		srv.Close()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"the provided authorization refresh token is invalid"}`)
	}))
	defer srv.Close()
	c, _ := New(Config{ClientID: "a", ClientSecret: "b", RefreshToken: "v^1.1#revoked", BaseURL: srv.URL, TokenURL: srv.URL + "/token"})
	_, err := c.CountModifiedSince(context.Background(), time.Now())
	if apierr.ClassOf(err) != apierr.AuthFailed || strings.Contains(err.Error(), "v^1.1#revoked") {
		t.Errorf("revoked token: %v", err)
	}
}
