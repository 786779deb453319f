package marketplace

import (
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
)

// amazonSite is Seller Central: server-rendered pages, read by fetching
// them from inside the signed-in page and parsing them with the recipe's
// selectors.
type amazonSite struct{}

func (amazonSite) login(p *rod.Page, s *session, c credentials) error { return formLogin(p, s, c) }

const amazonInboxJS = `(doc, sel) => {
	const list = doc.querySelector(sel['inbox.list']);
	if (!list) return {missing: 'inbox.list'};
	const rows = [];
	for (const el of doc.querySelectorAll(sel['inbox.thread'])) {
		const id = el.getAttribute(sel['attr.thread_id']) || '';
		if (!id) return {missing: 'attributes.thread_id'};
		// A cell selector matching twice in a row is ambiguous: name the field.
		const multi = [];
		const one = (s, f) => { const all = el.querySelectorAll(s); if (all.length > 1) multi.push(f); return all[0] || null; };
		const text = (s, f) => { const x = one(s, f); return x ? x.textContent.trim() : ''; };
		const when = (s, f) => { const x = one(s, f); return x ? (x.getAttribute(sel['attr.time']) || '') : ''; };
		rows.push({id, order: text(sel['inbox.thread_order'], 'order'), buyer: text(sel['inbox.thread_buyer'], 'buyer'),
			subject: text(sel['inbox.thread_subject'], 'subject'), status: el.getAttribute(sel['attr.thread_status']) || '',
			received: when(sel['inbox.thread_received'], 'received'), multi});
	}
	const pager = doc.querySelector(sel['inbox.pager']);
	return {pages: pager ? (parseInt(pager.getAttribute(sel['attr.pages']), 10) || 1) : 1, rows};
}`

type amazonInboxPage struct {
	Pages int          `json:"pages"`
	Rows  []rawSummary `json:"rows"`
}

func (amazonSite) list(p *rod.Page, s *session, since time.Time) ([]threadSummary, error) {
	sel, err := recipeSels(s.recipe, []string{"inbox.list", "inbox.thread", "inbox.thread_order", "inbox.thread_buyer",
		"inbox.thread_subject", "inbox.thread_received", "inbox.pager"}, []string{"thread_id", "thread_status", "time", "pages"})
	if err != nil {
		return nil, err
	}
	var out []threadSummary
	pages := 1
	for page := 1; page <= pages; page++ {
		u, err := s.recipe.Expand("inbox_page", map[string]string{"page": strconv.Itoa(page)})
		if err != nil {
			return nil, err
		}
		res, err := fetchWithRetry(p, s, []string{u}, "html", amazonInboxJS, sel)
		if err != nil {
			return nil, err
		}
		var ip amazonInboxPage
		if err := json.Unmarshal(res[0].Data, &ip); err != nil {
			return nil, fmt.Errorf("read inbox page %d: %w", page, err)
		}
		pages = max(ip.Pages, 1)
		older := false
		for _, r := range ip.Rows {
			t := r.summary()
			if !since.IsZero() && t.Received.Before(since) {
				older = true
				continue
			}
			out = append(out, t)
		}
		if older {
			break
		}
	}
	return out, nil
}

const amazonThreadJS = `(doc, sel) => {
	const root = doc.querySelector(sel['thread.root']);
	if (!root) return {missing: 'thread.root'};
	const text = (el, s) => { const x = el && el.querySelector(s); return x ? x.textContent.trim() : ''; };
	const head = doc.querySelector(sel['thread.header']);
	const msgs = [];
	for (const el of doc.querySelectorAll(sel['thread.message'])) {
		const multi = [];
		const one = (s, f) => { const all = el.querySelectorAll(s); if (all.length > 1) multi.push(f); return all[0] || null; };
		const t = one(sel['thread.message_time'], 'at');
		const b = one(sel['thread.message_body'], 'body');
		msgs.push({id: el.getAttribute(sel['attr.message_id']) || '', from: el.getAttribute(sel['attr.message_from']) || '',
			body: b ? b.textContent.trim() : '', ref: el.getAttribute(sel['attr.reply_ref']) || '', multi,
			at: t ? (t.getAttribute(sel['attr.time']) || '') : '',
			attachments: [...el.querySelectorAll(sel['thread.attachment'])].map((a) => a.getAttribute('href') || '').filter(Boolean)});
	}
	return {id: root.getAttribute(sel['attr.thread_id']) || '', status: root.getAttribute(sel['attr.thread_status']) || '',
		order: text(head, sel['inbox.thread_order']), buyer: text(head, sel['inbox.thread_buyer']), messages: msgs};
}`

type rawThread struct {
	rawSummary
	Messages []rawMessage   `json:"messages"`
	Order    *rawOrderInfo  `json:"order_info"`
	Extra    map[string]any `json:"extra,omitempty"`
}

// rawOrderInfo is an order as the sites' JSON gives it (Amazon's thread
// order_info, eBay's conversation order); Value is kept as text.
type rawOrderInfo struct {
	ID       string      `json:"id"`
	Buyer    string      `json:"buyer"`
	Item     string      `json:"item"`
	Value    decimalText `json:"value"`
	Currency string      `json:"currency"`
	ShipDate string      `json:"ship_date"`
	Carrier  string      `json:"carrier"`
	Tracking string      `json:"tracking_number"`
	ShipFrom string      `json:"ship_from_country"`
	ShipTo   string      `json:"ship_to_country"`
}

func (o *rawOrderInfo) order() *remoteOrder {
	if o == nil || o.ID == "" {
		return nil
	}
	return &remoteOrder{ID: o.ID, Buyer: o.Buyer, Item: o.Item, Value: o.Value, Currency: o.Currency,
		ShipDate: parseTime(o.ShipDate), Carrier: o.Carrier, Tracking: o.Tracking, ShipFrom: o.ShipFrom, ShipTo: o.ShipTo}
}

func (t rawThread) detail() threadDetail {
	d := threadDetail{threadSummary: t.summary(), Order: t.Order.order()}
	for _, m := range t.Messages {
		d.Messages = append(d.Messages, m.message())
	}
	return d
}

func (amazonSite) details(p *rod.Page, s *session, ids []string) ([]threadDetail, []error) {
	out := make([]threadDetail, len(ids))
	errs := make([]error, len(ids))
	sel, err := recipeSels(s.recipe, []string{"thread.root", "thread.header", "thread.message", "thread.message_time",
		"thread.message_body", "thread.attachment", "inbox.thread_order", "inbox.thread_buyer"},
		[]string{"thread_id", "thread_status", "message_id", "message_from", "reply_ref", "time"})
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	urls := make([]string, len(ids))
	for i, id := range ids {
		if urls[i], err = threadURL(s.recipe, id); err != nil {
			errs[i] = err
		}
	}
	res, err := fetchInPage(p, urls, "html", amazonThreadJS, sel)
	if err != nil {
		for i := range errs {
			errs[i] = err
		}
		return out, errs
	}
	for i, f := range res {
		if errs[i] != nil {
			continue
		}
		if errs[i] = f.problem(s.recipe.Site); errs[i] != nil {
			continue
		}
		var rt rawThread
		if err := json.Unmarshal(f.Data, &rt); err != nil {
			errs[i] = fmt.Errorf("read thread %s: %w", ids[i], err)
			continue
		}
		if rt.ID == "" {
			rt.ID = ids[i]
		}
		out[i] = rt.detail()
	}
	return out, errs
}

const amazonOrdersJS = `(doc, sel) => {
	const text = (el, s) => { if (!s) return ''; const x = el.querySelector(s); return x ? x.textContent.trim() : ''; };
	const rows = [];
	for (const el of doc.querySelectorAll(sel['orders.row'])) {
		const total = el.querySelector(sel['orders.total']);
		const ship = el.querySelector(sel['orders.ship_date']);
		rows.push({id: text(el, sel['orders.id']) || el.getAttribute(sel['attr.order_id']) || '',
			buyer: text(el, sel['orders.buyer']), item: text(el, sel['orders.item']),
			value: total ? (total.getAttribute(sel['attr.amount']) || '') : '',
			currency: total ? (total.getAttribute(sel['attr.currency']) || '') : '',
			ship_date: ship ? (ship.getAttribute(sel['attr.time']) || '') : '',
			carrier: text(el, sel['orders.carrier']), tracking_number: text(el, sel['orders.tracking']),
			ship_from_country: text(el, sel['orders.ship_from']), ship_to_country: text(el, sel['orders.ship_to'])});
	}
	return {rows};
}`

// orders looks each order up by its id in the order search; many at once
// walk the order list instead.
func (amazonSite) orders(p *rod.Page, s *session, ids []string) (map[string]remoteOrder, error) {
	out := map[string]remoteOrder{}
	if len(ids) == 0 {
		return out, nil
	}
	sel, err := recipeSels(s.recipe, []string{"orders.row", "orders.id", "orders.buyer", "orders.item", "orders.total",
		"orders.ship_date", "orders.carrier", "orders.tracking"}, []string{"order_id", "amount", "currency", "time"})
	if err != nil {
		return nil, err
	}
	// The ship-from and ship-to columns are optional: without them the
	// claim windows fall back to the service name.
	sel["orders.ship_from"], sel["orders.ship_to"] = optSel(s.recipe, "orders.ship_from"), optSel(s.recipe, "orders.ship_to")
	want := map[string]bool{}
	for _, id := range ids {
		want[id] = true
	}
	var urls []string
	if len(ids) <= 20 {
		for _, id := range ids {
			u, err := s.recipe.Expand("order_search", map[string]string{"query": id})
			if err != nil {
				return nil, err
			}
			urls = append(urls, u)
		}
	} else {
		// 50 orders a page; stop once every wanted order is found.
		for page := 1; page <= 200 && len(out) < len(want); page += 4 {
			urls = urls[:0]
			for i := page; i < page+4; i++ {
				u, err := s.recipe.Expand("orders_page", map[string]string{"page": strconv.Itoa(i)})
				if err != nil {
					return nil, err
				}
				urls = append(urls, u)
			}
			res, err := fetchWithRetry(p, s, urls, "html", amazonOrdersJS, sel)
			if err != nil {
				return out, err
			}
			empty := false
			for _, f := range res {
				n := collectOrders(f.Data, want, out)
				empty = empty || n == 0
			}
			if empty {
				break
			}
		}
		return out, nil
	}
	for i := 0; i < len(urls); i += 8 {
		res, err := fetchWithRetry(p, s, urls[i:min(i+8, len(urls))], "html", amazonOrdersJS, sel)
		if err != nil {
			return out, err
		}
		for _, f := range res {
			collectOrders(f.Data, want, out)
		}
	}
	return out, nil
}

// collectOrders adds the wanted orders of one orders page to out and
// returns how many rows the page had.
func collectOrders(data json.RawMessage, want map[string]bool, out map[string]remoteOrder) int {
	var page struct {
		Rows []rawOrderInfo `json:"rows"`
	}
	if json.Unmarshal(data, &page) != nil {
		return 0
	}
	for _, r := range page.Rows {
		if want[r.ID] {
			if o := r.order(); o != nil {
				out[r.ID] = *o
			}
		}
	}
	return len(page.Rows)
}

func (amazonSite) fill(p *rod.Page, s *session, threadID, body, ref string) error {
	return formFill(p, s, threadID, body, ref)
}

func (amazonSite) submit(p *rod.Page, s *session, threadID, ref string) error {
	return formSubmit(p, s, ref)
}

func (amazonSite) hasReply(p *rod.Page, s *session, threadID, ref string) (bool, error) {
	return formHasReply(p, s, threadID, ref)
}

// formFill opens a server-rendered thread page and types the reply.
func formFill(p *rod.Page, s *session, threadID, body, ref string) error {
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
	if err := typeInto(p, s.recipe, "thread.reply_body", body); err != nil {
		return err
	}
	return typeInto(p, s.recipe, "thread.reply_ref", ref)
}

// formSubmit clicks send and waits for the confirmation and the sent reply
// carrying ref.
func formSubmit(p *rod.Page, s *session, ref string) error {
	if err := clickAndLoad(p, s.recipe, "thread.reply_send"); err != nil {
		return err
	}
	s.deps.hook("submitted")
	sent, err := sentSelector(s.recipe, ref)
	if err != nil {
		return err
	}
	return waitPosted(p, s, sent, "send", "sending", "the reply")
}

// waitPosted waits for what a form post leads to: an element matching ok,
// or the site's error page, sign-in form or CAPTCHA, each a classified
// failure. after, while and answered fill in the failure messages.
func waitPosted(p *rod.Page, s *session, ok, after, while, answered string) error {
	out, err := waitFor(p, []cond{{Name: "ok", Sel: ok}, {Name: "error", Sel: optSel(s.recipe, "page.error")},
		{Name: "login", Sel: optSel(s.recipe, "login.username")}, {Name: "captcha", Sel: optSel(s.recipe, "login.captcha")}})
	if err != nil {
		return err
	}
	switch out {
	case "ok":
		return nil
	case "captcha":
		return automations.Fail(automations.NeedsHuman, "%s showed a CAPTCHA after %s", s.recipe.Site, after)
	case "login":
		return automations.Fail(automations.LoggedOut, "%s ended the session while %s", s.recipe.Site, while)
	}
	return automations.Fail(automations.SiteError, "%s answered %s with an error page", s.recipe.Site, answered)
}

// sentSelector matches a sent reply that carries ref.
func sentSelector(r *automations.Recipe, ref string) (string, error) {
	sent, err := r.Selector("thread.sent_reply")
	if err != nil {
		return "", err
	}
	attr, err := r.Attr("reply_ref")
	if err != nil {
		return "", err
	}
	return fmt.Sprintf(`%s[%s=%q]`, sent, attr, ref), nil
}

const hasRefJS = `(doc, sel) => ({found: !!doc.querySelector(sel.sent), root: !!doc.querySelector(sel.root)})`

// formHasReply fetches the thread page and looks for the sent reply.
func formHasReply(p *rod.Page, s *session, threadID, ref string) (bool, error) {
	u, err := threadURL(s.recipe, threadID)
	if err != nil {
		return false, err
	}
	sent, err := sentSelector(s.recipe, ref)
	if err != nil {
		return false, err
	}
	root, err := s.recipe.Selector("thread.root")
	if err != nil {
		return false, err
	}
	sel := map[string]string{"sent": sent, "root": root, "captcha": optSel(s.recipe, "login.captcha"),
		"login": optSel(s.recipe, "login.username"), "expired": optSel(s.recipe, "session.expired")}
	res, err := fetchWithRetry(p, s, []string{u}, "html", hasRefJS, sel)
	if err != nil {
		return false, err
	}
	var got struct{ Found, Root bool }
	if err := json.Unmarshal(res[0].Data, &got); err != nil {
		return false, err
	}
	if !got.Root {
		return false, &automations.SelectorError{Name: "thread.root", Selector: root, URL: u}
	}
	return got.Found, nil
}

// amazonOrderListJS reads one page of Manage Orders: each row's order with
// its order date, and the pager's page count. A page without the order
// table or the pager is not the page the recipe describes.
const amazonOrderListJS = `(doc, sel) => {
	const list = doc.querySelector(sel['orders.list']);
	if (!list) return {missing: 'orders.list'};
	const pager = doc.querySelector(sel['orders.pager']);
	if (!pager) return {missing: 'orders.pager'};
	const rows = [];
	for (const el of list.querySelectorAll(sel['orders.row'])) {
		// A cell selector matching twice in a row is ambiguous: name the field.
		const multi = [];
		const one = (s, f) => { if (!s) return null; const all = el.querySelectorAll(s); if (all.length > 1) multi.push(f); return all[0] || null; };
		const text = (s, f) => { const x = one(s, f); return x ? x.textContent.trim() : ''; };
		// A time is the cell's attribute, or that of the element in it that has one.
		const when = (s, f) => { const x = one(s, f); if (!x) return ''; const t = x.hasAttribute(sel['attr.time']) ? x : x.querySelector('[' + sel['attr.time'] + ']'); return t ? (t.getAttribute(sel['attr.time']) || '') : ''; };
		const total = one(sel['orders.total'], 'value');
		rows.push({id: text(sel['orders.id'], 'id') || el.getAttribute(sel['attr.order_id']) || '',
			placed: when(sel['orders.date'], 'placed'), buyer: text(sel['orders.buyer'], 'buyer'), item: text(sel['orders.item'], 'item'),
			value: total ? (total.getAttribute(sel['attr.amount']) || '') : '',
			currency: total ? (total.getAttribute(sel['attr.currency']) || '') : '',
			ship_date: when(sel['orders.ship_date'], 'ship_date'),
			carrier: text(sel['orders.carrier'], 'carrier'), tracking_number: text(sel['orders.tracking'], 'tracking'),
			ship_from_country: text(sel['orders.ship_from'], 'ship_from'), ship_to_country: text(sel['orders.ship_to'], 'ship_to'), multi});
	}
	return {pages: parseInt(pager.getAttribute(sel['attr.pages']), 10) || 1, rows};
}`

// amazonOrderList is Manage Orders, newest order first, 50 orders a page:
// it lists orders by the date they were placed and cannot be asked for
// those changed since a time.
type amazonOrderList struct {
	s   *session
	sel map[string]string
}

func (amazonSite) orderList(s *session) orderList {
	if _, err := s.recipe.URL("orders_page"); err != nil {
		return nil
	}
	if optSel(s.recipe, "orders.list") == "" || optSel(s.recipe, "orders.pager") == "" || optSel(s.recipe, "orders.date") == "" {
		return nil
	}
	return &amazonOrderList{s: s}
}

func (l *amazonOrderList) byChange() bool { return false }

func (l *amazonOrderList) page(p *rod.Page, q orderQuery, cursor string) (orderListPage, error) {
	page := 1
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 1 {
			return orderListPage{}, fmt.Errorf("order list page %q is not a page number", cursor)
		}
		page = n
	}
	u, err := l.s.recipe.Expand("orders_page", map[string]string{"page": strconv.Itoa(page)})
	if err != nil {
		return orderListPage{}, err
	}
	out := orderListPage{URL: u, Page: true}
	if l.sel == nil {
		sel, err := recipeSels(l.s.recipe, []string{"orders.list", "orders.pager", "orders.row", "orders.id", "orders.date", "orders.buyer",
			"orders.item", "orders.total", "orders.ship_date", "orders.carrier", "orders.tracking"}, []string{"order_id", "amount", "currency", "time", "pages"})
		if err != nil {
			return out, err
		}
		// The ship-from and ship-to columns are optional, as for the
		// order search.
		sel["orders.ship_from"], sel["orders.ship_to"] = optSel(l.s.recipe, "orders.ship_from"), optSel(l.s.recipe, "orders.ship_to")
		l.sel = sel
	}
	res, err := fetchWithRetry(p, l.s, []string{u}, "html", amazonOrderListJS, l.sel)
	if err != nil {
		return out, err
	}
	var data struct {
		Pages int `json:"pages"`
		Rows  []struct {
			rawOrderInfo
			Placed string   `json:"placed"`
			Multi  []string `json:"multi"`
		} `json:"rows"`
	}
	if err := json.Unmarshal(res[0].Data, &data); err != nil {
		return out, fmt.Errorf("read order list page %d: %w", page, err)
	}
	for _, r := range data.Rows {
		lo := listedOrder{Placed: parseTime(r.Placed), Multi: r.Multi}
		if o := r.order(); o != nil {
			lo.remoteOrder = *o
		}
		out.Orders = append(out.Orders, lo)
	}
	if len(data.Rows) == 0 && page < data.Pages {
		// The pager says more pages follow: rows there are, the recipe's
		// row selector no longer finds them.
		return out, &automations.SelectorError{Name: "orders.row", Selector: l.sel["orders.row"], URL: u}
	}
	if page < data.Pages {
		out.Next = strconv.Itoa(page + 1)
	}
	return out, nil
}
