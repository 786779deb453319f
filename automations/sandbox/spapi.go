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
func (sb *Sandbox) SPAPIFor(storeID string) SPAPI {
	return SPAPI{ClientID: "amzn1.application-oa2-client.sandbox", ClientSecret: "sandbox-lwa-secret",
		RefreshToken: "Atzr|sandbox-" + storeID, MarketplaceID: spMarketplaceUS}
}

const spMarketplaceUS = "ATVPDKIKX0DER"

// spPlans are the default usage plans of the models' descriptions.
var spPlans = map[string][2]float64{
	"getOrders": {0.0167, 20}, "getOrder": {0.5, 30}, "getOrderItems": {0.5, 30},
	"getMessagingActionsForOrder": {1, 5}, "createUnexpectedProblem": {1, 5}, "createConfirmDeliveryDetails": {1, 5},
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
		for _, o := range sb.world.StoreOrders(store) {
			if o.Placed.After(sb.Now()) {
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
				"href": "/messaging/v1/orders/" + o.ID + "/messages/" + a + "?marketplaceIds=" + spMarketplaceUS})
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
		"FulfillmentChannel": "MFN", "SalesChannel": "Amazon.com", "MarketplaceId": spMarketplaceUS,
		"OrderTotal": spMoney(o.Value, o.Currency), "NumberOfItemsShipped": shipped, "NumberOfItemsUnshipped": unshipped}
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
