package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"
)

// OrderItem is one line of an order.
type OrderItem struct {
	SKU       string `json:"sku,omitempty"`
	Title     string `json:"title"`
	Quantity  int    `json:"quantity"`
	UnitPrice int64  `json:"unit_price"` // minor units, in the order's currency
}

// Order is a marketplace order, as far as replies, tracking and claims need
// it.
type Order struct {
	ID                 int64       `json:"id"`
	StoreID            int64       `json:"store_id"`
	MarketplaceOrderID string      `json:"marketplace_order_id"`
	BuyerName          string      `json:"buyer_name"`
	Items              []OrderItem `json:"items"`
	DeclaredValue      int64       `json:"declared_value"` // minor units
	Currency           string      `json:"currency"`
	ShipDate           time.Time   `json:"ship_date,omitzero"`
	Carrier            string      `json:"carrier"`
	Service            string      `json:"service"`
	TrackingNumber     string      `json:"tracking_number"`
	// OriginCountry and DestinationCountry are ISO 3166-1 alpha-2 codes of
	// where the parcel left from and where it goes; "" when unknown.
	OriginCountry      string    `json:"origin_country,omitempty"`
	DestinationCountry string    `json:"destination_country,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

const orderCols = `id, store_id, marketplace_order_id, buyer_name, items, declared_value, currency,
	ship_date, carrier, service, tracking_number, created_at, updated_at, origin_country, destination_country`

func scanOrder(row interface{ Scan(...any) error }) (Order, error) {
	var o Order
	var items string
	var ship sql.NullInt64
	var created, updated int64
	err := row.Scan(&o.ID, &o.StoreID, &o.MarketplaceOrderID, &o.BuyerName, &items, &o.DeclaredValue,
		&o.Currency, &ship, &o.Carrier, &o.Service, &o.TrackingNumber, &created, &updated, &o.OriginCountry, &o.DestinationCountry)
	if err != nil {
		return Order{}, err
	}
	if err := json.Unmarshal([]byte(items), &o.Items); err != nil {
		return Order{}, fmt.Errorf("order %d: items column: %w", o.ID, err)
	}
	if o.Items == nil {
		o.Items = []OrderItem{}
	}
	o.ShipDate = fromMS(ship)
	o.CreatedAt = time.UnixMilli(created).UTC()
	o.UpdatedAt = time.UnixMilli(updated).UTC()
	return o, nil
}

// UpsertOrder stores an order keyed by store and marketplace order id. An
// order seen before is updated in place, except that an empty field (zero
// value, empty items) keeps the stored value; created reports whether it is
// new.
// Threads of the same store that name this order are linked to it.
func (db *DB) UpsertOrder(ctx context.Context, o Order) (out Order, created bool, err error) {
	itemsJSON, err := checkOrder(o)
	if err != nil {
		return Order{}, false, err
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out, created, err = upsertOrder(ctx, tx, o, itemsJSON, msNow(db.now()))
		return err
	})
	if err != nil {
		return Order{}, false, fmt.Errorf("store order %s: %w", o.MarketplaceOrderID, err)
	}
	return out, created, nil
}

// checkOrder checks an order before anything is written and returns its
// items as stored.
func checkOrder(o Order) (string, error) {
	if o.StoreID == 0 || o.MarketplaceOrderID == "" {
		return "", invalidf("order needs a store id and a marketplace order id (got %d, %q)", o.StoreID, o.MarketplaceOrderID)
	}
	if o.DeclaredValue < 0 {
		return "", invalidf("order %s: declared value %d is negative", o.MarketplaceOrderID, o.DeclaredValue)
	}
	items := o.Items
	if items == nil {
		items = []OrderItem{}
	}
	itemsJSON, err := json.Marshal(items)
	if err != nil {
		return "", fmt.Errorf("order %s: encode items: %w", o.MarketplaceOrderID, err)
	}
	return string(itemsJSON), nil
}

func upsertOrder(ctx context.Context, tx sqlTx, o Order, items string, now int64) (Order, bool, error) {
	var created bool
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO orders
		(store_id, marketplace_order_id, buyer_name, items, declared_value, currency, ship_date, carrier,
		 service, tracking_number, created_at, updated_at, origin_country, destination_country)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id, marketplace_order_id) DO NOTHING RETURNING id`,
		o.StoreID, o.MarketplaceOrderID, o.BuyerName, items, o.DeclaredValue, o.Currency, ms(o.ShipDate),
		o.Carrier, o.Service, o.TrackingNumber, now, now, o.OriginCountry, o.DestinationCountry).Scan(&id)
	switch {
	case err == nil:
		created = true
	case err == sql.ErrNoRows:
		// An empty field in o keeps what is stored: a thread page may know
		// less about an order than the order page did.
		_, err = tx.ExecContext(ctx, `UPDATE orders SET
			buyer_name = coalesce(nullif(?, ''), buyer_name),
			items = CASE WHEN ? = '[]' THEN items ELSE ? END,
			declared_value = coalesce(nullif(?, 0), declared_value),
			currency = coalesce(nullif(?, ''), currency),
			ship_date = coalesce(?, ship_date),
			carrier = coalesce(nullif(?, ''), carrier),
			service = coalesce(nullif(?, ''), service),
			tracking_number = coalesce(nullif(?, ''), tracking_number),
			origin_country = coalesce(nullif(?, ''), origin_country),
			destination_country = coalesce(nullif(?, ''), destination_country),
			updated_at = ?
			WHERE store_id = ? AND marketplace_order_id = ?`,
			o.BuyerName, items, items, o.DeclaredValue, o.Currency, ms(o.ShipDate), o.Carrier, o.Service,
			o.TrackingNumber, o.OriginCountry, o.DestinationCountry, now, o.StoreID, o.MarketplaceOrderID)
		if err != nil {
			return Order{}, false, err
		}
	default:
		return Order{}, false, err
	}
	out, err := scanOrder(tx.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE store_id = ? AND marketplace_order_id = ?`, o.StoreID, o.MarketplaceOrderID))
	if err != nil {
		return Order{}, false, err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE threads SET order_id = ? WHERE store_id = ?
		AND marketplace_order_id = ? AND order_id IS NULL`, out.ID, out.StoreID, out.MarketplaceOrderID); err != nil {
		return Order{}, false, err
	}
	return out, created, nil
}

// GetOrder returns the order with the given id.
func (db *DB) GetOrder(ctx context.Context, id int64) (Order, error) {
	o, err := scanOrder(db.sql.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders WHERE id = ?`, id))
	if err != nil {
		return Order{}, fmt.Errorf("order id %d: %w", id, mapErr(err))
	}
	return o, nil
}

// GetOrderByMarketplaceID returns a store's order by the marketplace's id.
func (db *DB) GetOrderByMarketplaceID(ctx context.Context, storeID int64, marketplaceOrderID string) (Order, error) {
	o, err := scanOrder(db.sql.QueryRowContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE store_id = ? AND marketplace_order_id = ?`, storeID, marketplaceOrderID))
	if err != nil {
		return Order{}, fmt.Errorf("order %q of store %d: %w", marketplaceOrderID, storeID, mapErr(err))
	}
	return o, nil
}

// FindOrdersByTracking returns the orders shipped with a tracking number.
func (db *DB) FindOrdersByTracking(ctx context.Context, trackingNumber string) ([]Order, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE tracking_number = ? AND tracking_number <> '' ORDER BY id`, trackingNumber)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanOrder)
}

// ListOrders returns a store's orders (every store's with storeID 0),
// newest ship date first.
func (db *DB) ListOrders(ctx context.Context, storeID int64) ([]Order, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+orderCols+` FROM orders
		WHERE (? = 0 OR store_id = ?) ORDER BY ship_date DESC NULLS LAST, id DESC`, storeID, storeID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanOrder)
}
