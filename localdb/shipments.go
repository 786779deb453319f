package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Source says where a tracking result came from.
type Source string

// Tracking sources.
const (
	SourceAPI   Source = "api"   // the carrier's official API
	SourceWeb   Source = "web"   // the carrier's public tracking page, in the browser
	SourceCache Source = "cache" // this database, without a lookup
)

var sources = []Source{"", SourceAPI, SourceWeb, SourceCache}

// TagDelivered is the taxonomy tag of a delivered parcel; delivered parcels
// are never stalled.
const TagDelivered = "Delivered"

// SubtagReturned is the taxonomy subtag of a parcel back with its sender
// (AfterShip's Exception_011); returned parcels are never stalled either.
const SubtagReturned = "Exception_011"

// Shipment is one parcel, keyed by courier and tracking number. Tag and
// Subtag follow the AfterShip-compatible taxonomy of the carriers package.
type Shipment struct {
	ID                int64     `json:"id"`
	Courier           string    `json:"courier"`
	TrackingNumber    string    `json:"tracking_number"`
	OrderID           int64     `json:"order_id,omitempty"`
	Service           string    `json:"service,omitempty"`
	ShipDate          time.Time `json:"ship_date,omitzero"`
	Tag               string    `json:"tag"`
	Subtag            string    `json:"subtag,omitempty"`
	LastEventAt       time.Time `json:"last_event_at,omitzero"`
	EstimatedDelivery time.Time `json:"estimated_delivery,omitzero"`
	CheckedAt         time.Time `json:"checked_at,omitzero"`
	Source            Source    `json:"source,omitempty"`
	// ErrorClass is the failure class of the last lookup ("" when it
	// succeeded).
	ErrorClass string    `json:"error_class,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
}

// TrackingEvent is one scan or status change of a parcel.
type TrackingEvent struct {
	ID          int64     `json:"id,omitempty"`
	ShipmentID  int64     `json:"shipment_id,omitempty"`
	Time        time.Time `json:"time"`
	Tag         string    `json:"tag"`
	Subtag      string    `json:"subtag,omitempty"`
	RawCode     string    `json:"raw_code,omitempty"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description"`
	Source      Source    `json:"source,omitempty"`
}

const shipmentCols = `id, courier, tracking_number, order_id, service, ship_date, tag, subtag, last_event_at,
	estimated_delivery, checked_at, source, error_class, created_at, updated_at`

func scanShipment(row interface{ Scan(...any) error }) (Shipment, error) {
	var s Shipment
	var order, ship, last, eta, checked sql.NullInt64
	var created, updated int64
	err := row.Scan(&s.ID, &s.Courier, &s.TrackingNumber, &order, &s.Service, &ship, &s.Tag, &s.Subtag, &last,
		&eta, &checked, &s.Source, &s.ErrorClass, &created, &updated)
	if err != nil {
		return Shipment{}, err
	}
	s.OrderID = fromNullID(order)
	s.ShipDate = fromMS(ship)
	s.LastEventAt = fromMS(last)
	s.EstimatedDelivery = fromMS(eta)
	s.CheckedAt = fromMS(checked)
	s.CreatedAt = time.UnixMilli(created).UTC()
	s.UpdatedAt = time.UnixMilli(updated).UTC()
	return s, nil
}

const eventCols = `id, shipment_id, time, tag, subtag, raw_code, location, description, source`

func scanEvent(row interface{ Scan(...any) error }) (TrackingEvent, error) {
	var e TrackingEvent
	var at int64
	if err := row.Scan(&e.ID, &e.ShipmentID, &at, &e.Tag, &e.Subtag, &e.RawCode, &e.Location, &e.Description, &e.Source); err != nil {
		return TrackingEvent{}, err
	}
	e.Time = time.UnixMilli(at).UTC()
	return e, nil
}

func checkShipmentKey(courier, number string) error {
	if courier == "" || number == "" {
		return invalidf("shipment needs a courier and a tracking number (got %q, %q)", courier, number)
	}
	return nil
}

// EnsureShipment stores a parcel to be tracked (for example from an order)
// and reports whether it is new. For a parcel already stored, a non-zero
// OrderID, Service or ShipDate fills in what was missing; the tracking
// status is left alone.
func (db *DB) EnsureShipment(ctx context.Context, s Shipment) (out Shipment, created bool, err error) {
	if err := checkShipmentKey(s.Courier, s.TrackingNumber); err != nil {
		return Shipment{}, false, err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		id, created, err = ensureShipment(ctx, tx, s, msNow(db.now()))
		if err != nil {
			return err
		}
		out, err = scanShipment(tx.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return Shipment{}, false, fmt.Errorf("store shipment %s %s: %w", s.Courier, s.TrackingNumber, err)
	}
	return out, created, nil
}

func ensureShipment(ctx context.Context, tx sqlTx, s Shipment, now int64) (int64, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO shipments
		(courier, tracking_number, order_id, service, ship_date, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (courier, tracking_number) DO NOTHING RETURNING id`,
		s.Courier, s.TrackingNumber, nullID(s.OrderID), s.Service, ms(s.ShipDate), now, now).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	err = tx.QueryRowContext(ctx, `UPDATE shipments SET
		order_id = coalesce(order_id, ?),
		service = CASE WHEN service = '' THEN ? ELSE service END,
		ship_date = coalesce(ship_date, ?),
		updated_at = ?
		WHERE courier = ? AND tracking_number = ? RETURNING id`,
		nullID(s.OrderID), s.Service, ms(s.ShipDate), now, s.Courier, s.TrackingNumber).Scan(&id)
	return id, false, err
}

// TrackResult is the outcome of one lookup, as SaveTrackResult stores it.
type TrackResult struct {
	Courier        string
	TrackingNumber string
	// OrderID, Service and ShipDate fill in what the stored parcel lacks.
	OrderID  int64
	Service  string
	ShipDate time.Time

	Tag               string
	Subtag            string
	EstimatedDelivery time.Time
	Source            Source
	// ErrorClass is set when the lookup failed (blocked, timeout, ...). The
	// parcel's last known status and events are then kept as they are and
	// only the failure and the check time are recorded.
	ErrorClass string
	Events     []TrackingEvent
	// CheckedAt is when the lookup ran; zero means the database's clock.
	CheckedAt time.Time
}

// SaveTrackResult stores a lookup: it upserts the shipment and adds the
// events it has not seen before, in one transaction. Events are keyed by
// time, raw code and description, so tracking a parcel again never
// duplicates them. A read whose newest event is older than the newest one
// stored, or that has no events while some are stored, is a worse view of
// the parcel (a page that came back emptier): its new events are kept but
// the parcel's status and estimate stay as they were. It returns the stored
// shipment and how many events were new.
func (db *DB) SaveTrackResult(ctx context.Context, r TrackResult) (out Shipment, newEvents int, err error) {
	if err := checkShipmentKey(r.Courier, r.TrackingNumber); err != nil {
		return Shipment{}, 0, err
	}
	if err := oneOf("tracking source", r.Source, sources...); err != nil {
		return Shipment{}, 0, err
	}
	for i, e := range r.Events {
		if e.Time.IsZero() {
			return Shipment{}, 0, invalidf("%s %s: event %d (%q) has no time", r.Courier, r.TrackingNumber, i, e.Description)
		}
		if err := oneOf("event source", e.Source, sources...); err != nil {
			return Shipment{}, 0, err
		}
	}
	now := db.now()
	checked := r.CheckedAt
	if checked.IsZero() {
		checked = now
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		id, _, err := ensureShipment(ctx, tx, Shipment{Courier: r.Courier, TrackingNumber: r.TrackingNumber,
			OrderID: r.OrderID, Service: r.Service, ShipDate: r.ShipDate}, msNow(now))
		if err != nil {
			return err
		}
		if r.ErrorClass != "" {
			_, err = tx.ExecContext(ctx, `UPDATE shipments SET error_class = ?, checked_at = ?, updated_at = ?
				WHERE id = ?`, r.ErrorClass, ms(checked), msNow(now), id)
			if err != nil {
				return err
			}
		} else {
			// What is stored already, before this read adds to it: a read
			// whose newest event is older than the stored newest (or that
			// has no events at all) is a worse view of the parcel, such as
			// a page that came back emptier, and must not move its status
			// back.
			var storedLatest sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT max(time) FROM tracking_events WHERE shipment_id = ?`, id).Scan(&storedLatest); err != nil {
				return err
			}
			var readLatest int64
			for _, e := range r.Events {
				readLatest = max(readLatest, e.Time.UnixMilli())
			}
			worse := storedLatest.Valid && (len(r.Events) == 0 || readLatest < storedLatest.Int64)
			for _, e := range r.Events {
				src := e.Source
				if src == "" {
					src = r.Source
				}
				res, err := tx.ExecContext(ctx, `INSERT INTO tracking_events
					(shipment_id, time, tag, subtag, raw_code, location, description, source)
					VALUES (?, ?, ?, ?, ?, ?, ?, ?)
					ON CONFLICT (shipment_id, time, raw_code, description) DO NOTHING`,
					id, e.Time.UnixMilli(), e.Tag, e.Subtag, e.RawCode, e.Location, e.Description, src)
				if err != nil {
					return err
				}
				n, _ := res.RowsAffected()
				newEvents += int(n)
			}
			if worse {
				_, err = tx.ExecContext(ctx, `UPDATE shipments SET error_class = '', checked_at = ?,
					last_event_at = (SELECT max(time) FROM tracking_events WHERE shipment_id = ?),
					updated_at = ? WHERE id = ?`, ms(checked), id, msNow(now), id)
				if err != nil {
					return err
				}
				out, err = scanShipment(tx.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments WHERE id = ?`, id))
				return err
			}
			tag := r.Tag
			if tag == "" {
				tag = "Pending"
			}
			_, err = tx.ExecContext(ctx, `UPDATE shipments SET
				tag = ?, subtag = ?, estimated_delivery = ?, source = ?, error_class = '', checked_at = ?,
				last_event_at = (SELECT max(time) FROM tracking_events WHERE shipment_id = ?),
				updated_at = ?
				WHERE id = ?`, tag, r.Subtag, ms(r.EstimatedDelivery), r.Source, ms(checked), id, msNow(now), id)
			if err != nil {
				return err
			}
		}
		out, err = scanShipment(tx.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments WHERE id = ?`, id))
		return err
	})
	if err != nil {
		return Shipment{}, 0, fmt.Errorf("store tracking of %s %s: %w", r.Courier, r.TrackingNumber, err)
	}
	return out, newEvents, nil
}

// GetShipment returns the shipment with the given id.
func (db *DB) GetShipment(ctx context.Context, id int64) (Shipment, error) {
	s, err := scanShipment(db.sql.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments WHERE id = ?`, id))
	if err != nil {
		return Shipment{}, fmt.Errorf("shipment id %d: %w", id, mapErr(err))
	}
	return s, nil
}

// GetShipmentByNumber returns the parcel with the given courier and
// tracking number.
func (db *DB) GetShipmentByNumber(ctx context.Context, courier, trackingNumber string) (Shipment, error) {
	s, err := scanShipment(db.sql.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments
		WHERE courier = ? AND tracking_number = ?`, courier, trackingNumber))
	if err != nil {
		return Shipment{}, fmt.Errorf("shipment %s %s: %w", courier, trackingNumber, mapErr(err))
	}
	return s, nil
}

// ShipmentEvents returns a parcel's events, newest first.
func (db *DB) ShipmentEvents(ctx context.Context, shipmentID int64) ([]TrackingEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+eventCols+` FROM tracking_events WHERE shipment_id = ?
		ORDER BY time DESC, id DESC`, shipmentID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanEvent)
}

// EventsByShipment returns every parcel's events, newest first, keyed by
// shipment id, from one query. Passes over every parcel (claim candidates)
// use it: a query per parcel costs more than the work done on its events.
func (db *DB) EventsByShipment(ctx context.Context) (map[int64][]TrackingEvent, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+eventCols+` FROM tracking_events
		ORDER BY shipment_id, time DESC, id DESC`)
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[int64][]TrackingEvent{}
	for rows.Next() {
		e, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		out[e.ShipmentID] = append(out[e.ShipmentID], e)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// ShipmentFilter selects shipments, for ListShipments and PageShipments
// alike. Zero fields do not filter.
type ShipmentFilter struct {
	Courier string
	Tags    []string
	// Open keeps parcels that are not delivered.
	Open bool
	// CheckedBefore keeps parcels never checked or last checked before it.
	CheckedBefore time.Time
	// Stalled, when set, keeps the parcels that have stalled by this rule
	// at the database's clock, as StallRule.Check says.
	Stalled *StallRule
	// Search keeps parcels whose tracking number starts with it.
	Search string
	Offset int
	Limit  int
}

// ListShipments returns the shipments that pass f, most recent event
// first. It is PageShipments' query without the count; f.Limit 0 means no
// cap.
func (db *DB) ListShipments(ctx context.Context, f ShipmentFilter) ([]Shipment, error) {
	p, err := db.queryShipments(ctx, f, false)
	return p.Rows, err
}

// PageShipments returns one page of the parcels that pass f (from
// f.Offset, at most f.Limit, capped at 1000) in ListShipments' order, and
// how many parcels pass f.
func (db *DB) PageShipments(ctx context.Context, f ShipmentFilter) (Page[Shipment], error) {
	return db.queryShipments(ctx, f, true)
}

// shipmentWhere turns f into conditions on the shipments table at now.
func shipmentWhere(f ShipmentFilter, now time.Time) ([]string, []any) {
	var where []string
	var args []any
	if f.Courier != "" {
		where = append(where, "courier = ?")
		args = append(args, f.Courier)
	}
	if len(f.Tags) > 0 {
		where = append(where, "tag IN ("+placeholders(len(f.Tags))+")")
		for _, t := range f.Tags {
			args = append(args, t)
		}
	}
	if f.Open {
		where = append(where, "tag <> ?")
		args = append(args, TagDelivered)
	}
	if !f.CheckedBefore.IsZero() {
		where = append(where, "(checked_at IS NULL OR checked_at < ?)")
		args = append(args, f.CheckedBefore.UnixMilli())
	}
	if f.Stalled != nil {
		cond, a := f.Stalled.where(now)
		where = append(where, cond)
		args = append(args, a...)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		where = append(where, "tracking_number LIKE ? ESCAPE '\\'")
		args = append(args, likePrefix(strings.ToUpper(s)))
	}
	return where, args
}

// queryShipments is the one shipment query, behind ListShipments and
// PageShipments. counted bounds the page and reads the total too.
func (db *DB) queryShipments(ctx context.Context, f ShipmentFilter, counted bool) (Page[Shipment], error) {
	offset, limit := queryBounds(f.Offset, f.Limit, counted)
	where, args := shipmentWhere(f, db.now())
	cond := whereClause(where)
	out := Page[Shipment]{Offset: offset, Rows: []Shipment{}}
	if counted {
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM shipments`+cond, args...).Scan(&out.Total); err != nil {
			return Page[Shipment]{}, fmt.Errorf("count shipments: %w", mapErr(err))
		}
		if out.Total == 0 || offset >= out.Total {
			return out, nil
		}
	}
	// The page's ids are picked by their sort key alone, then joined to
	// their columns, so a deep page does not read every row before it.
	rows, err := db.sql.QueryContext(ctx, `SELECT `+qualify("sh", shipmentCols)+` FROM (
		SELECT id AS pid, coalesce(last_event_at, ship_date, created_at) AS k FROM shipments`+cond+`
		ORDER BY k DESC, id DESC LIMIT ? OFFSET ?) p
		JOIN shipments sh ON sh.id = p.pid ORDER BY p.k DESC, p.pid DESC`, append(args, limit, offset)...)
	if err != nil {
		return Page[Shipment]{}, fmt.Errorf("list shipments: %w", mapErr(err))
	}
	if out.Rows, err = collect(rows, scanShipment); err != nil {
		return Page[Shipment]{}, fmt.Errorf("list shipments: %w", err)
	}
	if !counted {
		out.Total = len(out.Rows)
	}
	return out, nil
}

// StallThreshold says when a parcel counts as stalled. A zero field turns
// that test off.
type StallThreshold struct {
	// NoEventFor: no new event for this long (counted from the ship date,
	// or from when the parcel was stored, while it has no event at all).
	NoEventFor time.Duration
	// PastETA: this long past the estimated delivery without delivery.
	PastETA time.Duration
}

// StallRule gives each courier's stall threshold: PerCourier by courier
// code, Default for a courier without its own. It is built from the config
// in one place (package automations/shipments) and applied here, in Go by
// Check and in SQL for the dashboard's pages and counts, so every surface
// calls the same parcels stalled.
type StallRule struct {
	PerCourier map[string]StallThreshold
	Default    StallThreshold
}

// For returns the threshold of a courier.
func (r StallRule) For(courier string) StallThreshold {
	if th, ok := r.PerCourier[courier]; ok {
		return th
	}
	return r.Default
}

// idleSince is when a parcel's silence started: its last event, else its
// ship date, else when it was stored.
func idleSince(s Shipment) time.Time {
	since := s.LastEventAt
	if since.IsZero() {
		since = s.ShipDate
	}
	if since.IsZero() {
		since = s.CreatedAt
	}
	return since
}

// StallParts are the two tests of a stall rule, apart: whether the parcel
// has gone without an event for its threshold (since IdleSince), and
// whether it is past its estimated delivery by its threshold.
type StallParts struct {
	NoEvent   bool
	IdleSince time.Time
	PastETA   bool
	Reasons   []string
}

// Parts applies the rule's two tests to s at now. Delivered and returned
// parcels pass neither.
func (r StallRule) Parts(s Shipment, now time.Time) StallParts {
	p := StallParts{IdleSince: idleSince(s)}
	if s.Tag == TagDelivered || s.Subtag == SubtagReturned {
		return p
	}
	th := r.For(s.Courier)
	idle := now.Sub(p.IdleSince)
	if th.NoEventFor > 0 && idle >= th.NoEventFor {
		p.NoEvent = true
		p.Reasons = append(p.Reasons, fmt.Sprintf("no new event for %s (threshold %s)", days(idle), days(th.NoEventFor)))
	}
	if th.PastETA > 0 && !s.EstimatedDelivery.IsZero() && now.Sub(s.EstimatedDelivery) >= th.PastETA {
		p.PastETA = true
		p.Reasons = append(p.Reasons, fmt.Sprintf("%s past the estimated delivery (threshold %s)", days(now.Sub(s.EstimatedDelivery)), days(th.PastETA)))
	}
	return p
}

// Check says whether s has stalled at now by the rule, why (every threshold
// it passed) and how long it has been without an event. Delivered and
// returned parcels never stall.
func (r StallRule) Check(s Shipment, now time.Time) (bool, string, time.Duration) {
	p := r.Parts(s, now)
	return len(p.Reasons) > 0, strings.Join(p.Reasons, "; "), now.Sub(p.IdleSince)
}

// where is Check as an SQL condition on the shipments table at now.
func (r StallRule) where(now time.Time) (string, []any) {
	one := func(th StallThreshold) (string, []any) {
		var or []string
		var args []any
		if th.NoEventFor > 0 {
			or = append(or, "coalesce(last_event_at, ship_date, created_at) <= ?")
			args = append(args, now.Add(-th.NoEventFor).UnixMilli())
		}
		if th.PastETA > 0 {
			or = append(or, "(estimated_delivery IS NOT NULL AND estimated_delivery <= ?)")
			args = append(args, now.Add(-th.PastETA).UnixMilli())
		}
		if len(or) == 0 {
			return "0", nil
		}
		return "(" + strings.Join(or, " OR ") + ")", args
	}
	couriers := make([]string, 0, len(r.PerCourier))
	for c := range r.PerCourier {
		couriers = append(couriers, c)
	}
	sort.Strings(couriers)
	var cases []string
	args := []any{TagDelivered, SubtagReturned}
	for _, c := range couriers {
		cond, a := one(r.PerCourier[c])
		cases = append(cases, "(courier = ? AND "+cond+")")
		args = append(append(args, c), a...)
	}
	cond, a := one(r.Default)
	if len(couriers) > 0 {
		cond = "(courier NOT IN (" + placeholders(len(couriers)) + ") AND " + cond + ")"
		for _, c := range couriers {
			args = append(args, c)
		}
	}
	cases = append(cases, cond)
	args = append(args, a...)
	return "(tag <> ? AND coalesce(subtag, '') <> ? AND (" + strings.Join(cases, " OR ") + "))", args
}

// StalledShipment is a parcel that passed a stall threshold, and why.
type StalledShipment struct {
	Shipment
	Reason string        `json:"reason"`
	Idle   time.Duration `json:"idle"` // time since the last event (or ship date)
}

// StalledShipments returns the parcels that have stalled by rule, most idle
// first.
func (db *DB) StalledShipments(ctx context.Context, rule StallRule) ([]StalledShipment, error) {
	now := db.now()
	open, err := db.ListShipments(ctx, ShipmentFilter{Open: true})
	if err != nil {
		return nil, err
	}
	out := []StalledShipment{}
	for _, s := range open {
		if ok, why, idle := rule.Check(s, now); ok {
			out = append(out, StalledShipment{Shipment: s, Reason: why, Idle: idle})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Idle > out[j].Idle })
	return out, nil
}

// days formats a duration in days with one decimal, as thresholds are set.
func days(d time.Duration) string {
	return fmt.Sprintf("%.1f days", d.Hours()/24)
}
