package localdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// OutboxKind is what an intent does on a site.
type OutboxKind string

// Outbox kinds.
const (
	OutboxReply OutboxKind = "reply"
	OutboxClaim OutboxKind = "claim"
)

// OutboxState is where an intent stands.
type OutboxState string

// Outbox states.
const (
	// OutboxPending: written, the browser has not acted yet.
	OutboxPending OutboxState = "pending"
	// OutboxInFlight: the browser is acting. Found at start-up, it means a
	// crash happened mid-way: check the site before acting again.
	OutboxInFlight OutboxState = "in_flight"
	// OutboxDone: the site confirmed; Result holds what it returned.
	OutboxDone OutboxState = "done"
	// OutboxFailed: the attempt failed before anything was submitted, with
	// ErrorClass saying why.
	OutboxFailed OutboxState = "failed"
	// OutboxNeedsCheck: whether the site acted is unknown; look before
	// acting again.
	OutboxNeedsCheck OutboxState = "needs_check"
)

var (
	outboxKinds = []OutboxKind{OutboxReply, OutboxClaim}
)

// OutboxEntry is one intent to act on a site.
type OutboxEntry struct {
	ID             int64      `json:"id"`
	IdempotencyKey string     `json:"idempotency_key"`
	Kind           OutboxKind `json:"kind"`
	// Target names what the intent acts on, for example "thread:42" or
	// "claim:7".
	Target     string          `json:"target"`
	Payload    json.RawMessage `json:"payload"`
	State      OutboxState     `json:"state"`
	Attempts   int             `json:"attempts"`
	Result     json.RawMessage `json:"result,omitempty"`
	ErrorClass string          `json:"error_class,omitempty"`
	CreatedAt  time.Time       `json:"created_at"`
	UpdatedAt  time.Time       `json:"updated_at"`
}

const outboxCols = `id, idempotency_key, kind, target, payload, state, attempts, result, error_class, created_at, updated_at`

func scanOutbox(row interface{ Scan(...any) error }) (OutboxEntry, error) {
	var e OutboxEntry
	var payload string
	var result sql.NullString
	var created, updated int64
	if err := row.Scan(&e.ID, &e.IdempotencyKey, &e.Kind, &e.Target, &payload, &e.State, &e.Attempts, &result,
		&e.ErrorClass, &created, &updated); err != nil {
		return OutboxEntry{}, err
	}
	e.Payload = json.RawMessage(payload)
	if result.Valid {
		e.Result = json.RawMessage(result.String)
	}
	e.CreatedAt = time.UnixMilli(created).UTC()
	e.UpdatedAt = time.UnixMilli(updated).UTC()
	return e, nil
}

// Intent is what WriteIntent records before the browser acts.
type Intent struct {
	Key     string
	Kind    OutboxKind
	Target  string
	Payload json.RawMessage // empty means {}
}

// WriteIntent records an intent under its idempotency key and reports
// whether it is new. The same key again returns the row already stored and
// never adds a second one, whatever its state; a key reused for a different
// kind or target gives ErrConflict.
func (db *DB) WriteIntent(ctx context.Context, in Intent) (OutboxEntry, bool, error) {
	if in.Key == "" {
		return OutboxEntry{}, false, invalidf("outbox intent needs an idempotency key")
	}
	if err := oneOf("outbox kind", in.Kind, outboxKinds...); err != nil {
		return OutboxEntry{}, false, err
	}
	payload := bytes.TrimSpace(in.Payload)
	if len(payload) == 0 {
		payload = []byte("{}")
	}
	if !json.Valid(payload) {
		return OutboxEntry{}, false, invalidf("outbox intent %s: payload is not valid JSON", in.Key)
	}
	var out OutboxEntry
	var created bool
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		var id int64
		err := tx.QueryRowContext(ctx, `INSERT INTO outbox (idempotency_key, kind, target, payload, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
			in.Key, in.Kind, in.Target, string(payload), now, now).Scan(&id)
		created = err == nil
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		out, err = scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE idempotency_key = ?`, in.Key))
		if err != nil {
			return err
		}
		if out.Kind != in.Kind || out.Target != in.Target {
			return fmt.Errorf("idempotency key %s is already used by a %s intent for %q, not a %s intent for %q: %w",
				in.Key, out.Kind, out.Target, in.Kind, in.Target, ErrConflict)
		}
		return nil
	})
	if err != nil {
		return OutboxEntry{}, false, fmt.Errorf("write outbox intent: %w", err)
	}
	return out, created, nil
}

// GetIntent returns the intent stored under key.
func (db *DB) GetIntent(ctx context.Context, key string) (OutboxEntry, error) {
	e, err := scanOutbox(db.sql.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE idempotency_key = ?`, key))
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("outbox intent %s: %w", key, mapErr(err))
	}
	return e, nil
}

// MarkInFlight claims an intent for an attempt: it moves pending, failed or
// needs_check to in_flight and counts the attempt. An intent already in
// flight or done gives ErrConflict, so that two workers never act on one
// intent. Call it right before the browser submits anything.
func (db *DB) MarkInFlight(ctx context.Context, id int64) (OutboxEntry, error) {
	return db.moveOutbox(ctx, id, []OutboxState{OutboxPending, OutboxFailed, OutboxNeedsCheck},
		`state = 'in_flight', attempts = attempts + 1, error_class = ''`)
}

// MarkDone records the site's confirmation (any JSON; empty means {}).
// Marking a done intent done again keeps the first result.
func (db *DB) MarkDone(ctx context.Context, id int64, result json.RawMessage) (OutboxEntry, error) {
	result = bytes.TrimSpace(result)
	if len(result) == 0 {
		result = []byte("{}")
	}
	if !json.Valid(result) {
		return OutboxEntry{}, invalidf("outbox intent %d: result is not valid JSON", id)
	}
	e, err := db.GetIntentByID(ctx, id)
	if err == nil && e.State == OutboxDone {
		return e, nil
	}
	return db.moveOutbox(ctx, id, []OutboxState{OutboxPending, OutboxInFlight, OutboxFailed, OutboxNeedsCheck},
		`state = 'done', result = ?, error_class = ''`, string(result))
}

// MarkFailed records that an attempt failed with a failure class
// (rate_limited, timeout, ...) before anything reached the site. When
// whether the site acted is unknown, use MarkNeedsCheck instead.
func (db *DB) MarkFailed(ctx context.Context, id int64, errorClass string) (OutboxEntry, error) {
	if errorClass == "" {
		return OutboxEntry{}, invalidf("outbox intent %d: MarkFailed needs a failure class", id)
	}
	return db.moveOutbox(ctx, id, []OutboxState{OutboxPending, OutboxInFlight, OutboxNeedsCheck},
		`state = 'failed', error_class = ?`, errorClass)
}

// MarkNeedsCheck records that an attempt ended without knowing whether the
// site acted (a crash or a timeout after submit); the next attempt must look
// on the site first. errorClass may be empty.
func (db *DB) MarkNeedsCheck(ctx context.Context, id int64, errorClass string) (OutboxEntry, error) {
	return db.moveOutbox(ctx, id, []OutboxState{OutboxPending, OutboxInFlight, OutboxFailed},
		`state = 'needs_check', error_class = ?`, errorClass)
}

// RecoverInFlight turns every intent left in flight (by a process that
// crashed) into needs_check and returns how many it changed. Call it at
// start-up, while holding the run lock, before working through the outbox.
func (db *DB) RecoverInFlight(ctx context.Context) (int, error) {
	var n int64
	err := db.tx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE outbox SET state = 'needs_check', updated_at = ? WHERE state = 'in_flight'`,
			msNow(db.now()))
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return int(n), err
}

// ListUnfinished returns the intents that are not done (of one kind, or of
// every kind when kind is empty), oldest first.
func (db *DB) ListUnfinished(ctx context.Context, kind OutboxKind) ([]OutboxEntry, error) {
	if kind != "" {
		if err := oneOf("outbox kind", kind, outboxKinds...); err != nil {
			return nil, err
		}
	}
	rows, err := db.sql.QueryContext(ctx, `SELECT `+outboxCols+` FROM outbox
		WHERE state <> 'done' AND (? = '' OR kind = ?) ORDER BY created_at, id`, kind, kind)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanOutbox)
}

// GetIntentByID returns the intent with the given id.
func (db *DB) GetIntentByID(ctx context.Context, id int64) (OutboxEntry, error) {
	e, err := scanOutbox(db.sql.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
	if err != nil {
		return OutboxEntry{}, fmt.Errorf("outbox intent id %d: %w", id, mapErr(err))
	}
	return e, nil
}

// moveOutbox applies set to the intent when its state is one of from.
func (db *DB) moveOutbox(ctx context.Context, id int64, from []OutboxState, set string, args ...any) (OutboxEntry, error) {
	var out OutboxEntry
	err := db.tx(ctx, func(tx *sql.Tx) error {
		cur, err := scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxCols+` FROM outbox WHERE id = ?`, id))
		if err != nil {
			return fmt.Errorf("outbox intent id %d: %w", id, mapErr(err))
		}
		ok := false
		for _, s := range from {
			ok = ok || cur.State == s
		}
		if !ok {
			names := make([]string, len(from))
			for i, s := range from {
				names[i] = string(s)
			}
			return fmt.Errorf("outbox intent %s is %s; this step needs it %s: %w",
				cur.IdempotencyKey, cur.State, strings.Join(names, " or "), ErrConflict)
		}
		args = append(args, msNow(db.now()), id)
		out, err = scanOutbox(tx.QueryRowContext(ctx, `UPDATE outbox SET `+set+`, updated_at = ? WHERE id = ? RETURNING `+outboxCols, args...))
		return err
	})
	return out, err
}
