package marketplace

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/marketplaces/ebay"
)

// ebaySite is eBay's messages: its inbox is drawn in the browser from a
// JSON endpoint, which the flow reads directly from the signed-in page.
type ebaySite struct{}

func (ebaySite) login(p *rod.Page, s *session, c credentials) error { return formLogin(p, s, c) }

type ebayConv struct {
	ID            string  `json:"id"`
	OrderID       string  `json:"orderId"`
	Buyer         string  `json:"buyer"`
	Subject       string  `json:"subject"`
	Kind          string  `json:"kind"`
	Status        string  `json:"status"`
	LastMessageAt string  `json:"lastMessageAt"`
	RespondBy     *string `json:"respondBy"`
}

func (c ebayConv) summary() threadSummary {
	return threadSummary{ID: c.ID, OrderID: c.OrderID, Buyer: c.Buyer, Subject: c.Subject, Kind: c.Kind, Status: c.Status,
		Received: parseTime(c.LastMessageAt)}
}

func (ebaySite) list(p *rod.Page, s *session, since time.Time) ([]threadSummary, error) {
	var out []threadSummary
	sel := recipeSelsJSON(s)
	for offset := 0; offset >= 0; {
		u, err := s.recipe.Expand("conversations_api", map[string]string{"offset": strconv.Itoa(offset), "limit": "100"})
		if err != nil {
			return nil, err
		}
		res, err := fetchWithRetry(p, s, []string{u}, "json", "", sel)
		if err != nil {
			return nil, err
		}
		var page struct {
			Conversations *[]ebayConv `json:"conversations"`
			NextOffset    *int        `json:"nextOffset"`
		}
		if err := json.Unmarshal(res[0].Data, &page); err != nil {
			return nil, fmt.Errorf("read conversations at offset %d: %w", offset, err)
		}
		if page.Conversations == nil {
			// An empty inbox still has the key; no key means another shape.
			return nil, &automations.SelectorError{Name: "json:conversations", URL: u}
		}
		older := false
		for _, c := range *page.Conversations {
			t := c.summary()
			if !since.IsZero() && t.Received.Before(since) {
				older = true
				continue
			}
			out = append(out, t)
		}
		if older || page.NextOffset == nil || *page.NextOffset <= offset {
			break
		}
		offset = *page.NextOffset
	}
	return out, nil
}

func recipeSelsJSON(s *session) map[string]string {
	return map[string]string{"captcha": optSel(s.recipe, "login.captcha"), "login": optSel(s.recipe, "login.username"),
		"expired": optSel(s.recipe, "session.expired")}
}

func (ebaySite) details(p *rod.Page, s *session, ids []string) ([]threadDetail, []error) {
	out := make([]threadDetail, len(ids))
	errs := make([]error, len(ids))
	urls := make([]string, len(ids))
	for i, id := range ids {
		u, err := s.recipe.Expand("conversation_api", map[string]string{"conversation": id})
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
		var body struct {
			Conversation ebayConv `json:"conversation"`
			Messages     []struct {
				ID          string   `json:"id"`
				From        string   `json:"from"`
				Text        string   `json:"text"`
				Ref         string   `json:"ref"`
				SentAt      string   `json:"sentAt"`
				Attachments []string `json:"attachments"`
			} `json:"messages"`
			Order *rawOrderInfo `json:"order"`
		}
		if err := json.Unmarshal(f.Data, &body); err != nil {
			errs[i] = fmt.Errorf("read conversation %s: %w", ids[i], err)
			continue
		}
		d := threadDetail{threadSummary: body.Conversation.summary()}
		if d.ID == "" {
			d.ID = ids[i]
		}
		for _, m := range body.Messages {
			d.Messages = append(d.Messages, remoteMessage{ID: m.ID, From: m.From, Body: m.Text, Ref: m.Ref, At: parseTime(m.SentAt), Attachments: m.Attachments})
		}
		d.Order = body.Order.order()
		out[i] = d
	}
	return out, errs
}

func fill(errs []error, err error) []error {
	for i := range errs {
		errs[i] = err
	}
	return errs
}

func (ebaySite) orders(*rod.Page, *session, []string) (map[string]remoteOrder, error) {
	return nil, nil
}

func (ebaySite) fill(p *rod.Page, s *session, threadID, body, ref string) error {
	return formFill(p, s, threadID, body, ref)
}

func (ebaySite) submit(p *rod.Page, s *session, threadID, ref string) error {
	return formSubmit(p, s, ref)
}

func (ebaySite) hasReply(p *rod.Page, s *session, threadID, ref string) (bool, error) {
	u, err := s.recipe.Expand("conversation_api", map[string]string{"conversation": threadID})
	if err != nil {
		return false, err
	}
	res, err := fetchWithRetry(p, s, []string{u}, "json", "", recipeSelsJSON(s))
	if err != nil {
		return false, err
	}
	var body struct {
		Messages []struct {
			Ref string `json:"ref"`
		} `json:"messages"`
	}
	if err := json.Unmarshal(res[0].Data, &body); err != nil {
		return false, fmt.Errorf("read conversation %s: %w", threadID, err)
	}
	for _, m := range body.Messages {
		if m.Ref == ref {
			return true, nil
		}
	}
	return false, nil
}

// ebayOrderPage is how many orders one page of getOrders asks for: its
// largest limit.
const ebayOrderPage = 200

// ebayFulfillmentBatch is how many orders' fulfilments one in-page fetch
// asks for at once.
const ebayFulfillmentBatch = 50

// ebayOrderList is the order list of the sandbox's Seller Hub, which serves
// the Sell Fulfillment API's published shapes under the seller's session:
// getOrders (filter lastmodifieddate:[from..], limit up to 200, offset;
// orders, total, next) and, per order that started shipping,
// getShippingFulfillments. The answers are read by the same decoders as the
// API channel's and stored through the same record path. getOrders filters
// by last change only, so the first walk asks for the orders changed in
// its window and keeps those placed in it.
type ebayOrderList struct {
	s *session
}

func (ebaySite) orderList(s *session) orderList {
	if _, err := s.recipe.URL("orders_api"); err != nil {
		return nil
	}
	if _, err := s.recipe.URL("fulfillment_api"); err != nil {
		return nil
	}
	return &ebayOrderList{s: s}
}

func (l *ebayOrderList) byChange() bool { return true }

func (l *ebayOrderList) page(p *rod.Page, q orderQuery, cursor string) (orderListPage, error) {
	offset := 0
	if cursor != "" {
		n, err := strconv.Atoi(cursor)
		if err != nil || n < 0 {
			return orderListPage{}, fmt.Errorf("order list offset %q is not a number", cursor)
		}
		offset = n
	}
	filter := "lastmodifieddate:[" + q.Since.UTC().Format("2006-01-02T15:04:05.000Z") + "..]"
	u, err := l.s.recipe.Expand("orders_api", map[string]string{"filter": filter, "limit": strconv.Itoa(ebayOrderPage),
		"offset": strconv.Itoa(offset)})
	if err != nil {
		return orderListPage{}, err
	}
	out := orderListPage{URL: u}
	changed := func(err error) error {
		return &automations.Failure{Class: automations.PageChanged, Step: "orders.list", Site: l.s.recipe.Site, Err: err}
	}
	res, err := fetchWithRetry(p, l.s, []string{u}, "json", "", recipeSelsJSON(l.s))
	if err != nil {
		return out, err
	}
	pg, err := ebay.DecodeOrdersPage(res[0].Data)
	if err != nil {
		return out, changed(fmt.Errorf("%s: %w", u, err))
	}
	// The parcels of the orders that started shipping.
	var ids []string
	at := map[string]int{}
	for i, o := range pg.Orders {
		if o.FulfillmentStatus != "NOT_STARTED" {
			ids = append(ids, o.OrderID)
			at[o.OrderID] = i
		}
	}
	for part := range slices.Chunk(ids, ebayFulfillmentBatch) {
		urls := make([]string, len(part))
		for i, id := range part {
			if urls[i], err = l.s.recipe.Expand("fulfillment_api", map[string]string{"order": id}); err != nil {
				return out, err
			}
		}
		res, err := fetchWithRetry(p, l.s, urls, "json", "", recipeSelsJSON(l.s))
		if err != nil {
			return out, err
		}
		for i, f := range res {
			fs, err := ebay.DecodeFulfillments(part[i], f.Data)
			if err != nil {
				return out, changed(fmt.Errorf("%s: %w", f.URL, err))
			}
			pg.Orders[at[part[i]]].Fulfillments = fs
		}
	}
	for _, o := range pg.Orders {
		r, err := remoteFromEbay(o)
		if err != nil {
			return out, changed(err)
		}
		out.Orders = append(out.Orders, listedOrder{remoteOrder: r, Placed: o.Created, Changed: o.Modified})
	}
	if n := offset + len(pg.Orders); pg.Next != "" && len(pg.Orders) > 0 && n < pg.Total {
		out.Next = strconv.Itoa(n)
	}
	return out, nil
}
