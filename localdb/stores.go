package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SessionState is what the last login attempt left behind for a store.
type SessionState string

// Session states.
const (
	SessionOK         SessionState = "ok"
	SessionNeedsHuman SessionState = "needs_human" // CAPTCHA or unknown 2FA: run `stores login --show`
	SessionLoggedOut  SessionState = "logged_out"
	SessionAuthFailed SessionState = "auth_failed"
	SessionUnknown    SessionState = "unknown"
)

var sessionStates = []SessionState{SessionOK, SessionNeedsHuman, SessionLoggedOut, SessionAuthFailed, SessionUnknown}

// Store is one marketplace seller account. It never holds a secret: the
// password, TOTP seed and session cookies are in the keyring.
type Store struct {
	ID           int64        `json:"id"`
	Name         string       `json:"name"`
	Marketplace  string       `json:"marketplace"`
	BaseURL      string       `json:"base_url"`
	Username     string       `json:"username"`
	Recipe       string       `json:"recipe"`
	SessionState SessionState `json:"session_state"`
	LastSyncAt   time.Time    `json:"last_sync_at,omitzero"`
	SyncCursor   string       `json:"sync_cursor,omitempty"`
	Demo         bool         `json:"demo"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
	// RemovedAt is set when the store was removed with its history kept
	// (stores remove --keep-data): it is no longer synced or signed in to,
	// and has no secrets, but its threads and orders stay readable.
	RemovedAt time.Time `json:"removed_at,omitzero"`
}

const storeCols = `id, name, marketplace, base_url, username, recipe, session_state,
	last_sync_at, sync_cursor, demo, created_at, updated_at, removed_at`

func scanStore(row interface{ Scan(...any) error }) (Store, error) { return scanStoreWith(row) }

// scanStoreWith reads storeCols and then the extra columns a query selects
// after them into extra.
func scanStoreWith(row interface{ Scan(...any) error }, extra ...any) (Store, error) {
	var s Store
	var lastSync, removed sql.NullInt64
	var created, updated int64
	var demo int64
	err := row.Scan(append([]any{&s.ID, &s.Name, &s.Marketplace, &s.BaseURL, &s.Username, &s.Recipe, &s.SessionState,
		&lastSync, &s.SyncCursor, &demo, &created, &updated, &removed}, extra...)...)
	if err != nil {
		return Store{}, err
	}
	s.LastSyncAt = fromMS(lastSync)
	s.RemovedAt = fromMS(removed)
	s.Demo = demo == 1
	s.CreatedAt = time.UnixMilli(created).UTC()
	s.UpdatedAt = time.UnixMilli(updated).UTC()
	return s, nil
}

// CreateStore adds a store. Name and Marketplace are required; a name that
// is already taken gives ErrConflict. An empty SessionState is stored as
// unknown.
func (db *DB) CreateStore(ctx context.Context, s Store) (Store, error) {
	return db.createStore(ctx, s, nil)
}

// createStore adds a store and, in the same transaction, what with writes
// beside it (a channel's account row): both are stored, or neither. Every
// kind of store is checked and refused by this one rule.
func (db *DB) createStore(ctx context.Context, s Store, with func(tx *sql.Tx, st Store, now int64) error) (Store, error) {
	if s.Name == "" || s.Marketplace == "" {
		return Store{}, invalidf("store needs a name and a marketplace (got name %q, marketplace %q)", s.Name, s.Marketplace)
	}
	if s.SessionState == "" {
		s.SessionState = SessionUnknown
	}
	if err := oneOf("session state", s.SessionState, sessionStates...); err != nil {
		return Store{}, err
	}
	var out Store
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		row := tx.QueryRowContext(ctx, `INSERT INTO stores
			(name, marketplace, base_url, username, recipe, session_state, last_sync_at, sync_cursor, demo, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+storeCols,
			s.Name, s.Marketplace, s.BaseURL, s.Username, s.Recipe, s.SessionState, ms(s.LastSyncAt),
			s.SyncCursor, boolInt(s.Demo), now, now)
		var err error
		if out, err = scanStore(row); err != nil || with == nil {
			return err
		}
		return with(tx, out, now)
	})
	if errors.Is(err, ErrConflict) {
		return Store{}, errStoreExists(s.Name, err)
	}
	if err != nil {
		return Store{}, err
	}
	return out, nil
}

// UpdateStore changes a store's name, marketplace, base URL, username,
// recipe and demo flag. Session state and sync progress have their own
// setters.
func (db *DB) UpdateStore(ctx context.Context, s Store) (Store, error) {
	if s.Name == "" || s.Marketplace == "" {
		return Store{}, invalidf("store needs a name and a marketplace (got name %q, marketplace %q)", s.Name, s.Marketplace)
	}
	var out Store
	err := db.tx(ctx, func(tx *sql.Tx) error {
		row := tx.QueryRowContext(ctx, `UPDATE stores SET name = ?, marketplace = ?, base_url = ?, username = ?,
			recipe = ?, demo = ?, updated_at = ? WHERE id = ? RETURNING `+storeCols,
			s.Name, s.Marketplace, s.BaseURL, s.Username, s.Recipe, boolInt(s.Demo), msNow(db.now()), s.ID)
		var err error
		out, err = scanStore(row)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		return Store{}, fmt.Errorf("store id %d: %w", s.ID, err)
	}
	return out, err
}

// GetStore returns the store with the given id.
func (db *DB) GetStore(ctx context.Context, id int64) (Store, error) {
	s, err := scanStore(db.sql.QueryRowContext(ctx, `SELECT `+storeCols+` FROM stores WHERE id = ?`, id))
	if err != nil {
		return Store{}, fmt.Errorf("store id %d: %w", id, mapErr(err))
	}
	return s, nil
}

// GetStoreByName returns the store in use with the given name. A store
// removed with its history kept is ErrNotFound here, with a message that
// says so; GetStoreRecord finds it too.
func (db *DB) GetStoreByName(ctx context.Context, name string) (Store, error) {
	s, err := db.GetStoreRecord(ctx, name)
	if err != nil {
		return Store{}, err
	}
	if !s.RemovedAt.IsZero() {
		return Store{}, fmt.Errorf("store %q was removed on %s and only its history is kept (it is not synced or signed in to); add the account again under another name, or delete the history with `sellerops stores remove %s --yes`: %w",
			name, s.RemovedAt.Format(time.DateOnly), name, ErrNotFound)
	}
	return s, nil
}

// GetStoreRecord returns the store with the given name, removed or not:
// for reading a removed store's history, and for deleting it for good.
func (db *DB) GetStoreRecord(ctx context.Context, name string) (Store, error) {
	s, err := scanStore(db.sql.QueryRowContext(ctx, `SELECT `+storeCols+` FROM stores WHERE name = ?`, name))
	if err != nil {
		return Store{}, fmt.Errorf("store %q: %w; see `sellerops stores list`", name, mapErr(err))
	}
	return s, nil
}

// ListStores returns the stores in use, by name: those that sync, and whose
// secrets are in the keyring.
func (db *DB) ListStores(ctx context.Context) ([]Store, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+storeCols+` FROM stores WHERE removed_at IS NULL ORDER BY name`)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanStore)
}

// ListAllStores returns every store, by name, the removed ones whose
// history is kept included.
func (db *DB) ListAllStores(ctx context.Context) ([]Store, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+storeCols+` FROM stores ORDER BY name`)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanStore)
}

// MarkStoreRemoved keeps a store's history but takes it out of use: it is
// no longer listed by ListStores, synced or signed in to. The caller
// deletes its secrets.
func (db *DB) MarkStoreRemoved(ctx context.Context, id int64) error {
	now := msNow(db.now())
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("store id %d", id),
			`UPDATE stores SET removed_at = ?, session_state = ?, updated_at = ? WHERE id = ? AND removed_at IS NULL`,
			now, SessionUnknown, now, id)
	})
}

// StoreData counts what removing a store takes with it: its threads and
// orders are deleted; its parcels' claims stay but lose their order.
type StoreData struct {
	Threads int `json:"threads"`
	Orders  int `json:"orders"`
	Claims  int `json:"claims"`
}

// CountStoreData counts the store's threads, orders and the claims on its
// orders' parcels.
func (db *DB) CountStoreData(ctx context.Context, storeID int64) (StoreData, error) {
	var d StoreData
	err := db.sql.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM threads WHERE store_id = ?1),
		(SELECT count(*) FROM orders WHERE store_id = ?1),
		(SELECT count(*) FROM claims c JOIN shipments s ON s.id = c.shipment_id JOIN orders o ON o.id = s.order_id WHERE o.store_id = ?1)`,
		storeID).Scan(&d.Threads, &d.Orders, &d.Claims)
	if err != nil {
		return StoreData{}, mapErr(err)
	}
	return d, nil
}

// DeleteStore removes a store with its orders, threads and messages.
// Shipments and claims stay (their order link is cleared).
func (db *DB) DeleteStore(ctx context.Context, id int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("store id %d", id), `DELETE FROM stores WHERE id = ?`, id)
	})
}

// SetSessionState records the outcome of a login attempt.
func (db *DB) SetSessionState(ctx context.Context, storeID int64, state SessionState) error {
	if err := oneOf("session state", state, sessionStates...); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("store id %d", storeID),
			`UPDATE stores SET session_state = ?, updated_at = ? WHERE id = ?`, state, msNow(db.now()), storeID)
	})
}

// RecordSync stores the marketplace's incremental sync cursor and the sync
// time. Call it in the same logical step as the data it covers has been
// stored, so that a crash never skips data.
func (db *DB) RecordSync(ctx context.Context, storeID int64, cursor string, at time.Time) error {
	if at.IsZero() {
		at = db.now()
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("store id %d", storeID),
			`UPDATE stores SET sync_cursor = ?, last_sync_at = ?, updated_at = ? WHERE id = ?`,
			cursor, ms(at.UTC()), msNow(db.now()), storeID)
	})
}

// execOne runs a statement that must touch exactly one row; none is
// ErrNotFound, named by what.
func execOne(ctx context.Context, tx *sql.Tx, what, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return nil
}

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(interface{ Scan(...any) error }) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, mapErr(err)
	}
	return out, nil
}

// errStoreExists is the refusal of a second store with a name in use,
// whichever channel it was to have.
func errStoreExists(name string, err error) error {
	return fmt.Errorf("store %q already exists; choose another name or remove it first: %w", name, err)
}
