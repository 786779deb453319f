package localdb

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func mustStore(t *testing.T, db *DB, name, marketplace string) Store {
	t.Helper()
	s, err := db.CreateStore(context.Background(), Store{Name: name, Marketplace: marketplace,
		BaseURL: "http://127.0.0.1:1/" + marketplace, Username: "seller@example.com"})
	if err != nil {
		t.Fatalf("CreateStore(%s): %v", name, err)
	}
	return s
}

func TestStoresCRUD(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	s := mustStore(t, db, "shop-b", "tiktok")
	mustStore(t, db, "shop-a", "amazon")
	if s.ID == 0 || s.SessionState != SessionUnknown || !s.CreatedAt.Equal(t0) || s.Demo {
		t.Fatalf("created store = %+v", s)
	}

	list, err := db.ListStores(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "shop-a" || list[1].Name != "shop-b" {
		t.Fatalf("ListStores = %+v, want shop-a then shop-b", list)
	}

	clock.Advance(time.Hour)
	if err := db.SetSessionState(ctx, s.ID, SessionNeedsHuman); err != nil {
		t.Fatal(err)
	}
	if err := db.RecordSync(ctx, s.ID, "cursor-42", time.Time{}); err != nil {
		t.Fatal(err)
	}
	got, err := db.GetStore(ctx, s.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.SessionState != SessionNeedsHuman || got.SyncCursor != "cursor-42" || !got.LastSyncAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after session and sync updates: %+v", got)
	}

	got.Recipe = "tiktok-v2"
	got.Demo = true
	upd, err := db.UpdateStore(ctx, got)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Recipe != "tiktok-v2" || !upd.Demo || upd.SessionState != SessionNeedsHuman {
		t.Errorf("UpdateStore = %+v", upd)
	}

	if err := db.SetSessionState(ctx, s.ID, "bogus"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetSessionState(bogus) = %v, want ErrInvalid", err)
	}
	if err := db.SetSessionState(ctx, 9999, SessionOK); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetSessionState(missing) = %v, want ErrNotFound", err)
	}
	if _, err := db.GetStoreByName(ctx, "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("GetStoreByName(nope) = %v, want ErrNotFound", err)
	}

	if err := db.DeleteStore(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetStore(ctx, s.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("after delete: %v, want ErrNotFound", err)
	}
}

func TestStoreNameConflict(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	mustStore(t, db, "shop", "amazon")
	_, err := db.CreateStore(ctx, Store{Name: "shop", Marketplace: "ebay"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("duplicate store name: err = %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), `"shop"`) || !strings.Contains(err.Error(), "choose another name") {
		t.Errorf("error %q should name the store and the fix", err)
	}
	if _, err := db.CreateStore(ctx, Store{Name: "", Marketplace: "ebay"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("empty name: err = %v, want ErrInvalid", err)
	}
}

// A foreign key violation from SQLite itself (not a Go-side check) maps to
// ErrConflict through the driver's error code.
func TestForeignKeyViolationIsConflict(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	_, _, err := db.UpsertOrder(ctx, Order{StoreID: 12345, MarketplaceOrderID: "o-1"})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("order for a missing store: err = %v, want ErrConflict", err)
	}
	if !isConstraint(err) || !strings.Contains(err.Error(), "FOREIGN KEY") {
		t.Errorf("error %q should carry SQLite's constraint error", err)
	}
}

func TestStoreSchemaHasNoSecretColumn(t *testing.T) {
	db, _ := openTest(t)
	rows, err := db.sql.Query(`SELECT name FROM pragma_table_info('stores')`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var col string
		if err := rows.Scan(&col); err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"password", "secret", "totp", "cookie", "token"} {
			if strings.Contains(strings.ToLower(col), bad) {
				t.Errorf("stores has column %q; secrets belong in the keyring", col)
			}
		}
	}
}
