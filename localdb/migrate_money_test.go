package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// writeVersion1 makes a database file exactly as a version-1 binary left it:
// only migration 1 applied, then rows written with the old rule (every order
// value multiplied by 100, whatever the currency).
func writeVersion1(t *testing.T, path string, rows string) {
	t.Helper()
	ctx := context.Background()
	sdb, err := sql.Open("sqlite", dsn(path, 5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	for _, q := range []string{createMigrationsTable, migrations[0].sql,
		`INSERT INTO schema_migrations (version, name, applied_at) VALUES (1, 'init', 0)`, rows} {
		if _, err := sdb.ExecContext(ctx, q); err != nil {
			t.Fatalf("write version-1 file: %v\n%s", err, q)
		}
	}
}

func TestMigrationRescalesMoneyToMinorUnits(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	// Values as version 1 stored them, and (in the comments) what the page
	// showed. Expected values below follow ISO 4217's minor units.
	writeVersion1(t, path, `
INSERT INTO stores (id, name, marketplace, created_at, updated_at) VALUES (1, 'shop', 'ebay', 0, 0);
INSERT INTO orders (id, store_id, marketplace_order_id, items, declared_value, currency, created_at, updated_at) VALUES
	(1, 1, 'usd', '[{"title":"lamp","quantity":1,"unit_price":1250}]', 1250, 'USD', 0, 0),   -- 12.50 USD
	(2, 1, 'jpy', '[{"title":"cup","quantity":1,"unit_price":490000}]', 490000, 'JPY', 0, 0), -- 4,900 JPY
	(3, 1, 'krw', '[]', 1500000, 'KRW', 0, 0),                                                 -- 15,000 KRW
	(4, 1, 'kwd', '[{"title":"mat","quantity":2,"unit_price":1234}]', 1234, 'KWD', 0, 0),      -- 12.34 KWD
	(5, 1, 'eur', '[]', 4990, 'EUR', 0, 0),                                                    -- 49.90 EUR
	(6, 1, 'clf', '[]', 150, 'CLF', 0, 0),                                                     -- 1.50 CLF
	(7, 1, 'none', '[]', 0, '', 0, 0);                                                         -- no value
INSERT INTO shipments (id, courier, tracking_number, order_id, created_at, updated_at) VALUES
	(1, 'ups', 'A1', 2, 0, 0), (2, 'ups', 'A2', 2, 0, 0), (3, 'ups', 'A3', 4, 0, 0), (4, 'ups', 'A4', 1, 0, 0), (5, 'ups', 'A5', 2, 0, 0);
INSERT INTO claims (id, shipment_id, kind, state, amount, currency, confirmation_number, paid_amount, created_at, updated_at) VALUES
	(1, 1, 'lost', 'draft', 490000, 'JPY', '', 0, 0, 0),           -- drafted from the JPY order: rescaled
	(2, 2, 'lost', 'draft', 4500, 'JPY', '', 0, 0, 0),             -- typed in with claims edit: already right
	(3, 3, 'lost', 'submitted', 1234, 'KWD', 'C1', 1000, 0, 0),    -- every KWD amount was at two digits
	(4, 4, 'lost', 'draft', 1250, 'USD', '', 0, 0, 0),             -- two decimals: unchanged
	(5, 5, 'damaged', 'submitted', 490000, 'JPY', 'C2', 0, 0, 0);  -- filed: the carrier holds this amount
`)
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, err := db.SchemaVersion(ctx); err != nil || v < 2 || v != HeadVersion() {
		t.Fatalf("schema version after migration = %d, %v; want the head %d (2 or later)", v, err, HeadVersion())
	}
	wantOrders := map[string]struct {
		value int64
		price []int64
		shown string
	}{
		"usd": {1250, []int64{1250}, "USD 12.50"}, "jpy": {4900, []int64{4900}, "JPY 4,900"},
		"krw": {15000, nil, "KRW 15,000"}, "kwd": {12340, []int64{12340}, "KWD 12.340"},
		"eur": {4990, nil, "EUR 49.90"}, "clf": {15000, nil, "CLF 1.5000"}, "none": {0, nil, "0 (minor units, no currency)"},
	}
	for id, want := range wantOrders {
		var value int64
		var cur, items string
		if err := db.sql.QueryRowContext(ctx, `SELECT declared_value, currency, items FROM orders WHERE marketplace_order_id = ?`, id).
			Scan(&value, &cur, &items); err != nil {
			t.Fatal(err)
		}
		var its []OrderItem
		if err := json.Unmarshal([]byte(items), &its); err != nil {
			t.Fatalf("order %s items %q: %v", id, items, err)
		}
		var prices []int64
		for _, it := range its {
			prices = append(prices, it.UnitPrice)
		}
		if value != want.value || len(prices) != len(want.price) || (len(prices) > 0 && prices[0] != want.price[0]) {
			t.Errorf("order %s: value %d, prices %v; want %d, %v", id, value, prices, want.value, want.price)
		}
		if got := money.Format(value, cur); got != want.shown {
			t.Errorf("order %s prints %q, want %q", id, got, want.shown)
		}
	}
	wantClaims := map[int64][2]int64{1: {4900, 0}, 2: {4500, 0}, 3: {12340, 10000}, 4: {1250, 0}, 5: {490000, 0}}
	for id, want := range wantClaims {
		c, err := db.GetClaim(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if c.Amount != want[0] || c.PaidAmount != want[1] {
			t.Errorf("claim %d: amount %d paid %d; want %d, %d", id, c.Amount, c.PaidAmount, want[0], want[1])
		}
	}
	// Opening again applies nothing twice.
	db.Close()
	db2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db2.Close()
	if c, err := db2.GetClaim(ctx, 1); err != nil || c.Amount != 4900 {
		t.Errorf("after a second open: claim 1 = %d, %v", c.Amount, err)
	}
}

// TestMigrationCurrencyListsMatchISO checks that the code lists written into
// the migration are exactly package money's ISO 4217 table for 0, 3 and 4
// decimals, so that no zero-decimal currency is left x100.
func TestMigrationCurrencyListsMatchISO(t *testing.T) {
	body := migrations[1].sql
	lists := regexp.MustCompile(`IN \(('[A-Z]{3}'(?:, '[A-Z]{3}')*)\)`).FindAllStringSubmatch(body, -1)
	seen := map[int]map[string]bool{}
	for _, l := range lists {
		codes := strings.Split(strings.ReplaceAll(l[1], "'", ""), ", ")
		d, err := money.Decimals(codes[0])
		if err != nil {
			t.Fatalf("migration names %s: %v", codes[0], err)
		}
		for _, c := range codes {
			if cd, err := money.Decimals(c); err != nil || cd != d {
				t.Errorf("migration list for %d decimals has %s (%d, %v)", d, c, cd, err)
			}
			if seen[d] == nil {
				seen[d] = map[string]bool{}
			}
			seen[d][c] = true
		}
	}
	for _, code := range money.Codes() {
		if d, _ := money.Decimals(code); d != 2 && !seen[d][code] {
			t.Errorf("%s (%d decimals) is not rescaled by the migration", code, d)
		}
	}
	if !seen[0]["JPY"] || !seen[0]["KRW"] || !seen[3]["KWD"] {
		t.Errorf("the migration's lists were not found: %v", seen)
	}
}
