package tiktok

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/apierr"
)

// Two pages of Get Order List, in the published shape: the filter rides in
// the body, the page in the query, and the walk follows next_page_token to
// the empty one. Money is read in the currency's minor units (JPY has
// none), the parcel from the package its line items name.
func TestOrdersUpdatedSince(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	f.handlers["POST /order/202309/orders/search"] = func(w http.ResponseWriter, r *http.Request, body []byte) {
		q := r.URL.Query()
		var b map[string]int64
		if err := json.Unmarshal(body, &b); err != nil || b["update_time_ge"] != 1699990000 {
			t.Errorf("body %s", body)
		}
		if q.Get("page_size") != "100" || q.Get("sort_field") != "update_time" || q.Get("sort_order") != "ASC" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		if q.Get("page_token") == "" {
			writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "tok2", "total_count": 2, "orders": []any{
				map[string]any{"id": "576001", "status": "IN_TRANSIT", "create_time": 1699990100, "update_time": 1699995000, "rts_time": 1699994000,
					"warehouse_id": "7201", "recipient_address": map[string]string{"name": "Aiko", "region_code": "JP"},
					"payment":  map[string]string{"currency": "JPY", "total_amount": "4900"},
					"packages": []map[string]string{{"id": "1150"}},
					"line_items": []map[string]any{{"id": "5760011", "sku_id": "17", "seller_sku": "MUG-1", "product_name": "Mug", "sale_price": "4900",
						"currency": "JPY", "package_id": "1150", "tracking_number": "1Z999AA10123456784", "shipping_provider_name": "UPS", "rts_time": 1699994000}}},
			}})
			return
		}
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "", "total_count": 2, "orders": []any{
			map[string]any{"id": "576002", "status": "AWAITING_SHIPMENT", "create_time": 1699996000, "update_time": 1699996000,
				"payment": map[string]string{"currency": "GBP", "total_amount": "12.50"}, "packages": []any{},
				"line_items": []map[string]any{{"id": "5760021", "product_name": "Scarf", "sale_price": "12.50", "currency": "GBP"}}},
		}})
	}
	got, err := c.OrdersUpdatedSince(testwait.Context(t), time.Unix(1699990000, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d orders", len(got))
	}
	a, b := got[0], got[1]
	if a.Total.Minor() != 4900 || a.Total.Currency() != "JPY" || a.ShipToCountry != "JP" || a.Buyer != "Aiko" {
		t.Errorf("first order %+v", a)
	}
	if len(a.Packages) != 1 || a.Packages[0].TrackingNumber != "1Z999AA10123456784" || a.Packages[0].ShippingProvider != "UPS" ||
		!a.Packages[0].ShipTime.Equal(time.Unix(1699994000, 0)) {
		t.Errorf("packages %+v", a.Packages)
	}
	if len(a.Items) != 1 || a.Items[0].SellerSKU != "MUG-1" || a.Items[0].SalePrice.Minor() != 4900 {
		t.Errorf("items %+v", a.Items)
	}
	if b.Total.Minor() != 1250 || len(b.Packages) != 0 || b.Items[0].SalePrice.Minor() != 1250 {
		t.Errorf("second order %+v", b)
	}
}

// A line item naming a package the order does not list is another shape.
func TestOrderUnknownPackage(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	f.handlers["POST /order/202309/orders/search"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "", "orders": []any{
			map[string]any{"id": "1", "create_time": 1, "update_time": 1, "payment": map[string]string{"currency": "USD", "total_amount": "1.00"},
				"packages": []any{}, "line_items": []map[string]any{{"id": "11", "package_id": "99"}}}}})
	}
	if _, err := c.SearchOrders(testwait.Context(t), time.Unix(0, 0), PageSize, ""); apierr.ClassOf(err) != apierr.SiteError {
		t.Fatalf("%v, want site_error", err)
	}
}

// Conversations and their messages read in pages; the buyer is the BUYER
// participant; content is JSON in a string, read by type.
func TestConversationsAndMessages(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	f.handlers["GET /customer_service/202309/conversations"] = func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("page_size") != "20" {
			t.Errorf("page_size %s", r.URL.Query().Get("page_size"))
		}
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "", "conversations": []any{
			map[string]any{"id": "c1", "create_time": 1700000000, "unread_count": 1, "can_send_message": true, "participant_count": 2,
				"participants":   []map[string]string{{"role": "SHOP", "nickname": "My shop"}, {"role": "BUYER", "nickname": "Aiko", "user_id": "u1"}},
				"latest_message": map[string]any{"id": "m2", "create_time": 1700000100, "type": "TEXT", "content": `{"content":"hi"}`}}}})
	}
	f.handlers["GET /customer_service/202309/conversations/c1/messages"] = func(w http.ResponseWriter, r *http.Request, _ []byte) {
		q := r.URL.Query()
		if q.Get("page_size") != "10" || q.Get("sort_order") != "ASC" {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		buyer := map[string]string{"role": "BUYER", "nickname": "Aiko", "im_user_id": "im1"}
		if q.Get("page_token") == "" {
			writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "p2", "messages": []any{
				map[string]any{"id": "m0", "type": "BUYER_ENTER_FROM_ORDER", "content": `{"order_id":"576001"}`, "create_time": 1700000000, "is_visible": true, "sender": buyer},
				map[string]any{"id": "m1", "type": "TEXT", "content": `{"content":"Where is my parcel?"}`, "create_time": 1700000001, "is_visible": true, "sender": buyer},
			}})
			return
		}
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"next_page_token": "", "messages": []any{
			map[string]any{"id": "m2", "type": "IMAGE", "content": `{"url":"https://img.example/p.png","width":"10","height":"10"}`, "create_time": 1700000002, "is_visible": true, "sender": buyer},
			map[string]any{"id": "m3", "type": "NOTIFICATION", "content": `{"content":"rate us"}`, "create_time": 1700000003, "is_visible": false, "sender": map[string]string{"role": "SYSTEM"}},
		}})
	}
	ctx := testwait.Context(t)
	convs, err := c.Conversations(ctx, 10)
	if err != nil || len(convs) != 1 || convs[0].Buyer != "Aiko" || convs[0].BuyerUserID != "u1" || !convs[0].LatestAt.Equal(time.Unix(1700000100, 0)) {
		t.Fatalf("conversations %+v, %v", convs, err)
	}
	ms, err := c.Messages(ctx, "c1", 10)
	if err != nil || len(ms) != 4 {
		t.Fatalf("messages %+v, %v", ms, err)
	}
	if ms[0].OrderID != "576001" || ms[1].Text != "Where is my parcel?" || ms[2].ImageURL != "https://img.example/p.png" || ms[3].Visible {
		t.Errorf("messages %+v", ms)
	}
}

// Send Message posts {type: TEXT, content: "{\"content\": ...}"} and is
// not sent again after a 5xx: the caller asks first.
func TestSendText(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	calls := 0
	fail := false
	f.handlers["POST /customer_service/202309/conversations/c1/messages"] = func(w http.ResponseWriter, _ *http.Request, body []byte) {
		calls++
		var b struct{ Type, Content string }
		if err := json.Unmarshal(body, &b); err != nil || b.Type != "TEXT" || b.Content != `{"content":"On its way"}` {
			t.Errorf("body %s", body)
		}
		if fail {
			writeEnv(w, http.StatusInternalServerError, CodeInternal, "Internal error", nil)
			return
		}
		writeEnv(w, http.StatusOK, 0, "success", map[string]string{"message_id": "m9"})
	}
	ctx := testwait.Context(t)
	id, err := c.SendText(ctx, "c1", "On its way")
	if err != nil || id != "m9" {
		t.Fatalf("%q, %v", id, err)
	}
	fail = true
	if _, err := c.SendText(ctx, "c1", "On its way"); apierr.ClassOf(err) != apierr.SiteError || apierr.ClassOf(err).Refused() {
		t.Fatalf("%v, want an unsure site_error", err)
	}
	if calls != 2 {
		t.Fatalf("%d sends, want 2 (no retry after a 5xx)", calls)
	}
	if _, err := c.SendText(ctx, "c1", strings.Repeat("x", MaxText+1)); apierr.ClassOf(err) != apierr.BadInput {
		t.Fatalf("%v, want bad_input", err)
	}
}
