package sandbox

// The eBay Sell Fulfillment API stand-in, served on the ebay site beside its
// pages and over the same world, in the shapes of eBay's reference: the
// OAuth refresh-token grant ("Using a refresh token to update a User access
// token": a form POST with HTTP Basic client credentials, access_token and
// expires_in 7200, invalid_grant for a refused refresh token), getOrders
// (filter lastmodifieddate:[from..], limit up to 200, offset; orders, total,
// next; a line item's legacyItemId is the listing its member messages
// name) and getShippingFulfillments (fulfillments with
// shipmentTrackingNumber, shippingCarrierCode and shippedDate); 401 with
// an errors list for an unknown or expired token.

import (
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// EbayAPI holds one store's demo app credentials for the stand-in.
type EbayAPI struct {
	ClientID, ClientSecret, RefreshToken string
}

// EbayAPIFor returns the demo eBay API credentials of a store.
func (sb *Sandbox) EbayAPIFor(storeID string) EbayAPI {
	return EbayAPI{ClientID: "SellerOp-sandbox-PRD-5a1b2c3d4-0e9f8a7b", ClientSecret: "PRD-sandbox-ebay-secret",
		RefreshToken: "v^1.1#i^1#r^1#sandbox-" + storeID}
}

type ebayTokens struct {
	mu     sync.Mutex
	tokens map[string]spToken
}

var ebayTokenStates sync.Map // *site -> *ebayTokens

func ebayErrors(w http.ResponseWriter, code int, id int, msg string) {
	writeJSON(w, code, map[string]any{"errors": []map[string]any{{"errorId": id, "domain": "API_FULFILLMENT", "category": "REQUEST", "message": msg}}})
}

func mountEbayAPI(s *site) {
	sb := s.sb
	v, _ := ebayTokenStates.LoadOrStore(s, &ebayTokens{tokens: map[string]spToken{}})
	st := v.(*ebayTokens)
	s.handle("POST /identity/v1/oauth2/token", kindAPI, func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		id, secret, _ := r.BasicAuth()
		var store string
		for _, o := range sb.world.Stores {
			if o.Marketplace == "ebay" && r.PostForm.Get("refresh_token") == sb.EbayAPIFor(o.ID).RefreshToken {
				store = o.ID
			}
		}
		c := sb.EbayAPIFor(store)
		if id != c.ClientID || secret != c.ClientSecret {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client", "error_description": "client authentication failed"})
			return
		}
		if r.PostForm.Get("grant_type") != "refresh_token" || store == "" {
			sb.st.count("api.ebay.bad_credentials")
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant",
				"error_description": "the provided authorization refresh token is invalid or was issued to another client"})
			return
		}
		tok := "v^1.1#i^1#p^3#access-" + randomToken()
		st.mu.Lock()
		st.tokens[tok] = spToken{store: store, expires: sb.Now().Add(2 * time.Hour)}
		st.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "expires_in": 7200, "token_type": "User Access Token"})
	})
	auth := func(h func(w http.ResponseWriter, r *http.Request, store string)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			st.mu.Lock()
			t, ok := st.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
			st.mu.Unlock()
			if !ok || !sb.Now().Before(t.expires) {
				sb.st.count("api.ebay.unauthorized")
				ebayErrors(w, http.StatusUnauthorized, 1001, "Invalid access token")
				return
			}
			h(w, r, t.store)
		}
	}
	s.handle("GET /sell/fulfillment/v1/order", kindAPI, auth(sb.ebayGetOrders))
	s.handle("GET /sell/fulfillment/v1/order/{id}/shipping_fulfillment", kindAPI, auth(sb.ebayShippingFulfillments))
}

// ebayGetOrders answers getOrders for the store: the orders modified at or
// after the filter's time, placed by now, as the clock shows them.
func (sb *Sandbox) ebayGetOrders(w http.ResponseWriter, r *http.Request, store string) {
	q := r.URL.Query()
	f := q.Get("filter")
	raw, ok := strings.CutPrefix(f, "lastmodifieddate:[")
	raw, ok2 := strings.CutSuffix(raw, "..]")
	after, err := time.Parse(time.RFC3339, raw)
	if !ok || !ok2 || err != nil {
		ebayErrors(w, http.StatusBadRequest, 30800, "Invalid filter: use lastmodifieddate:[2016-03-21T08:25:43.511Z..]")
		return
	}
	limit, offset := 50, 0
	if v := q.Get("limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 1 || limit > 200 {
			ebayErrors(w, http.StatusBadRequest, 30820, "Invalid limit: 1 to 200")
			return
		}
	}
	if v := q.Get("offset"); v != "" {
		if offset, err = strconv.Atoi(v); err != nil || offset < 0 {
			ebayErrors(w, http.StatusBadRequest, 30810, "Invalid offset")
			return
		}
	}
	var match []*Order
	for _, o := range sb.world.StoreOrders(store) {
		if !o.Placed.After(sb.Now()) && !spUpdated(o, sb.Now()).Before(after) {
			match = append(match, o)
		}
	}
	orders := []map[string]any{}
	for _, o := range match[min(offset, len(match)):min(offset+limit, len(match))] {
		orders = append(orders, ebayOrder(o, sb.Now()))
	}
	out := map[string]any{"total": len(match), "limit": limit, "offset": offset, "orders": orders}
	if offset+limit < len(match) {
		out["next"] = r.URL.Path + "?filter=" + f + "&limit=" + strconv.Itoa(limit) + "&offset=" + strconv.Itoa(offset+limit)
	}
	writeJSON(w, http.StatusOK, out)
}

// ebayShippingFulfillments answers getShippingFulfillments for one of the
// store's orders: its parcel once it has shipped.
func (sb *Sandbox) ebayShippingFulfillments(w http.ResponseWriter, r *http.Request, store string) {
	o := sb.world.Order(r.PathValue("id"))
	if o == nil || o.StoreID != store || o.Placed.After(sb.Now()) {
		ebayErrors(w, http.StatusNotFound, 32100, "Invalid order ID: "+r.PathValue("id"))
		return
	}
	fs := []map[string]any{}
	if o.Shipped && !o.ShipDate.After(sb.Now()) {
		id := base64.RawURLEncoding.EncodeToString([]byte(o.TrackingNumber))
		fs = append(fs, map[string]any{"fulfillmentId": id, "shipmentTrackingNumber": o.TrackingNumber,
			"shippingCarrierCode": o.Carrier, "shippedDate": o.ShipDate.UTC().Format("2006-01-02T15:04:05.000Z"),
			"lineItems": []map[string]any{{"lineItemId": o.ID + "-1", "quantity": 1}}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"fulfillments": fs, "total": len(fs)})
}

func ebayOrder(o *Order, now time.Time) map[string]any {
	status := "NOT_STARTED"
	if o.Shipped && !o.ShipDate.After(now) {
		status = "FULFILLED"
	}
	price := map[string]string{"value": money.FormatDecimal(o.Value, o.Currency), "currency": o.Currency}
	item := map[string]any{"lineItemId": o.ID + "-1", "legacyItemId": ebayItemID(o.ID), "sku": "SKU-" + o.ID, "title": o.Item,
		"quantity": 1, "lineItemCost": price}
	if o.ShipFromCountry != "" {
		item["itemLocation"] = map[string]string{"countryCode": o.ShipFromCountry}
	}
	out := map[string]any{"orderId": o.ID, "creationDate": o.Placed.UTC().Format("2006-01-02T15:04:05.000Z"),
		"lastModifiedDate": spUpdated(o, now).UTC().Format("2006-01-02T15:04:05.000Z"), "orderFulfillmentStatus": status,
		"buyer": map[string]string{"username": o.Buyer}, "pricingSummary": map[string]any{"total": price},
		"lineItems": []map[string]any{item}}
	if o.ShipToCountry != "" {
		out["fulfillmentStartInstructions"] = []map[string]any{{"fulfillmentInstructionsType": "SHIP_TO",
			"shippingStep": map[string]any{"shipTo": map[string]any{"fullName": o.Buyer, "contactAddress": map[string]string{"countryCode": o.ShipToCountry}}}}}
	}
	return out
}
