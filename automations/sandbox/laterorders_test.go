package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The orders placed after the start are added to the world, not woven
// into it: every other order, parcel and thread is the same with them.
func TestLaterOrdersLeaveTheRestOfTheWorld(t *testing.T) {
	t.Parallel()
	plain := NewWorld(Options{Seed: 9, Orders: 40})
	later := NewWorld(Options{Seed: 9, Orders: 40, LaterOrders: 3})
	if len(later.Orders) != len(plain.Orders)+3*len(plain.Stores) {
		t.Fatalf("%d orders with 3 later per store, %d without, %d stores", len(later.Orders), len(plain.Orders), len(plain.Stores))
	}
	for _, o := range plain.Orders {
		a, _ := json.Marshal(o)
		b, _ := json.Marshal(later.Order(o.ID))
		if string(a) != string(b) {
			t.Fatalf("order %s differs:\n%s\n%s", o.ID, a, b)
		}
	}
	a, _ := json.Marshal(plain.Threads)
	b, _ := json.Marshal(later.Threads)
	if string(a) != string(b) {
		t.Error("the threads differ with later orders")
	}
	for _, st := range later.Stores {
		orders := later.StoreOrders(st.ID)
		for i, o := range orders[:3] {
			if !o.Placed.After(DefaultStart) || !o.Shipped || !o.ShipDate.After(o.Placed) || later.Parcel(o.TrackingNumber) == nil {
				t.Errorf("store %s later order %d: %+v", st.ID, i, o)
			}
			if i > 0 && !o.Placed.Before(orders[i-1].Placed) {
				t.Errorf("store %s: later orders not newest first", st.ID)
			}
		}
		if orders[3].Placed.After(DefaultStart) {
			t.Errorf("store %s has more than 3 later orders", st.ID)
		}
	}
	// As the sites show it: not before it is placed, without its parcel
	// before it ships.
	o := later.StoreOrders("amazon")[2]
	if o.PlacedBy(o.Placed.Add(-time.Minute)) || !o.PlacedBy(o.Placed) {
		t.Error("PlacedBy does not turn at the order's placing")
	}
	if v := o.At(o.ShipDate.Add(-time.Minute)); v.Shipped || v.TrackingNumber != "" || v.Carrier != "" || !v.ShipDate.IsZero() {
		t.Errorf("before its ship date: %+v", v)
	}
	if v := o.At(o.ShipDate); v != o {
		t.Errorf("on its ship date: %+v", v)
	}
}

func TestAmazonOrderListShowsLaterOrdersWhenPlaced(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, Options{Seed: 3, Orders: 20, LaterOrders: 1})
	o := sb.World().StoreOrders("amazon")[0]
	var c *http.Client
	list := func() string {
		t.Helper()
		// Signed in afresh: a session ends as the clock moves on.
		var resp *http.Response
		c, resp = amazonLogin(t, sb, "")
		resp.Body.Close()
		code, body := get(t, c, sb.URL("amazon")+"/orders?page=1")
		if code != 200 {
			t.Fatalf("orders page: %d", code)
		}
		return body
	}
	if strings.Contains(list(), o.ID) {
		t.Fatalf("order %s placed at %s is listed at %s", o.ID, o.Placed, sb.Now())
	}
	sb.Advance(o.Placed.Sub(sb.Now()))
	body := list()
	if !strings.Contains(body, o.ID) || strings.Contains(body, o.TrackingNumber) {
		t.Fatalf("once placed, order %s is not listed without its parcel", o.ID)
	}
	sb.Advance(o.ShipDate.Sub(sb.Now()))
	if body := list(); !strings.Contains(body, o.TrackingNumber) {
		t.Fatalf("once shipped, order %s is listed without tracking number %s", o.ID, o.TrackingNumber)
	}
	if _, body := get(t, c, sb.URL("amazon")+"/orders?q="+o.ID); !strings.Contains(body, o.TrackingNumber) {
		t.Error("the order search does not find the new order")
	}
	if n := sb.State().Requests["amazon.orders_list"]; n != 3 {
		t.Errorf("%d order list pages counted, want 3 (the search is not one)", n)
	}
}

// ttClient signs in to the tiktok seller centre over plain HTTP.
func ttClient(t *testing.T, sb *Sandbox) *http.Client {
	t.Helper()
	c := jarClient(false)
	_, _ = get(t, c, sb.URL("tiktok")+"/login")
	u, _ := url.Parse(sb.URL("tiktok"))
	var csrf string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "csrf-tiktok" {
			csrf = ck.Value
		}
	}
	acct := sb.Account("tiktok")
	for _, step := range []struct{ path, body string }{
		{"/api/passport/login", `{"email":"` + acct.Username + `","password":"` + acct.Password + `"}`},
		{"/api/passport/otp", `{"code":"` + totpNow(t, acct.TOTPSecret) + `"}`},
	} {
		req, _ := http.NewRequest("POST", sb.URL("tiktok")+step.path, strings.NewReader(step.body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", step.path, resp.StatusCode)
		}
	}
	return c
}

type ttSearchAnswer struct {
	Code int `json:"code"`
	Data struct {
		Orders        []ttOrder `json:"orders"`
		NextPageToken *string   `json:"next_page_token"`
		TotalCount    int       `json:"total_count"`
	} `json:"data"`
}

func ttSearch(t *testing.T, c *http.Client, sb *Sandbox, query, body string) (int, ttSearchAnswer) {
	t.Helper()
	req, _ := http.NewRequest("POST", sb.URL("tiktok")+"/api/order/202309/orders/search?"+query, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var out ttSearchAnswer
	if resp.StatusCode == 200 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("search answer: %v\n%s", err, b)
		}
	}
	return resp.StatusCode, out
}

func TestTiktokSearchOrders(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, Options{Seed: 4, Orders: 70, LaterOrders: 2})
	c := ttClient(t, sb)
	now := sb.Now()
	visible := map[string]*Order{}
	for _, o := range sb.World().StoreOrders("tiktok") {
		if o.PlacedBy(now) {
			visible[o.ID] = o
		}
	}
	// Every visible order once, newest first, across pages of 30.
	seen := map[string]bool{}
	token, pages := "", 0
	var last int64
	for {
		code, a := ttSearch(t, c, sb, "page_size=30&sort_field=create_time&sort_order=DESC&page_token="+url.QueryEscape(token), `{}`)
		if code != 200 || a.Code != 0 || a.Data.NextPageToken == nil || a.Data.TotalCount != len(visible) {
			t.Fatalf("page %d: %d %+v", pages+1, code, a)
		}
		pages++
		for _, o := range a.Data.Orders {
			if visible[o.ID] == nil || seen[o.ID] {
				t.Errorf("order %s listed: visible %v, seen before %v", o.ID, visible[o.ID] != nil, seen[o.ID])
			}
			if last != 0 && o.CreateTime > last {
				t.Errorf("order %s is not newest first", o.ID)
			}
			seen[o.ID], last = true, o.CreateTime
		}
		if token = *a.Data.NextPageToken; token == "" {
			break
		}
	}
	if len(seen) != len(visible) || pages != (len(visible)+29)/30 {
		t.Errorf("%d orders on %d pages, want %d on %d", len(seen), pages, len(visible), (len(visible)+29)/30)
	}
	if n := sb.State().Requests["tiktok.orders_search"]; n != pages {
		t.Errorf("%d search pages counted, want %d", n, pages)
	}

	// update_time_ge: the later order once placed, and again once shipped.
	o := sb.World().StoreOrders("tiktok")[1]
	body := `{"update_time_ge": ` + strconv.FormatInt(now.Unix(), 10) + `}`
	if _, a := ttSearch(t, c, sb, "page_size=100", body); len(a.Data.Orders) != 0 {
		t.Errorf("%d orders updated since the start before the clock moved", len(a.Data.Orders))
	}
	sb.Advance(o.Placed.Sub(sb.Now()))
	c = ttClient(t, sb) // a session ends as the clock moves on
	_, a := ttSearch(t, c, sb, "page_size=100", body)
	if len(a.Data.Orders) != 1 || a.Data.Orders[0].ID != o.ID || a.Data.Orders[0].TrackingNumber != "" || a.Data.Orders[0].UpdateTime != o.Placed.Unix() {
		t.Fatalf("updated since the start, once the order is placed: %+v", a.Data.Orders)
	}
	sb.Advance(o.ShipDate.Sub(sb.Now()))
	c = ttClient(t, sb)
	_, a = ttSearch(t, c, sb, "page_size=100", body)
	var got *ttOrder
	for i, x := range a.Data.Orders {
		if x.ID == o.ID {
			got = &a.Data.Orders[i]
		} else if w := sb.World().Order(x.ID); w == nil || !w.Placed.After(now) {
			t.Errorf("order %s is listed as updated since the start", x.ID)
		}
	}
	if got == nil || got.TrackingNumber != o.TrackingNumber || got.UpdateTime != o.ShipDate.Unix() ||
		len(got.LineItems) != 1 || got.LineItems[0].TrackingNumber != o.TrackingNumber {
		t.Fatalf("updated since the start, once the order shipped: %+v", a.Data.Orders)
	}

	for _, q := range []string{"", "page_size=0", "page_size=101", "page_size=10&sort_field=price", "page_size=10&page_token=bogus"} {
		if code, _ := ttSearch(t, c, sb, q, `{}`); code != http.StatusBadRequest {
			t.Errorf("search %q: %d, want 400", q, code)
		}
	}
}

var srtField = regexp.MustCompile(`name="srt" value="([^"]+)"`)

// ebayClient signs in to the ebay site over plain HTTP.
func ebayClient(t *testing.T, sb *Sandbox) *http.Client {
	t.Helper()
	c := jarClient(true)
	base := sb.URL("ebay")
	acct := sb.Account("ebay")
	_, body := get(t, c, base+"/signin")
	m := srtField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("sign-in page has no srt:\n%s", body)
	}
	resp, err := c.PostForm(base+"/signin", url.Values{"srt": {m[1]}, "userid": {acct.Username}, "pass": {acct.Password}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if m = srtField.FindStringSubmatch(string(b)); m == nil {
		t.Fatalf("no one-time-code step (status %d)", resp.StatusCode)
	}
	resp, err = c.PostForm(base+"/signin/otp", url.Values{"srt": {m[1]}, "otp": {totpNow(t, acct.TOTPSecret)}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return c
}

// Seller Hub's orders answer in getOrders' shape under the seller's
// session, and nothing without one.
func TestEbaySellerHubOrders(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, Options{Seed: 6, Orders: 30, LaterOrders: 1})
	u := sb.URL("ebay") + "/sh/ord/api/order?filter=" + url.QueryEscape("lastmodifieddate:[2025-01-01T00:00:00.000Z..]") + "&limit=200"
	if code, body := get(t, jarClient(false), u); code != http.StatusUnauthorized || !strings.Contains(body, "not_signed_in") {
		t.Fatalf("without a session: %d %s", code, body)
	}
	c := ebayClient(t, sb)
	code, body := get(t, c, u)
	var page struct {
		Orders []struct {
			OrderID                string `json:"orderId"`
			OrderFulfillmentStatus string `json:"orderFulfillmentStatus"`
		} `json:"orders"`
		Total int `json:"total"`
	}
	if err := json.Unmarshal([]byte(body), &page); code != 200 || err != nil || page.Total != 30 || len(page.Orders) != 30 {
		t.Fatalf("orders: %d %v total %d, %d orders", code, err, page.Total, len(page.Orders))
	}
	o := sb.World().Order(page.Orders[0].OrderID)
	if o == nil || o.Placed.After(sb.Now()) {
		t.Fatalf("listed %s, not a visible order", page.Orders[0].OrderID)
	}
	for _, x := range page.Orders {
		if w := sb.World().Order(x.OrderID); w.Shipped && x.OrderFulfillmentStatus == "FULFILLED" {
			_, body := get(t, c, sb.URL("ebay")+"/sh/ord/api/order/"+x.OrderID+"/shipping_fulfillment")
			if !strings.Contains(body, w.TrackingNumber) {
				t.Errorf("order %s: fulfilments without tracking number %s: %s", x.OrderID, w.TrackingNumber, body)
			}
			break
		}
	}
	if n := sb.State().Requests["ebay.orders_list"]; n != 1 {
		t.Errorf("%d order list pages counted, want 1 (the one refused for want of a session is not)", n)
	}
}
