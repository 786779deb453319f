package localdb

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"testing"
	"time"
)

// TestReadOnlyDatabaseIsErrReadOnly: a write SQLite refuses because the
// database cannot be written (SQLite's own SQLITE_READONLY, here from a
// connection opened with mode=ro, as a file the user may not write gives)
// is ErrReadOnly, whose message names the fix, and nothing is written.
func TestReadOnlyDatabaseIsErrReadOnly(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sellerops.db")
	rw, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rw.Close(); err != nil {
		t.Fatal(err)
	}
	sdb, err := sql.Open("sqlite", dsn(path, time.Second)+"&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer sdb.Close()
	ro := &DB{sql: sdb, path: path, clock: time.Now, writeSlot: make(chan struct{}, 1), busyTimeout: time.Second}
	_, err = ro.CreateStore(ctx, Store{Name: "shop-us", Marketplace: "amazon"})
	if !errors.Is(err, ErrReadOnly) {
		t.Fatalf("write to a read-only database: %v, want ErrReadOnly", err)
	}
	if errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) {
		t.Errorf("read-only error also matches another class: %v", err)
	}
	stores, err := ro.ListStores(ctx)
	if err != nil || len(stores) != 0 {
		t.Errorf("after the refused write: %d stores, %v", len(stores), err)
	}
}
