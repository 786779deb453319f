package marketplace

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/ebay"
)

// ebayMessageHistory is how far back the first API read of a store's
// messages reaches: eBay's order partners exchange member messages up to
// 90 days after the order (MessageTypeCodeType ContactTransactionPartner).
const ebayMessageHistory = 90 * 24 * time.Hour

// ebayMessageOverlap is read again before the cursor, so that a message
// eBay files a little late is not missed; storing is idempotent.
const ebayMessageOverlap = time.Hour

// replyRef is the tag a reply sent through the API carries its outbox key
// in, as the Trading API has no field for a client reference; a reply
// read back is stored under that key (ref:KEY), as the browser stores it.
var replyRef = regexp.MustCompile(`\s*\[ref:([A-Za-z0-9._:-]{1,80})\]\s*$`)

// withRef is a reply's text as sent through the API: the body, then its
// key's tag.
func withRef(body, key string) string { return body + "\n\n[ref:" + key + "]" }

// splitRef takes a reply's key tag off its text.
func splitRef(text string) (body, ref string) {
	if m := replyRef.FindStringSubmatchIndex(text); m != nil {
		return strings.TrimSpace(text[:m[0]]), text[m[2]:m[3]]
	}
	return strings.TrimSpace(text), ""
}

// apiLeaves are the thread kinds a marketplace's message API does not
// carry: eBay's returns and cases are Post-Order API objects, not member
// messages (GetMyMessages never lists them). A store that reads its
// messages through the API and the browser has the browser read these.
var apiLeaves = map[string][]localdb.ThreadKind{
	"ebay": {localdb.KindReturn, localdb.KindCase},
}

// browserKinds are the thread kinds the browser still reads this sync after
// the API read the messages: those the API leaves, when the store's
// messages may go through the browser too; none otherwise.
func (y *storeSync) browserKinds() []localdb.ThreadKind {
	if !y.messagesByAPI || !y.api.Channels.ReadMessages.UsesBrowser() {
		return nil
	}
	return apiLeaves[y.store.Marketplace]
}

// ebayTrading makes the store's Trading API client, on the same secrets as
// its Sell Fulfillment client.
func (d *Deps) ebayTrading(ctx context.Context, st localdb.Store, a localdb.APIAccount) (*ebay.Trading, error) {
	cr, err := d.apiCredentials(ctx, st)
	if err != nil {
		return nil, err
	}
	return ebay.NewTrading(ebay.Config{ClientID: cr["client_id"], ClientSecret: cr["client_secret"], RefreshToken: cr["refresh_token"],
		BaseURL: a.Endpoint, TokenURL: a.TokenURL, Now: d.Now, MaxRetries: d.APIRetries}, "")
}

// ebayItemOrders finds the order a message is about from its listing and
// buyer: getOrders' line items (legacyItemId) and buyer username.
type ebayItemOrders map[string][]ebay.Order

func itemKey(item, buyer string) string { return item + "\x00" + buyer }

func (x ebayItemOrders) add(orders []ebay.Order) {
	for _, o := range orders {
		for _, it := range o.Items {
			if it.LegacyItemID != "" {
				k := itemKey(it.LegacyItemID, o.Buyer)
				x[k] = append(x[k], o)
			}
		}
	}
}

// order is the newest order of the item by the buyer placed by at; "" when
// none is known (a question before a sale).
func (x ebayItemOrders) order(item, buyer string, at time.Time) (string, bool) {
	best := ""
	var when time.Time
	for _, o := range x[itemKey(item, buyer)] {
		if !o.Created.After(at) && (best == "" || o.Created.After(when)) {
			best, when = o.OrderID, o.Created
		}
	}
	return best, best != ""
}

// ebayAPIThreads reads the store's member messages received since from:
// the inbox's and the sent folder's headers, then their text ten at a
// time, grouped into conversations by ExternalMessageID (a message
// without one stands alone, under its own id).
func ebayAPIThreads(ctx context.Context, tr *ebay.Trading, from time.Time) ([]threadDetail, map[string][]string, error) {
	var heads []ebay.MyMessage
	for _, f := range []int{ebay.FolderInbox, ebay.FolderSent} {
		hs, err := tr.MessageHeaders(ctx, f, from, time.Time{})
		if err != nil {
			return nil, nil, err
		}
		heads = append(heads, hs...)
	}
	ids := make([]string, len(heads))
	for i, h := range heads {
		ids[i] = h.MessageID
	}
	msgs, err := tr.MessageBodies(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	byThread := map[string]*threadDetail{}
	items := map[string][]string{}  // thread -> its messages' items
	subjects := map[string]string{} // message -> its subject
	var order []string
	for _, m := range msgs {
		id := m.ExternalMessageID
		if id == "" {
			id = m.MessageID
		}
		d := byThread[id]
		if d == nil {
			d = &threadDetail{threadSummary: threadSummary{ID: id}}
			byThread[id] = d
			order = append(order, id)
		}
		rm := remoteMessage{ID: m.MessageID, From: "buyer", At: m.Received}
		rm.Body, rm.Ref = splitRef(m.Text)
		if m.Folder == ebay.FolderSent {
			rm.From = "seller"
			if d.Buyer == "" {
				d.Buyer = m.Recipient
			}
		} else {
			d.Buyer = m.Sender
			if m.Received.After(d.Received) {
				d.Received = m.Received
			}
		}
		subjects[m.MessageID] = strings.TrimSpace(m.Subject)
		for _, md := range m.Media {
			rm.Attachments = append(rm.Attachments, md.URL)
		}
		if m.ItemID != "" {
			items[id] = append(items[id], m.ItemID)
		}
		d.Messages = append(d.Messages, rm)
	}
	out := make([]threadDetail, 0, len(order))
	for _, id := range order {
		d := byThread[id]
		sort.SliceStable(d.Messages, func(i, j int) bool { return d.Messages[i].At.Before(d.Messages[j].At) })
		// The conversation's subject is its first buyer message's.
		d.Subject = subjects[d.Messages[0].ID]
		var lastSeller time.Time
		buyerSubject := false
		for _, m := range d.Messages {
			if m.From == "seller" {
				lastSeller = m.At
			} else if !buyerSubject {
				d.Subject, buyerSubject = subjects[m.ID], true
			}
		}
		switch {
		case d.Received.IsZero():
			// Only the seller wrote since the cursor: the status stays as
			// stored.
		case !lastSeller.Before(d.Received):
			d.Status = "answered"
		default:
			d.Status = "awaiting_reply"
		}
		out = append(out, *d)
	}
	return out, items, nil
}

// syncAPIMessages reads the store's member messages through the Trading
// API and stores them through the same path as the browser's threads. With
// both channels, a failure is recorded and said in the summary and the
// browser reads the messages instead (the error is nil then); through the
// API alone it stops the store.
func (y *storeSync) syncAPIMessages(ctx context.Context) error {
	item := "messages:" + y.store.Name + ":api"
	if err := y.rec.Add(ctx, item); err != nil {
		return err
	}
	y.progress(Progress{Store: y.store.Name, Phase: "threads", Message: "messages through the API"})
	var cursor string
	var err error
	switch y.api.API {
	case "tiktok-shop-api":
		cursor, err = y.syncAPIThreads(ctx)
	default:
		cursor, err = y.apiMessages(ctx)
	}
	if err == nil {
		y.apiCursor, y.messagesByAPI, y.sum.MessagesChannel = cursor, true, "api"
		y.rec.End(ctx, item, nil)
		return nil
	}
	class, _ := classOf(err)
	if y.api.Channels.ReadMessages != localdb.ChannelBoth || class == automations.Canceled {
		y.rec.End(ctx, item, err)
		return err
	}
	y.sum.MessagesChannel, y.sum.MessagesAPIError = "browser", err.Error()
	y.rec.End(context.WithoutCancel(ctx), item, &automations.Failure{Class: class, Step: "messages.api", Site: y.api.API,
		Err: fmt.Errorf("%w; the browser reads this sync's messages instead", err)})
	y.deps.logger().Warn("messages through the API failed; the browser reads them", "store", y.store.Name, "class", class, "err", err)
	y.progress(Progress{Store: y.store.Name, Phase: "threads", Message: "the API failed (" + string(class) + "); messages through the browser"})
	return nil
}

// apiMessages reads and stores the messages since the store's cursor and
// returns the next cursor: the newest buyer message stored, or the oldest
// buyer message of a thread that failed to store.
func (y *storeSync) apiMessages(ctx context.Context) (string, error) {
	now := y.deps.now()
	from := now.Add(-ebayMessageHistory)
	if c := parseTime(y.store.SyncCursor); !c.IsZero() {
		from = c.Add(-ebayMessageOverlap)
	}
	tr, err := y.deps.ebayTrading(ctx, y.store, *y.api)
	if err != nil {
		return "", err
	}
	threads, items, err := ebayAPIThreads(ctx, tr, from)
	y.sum.APIRequests += tr.Requests()
	if err != nil {
		return "", apiFailure("messages.api", err)
	}
	for _, w := range tr.Warnings() {
		y.deps.logger().Info("eBay answered with a warning", "store", y.store.Name, "warning", w)
	}
	if err := y.ebayOrderIDs(ctx, threads, items); err != nil {
		return "", err
	}
	if err := y.downloadAPIAttachments(ctx, threads...); err != nil {
		y.deps.logger().Warn("attachments not downloaded", "store", y.store.Name, "err", err)
	}
	y.sum.Checked = len(threads)
	var newest, failedAt time.Time
	for _, d := range threads {
		key := y.threadKey(d.ID)
		if err := y.rec.Add(ctx, key); err != nil {
			return "", err
		}
		if err := y.save(ctx, d.threadSummary, d, nil); err != nil {
			y.sum.Failed++
			y.rec.End(context.WithoutCancel(ctx), key, err)
			y.deps.logger().Warn("thread not synced", "item", key, "err", err)
			if failedAt.IsZero() || d.Received.Before(failedAt) {
				failedAt = d.Received
			}
			continue
		}
		y.rec.End(ctx, key, nil)
		if d.Received.After(newest) {
			newest = d.Received
		}
	}
	return nextCursor(y.store.SyncCursor, newest, failedAt), nil
}

// ebayOrderIDs names each thread's order from its messages' listing and
// buyer: from the orders this sync read through the API, else from one
// read of the store's orders over the API's window.
func (y *storeSync) ebayOrderIDs(ctx context.Context, threads []threadDetail, items map[string][]string) error {
	find := func(d threadDetail) (string, bool) {
		for _, it := range items[d.ID] {
			if id, ok := y.ebayItems.order(it, d.Buyer, firstOf(d)); ok {
				return id, true
			}
		}
		return "", false
	}
	read := false
	for i, d := range threads {
		id, ok := find(d)
		if !ok && !read && len(items[d.ID]) > 0 {
			read = true
			c, err := y.deps.ebayClient(ctx, y.store, *y.api)
			if err != nil {
				return err
			}
			orders, err := c.OrderLines(ctx, y.deps.now().Add(-apiHistory), apiMaxPages)
			y.sum.APIRequests += c.Requests()
			if err != nil {
				return apiFailure("messages.orders", err)
			}
			if y.ebayItems == nil {
				y.ebayItems = ebayItemOrders{}
			}
			y.ebayItems.add(orders)
			id, _ = find(d)
		}
		threads[i].OrderID = id
	}
	return nil
}

func firstOf(d threadDetail) time.Time {
	if len(d.Messages) == 0 {
		return d.Received
	}
	return d.Messages[0].At
}

// testEbayTrading checks the Trading API of a store whose messages or
// replies go through it: the last hour's inbox headers.
func testEbayTrading(ctx context.Context, deps *Deps, st localdb.Store, a localdb.APIAccount) error {
	if !a.Channels.ReadMessages.UsesAPI() && !a.Channels.Reply.UsesAPI() {
		return nil
	}
	tr, err := deps.ebayTrading(ctx, st, a)
	if err != nil {
		return err
	}
	if _, err := tr.MessageHeaders(ctx, ebay.FolderInbox, deps.now().Add(-time.Hour), time.Time{}); err != nil {
		return apiFailure("api.test", err)
	}
	return nil
}

// apiReply tells whether a store's replies go through its API, and returns
// its API channel.
func apiReply(ctx context.Context, deps *Deps, st localdb.Store) (localdb.APIAccount, bool, error) {
	if st.Marketplace != "ebay" {
		return localdb.APIAccount{}, false, nil
	}
	a, err := deps.DB.GetAPIAccount(ctx, st.ID)
	if errors.Is(err, localdb.ErrNotFound) {
		return localdb.APIAccount{}, false, nil
	}
	if err != nil {
		return localdb.APIAccount{}, false, err
	}
	return a, a.Channels.Reply.UsesAPI(), nil
}

// deliverAPI sends a reply whose intent e is written through the Trading
// API: an intent that may have reached eBay is first looked for in the
// sent folder, by its key's tag; then the conversation's newest buyer
// message is answered with AddMemberMessageRTQ. A refusal marks the intent
// failed (nothing was sent); any other failure leaves it to be checked.
func deliverAPI(ctx context.Context, deps *Deps, st localdb.Store, a localdb.APIAccount, e *localdb.OutboxEntry, conv, body string, needCheck bool,
	progress func(Progress)) (bool, error) {
	db := deps.DB
	tr, err := deps.ebayTrading(ctx, st, a)
	if err != nil {
		return false, err
	}
	if needCheck {
		progress(Progress{Store: st.Name, Phase: "check", Message: "through the API"})
		found, err := ebayHasReply(ctx, deps, tr, st, conv, e.IdempotencyKey, e.CreatedAt)
		if err != nil {
			return false, apiFailure("reply.check", err)
		}
		if found {
			if *e, err = db.MarkDone(ctx, e.ID, doneResult(e.IdempotencyKey, true, deps.now())); err != nil {
				return false, err
			}
			deps.hook("marked-done")
			return true, nil
		}
	}
	deps.hook("checked")
	parent, err := ebayParent(ctx, deps, tr, st, conv)
	if err != nil {
		return false, err
	}
	if *e, err = db.MarkInFlight(ctx, e.ID); err != nil {
		return false, err
	}
	deps.hook("in-flight")
	progress(Progress{Store: st.Name, Phase: "send", Message: "through the API"})
	err = tr.ReplyToMessage(ctx, ebay.RTQ{ItemID: parent.ItemID, ParentMessageID: parent.MessageID, RecipientID: parent.Sender,
		Body: withRef(body, e.IdempotencyKey)})
	if err != nil {
		f := apiFailure("reply.send", err)
		class, _ := classOf(f)
		mark := db.MarkNeedsCheck
		if apierr.ClassOf(err).Refused() {
			mark = db.MarkFailed
		}
		if _, merr := mark(context.WithoutCancel(ctx), e.ID, string(class)); merr != nil {
			return false, errors.Join(f, merr)
		}
		*e, _ = db.GetIntentByID(context.WithoutCancel(ctx), e.ID)
		return false, f
	}
	deps.hook("confirmed")
	if *e, err = db.MarkDone(ctx, e.ID, doneResult(e.IdempotencyKey, false, deps.now())); err != nil {
		return false, err
	}
	deps.hook("marked-done")
	return false, nil
}

// ebayParent is the message a reply answers: the conversation's newest
// buyer message stored, read back from eBay for its listing and sender.
func ebayParent(ctx context.Context, deps *Deps, tr *ebay.Trading, st localdb.Store, conv string) (ebay.MyMessage, error) {
	th, err := deps.DB.GetThreadByMarketplaceID(ctx, st.ID, conv)
	if err != nil {
		return ebay.MyMessage{}, err
	}
	msgs, err := deps.DB.ListMessages(ctx, th.ID)
	if err != nil {
		return ebay.MyMessage{}, err
	}
	id := ""
	for _, m := range msgs {
		if m.Direction == localdb.DirectionIn && !strings.HasPrefix(m.MarketplaceMessageID, "ref:") {
			id = m.MarketplaceMessageID
		}
	}
	if id == "" {
		return ebay.MyMessage{}, fmt.Errorf("%w: conversation %s has no buyer message to answer through the eBay API", ErrInvalidInput, conv)
	}
	got, err := tr.MessageBodies(ctx, []string{id})
	if err != nil {
		return ebay.MyMessage{}, apiFailure("reply.parent", err)
	}
	return got[0], nil
}

// ebayHasReply looks in the sent folder for a message of the
// conversation carrying key's tag, from the conversation's first stored
// message or the intent's writing, whichever is older: eBay's clock and
// ours need not agree.
func ebayHasReply(ctx context.Context, deps *Deps, tr *ebay.Trading, st localdb.Store, conv, key string, written time.Time) (bool, error) {
	since := written
	th, err := deps.DB.GetThreadByMarketplaceID(ctx, st.ID, conv)
	if err != nil {
		return false, err
	}
	msgs, err := deps.DB.ListMessages(ctx, th.ID)
	if err != nil {
		return false, err
	}
	for _, m := range msgs {
		if m.SentAt.Before(since) {
			since = m.SentAt
		}
	}
	hs, err := tr.MessageHeaders(ctx, ebay.FolderSent, since.Add(-ebayMessageOverlap), time.Time{})
	if err != nil {
		return false, err
	}
	var ids []string
	for _, h := range hs {
		if h.ExternalMessageID == conv || h.MessageID == conv {
			ids = append(ids, h.MessageID)
		}
	}
	ms, err := tr.MessageBodies(ctx, ids)
	if err != nil {
		return false, err
	}
	for _, m := range ms {
		if _, ref := splitRef(m.Text); ref == key {
			return true, nil
		}
	}
	return false, nil
}
