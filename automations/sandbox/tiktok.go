package sandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// The tiktok site is a chat-style single-page seller centre: the login and
// the chat talk to JSON endpoints; messages arrive in a scrolling pane.

type ttEnvelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

type ttConv struct {
	ConversationID string `json:"conversation_id"`
	OrderID        string `json:"order_id"`
	BuyerName      string `json:"buyer_name"`
	Subject        string `json:"subject"`
	Lang           string `json:"lang"`
	Status         string `json:"status"`
	LastMessageAt  int64  `json:"last_message_time"` // unix seconds
	ReplyDeadline  int64  `json:"reply_deadline"`    // unix seconds; 0 when none
	Preview        string `json:"preview"`
}

type ttMsg struct {
	MessageID  string   `json:"message_id"`
	Sender     string   `json:"sender"` // BUYER or SELLER
	Content    string   `json:"content"`
	ClientRef  string   `json:"client_ref,omitempty"`
	CreateTime int64    `json:"create_time"`
	Images     []string `json:"images,omitempty"`
}

const ttPageSize = 50

func ttOK(w http.ResponseWriter, data any) {
	writeJSON(w, http.StatusOK, ttEnvelope{Code: 0, Message: "success", Data: data})
}

func ttFail(w http.ResponseWriter, status, code int, msg string) {
	writeJSON(w, status, ttEnvelope{Code: code, Message: msg})
}

func mountTiktok(s *site) {
	sb := s.sb
	s.handle("GET /{$}", kindPage, func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/chat", http.StatusSeeOther) })
	s.handle("GET /login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		s.render(w, r, http.StatusOK, "tiktok/login", map[string]any{"Title": "TikTok Shop Seller Center", "CSRF": csrfIssue(w, s.name),
			"Expired": r.URL.Query().Get("expired") != ""})
	})
	s.handle("POST /api/passport/login", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "signin", kindXHR) {
			return
		}
		var req struct{ Email, Password string }
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req)
		c, err := r.Cookie("csrf-" + s.name)
		if err != nil || c.Value == "" || r.Header.Get("X-CSRF-Token") != c.Value {
			sb.st.login(s.name, func(l *Logins) { l.BadCSRF++ })
			ttFail(w, http.StatusForbidden, 10003, "Security check failed. Refresh the page and try again.")
			return
		}
		acct, ok := sb.storeForUser("tiktok", strings.TrimSpace(req.Email))
		if !ok || acct.Password != req.Password {
			sb.st.login(s.name, func(l *Logins) { l.BadPassword++ })
			ttFail(w, http.StatusUnauthorized, 10001, "Incorrect account or password.")
			return
		}
		ss := s.newSession(acct.Name, acct.Username, true)
		s.setSessionCookie(w, ss)
		ttOK(w, map[string]any{"next": "otp"})
	})
	s.handle("POST /api/passport/otp", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if s.stepFault(w, r, "otp", kindXHR) {
			return
		}
		var req struct{ Code string }
		_ = json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req)
		ss, _ := s.anySession(r)
		if ss == nil || !ss.pending {
			ttFail(w, http.StatusUnauthorized, 10004, "Your login attempt expired. Start again.")
			return
		}
		if sb.faultsFor(s.name).RejectTOTP || !checkTOTP(req.Code, sb.accounts[ss.store].TOTPSecret) {
			sb.st.login(s.name, func(l *Logins) { l.TOTPRejected++ })
			ttFail(w, http.StatusUnauthorized, 10002, "Verification code is incorrect.")
			return
		}
		s.dropSession(ss.token)
		s.setSessionCookie(w, s.newSession(ss.store, ss.user, false))
		sb.st.login(s.name, func(l *Logins) { l.Succeeded++ })
		ttOK(w, map[string]any{"redirect": "/chat"})
	})
	s.handle("GET /logout", kindLogin, func(w http.ResponseWriter, r *http.Request) {
		if ss, _ := s.anySession(r); ss != nil {
			s.dropSession(ss.token)
		}
		http.Redirect(w, r, "/login", http.StatusSeeOther)
	})
	xhr := func(h func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			ss, expired := s.session(r)
			if ss == nil {
				msg := "Please log in."
				if expired {
					msg = "Session expired. Please log in again."
				}
				ttFail(w, http.StatusUnauthorized, 40101, msg)
				return
			}
			h(w, r, ss)
		}
	}
	mountTiktokOrders(s, xhr)
	s.handle("GET /chat", kindPage, func(w http.ResponseWriter, r *http.Request) {
		ss, expired := s.session(r)
		if ss == nil {
			loginRedirect(w, r, "/login", expired)
			return
		}
		s.render(w, r, http.StatusOK, "tiktok/chat", map[string]any{"Title": "Customer messages - TikTok Shop", "User": ss.user, "CSRF": ss.csrf})
	})
	s.handle("GET /api/im/conversations", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		all := sb.storeThreads(ss.store, now)
		cur, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
		cur = max(0, min(cur, len(all)))
		end := min(cur+ttPageSize, len(all))
		list := make([]ttConv, 0, end-cur)
		for _, v := range all[cur:end] {
			t := sb.world.Thread(v.ID)
			c := ttConv{ConversationID: v.ID, OrderID: v.OrderID, BuyerName: v.Buyer, Subject: v.Subject, Lang: v.Lang,
				Status: v.Status, LastMessageAt: v.Received.Unix()}
			if !v.Due.IsZero() {
				c.ReplyDeadline = v.Due.Unix()
			}
			if ms := t.VisibleMessages(now); len(ms) > 0 {
				c.Preview = truncate(ms[len(ms)-1].Body, 60)
			}
			list = append(list, c)
		}
		next := ""
		if end < len(all) {
			next = strconv.Itoa(end)
		}
		ttOK(w, map[string]any{"conversations": list, "has_more": next != "", "next_cursor": next, "total": len(all)})
	}))
	s.handle("GET /api/im/conversations/{id}/messages", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil {
			ttFail(w, http.StatusNotFound, 20001, "Conversation not found: "+r.PathValue("id"))
			return
		}
		v := sb.viewThread(t, now, true)
		ttOK(w, map[string]any{"conversation_id": t.ID, "order_id": t.OrderID, "status": v.Status, "messages": ttMessages(v)})
	}))
	s.handle("POST /api/im/conversations/{id}/messages", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		var req struct {
			Content   string `json:"content"`
			ClientRef string `json:"client_ref"`
		}
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&req); err != nil {
			ttFail(w, http.StatusBadRequest, 30001, "Request body must be JSON {content, client_ref}: "+err.Error())
			return
		}
		if r.Header.Get("X-CSRF-Token") != ss.csrf {
			ttFail(w, http.StatusForbidden, 10003, "Security check failed. Refresh the page and try again.")
			return
		}
		now := sb.Now()
		t := sb.threadOf(ss.store, r.PathValue("id"), now)
		if t == nil {
			ttFail(w, http.StatusNotFound, 20001, "Conversation not found: "+r.PathValue("id"))
			return
		}
		if strings.TrimSpace(req.Content) == "" {
			ttFail(w, http.StatusBadRequest, 30002, "Message content is empty.")
			return
		}
		rep := sb.addReply(t, Reply{ThreadID: t.ID, StoreID: ss.store, Body: strings.TrimSpace(req.Content), Ref: strings.TrimSpace(req.ClientRef), At: now})
		ttOK(w, ttMsg{MessageID: rep.ID, Sender: "SELLER", Content: rep.Body, ClientRef: rep.Ref, CreateTime: rep.At.Unix()})
	}))
	s.handle("GET /api/im/images/{id}", kindAsset, func(w http.ResponseWriter, r *http.Request) {
		ss, _ := s.session(r)
		if ss == nil {
			ttFail(w, http.StatusUnauthorized, 40101, "Please log in.")
			return
		}
		s.serveAttachment(w, r, ss.store)
	})
}

func ttMessages(v threadView) []ttMsg {
	out := make([]ttMsg, 0, len(v.Messages))
	for _, m := range v.Messages {
		tm := ttMsg{MessageID: m.ID, Sender: strings.ToUpper(m.From), Content: m.Body, ClientRef: m.Ref, CreateTime: m.Time.Unix()}
		for _, a := range m.Attachments {
			tm.Images = append(tm.Images, "/api/im/images/"+a.ID)
		}
		out = append(out, tm)
	}
	return out
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// TikTok Shop orders, in the shape of the Open API's Get Order Detail
// (GET /order/202309/orders?ids=..., at most 50 ids; each order has
// recipient_address.region_code, payment.currency and total_amount as
// decimal text, packages[].id, and line_items[] carrying package_id,
// tracking_number and shipping_provider_name) and Get Warehouse List
// (GET /logistics/202309/warehouses; address.region_code), named as in the
// TikTok Shop Partner Center API reference (version 202309). The field names
// were read from public descriptions of that API (published JSON schemas and
// connector documentation), not from the reference page itself, which could
// not be reached here: check them against it before relying on them. The
// seller centre serves them under /api.

type ttAddress struct {
	RegionCode string `json:"region_code"`
	PostalCode string `json:"postal_code,omitempty"`
	City       string `json:"city,omitempty"`
	Name       string `json:"name,omitempty"`
}

type ttLineItem struct {
	ID                   string `json:"id"`
	ProductName          string `json:"product_name"`
	SalePrice            string `json:"sale_price"`
	Currency             string `json:"currency"`
	PackageID            string `json:"package_id,omitempty"`
	TrackingNumber       string `json:"tracking_number,omitempty"`
	ShippingProviderName string `json:"shipping_provider_name,omitempty"`
	RTSTime              int64  `json:"rts_time,omitempty"`
}

type ttOrder struct {
	ID               string       `json:"id"`
	Status           string       `json:"status"`
	CreateTime       int64        `json:"create_time"`
	UpdateTime       int64        `json:"update_time"`
	RTSTime          int64        `json:"rts_time,omitempty"` // when the seller handed the parcel over
	WarehouseID      string       `json:"warehouse_id"`
	RecipientAddress ttAddress    `json:"recipient_address"`
	Payment          ttPayment    `json:"payment"`
	Packages         []ttPackage  `json:"packages"`
	LineItems        []ttLineItem `json:"line_items"`
	TrackingNumber   string       `json:"tracking_number,omitempty"`
	ShippingProvider string       `json:"shipping_provider,omitempty"`
}

type ttPayment struct {
	Currency    string `json:"currency"`
	TotalAmount string `json:"total_amount"`
}

type ttPackage struct {
	ID string `json:"id"`
}

type ttWarehouse struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Type    string    `json:"type"`
	Address ttAddress `json:"address"`
}

// ttProviderNames are the shipping_provider_name values TikTok Shop shows
// for the sandbox's carriers.
var ttProviderNames = map[string]string{"ups": "UPS", "fedex": "FedEx", "usps": "USPS", "dhl": "DHL Express"}

// ttWarehouses are the seller's warehouses: one per place parcels leave
// from.
func ttWarehouses() []ttWarehouse {
	out := make([]ttWarehouse, 0, len(origins))
	for i, p := range origins {
		out = append(out, ttWarehouse{ID: fmt.Sprintf("72%02d%014d", i+1, 7350), Name: p.City + " warehouse", Type: "SALES_WAREHOUSE",
			Address: ttAddress{RegionCode: p.Country, PostalCode: p.Postal, City: p.City}})
	}
	return out
}

func ttWarehouseOf(p Place) string {
	for _, w := range ttWarehouses() {
		if w.Address.City == p.City && w.Address.RegionCode == p.Country {
			return w.ID
		}
	}
	return ""
}

// ttOrder is the order as TikTok Shop shows it at now: unshipped before
// its ship date, and updated last when it was placed or shipped.
func (sb *Sandbox) ttOrder(o *Order, now time.Time) ttOrder {
	total := money.FormatDecimal(o.Value, o.Currency)
	t := ttOrder{ID: o.ID, Status: "AWAITING_SHIPMENT", CreateTime: o.Placed.Unix(), UpdateTime: spUpdated(o, now).Unix(),
		WarehouseID: ttWarehouses()[0].ID, Payment: ttPayment{Currency: o.Currency, TotalAmount: total}, Packages: []ttPackage{}}
	o = o.At(now)
	li := ttLineItem{ID: o.ID + "1", ProductName: o.Item, SalePrice: total, Currency: o.Currency}
	if p := sb.world.Parcel(o.TrackingNumber); o.Shipped && p != nil {
		pkg := "11" + o.ID[2:]
		t.Status = "IN_TRANSIT"
		if p.State == ParcelDelivered || p.State == ParcelDamaged {
			t.Status = "DELIVERED"
		}
		t.RTSTime = o.ShipDate.Unix()
		t.WarehouseID = ttWarehouseOf(p.Origin)
		t.RecipientAddress = ttAddress{RegionCode: p.Destination.Country, PostalCode: p.Destination.Postal, City: p.Destination.City, Name: o.Buyer}
		t.Packages = []ttPackage{{ID: pkg}}
		t.TrackingNumber, t.ShippingProvider = o.TrackingNumber, ttProviderNames[o.Carrier]
		li.PackageID, li.TrackingNumber, li.ShippingProviderName, li.RTSTime = pkg, o.TrackingNumber, ttProviderNames[o.Carrier], o.ShipDate.Unix()
	} else if len(langPlaces[o.Lang]) > 0 {
		t.RecipientAddress = ttAddress{RegionCode: langPlaces[o.Lang][0].Country, Name: o.Buyer}
	}
	t.LineItems = []ttLineItem{li}
	return t
}

func mountTiktokOrders(s *site, xhr func(func(http.ResponseWriter, *http.Request, *session)) http.HandlerFunc) {
	sb := s.sb
	s.handle("GET /api/order/202309/orders", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		ids := strings.Split(r.URL.Query().Get("ids"), ",")
		if len(ids) == 0 || ids[0] == "" || len(ids) > 50 {
			ttFail(w, http.StatusBadRequest, 36009004, "ids must name 1 to 50 orders")
			return
		}
		list := []ttOrder{}
		now := sb.Now()
		for _, id := range ids {
			o := sb.world.Order(strings.TrimSpace(id))
			if o == nil || o.StoreID != ss.store || !o.PlacedBy(now) {
				continue // TikTok leaves out ids it does not know
			}
			list = append(list, sb.ttOrder(o, now))
		}
		ttOK(w, map[string]any{"orders": list})
	}))
	s.handle("POST /api/order/202309/orders/search", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		sb.ttSearchOrders(w, r, ss.store)
	}))
	s.handle("GET /api/logistics/202309/warehouses", kindXHR, xhr(func(w http.ResponseWriter, r *http.Request, ss *session) {
		ttOK(w, map[string]any{"warehouses": ttWarehouses()})
	}))
}

// TikTok Shop's Search Orders (Get Order List, 202309: POST
// /order/202309/orders/search), as the Open API publishes it: page_size
// (1 to 100, required), page_token, sort_field (create_time or
// update_time) and sort_order (ASC or DESC) in the query; the filters in
// the JSON body, among them create_time_ge, create_time_lt, update_time_ge
// and update_time_lt in Unix seconds ("ge" at or after, "lt" before); the
// answer's data holds orders in Get Order Detail's shape, next_page_token
// ("" on the last page) and total_count. Sources: TikTok Shop's Node.js
// SDK models (OrderV202309Api.OrdersSearchPost,
// Order202309GetOrderListRequestBody, Order202309GetOrderListResponseData)
// and Workato's TikTok Shop connector reference
// (docs.workato.com/en/connectors/tiktok-shop/search-records-action.html).
// The seller centre serves it under /api, under the seller's session.

// ttSearchPageMax is Search Orders' largest page_size.
const ttSearchPageMax = 100

type ttSearchBody struct {
	CreateTimeGe int64 `json:"create_time_ge"`
	CreateTimeLt int64 `json:"create_time_lt"`
	UpdateTimeGe int64 `json:"update_time_ge"`
	UpdateTimeLt int64 `json:"update_time_lt"`
}

func (sb *Sandbox) ttSearchOrders(w http.ResponseWriter, r *http.Request, store string) {
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<16))
	data, code, msg := sb.ttOrderSearch(r.URL.Query(), body, store)
	if code != 0 {
		ttFail(w, http.StatusBadRequest, code, msg)
		return
	}
	ttOK(w, data)
}

// ttOrderSearch answers Search Orders for the store: its data, or the
// error code and message that refuse the query.
func (sb *Sandbox) ttOrderSearch(q url.Values, raw []byte, store string) (map[string]any, int, string) {
	size, err := strconv.Atoi(q.Get("page_size"))
	if err != nil || size < 1 || size > ttSearchPageMax {
		return nil, 36009004, "page_size must be 1 to 100"
	}
	field := q.Get("sort_field")
	if field == "" {
		field = "create_time"
	}
	order := strings.ToUpper(q.Get("sort_order"))
	if order == "" {
		order = "DESC"
	}
	if (field != "create_time" && field != "update_time") || (order != "ASC" && order != "DESC") {
		return nil, 36009004, "sort_field must be create_time or update_time, sort_order ASC or DESC"
	}
	var body ttSearchBody
	if len(raw) != 0 {
		if err := json.Unmarshal(raw, &body); err != nil {
			return nil, 36009004, "the request body must be JSON: " + err.Error()
		}
	}
	now := sb.Now()
	in := func(t, ge, lt int64) bool { return (ge == 0 || t >= ge) && (lt == 0 || t < lt) }
	var match []ttOrder
	for _, o := range sb.world.StoreOrders(store) {
		if !o.PlacedBy(now) {
			continue
		}
		t := sb.ttOrder(o, now)
		if in(t.CreateTime, body.CreateTimeGe, body.CreateTimeLt) && in(t.UpdateTime, body.UpdateTimeGe, body.UpdateTimeLt) {
			match = append(match, t)
		}
	}
	key := func(t ttOrder) int64 { return t.CreateTime }
	if field == "update_time" {
		key = func(t ttOrder) int64 { return t.UpdateTime }
	}
	sort.SliceStable(match, func(i, j int) bool {
		if order == "ASC" {
			return key(match[i]) < key(match[j])
		}
		return key(match[i]) > key(match[j])
	})
	from := 0
	if tok := q.Get("page_token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if from, err = strconv.Atoi(strings.TrimPrefix(string(b), "orders:")); err != nil || from < 0 || from > len(match) {
			return nil, 36009004, "page_token is not valid"
		}
	}
	end := min(from+size, len(match))
	next := ""
	if end < len(match) {
		next = base64.RawURLEncoding.EncodeToString([]byte("orders:" + strconv.Itoa(end)))
	}
	sb.st.count("tiktok.orders_search")
	return map[string]any{"orders": append([]ttOrder{}, match[from:end]...), "next_page_token": next, "total_count": len(match)}, 0, ""
}
