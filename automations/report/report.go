// Package report builds the morning report of sellerops's overnight runs:
// new and overdue buyer messages; parcels that changed, stalled or were
// delivered; claims drafted, filed, paid and denied, with the money
// recovered; and every failure with its class and evidence. It renders as
// Markdown, as JSON, or as one self-contained HTML page with an inline chart
// of the night's activity, and can be posted to a webhook.
package report

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/insights"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/money"
)

// Report is everything that happened between From and To.
type Report struct {
	GeneratedAt time.Time `json:"generated_at"`
	From        time.Time `json:"from"`
	To          time.Time `json:"to"`
	Messages    Messages  `json:"messages"`
	Parcels     Parcels   `json:"parcels"`
	Claims      Claims    `json:"claims"`
	// Closing are the claim candidates not filed yet whose window closes
	// within thresholds.claim_alert_days of the report's end, soonest
	// first: the same list as claims candidates --alerts.
	Closing  []ClosingWindow `json:"claim_windows_closing"`
	Runs     []Run           `json:"runs"`
	Failures []Failure       `json:"failures"`
	Activity []Activity      `json:"activity"`
	// Insights is the service-insights section over the 30 days before
	// To: the dashboard's Insights view.
	Insights *insights.Section `json:"insights"`
}

// Messages are the buyer messages of the period.
type Messages struct {
	New        int      `json:"new"`         // inbound messages stored in the period
	NewThreads []Thread `json:"new_threads"` // threads with new inbound messages
	Overdue    []Thread `json:"overdue"`     // open threads past their reply deadline, now
}

// Thread is one buyer thread in the report.
type Thread struct {
	ID            int64     `json:"id"`
	Store         string    `json:"store"`
	Marketplace   string    `json:"marketplace"`
	Buyer         string    `json:"buyer"`
	Subject       string    `json:"subject"`
	Order         string    `json:"order,omitempty"`
	NewMessages   int       `json:"new_messages,omitempty"`
	ReplyDeadline time.Time `json:"reply_deadline,omitzero"`
}

// Parcels are the parcels of the period.
type Parcels struct {
	Changed   []Parcel `json:"changed"`   // a new scan in the period, not delivered
	Delivered []Parcel `json:"delivered"` // delivered in the period
	Stalled   []Parcel `json:"stalled"`   // stalled by the configured thresholds, now
}

// Parcel is one parcel in the report.
type Parcel struct {
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	Tag            string    `json:"tag"`
	Subtag         string    `json:"subtag,omitempty"`
	LastEventAt    time.Time `json:"last_event_at,omitzero"`
	Reason         string    `json:"reason,omitempty"`
}

// Claims are the claims of the period.
type Claims struct {
	Drafted   []Claim        `json:"drafted"`
	Filed     []Claim        `json:"filed"`
	Paid      []Claim        `json:"paid"`
	Denied    []Claim        `json:"denied"`
	Recovered []money.Amount `json:"recovered"` // paid in the period, per currency
}

// Claim is one claim in the report.
type Claim struct {
	ID                 int64  `json:"id"`
	Courier            string `json:"courier"`
	TrackingNumber     string `json:"tracking_number"`
	Kind               string `json:"kind"`
	State              string `json:"state"`
	Amount             int64  `json:"amount"`
	PaidAmount         int64  `json:"paid_amount"`
	Currency           string `json:"currency"`
	ConfirmationNumber string `json:"confirmation_number,omitempty"`
}

// ClosingWindow is a claim the seller can still file, and how long is left.
type ClosingWindow struct {
	Courier        string    `json:"courier"`
	TrackingNumber string    `json:"tracking_number"`
	Kind           string    `json:"kind"`
	Reason         string    `json:"reason"`
	Closes         time.Time `json:"closes"`
	DaysLeft       int       `json:"days_left"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency,omitempty"`
	// ClaimID is the draft already made for it, 0 when there is none.
	ClaimID int64 `json:"claim_id,omitempty"`
}

// Run is one job run of the period.
type Run struct {
	ID         int64     `json:"id"`
	Job        string    `json:"job"`
	State      string    `json:"state"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at,omitzero"`
	Done       int       `json:"done"`
	Failed     int       `json:"failed"`
	NeedsHuman int       `json:"needs_human"`
	Pending    int       `json:"pending"`
}

// Failure is an item of a run that failed or waits for a person.
type Failure struct {
	Job      string    `json:"job"`
	RunID    int64     `json:"run_id"`
	Item     string    `json:"item"`
	State    string    `json:"state"`
	Class    string    `json:"class"`
	Error    string    `json:"error,omitempty"`
	Evidence string    `json:"evidence,omitempty"`
	Attempts int       `json:"attempts"`
	At       time.Time `json:"at"`
}

// Activity counts what happened in one hour.
type Activity struct {
	Hour     time.Time `json:"hour"`
	Messages int       `json:"messages"` // inbound messages stored
	Done     int       `json:"done"`     // run items done
	Failed   int       `json:"failed"`   // run items failed or needing a person
}

// listLimit bounds each list of the report; the counts stay exact.
const listLimit = 200

// Build gathers the report of [from, to) from the database. Stalled
// parcels use the config's thresholds (nil: the defaults).
func Build(ctx context.Context, db *localdb.DB, cfg *config.Config, from, to time.Time) (*Report, error) {
	cfg = config.OrDefaults(cfg)
	from, to = from.UTC(), to.UTC()
	r := &Report{GeneratedAt: time.Now().UTC(), From: from, To: to, Runs: []Run{}, Failures: []Failure{}}
	r.Messages.NewThreads, r.Messages.Overdue = []Thread{}, []Thread{}
	r.Parcels.Changed, r.Parcels.Delivered, r.Parcels.Stalled = []Parcel{}, []Parcel{}, []Parcel{}
	r.Claims.Drafted, r.Claims.Filed, r.Claims.Paid, r.Claims.Denied, r.Claims.Recovered = []Claim{}, []Claim{}, []Claim{}, []Claim{}, []money.Amount{}
	r.Closing = []ClosingWindow{}
	q := db.SQL()
	f, t := from.UnixMilli(), to.UnixMilli()
	steps := []struct {
		what string
		fn   func() error
	}{
		{"new messages", func() error { return r.newMessages(ctx, q, f, t) }},
		{"overdue threads", func() error { return r.overdue(ctx, q, t) }},
		{"parcels", func() error { return r.parcels(ctx, q, f, t) }},
		{"stalled parcels", func() error { return r.stalled(ctx, db, cfg) }},
		{"claims", func() error { return r.claims(ctx, q, f, t) }},
		{"claim windows closing", func() error { return r.closing(ctx, db, cfg, to) }},
		{"runs", func() error { return r.runs(ctx, db, from, to) }},
		{"failures", func() error { return r.failures(ctx, db, from, to) }},
		{"activity", func() error { return r.activity(ctx, q, f, t) }},
		{"service insights", func() (err error) { r.Insights, err = insights.LoadSection(ctx, db, to); return err }},
	}
	for _, s := range steps {
		if err := s.fn(); err != nil {
			return nil, fmt.Errorf("report: %s: %w", s.what, err)
		}
	}
	return r, nil
}

func ms(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

func (r *Report) newMessages(ctx context.Context, q *sql.DB, f, t int64) error {
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM messages WHERE direction = 'in' AND created_at >= ? AND created_at < ?`,
		f, t).Scan(&r.Messages.New); err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT th.id, s.name, s.marketplace, th.buyer_name, th.subject, th.marketplace_order_id,
			count(m.id), th.reply_deadline
		FROM messages m JOIN threads th ON th.id = m.thread_id JOIN stores s ON s.id = th.store_id
		WHERE m.direction = 'in' AND m.created_at >= ? AND m.created_at < ?
		GROUP BY th.id ORDER BY max(m.sent_at) DESC LIMIT ?`, f, t, listLimit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var th Thread
		var due sql.NullInt64
		if err := rows.Scan(&th.ID, &th.Store, &th.Marketplace, &th.Buyer, &th.Subject, &th.Order, &th.NewMessages, &due); err != nil {
			return err
		}
		th.ReplyDeadline = ms(due)
		r.Messages.NewThreads = append(r.Messages.NewThreads, th)
	}
	return rows.Err()
}

func (r *Report) overdue(ctx context.Context, q *sql.DB, t int64) error {
	rows, err := q.QueryContext(ctx, `SELECT th.id, s.name, s.marketplace, th.buyer_name, th.subject, th.marketplace_order_id, th.reply_deadline
		FROM threads th JOIN stores s ON s.id = th.store_id
		WHERE th.status = 'open' AND th.reply_deadline IS NOT NULL AND th.reply_deadline < ?
			AND s.removed_at IS NULL -- a removed store's threads are history, never overdue (as in localdb)
		ORDER BY th.reply_deadline LIMIT ?`, t, listLimit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var th Thread
		var due sql.NullInt64
		if err := rows.Scan(&th.ID, &th.Store, &th.Marketplace, &th.Buyer, &th.Subject, &th.Order, &due); err != nil {
			return err
		}
		th.ReplyDeadline = ms(due)
		r.Messages.Overdue = append(r.Messages.Overdue, th)
	}
	return rows.Err()
}

func (r *Report) parcels(ctx context.Context, q *sql.DB, f, t int64) error {
	rows, err := q.QueryContext(ctx, `SELECT courier, tracking_number, tag, subtag, last_event_at FROM shipments
		WHERE last_event_at >= ? AND last_event_at < ? ORDER BY last_event_at DESC LIMIT ?`, f, t, 2*listLimit)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var p Parcel
		var last sql.NullInt64
		if err := rows.Scan(&p.Courier, &p.TrackingNumber, &p.Tag, &p.Subtag, &last); err != nil {
			return err
		}
		p.LastEventAt = ms(last)
		if p.Tag == "Delivered" {
			r.Parcels.Delivered = append(r.Parcels.Delivered, p)
		} else {
			r.Parcels.Changed = append(r.Parcels.Changed, p)
		}
	}
	return rows.Err()
}

func (r *Report) stalled(ctx context.Context, db *localdb.DB, cfg *config.Config) error {
	list, err := db.StalledShipments(ctx, shipments.StallRule(cfg))
	if err != nil {
		return err
	}
	for i, s := range list {
		if i == listLimit {
			break
		}
		r.Parcels.Stalled = append(r.Parcels.Stalled, Parcel{Courier: s.Courier, TrackingNumber: s.TrackingNumber,
			Tag: s.Tag, Subtag: s.Subtag, LastEventAt: s.LastEventAt, Reason: s.Reason})
	}
	return nil
}

// closing lists the claim windows that close soon, by the claim rules and
// thresholds.claim_alert_days that claims candidates --alerts uses.
func (r *Report) closing(ctx context.Context, db *localdb.DB, cfg *config.Config, now time.Time) error {
	list, err := claims.Alerts(ctx, claims.Deps{DB: db, Config: cfg, Now: func() time.Time { return now }}, now)
	if err != nil {
		return err
	}
	for i, c := range list {
		if i == listLimit {
			break
		}
		reason := ""
		if len(c.Reasons) > 0 {
			reason = c.Reasons[0]
		}
		r.Closing = append(r.Closing, ClosingWindow{Courier: c.Courier, TrackingNumber: c.TrackingNumber, Kind: string(c.Kind),
			Reason: reason, Closes: c.Window.Closes, DaysLeft: c.Window.DaysLeft, Amount: c.DeclaredValue, Currency: c.Currency, ClaimID: c.ClaimID})
	}
	return nil
}

func (r *Report) claims(ctx context.Context, q *sql.DB, f, t int64) error {
	rows, err := q.QueryContext(ctx, `SELECT c.id, s.courier, s.tracking_number, c.kind, c.state, c.amount, c.paid_amount,
			c.currency, c.confirmation_number, c.created_at, c.filed_at, c.updated_at
		FROM claims c JOIN shipments s ON s.id = c.shipment_id
		WHERE (c.created_at >= ? AND c.created_at < ?) OR (c.filed_at >= ? AND c.filed_at < ?)
			OR (c.state IN ('paid', 'denied') AND c.updated_at >= ? AND c.updated_at < ?)
		ORDER BY c.id`, f, t, f, t, f, t)
	if err != nil {
		return err
	}
	defer rows.Close()
	recovered := map[string]int64{}
	in := func(v int64) bool { return v >= f && v < t }
	for rows.Next() {
		var c Claim
		var created, updated int64
		var filed sql.NullInt64
		if err := rows.Scan(&c.ID, &c.Courier, &c.TrackingNumber, &c.Kind, &c.State, &c.Amount, &c.PaidAmount,
			&c.Currency, &c.ConfirmationNumber, &created, &filed, &updated); err != nil {
			return err
		}
		if in(created) {
			r.Claims.Drafted = append(r.Claims.Drafted, c)
		}
		if filed.Valid && in(filed.Int64) {
			r.Claims.Filed = append(r.Claims.Filed, c)
		}
		if in(updated) {
			switch c.State {
			case "paid":
				r.Claims.Paid = append(r.Claims.Paid, c)
				recovered[strings.ToUpper(c.Currency)] += c.PaidAmount
			case "denied":
				r.Claims.Denied = append(r.Claims.Denied, c)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	for cur, amt := range recovered {
		r.Claims.Recovered = append(r.Claims.Recovered, money.Of(amt, cur))
	}
	sort.Slice(r.Claims.Recovered, func(i, j int) bool { return r.Claims.Recovered[i].Currency() < r.Claims.Recovered[j].Currency() })
	return nil
}

func (r *Report) runs(ctx context.Context, db *localdb.DB, from, to time.Time) error {
	runs, err := db.ListRuns(ctx, from)
	if err != nil {
		return err
	}
	for _, rn := range runs {
		if !rn.StartedAt.Before(to) {
			continue
		}
		counts, err := db.RunItemCounts(ctx, rn.ID)
		if err != nil {
			return err
		}
		r.Runs = append(r.Runs, Run{ID: rn.ID, Job: rn.JobName, State: string(rn.State), StartedAt: rn.StartedAt,
			FinishedAt: rn.FinishedAt, Done: counts[localdb.ItemDone], Failed: counts[localdb.ItemFailed],
			NeedsHuman: counts[localdb.ItemNeedsHuman], Pending: counts[localdb.ItemPending] + counts[localdb.ItemRunning]})
		if len(r.Runs) == listLimit {
			break
		}
	}
	return nil
}

func (r *Report) failures(ctx context.Context, db *localdb.DB, from, to time.Time) error {
	items, err := db.ListAttentionItems(ctx, from)
	if err != nil {
		return err
	}
	for _, it := range items {
		if !it.UpdatedAt.Before(to) {
			continue
		}
		r.Failures = append(r.Failures, Failure{Job: it.JobName, RunID: it.RunID, Item: it.ItemKey, State: string(it.State),
			Class: it.FailureClass, Error: it.Error, Evidence: it.EvidencePath, Attempts: it.Attempts, At: it.UpdatedAt})
		if len(r.Failures) == listLimit {
			break
		}
	}
	return nil
}

// activity buckets the period by hour (at most 72 buckets: the last 72
// hours of a longer period).
func (r *Report) activity(ctx context.Context, q *sql.DB, f, t int64) error {
	const hour = int64(time.Hour / time.Millisecond)
	start := f - f%hour
	if t-start > 72*hour {
		start = (t - 72*hour) - (t-72*hour)%hour
	}
	idx := map[int64]int{}
	for h := start; h < t; h += hour {
		idx[h] = len(r.Activity)
		r.Activity = append(r.Activity, Activity{Hour: time.UnixMilli(h).UTC()})
	}
	if len(r.Activity) == 0 {
		r.Activity = []Activity{}
		return nil
	}
	add := func(query string, apply func(a *Activity, state string, n int)) error {
		rows, err := q.QueryContext(ctx, query, hour, hour, start, t)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var h int64
			var state string
			var n int
			if err := rows.Scan(&h, &state, &n); err != nil {
				return err
			}
			if i, ok := idx[h]; ok {
				apply(&r.Activity[i], state, n)
			}
		}
		return rows.Err()
	}
	if err := add(`SELECT (created_at / ?) * ?, 'in', count(*) FROM messages
		WHERE direction = 'in' AND created_at >= ? AND created_at < ? GROUP BY 1`,
		func(a *Activity, _ string, n int) { a.Messages += n }); err != nil {
		return err
	}
	return add(`SELECT (updated_at / ?) * ?, state, count(*) FROM run_items
		WHERE state IN ('done', 'failed', 'needs_human') AND updated_at >= ? AND updated_at < ? GROUP BY 1, 2`,
		func(a *Activity, state string, n int) {
			if state == "done" {
				a.Done += n
			} else {
				a.Failed += n
			}
		})
}
