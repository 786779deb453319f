package marketplace

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/marketplaces/tiktok"
)

// TikTok Shop through its Open API: orders, buyer chats and replies, each
// stored through the same record path as the seller centre's pages
// (saveOrder, save), so that both channels store the same rows.

// ttMaxPages bounds one sync's pages of conversations and of one
// conversation's messages.
const ttMaxPages = 1000

// tiktokClient makes the store's Open API client: the app key, app secret
// and refresh token from the keyring, the shop cipher from the account.
func (d *Deps) tiktokClient(ctx context.Context, st localdb.Store, a localdb.APIAccount) (*tiktok.Client, error) {
	cr, err := d.apiCredentials(ctx, st)
	if err != nil {
		return nil, err
	}
	cipher := ""
	if len(a.MarketplaceIDs) > 0 {
		cipher = a.MarketplaceIDs[0]
	}
	return tiktok.New(tiktok.Config{AppKey: cr["client_id"], AppSecret: cr["client_secret"], RefreshToken: cr["refresh_token"],
		ShopCipher: cipher, BaseURL: a.Endpoint, TokenURL: a.TokenURL, Now: d.Now, MaxRetries: d.APIRetries})
}

// ttPulled is an order the API gave, as every channel stores it, with when
// it last changed.
type ttPulled struct {
	r       remoteOrder
	changed time.Time
}

// tiktokOrders reads the orders updated at or after since through Get
// Order List, with the warehouses' countries. It returns the client's
// request count too.
func (y *storeSync) tiktokOrders(ctx context.Context, a localdb.APIAccount, since time.Time) ([]ttPulled, int64, error) {
	c, err := y.deps.tiktokClient(ctx, y.store, a)
	if err != nil {
		return nil, 0, err
	}
	regions, err := c.Warehouses(ctx)
	if err != nil {
		return nil, c.Requests(), apiFailure("orders.api", err)
	}
	orders, err := c.OrdersUpdatedSince(ctx, since, apiMaxPages)
	if err != nil {
		return nil, c.Requests(), apiFailure("orders.api", err)
	}
	out := make([]ttPulled, 0, len(orders))
	for _, o := range orders {
		r, err := remoteFromTiktok(o, regions)
		if err != nil {
			return nil, c.Requests(), &automations.Failure{Class: automations.SiteError, Step: "orders.api", Site: "tiktok-shop-api", Err: err}
		}
		out = append(out, ttPulled{r, o.Updated})
	}
	return out, c.Requests(), nil
}

// remoteFromTiktok turns an order of Get Order List into the record every
// channel stores, read as the seller centre's order list is read
// (ttRemote): the parcel is the first package with a tracking number, its
// provider the line items' shipping_provider_name before the order's
// shipping_provider; the origin the country of the order's warehouse. Line
// items, one a unit, are counted by SKU into items.
func remoteFromTiktok(o tiktok.Order, regions map[string]string) (remoteOrder, error) {
	r := remoteOrder{ID: o.ID, Buyer: o.Buyer, ShipTo: o.ShipToCountry, ShipFrom: regions[o.WarehouseID], ShipDate: o.ShipTime,
		Carrier: o.ShippingProvider, Tracking: o.TrackingNumber}
	if o.Total != nil {
		r.Value = decimalText(money.FormatDecimal(o.Total.Minor(), o.Total.Currency()))
		r.Currency = o.Total.Currency()
	}
	index := map[string]int{}
	for _, li := range o.Items {
		key := cmp.Or(li.SKUID, li.SellerSKU, li.ProductName)
		if i, ok := index[key]; ok {
			r.Items[i].Quantity++
			continue
		}
		it := localdb.OrderItem{SKU: li.SellerSKU, Title: li.ProductName, Quantity: 1}
		if li.SalePrice != nil {
			if r.Currency != "" && li.SalePrice.Currency() != r.Currency {
				return remoteOrder{}, fmt.Errorf("order %s: line item %s is priced in %s, the order in %s", o.ID, li.ID, li.SalePrice.Currency(), r.Currency)
			}
			it.UnitPrice = li.SalePrice.Minor()
		}
		index[key] = len(r.Items)
		r.Items = append(r.Items, it)
	}
	first := true
	for _, p := range o.Packages {
		if p.TrackingNumber == "" {
			continue // packed, not handed over: no parcel to track yet
		}
		if first {
			first = false
			r.Tracking, r.Carrier = p.TrackingNumber, cmp.Or(p.ShippingProvider, r.Carrier)
			if r.ShipDate.IsZero() {
				r.ShipDate = p.ShipTime
			}
			continue
		}
		r.More = append(r.More, parcelRef{Carrier: p.ShippingProvider, Tracking: p.TrackingNumber, ShipDate: p.ShipTime})
	}
	return r, nil
}

// syncAPIThreads reads the store's buyer chats through the API: every
// conversation whose latest message is new since the last sync, or that
// is not stored yet, read whole and stored through the same path as the
// seller centre's (save). Each conversation is an item of the run record.
// The error is the one that stops the store; a conversation that fails
// alone is recorded and the others go on.
func (y *storeSync) syncAPIThreads(ctx context.Context) (string, error) {
	c, err := y.deps.tiktokClient(ctx, y.store, *y.api)
	if err != nil {
		return "", err
	}
	defer func() { y.sum.APIRequests += c.Requests() }()
	y.progress(Progress{Store: y.store.Name, Phase: "list", Message: "conversations through the API"})
	convs, err := c.Conversations(ctx, ttMaxPages)
	if err != nil {
		return "", apiFailure("inbox.api", err)
	}
	all := make([]threadSummary, 0, len(convs))
	for _, cv := range convs {
		all = append(all, threadSummary{ID: cv.ID, Buyer: cv.Buyer, Received: cv.LatestAt})
	}
	since := parseTime(y.store.SyncCursor)
	list, err := y.changed(ctx, all, since)
	if err != nil {
		return "", err
	}
	y.sum.Checked = len(list)
	keys := make([]string, len(list))
	for i, t := range list {
		keys[i] = y.threadKey(t.ID)
	}
	if len(keys) > 0 {
		if err := y.rec.Add(ctx, keys...); err != nil {
			return "", err
		}
	}
	var failedAt, newest time.Time
	for i, t := range list {
		key := keys[i]
		d, err := y.readAPIThread(ctx, c, t)
		if err == nil {
			err = y.save(ctx, t, d, nil)
		}
		if err != nil {
			class, _ := classOf(err)
			y.sum.Failed++
			y.rec.End(context.WithoutCancel(ctx), key, withClass(err, class, ""))
			y.deps.logger().Warn("conversation not synced", "item", key, "class", class, "err", err)
			if class == automations.AuthFailed || class == automations.Canceled || errors.Is(err, context.Canceled) {
				for _, k := range keys[i+1:] {
					y.rec.End(context.WithoutCancel(ctx), k, withClass(err, class, ""))
				}
				return "", err
			}
			if failedAt.IsZero() || t.Received.Before(failedAt) {
				failedAt = t.Received
			}
			continue
		}
		y.rec.End(ctx, key, nil)
		if t.Received.After(newest) {
			newest = t.Received
		}
		y.progress(Progress{Store: y.store.Name, Phase: "threads", Done: i + 1, Total: len(list)})
	}
	// The next sync reads from the newest conversation stored, or from the
	// oldest that failed, so that it is read again.
	return nextCursor(y.store.SyncCursor, newest, failedAt), nil
}

// readAPIThread reads one conversation whole into the record the seller
// centre's thread page gives (tiktokSite.details): the order the buyer
// came from, each message of the buyer and the shop, a buyer's photos on
// the message they follow, and the status the messages say.
func (y *storeSync) readAPIThread(ctx context.Context, c *tiktok.Client, t threadSummary) (threadDetail, error) {
	ms, err := c.Messages(ctx, t.ID, ttMaxPages)
	if err != nil {
		return threadDetail{}, apiFailure("thread.api", err)
	}
	d := threadDetail{threadSummary: threadSummary{ID: t.ID, Buyer: t.Buyer}}
	var lastBuyer, lastSeller time.Time
	for _, m := range ms {
		var from string
		switch m.Role {
		case tiktok.RoleBuyer:
			from = "buyer"
		case tiktok.RoleShop, tiktok.RoleCustomerService:
			from = "seller"
		default:
			continue // the system's and the robot's messages are no one's words
		}
		if !m.Visible {
			continue
		}
		switch m.Type {
		case tiktok.TypeOrderCard, tiktok.TypeBuyerEnterFromOrder, tiktok.TypeLogisticsCard:
			if d.OrderID == "" {
				d.OrderID = m.OrderID
			}
			continue
		case tiktok.TypeImage:
			// A photo belongs to what its sender last wrote.
			if n := len(d.Messages); n > 0 && d.Messages[n-1].From == from {
				d.Messages[n-1].Attachments = append(d.Messages[n-1].Attachments, m.ImageURL)
				continue
			}
			d.Messages = append(d.Messages, remoteMessage{ID: m.ID, From: from, At: m.Created, Attachments: []string{m.ImageURL}})
		case tiktok.TypeText:
			d.Messages = append(d.Messages, remoteMessage{ID: m.ID, From: from, Body: strings.TrimSpace(m.Text), At: m.Created})
		default:
			// A card, a video, an emoticon: kept as a message that says so,
			// never dropped in silence.
			d.Messages = append(d.Messages, remoteMessage{ID: m.ID, From: from, At: m.Created,
				Body: "(" + m.Type + " message: open the conversation in TikTok Shop Seller Center to see it)"})
		}
		if from == "buyer" {
			lastBuyer = m.Created
		} else {
			lastSeller = m.Created
		}
	}
	if len(d.Messages) == 0 {
		return d, &automations.Failure{Class: automations.PageChanged, Step: "thread.api", Site: "tiktok-shop-api",
			Err: fmt.Errorf("conversation %s: Get Conversation Messages gives no message of the buyer or the shop", t.ID)}
	}
	switch {
	case lastBuyer.IsZero():
		d.Status = "seller_started"
	case !lastSeller.IsZero() && !lastSeller.Before(lastBuyer):
		d.Status = "answered"
	default:
		d.Status = "awaiting_reply"
	}
	if d.OrderID != "" {
		d.Order = &remoteOrder{ID: d.OrderID}
	}
	if err := y.downloadAPIAttachments(ctx, d); err != nil {
		y.deps.logger().Warn("attachments not downloaded", "store", y.store.Name, "conversation", t.ID, "err", err)
	}
	return d, nil
}

// downloadAPIAttachments saves the pictures of the threads an API read
// that are not on disk yet under AttachmentDir/<store>/, by the same names
// as the browser's download, from the addresses the API gives (TikTok's
// image links and eBay's MessageMedia.MediaURL need no session).
func (y *storeSync) downloadAPIAttachments(ctx context.Context, threads ...threadDetail) error {
	if y.deps.AttachmentDir == "" {
		return nil
	}
	dir := filepath.Join(y.deps.AttachmentDir, y.store.Name)
	var errs []error
	for _, d := range threads {
		for _, m := range d.Messages {
			for _, u := range m.Attachments {
				p := filepath.Join(dir, attachmentName(u))
				if _, err := os.Stat(p); err == nil {
					continue
				}
				if err := localdb.EnsurePrivateDir(dir); err != nil {
					return err
				}
				if err := fetchFile(ctx, u, p); err != nil {
					errs = append(errs, err)
					continue
				}
				y.sum.Attachments++
			}
		}
	}
	return errors.Join(errs...)
}

// maxAttachment is the largest attachment an API sync downloads; a larger
// one is an error, never a file cut short.
const maxAttachment = 32 << 20

// attachmentClient fetches the attachments an API names, each within its
// own time budget.
var attachmentClient = &http.Client{Timeout: 30 * time.Second}

// fetchFile downloads u to p through a temporary file. Errors name the
// file, not the address, which may carry a signed token.
func fetchFile(ctx context.Context, u, p string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", attachmentName(u), err)
	}
	resp, err := attachmentClient.Do(req)
	if err != nil {
		return fmt.Errorf("attachment %s: %w", attachmentName(u), errors.Unwrap(err))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("attachment %s: status %d", attachmentName(u), resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAttachment+1))
	if err != nil {
		return fmt.Errorf("attachment %s: %w", attachmentName(u), err)
	}
	if len(data) > maxAttachment {
		return fmt.Errorf("attachment %s: larger than %d MiB, not stored", attachmentName(u), maxAttachment>>20)
	}
	tmp := p + ".part"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// tiktokReplyFound looks in the conversation for a reply of the shop with
// exactly this text: the Open API keeps no client reference, and the
// outbox's key is the thread and the text, so the same text there is the
// same intent. It returns the message's id, "" when there is none.
func tiktokReplyFound(ctx context.Context, c *tiktok.Client, conv, body string) (string, error) {
	ms, err := c.Messages(ctx, conv, ttMaxPages)
	if err != nil {
		return "", err
	}
	for _, m := range ms {
		if (m.Role == tiktok.RoleShop || m.Role == tiktok.RoleCustomerService) && m.Type == tiktok.TypeText && strings.TrimSpace(m.Text) == body {
			return m.ID, nil
		}
	}
	return "", nil
}

// deliverTiktok is deliver through the Open API: the intent is written
// before anything is sent; an intent an earlier run left unsure is first
// looked for in the conversation (Get Conversation Messages) and recorded
// when found; the message goes out with Send Message, and the intent is
// marked done with TikTok's message id. A send TikTok refused is marked
// failed (nothing went out); one whose answer was lost is left to check.
// It returns the message's id.
func deliverTiktok(ctx context.Context, deps *Deps, st localdb.Store, a localdb.APIAccount, in localdb.Intent, conv, body string,
	progress func(Progress)) (ReplyResult, string, error) {
	db := deps.DB
	res := ReplyResult{Key: in.Key}
	e, _, err := db.WriteIntent(ctx, in)
	if err != nil {
		return res, "", err
	}
	deps.hook("intent-written")
	res.Attempts = e.Attempts
	if e.State == localdb.OutboxDone {
		res.AlreadySent = true
		return res, "", nil
	}
	needCheck := e.State != localdb.OutboxPending || e.Attempts > 0
	if e.State == localdb.OutboxInFlight {
		if e, err = db.MarkNeedsCheck(ctx, e.ID, ""); err != nil {
			return res, "", err
		}
	}
	c, err := deps.tiktokClient(ctx, st, a)
	if err != nil {
		return res, "", err
	}
	deps.hook("session-ready")
	if needCheck {
		progress(Progress{Store: st.Name, Phase: "check"})
		id, err := tiktokReplyFound(ctx, c, conv, body)
		if err != nil {
			return res, "", apiFailure("reply.check", err)
		}
		if id != "" {
			if _, err := db.MarkDone(ctx, e.ID, doneResult(in.Key, true, deps.now())); err != nil {
				return res, "", err
			}
			deps.hook("marked-done")
			res.Recovered = true
			return res, id, nil
		}
	}
	deps.hook("checked")
	if e, err = db.MarkInFlight(ctx, e.ID); err != nil {
		return res, "", err
	}
	res.Attempts = e.Attempts
	deps.hook("in-flight")
	progress(Progress{Store: st.Name, Phase: "send"})
	id, err := c.SendText(ctx, conv, body)
	if err != nil {
		class := apierr.ClassOf(err)
		if class.Refused() {
			_, merr := db.MarkFailed(context.WithoutCancel(ctx), e.ID, string(class))
			return res, "", errors.Join(apiFailure("reply.api", err), merr)
		}
		_, merr := db.MarkNeedsCheck(context.WithoutCancel(ctx), e.ID, string(class))
		return res, "", errors.Join(apiFailure("reply.api", err), merr)
	}
	deps.hook("submitted")
	deps.hook("confirmed")
	if _, err := db.MarkDone(ctx, e.ID, doneResult(in.Key, false, deps.now())); err != nil {
		return res, id, err
	}
	deps.hook("marked-done")
	return res, id, nil
}

// replyThroughAPI sends a reply through the store's API when its reply
// channel says so, through the same outbox and under the same key as the
// browser, and keeps it in the local thread under TikTok's message id, the
// id a later sync through the API reads it under. sent is false when the
// browser is to send it: the store has no API reply channel, or with both
// channels TikTok refused the message before it went out.
func replyThroughAPI(ctx context.Context, deps *Deps, st localdb.Store, th localdb.Thread, in localdb.Intent, body string,
	progress func(Progress)) (ReplyResult, bool, error) {
	a, err := deps.DB.GetAPIAccount(ctx, st.ID)
	switch {
	case errors.Is(err, localdb.ErrNotFound):
		return ReplyResult{}, false, nil
	case err != nil:
		return ReplyResult{}, true, err
	case a.API != "tiktok-shop-api" || !a.Channels.Reply.UsesAPI():
		return ReplyResult{}, false, nil
	}
	res, id, err := deliverTiktok(ctx, deps, st, a, in, th.MarketplaceThreadID, body, progress)
	if err != nil {
		class, _ := classOf(err)
		if a.Channels.Reply == localdb.ChannelBoth && apierr.ClassOf(err).Refused() && class != automations.Canceled {
			deps.logger().Warn("reply through the API refused; the browser sends it", "store", st.Name, "class", class, "err", err)
			return res, false, nil
		}
		return res, true, err
	}
	if res.AlreadySent {
		return res, true, nil
	}
	if _, _, err := deps.DB.UpsertMessage(ctx, localdb.Message{ThreadID: th.ID, MarketplaceMessageID: id,
		Direction: localdb.DirectionOut, Sender: "seller", Body: body, SentAt: deps.now()}); err != nil {
		return res, true, fmt.Errorf("reply sent, but not stored locally (the next sync stores it): %w", err)
	}
	deps.hook("stored")
	progress(Progress{Store: st.Name, Phase: "done", Message: "sent through the API"})
	return res, true, nil
}
