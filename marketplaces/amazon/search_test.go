package amazon

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Two pages in the shape of orders_2026-01-01.json's SearchOrdersResponse
// (orders, pagination.nextToken; Money as amount and currencyCode; packages
// with carrier, trackingNumber and shipTime), written for this test with
// values chosen to catch a float (19.99), a currency
// without minor units (JPY) and a package without tracking yet.
const searchPage1 = `{"orders":[{"orderId":"113-0000001-0000001","createdTime":"2026-11-01T10:00:00Z","lastUpdatedTime":"2026-11-02T08:30:00Z",
 "salesChannel":{"channelName":"AMAZON","marketplaceId":"ATVPDKIKX0DER","marketplaceName":"Amazon.com"},
 "buyer":{"buyerName":"Ada Buyer"},"recipient":{"deliveryAddress":{"name":"Ada Buyer","countryCode":"US"}},
 "proceeds":{"grandTotal":{"amount":"19.99","currencyCode":"USD"}},
 "fulfillment":{"fulfillmentStatus":"SHIPPED","fulfilledBy":"MERCHANT"},
 "orderItems":[{"orderItemId":"1","quantityOrdered":2,"product":{"asin":"B000000001","title":"Mug","sellerSku":"MUG-1","price":{"unitPrice":{"amount":"9.99","currencyCode":"USD"}}}}],
 "packages":[{"packageReferenceId":"1","carrier":"UPS","shippingService":"Ground","trackingNumber":"1Z999AA10123456784","shipTime":"2026-11-02T08:00:00Z","shipFromAddress":{"countryCode":"CN"}}]}],
 "pagination":{"nextToken":"page-2"}}`

const searchPage2 = `{"orders":[{"orderId":"503-0000002-0000002","createdTime":"2026-11-03T01:00:00Z","lastUpdatedTime":"2026-11-03T01:00:00Z",
 "salesChannel":{"channelName":"AMAZON","marketplaceId":"A1VC38T7YXB528"},
 "proceeds":{"grandTotal":{"amount":"4900","currencyCode":"JPY"}},
 "fulfillment":{"fulfillmentStatus":"UNSHIPPED","fulfilledBy":"MERCHANT"},
 "orderItems":[{"orderItemId":"2","quantityOrdered":1,"product":{"asin":"B000000002","title":"Tea","price":{"unitPrice":{"amount":"4900","currencyCode":"JPY"}}}}],
 "packages":[{"packageReferenceId":"1"}]}]}`

func TestSearchOrders(t *testing.T) {
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			_, _ = io.WriteString(w, `{"access_token":"Atza|a1","token_type":"bearer","expires_in":3600}`)
			return
		}
		if r.URL.Path != "/orders/2026-01-01/orders" || r.Method != http.MethodGet {
			t.Errorf("request %s %s", r.Method, r.URL.Path)
		}
		queries = append(queries, r.URL.RawQuery)
		if r.URL.Query().Get("paginationToken") == "page-2" {
			_, _ = io.WriteString(w, searchPage2)
			return
		}
		_, _ = io.WriteString(w, searchPage1)
	}))
	defer srv.Close()
	c := testClient(t, srv.URL, map[string]Plan{"searchOrders": {100, 100}})
	since := time.Date(2026, 10, 31, 0, 0, 0, 0, time.UTC)
	orders, err := c.AllSearchOrders(testCtx(t), SearchQuery{LastUpdatedAfter: since}, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 2 {
		t.Fatalf("%d requests, want 2", len(queries))
	}
	// The parameters the model declares, and only those.
	for _, q := range queries {
		for _, want := range []string{"lastUpdatedAfter=2026-10-31T00%3A00%3A00Z", "marketplaceIds=ATVPDKIKX0DER",
			"includedData=BUYER%2CRECIPIENT%2CPROCEEDS%2CFULFILLMENT%2CPACKAGES"} {
			if !strings.Contains(q, want) {
				t.Errorf("query %q lacks %q", q, want)
			}
		}
	}
	if len(orders) != 2 {
		t.Fatalf("%d orders, want 2", len(orders))
	}
	a := orders[0]
	if a.OrderID != "113-0000001-0000001" || a.BuyerName != "Ada Buyer" || a.ShipToCountry != "US" || a.FulfillmentStatus != "SHIPPED" {
		t.Errorf("order 1: %+v", a)
	}
	if a.Total == nil || a.Total.Minor() != 1999 || a.Total.Currency() != "USD" {
		t.Errorf("order 1 total: %v", a.Total)
	}
	if len(a.Packages) != 1 || a.Packages[0].TrackingNumber != "1Z999AA10123456784" || a.Packages[0].Carrier != "UPS" ||
		!a.Packages[0].ShipTime.Equal(time.Date(2026, 11, 2, 8, 0, 0, 0, time.UTC)) || a.Packages[0].ShipFromCountry != "CN" {
		t.Errorf("order 1 package: %+v", a.Packages)
	}
	if len(a.Items) != 1 || a.Items[0].Quantity != 2 || a.Items[0].Title != "Mug" {
		t.Errorf("order 1 items: %+v", a.Items)
	}
	b := orders[1]
	if b.Total == nil || b.Total.Minor() != 4900 || b.Total.Currency() != "JPY" || b.MarketplaceID != "A1VC38T7YXB528" {
		t.Errorf("order 2: %+v total %v", b, b.Total)
	}
	if len(b.Packages) != 1 || b.Packages[0].TrackingNumber != "" || !b.Packages[0].ShipTime.IsZero() {
		t.Errorf("order 2 package: %+v", b.Packages)
	}
}

// An answer that misses what the model requires, or whose money does not
// read, is a site_error, never an order with blanks.
func TestSearchOrdersRefusesMisfits(t *testing.T) {
	for name, body := range map[string]string{
		"no orders":      `{"pagination":{}}`,
		"no items":       `{"orders":[{"orderId":"1","createdTime":"2026-11-01T10:00:00Z","lastUpdatedTime":"2026-11-01T10:00:00Z","salesChannel":{}}]}`,
		"bad time":       `{"orders":[{"orderId":"1","createdTime":"yesterday","lastUpdatedTime":"2026-11-01T10:00:00Z","salesChannel":{},"orderItems":[]}]}`,
		"bad money":      `{"orders":[{"orderId":"1","createdTime":"2026-11-01T10:00:00Z","lastUpdatedTime":"2026-11-01T10:00:00Z","salesChannel":{},"orderItems":[],"proceeds":{"grandTotal":{"amount":"12.345","currencyCode":"USD"}}}]}`,
		"package no ref": `{"orders":[{"orderId":"1","createdTime":"2026-11-01T10:00:00Z","lastUpdatedTime":"2026-11-01T10:00:00Z","salesChannel":{},"orderItems":[],"packages":[{"trackingNumber":"x"}]}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/auth/o2/token" {
				_, _ = io.WriteString(w, `{"access_token":"Atza|a1","token_type":"bearer","expires_in":3600}`)
				return
			}
			_, _ = io.WriteString(w, body)
		}))
		c := testClient(t, srv.URL, map[string]Plan{"searchOrders": {100, 100}})
		_, err := c.SearchOrders(testCtx(t), SearchQuery{CreatedAfter: time.Now().Add(-time.Hour)})
		if apierr.ClassOf(err) != apierr.SiteError {
			t.Errorf("%s: got %v, want site_error", name, err)
		}
		srv.Close()
	}
	c := testClient(t, "http://127.0.0.1:1", nil)
	if _, err := c.SearchOrders(testCtx(t), SearchQuery{}); apierr.ClassOf(err) != apierr.BadInput {
		t.Errorf("no date: got %v, want bad_input", err)
	}
}
