package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Channel is how a store does one kind of job.
type Channel string

// Channels a capability can have.
const (
	ChannelBrowser Channel = "browser" // the seller portal, through recipes
	ChannelAPI     Channel = "api"     // the marketplace's official API
	ChannelBoth    Channel = "both"    // the API first, the browser when it fails after its retries
	ChannelNone    Channel = "none"    // the store does not do this job
	// ChannelEmail is shown for the jobs of a store read by mail; it is
	// never stored in an API account.
	ChannelEmail Channel = "email"
)

var channelValues = []Channel{ChannelBrowser, ChannelAPI, ChannelBoth, ChannelNone}

// UsesAPI tells whether the channel calls the API.
func (c Channel) UsesAPI() bool { return c == ChannelAPI || c == ChannelBoth }

// UsesBrowser tells whether the channel drives the browser (first, or as
// the fall-back).
func (c Channel) UsesBrowser() bool { return c == ChannelBrowser || c == ChannelBoth }

// Channels says, per capability, which channel a store uses.
type Channels struct {
	Orders       Channel `json:"orders"`
	ReadMessages Channel `json:"read_messages"`
	Reply        Channel `json:"reply"`
	Proactive    Channel `json:"proactive"`
}

// APIAccount is the official-API channel of a store: which API, for which
// marketplace id, at which endpoints, and per capability which channel is
// used. It never holds the client secret or the refresh token, which are in
// the keyring.
type APIAccount struct {
	StoreID        int64    `json:"store_id"`
	API            string   `json:"api"`             // amazon-sp-api, ebay-sell-api or tiktok-shop-api
	MarketplaceIDs []string `json:"marketplace_ids"` // none where the API answers for every marketplace
	// Endpoint and TokenURL are empty for the platform's own hosts.
	Endpoint string   `json:"endpoint,omitempty"`
	TokenURL string   `json:"token_url,omitempty"`
	Channels Channels `json:"channels"`
	// OrdersCursor is the last-updated time (RFC 3339) up to which the
	// API's orders are stored; empty before the first sync.
	OrdersCursor string    `json:"orders_cursor,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

const apiAccountCols = `store_id, api, marketplace_ids, endpoint, token_url, orders, read_messages, reply, proactive,
	orders_cursor, created_at, updated_at`

func scanAPIAccount(row interface{ Scan(...any) error }) (APIAccount, error) {
	var a APIAccount
	var created, updated int64
	var ids string
	if err := row.Scan(&a.StoreID, &a.API, &ids, &a.Endpoint, &a.TokenURL, &a.Channels.Orders,
		&a.Channels.ReadMessages, &a.Channels.Reply, &a.Channels.Proactive, &a.OrdersCursor, &created, &updated); err != nil {
		return APIAccount{}, err
	}
	if ids != "" {
		a.MarketplaceIDs = strings.Split(ids, ",")
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	a.UpdatedAt = time.UnixMilli(updated).UTC()
	return a, nil
}

func (a APIAccount) check() error {
	if a.API == "" || (a.API == "amazon-sp-api" && len(a.MarketplaceIDs) == 0) {
		return invalidf("an API account needs an API, and for Amazon a marketplace id (got %q, %v)", a.API, a.MarketplaceIDs)
	}
	for _, id := range a.MarketplaceIDs {
		if id == "" || strings.Contains(id, ",") {
			return invalidf("marketplace id %q", id)
		}
	}
	for field, c := range map[string]Channel{"orders": a.Channels.Orders, "read_messages": a.Channels.ReadMessages,
		"reply": a.Channels.Reply, "proactive": a.Channels.Proactive} {
		if err := oneOf(field+" channel", c, channelValues...); err != nil {
			return err
		}
	}
	return nil
}

// SaveAPIAccount adds or replaces a store's API channel.
func (db *DB) SaveAPIAccount(ctx context.Context, a APIAccount) (APIAccount, error) {
	if err := a.check(); err != nil {
		return APIAccount{}, err
	}
	var out APIAccount
	err := db.tx(ctx, func(tx *sql.Tx) error {
		var err error
		out, err = saveAPIAccountTx(ctx, tx, a, msNow(db.now()))
		return err
	})
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) {
		return APIAccount{}, fmt.Errorf("API account of store id %d: %w", a.StoreID, err)
	}
	return out, err
}

func saveAPIAccountTx(ctx context.Context, tx *sql.Tx, a APIAccount, now int64) (APIAccount, error) {
	return scanAPIAccount(tx.QueryRowContext(ctx, `INSERT INTO api_accounts (`+apiAccountCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id) DO UPDATE SET api = excluded.api, marketplace_ids = excluded.marketplace_ids,
			endpoint = excluded.endpoint, token_url = excluded.token_url, orders = excluded.orders,
			read_messages = excluded.read_messages, reply = excluded.reply, proactive = excluded.proactive,
			updated_at = excluded.updated_at
		RETURNING `+apiAccountCols,
		a.StoreID, a.API, strings.Join(a.MarketplaceIDs, ","), a.Endpoint, a.TokenURL, a.Channels.Orders, a.Channels.ReadMessages,
		a.Channels.Reply, a.Channels.Proactive, a.OrdersCursor, now, now))
}

// CreateAPIStore adds a store with its API channel in one transaction: both
// are stored, or neither.
func (db *DB) CreateAPIStore(ctx context.Context, s Store, a APIAccount) (Store, APIAccount, error) {
	if err := a.check(); err != nil {
		return Store{}, APIAccount{}, err
	}
	var acct APIAccount
	st, err := db.createStore(ctx, s, func(tx *sql.Tx, st Store, now int64) error {
		a.StoreID = st.ID
		var err error
		acct, err = saveAPIAccountTx(ctx, tx, a, now)
		return err
	})
	if err != nil {
		return Store{}, APIAccount{}, err
	}
	return st, acct, nil
}

// GetAPIAccount returns the API channel of a store, or ErrNotFound when the
// store has none.
func (db *DB) GetAPIAccount(ctx context.Context, storeID int64) (APIAccount, error) {
	a, err := scanAPIAccount(db.sql.QueryRowContext(ctx, `SELECT `+apiAccountCols+` FROM api_accounts WHERE store_id = ?`, storeID))
	if err != nil {
		return APIAccount{}, mapErr(err)
	}
	return a, nil
}

// SetAPIOrdersCursor records how far the API's orders are stored. Call it
// once the orders it covers are stored, so that a crash never skips one.
func (db *DB) SetAPIOrdersCursor(ctx context.Context, storeID int64, cursor string) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("API account of store id %d", storeID),
			`UPDATE api_accounts SET orders_cursor = ?, updated_at = ? WHERE store_id = ?`, cursor, msNow(db.now()), storeID)
	})
}

// DeleteAPIAccount removes a store's API channel; the store stays.
func (db *DB) DeleteAPIAccount(ctx context.Context, storeID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("API account of store id %d", storeID), `DELETE FROM api_accounts WHERE store_id = ?`, storeID)
	})
}
