package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// Contact reasons are decided by the rule in Go (automations/messages);
// the database keeps each buyer message's answer and the rule version that
// gave it, so the insights count them in SQL.

// ReasonText is a buyer message for the reason rule to read.
type ReasonText struct {
	MessageID int64
	Body      string
}

// BuyerMessagesToClassify returns up to limit buyer messages not yet read
// by the reason rule of this version (reason_rule below rule), oldest id
// first.
func (db *DB) BuyerMessagesToClassify(ctx context.Context, rule, limit int) ([]ReasonText, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT id, body FROM messages
		WHERE direction = 'in' AND reason_rule < ? ORDER BY id LIMIT ?`, rule, limit)
	if err != nil {
		return nil, fmt.Errorf("buyer messages to classify: %w", mapErr(err))
	}
	var out []ReasonText
	for rows.Next() {
		var r ReasonText
		if err := rows.Scan(&r.MessageID, &r.Body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("buyer messages to classify: %w", err)
		}
		out = append(out, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("buyer messages to classify: %w", err)
	}
	return out, nil
}

// SetMessageReasons stores the reasons the rule of version rule gave, in
// one transaction. An empty reason is refused: the rule always answers,
// "other" at worst.
func (db *DB) SetMessageReasons(ctx context.Context, rule int, reasons map[int64]string) error {
	if rule <= 0 {
		return invalidf("reason rule version %d: must be positive", rule)
	}
	for id, r := range reasons {
		if r == "" {
			return invalidf("message %d: empty contact reason", id)
		}
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		st, err := tx.PrepareContext(ctx, `UPDATE messages SET reason = ?, reason_rule = ? WHERE id = ? AND direction = 'in'`)
		if err != nil {
			return err
		}
		defer st.Close()
		for id, r := range reasons {
			if _, err := st.ExecContext(ctx, r, rule, id); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("store contact reasons: %w", mapErr(err))
	}
	return nil
}

// ContactQuery selects contacts: buyer messages sent in [From, To) (To zero
// for no end), grouped By.
type ContactQuery struct {
	From, To time.Time
	By       InsightsBy
}

func (q ContactQuery) bounds() (int64, int64) {
	to := int64(1<<62 - 1)
	if !q.To.IsZero() {
		to = q.To.UnixMilli()
	}
	return q.From.UnixMilli(), to
}

// ReasonCount is how many threads of a group had a buyer message of a
// reason in the window: a contact is one thread and one reason, so a
// thread that asks where the parcel is and then reports it damaged is one
// contact of each.
type ReasonCount struct {
	Group    string `json:"group"`
	Reason   string `json:"reason"`
	Contacts int    `json:"contacts"`
}

// ContactReasons counts contacts per group and reason, ordered by group
// and reason, in one query. Messages the rule has not read count under
// Unclassified.
func (db *DB) ContactReasons(ctx context.Context, q ContactQuery) ([]ReasonCount, error) {
	tg, err := groupingQuery(threadGroups, q.By)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	rows, err := db.sql.QueryContext(ctx, `WITH tg AS (`+tg+`)
		SELECT tg.grp, CASE m.reason WHEN '' THEN '`+Unclassified+`' ELSE m.reason END AS r, COUNT(DISTINCT m.thread_id)
		FROM tg JOIN human_messages m ON m.thread_id = tg.thread_id
		WHERE m.direction = 'in' AND m.sent_at >= ? AND m.sent_at < ?`+reasonGroupMatch(q.By)+`
		GROUP BY tg.grp, r ORDER BY tg.grp, r`, from, to)
	if err != nil {
		return nil, fmt.Errorf("contact reasons: %w", mapErr(err))
	}
	var out []ReasonCount
	for rows.Next() {
		var c ReasonCount
		if err := rows.Scan(&c.Group, &c.Reason, &c.Contacts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("contact reasons: %w", err)
		}
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("contact reasons: %w", err)
	}
	return out, nil
}

// reasonGroupMatch keeps, when grouping by reason, only each group's own
// reason: a thread is in every reason group it has, and each group counts
// the contacts of its reason.
func reasonGroupMatch(by InsightsBy) string {
	if by != ByReason {
		return ""
	}
	return ` AND tg.grp = CASE m.reason WHEN '' THEN '` + Unclassified + `' ELSE m.reason END`
}

// orderGroups are, per grouping, a query of (order_id, grp, at) rows: one
// per group the order belongs to, at the order's time (its ship date, else
// when it was first stored). By reason every order is in the group "all".
var orderGroups = map[InsightsBy]string{
	ByStore:       `SELECT o.id AS order_id, s.name AS grp, coalesce(o.ship_date, o.created_at) AS at FROM orders o JOIN stores s ON s.id = o.store_id`,
	ByMarketplace: `SELECT o.id AS order_id, s.marketplace AS grp, coalesce(o.ship_date, o.created_at) AS at FROM orders o JOIN stores s ON s.id = o.store_id`,
	ByReason:      `SELECT o.id AS order_id, 'all' AS grp, coalesce(o.ship_date, o.created_at) AS at FROM orders o`,
	BySKU: `SELECT DISTINCT o.id AS order_id, coalesce(nullif(json_extract(j.value, '$.sku'), ''), '` + Unknown + `') AS grp,
		coalesce(o.ship_date, o.created_at) AS at FROM orders o LEFT JOIN json_each(o.items) j`,
	ByCarrier: `SELECT o.id AS order_id, ` + orderCarrierExpr + ` AS grp, coalesce(o.ship_date, o.created_at) AS at FROM orders o`,
	ByCountry: `SELECT o.id AS order_id, coalesce(nullif(o.destination_country, ''), '` + Unknown + `') AS grp,
		coalesce(o.ship_date, o.created_at) AS at FROM orders o`,
	ByLane: `SELECT o.id AS order_id, ` + laneExpr + ` AS grp, coalesce(o.ship_date, o.created_at) AS at FROM orders o`,
}

// OrderCount is how many orders a group has in a window.
type OrderCount struct {
	Group  string `json:"group"`
	Orders int    `json:"orders"`
}

// OrdersPerGroup counts the orders of each group whose time (ship date,
// else first stored) is in [From, To), ordered by group: the denominator of
// contacts per 100 orders.
func (db *DB) OrdersPerGroup(ctx context.Context, q ContactQuery) ([]OrderCount, error) {
	og, err := groupingQuery(orderGroups, q.By)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	rows, err := db.sql.QueryContext(ctx, `SELECT grp, COUNT(DISTINCT order_id) FROM (`+og+`)
		WHERE at >= ? AND at < ? GROUP BY grp ORDER BY grp`, from, to)
	if err != nil {
		return nil, fmt.Errorf("orders per group: %w", mapErr(err))
	}
	var out []OrderCount
	for rows.Next() {
		var c OrderCount
		if err := rows.Scan(&c.Group, &c.Orders); err != nil {
			rows.Close()
			return nil, fmt.Errorf("orders per group: %w", err)
		}
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("orders per group: %w", err)
	}
	return out, nil
}

// ContactMessage is one buyer message behind a figure.
type ContactMessage struct {
	Group     string    `json:"group"`
	ThreadID  int64     `json:"thread_id"`
	MessageID int64     `json:"message_id"`
	Store     string    `json:"store"`
	Reason    string    `json:"reason"`
	SentAt    time.Time `json:"sent_at"`
	Body      string    `json:"body"`
}

// ContactMessages returns the buyer messages of a group (all groups when
// group is "") with one of the reasons (any when none is given) sent in
// the window, newest first, at most limit (no limit when limit <= 0).
func (db *DB) ContactMessages(ctx context.Context, q ContactQuery, group string, reasons []string, limit int) ([]ContactMessage, error) {
	tg, err := groupingQuery(threadGroups, q.By)
	if err != nil {
		return nil, err
	}
	from, to := q.bounds()
	where := ` AND (? = '' OR tg.grp = ?)`
	args := []any{from, to, group, group}
	if len(reasons) > 0 {
		where += ` AND m.reason IN (?` + repeatPlaceholders(len(reasons)-1) + `)`
		for _, r := range reasons {
			args = append(args, r)
		}
	}
	if limit <= 0 {
		limit = -1
	}
	args = append(args, limit)
	rows, err := db.sql.QueryContext(ctx, `WITH tg AS (`+tg+`)
		SELECT tg.grp, m.thread_id, m.id, s.name, CASE m.reason WHEN '' THEN '`+Unclassified+`' ELSE m.reason END, m.sent_at, m.body
		FROM tg JOIN human_messages m ON m.thread_id = tg.thread_id JOIN threads t ON t.id = m.thread_id JOIN stores s ON s.id = t.store_id
		WHERE m.direction = 'in' AND m.sent_at >= ? AND m.sent_at < ?`+where+reasonGroupMatch(q.By)+`
		ORDER BY m.sent_at DESC, m.id DESC LIMIT ?`, args...)
	if err != nil {
		return nil, fmt.Errorf("contact messages: %w", mapErr(err))
	}
	var out []ContactMessage
	for rows.Next() {
		var c ContactMessage
		var sent int64
		if err := rows.Scan(&c.Group, &c.ThreadID, &c.MessageID, &c.Store, &c.Reason, &sent, &c.Body); err != nil {
			rows.Close()
			return nil, fmt.Errorf("contact messages: %w", err)
		}
		c.SentAt = time.UnixMilli(sent).UTC()
		out = append(out, c)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("contact messages: %w", err)
	}
	return out, nil
}

// repeatPlaceholders returns ", ?" n times.
func repeatPlaceholders(n int) string {
	b := make([]byte, 0, 3*n)
	for range n {
		b = append(b, ", ?"...)
	}
	return string(b)
}

// WeekReason is how many contacts of a reason week Week had: week 0 is the
// oldest of the weeks asked for.
type WeekReason struct {
	Week     int    `json:"week"`
	Reason   string `json:"reason"`
	Contacts int    `json:"contacts"`
}

// WeeklyReasons counts contacts per reason in each of the weeks 7-day
// windows ending at to (the last is [to-7d, to)), in one query.
func (db *DB) WeeklyReasons(ctx context.Context, to time.Time, weeks int) ([]WeekReason, error) {
	if weeks <= 0 {
		return nil, invalidf("weeks %d: must be positive", weeks)
	}
	const week = int64(7 * 24 * time.Hour / time.Millisecond)
	end := to.UnixMilli()
	from := end - int64(weeks)*week
	rows, err := db.sql.QueryContext(ctx, `SELECT (m.sent_at - ?) / ? AS wk,
			CASE m.reason WHEN '' THEN '`+Unclassified+`' ELSE m.reason END AS r, COUNT(DISTINCT m.thread_id)
		FROM human_messages m WHERE m.direction = 'in' AND m.sent_at >= ? AND m.sent_at < ?
		GROUP BY wk, r ORDER BY wk, r`, from, week, from, end)
	if err != nil {
		return nil, fmt.Errorf("weekly reasons: %w", mapErr(err))
	}
	var out []WeekReason
	for rows.Next() {
		var w WeekReason
		if err := rows.Scan(&w.Week, &w.Reason, &w.Contacts); err != nil {
			rows.Close()
			return nil, fmt.Errorf("weekly reasons: %w", err)
		}
		out = append(out, w)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("weekly reasons: %w", err)
	}
	return out, nil
}
