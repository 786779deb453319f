package marketplace

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// Progress reports a sync or a reply as it goes.
type Progress struct {
	Store   string `json:"store"`
	Phase   string `json:"phase"` // login, list, threads, done, failed, check, send
	Done    int    `json:"done"`
	Total   int    `json:"total"`
	Message string `json:"message,omitempty"`
}

// StoreSummary is how one store's sync ended.
type StoreSummary struct {
	Store        string `json:"store"`
	Marketplace  string `json:"marketplace"`
	OK           bool   `json:"ok"`
	FailureClass string `json:"failure_class,omitempty"`
	Error        string `json:"error,omitempty"`
	Evidence     string `json:"evidence,omitempty"`
	Checked      int    `json:"checked"`
	NewThreads   int    `json:"new_threads"`
	NewMessages  int    `json:"new_messages"`
	Attachments  int    `json:"attachments"`
	Failed       int    `json:"failed_threads"`
	Overdue      int    `json:"overdue"`
	// Skipped counts the marketplace's own notifications (shipping
	// confirmations, account notices) an email store recognised and left
	// out; Partial the mails stored with a part that could not be read.
	Skipped int `json:"skipped_notifications,omitempty"`
	Partial int `json:"partial_messages,omitempty"`
	// OrdersChannel is the channel the store's orders came through this
	// time: "api", "browser", or "browser" after the API failed, with
	// APIError saying why. Orders counts the orders the API gave;
	// APIRequests the API calls made (the token exchange left out).
	OrdersChannel string `json:"orders_channel,omitempty"`
	APIError      string `json:"api_error,omitempty"`
	// MessagesChannel is the channel the store's messages came through
	// this time, for a store whose messages may use its API: "api", or
	// "browser" after the API failed (MessagesAPIError says why).
	MessagesChannel  string `json:"messages_channel,omitempty"`
	MessagesAPIError string `json:"messages_api_error,omitempty"`
	Orders           int    `json:"api_orders,omitempty"`
	APIRequests      int64  `json:"api_requests,omitempty"`
	// ListedOrders counts the orders the walk of the store's order list in
	// the browser stored, new or changed since they were stored; OrderPages
	// the list's pages it read.
	ListedOrders int `json:"listed_orders,omitempty"`
	OrderPages   int `json:"order_pages,omitempty"`
}

// Summary is how a sync ended, over every store.
type Summary struct {
	// RunID is the jobs runner's run that recorded the sync; the sync
	// itself keeps no run record and leaves it zero.
	RunID       int64          `json:"run_id"`
	Stores      []StoreSummary `json:"stores"`
	NewThreads  int            `json:"new_threads"`
	NewMessages int            `json:"new_messages"`
	Overdue     int            `json:"overdue"`
	Failed      int            `json:"failed_threads"`
	StoreErrors int            `json:"failed_stores"`
	Seconds     float64        `json:"seconds"`
}

// SyncOptions tune a sync.
type SyncOptions struct {
	// Parallel is how many stores sync at once; zero means 3.
	Parallel int
	// Batch is how many threads one page reads at once; zero means 10.
	// 1 reads thread by thread, as a naive loop would.
	Batch int
	// Record receives the sync item by item: "store:NAME" for each store
	// (begun before its sign-in; a store it says no to is skipped and left
	// out of the summary) and "thread:STORE:ID" for each thread read, added
	// once the store's inbox is listed. Nil records nothing.
	Record automations.Recorder
}

// SyncStores pulls new threads, messages, orders and attachments from the
// named stores (every store when names is empty) into the database: the
// orders of the store's order list created or changed since the last walk
// of it (see orderwalk.go), and those its threads name. Each store signs in
// on its own isolated page; a store that fails (a CAPTCHA, refused
// credentials) is reported and the others go on. Every thread, and the
// walk of the order list (orders:STORE:list), is either stored or reported
// to the options' Record as failed, with its class and evidence. The error
// is nil unless the sync could not run at all.
func SyncStores(ctx context.Context, deps *Deps, names []string, progress func(Progress)) (Summary, error) {
	return SyncStoresWith(ctx, deps, names, SyncOptions{}, progress)
}

// SyncStoresWith is SyncStores with explicit options.
func SyncStoresWith(ctx context.Context, deps *Deps, names []string, opts SyncOptions, progress func(Progress)) (Summary, error) {
	start := time.Now()
	if err := deps.check(); err != nil {
		return Summary{}, err
	}
	if progress == nil {
		progress = func(Progress) {}
	}
	var progressMu sync.Mutex
	report := progress
	progress = func(p Progress) {
		progressMu.Lock()
		defer progressMu.Unlock()
		report(p)
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 3
	}
	if opts.Batch <= 0 {
		opts.Batch = 10
	}
	if opts.Record == nil {
		opts.Record = automations.NoRecord
	}
	stores, err := selectStores(ctx, deps.DB, names)
	if err != nil {
		return Summary{}, err
	}
	if len(stores) == 0 {
		return Summary{Stores: []StoreSummary{}}, nil
	}
	byMail := make([]bool, len(stores))
	accts := make([]*localdb.APIAccount, len(stores))
	needBrowser := false
	for i, st := range stores {
		if deps.Mail != nil {
			if byMail[i], err = deps.Mail.HasMail(ctx, st); err != nil {
				return Summary{}, err
			}
		}
		if byMail[i] {
			continue
		}
		a, err := deps.DB.GetAPIAccount(ctx, st.ID)
		switch {
		case err == nil:
			accts[i] = &a
		case !errors.Is(err, localdb.ErrNotFound):
			return Summary{}, err
		}
		needBrowser = needBrowser || NeedsBrowser(accts[i])
	}
	if deps.Browser == nil && needBrowser {
		return Summary{}, errors.New("marketplace: sync needs a browser")
	}
	each := make([]StoreSummary, len(stores))
	sem := make(chan struct{}, opts.Parallel)
	var wg sync.WaitGroup
	for i, st := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				each[i] = StoreSummary{Store: st.Name, Marketplace: st.Marketplace, FailureClass: string(automations.Canceled), Error: ctx.Err().Error()}
				return
			}
			defer func() { <-sem }()
			if byMail[i] {
				each[i] = deps.Mail.SyncStore(ctx, st, opts.Record, progress)
				return
			}
			sy := &storeSync{deps: deps, store: st, rec: opts.Record, batch: opts.Batch, progress: progress, api: accts[i]}
			each[i] = sy.sync(ctx)
		}()
	}
	wg.Wait()

	var worked []StoreSummary
	for _, s := range each {
		if s.Store != "" {
			worked = append(worked, s)
		}
	}
	sum := Total(worked)
	sum.Seconds = time.Since(start).Seconds()
	return sum, nil
}

// Total sums store summaries up into a sync's summary.
func Total(stores []StoreSummary) Summary {
	sum := Summary{Stores: stores}
	if sum.Stores == nil {
		sum.Stores = []StoreSummary{}
	}
	for _, s := range stores {
		sum.NewThreads += s.NewThreads
		sum.NewMessages += s.NewMessages
		sum.Overdue += s.Overdue
		sum.Failed += s.Failed
		if !s.OK {
			sum.StoreErrors++
		}
	}
	return sum
}

// selectStores returns the named stores, or every store.
func selectStores(ctx context.Context, db *localdb.DB, names []string) ([]localdb.Store, error) {
	if len(names) == 0 {
		return db.ListStores(ctx)
	}
	var out []localdb.Store
	for _, n := range names {
		st, err := db.GetStoreByName(ctx, n)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

// storeSync is one store's part of a sync.
type storeSync struct {
	deps     *Deps
	store    localdb.Store
	rec      automations.Recorder
	pending  []string        // the thread items added
	done     map[string]bool // the thread items ended
	batch    int
	progress func(Progress)

	sess     *session
	sum      StoreSummary
	relogins int
	evidence int

	// api is the store's API channel, nil for a store without one.
	api *localdb.APIAccount
	// noBrowserOrders is set when the browser must not read orders: the
	// orders channel is the API alone, or the API gave them this time.
	noBrowserOrders bool
	// messagesByAPI is set when the API read the messages this time, and
	// apiCursor is then the store's next sync cursor.
	messagesByAPI bool
	apiCursor     string
	// ebayItems finds an eBay message's order from the orders read.
	ebayItems ebayItemOrders
}

// NeedsBrowser tells whether a store with this API channel (nil: none)
// needs the browser for a sync: to read buyer messages, or to read orders
// when the API is not their only channel.
func NeedsBrowser(a *localdb.APIAccount) bool {
	if a == nil {
		return true
	}
	return a.Channels.ReadMessages.UsesBrowser() || a.Channels.Orders == localdb.ChannelBrowser
}

const maxRelogins = 5

// minBatchForStop is the smallest batch whose misfits stop a store: one or
// two odd threads say little about the page.
const minBatchForStop = 3
const maxEvidencePerStore = 10

// sync syncs the store; it returns a zero summary when the recorder says
// the store is not to be worked.
func (y *storeSync) sync(ctx context.Context) StoreSummary {
	key := "store:" + y.store.Name
	if !y.rec.Begin(ctx, key) {
		return StoreSummary{}
	}
	y.sum = StoreSummary{Store: y.store.Name, Marketplace: y.store.Marketplace}
	db := y.deps.DB
	if y.api != nil && y.api.Channels.Orders.UsesAPI() {
		if err := y.syncAPIOrders(ctx); err != nil {
			return y.fail(ctx, key, err)
		}
	}
	if y.api != nil && y.api.Channels.ReadMessages.UsesAPI() {
		if err := y.syncAPIMessages(ctx); err != nil {
			return y.fail(ctx, key, err)
		}
	}
	if !NeedsBrowser(y.api) || y.messagesByAPI && (y.noBrowserOrders || !y.api.Channels.Orders.UsesBrowser()) && len(y.browserKinds()) == 0 {
		// Nothing left for the browser to do.
		cursor := y.store.SyncCursor
		if y.messagesByAPI {
			cursor = y.apiCursor
		}
		return y.succeed(ctx, key, cursor, fmt.Sprintf("%d orders, %d new threads through the API", y.sum.Orders, y.sum.NewThreads))
	}
	if y.api != nil && y.api.Channels.Orders == localdb.ChannelBrowser {
		y.sum.OrdersChannel = "browser"
	}
	y.progress(Progress{Store: y.store.Name, Phase: "login"})
	sess, err := openSession(ctx, y.deps, y.store)
	if err != nil {
		return y.fail(ctx, key, err)
	}
	defer sess.close()
	y.sess = sess
	if err := sess.ensure(ctx); err != nil {
		return y.fail(ctx, key, err)
	}
	// Every order of the store's order list, before the threads: a thread
	// then finds its order stored.
	if err := y.walkOrders(ctx); err != nil {
		return y.fail(ctx, key, err)
	}
	kinds := y.browserKinds()
	if y.messagesByAPI && len(kinds) == 0 {
		return y.succeed(ctx, key, y.apiCursor, fmt.Sprintf("%d new threads through the API", y.sum.NewThreads))
	}

	since := parseTime(y.store.SyncCursor)
	y.progress(Progress{Store: y.store.Name, Phase: "list"})
	var all []threadSummary
	var misfits error
	err = y.withSession(ctx, func() error {
		return sess.step(ctx, "inbox.list", 3*batchBudget, func(p *rod.Page) error {
			var err error
			all, err = sess.site.list(p, sess, time.Time{})
			if err != nil {
				return err
			}
			// Rows that match the row selector but not what a thread needs:
			// when most do not fit, the inbox changed and the store stops
			// here, with nothing stored; a few are recorded as failed below.
			all, misfits = sess.checkThreads(all, listURL(sess.recipe))
			var re *automations.RecordError
			if errors.As(misfits, &re) && re.Most() {
				return misfits
			}
			return nil
		})
	})
	if err != nil {
		return y.fail(ctx, key, err)
	}
	if y.messagesByAPI {
		// The API read the member messages; the browser reads only what it
		// does not carry.
		all = slices.DeleteFunc(all, func(t threadSummary) bool { return !slices.Contains(kinds, threadKind(t.Kind)) })
	}
	if misfits != nil {
		listKey := "threads:" + y.store.Name + ":list"
		if err := y.rec.Add(ctx, listKey); err == nil {
			y.recordItemFailure(ctx, listKey, misfits)
		}
	}
	list, err := y.changed(ctx, all, since)
	if err != nil {
		return y.fail(ctx, key, err)
	}
	y.sum.Checked = len(list)
	keys := make([]string, len(list))
	for i, t := range list {
		keys[i] = y.threadKey(t.ID)
	}
	if len(keys) > 0 {
		if err := y.rec.Add(ctx, keys...); err != nil {
			return y.fail(ctx, key, err)
		}
	}
	y.pending = keys

	orders, err := y.orders(ctx, list)
	if err != nil {
		// Orders are a help, not the point: threads are still stored.
		y.deps.logger().Warn("orders not read", "store", y.store.Name, "err", err)
	}

	failedAt := time.Time{}
	var fatal error
	for i := 0; i < len(list) && fatal == nil; i += y.batch {
		part := list[i:min(i+y.batch, len(list))]
		failed, err := y.readBatch(ctx, part, orders)
		if err != nil {
			fatal = err
			failed = part
		}
		for _, t := range failed {
			if failedAt.IsZero() || t.Received.Before(failedAt) {
				failedAt = t.Received
			}
		}
		y.progress(Progress{Store: y.store.Name, Phase: "threads", Done: min(i+y.batch, len(list)), Total: len(list)})
	}
	if fatal != nil {
		// The rest of the threads were never read: record them too.
		y.failPending(ctx, fatal)
		return y.fail(ctx, key, fatal)
	}

	var newest time.Time
	for _, t := range list {
		if t.Received.After(newest) {
			newest = t.Received
		}
	}
	cursor := nextCursor(y.store.SyncCursor, newest, failedAt)
	if y.messagesByAPI && y.apiCursor != "" && cursor != "" && parseTime(y.apiCursor).Before(parseTime(cursor)) {
		// Both read from the one cursor: the earlier of the two, so that
		// neither misses a thread (reading one again stores nothing twice).
		cursor = y.apiCursor
	}
	if err := db.RecordSync(ctx, y.store.ID, cursor, y.deps.now()); err != nil {
		return y.fail(ctx, key, err)
	}
	y.sum.OK = true
	y.countOverdue(ctx)
	y.rec.End(ctx, key, nil)
	y.progress(Progress{Store: y.store.Name, Phase: "done", Done: len(list), Total: len(list),
		Message: fmt.Sprintf("%d new threads, %d new messages", y.sum.NewThreads, y.sum.NewMessages)})
	return y.sum
}

// nextCursor is a store's sync cursor after a sync whose newest thread
// read had its buyer's message at newest: the oldest failed thread's when
// one failed (failedAt), so that the next sync reads it again; the old
// cursor when nothing was read.
func nextCursor(cur string, newest, failedAt time.Time) string {
	if !failedAt.IsZero() {
		newest = failedAt
	}
	if newest.IsZero() {
		return cur
	}
	return newest.Format(time.RFC3339Nano)
}

// succeed ends a store's part that went well, with the sync's new cursor.
func (y *storeSync) succeed(ctx context.Context, key, cursor, msg string) StoreSummary {
	if err := y.deps.DB.RecordSync(ctx, y.store.ID, cursor, y.deps.now()); err != nil {
		return y.fail(ctx, key, err)
	}
	y.sum.OK = true
	y.countOverdue(ctx)
	y.rec.End(ctx, key, nil)
	y.progress(Progress{Store: y.store.Name, Phase: "done", Message: msg})
	return y.sum
}

// syncAPIOrders reads the store's orders through its API. Its failure
// stops a store reached through the API alone (the error is returned). For
// a store whose buyer messages are read in the browser, the failure is
// recorded and said in the summary, and with both channels for orders the
// browser walks the store's order list instead.
func (y *storeSync) syncAPIOrders(ctx context.Context) error {
	item := "orders:" + y.store.Name + ":api"
	if err := y.rec.Add(ctx, item); err != nil {
		return err
	}
	y.progress(Progress{Store: y.store.Name, Phase: "orders", Message: "orders through the API"})
	n, requests, err := y.apiOrders(ctx, *y.api)
	y.sum.APIRequests = requests
	if err == nil {
		y.sum.Orders, y.sum.OrdersChannel, y.noBrowserOrders = n, "api", true
		y.rec.End(ctx, item, nil)
		return nil
	}
	class, _ := classOf(err)
	if !NeedsBrowser(y.api) || class == automations.Canceled {
		y.rec.End(ctx, item, err)
		return err
	}
	if y.api.Channels.Orders != localdb.ChannelBoth {
		// The API is the orders' only channel: they wait for the next
		// sync; the buyer messages are still read in the browser.
		y.sum.Failed++
		y.sum.APIError, y.noBrowserOrders = err.Error(), true
		y.rec.End(context.WithoutCancel(ctx), item, err)
		y.deps.logger().Warn("orders through the API failed", "store", y.store.Name, "class", class, "err", err)
		return nil
	}
	y.sum.OrdersChannel, y.sum.APIError = "browser", err.Error()
	y.rec.End(context.WithoutCancel(ctx), item, &automations.Failure{Class: class, Step: "orders.api", Site: y.api.API,
		Err: fmt.Errorf("%w; the browser reads this sync's orders instead", err)})
	y.deps.logger().Warn("orders through the API failed; the browser reads them", "store", y.store.Name, "class", class, "err", err)
	y.progress(Progress{Store: y.store.Name, Phase: "orders", Message: "the API failed (" + string(class) + "); orders through the browser"})
	return nil
}

// changed picks the listed threads worth reading: those with a buyer
// message since the last sync, those not stored yet, and those whose
// status on the site no longer matches the local one (a seller message
// arrived some other way). Listing is cheap; reading threads is not.
func (y *storeSync) changed(ctx context.Context, all []threadSummary, since time.Time) ([]threadSummary, error) {
	if since.IsZero() {
		return all, nil
	}
	local, err := y.deps.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{y.store.ID}})
	if err != nil {
		return nil, err
	}
	status := make(map[string]localdb.ThreadStatus, len(local))
	for _, t := range local {
		status[t.MarketplaceThreadID] = t.Status
	}
	var out []threadSummary
	for _, t := range all {
		st, ok := status[t.ID]
		switch {
		case !ok, !t.Received.Before(since):
		case st == localdb.StatusNoResponseNeeded:
			continue
		case t.Status == "answered" && st != localdb.StatusReplied:
		case t.Status == "awaiting_reply" && st != localdb.StatusOpen:
		default:
			continue
		}
		out = append(out, t)
	}
	return out, nil
}

func (y *storeSync) threadKey(id string) string { return "thread:" + y.store.Name + ":" + id }

// ended notes that a thread's item was reported.
func (y *storeSync) ended(key string) {
	if y.done == nil {
		y.done = map[string]bool{}
	}
	y.done[key] = true
}

func (y *storeSync) countOverdue(ctx context.Context) {
	ts, err := y.deps.DB.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{y.store.ID}, Overdue: true})
	if err == nil {
		y.sum.Overdue = len(ts)
	}
}

// withSession runs fn and, when the site ended the session, signs in again
// and runs it once more.
func (y *storeSync) withSession(ctx context.Context, fn func() error) error {
	for {
		err := fn()
		if automations.Classify(err) != automations.LoggedOut || y.relogins >= maxRelogins {
			return err
		}
		y.relogins++
		y.deps.logger().Info("session ended; signing in again", "store", y.store.Name)
		if lerr := y.sess.login(ctx); lerr != nil {
			return lerr
		}
	}
}

// orders reads the orders the listed threads name and the database lacks,
// for sites whose thread pages do not carry them: orders older than the
// walk of the order list reaches, and every order on a site the walk does
// not cover.
func (y *storeSync) orders(ctx context.Context, list []threadSummary) (map[string]remoteOrder, error) {
	if y.noBrowserOrders {
		return nil, nil
	}
	var missing []string
	seen := map[string]bool{}
	for _, t := range list {
		if t.OrderID == "" || seen[t.OrderID] {
			continue
		}
		seen[t.OrderID] = true
		if _, err := y.deps.DB.GetOrderByMarketplaceID(ctx, y.store.ID, t.OrderID); errors.Is(err, localdb.ErrNotFound) {
			missing = append(missing, t.OrderID)
		}
	}
	if len(missing) == 0 {
		return nil, nil
	}
	var out map[string]remoteOrder
	err := y.withSession(ctx, func() error {
		return y.sess.step(ctx, "orders.read", 3*batchBudget, func(p *rod.Page) error {
			var err error
			out, err = y.sess.site.orders(p, y.sess, missing)
			if err != nil {
				return err
			}
			u, _ := y.sess.recipe.URL("orders")
			var misfit error
			if out, misfit = y.sess.checkOrders(out, u); misfit != nil {
				y.deps.logger().Warn("orders left out", "store", y.store.Name, "err", misfit)
			}
			return nil
		})
	})
	return out, err
}

// readBatch reads and stores a batch of threads. It returns the threads
// that failed (each recorded as a failed run item), and an error only when
// the store cannot go on (a CAPTCHA, refused credentials, cancellation).
func (y *storeSync) readBatch(ctx context.Context, part []threadSummary, orders map[string]remoteOrder) ([]threadSummary, error) {
	pending := slices.Clone(part)
	results := map[string]threadDetail{}
	lastErr := map[string]error{}
	policy := y.deps.retry()
	for try := 1; len(pending) > 0; try++ {
		ids := make([]string, len(pending))
		for i, t := range pending {
			ids[i] = t.ID
		}
		var ds []threadDetail
		var errs []error
		err := y.sess.step(ctx, "thread.read", batchBudget, func(p *rod.Page) error {
			ds, errs = y.sess.site.details(p, y.sess, ids)
			for i := range ds {
				if errs[i] == nil {
					u, _ := threadURL(y.sess.recipe, ids[i])
					ds[i], errs[i] = y.sess.checkThread(ds[i], u)
				}
			}
			// Most threads of a batch not fitting means the thread page
			// changed: stop the store rather than fail thread by thread.
			if len(ids) >= minBatchForStop {
				return mostlyChanged(errs)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		var again []threadSummary
		var wait time.Duration
		loggedOut := false
		for i, t := range pending {
			if errs[i] == nil {
				results[t.ID] = ds[i]
				delete(lastErr, t.ID)
				continue
			}
			lastErr[t.ID] = errs[i]
			switch c := automations.Classify(errs[i]); {
			case c == automations.NeedsHuman || c == automations.AuthFailed || c == automations.Canceled:
				y.sess.recordFailure(ctx, errs[i])
				return nil, errs[i]
			case c == automations.LoggedOut:
				loggedOut = true
				again = append(again, t)
			case c.Retryable():
				again = append(again, t)
				var he *automations.HTTPError
				if errors.As(errs[i], &he) && he.RetryAfter > wait {
					wait = he.RetryAfter
				}
			}
		}
		if len(again) == 0 || try >= max(policy.Attempts, 1)+1 {
			break
		}
		if loggedOut {
			if y.relogins >= maxRelogins {
				break
			}
			y.relogins++
			if err := y.sess.login(ctx); err != nil {
				return nil, err
			}
		} else {
			wait = max(wait, policy.Backoff(try))
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, ctx.Err()
			case <-t.C:
			}
		}
		pending = again
	}

	if err := y.downloadAttachments(ctx, results); err != nil {
		y.deps.logger().Warn("attachments not downloaded", "store", y.store.Name, "err", err)
	}
	var failed []threadSummary
	for _, t := range part {
		key := y.threadKey(t.ID)
		d, ok := results[t.ID]
		if !ok {
			failed = append(failed, t)
			y.recordItemFailure(ctx, key, lastErr[t.ID])
			continue
		}
		if err := y.save(ctx, t, d, orders); err != nil {
			failed = append(failed, t)
			y.recordItemFailure(ctx, key, err)
			continue
		}
		y.rec.End(ctx, key, nil)
		y.ended(key)
	}
	return failed, nil
}

// classOf returns an error's failure class and, for a *Failure, the
// evidence it left.
func classOf(err error) (automations.Class, string) {
	if err == nil {
		return automations.SiteError, ""
	}
	var f *automations.Failure
	if errors.As(err, &f) {
		return f.Class, f.Evidence
	}
	return automations.Classify(err), ""
}

// recordItemFailure marks a thread's item failed with its class and
// evidence of what the page showed.
func (y *storeSync) recordItemFailure(ctx context.Context, key string, err error) {
	if err == nil {
		err = errors.New("no answer for this thread")
	}
	class, evidence := classOf(err)
	if evidence == "" && y.deps.EvidenceDir != "" && y.evidence < maxEvidencePerStore && y.sess != nil {
		y.evidence++
		if rp := y.sess.page.Rod(); rp != nil {
			dir, eerr := automations.SaveEvidence(ctx, rp, y.deps.EvidenceDir, "thread.read",
				append(y.sess.page.Log(), key+": "+string(class)+": "+err.Error()))
			if eerr == nil {
				evidence = dir
			}
		}
	}
	y.sum.Failed++
	y.rec.End(context.WithoutCancel(ctx), key, withClass(err, class, evidence))
	y.ended(key)
	y.deps.logger().Warn("thread not synced", "item", key, "class", class, "err", err)
}

// failPending records every listed thread not yet reported as failed with
// the error that stopped the store.
func (y *storeSync) failPending(ctx context.Context, cause error) {
	ctx = context.WithoutCancel(ctx)
	for _, key := range y.pending {
		if !y.done[key] {
			y.recordItemFailure(ctx, key, cause)
		}
	}
}

// withClass returns err carrying class and evidence for the recorder:
// err itself when it already says so, else err wrapped in a Failure.
func withClass(err error, class automations.Class, evidence string) error {
	var f *automations.Failure
	if errors.As(err, &f) && f.Class == class && f.Evidence == evidence {
		return err
	}
	if automations.Classify(err) == class && evidence == "" {
		return err
	}
	return &automations.Failure{Class: class, Err: err, Evidence: evidence}
}

// fail ends the store's part with the error that stopped it.
func (y *storeSync) fail(ctx context.Context, key string, err error) StoreSummary {
	class, evidence := classOf(err)
	y.sum.OK = false
	y.sum.FailureClass = string(class)
	y.sum.Error = err.Error()
	y.sum.Evidence = evidence
	// ctx as it is: a store stopped because ctx ended is left for the
	// recorder to take up at the next start.
	y.rec.End(ctx, key, withClass(err, class, evidence))
	y.deps.logger().Warn("store not synced", "store", y.store.Name, "class", class, "err", err)
	y.progress(Progress{Store: y.store.Name, Phase: "failed", Message: string(class) + ": " + err.Error()})
	return y.sum
}

// threadKind maps a site's thread kind to the local one.
func threadKind(kind string) localdb.ThreadKind {
	switch kind {
	case "return":
		return localdb.KindReturn
	case "case":
		return localdb.KindCase
	}
	return localdb.KindMessage
}

// orderValue reads an order's value as the page wrote it, as money in the
// order's currency (ISO 4217 minor units: 4,900 JPY is 4900, 12.50 USD is
// 1250). A page that shows no value gives zero minor units in the order's
// currency (or none), which the claim drafts treat as unknown; a value that
// is not an amount in that currency is page_changed, never a guess.
func (y *storeSync) orderValue(o remoteOrder) (money.Amount, error) {
	text := money.Clean(string(o.Value))
	if text == "" {
		if money.Known(o.Currency) {
			return money.New(0, o.Currency)
		}
		return money.Of(0, ""), nil
	}
	a, err := money.ParseDisplay(o.Currency, text)
	if err != nil {
		return money.Amount{}, &automations.Failure{Class: automations.PageChanged, Step: "order.value", Site: y.store.Marketplace,
			Err: fmt.Errorf("order %s: the page gives value %q in currency %q: %w", o.ID, string(o.Value), o.Currency, err)}
	}
	return a, nil
}

// saveOrder stores an order as any channel read it (an order page, a
// thread's order box, the marketplace's API) and makes sure its parcels are
// tracked: the one record path of orders and shipments, whatever the
// channel. created reports a new order.
func (y *storeSync) saveOrder(ctx context.Context, order remoteOrder) (localdb.Order, bool, error) {
	value, err := y.orderValue(order)
	if err != nil {
		return localdb.Order{}, false, err
	}
	o := localdb.Order{StoreID: y.store.ID, MarketplaceOrderID: order.ID, BuyerName: order.Buyer,
		DeclaredValue: value.Minor(), Currency: value.Currency(), ShipDate: order.ShipDate,
		Carrier: order.Carrier, Service: order.Service, TrackingNumber: order.Tracking,
		OriginCountry: strings.TrimSpace(order.ShipFrom), DestinationCountry: strings.TrimSpace(order.ShipTo)}
	switch {
	case len(order.Items) > 0:
		o.Items = order.Items
	case order.Item != "":
		// One title is all a page's order box or list row says: the items
		// an API or an order list stored before, with their SKUs and
		// prices, are kept.
		cur, err := y.deps.DB.GetOrderByMarketplaceID(ctx, y.store.ID, order.ID)
		if err != nil && !errors.Is(err, localdb.ErrNotFound) {
			return localdb.Order{}, false, err
		}
		if err != nil || len(cur.Items) == 0 {
			o.Items = []localdb.OrderItem{{Title: order.Item, Quantity: 1, UnitPrice: o.DeclaredValue}}
		}
	}
	stored, created, err := y.deps.DB.UpsertOrder(ctx, o)
	if err != nil {
		return localdb.Order{}, false, err
	}
	// The order's parcels are tracked from now on, by the overnight track
	// job among the others.
	if _, err := shipments.EnsureForOrder(ctx, y.deps.DB, stored); err != nil {
		return localdb.Order{}, false, err
	}
	for _, p := range order.More {
		extra := stored
		extra.Carrier, extra.Service, extra.TrackingNumber, extra.ShipDate = p.Carrier, p.Service, p.Tracking, p.ShipDate
		if _, err := shipments.EnsureForOrder(ctx, y.deps.DB, extra); err != nil {
			return localdb.Order{}, false, err
		}
	}
	return stored, created, nil
}

// save stores one thread with its order, messages and attachments.
func (y *storeSync) save(ctx context.Context, sum threadSummary, d threadDetail, orders map[string]remoteOrder) error {
	if d.OrderID == "" {
		d.OrderID = sum.OrderID
	}
	if d.Buyer == "" {
		d.Buyer = sum.Buyer
	}
	if d.Subject == "" {
		d.Subject = sum.Subject
	}
	if d.Kind == "" {
		d.Kind = sum.Kind
	}
	if d.Status == "" {
		d.Status = sum.Status
	}
	order := d.Order
	if o, ok := orders[d.OrderID]; ok {
		order = &o
	}
	if order != nil && order.ID != "" {
		if order.Buyer == "" {
			order.Buyer = d.Buyer
		}
		if _, _, err := y.saveOrder(ctx, *order); err != nil {
			return err
		}
	}
	kind := threadKind(d.Kind)
	var msgs []localdb.Message
	var buyerText []string
	var lastBuyer time.Time
	lang := messages.StoreDetectOptions(y.deps.Config, y.store)
	for _, m := range d.Messages {
		if m.ID == "" || m.At.IsZero() {
			continue
		}
		lm := localdb.Message{MarketplaceMessageID: m.ID, Direction: localdb.DirectionIn, Sender: d.Buyer, Body: m.Body, SentAt: m.At}
		if m.From == "seller" {
			lm.Direction = localdb.DirectionOut
			lm.Sender = "seller"
		} else {
			lm.Language = messages.DetectLanguage(m.Body, lang)
			buyerText = append(buyerText, m.Body)
			if m.At.After(lastBuyer) {
				lastBuyer = m.At
			}
		}
		if m.Ref != "" {
			// The reply this tool sent, under the key its outbox used.
			lm.MarketplaceMessageID = "ref:" + m.Ref
		}
		for _, u := range m.Attachments {
			lm.Attachments = append(lm.Attachments, y.attachment(u))
		}
		msgs = append(msgs, lm)
	}
	t := localdb.Thread{StoreID: y.store.ID, MarketplaceThreadID: d.ID, MarketplaceOrderID: d.OrderID, BuyerName: d.Buyer,
		Subject: d.Subject, Language: messages.DetectLanguage(strings.Join(buyerText, "\n"), lang), Kind: kind,
		ReplyDeadline: messages.ReplyDeadline(y.store.Marketplace, kind, lastBuyer)}
	switch d.Status {
	case "answered":
		t.Status = localdb.StatusReplied
	case "no_response_needed":
		t.Status = localdb.StatusNoResponseNeeded
	}
	saved, err := y.deps.DB.SaveThread(ctx, t, msgs)
	if err != nil {
		return err
	}
	// A tracking number the buyer pasted links the thread's order to that
	// parcel, so that the parcel is tracked and shown with the thread.
	if saved.Thread.OrderID != 0 {
		for _, tr := range messages.ParcelNumbers(strings.Join(buyerText, "\n"), d.OrderID) {
			if _, _, err := y.deps.DB.EnsureShipment(ctx, localdb.Shipment{Courier: tr.Courier, TrackingNumber: tr.Number,
				OrderID: saved.Thread.OrderID}); err != nil {
				return err
			}
		}
	}
	if saved.Created {
		y.sum.NewThreads++
	}
	y.sum.NewMessages += saved.NewMessages
	return nil
}

// attachment describes a downloaded (or, without an attachment folder,
// only referenced) attachment.
func (y *storeSync) attachment(ref string) localdb.Attachment {
	name := attachmentName(ref)
	a := localdb.Attachment{FileName: name, MIME: "image/png"}
	if y.deps.AttachmentDir == "" {
		return a
	}
	p := filepath.Join(y.deps.AttachmentDir, y.store.Name, name)
	if data, err := os.ReadFile(p); err == nil {
		sum := sha256.Sum256(data)
		a.LocalPath, a.Size, a.SHA256 = p, int64(len(data)), hex.EncodeToString(sum[:])
	}
	return a
}

// attachmentName is a file name for the attachment at ref: its last path
// segment, with .png when it has no extension.
func attachmentName(ref string) string {
	u, err := url.Parse(ref)
	name := ref
	if err == nil {
		name = path.Base(u.Path)
	}
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		}
	}
	name = strings.TrimLeft(b.String(), ".")
	if name == "" {
		name = "attachment"
	}
	if path.Ext(name) == "" {
		name += ".png"
	}
	return name
}

const fetchBinaryJS = `async (urls) => JSON.stringify(await Promise.all(urls.map(async (u) => {
	try {
		const r = await fetch(u, {credentials: 'same-origin'});
		if (!r.ok) return {url: u, status: r.status};
		const buf = new Uint8Array(await r.arrayBuffer());
		let s = '';
		for (let i = 0; i < buf.length; i += 8192) s += String.fromCharCode.apply(null, buf.subarray(i, i + 8192));
		return {url: u, status: r.status, type: r.headers.get('Content-Type') || '', b64: btoa(s)};
	} catch (e) { return {url: u, err: String(e)}; }
})))`

// downloadAttachments saves the attachments of the read threads that are
// not on disk yet, under AttachmentDir/<store>/.
func (y *storeSync) downloadAttachments(ctx context.Context, threads map[string]threadDetail) error {
	if y.deps.AttachmentDir == "" {
		return nil
	}
	dir := filepath.Join(y.deps.AttachmentDir, y.store.Name)
	var urls []string
	for _, d := range threads {
		for _, m := range d.Messages {
			for _, u := range m.Attachments {
				if _, err := os.Stat(filepath.Join(dir, attachmentName(u))); err == nil {
					continue
				}
				urls = append(urls, absURL(y.sess.recipe, u))
			}
		}
	}
	if len(urls) == 0 {
		return nil
	}
	if err := localdb.EnsurePrivateDir(dir); err != nil {
		return err
	}
	var got []struct {
		URL    string `json:"url"`
		Status int    `json:"status"`
		B64    string `json:"b64"`
		Err    string `json:"err"`
	}
	err := y.sess.step(ctx, "attachments.download", batchBudget, func(p *rod.Page) error {
		return evalJSON(p, &got, fetchBinaryJS, urls)
	})
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range got {
		if g.Err != "" || g.Status != 200 {
			errs = append(errs, fmt.Errorf("attachment %s: status %d %s", g.URL, g.Status, g.Err))
			continue
		}
		data, err := base64.StdEncoding.DecodeString(g.B64)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		p := filepath.Join(dir, attachmentName(g.URL))
		tmp := p + ".part"
		if err := os.WriteFile(tmp, data, 0o600); err != nil {
			errs = append(errs, err)
			continue
		}
		if err := os.Rename(tmp, p); err != nil {
			errs = append(errs, err)
			continue
		}
		y.sum.Attachments++
	}
	return errors.Join(errs...)
}
