package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// This file holds the read queries of the terminal dashboard. Each list is
// read one page at a time (LIMIT and OFFSET) with its total from COUNT, so
// that the dashboard only ever reads the rows it shows, whatever the size
// of the database.

// Page is one page of a longer list: the rows from Offset on, and how many
// rows the whole list has.
type Page[T any] struct {
	Rows   []T `json:"rows"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

// maxPage caps a page so that a bad limit cannot read a whole table.
const maxPage = 1000

func pageBounds(offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	return offset, limit
}

// ThreadQuery selects one page of threads. Zero fields do not filter.
type ThreadQuery struct {
	StoreID  int64
	Language string
	Status   ThreadStatus
	Offset   int
	Limit    int
}

// PageThreads returns one page of threads in ListThreads' order (overdue
// first, most overdue first; then the other open threads by reply deadline;
// then the rest by latest message) and the number of threads that pass q.
//
// The order is read in four runs (overdue, due later, open without a
// deadline, not open) so that the first two, which the inbox shows first,
// walk the (status, reply_deadline) index instead of sorting every thread.
func (db *DB) PageThreads(ctx context.Context, q ThreadQuery) (Page[Thread], error) {
	now := db.now()
	nowMS := now.UnixMilli()
	offset, limit := pageBounds(q.Offset, q.Limit)
	var where []string
	var args []any
	if q.StoreID != 0 {
		where = append(where, "t.store_id = ?")
		args = append(args, q.StoreID)
	}
	if q.Language != "" {
		where = append(where, "t.language = ?")
		args = append(args, q.Language)
	}
	if q.Status != "" {
		if err := oneOf("thread status", q.Status, threadStatuses...); err != nil {
			return Page[Thread]{}, err
		}
		where = append(where, "t.status = ?")
		args = append(args, q.Status)
	}
	// Each run's order is written twice: for the inner pick of ids and for
	// the outer query over the picked page p.
	const (
		byDeadline  = "k1, k2 DESC NULLS LAST, pid"
		byDeadlineP = "p.k1, p.k2 DESC NULLS LAST, p.pid"
		byLatest    = "k2 DESC NULLS LAST, pid"
		byLatestP   = "p.k2 DESC NULLS LAST, p.pid"
	)
	runs := []struct {
		cond         string
		args         []any
		order, outer string
	}{
		{"t.status = 'open' AND t.reply_deadline < ?", []any{nowMS}, byDeadline, byDeadlineP},
		{"t.status = 'open' AND t.reply_deadline >= ?", []any{nowMS}, byDeadline, byDeadlineP},
		{"t.status = 'open' AND t.reply_deadline IS NULL", nil, byLatest, byLatestP},
		{"t.status <> 'open'", nil, byLatest, byLatestP},
	}
	out := Page[Thread]{Offset: offset, Rows: []Thread{}}
	scan := db.scanThread(now)
	skip, need := offset, limit
	for _, r := range runs {
		cond := dashWhere(append(append([]string{}, where...), r.cond))
		rargs := append(append([]any{}, args...), r.args...)
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM threads t`+cond, rargs...).Scan(&n); err != nil {
			return Page[Thread]{}, fmt.Errorf("count threads: %w", mapErr(err))
		}
		out.Total += n
		if need == 0 || skip >= n {
			skip -= min(skip, n)
			continue
		}
		// The page's ids are picked from threads alone (id and sort keys),
		// then joined to their columns and store.
		rows, err := db.sql.QueryContext(ctx, `SELECT `+threadCols+` FROM (
			SELECT t.id AS pid, t.reply_deadline AS k1, t.last_message_at AS k2 FROM threads t`+cond+`
			ORDER BY `+r.order+` LIMIT ? OFFSET ?) p
			JOIN threads t ON t.id = p.pid JOIN stores s ON s.id = t.store_id
			ORDER BY `+r.outer,
			append(rargs, need, skip)...)
		if err != nil {
			return Page[Thread]{}, fmt.Errorf("list threads: %w", mapErr(err))
		}
		got, err := collect(rows, scan)
		if err != nil {
			return Page[Thread]{}, fmt.Errorf("list threads: %w", err)
		}
		out.Rows = append(out.Rows, got...)
		need -= len(got)
		skip = 0
	}
	return out, nil
}

// ThreadLanguages returns the languages threads are written in, for the
// inbox's language filter, most common first. Threads with no detected
// language are left out.
func (db *DB) ThreadLanguages(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT language FROM threads WHERE language <> ''
		GROUP BY language ORDER BY count(*) DESC, language`)
	if err != nil {
		return nil, fmt.Errorf("thread languages: %w", mapErr(err))
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var s string
		err := row.Scan(&s)
		return s, err
	})
}

// ThreadContext is everything the inbox's thread pane shows: the thread,
// its messages, and, when they are known, its order, the order's parcel and
// the parcel's events (newest first).
type ThreadContext struct {
	Thread   Thread          `json:"thread"`
	Messages []Message       `json:"messages"`
	Order    *Order          `json:"order,omitempty"`
	Shipment *Shipment       `json:"shipment,omitempty"`
	Events   []TrackingEvent `json:"events"`
}

// GetThreadContext reads a thread with its messages, order and parcel. The
// parcel is found by the order's link or by the order's tracking number.
func (db *DB) GetThreadContext(ctx context.Context, threadID int64) (ThreadContext, error) {
	var out ThreadContext
	var err error
	if out.Thread, err = db.GetThread(ctx, threadID); err != nil {
		return ThreadContext{}, err
	}
	if out.Messages, err = db.ListMessages(ctx, threadID); err != nil {
		return ThreadContext{}, fmt.Errorf("messages of thread %d: %w", threadID, err)
	}
	out.Events = []TrackingEvent{}
	orderID := out.Thread.OrderID
	if orderID == 0 && out.Thread.MarketplaceOrderID != "" {
		o, err := db.GetOrderByMarketplaceID(ctx, out.Thread.StoreID, out.Thread.MarketplaceOrderID)
		if err == nil {
			orderID = o.ID
		}
	}
	if orderID == 0 {
		return out, nil
	}
	o, err := db.GetOrder(ctx, orderID)
	if err != nil {
		return ThreadContext{}, err
	}
	out.Order = &o
	s, err := scanShipment(db.sql.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments
		WHERE order_id = ? OR (? <> '' AND tracking_number = ?)
		ORDER BY (order_id = ?) DESC, id DESC LIMIT 1`, o.ID, o.TrackingNumber, o.TrackingNumber, o.ID))
	if err == sql.ErrNoRows {
		return out, nil
	}
	if err != nil {
		return ThreadContext{}, fmt.Errorf("parcel of order %d: %w", o.ID, mapErr(err))
	}
	out.Shipment = &s
	if out.Events, err = db.ShipmentEvents(ctx, s.ID); err != nil {
		return ThreadContext{}, fmt.Errorf("events of shipment %d: %w", s.ID, err)
	}
	return out, nil
}

// ShipmentQuery selects one page of parcels. Zero fields do not filter.
type ShipmentQuery struct {
	Tag string
	// Stalled, when set, keeps the parcels that have stalled by this rule
	// at the database's clock, as StallRule.Check says.
	Stalled *StallRule
	// Search keeps parcels whose tracking number starts with it.
	Search string
	Offset int
	Limit  int
}

// PageShipments returns one page of parcels, most recent event first, and
// the number of parcels that pass q.
func (db *DB) PageShipments(ctx context.Context, q ShipmentQuery) (Page[Shipment], error) {
	offset, limit := pageBounds(q.Offset, q.Limit)
	var where []string
	var args []any
	if q.Tag != "" {
		where = append(where, "tag = ?")
		args = append(args, q.Tag)
	}
	if q.Stalled != nil {
		cond, a := q.Stalled.where(db.now())
		where = append(where, cond)
		args = append(args, a...)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		where = append(where, "tracking_number LIKE ? ESCAPE '\\'")
		args = append(args, dashLikePrefix(strings.ToUpper(s)))
	}
	cond := dashWhere(where)
	out := Page[Shipment]{Offset: offset, Rows: []Shipment{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM shipments`+cond, args...).Scan(&out.Total); err != nil {
		return Page[Shipment]{}, fmt.Errorf("count shipments: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+dashQualify("sh", shipmentCols)+` FROM (
		SELECT id AS pid, coalesce(last_event_at, ship_date, created_at) AS k FROM shipments`+cond+`
		ORDER BY k DESC, id DESC LIMIT ? OFFSET ?) p
		JOIN shipments sh ON sh.id = p.pid ORDER BY p.k DESC, p.pid DESC`, append(args, limit, offset)...)
	if err != nil {
		return Page[Shipment]{}, fmt.Errorf("list shipments: %w", mapErr(err))
	}
	if out.Rows, err = collect(rows, scanShipment); err != nil {
		return Page[Shipment]{}, fmt.Errorf("list shipments: %w", err)
	}
	return out, nil
}

// ClaimRow is a claim with the parcel it is about and how much evidence it
// holds.
type ClaimRow struct {
	Claim
	Courier        string `json:"courier"`
	TrackingNumber string `json:"tracking_number"`
	Evidence       int    `json:"evidence"`
}

// ClaimQuery selects one page of claims. Zero fields do not filter.
type ClaimQuery struct {
	State ClaimState
	// Search keeps claims whose parcel's tracking number starts with it.
	Search string
	Offset int
	Limit  int
}

// PageClaims returns one page of claims, the window closing soonest first,
// and the number of claims that pass q.
func (db *DB) PageClaims(ctx context.Context, q ClaimQuery) (Page[ClaimRow], error) {
	offset, limit := pageBounds(q.Offset, q.Limit)
	var where []string
	var args []any
	if q.State != "" {
		if err := oneOf("claim state", q.State, claimStates...); err != nil {
			return Page[ClaimRow]{}, err
		}
		where = append(where, "c.state = ?")
		args = append(args, q.State)
	}
	if s := strings.TrimSpace(q.Search); s != "" {
		where = append(where, "s.tracking_number LIKE ? ESCAPE '\\'")
		args = append(args, dashLikePrefix(strings.ToUpper(s)))
	}
	cond := dashWhere(where)
	from := ` FROM claims c JOIN shipments s ON s.id = c.shipment_id`
	out := Page[ClaimRow]{Offset: offset, Rows: []ClaimRow{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*)`+from+cond, args...).Scan(&out.Total); err != nil {
		return Page[ClaimRow]{}, fmt.Errorf("count claims: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	cols := dashQualify("c", claimCols)
	rows, err := db.sql.QueryContext(ctx, `SELECT `+cols+`, s.courier, s.tracking_number,
		(SELECT count(*) FROM claim_evidence e WHERE e.claim_id = c.id)`+from+cond+`
		ORDER BY c.window_closes ASC NULLS LAST, c.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return Page[ClaimRow]{}, fmt.Errorf("list claims: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (ClaimRow, error) {
		var r ClaimRow
		var opens, closes, filed, checked sql.NullInt64
		var created, updated int64
		c := &r.Claim
		err := row.Scan(&c.ID, &c.ShipmentID, &c.Kind, &c.State, &c.Amount, &c.Currency, &c.Description, &opens,
			&closes, &c.Portal, &c.ConfirmationNumber, &c.PaidAmount, &filed, &checked, &created, &updated,
			&r.Courier, &r.TrackingNumber, &r.Evidence)
		if err != nil {
			return ClaimRow{}, err
		}
		c.WindowOpens = fromMS(opens)
		c.WindowCloses = fromMS(closes)
		c.FiledAt = fromMS(filed)
		c.StatusCheckedAt = fromMS(checked)
		c.CreatedAt = time.UnixMilli(created).UTC()
		c.UpdatedAt = time.UnixMilli(updated).UTC()
		return r, nil
	})
	if err != nil {
		return Page[ClaimRow]{}, fmt.Errorf("list claims: %w", err)
	}
	return out, nil
}

// RunSummary is a run with how many of its items ended in each state.
type RunSummary struct {
	Run
	Items      int `json:"items"`
	Done       int `json:"done"`
	Failed     int `json:"failed"`
	NeedsHuman int `json:"needs_human"`
}

// PageRuns returns one page of runs, newest first, with their item counts,
// and the number of runs.
func (db *DB) PageRuns(ctx context.Context, offset, limit int) (Page[RunSummary], error) {
	offset, limit = pageBounds(offset, limit)
	out := Page[RunSummary]{Offset: offset, Rows: []RunSummary{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM runs`).Scan(&out.Total); err != nil {
		return Page[RunSummary]{}, fmt.Errorf("count runs: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+runCols+`,
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'done'),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'failed'),
		(SELECT count(*) FROM run_items i WHERE i.run_id = r.id AND i.state = 'needs_human')`+runFrom+`
		ORDER BY r.started_at DESC, r.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return Page[RunSummary]{}, fmt.Errorf("list runs: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (RunSummary, error) {
		var s RunSummary
		var started int64
		var finished sql.NullInt64
		err := row.Scan(&s.ID, &s.JobID, &s.JobName, &s.State, &started, &finished, &s.PID, &s.Error,
			&s.Items, &s.Done, &s.Failed, &s.NeedsHuman)
		s.StartedAt = time.UnixMilli(started).UTC()
		s.FinishedAt = fromMS(finished)
		return s, err
	})
	if err != nil {
		return Page[RunSummary]{}, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// PageAttentionItems returns one page of the run items that failed or need
// a person, newest first, with their job's name, and how many there are.
func (db *DB) PageAttentionItems(ctx context.Context, offset, limit int) (Page[AttentionItem], error) {
	offset, limit = pageBounds(offset, limit)
	out := Page[AttentionItem]{Offset: offset, Rows: []AttentionItem{}}
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM run_items WHERE state IN ('failed', 'needs_human')`).Scan(&out.Total); err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("count failed items: %w", mapErr(err))
	}
	if out.Total == 0 || offset >= out.Total {
		return out, nil
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT i.id, i.run_id, i.item_key, i.state, i.failure_class,
		i.evidence_path, i.error, i.attempts, i.updated_at, j.name
		FROM run_items i JOIN runs r ON r.id = i.run_id JOIN jobs j ON j.id = r.job_id
		WHERE i.state IN ('failed', 'needs_human')
		ORDER BY i.updated_at DESC, i.id DESC LIMIT ? OFFSET ?`, limit, offset)
	if err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("list failed items: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (AttentionItem, error) {
		var a AttentionItem
		var updated int64
		err := row.Scan(&a.ID, &a.RunID, &a.ItemKey, &a.State, &a.FailureClass, &a.EvidencePath, &a.Error,
			&a.Attempts, &updated, &a.JobName)
		a.UpdatedAt = time.UnixMilli(updated).UTC()
		return a, err
	})
	if err != nil {
		return Page[AttentionItem]{}, fmt.Errorf("list failed items: %w", err)
	}
	return out, nil
}

// OverviewQuery sets the thresholds of the overview, which come from the
// config (thresholds.due_soon, the stall rule, thresholds.claim_alert_days):
// a zero DueSoon or ClosingSoon counts nothing as due or closing soon, a
// zero Stall nothing as stalled. Runs is how many recent runs to list; zero
// means 5.
type OverviewQuery struct {
	DueSoon     time.Duration
	Stall       StallRule
	ClosingSoon time.Duration
	Runs        int
}

// StoreSummary is one store's line of the overview.
type StoreSummary struct {
	Store
	Open    int `json:"open"`
	Overdue int `json:"overdue"`
	DueSoon int `json:"due_soon"`
}

// TagCount is how many parcels carry one status tag.
type TagCount struct {
	Tag   string `json:"tag"`
	Count int    `json:"count"`
}

// MoneyTotal is the amount claimed (filed claims) and paid in one currency,
// in minor units.
type MoneyTotal struct {
	Currency string `json:"currency"`
	Claimed  int64  `json:"claimed"`
	Paid     int64  `json:"paid"`
}

// Overview is the dashboard's first page.
type Overview struct {
	Stores            []StoreSummary `json:"stores"`
	Parcels           int            `json:"parcels"`
	ByTag             []TagCount     `json:"by_tag"`
	Stalled           int            `json:"stalled"`
	ClaimsOpen        int            `json:"claims_open"`
	ClaimsClosingSoon int            `json:"claims_closing_soon"`
	Money             []MoneyTotal   `json:"money"`
	Runs              []RunSummary   `json:"runs"`
}

// GetOverview counts, by the database's clock, what the overview shows.
func (db *DB) GetOverview(ctx context.Context, q OverviewQuery) (Overview, error) {
	if q.Runs <= 0 {
		q.Runs = 5
	}
	now := db.now().UnixMilli()
	out := Overview{Stores: []StoreSummary{}, ByTag: []TagCount{}, Money: []MoneyTotal{}}

	// One pass over the open threads (the status index) counts for every
	// store at once.
	rows, err := db.sql.QueryContext(ctx, `SELECT `+dashQualify("st", storeCols)+`,
		coalesce(c.n_open, 0), coalesce(c.n_overdue, 0), coalesce(c.n_soon, 0)
		FROM stores st LEFT JOIN (
			SELECT store_id, count(*) AS n_open,
				count(*) FILTER (WHERE reply_deadline < ?) AS n_overdue,
				count(*) FILTER (WHERE reply_deadline >= ? AND reply_deadline < ?) AS n_soon
			FROM threads WHERE status = 'open' GROUP BY store_id) c ON c.store_id = st.id
		ORDER BY st.name`, now, now, now+q.DueSoon.Milliseconds())
	out.Stores, err = collect(rows, func(row interface{ Scan(...any) error }) (StoreSummary, error) {
		var s StoreSummary
		var lastSync sql.NullInt64
		var created, updated, demo int64
		err := row.Scan(&s.ID, &s.Name, &s.Marketplace, &s.BaseURL, &s.Username, &s.Recipe, &s.SessionState,
			&lastSync, &s.SyncCursor, &demo, &created, &updated, &s.Open, &s.Overdue, &s.DueSoon)
		s.LastSyncAt = fromMS(lastSync)
		s.Demo = demo == 1
		s.CreatedAt = time.UnixMilli(created).UTC()
		s.UpdatedAt = time.UnixMilli(updated).UTC()
		return s, err
	})
	if err != nil {
		return Overview{}, fmt.Errorf("overview stores: %w", err)
	}

	rows, err = db.sql.QueryContext(ctx, `SELECT tag, count(*) FROM shipments GROUP BY tag ORDER BY count(*) DESC, tag`)
	if err != nil {
		return Overview{}, fmt.Errorf("overview parcels: %w", mapErr(err))
	}
	out.ByTag, err = collect(rows, func(row interface{ Scan(...any) error }) (TagCount, error) {
		var c TagCount
		err := row.Scan(&c.Tag, &c.Count)
		return c, err
	})
	if err != nil {
		return Overview{}, fmt.Errorf("overview parcels: %w", err)
	}
	for _, c := range out.ByTag {
		out.Parcels += c.Count
	}
	stallCond, stallArgs := q.Stall.where(time.UnixMilli(now))
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM shipments WHERE `+stallCond,
		stallArgs...).Scan(&out.Stalled); err != nil {
		return Overview{}, fmt.Errorf("overview stalled parcels: %w", mapErr(err))
	}
	if err := db.sql.QueryRowContext(ctx, `SELECT
		count(*) FILTER (WHERE state IN ('draft', 'filing', 'submitted', 'under_review', 'approved')),
		count(*) FILTER (WHERE state IN ('draft', 'filing') AND window_closes >= ? AND window_closes < ?)
		FROM claims`, now, now+q.ClosingSoon.Milliseconds()).Scan(&out.ClaimsOpen, &out.ClaimsClosingSoon); err != nil {
		return Overview{}, fmt.Errorf("overview claims: %w", mapErr(err))
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT currency,
		sum(CASE WHEN state NOT IN ('draft', 'filing', 'cancelled') THEN amount ELSE 0 END), sum(paid_amount)
		FROM claims WHERE state <> 'cancelled' GROUP BY currency ORDER BY currency`)
	if err != nil {
		return Overview{}, fmt.Errorf("overview money: %w", mapErr(err))
	}
	out.Money, err = collect(rows, func(row interface{ Scan(...any) error }) (MoneyTotal, error) {
		var m MoneyTotal
		err := row.Scan(&m.Currency, &m.Claimed, &m.Paid)
		return m, err
	})
	if err != nil {
		return Overview{}, fmt.Errorf("overview money: %w", err)
	}
	runs, err := db.PageRuns(ctx, 0, q.Runs)
	if err != nil {
		return Overview{}, err
	}
	out.Runs = runs.Rows
	return out, nil
}

// dashQualify prefixes each column of a column list with a table alias.
func dashQualify(alias, cols string) string {
	fields := strings.Split(strings.Join(strings.Fields(cols), " "), ", ")
	for i, f := range fields {
		fields[i] = alias + "." + f
	}
	return strings.Join(fields, ", ")
}

func dashWhere(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// dashLikePrefix turns s into a LIKE pattern matching values that start
// with s, with LIKE's wildcards in s taken literally.
func dashLikePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}
