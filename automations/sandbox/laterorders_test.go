package sandbox

import (
	"encoding/json"
	"net/http"
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
