package marketplace

import (
	"cmp"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
)

// tiktokSite is TikTok Shop's chat seller centre: a single-page app over
// JSON endpoints wrapped in {code, message, data}.
type tiktokSite struct{}

// login fills the two forms of the one sign-in page; its script posts
// them as JSON and moves to the chat when both pass.
func (tiktokSite) login(p *rod.Page, s *session, c credentials) error {
	r := s.recipe
	login, err := r.URL("login")
	if err != nil {
		return err
	}
	if err := automations.Navigate(p, login); err != nil {
		return err
	}
	if err := s.captchaGate(p); err != nil {
		return err
	}
	if err := typeInto(p, r, "login.username", c.user); err != nil {
		return err
	}
	if err := typeInto(p, r, "login.password", c.password); err != nil {
		return err
	}
	if err := click(p, r, "login.submit"); err != nil {
		return err
	}
	out, err := waitFor(p, []cond{errorPageCond(r), {Name: "totp", Sel: optSel(r, "login.totp")}, {Name: "error", Sel: optSel(r, "login.error"), Text: true}})
	if err != nil {
		return err
	}
	if out == errorPage {
		return errorPageFailure(p, r, "the password step")
	}
	if out == "error" {
		if err := ttBusy(p, r, "the password step"); err != nil {
			return err
		}
		return automations.Fail(automations.AuthFailed, "%s refused the username or password of store %s; update them with `sellerops stores update %s --password-stdin`", r.Site, s.store.Name, s.store.Name)
	}
	code, err := totpCode(c, r.Site)
	if err != nil {
		return err
	}
	if err := typeInto(p, r, "login.totp", code); err != nil {
		return err
	}
	if err := click(p, r, "login.totp_submit"); err != nil {
		return err
	}
	out, err = waitFor(p, []cond{errorPageCond(r), {Name: "in", Sel: optSel(r, "inbox.list")}, {Name: "error", Sel: optSel(r, "login.error"), Text: true},
		{Name: "captcha", Sel: optSel(r, "login.captcha")}})
	if err != nil {
		return err
	}
	switch out {
	case errorPage:
		return errorPageFailure(p, r, "the one-time-code step")
	case "error":
		if err := ttBusy(p, r, "the one-time-code step"); err != nil {
			return err
		}
		return automations.Fail(automations.AuthFailed, "%s refused the one-time code of store %s; check the TOTP secret and this machine's clock", r.Site, s.store.Name)
	case "captcha":
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA after sign-in; run `sellerops stores login %s --show`", r.Site, s.store.Name)
	}
	return nil
}

// ttBusy reads the status the login script keeps on its error message
// (the recipe's error_status attribute): a 429 or 5xx means the site was
// busy, not that it refused the code or password, and gives a failure that
// is retried. nil means the message is the site's own refusal.
func ttBusy(p *rod.Page, r *automations.Recipe, step string) error {
	attr, aerr := r.Attr("error_status")
	sel := optSel(r, "login.error")
	if aerr != nil || sel == "" {
		return nil
	}
	res, err := p.Eval(`(sel, attr) => { const el = document.querySelector(sel); return el ? (el.getAttribute(attr) || '') : ''; }`, sel, attr)
	if err != nil {
		return err
	}
	status, _ := strconv.Atoi(res.Value.Str())
	if status == http.StatusTooManyRequests || status >= 500 {
		return transientFailure(r, step, status, pageURL(p))
	}
	return nil
}

// ttData unwraps TikTok's envelope.
func ttData(f fetched, into any) error {
	var env struct {
		Code    int             `json:"code"`
		Message string          `json:"message"`
		Data    json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(f.Data, &env); err != nil {
		return fmt.Errorf("read %s: %w", f.URL, err)
	}
	if env.Code == 40101 {
		return automations.Fail(automations.LoggedOut, "tiktok ended the session: %s", env.Message)
	}
	if env.Code != 0 {
		return automations.Fail(automations.SiteError, "tiktok answered code %d: %s", env.Code, env.Message)
	}
	if len(env.Data) == 0 || string(env.Data) == "null" {
		// Every answer carries its data: none means another envelope.
		return &automations.SelectorError{Name: "json:data", URL: f.URL}
	}
	if err := json.Unmarshal(env.Data, into); err != nil {
		return fmt.Errorf("read %s: %w", f.URL, err)
	}
	return nil
}

type ttConv struct {
	ID       string `json:"conversation_id"`
	OrderID  string `json:"order_id"`
	Buyer    string `json:"buyer_name"`
	Subject  string `json:"subject"`
	Status   string `json:"status"`
	LastAt   int64  `json:"last_message_time"`
	Deadline int64  `json:"reply_deadline"`
	Preview  string `json:"preview"`
	Language string `json:"lang"`
}

func unix(sec int64) time.Time {
	if sec == 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func (tiktokSite) list(p *rod.Page, s *session, since time.Time) ([]threadSummary, error) {
	var out []threadSummary
	cursor := ""
	for page := 0; page < 1000; page++ {
		u, err := s.recipe.Expand("conversations_api", map[string]string{"cursor": cursor})
		if err != nil {
			return nil, err
		}
		res, err := fetchWithRetry(p, s, []string{u}, "json", "", recipeSelsJSON(s))
		if err != nil {
			return nil, err
		}
		var data struct {
			Conversations *[]ttConv `json:"conversations"`
			HasMore       bool      `json:"has_more"`
			NextCursor    string    `json:"next_cursor"`
		}
		if err := ttData(res[0], &data); err != nil {
			return nil, err
		}
		if data.Conversations == nil {
			// An empty inbox still has the key; no key means another shape.
			return nil, &automations.SelectorError{Name: "json:data.conversations", URL: u}
		}
		older := false
		for _, c := range *data.Conversations {
			t := threadSummary{ID: c.ID, OrderID: c.OrderID, Buyer: c.Buyer, Subject: c.Subject, Status: c.Status, Received: unix(c.LastAt)}
			if !since.IsZero() && t.Received.Before(since) {
				older = true
				continue
			}
			out = append(out, t)
		}
		if older || !data.HasMore || data.NextCursor == "" || data.NextCursor == cursor {
			break
		}
		cursor = data.NextCursor
	}
	return out, nil
}

type ttMessages struct {
	ConversationID string `json:"conversation_id"`
	OrderID        string `json:"order_id"`
	Status         string `json:"status"`
	Messages       []struct {
		ID      string   `json:"message_id"`
		Sender  string   `json:"sender"`
		Content string   `json:"content"`
		Ref     string   `json:"client_ref"`
		Created int64    `json:"create_time"`
		Images  []string `json:"images"`
	} `json:"messages"`
}

func (tiktokSite) details(p *rod.Page, s *session, ids []string) ([]threadDetail, []error) {
	out := make([]threadDetail, len(ids))
	errs := make([]error, len(ids))
	urls := make([]string, len(ids))
	for i, id := range ids {
		u, err := s.recipe.Expand("messages_api", map[string]string{"conversation": id})
		if err != nil {
			return out, fill(errs, err)
		}
		urls[i] = u
	}
	res, err := fetchInPage(p, urls, "json", "", recipeSelsJSON(s))
	if err != nil {
		return out, fill(errs, err)
	}
	for i, f := range res {
		if errs[i] = f.problem(s.recipe.Site); errs[i] != nil {
			continue
		}
		var m ttMessages
		if errs[i] = ttData(f, &m); errs[i] != nil {
			continue
		}
		d := threadDetail{threadSummary: threadSummary{ID: ids[i], OrderID: m.OrderID, Status: m.Status}}
		for _, x := range m.Messages {
			// BUYER or SELLER; anything else is kept as it came, so that the
			// message check names it instead of guessing a side.
			from := strings.ToLower(strings.TrimSpace(x.Sender))
			d.Messages = append(d.Messages, remoteMessage{ID: x.ID, From: from, Body: x.Content, Ref: x.Ref, At: unix(x.Created), Attachments: x.Images})
		}
		if m.OrderID != "" {
			d.Order = &remoteOrder{ID: m.OrderID}
		}
		out[i] = d
	}
	return out, errs
}

// ttOrder is the part of TikTok Shop's order detail (Get Order Detail,
// 202309) that sync keeps: the parcel is the package named on the line
// items, with its tracking number and shipping provider; the destination
// is recipient_address.region_code and the origin the region of the
// order's warehouse.
type ttOrder struct {
	ID               string `json:"id"`
	RTSTime          int64  `json:"rts_time"`
	WarehouseID      string `json:"warehouse_id"`
	TrackingNumber   string `json:"tracking_number"`
	ShippingProvider string `json:"shipping_provider"`
	RecipientAddress struct {
		RegionCode string `json:"region_code"`
		Name       string `json:"name"`
	} `json:"recipient_address"`
	Payment struct {
		Currency    string      `json:"currency"`
		TotalAmount decimalText `json:"total_amount"`
	} `json:"payment"`
	LineItems []struct {
		ProductName          string `json:"product_name"`
		PackageID            string `json:"package_id"`
		TrackingNumber       string `json:"tracking_number"`
		ShippingProviderName string `json:"shipping_provider_name"`
		RTSTime              int64  `json:"rts_time"`
	} `json:"line_items"`
}

// ttOrderBatch is Get Order Detail's limit of ids per call.
const ttOrderBatch = 50

func (tiktokSite) orders(p *rod.Page, s *session, ids []string) (map[string]remoteOrder, error) {
	out := map[string]remoteOrder{}
	if len(ids) == 0 {
		return out, nil
	}
	if _, err := s.recipe.URL("orders_api"); err != nil {
		// A recipe without the order API reads threads only.
		return out, nil
	}
	regions, err := ttWarehouseRegions(p, s)
	if err != nil {
		return nil, err
	}
	for part := range slices.Chunk(ids, ttOrderBatch) {
		u, err := s.recipe.Expand("orders_api", map[string]string{"ids": strings.Join(part, ",")})
		if err != nil {
			return nil, err
		}
		res, err := fetchWithRetry(p, s, []string{u}, "json", "", recipeSelsJSON(s))
		if err != nil {
			return out, err
		}
		var data struct {
			Orders *[]ttOrder `json:"orders"`
		}
		if err := ttData(res[0], &data); err != nil {
			return out, err
		}
		if data.Orders == nil {
			return out, &automations.SelectorError{Name: "json:data.orders", URL: u}
		}
		for _, o := range *data.Orders {
			out[o.ID] = ttRemote(o, regions)
		}
	}
	return out, nil
}

// ttRemote is an order of Get Order Detail's shape as every channel
// stores it; regions maps the seller's warehouses to their countries.
func ttRemote(o ttOrder, regions map[string]string) remoteOrder {
	ro := remoteOrder{ID: o.ID, Buyer: o.RecipientAddress.Name, Value: o.Payment.TotalAmount, Currency: o.Payment.Currency,
		ShipDate: unix(o.RTSTime), Carrier: o.ShippingProvider, Tracking: o.TrackingNumber,
		ShipFrom: regions[o.WarehouseID], ShipTo: o.RecipientAddress.RegionCode}
	// The package on the line items is the parcel; the order-level fields
	// are its summary.
	for _, li := range o.LineItems {
		if ro.Item == "" {
			ro.Item = li.ProductName
		}
		if li.TrackingNumber != "" {
			ro.Tracking, ro.Carrier = li.TrackingNumber, cmp.Or(li.ShippingProviderName, ro.Carrier)
			if ro.ShipDate.IsZero() {
				ro.ShipDate = unix(li.RTSTime)
			}
			break
		}
	}
	return ro
}

// ttWarehouseRegions maps the seller's warehouse ids to their countries
// (Get Warehouse List, 202309: address.region_code); an order names only
// its warehouse. A recipe without the warehouse API gives none.
func ttWarehouseRegions(p *rod.Page, s *session) (map[string]string, error) {
	out := map[string]string{}
	u, err := s.recipe.URL("warehouses_api")
	if err != nil {
		return out, nil
	}
	res, err := fetchWithRetry(p, s, []string{u}, "json", "", recipeSelsJSON(s))
	if err != nil {
		return nil, err
	}
	var data struct {
		Warehouses *[]struct {
			ID      string `json:"id"`
			Address struct {
				RegionCode string `json:"region_code"`
			} `json:"address"`
		} `json:"warehouses"`
	}
	if err := ttData(res[0], &data); err != nil {
		return nil, err
	}
	if data.Warehouses == nil {
		return nil, &automations.SelectorError{Name: "json:data.warehouses", URL: u}
	}
	for _, w := range *data.Warehouses {
		out[w.ID] = w.Address.RegionCode
	}
	return out, nil
}

func (tiktokSite) fill(p *rod.Page, s *session, threadID, body, ref string) error {
	u, err := threadURL(s.recipe, threadID)
	if err != nil {
		return err
	}
	if err := automations.Navigate(p, u); err != nil {
		return err
	}
	if err := s.checkSignedIn(p); err != nil {
		return err
	}
	loaded, err := s.recipe.Selector("thread.loaded")
	if err != nil {
		return err
	}
	if _, err := automations.Find(p, "thread.loaded", loaded); err != nil {
		return err
	}
	if err := typeInto(p, s.recipe, "thread.reply_body", body); err != nil {
		return err
	}
	return typeInto(p, s.recipe, "thread.reply_ref", ref)
}

func (tiktokSite) submit(p *rod.Page, s *session, threadID, ref string) error {
	pane, err := s.recipe.Selector("thread.pane")
	if err != nil {
		return err
	}
	attr, err := s.recipe.Attr("last_sent")
	if err != nil {
		return err
	}
	if err := click(p, s.recipe, "thread.reply_send"); err != nil {
		return err
	}
	s.deps.hook("submitted")
	if _, err := waitFor(p, []cond{{Name: "sent", Sel: pane + "[" + attr + "]"}}); err != nil {
		return err
	}
	ok, err := tiktokSite{}.hasReply(p, s, threadID, ref)
	if err != nil {
		return err
	}
	if !ok {
		return automations.Fail(automations.SiteError, "tiktok showed the message as sent but does not list it in conversation %s", threadID)
	}
	return nil
}

func (tiktokSite) hasReply(p *rod.Page, s *session, threadID, ref string) (bool, error) {
	u, err := s.recipe.Expand("messages_api", map[string]string{"conversation": threadID})
	if err != nil {
		return false, err
	}
	res, err := fetchWithRetry(p, s, []string{u}, "json", "", recipeSelsJSON(s))
	if err != nil {
		return false, err
	}
	var m ttMessages
	if err := ttData(res[0], &m); err != nil {
		return false, err
	}
	for _, x := range m.Messages {
		if x.Ref == ref {
			return true, nil
		}
	}
	return false, nil
}

// ttSearchPage is how many orders one page of Search Orders asks for: its
// largest page_size.
const ttSearchPage = 100

// ttListedOrder is an order as Search Orders lists it: Get Order Detail's
// shape, with when the order was placed and last updated (Unix seconds).
type ttListedOrder struct {
	ttOrder
	CreateTime int64 `json:"create_time"`
	UpdateTime int64 `json:"update_time"`
}

// ttOrderList is TikTok Shop's Search Orders (POST
// /order/202309/orders/search): the filters create_time_ge and
// update_time_ge in the JSON body (Unix seconds, at or after), page_size,
// page_token, sort_field and sort_order in the query, and an answer of
// orders, next_page_token ("" on the last page) and total_count. Sources:
// TikTok Shop's Node.js SDK models (OrderV202309Api.OrdersSearchPost,
// Order202309GetOrderListRequestBody, Order202309GetOrderListResponseData)
// and Workato's TikTok Shop connector reference
// (docs.workato.com/en/connectors/tiktok-shop/search-records-action.html).
// Integrators ask for the orders updated since their last run less a
// margin, as the walk does.
type ttOrderList struct {
	s       *session
	regions map[string]string
}

func (tiktokSite) orderList(s *session) orderList {
	if _, err := s.recipe.URL("orders_search_api"); err != nil {
		return nil
	}
	return &ttOrderList{s: s}
}

func (l *ttOrderList) byChange() bool { return true }

func (l *ttOrderList) page(p *rod.Page, q orderQuery, cursor string) (orderListPage, error) {
	field, body := "create_time", map[string]int64{"create_time_ge": q.Since.Unix()}
	if q.ByChange {
		field, body = "update_time", map[string]int64{"update_time_ge": q.Since.Unix()}
	}
	u, err := l.s.recipe.Expand("orders_search_api", map[string]string{"page_size": strconv.Itoa(ttSearchPage),
		"sort_field": field, "sort_order": "DESC", "page_token": cursor})
	if err != nil {
		return orderListPage{}, err
	}
	out := orderListPage{URL: u}
	if l.regions == nil {
		if l.regions, err = ttWarehouseRegions(p, l.s); err != nil {
			return out, err
		}
	}
	init, err := postJSON(body)
	if err != nil {
		return out, err
	}
	res, err := fetchWithRetryInit(p, l.s, []string{u}, "json", "", recipeSelsJSON(l.s), init)
	if err != nil {
		return out, err
	}
	var data struct {
		Orders        *[]ttListedOrder `json:"orders"`
		NextPageToken *string          `json:"next_page_token"`
	}
	if err := ttData(res[0], &data); err != nil {
		return out, err
	}
	if data.Orders == nil {
		return out, &automations.SelectorError{Name: "json:data.orders", URL: u}
	}
	if data.NextPageToken == nil {
		// The last page says so with an empty token; no token at all is
		// another shape, and the walk would not know whether it ended.
		return out, &automations.SelectorError{Name: "json:data.next_page_token", URL: u}
	}
	for _, o := range *data.Orders {
		out.Orders = append(out.Orders, listedOrder{remoteOrder: ttRemote(o.ttOrder, l.regions), Placed: unix(o.CreateTime), Changed: unix(o.UpdateTime)})
	}
	if *data.NextPageToken != cursor {
		out.Next = *data.NextPageToken
	}
	return out, nil
}
