// Package ebay is a client for eBay's Sell Fulfillment API, with no
// browser: OAuth user tokens renewed from the seller's refresh token, and
// the orders with their shipping fulfilments (carrier and tracking number).
//
// Shapes follow eBay's published reference: "Using a refresh token to
// update a User access token" (developer.ebay.com/api-docs/static/
// oauth-refresh-token-request.html): a form POST to /identity/v1/oauth2/token
// with HTTP Basic client credentials, answered with access_token and
// expires_in (7,200 s); getOrders (developer.ebay.com/api-docs/sell/
// fulfillment/resources/order/methods/getOrders): filter
// lastmodifieddate:[from..], limit up to 200, offset, and the answer's
// orders, total and next; getShippingFulfillments (.../resources/order/
// shipping_fulfillment/methods/getShippingFulfillments): fulfillments with
// shipmentTrackingNumber, shippingCarrierCode and shippedDate.
package ebay

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/internal/ratelimit"
	"github.com/sellerops/sellerops/localdb/money"
)

// Hosts of eBay's production APIs.
const (
	Endpoint = "https://api.ebay.com"
	TokenURL = "https://api.ebay.com/identity/v1/oauth2/token"
)

// Scope is the OAuth scope the client asks for when it renews a token:
// reading the seller's orders and fulfilments.
const Scope = "https://api.ebay.com/oauth/api_scope/sell.fulfillment.readonly"

// apiName names the API in errors.
const apiName = "ebay"

// Config sets up a Client.
type Config struct {
	ClientID, ClientSecret, RefreshToken string
	BaseURL, TokenURL                    string // "" for eBay's production hosts
	HTTPClient                           *http.Client
	Now                                  func() time.Time
	MaxRetries                           int // for 429 and 5xx; 0 means 3
}

// Client calls the Sell Fulfillment API for one seller.
type Client struct {
	cfg      Config
	scope    string // the OAuth scope its tokens are asked with
	mu       sync.Mutex
	token    string
	tokenExp time.Time
	requests int64
}

// New checks the configuration.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.RefreshToken == "" {
		return nil, &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "config", Message: "the client id, client secret and refresh token are all needed"}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = Endpoint
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.TokenURL == "" {
		cfg.TokenURL = TokenURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	return &Client{cfg: cfg, scope: Scope}, nil
}

// Requests counts the API calls made, the token renewals left out.
func (c *Client) Requests() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// accessToken renews the user token from the refresh token when none is
// cached or it expires within a minute.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.cfg.Now().Add(time.Minute).Before(c.tokenExp) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.cfg.RefreshToken}, "scope": {c.scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "token", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.cfg.ClientID+":"+c.cfg.ClientSecret)))
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", &apierr.Error{API: apiName, Class: apierr.Timeout, Op: "token", Err: ctx.Err()}
		}
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token", Message: "the token endpoint did not answer"}
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(body, &t)
	switch {
	case resp.StatusCode == http.StatusOK && t.AccessToken != "" && t.ExpiresIn > 0:
	case resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized:
		return "", &apierr.Error{API: apiName, Class: apierr.AuthFailed, Op: "token", Status: resp.StatusCode, Message: strings.TrimSpace(t.Error + " " + t.Description)}
	case resp.StatusCode >= 500:
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token", Status: resp.StatusCode}
	default:
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token", Status: resp.StatusCode, Message: "the answer has no access_token and expires_in"}
	}
	c.mu.Lock()
	c.token, c.tokenExp = t.AccessToken, c.cfg.Now().Add(time.Duration(t.ExpiresIn)*time.Second)
	c.mu.Unlock()
	return t.AccessToken, nil
}

// get calls one operation and decodes its 2xx JSON answer into v. A 401
// gets one renewed token; 429 and 5xx are retried.
func (c *Client) get(ctx context.Context, op, path string, q url.Values, v any) error {
	renewed := false
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		u := c.cfg.BaseURL + path
		if len(q) > 0 {
			u += "?" + q.Encode()
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Err: err}
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Accept", "application/json")
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
		resp, err := c.cfg.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: ctx.Err()}
			}
			return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "no answer"}
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		var ae struct {
			Errors []struct {
				Message string `json:"message"`
			} `json:"errors"`
		}
		e := &apierr.Error{API: apiName, Op: op, Status: resp.StatusCode}
		if resp.StatusCode >= 300 && json.Unmarshal(body, &ae) == nil && len(ae.Errors) > 0 {
			e.Message = ae.Errors[0].Message
		}
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			if err := json.Unmarshal(body, v); err != nil {
				return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer does not fit the published shape", Err: err}
			}
			return nil
		case resp.StatusCode == http.StatusUnauthorized && !renewed:
			renewed = true
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			attempt--
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			e.Class = apierr.AuthFailed
			return e
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			if attempt >= c.cfg.MaxRetries {
				e.Class = apierr.SiteError
				if resp.StatusCode == http.StatusTooManyRequests {
					e.Class = apierr.RateLimited
				}
				return e
			}
			wait := ratelimit.RetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())
			if wait <= 0 {
				wait = time.Duration(200<<attempt) * time.Millisecond
			}
			if err := ratelimit.Sleep(ctx, wait); err != nil {
				return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: err}
			}
		default:
			e.Class = apierr.BadInput
			return e
		}
	}
}

// Order is one order with what the product stores of it.
type Order struct {
	OrderID           string
	Created, Modified time.Time
	Buyer             string // the buyer's eBay user name
	ShipToCountry     string // fulfillmentStartInstructions[0].shippingStep.shipTo.contactAddress.countryCode
	ShipFromCountry   string // the first line item's itemLocation.countryCode
	FulfillmentStatus string // NOT_STARTED, IN_PROGRESS, FULFILLED
	Total             *money.Amount
	Items             []Item
	Fulfillments      []Fulfillment
}

// Item is one line item.
type Item struct {
	LineItemID, SKU, Title string
	LegacyItemID           string // legacyItemId: the listing, the ItemID of its Trading API messages
	Quantity               int
	Cost                   *money.Amount // lineItemCost: the price of the quantity bought
}

// Fulfillment is one shipping fulfilment: a package handed to a carrier.
type Fulfillment struct {
	ID, Carrier, TrackingNumber string
	Shipped                     time.Time
}

type wireAmount struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

func (m *wireAmount) amount(op, field string) (*money.Amount, error) {
	if m == nil {
		return nil, nil
	}
	a, err := money.ParseDecimal(m.Currency, m.Value)
	if err != nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: field + " does not read as money", Err: err}
	}
	return &a, nil
}

type wireOrder struct {
	OrderID                string `json:"orderId"`
	CreationDate           string `json:"creationDate"`
	LastModifiedDate       string `json:"lastModifiedDate"`
	OrderFulfillmentStatus string `json:"orderFulfillmentStatus"`
	Buyer                  *struct {
		Username string `json:"username"`
	} `json:"buyer"`
	PricingSummary *struct {
		Total *wireAmount `json:"total"`
	} `json:"pricingSummary"`
	FulfillmentStartInstructions []struct {
		ShippingStep *struct {
			ShipTo *struct {
				ContactAddress *struct {
					CountryCode string `json:"countryCode"`
				} `json:"contactAddress"`
			} `json:"shipTo"`
		} `json:"shippingStep"`
	} `json:"fulfillmentStartInstructions"`
	LineItems []struct {
		LineItemID   string      `json:"lineItemId"`
		LegacyItemID string      `json:"legacyItemId"`
		SKU          string      `json:"sku"`
		Title        string      `json:"title"`
		Quantity     *int        `json:"quantity"`
		LineItemCost *wireAmount `json:"lineItemCost"`
		ItemLocation *struct {
			CountryCode string `json:"countryCode"`
		} `json:"itemLocation"`
	} `json:"lineItems"`
}

func (w wireOrder) order(op string) (Order, error) {
	bad := func(msg string, err error) (Order, error) {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + w.OrderID + ": " + msg, Err: err}
	}
	if w.OrderID == "" {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an order without orderId"}
	}
	o := Order{OrderID: w.OrderID, FulfillmentStatus: w.OrderFulfillmentStatus}
	var err error
	if o.Created, err = time.Parse(time.RFC3339, w.CreationDate); err != nil {
		return bad("creationDate is not an ISO 8601 time", err)
	}
	if o.Modified, err = time.Parse(time.RFC3339, w.LastModifiedDate); err != nil {
		return bad("lastModifiedDate is not an ISO 8601 time", err)
	}
	if w.Buyer != nil {
		o.Buyer = w.Buyer.Username
	}
	if w.PricingSummary != nil {
		if o.Total, err = w.PricingSummary.Total.amount(op, "pricingSummary.total of "+w.OrderID); err != nil {
			return Order{}, err
		}
	}
	if len(w.FulfillmentStartInstructions) > 0 {
		if s := w.FulfillmentStartInstructions[0].ShippingStep; s != nil && s.ShipTo != nil && s.ShipTo.ContactAddress != nil {
			o.ShipToCountry = s.ShipTo.ContactAddress.CountryCode
		}
	}
	if len(w.LineItems) == 0 {
		return bad("no lineItems", nil)
	}
	for _, li := range w.LineItems {
		if li.LineItemID == "" || li.Quantity == nil {
			return bad("a line item without lineItemId or quantity", nil)
		}
		it := Item{LineItemID: li.LineItemID, LegacyItemID: li.LegacyItemID, SKU: li.SKU, Title: li.Title, Quantity: *li.Quantity}
		if it.Cost, err = li.LineItemCost.amount(op, "lineItemCost of "+li.LineItemID); err != nil {
			return Order{}, err
		}
		if o.ShipFromCountry == "" && li.ItemLocation != nil {
			o.ShipFromCountry = li.ItemLocation.CountryCode
		}
		o.Items = append(o.Items, it)
	}
	return o, nil
}

// pageSize is getOrders' largest limit.
const pageSize = 200

// OrdersModifiedSince returns every order modified at or after since, each
// with its shipping fulfilments for the orders that have started shipping,
// following the answer's offsets to the last page (at most maxPages).
func (c *Client) OrdersModifiedSince(ctx context.Context, since time.Time, maxPages int) ([]Order, error) {
	return c.ordersSince(ctx, since, maxPages, true)
}

// OrderLines is OrdersModifiedSince without the shipping fulfilments: the
// orders' buyers and line items, for matching messages to their orders.
func (c *Client) OrderLines(ctx context.Context, since time.Time, maxPages int) ([]Order, error) {
	return c.ordersSince(ctx, since, maxPages, false)
}

func (c *Client) ordersSince(ctx context.Context, since time.Time, maxPages int, parcels bool) ([]Order, error) {
	const op = "getOrders"
	var out []Order
	for page, offset := 0, 0; ; page++ {
		if page >= maxPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more pages than the limit"}
		}
		q := url.Values{"filter": {"lastmodifieddate:[" + since.UTC().Format("2006-01-02T15:04:05.000Z") + "..]"},
			"limit": {strconv.Itoa(pageSize)}, "offset": {strconv.Itoa(offset)}}
		var w wireOrders
		if err := c.get(ctx, op, "/sell/fulfillment/v1/order", q, &w); err != nil {
			return out, err
		}
		p, err := w.page()
		if err != nil {
			return out, err
		}
		for _, o := range p.Orders {
			if parcels && o.FulfillmentStatus != "NOT_STARTED" {
				if o.Fulfillments, err = c.Fulfillments(ctx, o.OrderID); err != nil {
					return out, err
				}
			}
			out = append(out, o)
		}
		offset += len(p.Orders)
		if p.Next == "" || len(p.Orders) == 0 || offset >= p.Total {
			return out, nil
		}
	}
}

// OrdersPage is one page of getOrders.
type OrdersPage struct {
	Orders []Order // without their fulfilments, which getShippingFulfillments gives
	Total  int
	Next   string // the next page's link; "" on the last page
}

type wireOrders struct {
	Orders []wireOrder `json:"orders"`
	Total  *int        `json:"total"`
	Next   string      `json:"next"`
}

func (w wireOrders) page() (OrdersPage, error) {
	const op = "getOrders"
	if w.Total == nil {
		return OrdersPage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no total"}
	}
	p := OrdersPage{Total: *w.Total, Next: w.Next}
	for _, wo := range w.Orders {
		o, err := wo.order(op)
		if err != nil {
			return OrdersPage{}, err
		}
		p.Orders = append(p.Orders, o)
	}
	return p, nil
}

// DecodeOrdersPage reads a getOrders answer that came some other way than
// this client (a page of Seller Hub fetched in the seller's browser), with
// the same checks as the client's own.
func DecodeOrdersPage(data []byte) (OrdersPage, error) {
	var w wireOrders
	if err := json.Unmarshal(data, &w); err != nil {
		return OrdersPage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "getOrders", Message: "the answer does not read as getOrders", Err: err}
	}
	return w.page()
}

// DecodeFulfillments reads a getShippingFulfillments answer for orderID
// that came some other way than this client.
func DecodeFulfillments(orderID string, data []byte) ([]Fulfillment, error) {
	var w wireFulfillments
	if err := json.Unmarshal(data, &w); err != nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "getShippingFulfillments",
			Message: "order " + orderID + ": the answer does not read as getShippingFulfillments", Err: err}
	}
	return w.fulfillments(orderID)
}

type wireFulfillments struct {
	Fulfillments *[]struct {
		FulfillmentID          string `json:"fulfillmentId"`
		ShipmentTrackingNumber string `json:"shipmentTrackingNumber"`
		ShippingCarrierCode    string `json:"shippingCarrierCode"`
		ShippedDate            string `json:"shippedDate"`
	} `json:"fulfillments"`
}

// Fulfillments returns an order's shipping fulfilments.
func (c *Client) Fulfillments(ctx context.Context, orderID string) ([]Fulfillment, error) {
	const op = "getShippingFulfillments"
	var w wireFulfillments
	if err := c.get(ctx, op, "/sell/fulfillment/v1/order/"+url.PathEscape(orderID)+"/shipping_fulfillment", nil, &w); err != nil {
		return nil, err
	}
	return w.fulfillments(orderID)
}

func (w wireFulfillments) fulfillments(orderID string) ([]Fulfillment, error) {
	const op = "getShippingFulfillments"
	if w.Fulfillments == nil {
		// An order with none has the empty list; no list is another shape.
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + orderID + ": the answer has no fulfillments"}
	}
	var out []Fulfillment
	for _, f := range *w.Fulfillments {
		if f.FulfillmentID == "" {
			return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + orderID + ": a fulfillment without fulfillmentId"}
		}
		ff := Fulfillment{ID: f.FulfillmentID, Carrier: f.ShippingCarrierCode, TrackingNumber: f.ShipmentTrackingNumber}
		if f.ShippedDate != "" {
			t, err := time.Parse(time.RFC3339, f.ShippedDate)
			if err != nil {
				return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + orderID + ": shippedDate is not an ISO 8601 time", Err: err}
			}
			ff.Shipped = t
		}
		out = append(out, ff)
	}
	return out, nil
}

// CountModifiedSince asks getOrders for one order modified at or after
// since and returns the total the answer gives: a cheap check that the
// credentials and the scope work.
func (c *Client) CountModifiedSince(ctx context.Context, since time.Time) (int, error) {
	q := url.Values{"filter": {"lastmodifieddate:[" + since.UTC().Format("2006-01-02T15:04:05.000Z") + "..]"}, "limit": {"1"}}
	var w struct {
		Total *int `json:"total"`
	}
	if err := c.get(ctx, "getOrders", "/sell/fulfillment/v1/order", q, &w); err != nil {
		return 0, err
	}
	if w.Total == nil {
		return 0, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "getOrders", Message: "the answer has no total"}
	}
	return *w.Total, nil
}
