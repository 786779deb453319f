package localdb

import (
	"context"
	"fmt"
	"time"
)

// The overview is the dashboard's first page: counts over every aggregate
// (stores and their threads, parcels, claims and their money, runs), read
// in a few grouped queries.

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
	// Orders and ReadMessages are the store's channels for those jobs
	// when it has an API channel; empty for a store without one.
	Orders       Channel `json:"orders_channel,omitempty"`
	ReadMessages Channel `json:"read_messages_channel,omitempty"`
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
	rows, err := db.sql.QueryContext(ctx, `SELECT `+qualify("st", storeCols)+`,
		coalesce(c.n_open, 0), coalesce(c.n_overdue, 0), coalesce(c.n_soon, 0),
		coalesce(a.orders, ''), coalesce(a.read_messages, '')
		FROM stores st LEFT JOIN api_accounts a ON a.store_id = st.id LEFT JOIN (
			SELECT store_id, count(*) AS n_open,
				count(*) FILTER (WHERE reply_deadline < ?) AS n_overdue,
				count(*) FILTER (WHERE reply_deadline >= ? AND reply_deadline < ?) AS n_soon
			FROM threads WHERE status = 'open' GROUP BY store_id) c ON c.store_id = st.id
		WHERE st.removed_at IS NULL
		ORDER BY st.name`, now, now, now+q.DueSoon.Milliseconds())
	out.Stores, err = collect(rows, func(row interface{ Scan(...any) error }) (StoreSummary, error) {
		var s StoreSummary
		st, err := scanStoreWith(row, &s.Open, &s.Overdue, &s.DueSoon, &s.Orders, &s.ReadMessages)
		s.Store = st
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
