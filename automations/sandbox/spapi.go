package sandbox

// The Amazon Selling Partner API stand-in, served on the amazon site beside
// its pages and over the same world. Shapes follow Amazon's published models
// (Orders v0 ordersV0.json, Messaging v1 messaging.json, from
// amzn/selling-partner-api-models) and the LWA token exchange of
// "Connecting to the Selling Partner API": a form POST to /auth/o2/token,
// the access token in x-amz-access-token, a 403 Unauthorized for an expired
// or unknown token, 429 QuotaExceeded past the usage plan, and the
// x-amzn-RateLimit-Limit header on every answer.

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// SPAPI holds one store's demo app credentials for the SP-API stand-in.
type SPAPI struct {
	ClientID, ClientSecret, RefreshToken string
	MarketplaceID                        string
}

// SPAPIFor returns the demo SP-API credentials of an Amazon store; the
// refresh token is the store's own, as a seller's authorization gives.
// MarketplaceID lists, comma-separated, every marketplace the world's
// stores sell in.
func (sb *Sandbox) SPAPIFor(storeID string) SPAPI {
	return SPAPI{ClientID: "amzn1.application-oa2-client.sandbox", ClientSecret: "sandbox-lwa-secret",
		RefreshToken: "Atzr|sandbox-" + storeID, MarketplaceID: strings.Join(spAllMarketplaces, ",")}
}

const spMarketplaceUS = "ATVPDKIKX0DER"

// spMarketplaces are the marketplace ids of the countries the world's
// buyers live in, from Amazon's published table ("Marketplace IDs",
// developer-docs.amazon.com/sp-api/docs/marketplace-ids): United States
// ATVPDKIKX0DER, United Kingdom A1F83G8C2ARO7P, Germany A1PA6795UKMFR9,
// France A13V1IB3VIYZZH, Spain A1RKKUPIHCS9HS, Japan A1VC38T7YXB528.
var spMarketplaces = map[string]string{
	"US": spMarketplaceUS, "GB": "A1F83G8C2ARO7P", "DE": "A1PA6795UKMFR9",
	"FR": "A13V1IB3VIYZZH", "ES": "A1RKKUPIHCS9HS", "JP": "A1VC38T7YXB528",
}

var spAllMarketplaces = []string{spMarketplaceUS, "A1F83G8C2ARO7P", "A1PA6795UKMFR9", "A13V1IB3VIYZZH", "A1RKKUPIHCS9HS", "A1VC38T7YXB528"}

// spMarketplaceOf is the marketplace an order was placed in: the one of
// the country it ships to; an order not shipped yet has no address in the
// world, so its buyer's language's home country stands in (langPlaces'
// first place, drawn from nothing random). A country without a marketplace
// of its own buys from amazon.com.
func spMarketplaceOf(o *Order) string {
	c := o.ShipToCountry
	if c == "" && len(langPlaces[o.Lang]) > 0 {
		c = langPlaces[o.Lang][0].Country
	}
	if id, ok := spMarketplaces[c]; ok {
		return id
	}
	return spMarketplaceUS
}

// spInMarketplaces reads a comma-separated marketplaceIds parameter into a
// set; empty means every marketplace.
func spInMarketplaces(raw string) func(*Order) bool {
	if raw == "" {
		return func(*Order) bool { return true }
	}
	set := map[string]bool{}
	for _, id := range strings.Split(raw, ",") {
		set[id] = true
	}
	return func(o *Order) bool { return set[spMarketplaceOf(o)] }
}

// spPlans are the default usage plans of the models' descriptions.
var spPlans = map[string][2]float64{
	"getOrders": {0.0167, 20}, "getOrder": {0.5, 30}, "getOrderItems": {0.5, 30},
	"getMessagingActionsForOrder": {1, 5}, "createUnexpectedProblem": {1, 5}, "createConfirmDeliveryDetails": {1, 5},
	// Orders API v2026-01-01 (orders_2026-01-01.json).
	"searchOrders": {0.0056, 20},
}

// spPageSize is how many orders one getOrders page holds (the model's
// MaxResultsPerPage default is 100).
const spPageSize = 100

type spState struct {
	mu      sync.Mutex
	tokens  map[string]spToken        // access token -> store and expiry
	buckets map[string]*spBucket      // store + operation
	sent    map[string]map[string]int // order -> action -> messages sent
}

type spToken struct {
	store   string
	expires time.Time
}

type spBucket struct {
	tokens float64
	last   time.Time
}

var spStates sync.Map // *site -> *spState

func spFor(s *site) *spState {
	v, _ := spStates.LoadOrStore(s, &spState{tokens: map[string]spToken{}, buckets: map[string]*spBucket{}, sent: map[string]map[string]int{}})
	return v.(*spState)
}

func spErrors(w http.ResponseWriter, code int, c, msg string) {
	writeJSON(w, code, map[string]any{"errors": []map[string]string{{"code": c, "message": msg, "details": ""}}})
}

func mountSPAPI(s *site) {
	sb := s.sb
	st := spFor(s)
	s.handle("POST /auth/o2/token", kindAPI, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		f := r.PostForm
		var store string
		for _, o := range sb.world.Stores {
			if o.Marketplace == "amazon" && f.Get("refresh_token") == sb.SPAPIFor(o.ID).RefreshToken {
				store = o.ID
			}
		}
		c := sb.SPAPIFor(store)
		if f.Get("grant_type") != "refresh_token" || store == "" || f.Get("client_id") != c.ClientID || f.Get("client_secret") != c.ClientSecret {
			sb.st.count("api.amazon.bad_credentials")
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant",
				"error_description": "The request has an invalid grant parameter : refresh_token"})
			return
		}
		tok := "Atza|" + randomToken() + randomToken()
		st.mu.Lock()
		st.tokens[tok] = spToken{store: store, expires: sb.Now().Add(time.Hour)}
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "bearer", "expires_in": 3600})
	})
	guard := func(op string, h func(w http.ResponseWriter, r *http.Request, store string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			plan := spPlans[op]
			w.Header().Set("x-amzn-RateLimit-Limit", strconv.FormatFloat(plan[0], 'f', -1, 64))
			st.mu.Lock()
			t, ok := st.tokens[r.Header.Get("x-amz-access-token")]
			st.mu.Unlock()
			if !ok || !sb.Now().Before(t.expires) {
				sb.st.count("api.amazon.unauthorized")
				msg := "Access to requested resource is denied."
				if ok {
					msg = "The access token you provided has expired."
				}
				spErrors(w, http.StatusForbidden, "Unauthorized", msg)
				return
			}
			if !st.take(t.store+"/"+op, plan, time.Now()) {
				sb.st.count("api.amazon.rate_limited")
				spErrors(w, http.StatusTooManyRequests, "QuotaExceeded", "You exceeded your quota for the requested resource.")
				return
			}
			h(w, r, t.store)
		}
	}
	s.handle("GET /orders/v0/orders", kindAPI, guard("getOrders", func(w http.ResponseWriter, r *http.Request, store string) {
		q := r.URL.Query()
		if q.Get("MarketplaceIds") == "" {
			spErrors(w, http.StatusBadRequest, "InvalidInput", "Missing required parameter: MarketplaceIds")
			return
		}
		field, raw := "placed", q.Get("CreatedAfter")
		if raw == "" {
			field, raw = "updated", q.Get("LastUpdatedAfter")
		}
		after, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			spErrors(w, http.StatusBadRequest, "InvalidInput", "CreatedAfter or LastUpdatedAfter must be an ISO 8601 date")
			return
		}
		var match []*Order
		inMarket := spInMarketplaces(q.Get("MarketplaceIds"))
		for _, o := range sb.world.StoreOrders(store) {
			if o.Placed.After(sb.Now()) || !inMarket(o) {
				continue
			}
			t := o.Placed
			if field == "updated" {
				t = spUpdated(o, sb.Now())
			}
			if t.After(after) {
				match = append(match, o)
			}
		}
		from := 0
		if nt := q.Get("NextToken"); nt != "" {
			b, err := base64.RawURLEncoding.DecodeString(nt)
			if from, err = strconv.Atoi(strings.TrimPrefix(string(b), "offset:")); err != nil || from < 0 || from > len(match) {
				spErrors(w, http.StatusBadRequest, "InvalidInput", "Invalid NextToken")
				return
			}
		}
		end := min(from+spPageSize, len(match))
		orders := []map[string]any{}
		for _, o := range match[from:end] {
			orders = append(orders, spOrder(o, sb.Now()))
		}
		payload := map[string]any{"Orders": orders}
		if end < len(match) {
			payload["NextToken"] = base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(end)))
		}
		writeJSON(w, http.StatusOK, map[string]any{"payload": payload})
	}))
	// searchOrders, Orders API v2026-01-01: the order with its items,
	// buyer, delivery country, proceeds, fulfilment and packages, in the
	// shapes of orders_2026-01-01.json (SearchOrdersResponse, Order,
	// OrderPackage, Money as amount and currencyCode), paged by
	// pagination.nextToken and paginationToken.
	s.handle("GET /orders/2026-01-01/orders", kindAPI, guard("searchOrders", func(w http.ResponseWriter, r *http.Request, store string) {
		q := r.URL.Query()
		created, updated := q.Get("createdAfter"), q.Get("lastUpdatedAfter")
		if (created == "") == (updated == "") {
			spErrors(w, http.StatusBadRequest, "InvalidInput", "You must provide exactly one of createdAfter and lastUpdatedAfter")
			return
		}
		raw := created + updated
		after, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			spErrors(w, http.StatusBadRequest, "InvalidInput", "createdAfter or lastUpdatedAfter must be an ISO 8601 date")
			return
		}
		size := 100
		if v := q.Get("maxResultsPerPage"); v != "" {
			if size, err = strconv.Atoi(v); err != nil || size < 1 || size > 100 {
				spErrors(w, http.StatusBadRequest, "InvalidInput", "maxResultsPerPage must be between 1 and 100")
				return
			}
		}
		included := map[string]bool{}
		for _, d := range strings.Split(q.Get("includedData"), ",") {
			included[d] = true
		}
		inMarket := spInMarketplaces(q.Get("marketplaceIds"))
		var match []*Order
		for _, o := range sb.world.StoreOrders(store) {
			if o.Placed.After(sb.Now()) || !inMarket(o) {
				continue
			}
			t := o.Placed
			if updated != "" {
				t = spUpdated(o, sb.Now())
			}
			if !t.Before(after) {
				match = append(match, o)
			}
		}
		from := 0
		if nt := q.Get("paginationToken"); nt != "" {
			b, err := base64.RawURLEncoding.DecodeString(nt)
			if from, err = strconv.Atoi(strings.TrimPrefix(string(b), "search:")); err != nil || from < 0 || from > len(match) {
				spErrors(w, http.StatusBadRequest, "InvalidInput", "Invalid paginationToken")
				return
			}
		}
		end := min(from+size, len(match))
		orders := []map[string]any{}
		for _, o := range match[from:end] {
			orders = append(orders, spFullOrder(o, sb.Now(), included))
		}
		out := map[string]any{"orders": orders}
		if end < len(match) {
			out["pagination"] = map[string]string{"nextToken": base64.RawURLEncoding.EncodeToString([]byte("search:" + strconv.Itoa(end)))}
		}
		writeJSON(w, http.StatusOK, out)
	}))
	order := func(w http.ResponseWriter, r *http.Request, store, id string) *Order {
		o := sb.world.Order(id)
		if o == nil || o.StoreID != store || o.Placed.After(sb.Now()) {
			spErrors(w, http.StatusNotFound, "NotFound", "Order "+id+" not found")
			return nil
		}
		return o
	}
	s.handle("GET /orders/v0/orders/{id}", kindAPI, guard("getOrder", func(w http.ResponseWriter, r *http.Request, store string) {
		if o := order(w, r, store, r.PathValue("id")); o != nil {
			writeJSON(w, http.StatusOK, map[string]any{"payload": spOrder(o, sb.Now())})
		}
	}))
	s.handle("GET /orders/v0/orders/{id}/orderItems", kindAPI, guard("getOrderItems", func(w http.ResponseWriter, r *http.Request, store string) {
		o := order(w, r, store, r.PathValue("id"))
		if o == nil {
			return
		}
		shipped := 0
		if o.Shipped {
			shipped = 1
		}
		writeJSON(w, http.StatusOK, map[string]any{"payload": map[string]any{"AmazonOrderId": o.ID, "OrderItems": []map[string]any{{
			"ASIN": "B0SANDBOX" + strconv.Itoa(len(o.Item)), "OrderItemId": o.ID + "-1", "SellerSKU": "SKU-" + o.ID,
			"Title": o.Item, "QuantityOrdered": 1, "QuantityShipped": shipped, "ItemPrice": spMoney(o.Value, o.Currency)}}}})
	}))
	s.handle("GET /messaging/v1/orders/{id}", kindAPI, guard("getMessagingActionsForOrder", func(w http.ResponseWriter, r *http.Request, store string) {
		o := order(w, r, store, r.PathValue("id"))
		if o == nil {
			return
		}
		if r.URL.Query().Get("marketplaceIds") == "" {
			spErrors(w, http.StatusBadRequest, "InvalidInput", "Missing required parameter: marketplaceIds")
			return
		}
		actions := []map[string]string{}
		for _, a := range spActions(o) {
			actions = append(actions, map[string]string{"name": a,
				"href": "/messaging/v1/orders/" + o.ID + "/messages/" + a + "?marketplaceIds=" + spMarketplaceOf(o)})
		}
		writeJSON(w, http.StatusOK, map[string]any{"_links": map[string]any{"actions": actions,
			"self": map[string]string{"href": r.URL.RequestURI()}}})
	}))
	for op, action := range map[string]string{"createUnexpectedProblem": "unexpectedProblem", "createConfirmDeliveryDetails": "confirmDeliveryDetails"} {
		s.handle("POST /messaging/v1/orders/{id}/messages/"+action, kindAPI, guard(op, func(w http.ResponseWriter, r *http.Request, store string) {
			o := order(w, r, store, r.PathValue("id"))
			if o == nil {
				return
			}
			allowed := false
			for _, a := range spActions(o) {
				allowed = allowed || a == action
			}
			var body struct {
				Text string `json:"text"`
			}
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Text == "" || len([]rune(body.Text)) > 2000 {
				spErrors(w, http.StatusBadRequest, "InvalidInput", "text is required, at most 2000 characters")
				return
			}
			if !allowed {
				spErrors(w, http.StatusForbidden, "Unauthorized", "This message type is not allowed for order "+o.ID)
				return
			}
			st.mu.Lock()
			if st.sent[o.ID] == nil {
				st.sent[o.ID] = map[string]int{}
			}
			st.sent[o.ID][action]++
			st.mu.Unlock()
			if action == "unexpectedProblem" {
				sb.recordNotice(store, o.ID, "sp-api", "", body.Text, sb.Now())
			}
			sb.st.count("api.amazon." + action)
			writeJSON(w, http.StatusCreated, map[string]any{})
		}))
	}
}

// SPAPISent reports how many messages of an action the API stand-in took
// for an order.
func (sb *Sandbox) SPAPISent(orderID, action string) int {
	s := sb.byName["amazon"]
	if s == nil {
		return 0
	}
	st := spFor(s)
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sent[orderID][action]
}

// spActions: an unexpected problem may be reported on any order; delivery
// details are asked only before the order ships.
func spActions(o *Order) []string {
	if o.Shipped {
		return []string{"unexpectedProblem"}
	}
	return []string{"confirmDeliveryDetails", "unexpectedProblem"}
}

// spUpdated is an order's last change: its shipping if visible, else its placing.
func spUpdated(o *Order, now time.Time) time.Time {
	if o.Shipped && !o.ShipDate.After(now) {
		return o.ShipDate
	}
	return o.Placed
}

func spMoney(minor int64, cur string) map[string]string {
	return map[string]string{"CurrencyCode": cur, "Amount": money.FormatDecimal(minor, cur)}
}

func spOrder(o *Order, now time.Time) map[string]any {
	status, shipped, unshipped := "Unshipped", 0, 1
	if o.Shipped && !o.ShipDate.After(now) {
		status, shipped, unshipped = "Shipped", 1, 0
	}
	return map[string]any{"AmazonOrderId": o.ID, "PurchaseDate": o.Placed.UTC().Format(time.RFC3339),
		"LastUpdateDate": spUpdated(o, now).UTC().Format(time.RFC3339), "OrderStatus": status,
		"FulfillmentChannel": "MFN", "SalesChannel": "Amazon.com", "MarketplaceId": spMarketplaceOf(o),
		"OrderTotal": spMoney(o.Value, o.Currency), "NumberOfItemsShipped": shipped, "NumberOfItemsUnshipped": unshipped}
}

// spFullOrder is an order as searchOrders gives it, with the datasets
// asked for in includedData.
func spFullOrder(o *Order, now time.Time, included map[string]bool) map[string]any {
	shipped := o.Shipped && !o.ShipDate.After(now)
	status, done := "UNSHIPPED", 0
	if shipped {
		status, done = "SHIPPED", 1
	}
	price := map[string]string{"amount": money.FormatDecimal(o.Value, o.Currency), "currencyCode": o.Currency}
	out := map[string]any{"orderId": o.ID, "createdTime": o.Placed.UTC().Format(time.RFC3339),
		"lastUpdatedTime": spUpdated(o, now).UTC().Format(time.RFC3339),
		"salesChannel":    map[string]string{"channelName": "AMAZON", "marketplaceId": spMarketplaceOf(o)},
		"orderItems": []map[string]any{{"orderItemId": o.ID + "-1", "quantityOrdered": 1,
			"product":     map[string]any{"asin": "B0SANDBOX" + strconv.Itoa(len(o.Item)), "title": o.Item, "sellerSku": "SKU-" + o.ID, "price": map[string]any{"unitPrice": price}},
			"fulfillment": map[string]int{"quantityFulfilled": done, "quantityUnfulfilled": 1 - done}}}}
	if included["BUYER"] {
		out["buyer"] = map[string]string{"buyerName": o.Buyer}
	}
	if included["RECIPIENT"] && o.ShipToCountry != "" {
		out["recipient"] = map[string]any{"deliveryAddress": map[string]string{"name": o.Buyer, "countryCode": o.ShipToCountry}}
	}
	if included["PROCEEDS"] {
		out["proceeds"] = map[string]any{"grandTotal": price}
	}
	if included["FULFILLMENT"] {
		out["fulfillment"] = map[string]string{"fulfillmentStatus": status, "fulfilledBy": "MERCHANT"}
	}
	if included["PACKAGES"] && shipped {
		out["packages"] = []map[string]any{{"packageReferenceId": "1", "carrier": o.Carrier, "trackingNumber": o.TrackingNumber,
			"shipTime": o.ShipDate.UTC().Format(time.RFC3339), "shipFromAddress": map[string]string{"countryCode": o.ShipFromCountry}}}
	}
	return out
}

// take spends one request of a usage plan (rate per second, burst).
func (st *spState) take(key string, plan [2]float64, now time.Time) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	b := st.buckets[key]
	if b == nil {
		b = &spBucket{tokens: plan[1], last: now}
		st.buckets[key] = b
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = math.Min(plan[1], b.tokens+el*plan[0])
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
