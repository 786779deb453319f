package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// NoticeEvent is what happened to a parcel that a delay notice tells the
// buyer about.
type NoticeEvent string

// Notice events.
const (
	NoticeStalled   NoticeEvent = "stalled"   // no new scan for the stall threshold
	NoticePastETA   NoticeEvent = "past_eta"  // past the estimated delivery by the threshold
	NoticeException NoticeEvent = "exception" // the carrier reports an exception
)

var noticeEvents = []NoticeEvent{NoticeStalled, NoticePastETA, NoticeException}

// NoticeState is what was decided about a proposed notice.
type NoticeState string

// Notice states.
const (
	// NoticeSending: the decision to send is recorded; the outbox intent
	// under the same key says how far sending got.
	NoticeSending NoticeState = "sending"
	// NoticeSent: the site confirmed the notice.
	NoticeSent NoticeState = "sent"
	// NoticeSkipped: a person declined it.
	NoticeSkipped NoticeState = "skipped"
)

var noticeStates = []NoticeState{NoticeSending, NoticeSent, NoticeSkipped}

// Notice is the decision about one delay notice: one per parcel and event,
// under Key (which is also the notice's outbox idempotency key).
type Notice struct {
	ID         int64       `json:"id"`
	Key        string      `json:"key"`
	ShipmentID int64       `json:"shipment_id"`
	OrderID    int64       `json:"order_id,omitempty"`
	Event      NoticeEvent `json:"event"`
	Since      time.Time   `json:"since"` // when the event began
	State      NoticeState `json:"state"`
	Language   string      `json:"language,omitempty"`
	Body       string      `json:"body,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	UpdatedAt  time.Time   `json:"updated_at"`
}

const noticeCols = `id, notice_key, shipment_id, order_id, event, since, state, language, body, created_at, updated_at`

func scanNotice(row interface{ Scan(...any) error }) (Notice, error) {
	var n Notice
	var order sql.NullInt64
	var since, created, updated int64
	if err := row.Scan(&n.ID, &n.Key, &n.ShipmentID, &order, &n.Event, &since, &n.State, &n.Language, &n.Body,
		&created, &updated); err != nil {
		return Notice{}, err
	}
	n.OrderID = fromNullID(order)
	n.Since = time.UnixMilli(since).UTC()
	n.CreatedAt = time.UnixMilli(created).UTC()
	n.UpdatedAt = time.UnixMilli(updated).UTC()
	return n, nil
}

// RecordNotice stores a decision under n.Key and reports whether it is new.
// A key already stored keeps its row, whatever its state: the first
// decision about a parcel's event stands (a skipped notice is not sent
// later, a notice being sent is not sent again under another row).
func (db *DB) RecordNotice(ctx context.Context, n Notice) (Notice, bool, error) {
	if n.Key == "" || n.ShipmentID == 0 {
		return Notice{}, false, invalidf("a notice needs a key and a parcel (got %q, %d)", n.Key, n.ShipmentID)
	}
	if err := oneOf("notice event", n.Event, noticeEvents...); err != nil {
		return Notice{}, false, err
	}
	if err := oneOf("notice state", n.State, noticeStates...); err != nil {
		return Notice{}, false, err
	}
	var out Notice
	var created bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO notices (notice_key, shipment_id, order_id, event, since, state,
			language, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (notice_key) DO NOTHING RETURNING id`,
			n.Key, n.ShipmentID, nullID(n.OrderID), n.Event, n.Since.UnixMilli(), n.State, n.Language, n.Body, now, now).Scan(&id)
		created = err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return mapErr(err)
		}
		out, err = scanNotice(tx.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE notice_key = ?`, n.Key))
		return mapErr(err)
	})
	if err != nil {
		return Notice{}, false, fmt.Errorf("record notice %s: %w", n.Key, err)
	}
	return out, created, nil
}

// MarkNoticeSent records that the site confirmed the notice stored under
// key. A notice already sent stays as it is.
func (db *DB) MarkNoticeSent(ctx context.Context, key string) (Notice, error) {
	var out Notice
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = scanNotice(tx.QueryRowContext(ctx, `UPDATE notices SET state = 'sent', updated_at = ?
			WHERE notice_key = ? AND state IN ('sending', 'sent') RETURNING `+noticeCols, msNow(db.now()), key))
		return mapErr(err)
	})
	if err != nil {
		return Notice{}, fmt.Errorf("notice %s is not being sent: %w", key, err)
	}
	return out, nil
}

// ListNotices returns every decision, oldest first.
func (db *DB) ListNotices(ctx context.Context) ([]Notice, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+noticeCols+` FROM notices ORDER BY created_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", mapErr(err))
	}
	return collect(rows, scanNotice)
}

// ErrNotUnsure: a notice can be settled by hand only while its send may or
// may not have reached the site.
var ErrNotUnsure = errors.New("the notice's send is not in doubt")

// SettleNotice records what a person found on the store's site about a
// notice whose earlier send may or may not have reached it (its outbox
// intent in flight or needing a check): sent marks the intent done and the
// notice sent; not sent marks the intent failed, so that the next send
// sends it. Both records change in one transaction. Settling a notice
// already settled the same way changes nothing; any other state gives
// ErrNotUnsure with the state named.
func (db *DB) SettleNotice(ctx context.Context, key string, sent bool) (Notice, OutboxEntry, error) {
	var n Notice
	var e OutboxEntry
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		if n, err = scanNotice(tx.QueryRowContext(ctx, `SELECT `+noticeCols+` FROM notices WHERE notice_key = ?`, key)); err != nil {
			return fmt.Errorf("notice %s: %w", key, mapErr(err))
		}
		e, err = scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE idempotency_key = ?`, key))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("notice %s never reached the outbox, so nothing left for the site: %w", key, ErrNotUnsure)
		}
		if err != nil {
			return mapErr(err)
		}
		switch {
		case sent && n.State == NoticeSent && e.State == OutboxDone:
			return nil
		case !sent && n.State == NoticeSending && e.State == OutboxFailed && e.ErrorClass == SettledNotSent:
			return nil
		case n.State != NoticeSending || (e.State != OutboxInFlight && e.State != OutboxNeedsCheck):
			return fmt.Errorf("notice %s is %s and its outbox intent %s: %w", key, n.State, e.State, ErrNotUnsure)
		}
		now := msNow(db.now())
		if sent {
			if e, err = scanOutbox(tx.QueryRowContext(ctx, `UPDATE outbox SET state = 'done', result = ?, error_class = '', updated_at = ?
				WHERE id = ? RETURNING `+outboxCols, `{"settled_by":"person","found":"sent"}`, now, e.ID)); err != nil {
				return err
			}
			n, err = scanNotice(tx.QueryRowContext(ctx, `UPDATE notices SET state = 'sent', updated_at = ?
				WHERE id = ? RETURNING `+noticeCols, now, n.ID))
			return err
		}
		e, err = scanOutbox(tx.QueryRowContext(ctx, `UPDATE outbox SET state = 'failed', error_class = ?, updated_at = ?
			WHERE id = ? RETURNING `+outboxCols, SettledNotSent, now, e.ID))
		return err
	})
	if err != nil {
		return Notice{}, OutboxEntry{}, err
	}
	return n, e, nil
}

// SettledNotSent is the failure class of an intent a person found had not
// reached the site.
const SettledNotSent = "checked_not_sent"
