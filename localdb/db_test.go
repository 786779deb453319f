package localdb

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a settable clock for tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// openTest opens a fresh database file in a new temporary directory, with
// a clock starting at t0.
func openTest(t testing.TB) (*DB, *testClock) {
	t.Helper()
	clock := &testClock{t: t0}
	path := filepath.Join(t.TempDir(), "data", "sellerops.db")
	db, err := Open(context.Background(), path, WithClock(clock.Now))
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db, clock
}

func TestOpenMigratesEmptyFile(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if v != HeadVersion() || v < 1 {
		t.Fatalf("schema version = %d, want head %d", v, HeadVersion())
	}
	for _, table := range []string{"stores", "orders", "threads", "messages", "attachments", "message_fts",
		"shipments", "tracking_events", "claims", "claim_evidence", "outbox", "jobs", "runs", "run_items"} {
		var n int
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema WHERE name = ?`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("table %s missing after migration", table)
		}
	}
	var name string
	var applied int64
	if err := db.sql.QueryRowContext(ctx, `SELECT name, applied_at FROM schema_migrations WHERE version = 1`).Scan(&name, &applied); err != nil {
		t.Fatal(err)
	}
	if name != "init" || applied != t0.UnixMilli() {
		t.Errorf("schema_migrations row 1 = (%q, %d), want (init, %d)", name, applied, t0.UnixMilli())
	}
}

func TestOpenPragmasOnEveryConnection(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	// Hold several connections at once so that the pool must open new ones.
	var conns []*sql.Conn
	for range 4 {
		c, err := db.sql.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	for i, c := range conns {
		var journal, sync string
		var fk, busy int
		if err := c.QueryRowContext(ctx, `PRAGMA journal_mode`).Scan(&journal); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&fk); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
			t.Fatal(err)
		}
		if err := c.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&sync); err != nil {
			t.Fatal(err)
		}
		if journal != "wal" || fk != 1 || busy != 30000 || sync != "1" {
			t.Errorf("conn %d: journal_mode=%s foreign_keys=%d busy_timeout=%d synchronous=%s; want wal 1 30000 1", i, journal, fk, busy, sync)
		}
		c.Close()
	}
}

func TestReopenKeepsDataAndSkipsMigrations(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sellerops.db")
	db, err := Open(ctx, path, WithClock(func() time.Time { return t0 }))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateStore(ctx, Store{Name: "shop-a", Marketplace: "amazon"}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	later := t0.Add(48 * time.Hour)
	db, err = Open(ctx, path, WithClock(func() time.Time { return later }))
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	s, err := db.GetStoreByName(ctx, "shop-a")
	if err != nil {
		t.Fatalf("store lost on reopen: %v", err)
	}
	if s.Marketplace != "amazon" || !s.CreatedAt.Equal(t0) {
		t.Errorf("store after reopen = %+v", s)
	}
	var rows int
	var applied int64
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*), max(applied_at) FROM schema_migrations`).Scan(&rows, &applied); err != nil {
		t.Fatal(err)
	}
	if rows != HeadVersion() || applied != t0.UnixMilli() {
		t.Errorf("schema_migrations has %d rows, newest applied at %d; want %d rows applied at %d (no re-apply)", rows, applied, HeadVersion(), t0.UnixMilli())
	}
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "sellerops.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.sql.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'future', 0)`, HeadVersion()+1); err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(ctx, path)
	if !errors.Is(err, ErrSchemaTooNew) {
		t.Fatalf("Open on a newer file: err = %v, want ErrSchemaTooNew", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "upgrade") {
		t.Errorf("error %q should name the file and the fix", err)
	}
}

func TestFileAndDirModes(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "a", "sellerops")
	path := filepath.Join(dir, "sellerops.db")
	db, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.CreateStore(ctx, Store{Name: "s", Marketplace: "m"}); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := st.Mode().Perm(); got != 0o700 {
		t.Errorf("directory mode = %04o, want 0700", got)
	}
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatalf("stat %s: %v", filepath.Base(p), err)
		}
		if got := st.Mode().Perm(); got&0o077 != 0 {
			t.Errorf("%s mode = %04o, want no group or other bits", filepath.Base(p), got)
		}
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("database file mode = %04o, want 0600", st.Mode().Perm())
	}
	if db.Path() != path {
		t.Errorf("Path() = %q, want %q", db.Path(), path)
	}
}

func TestExistingDirIsNotChmodded(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	db, err := Open(context.Background(), filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	st, _ := os.Stat(dir)
	if st.Mode().Perm() != 0o755 {
		t.Errorf("existing dir mode changed to %04o", st.Mode().Perm())
	}
}

func TestCheck(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	r, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !r.OK() || !r.ModeOK || r.Integrity != "ok" || r.SchemaVersion != r.HeadVersion || r.JournalMode != "wal" || !r.ForeignKeys {
		t.Fatalf("Check on a fresh db = %+v, want all ok", r)
	}
	if err := os.Chmod(db.Path(), 0o644); err != nil {
		t.Fatal(err)
	}
	r, err = db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if r.OK() || r.ModeOK || r.FileMode != 0o644 {
		t.Fatalf("Check with mode 0644 = %+v, want a mode problem", r)
	}
	if !strings.Contains(r.Problems[0], "chmod 600") {
		t.Errorf("problem %q should name the fix", r.Problems[0])
	}
}

func TestOpenEmptyPath(t *testing.T) {
	_, err := Open(context.Background(), "")
	if err == nil || !strings.Contains(err.Error(), "SELLEROPS_DB") {
		t.Fatalf("Open(\"\") err = %v, want a hint about SELLEROPS_DB", err)
	}
}

func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "junk.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("this is not sqlite\n", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "not a sellerops database") {
		t.Fatalf("Open(junk) err = %v, want an error naming the file and the fix", err)
	}
}

func TestMigrationsNumbered(t *testing.T) {
	ms, err := loadMigrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 || ms[0].version != 1 || ms[0].name != "init" {
		t.Fatalf("migrations = %+v", ms)
	}
}

// Concurrent writers must wait for each other (immediate transactions and
// the busy timeout), never fail with SQLITE_BUSY. Two handles on one file
// stand for two processes (the scheduler and the dashboard).
func TestConcurrentWritersDoNotGetBusy(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	other, err := Open(ctx, db.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	st, err := db.CreateStore(ctx, Store{Name: "s", Marketplace: "m"})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 12, 20
	var wg sync.WaitGroup
	errs := make(chan error, 2*writers*each)
	for w := range writers {
		h := db
		if w%2 == 1 {
			h = other
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// UpsertThread reads (the order lookup) before it writes: the
				// case where a deferred transaction fails at once with
				// SQLITE_BUSY when another connection wrote in between.
				th, _, err := h.UpsertThread(ctx, Thread{StoreID: st.ID, MarketplaceThreadID: "t" + strconv.Itoa(w*1000+i),
					MarketplaceOrderID: "o" + strconv.Itoa(i)})
				if err != nil {
					errs <- err
					continue
				}
				if _, _, err := h.UpsertMessage(ctx, Message{ThreadID: th.ID, MarketplaceMessageID: "m",
					Direction: DirectionIn, Body: "hello", SentAt: t0}); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent write failed (busy=%v): %v", isBusy(err), err)
	}
	var n int
	if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != writers*each {
		t.Errorf("stored %d messages, want %d", n, writers*each)
	}
}

func TestWithBusyTimeout(t *testing.T) {
	ctx := context.Background()
	db, err := Open(ctx, filepath.Join(t.TempDir(), "x.db"), WithBusyTimeout(1500*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var busy int
	if err := db.sql.QueryRowContext(ctx, `PRAGMA busy_timeout`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	if busy != 1500 {
		t.Errorf("busy_timeout = %d, want 1500", busy)
	}
}

func TestErrorMapping(t *testing.T) {
	if !errors.Is(mapErr(sql.ErrNoRows), ErrNotFound) {
		t.Error("sql.ErrNoRows should map to ErrNotFound")
	}
	plain := errors.New("disk on fire")
	if got := mapErr(plain); got != plain {
		t.Errorf("unrelated error changed: %v", got)
	}
	// Mapping twice does not stack.
	db, _ := openTest(t)
	_, err := db.sql.Exec(`INSERT INTO jobs (name, created_at, updated_at) VALUES ('a', 0, 0), ('a', 0, 0)`)
	once := mapErr(err)
	if !errors.Is(once, ErrConflict) || mapErr(once) != once {
		t.Errorf("mapErr(unique violation) = %v; mapping again should not change it", once)
	}
}

// Several processes (here handles) opening a new file at once apply each
// migration exactly once.
func TestConcurrentOpenMigratesOnce(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "new.db")
	var wg sync.WaitGroup
	dbs := make([]*DB, 4)
	errs := make([]error, 4)
	for i := range dbs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = Open(ctx, path)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		defer dbs[i].Close()
	}
	var n int
	if err := dbs[0].sql.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != HeadVersion() {
		t.Errorf("schema_migrations rows = %d, want %d", n, HeadVersion())
	}
}

// A writer waiting for its turn gives up when its context ends, instead of
// hanging behind a long transaction.
func TestWriterWaitingForTurnHonoursContext(t *testing.T) {
	db, _ := openTest(t)
	holding := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- db.tx(context.Background(), func(*sql.Tx) error {
			close(holding)
			<-release
			return nil
		})
	}()
	<-holding
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := db.CreateStore(ctx, Store{Name: "waiting", Marketplace: "m"})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CreateStore while another write holds the slot: got %v, want context.DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateStore(context.Background(), Store{Name: "after", Marketplace: "m"}); err != nil {
		t.Fatalf("write after the slot was released: %v", err)
	}
}
