package localdb

import (
	"context"
	"fmt"
	"time"
)

// ClaimGroup is the claims of one carrier in one currency whose claim was
// drafted in the window. Money is in the currency's ISO 4217 minor units
// (package money prints it) and is never summed across currencies, so a
// carrier with claims in two currencies has two groups.
//
//   - Drafted: every claim made (cancelled ones left out); Filed those sent
//     to the carrier (a confirmation number or a filing time); Paid and
//     Denied those the carrier decided.
//   - Recovery rate: the money paid over the money claimed, over the
//     claims decided (paid or denied): what came back of what was asked.
//   - Days to payment: from filing to the first time the claim was seen
//     paid (paid_at), median and 90th percentile, nearest-rank, in days;
//     PaymentValues says how many claims gave a value.
type ClaimGroup struct {
	Carrier          string  `json:"carrier"`
	Currency         string  `json:"currency"`
	Drafted          int     `json:"drafted"`
	Filed            int     `json:"filed"`
	Paid             int     `json:"paid"`
	Denied           int     `json:"denied"`
	ClaimedMinor     int64   `json:"claimed_minor"`
	DecidedMinor     int64   `json:"decided_claimed_minor"`
	PaidMinor        int64   `json:"paid_minor"`
	RecoveryRate     float64 `json:"recovery_rate"`
	PaymentValues    int     `json:"payment_values"`
	DaysToPaymentP50 float64 `json:"days_to_payment_p50"`
	DaysToPaymentP90 float64 `json:"days_to_payment_p90"`
}

// ClaimStats returns the claims per carrier and currency, drafted at or
// after since, ordered by carrier and currency, in two grouped queries.
func (db *DB) ClaimStats(ctx context.Context, since time.Time) ([]ClaimGroup, error) {
	const w = `WITH w AS (SELECT sh.courier AS carrier, upper(c.currency) AS cur, c.* FROM claims c
		JOIN shipments sh ON sh.id = c.shipment_id WHERE c.state <> 'cancelled' AND c.created_at >= ?)`
	rows, err := db.sql.QueryContext(ctx, w+`
		SELECT carrier, cur, COUNT(*),
			COALESCE(SUM(confirmation_number <> '' OR filed_at IS NOT NULL), 0),
			COALESCE(SUM(state = 'paid'), 0), COALESCE(SUM(state = 'denied'), 0),
			COALESCE(SUM(amount), 0), COALESCE(SUM(CASE WHEN state IN ('paid', 'denied') THEN amount END), 0),
			COALESCE(SUM(CASE WHEN state = 'paid' THEN paid_amount END), 0)
		FROM w GROUP BY carrier, cur ORDER BY carrier, cur`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("claim stats: %w", mapErr(err))
	}
	var out []ClaimGroup
	at := map[[2]string]int{}
	for rows.Next() {
		var g ClaimGroup
		if err := rows.Scan(&g.Carrier, &g.Currency, &g.Drafted, &g.Filed, &g.Paid, &g.Denied,
			&g.ClaimedMinor, &g.DecidedMinor, &g.PaidMinor); err != nil {
			rows.Close()
			return nil, fmt.Errorf("claim stats: %w", err)
		}
		if g.DecidedMinor > 0 {
			g.RecoveryRate = float64(g.PaidMinor) / float64(g.DecidedMinor)
		}
		at[[2]string{g.Carrier, g.Currency}] = len(out)
		out = append(out, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("claim stats: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, w+`,
		r AS (SELECT carrier, cur, paid_at - filed_at AS d,
				ROW_NUMBER() OVER (PARTITION BY carrier, cur ORDER BY paid_at - filed_at) AS rn,
				COUNT(*) OVER (PARTITION BY carrier, cur) AS n
			FROM w WHERE state = 'paid' AND paid_at IS NOT NULL AND filed_at IS NOT NULL AND paid_at >= filed_at)
		SELECT carrier, cur, COUNT(*), MIN(CASE WHEN rn * 10 >= n * 5 THEN d END), MIN(CASE WHEN rn * 10 >= n * 9 THEN d END)
		FROM r GROUP BY carrier, cur`, since.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("days to payment: %w", mapErr(err))
	}
	day := float64(24 * time.Hour.Milliseconds())
	for rows.Next() {
		var carrier, cur string
		var n int
		var p50, p90 int64
		if err := rows.Scan(&carrier, &cur, &n, &p50, &p90); err != nil {
			rows.Close()
			return nil, fmt.Errorf("days to payment: %w", err)
		}
		if i, ok := at[[2]string{carrier, cur}]; ok {
			out[i].PaymentValues, out[i].DaysToPaymentP50, out[i].DaysToPaymentP90 = n, float64(p50)/day, float64(p90)/day
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("days to payment: %w", err)
	}
	return out, nil
}

// BacklogGroup is one group's open threads now, by how long the buyer has
// waited since the first buyer message after the newest seller reply, in
// the first-response buckets (FRTBuckets).
type BacklogGroup struct {
	Group   string         `json:"group"`
	Open    int            `json:"open"`
	Buckets map[string]int `json:"buckets"`
}

// Backlog returns the open threads per group and age at the database's
// clock, ordered by group, in one query. Threads marked no response needed
// or answered are not backlog; an open thread with no buyer message is
// left out (nobody waits).
func (db *DB) Backlog(ctx context.Context, by InsightsBy) ([]BacklogGroup, error) {
	tg, err := groupingQuery(threadGroups, by)
	if err != nil {
		return nil, err
	}
	rows, err := db.sql.QueryContext(ctx, `WITH tg AS (`+tg+`),
		o AS (SELECT tg.grp, t.id,
				(SELECT MIN(b.sent_at) FROM human_messages b WHERE b.thread_id = t.id AND b.direction = 'in'
					AND b.sent_at > coalesce((SELECT MAX(s.sent_at) FROM human_messages s WHERE s.thread_id = t.id AND s.direction = 'out'), -1)) AS waiting
			FROM tg JOIN threads t ON t.id = tg.thread_id WHERE t.status = 'open'),
		a AS (SELECT grp, (? - waiting) / 1000 AS sec FROM o WHERE waiting IS NOT NULL)
		SELECT grp, COUNT(*), SUM(sec < 3600), SUM(sec >= 3600 AND sec < 4 * 3600), SUM(sec >= 4 * 3600 AND sec < 8 * 3600),
			SUM(sec >= 8 * 3600 AND sec < 24 * 3600), SUM(sec >= 24 * 3600)
		FROM a GROUP BY grp ORDER BY grp`, db.clock().UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("backlog: %w", mapErr(err))
	}
	var out []BacklogGroup
	for rows.Next() {
		g := BacklogGroup{Buckets: map[string]int{}}
		b := make([]int, len(FRTBuckets))
		if err := rows.Scan(&g.Group, &g.Open, &b[0], &b[1], &b[2], &b[3], &b[4]); err != nil {
			rows.Close()
			return nil, fmt.Errorf("backlog: %w", err)
		}
		for i, k := range FRTBuckets {
			g.Buckets[k] = b[i]
		}
		out = append(out, g)
	}
	if err := closeRows(rows); err != nil {
		return nil, fmt.Errorf("backlog: %w", err)
	}
	return out, nil
}
