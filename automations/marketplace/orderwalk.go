package marketplace

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// A sync that reads a store's orders in the browser walks the store's order
// list, so that every order is stored and its parcel tracked, not only the
// orders a buyer wrote about. The rule of the walk:
//
//   - The first walk of a store reads the orders placed in the last
//     orderWalkWindow (60 days), newest first.
//   - Each walk keeps a watermark: the newest time among the orders it read,
//     by the time the list is sorted or filtered by. Amazon's order list is
//     sorted by order date; TikTok Shop's order search and eBay's getOrders
//     filter by update time, which moves when an order gains its tracking
//     number.
//   - A later walk reads back to the watermark less orderWalkMargin (a day),
//     for orders the list shows late and clocks that disagree.
//   - On a list sorted by order date an order gains its tracking number where
//     it already stood, below the watermark. So the walk also notes the order
//     date of the oldest order it read that had no tracking number yet, and
//     the next walk reads back at least that far. An order waits like this
//     for orderShipWait (14 days) after it was placed at most, so that a
//     cancelled order does not hold every walk back; one shipped later still
//     gets its parcel when a buyer's thread names it.
//   - No walk reads further back than the first window.
//   - An order the database already holds as the list shows it is not
//     stored again; one that changed is stored through the same path as
//     every other order, which never replaces a known value with an empty
//     one.
//   - The watermark moves only after a walk read its last page and every
//     order it read fitted and was stored; a walk that stops part-way leaves
//     it, so the next one reads the same orders again.
const (
	orderWalkWindow = 60 * 24 * time.Hour
	orderWalkMargin = 24 * time.Hour
	orderShipWait   = 14 * 24 * time.Hour
	// maxOrderPages bounds one walk.
	maxOrderPages = 1000
)

// orderWalker is a site whose order list a sync can walk.
type orderWalker interface {
	// orderList returns the store's order list for one walk, or nil when
	// the store's recipe does not have it.
	orderList(s *session) orderList
}

// orderList reads the pages of one store's order list.
type orderList interface {
	// byChange tells whether the list can be asked for the orders changed
	// since a time (then the watermark is an update time), rather than
	// only listing orders by the date they were placed.
	byChange() bool
	// page reads one page of the orders q asks for, newest first: the
	// first page for the empty cursor. The page's URL is set even when it
	// fails.
	page(p *rod.Page, q orderQuery, cursor string) (orderListPage, error)
}

// orderQuery is what one walk asks the list for.
type orderQuery struct {
	// Since is the earliest order the walk reads: by when it was placed,
	// or, with ByChange, by when it last changed.
	Since    time.Time
	ByChange bool
}

// listedOrder is an order as an order list shows it.
type listedOrder struct {
	remoteOrder
	Placed  time.Time // when the buyer placed it
	Changed time.Time // when it last changed, where the list says so
	Multi   []string  // fields whose selector matched twice in the row
}

// orderListPage is one page of an order list.
type orderListPage struct {
	Orders []listedOrder
	Next   string // the next page's cursor; "" on the last page
	URL    string
	// Page is set when URL is a page a person opens, so that evidence of a
	// page that does not fit is worth a screenshot of it.
	Page bool
}

// walkResult is what one walk found.
type walkResult struct {
	pages, read, stored int
	newest, oldestOpen  time.Time
	// problems are the orders that did not fit or could not be stored;
	// the others are stored and the watermark stays.
	problems []error
}

// walkOrders walks the store's order list and stores the orders created or
// changed since the last walk. It returns an error only when the store
// cannot go on (a CAPTCHA, refused credentials, cancellation); any other
// failure is recorded as the failed item orders:STORE:list, with its
// class and evidence, and the threads are still read.
func (y *storeSync) walkOrders(ctx context.Context) error {
	if y.noBrowserOrders || (y.api != nil && y.api.Channels.Orders == localdb.ChannelNone) {
		return nil
	}
	w, ok := y.sess.site.(orderWalker)
	if !ok {
		return nil
	}
	list := w.orderList(y.sess)
	if list == nil {
		return nil
	}
	item := "orders:" + y.store.Name + ":list"
	if err := y.rec.Add(ctx, item); err != nil {
		return err
	}
	y.progress(Progress{Store: y.store.Name, Phase: "orders", Message: "the order list"})
	now := y.deps.now()
	last, err := y.deps.DB.GetOrderWalk(ctx, y.store.ID)
	var prev *localdb.OrderWalk
	switch {
	case err == nil:
		prev = &last
	case !errors.Is(err, localdb.ErrNotFound):
		y.rec.End(context.WithoutCancel(ctx), item, err)
		return err
	}
	q := planWalk(now, prev, list.byChange())
	res, err := y.walkList(ctx, list, q, now)
	y.sum.OrderPages, y.sum.ListedOrders = res.pages, res.stored
	if err == nil && len(res.problems) > 0 {
		err = walkProblems(res.problems)
	}
	if err == nil {
		next := localdb.OrderWalk{StoreID: y.store.ID, Watermark: res.newest, OpenFrom: res.oldestOpen, Pages: res.pages, WalkedAt: now}
		if next.Watermark.IsZero() && prev != nil {
			next.Watermark = prev.Watermark // nothing read: nothing moved
		}
		err = y.deps.DB.SetOrderWalk(ctx, next)
	}
	if err != nil {
		class, _ := classOf(err)
		if class == automations.NeedsHuman || class == automations.AuthFailed || class == automations.Canceled {
			y.rec.End(ctx, item, err)
			return err
		}
		y.failWalk(ctx, item, err)
		return nil
	}
	y.rec.End(ctx, item, nil)
	y.progress(Progress{Store: y.store.Name, Phase: "orders", Done: res.pages, Total: res.pages,
		Message: fmt.Sprintf("%d orders stored from %d of the order list's pages", res.stored, res.pages)})
	return nil
}

// planWalk says where a walk at now stops, after the walk prev (nil before
// the first one).
func planWalk(now time.Time, prev *localdb.OrderWalk, byChange bool) orderQuery {
	floor := now.Add(-orderWalkWindow)
	if prev == nil {
		// The first walk asks by order date on every site: the window is
		// of orders placed.
		return orderQuery{Since: floor}
	}
	mark := prev.Watermark
	if mark.IsZero() {
		mark = prev.WalkedAt
	}
	since := mark.Add(-orderWalkMargin)
	if !prev.OpenFrom.IsZero() && prev.OpenFrom.Before(since) {
		since = prev.OpenFrom
	}
	if since.Before(floor) {
		since = floor
	}
	return orderQuery{Since: since, ByChange: byChange}
}

// walkList reads the list's pages, newest first, until an order older than
// q asks for or the list's end, and stores what each page brings.
func (y *storeSync) walkList(ctx context.Context, list orderList, q orderQuery, now time.Time) (walkResult, error) {
	var res walkResult
	cursor := ""
	for range maxOrderPages {
		var pg orderListPage
		var misfit error
		err := y.withSession(ctx, func() error {
			return y.sess.step(ctx, "orders.list", batchBudget, func(p *rod.Page) error {
				var err error
				pg, err = list.page(p, q, cursor)
				if err == nil {
					pg.Orders, misfit = y.sess.checkListed(pg.Orders, pg.URL)
					var re *automations.RecordError
					if errors.As(misfit, &re) && re.Most() {
						// Most rows do not fit: the page changed, and
						// nothing read from it is stored.
						err = misfit
					}
				}
				if err != nil && automations.Classify(err) == automations.PageChanged && pg.Page && pg.URL != "" {
					// Open the page that did not fit, so that the evidence
					// shows it rather than the page the walk was on.
					_ = automations.Navigate(p, pg.URL)
				}
				return err
			})
		})
		if err != nil {
			return res, err
		}
		res.pages++
		if misfit != nil {
			res.problems = append(res.problems, misfit)
		}
		older := false
		for _, o := range pg.Orders {
			// The list's own order: by change where it filters by it (the
			// first walk asks by order date even there), else by order date.
			at, mark := o.Placed, o.Placed
			if list.byChange() {
				if o.Changed.IsZero() {
					res.problems = append(res.problems, &automations.Failure{Class: automations.PageChanged, Step: "orders.list",
						Site: y.sess.recipe.Site, Err: fmt.Errorf("order %s on %s has no update time", o.ID, pg.URL)})
					continue
				}
				mark = o.Changed
				if q.ByChange {
					at = o.Changed
				}
			}
			if at.Before(q.Since) {
				// A list by order date is past what the walk reads; a
				// list filtered by change may hold an older order that
				// changed, which this walk does not ask for.
				older = older || !list.byChange()
				continue
			}
			res.read++
			if mark.After(res.newest) {
				res.newest = mark
			}
			if o.Tracking == "" && !list.byChange() && !o.Placed.Before(now.Add(-orderShipWait)) &&
				(res.oldestOpen.IsZero() || o.Placed.Before(res.oldestOpen)) {
				res.oldestOpen = o.Placed
			}
			stored, err := y.storeListed(ctx, o)
			if err != nil {
				if ctx.Err() != nil {
					return res, err
				}
				res.problems = append(res.problems, err)
				continue
			}
			if stored {
				res.stored++
			}
		}
		y.progress(Progress{Store: y.store.Name, Phase: "orders", Done: res.pages, Message: fmt.Sprintf("%d orders read", res.read)})
		if older || pg.Next == "" {
			return res, nil
		}
		cursor = pg.Next
	}
	return res, &automations.Failure{Class: automations.SiteError, Step: "orders.list", Site: y.sess.recipe.Site,
		Err: fmt.Errorf("the order list did not end after %d pages", maxOrderPages)}
}

// storeListed stores one order of the list, unless the database already
// holds it as the list shows it; it reports whether it stored it.
func (y *storeSync) storeListed(ctx context.Context, o listedOrder) (bool, error) {
	cur, err := y.deps.DB.GetOrderByMarketplaceID(ctx, y.store.ID, o.ID)
	switch {
	case err == nil:
		changed, err := y.listedChanges(cur, o.remoteOrder)
		if err != nil || !changed {
			return false, err
		}
	case !errors.Is(err, localdb.ErrNotFound):
		return false, err
	}
	if _, _, err := y.saveOrder(ctx, o.remoteOrder); err != nil {
		return false, err
	}
	return true, nil
}

// listedChanges tells whether storing o would change the stored order cur:
// whether o has a value cur lacks or holds otherwise. An empty value of o
// changes nothing, as the upsert keeps what is stored.
func (y *storeSync) listedChanges(cur localdb.Order, o remoteOrder) (bool, error) {
	value, err := y.orderValue(o)
	if err != nil {
		return false, err
	}
	differs := func(got, stored string) bool {
		got = strings.TrimSpace(got)
		return got != "" && got != stored
	}
	switch {
	case differs(o.Tracking, cur.TrackingNumber), differs(o.Carrier, cur.Carrier), differs(o.Service, cur.Service),
		differs(o.ShipFrom, cur.OriginCountry), differs(o.ShipTo, cur.DestinationCountry), differs(o.Buyer, cur.BuyerName),
		!o.ShipDate.IsZero() && !o.ShipDate.Equal(cur.ShipDate),
		value.Minor() != 0 && (value.Minor() != cur.DeclaredValue || value.Currency() != cur.Currency),
		len(cur.Items) == 0 && o.Item != "",
		len(o.Items) > 0 && !slices.Equal(o.Items, cur.Items):
		return true, nil
	}
	return false, nil
}

// walkProblems is the error of a walk some orders of which did not fit or
// could not be stored.
func walkProblems(problems []error) error {
	if len(problems) == 1 {
		return problems[0]
	}
	class, evidence := classOf(problems[0])
	return &automations.Failure{Class: class, Step: "orders.list", Evidence: evidence,
		Err: fmt.Errorf("%d problems on the order list, the first: %w", len(problems), problems[0])}
}

// failWalk records the walk's item as failed, with its class and evidence
// of what the page showed.
func (y *storeSync) failWalk(ctx context.Context, item string, err error) {
	class, evidence := classOf(err)
	if evidence == "" && y.deps.EvidenceDir != "" && y.evidence < maxEvidencePerStore {
		y.evidence++
		if rp := y.sess.page.Rod(); rp != nil {
			if dir, eerr := automations.SaveEvidence(ctx, rp, y.deps.EvidenceDir, "orders.list",
				append(y.sess.page.Log(), item+": "+string(class)+": "+err.Error())); eerr == nil {
				evidence = dir
			}
		}
	}
	y.sum.Failed++
	y.rec.End(context.WithoutCancel(ctx), item, withClass(err, class, evidence))
	y.deps.logger().Warn("order list not walked to its end", "store", y.store.Name, "class", class, "err", err)
}
