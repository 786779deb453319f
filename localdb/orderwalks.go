package localdb

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// OrderWalk is what the browser's last complete walk of a store's order
// list left for the next one: the inputs of the rule that picks where the
// next walk stops.
type OrderWalk struct {
	StoreID int64 `json:"store_id"`
	// Watermark is the newest time among the orders the walk read, by the
	// time the list is sorted or filtered by (the order date, or the update
	// time where the list filters by it); zero when it read none.
	Watermark time.Time `json:"watermark,omitzero"`
	// OpenFrom is the order date of the oldest order read that had no
	// tracking number yet and was young enough to be waited for; zero when
	// there was none.
	OpenFrom time.Time `json:"open_from,omitzero"`
	WalkedAt time.Time `json:"walked_at"`
	// Pages is how many list pages the walk read.
	Pages int `json:"pages"`
}

// GetOrderWalk returns the store's last complete order walk, or
// ErrNotFound before the first one.
func (db *DB) GetOrderWalk(ctx context.Context, storeID int64) (OrderWalk, error) {
	w := OrderWalk{StoreID: storeID}
	var mark, open sql.NullInt64
	var walked int64
	err := db.sql.QueryRowContext(ctx, `SELECT watermark, open_from, walked_at, pages FROM order_walks WHERE store_id = ?`,
		storeID).Scan(&mark, &open, &walked, &w.Pages)
	if err != nil {
		return OrderWalk{}, fmt.Errorf("order walk of store id %d: %w", storeID, mapErr(err))
	}
	w.Watermark, w.OpenFrom = fromMS(mark), fromMS(open)
	w.WalkedAt = time.UnixMilli(walked).UTC()
	return w, nil
}

// SetOrderWalk records a complete walk of the store's order list,
// replacing the one before. Call it once the orders the walk read are
// stored, so that a crash never skips an order. A zero WalkedAt is now.
func (db *DB) SetOrderWalk(ctx context.Context, w OrderWalk) error {
	if w.StoreID == 0 || w.Pages < 0 {
		return invalidf("order walk needs a store id and a page count of at least 0 (got %d, %d)", w.StoreID, w.Pages)
	}
	if w.WalkedAt.IsZero() {
		w.WalkedAt = db.now()
	}
	err := db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO order_walks (store_id, watermark, open_from, walked_at, pages)
			VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (store_id) DO UPDATE SET watermark = excluded.watermark, open_from = excluded.open_from,
			walked_at = excluded.walked_at, pages = excluded.pages`,
			w.StoreID, ms(w.Watermark.UTC()), ms(w.OpenFrom.UTC()), msNow(w.WalkedAt.UTC()), w.Pages)
		return err
	})
	if err != nil {
		return fmt.Errorf("order walk of store id %d: %w", w.StoreID, err)
	}
	return nil
}
