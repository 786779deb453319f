package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// Service insights: how fast the shop answers its buyers, computed in SQL
// over the stored messages. The definitions follow the anchors:
//
//   - First response time (Plain, "First response time",
//     https://www.plain.com/docs/product/platform/first-response-time): from
//     the thread's first buyer message to the first seller reply after it.
//     Median and 90th percentile are quantiles over all threads' values.
//   - Next response time (the feature's definition, after Plain's "Next
//     response time" page): from each later buyer turn (a buyer message
//     right after a seller reply) to the next seller reply; every such gap
//     is one value.
//   - Buckets (Chatwoot, "Get first response time distribution by
//     channel", https://developers.chatwoot.com/api-reference/reports/):
//     0-1 h, 1-4 h, 4-8 h, 8-24 h, 24 h+; a bucket holds its lower bound.
//
// Quantiles are nearest-rank: the smallest value whose rank r among the n
// sorted values has r >= q*n (SQLite has no percentile function; nearest
// rank needs only ROW_NUMBER and COUNT windows and is exact on integers).
// Seller replies made on the site are stored by sync as direction 'out'
// with their times, so they stop the clock like replies sent from here.

// InsightsBy is how insights are grouped.
type InsightsBy string

// Groupings of the insights. A thread belongs to its store and marketplace,
// and through its order to the order's carrier (the parcel's courier, else
// the carrier the order names), destination country, lane (origin ->
// destination country) and every SKU of the order; a thread with no order,
// or an order that does not say, is in the group Unknown. By reason a
// thread belongs to the reason of each of its buyer messages.
const (
	ByStore       InsightsBy = "store"
	ByMarketplace InsightsBy = "marketplace"
	ByReason      InsightsBy = "reason"
	BySKU         InsightsBy = "sku"
	ByCarrier     InsightsBy = "carrier"
	ByCountry     InsightsBy = "country"
	ByLane        InsightsBy = "lane"
)

// InsightsGroupings lists the groupings, in the order help names them.
var InsightsGroupings = []InsightsBy{ByStore, ByMarketplace, ByReason, BySKU, ByCarrier, ByCountry, ByLane}

// Unknown is the group of rows whose grouping value is not known (no
// order, no country on the order page); Unclassified the reason group of
// buyer messages the reason rule has not read yet.
const (
	Unknown      = "(unknown)"
	Unclassified = "(unclassified)"
)

// orderCarrierExpr is an order o's carrier: its parcel's courier, else the
// carrier the order names.
const orderCarrierExpr = `coalesce((SELECT sh.courier FROM shipments sh WHERE sh.order_id = o.id ORDER BY sh.id LIMIT 1),
	nullif(o.carrier, ''), '` + Unknown + `')`

// laneExpr is an order o's lane, "US->DE".
const laneExpr = `coalesce(nullif(o.origin_country, ''), '` + Unknown + `') || '->' || coalesce(nullif(o.destination_country, ''), '` + Unknown + `')`

// threadGroups are, per grouping, a query of (thread_id, grp) pairs: one
// row per group the thread belongs to.
var threadGroups = map[InsightsBy]string{
	ByStore:       `SELECT t.id AS thread_id, s.name AS grp FROM threads t JOIN stores s ON s.id = t.store_id`,
	ByMarketplace: `SELECT t.id AS thread_id, s.marketplace AS grp FROM threads t JOIN stores s ON s.id = t.store_id`,
	ByReason: `SELECT DISTINCT m.thread_id AS thread_id, CASE m.reason WHEN '' THEN '` + Unclassified + `' ELSE m.reason END AS grp
		FROM human_messages m WHERE m.direction = 'in'`,
	BySKU: `SELECT DISTINCT t.id AS thread_id, coalesce(nullif(json_extract(j.value, '$.sku'), ''), '` + Unknown + `') AS grp
		FROM threads t LEFT JOIN orders o ON o.id = t.order_id LEFT JOIN json_each(coalesce(o.items, '[]')) j`,
	ByCarrier: `SELECT t.id AS thread_id, CASE WHEN o.id IS NULL THEN '` + Unknown + `' ELSE ` + orderCarrierExpr + ` END AS grp
		FROM threads t LEFT JOIN orders o ON o.id = t.order_id`,
	ByCountry: `SELECT t.id AS thread_id, coalesce(nullif(o.destination_country, ''), '` + Unknown + `') AS grp
		FROM threads t LEFT JOIN orders o ON o.id = t.order_id`,
	ByLane: `SELECT t.id AS thread_id, CASE WHEN o.id IS NULL THEN '` + Unknown + `->` + Unknown + `' ELSE ` + laneExpr + ` END AS grp
		FROM threads t LEFT JOIN orders o ON o.id = t.order_id`,
}

// groupingQuery returns the (thread_id, grp) query of a grouping, or
// ErrInvalid naming the groupings there are.
func groupingQuery(m map[InsightsBy]string, by InsightsBy) (string, error) {
	if q, ok := m[by]; ok {
		return q, nil
	}
	names := make([]string, 0, len(InsightsGroupings))
	for _, g := range InsightsGroupings {
		if _, ok := m[g]; ok {
			names = append(names, string(g))
		}
	}
	return "", invalidf("insights grouping %q: use one of %s", by, strings.Join(names, ", "))
}

// FRTBuckets are the five first-response buckets, in order.
var FRTBuckets = []string{"0-1h", "1-4h", "4-8h", "8-24h", "24h+"}

// ResponseGroup is one group's response statistics. Threads counts threads
// whose first buyer message is in the window; Answered those with a first
// seller reply. The seconds are zero (and *Values zero) when no value
// exists: read FRTValues before the quantiles.
type ResponseGroup struct {
	Group            string         `json:"group"`
	Threads          int            `json:"threads"`
	BuyerMessages    int            `json:"buyer_messages"`
	SellerReplies    int            `json:"seller_replies"`
	Answered         int            `json:"answered"`
	FRTValues        int            `json:"frt_values"`
	FRTP50Seconds    int64          `json:"frt_p50_seconds"`
	FRTP90Seconds    int64          `json:"frt_p90_seconds"`
	FRTBuckets       map[string]int `json:"frt_buckets"`
	NRTValues        int            `json:"nrt_values"`
	NRTP50Seconds    int64          `json:"nrt_p50_seconds"`
	NRTP90Seconds    int64          `json:"nrt_p90_seconds"`
	RepliesPerThread float64        `json:"replies_per_thread"`
	// One-touch resolution: of the closed threads whose first seller reply
	// is at least OneTouchWindow old by the database's clock (Judged),
	// those with exactly one seller reply and no buyer message within
	// OneTouchWindow after it (OneTouch). Rate is 0 when none is judged.
	OneTouchJudged int     `json:"one_touch_judged"`
	OneTouch       int     `json:"one_touch"`
	OneTouchRate   float64 `json:"one_touch_rate"`
}

// OneTouchWindow is how long after the one seller reply the buyer must stay
// silent for the thread to count as resolved in one touch.
const OneTouchWindow = 7 * 24 * time.Hour

// ResponseQuery selects the window (threads whose first buyer message is
// at or after Since) and the grouping.
type ResponseQuery struct {
	Since time.Time
	By    InsightsBy
}

// ResponseStats returns the response statistics per group, ordered by
// group, in four grouped queries (threads and counts, first response,
// next response, one-touch resolution).
func (db *DB) ResponseStats(ctx context.Context, q ResponseQuery) ([]ResponseGroup, error) {
	tg, err := groupingQuery(threadGroups, q.By)
	if err != nil {
		return nil, err
	}
	since := q.Since.UnixMilli()
	byGroup := map[string]*ResponseGroup{}
	var order []string
	get := func(name string) *ResponseGroup {
		r := byGroup[name]
		if r == nil {
			r = &ResponseGroup{Group: name, FRTBuckets: map[string]int{}}
			for _, b := range FRTBuckets {
				r.FRTBuckets[b] = 0
			}
			byGroup[name] = r
			order = append(order, name)
		}
		return r
	}
	// The threads in the window: first buyer message at or after since.
	window := `WITH tg AS (` + tg + `), w AS (
		SELECT tg.thread_id, tg.grp, MIN(m.sent_at) AS first_in
		FROM tg JOIN human_messages m ON m.thread_id = tg.thread_id AND m.direction = 'in'
		GROUP BY tg.thread_id, tg.grp HAVING MIN(m.sent_at) >= ?)`
	rows, err := db.sql.QueryContext(ctx, window+`
		SELECT w.grp, COUNT(DISTINCT w.thread_id),
			COALESCE(SUM(m.direction = 'in'), 0), COALESCE(SUM(m.direction = 'out'), 0)
		FROM w JOIN human_messages m ON m.thread_id = w.thread_id
		GROUP BY w.grp ORDER BY w.grp`, since)
	if err != nil {
		return nil, fmt.Errorf("response stats: %w", err)
	}
	for rows.Next() {
		var name string
		var th, in, out int
		if err := rows.Scan(&name, &th, &in, &out); err != nil {
			rows.Close()
			return nil, fmt.Errorf("response stats: %w", err)
		}
		r := get(name)
		r.Threads, r.BuyerMessages, r.SellerReplies = th, in, out
		if th > 0 {
			r.RepliesPerThread = float64(out) / float64(th)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("response stats: %w", err)
	}
	// First response: one value per answered thread, in seconds.
	rows, err = db.sql.QueryContext(ctx, window+`,
		f AS (SELECT w.grp, (SELECT MIN(o.sent_at) FROM human_messages o
				WHERE o.thread_id = w.thread_id AND o.direction = 'out' AND o.sent_at >= w.first_in) - w.first_in AS d
			FROM w),
		r AS (SELECT grp, d / 1000 AS sec, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY d) AS rn,
				COUNT(*) OVER (PARTITION BY grp) AS n FROM f WHERE d IS NOT NULL)
		SELECT grp, COUNT(*),
			MIN(CASE WHEN rn * 10 >= n * 5 THEN sec END), MIN(CASE WHEN rn * 10 >= n * 9 THEN sec END),
			SUM(sec < 3600), SUM(sec >= 3600 AND sec < 4 * 3600), SUM(sec >= 4 * 3600 AND sec < 8 * 3600),
			SUM(sec >= 8 * 3600 AND sec < 24 * 3600), SUM(sec >= 24 * 3600)
		FROM r GROUP BY grp`, since)
	if err != nil {
		return nil, fmt.Errorf("first response: %w", err)
	}
	for rows.Next() {
		var name string
		var n int
		var p50, p90 int64
		b := make([]int, 5)
		if err := rows.Scan(&name, &n, &p50, &p90, &b[0], &b[1], &b[2], &b[3], &b[4]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("first response: %w", err)
		}
		r := get(name)
		r.Answered, r.FRTValues, r.FRTP50Seconds, r.FRTP90Seconds = n, n, p50, p90
		for i, k := range FRTBuckets {
			r.FRTBuckets[k] = b[i]
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("first response: %w", err)
	}
	// Next response: each buyer message right after a seller reply, to the
	// next seller reply; the thread's first buyer message is the first
	// response's, even when the seller wrote first.
	rows, err = db.sql.QueryContext(ctx, window+`,
		seq AS (SELECT w.grp, w.first_in, m.thread_id, m.direction, m.sent_at,
				LAG(m.direction) OVER (PARTITION BY m.thread_id ORDER BY m.sent_at, m.id) AS prev
			FROM w JOIN human_messages m ON m.thread_id = w.thread_id),
		gaps AS (SELECT grp, (SELECT MIN(o.sent_at) FROM human_messages o
				WHERE o.thread_id = seq.thread_id AND o.direction = 'out' AND o.sent_at >= seq.sent_at) - sent_at AS d
			FROM seq WHERE direction = 'in' AND prev = 'out' AND sent_at > first_in),
		r AS (SELECT grp, d / 1000 AS sec, ROW_NUMBER() OVER (PARTITION BY grp ORDER BY d) AS rn,
				COUNT(*) OVER (PARTITION BY grp) AS n FROM gaps WHERE d IS NOT NULL)
		SELECT grp, COUNT(*), MIN(CASE WHEN rn * 10 >= n * 5 THEN sec END), MIN(CASE WHEN rn * 10 >= n * 9 THEN sec END)
		FROM r GROUP BY grp`, since)
	if err != nil {
		return nil, fmt.Errorf("next response: %w", err)
	}
	for rows.Next() {
		var name string
		var n int
		var p50, p90 int64
		if err := rows.Scan(&name, &n, &p50, &p90); err != nil {
			rows.Close()
			return nil, fmt.Errorf("next response: %w", err)
		}
		r := get(name)
		r.NRTValues, r.NRTP50Seconds, r.NRTP90Seconds = n, p50, p90
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("next response: %w", err)
	}
	// One-touch resolution over closed, judgeable threads.
	rows, err = db.sql.QueryContext(ctx, window+`,
		c AS (SELECT w.grp, w.thread_id,
				(SELECT COUNT(*) FROM human_messages o WHERE o.thread_id = w.thread_id AND o.direction = 'out' AND o.sent_at >= w.first_in) AS replies,
				(SELECT MIN(o.sent_at) FROM human_messages o WHERE o.thread_id = w.thread_id AND o.direction = 'out' AND o.sent_at >= w.first_in) AS first_out
			FROM w JOIN threads t ON t.id = w.thread_id WHERE t.status <> 'open')
		SELECT grp, COUNT(*), COALESCE(SUM(replies = 1 AND NOT EXISTS (SELECT 1 FROM human_messages b
				WHERE b.thread_id = c.thread_id AND b.direction = 'in' AND b.sent_at > c.first_out AND b.sent_at <= c.first_out + ?)), 0)
		FROM c WHERE first_out IS NOT NULL AND first_out + ? <= ? GROUP BY grp`,
		since, OneTouchWindow.Milliseconds(), OneTouchWindow.Milliseconds(), db.clock().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("one-touch resolution: %w", err)
	}
	for rows.Next() {
		var name string
		var judged, one int
		if err := rows.Scan(&name, &judged, &one); err != nil {
			rows.Close()
			return nil, fmt.Errorf("one-touch resolution: %w", err)
		}
		r := get(name)
		r.OneTouchJudged, r.OneTouch = judged, one
		if judged > 0 {
			r.OneTouchRate = float64(one) / float64(judged)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("one-touch resolution: %w", err)
	}
	out := make([]ResponseGroup, 0, len(order))
	for _, name := range order {
		out = append(out, *byGroup[name])
	}
	return out, nil
}

// closeRows ends a row loop: the iteration's error, else the close's.
func closeRows(rows interface {
	Err() error
	Close() error
}) error {
	if err := rows.Err(); err != nil {
		rows.Close()
		return err
	}
	return rows.Close()
}

// BuyerReply is one buyer message in the window with the first seller
// reply at or after it (zero when none yet), for the reply-deadline rules
// that live in Go (messages.ReplyDeadline) to judge.
type BuyerReply struct {
	Group       string
	Marketplace string
	Kind        ThreadKind
	SentAt      time.Time
	ReplyAt     time.Time
}

// BuyerReplies returns every buyer message sent at or after q.Since with
// its next seller reply, in one query.
func (db *DB) BuyerReplies(ctx context.Context, q ResponseQuery) ([]BuyerReply, error) {
	tg, err := groupingQuery(threadGroups, q.By)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `WITH tg AS (`+tg+`)
		SELECT tg.grp, s.marketplace, t.kind, m.sent_at,
			(SELECT MIN(o.sent_at) FROM human_messages o WHERE o.thread_id = m.thread_id AND o.direction = 'out' AND o.sent_at >= m.sent_at)
		FROM tg JOIN human_messages m ON m.thread_id = tg.thread_id JOIN threads t ON t.id = m.thread_id JOIN stores s ON s.id = t.store_id
		WHERE m.direction = 'in' AND m.sent_at >= ? ORDER BY 1, m.sent_at, m.id`, q.Since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("buyer replies: %w", err)
	}
	var out []BuyerReply
	for rows.Next() {
		var r BuyerReply
		var sent int64
		var reply sql.NullInt64
		if err := rows.Scan(&r.Group, &r.Marketplace, &r.Kind, &sent, &reply); err != nil {
			rows.Close()
			return nil, fmt.Errorf("buyer replies: %w", err)
		}
		r.SentAt, r.ReplyAt = time.UnixMilli(sent).UTC(), fromMS(reply)
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("buyer replies: %w", err)
	}
	return out, nil
}
