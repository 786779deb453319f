package amazon

// Conformance replay: every x-amzn-api-sandbox "static" example in Amazon's
// published models (ordersV0.json and messaging.json from
// amzn/selling-partner-api-models, Apache-2.0, read in place from the shared
// conformance folder) is served from a local server. For each example the
// client is called with the example's request parameters; the test checks
// the request it sent (method, path, query, JSON body) against the
// parameters, and the parsed result against the example's response JSON.

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/conformance"
	"github.com/sellerops/sellerops/localdb/money"
)

type param struct {
	Name     string `json:"name"`
	In       string `json:"in"`
	Required bool   `json:"required"`
}

type example struct {
	file, op, method, path string
	status                 int
	params                 map[string]any // name -> value
	declared               map[string]param
	response               json.RawMessage
}

func loadExamples(t *testing.T) []example {
	var out []example
	for _, f := range []string{"ordersV0.json", "messaging.json"} {
		raw, err := os.ReadFile(conformance.File(t, "marketplace_api", "amazon", f))
		if err != nil {
			t.Fatal(err)
		}
		var model struct {
			Paths map[string]map[string]json.RawMessage `json:"paths"`
		}
		if err := json.Unmarshal(raw, &model); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for path, ops := range model.Paths {
			var shared []param
			if p, ok := ops["parameters"]; ok {
				_ = json.Unmarshal(p, &shared)
			}
			for method, rawOp := range ops {
				if method == "parameters" {
					continue
				}
				var op struct {
					ID        string                     `json:"operationId"`
					Params    []param                    `json:"parameters"`
					Responses map[string]json.RawMessage `json:"responses"`
				}
				if err := json.Unmarshal(rawOp, &op); err != nil {
					t.Fatalf("%s %s %s: %v", f, method, path, err)
				}
				declared := map[string]param{}
				for _, p := range append(shared, op.Params...) {
					declared[p.Name] = p
				}
				for code, rawResp := range op.Responses {
					var r struct {
						Sandbox struct {
							Static []struct {
								Request struct {
									Parameters map[string]struct {
										Value any `json:"value"`
									} `json:"parameters"`
								} `json:"request"`
								Response json.RawMessage `json:"response"`
							} `json:"static"`
						} `json:"x-amzn-api-sandbox"`
					}
					if err := json.Unmarshal(rawResp, &r); err != nil {
						t.Fatalf("%s %s: %v", op.ID, code, err)
					}
					var status int
					fmt.Sscan(code, &status)
					for _, s := range r.Sandbox.Static {
						ex := example{file: f, op: op.ID, method: strings.ToUpper(method), path: path, status: status,
							params: map[string]any{}, declared: declared, response: s.Response}
						for k, v := range s.Request.Parameters {
							ex.params[k] = v.Value
						}
						out = append(out, ex)
					}
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].op != out[j].op {
			return out[i].op < out[j].op
		}
		return fmt.Sprint(out[i].status, out[i].params) < fmt.Sprint(out[j].status, out[j].params)
	})
	return out
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = str(e)
		}
		return strings.Join(parts, ",")
	default:
		return fmt.Sprint(x)
	}
}

func strs(v any) []string {
	if v == nil {
		return nil
	}
	if a, ok := v.([]any); ok {
		out := make([]string, len(a))
		for i, e := range a {
			out[i] = str(e)
		}
		return out
	}
	return []string{str(v)}
}

// invokers call the client for an example's parameters and return the
// parsed result. The marketplace the client is configured with stands for
// the required marketplaceIds of Messaging, which the examples leave out.
var invokers = map[string]func(ctx context.Context, c *Client, p map[string]any) (any, error){
	"getOrders": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.getOrders(ctx, ordersParams{marketplaceIDs: strs(p["MarketplaceIds"]), createdAfter: str(p["CreatedAfter"]),
			lastUpdatedAfter: str(p["LastUpdatedAfter"]), orderStatuses: strs(p["OrderStatuses"]), nextToken: str(p["NextToken"])})
	},
	"getOrder": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetOrder(ctx, str(p["orderId"]))
	},
	"getOrderItems": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetOrderItems(ctx, str(p["orderId"]))
	},
	"getOrderAddress": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetOrderAddress(ctx, str(p["orderId"]))
	},
	"getOrderBuyerInfo": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetOrderBuyerInfo(ctx, str(p["orderId"]))
	},
	"getMessagingActionsForOrder": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetMessagingActionsForOrder(ctx, str(p["amazonOrderId"]))
	},
	"createUnexpectedProblem": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return nil, c.CreateUnexpectedProblem(ctx, str(p["amazonOrderId"]), bodyText(p["body"]))
	},
	"createConfirmDeliveryDetails": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return nil, c.CreateConfirmDeliveryDetails(ctx, str(p["amazonOrderId"]), bodyText(p["body"]))
	},
	"GetAttributes": func(ctx context.Context, c *Client, p map[string]any) (any, error) {
		return c.GetAttributes(ctx, str(p["amazonOrderId"]))
	},
}

func bodyText(v any) string {
	m, _ := v.(map[string]any)
	return str(m["text"])
}

type seen struct {
	method, path string
	query        url.Values
	body         []byte
	token        string
}

func TestConformanceReplay(t *testing.T) {
	examples := loadExamples(t)
	if len(examples) == 0 {
		t.Fatal("no sandbox examples found in the models")
	}
	var (
		mu      sync.Mutex
		current example
		got     []seen
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/auth/o2/token" {
			_ = r.ParseForm()
			if r.PostForm.Get("grant_type") != "refresh_token" || r.PostForm.Get("refresh_token") != "Atzr|demo" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_grant","error_description":"bad refresh token"}`)
				return
			}
			_, _ = io.WriteString(w, `{"access_token":"Atza|replay","token_type":"bearer","expires_in":3600}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		ex := current
		got = append(got, seen{method: r.Method, path: r.URL.EscapedPath(), query: r.URL.Query(), body: body, token: r.Header.Get("x-amz-access-token")})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(ex.status)
		_, _ = w.Write(ex.response)
	}))
	defer srv.Close()

	type tally struct{ replayed, passed int }
	byOp := map[string]*tally{}
	notCalled := map[string]int{}
	for _, ex := range examples {
		inv, ok := invokers[ex.op]
		if !ok {
			notCalled[ex.op]++
			continue
		}
		tl := byOp[ex.op]
		if tl == nil {
			tl = &tally{}
			byOp[ex.op] = tl
		}
		tl.replayed++
		name := fmt.Sprintf("%s/%d/%s", ex.op, ex.status, str(ex.params[firstParam(ex)]))
		ok = t.Run(name, func(t *testing.T) {
			c, err := New(Config{Credentials: Credentials{ClientID: "amzn1.application-oa2-client.demo", ClientSecret: "secret", RefreshToken: "Atzr|demo"},
				MarketplaceID: "ATVPDKIKX0DER", BaseURL: srv.URL, TokenURL: srv.URL + "/auth/o2/token",
				Plans: map[string]Plan{ex.op: {Rate: 100, Burst: 100}}})
			if err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			current, got = ex, nil
			mu.Unlock()
			ctx := testwait.Context(t)
			res, err := inv(ctx, c, ex.params)
			mu.Lock()
			reqs := got
			mu.Unlock()
			if len(reqs) == 0 {
				// Refused before sending: only right when Amazon refuses it too.
				if ex.status < 400 || apierr.ClassOf(err) != apierr.BadInput {
					t.Fatalf("no request sent (err %v) for an example answered %d", err, ex.status)
				}
				return
			}
			if len(reqs) != 1 {
				t.Fatalf("%d requests for one example", len(reqs))
			}
			checkRequest(t, ex, reqs[0])
			if ex.status >= 400 {
				var e *apierr.Error
				if !errors.As(err, &e) || e.Class != apierr.BadInput || e.Status != ex.status {
					t.Fatalf("err = %v, want bad_input with HTTP %d", err, ex.status)
				}
				var want apiErrors
				_ = json.Unmarshal(ex.response, &want)
				if len(want.Errors) > 0 && e.Code != want.Errors[0].Code {
					t.Fatalf("code %q, want %q", e.Code, want.Errors[0].Code)
				}
				return
			}
			if err != nil {
				t.Fatalf("example answered %d: %v", ex.status, err)
			}
			var resp map[string]any
			if err := json.Unmarshal(ex.response, &resp); err != nil {
				t.Fatal(err)
			}
			compareResult(t, ex.op, res, resp)
		})
		if ok {
			tl.passed++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n%-30s %9s %7s\n", "operation", "replayed", "passed")
	ops := make([]string, 0, len(byOp))
	for op := range byOp {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	total, passed := 0, 0
	for _, op := range ops {
		fmt.Fprintf(&b, "%-30s %9d %7d\n", op, byOp[op].replayed, byOp[op].passed)
		total += byOp[op].replayed
		passed += byOp[op].passed
	}
	fmt.Fprintf(&b, "%-30s %9d %7d\n", "total", total, passed)
	nc := make([]string, 0, len(notCalled))
	n := 0
	for op, k := range notCalled {
		nc = append(nc, fmt.Sprintf("%s(%d)", op, k))
		n += k
	}
	sort.Strings(nc)
	fmt.Fprintf(&b, "not called by the client: %d examples of %d operations: %s\n", n, len(nc), strings.Join(nc, " "))
	t.Log(b.String())
	for op := range invokers {
		if byOp[op] == nil {
			t.Errorf("the models have no example of %s, which the client calls", op)
		}
	}
}

func firstParam(ex example) string {
	for _, k := range []string{"orderId", "amazonOrderId", "NextToken", "CreatedAfter"} {
		if _, ok := ex.params[k]; ok {
			return k
		}
	}
	return ""
}

// checkRequest compares the request with the example's parameters, placed
// where the model declares them (path, query or body).
func checkRequest(t *testing.T, ex example, r seen) {
	t.Helper()
	if r.method != ex.method {
		t.Errorf("method %s, want %s", r.method, ex.method)
	}
	if r.token != "Atza|replay" {
		t.Errorf("x-amz-access-token = %q, want the LWA access token", r.token)
	}
	wantPath := ex.path
	for name, p := range ex.declared {
		if p.In == "path" {
			wantPath = strings.ReplaceAll(wantPath, "{"+name+"}", url.PathEscape(str(ex.params[name])))
		}
	}
	if r.path != wantPath {
		t.Errorf("path %s, want %s", r.path, wantPath)
	}
	for name, v := range ex.params {
		p, ok := ex.declared[name]
		if !ok {
			t.Fatalf("example parameter %s is not declared in the model", name)
		}
		switch p.In {
		case "query":
			if got := r.query.Get(name); got != str(v) {
				t.Errorf("query %s = %q, want %q", name, got, str(v))
			}
		case "body":
			var gotBody, wantBody any
			if err := json.Unmarshal(r.body, &gotBody); err != nil {
				t.Fatalf("body %q is not JSON: %v", r.body, err)
			}
			wb, _ := json.Marshal(v)
			_ = json.Unmarshal(wb, &wantBody)
			if !reflect.DeepEqual(gotBody, wantBody) {
				t.Errorf("body %s, want %s", r.body, wb)
			}
		}
	}
	for name := range r.query {
		p, ok := ex.declared[name]
		if !ok || p.In != "query" {
			t.Errorf("query parameter %s is not in the model", name)
			continue
		}
		if _, given := ex.params[name]; !given && !p.Required {
			t.Errorf("query parameter %s sent, but neither in the example nor required", name)
		}
	}
}

func obj(v any) map[string]any { m, _ := v.(map[string]any); return m }

func compareResult(t *testing.T, op string, res any, resp map[string]any) {
	t.Helper()
	payload := obj(resp["payload"])
	switch op {
	case "getOrders":
		page := res.(OrdersPage)
		orders, _ := payload["Orders"].([]any)
		if len(page.Orders) != len(orders) {
			t.Fatalf("%d orders, want %d", len(page.Orders), len(orders))
		}
		for i := range orders {
			compareOrder(t, page.Orders[i], obj(orders[i]))
		}
		if page.NextToken != str(payload["NextToken"]) {
			t.Errorf("NextToken %q, want %q", page.NextToken, str(payload["NextToken"]))
		}
	case "getOrder":
		compareOrder(t, res.(Order), payload)
	case "getOrderItems":
		items := res.([]OrderItem)
		want, _ := payload["OrderItems"].([]any)
		if len(items) != len(want) {
			t.Fatalf("%d items, want %d", len(items), len(want))
		}
		for i := range want {
			w := obj(want[i])
			it := items[i]
			fields(t, "item", w, map[string]any{"OrderItemId": it.OrderItemID, "ASIN": it.ASIN, "SellerSKU": it.SellerSKU,
				"Title": it.Title, "QuantityOrdered": it.QuantityOrdered, "QuantityShipped": it.QuantityShipped})
			compareMoney(t, "ItemPrice", it.ItemPrice, w["ItemPrice"])
			compareMoney(t, "ItemTax", it.ItemTax, w["ItemTax"])
			compareMoney(t, "PromotionDiscount", it.PromotionDiscount, w["PromotionDiscount"])
		}
	case "getOrderAddress":
		a := res.(Address)
		w := obj(payload["ShippingAddress"])
		fields(t, "address", w, map[string]any{"Name": a.Name, "AddressLine1": a.AddressLine1, "AddressLine2": a.AddressLine2,
			"AddressLine3": a.AddressLine3, "City": a.City, "County": a.County, "District": a.District, "StateOrRegion": a.StateOrRegion,
			"PostalCode": a.PostalCode, "CountryCode": a.CountryCode, "Phone": a.Phone, "AddressType": a.AddressType})
	case "getOrderBuyerInfo":
		b := res.(BuyerInfo)
		fields(t, "buyer", payload, map[string]any{"AmazonOrderId": b.AmazonOrderID, "BuyerEmail": b.BuyerEmail,
			"BuyerName": b.BuyerName, "BuyerCounty": b.BuyerCounty, "PurchaseOrderNumber": b.PurchaseOrder})
	case "getMessagingActionsForOrder":
		names := res.([]string)
		acts, _ := obj(resp["_links"])["actions"].([]any)
		var want []string
		for _, a := range acts {
			want = append(want, str(obj(a)["name"]))
		}
		if !reflect.DeepEqual(names, want) {
			t.Errorf("actions %v, want %v", names, want)
		}
	case "GetAttributes":
		if got, want := res.(Attributes).BuyerLocale, str(obj(resp["buyer"])["locale"]); got != want {
			t.Errorf("locale %q, want %q", got, want)
		}
	case "createUnexpectedProblem", "createConfirmDeliveryDetails":
		// 201 with an empty answer: success is the nil error checked above.
	default:
		t.Fatalf("no comparison for %s", op)
	}
}

func compareOrder(t *testing.T, o Order, w map[string]any) {
	t.Helper()
	fields(t, "order", w, map[string]any{"AmazonOrderId": o.AmazonOrderID, "MarketplaceId": o.MarketplaceID,
		"OrderStatus": o.OrderStatus, "FulfillmentChannel": o.FulfillmentChannel, "SalesChannel": o.SalesChannel,
		"ShipServiceLevel": o.ShipServiceLevel, "NumberOfItemsShipped": o.NumberOfItemsShipped,
		"NumberOfItemsUnshipped": o.NumberOfItemsUnshipped, "IsPrime": o.IsPrime, "IsBusinessOrder": o.IsBusinessOrder})
	for name, got := range map[string]time.Time{"PurchaseDate": o.PurchaseDate, "LastUpdateDate": o.LastUpdateDate,
		"LatestShipDate": o.LatestShipDate, "LatestDeliveryDate": o.LatestDeliveryDate} {
		raw := str(w[name])
		if raw == "" {
			if !got.IsZero() {
				t.Errorf("%s = %v, absent in the answer", name, got)
			}
			continue
		}
		want, err := time.Parse(time.RFC3339Nano, raw)
		if err != nil {
			t.Fatalf("%s %q: %v", name, raw, err)
		}
		if !got.Equal(want) {
			t.Errorf("%s = %v, want %s", name, got, raw)
		}
	}
	compareMoney(t, "OrderTotal", o.OrderTotal, w["OrderTotal"])
}

// compareMoney checks an amount against the JSON Money object with exact
// rational arithmetic and ISO 4217's decimals, independent of the parser.
func compareMoney(t *testing.T, name string, got *money.Amount, raw any) {
	t.Helper()
	w := obj(raw)
	if w == nil {
		if got != nil {
			t.Errorf("%s = %v, absent in the answer", name, got)
		}
		return
	}
	if got == nil {
		t.Errorf("%s missing, answer has %v", name, w)
		return
	}
	cur := str(w["CurrencyCode"])
	r, ok := new(big.Rat).SetString(str(w["Amount"]))
	if !ok {
		t.Fatalf("%s amount %q", name, w["Amount"])
	}
	d, err := money.Decimals(cur)
	if err != nil {
		t.Fatal(err)
	}
	minor := new(big.Rat).Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d)), nil)))
	if got.Currency() != cur || !minor.IsInt() || minor.Num().Int64() != got.Minor() {
		t.Errorf("%s = %d %s minor units, answer says %v %s", name, got.Minor(), got.Currency(), w["Amount"], cur)
	}
}

// fields compares each named result field with the answer's JSON value;
// a field absent from the answer must be the zero value.
func fields(t *testing.T, what string, w map[string]any, got map[string]any) {
	t.Helper()
	for k, g := range got {
		jv, present := w[k]
		var want any
		switch g.(type) {
		case string:
			want = str(jv)
		case int:
			f, _ := jv.(float64)
			want = int(f)
		case bool:
			b, _ := jv.(bool)
			want = b
		}
		if !present {
			want = reflect.Zero(reflect.TypeOf(g)).Interface()
		}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s %s = %v, answer has %v", what, k, g, jv)
		}
	}
}
