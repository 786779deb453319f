package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"
)

// maxConns caps the connection pool. WAL lets readers run beside the one
// writer; more connections than this only add waiting.
const maxConns = 8

// DB is an open sellerops database. It is safe for concurrent use.
type DB struct {
	sql   *sql.DB
	path  string
	clock func() time.Time
	// writeSlot holds one token: a write transaction takes it before BEGIN,
	// so that this process's writers queue in order here instead of racing
	// each other in SQLite's busy handler, which is not fair and can starve
	// one of them past the busy timeout on a loaded machine.
	writeSlot   chan struct{}
	busyTimeout time.Duration
}

// Option changes how Open opens the database.
type Option func(*options)

type options struct {
	clock       func() time.Time
	busyTimeout time.Duration
}

// WithClock sets the clock used for created, updated and checked times and
// for "overdue as of now" queries. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.clock = now
		}
	}
}

// WithBusyTimeout sets how long a statement waits for another process's
// writer before giving up with a busy error. A write transaction may wait
// for it twice: once in SQLite's busy handler and once more in tx. The
// default is 30 seconds: SQLite's busy handler is not fair between
// processes, so a writer of one process can lose the lock many times in a
// row to a busy writer of another (the scheduler beside the dashboard) on a
// loaded machine, and a night's work is worth waiting for rather than
// failing with "database is locked".
func WithBusyTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.busyTimeout = d
		}
	}
}

// Open opens the database file at path, creating it (mode 0600) and its
// directory (mode 0700) when they are missing, and applies any pending
// migrations. A database written by a newer binary is refused with
// ErrSchemaTooNew.
func Open(ctx context.Context, path string, opts ...Option) (*DB, error) {
	o := options{clock: time.Now, busyTimeout: 30 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	if path == "" {
		return nil, fmt.Errorf("open database: empty path; pass --db FILE or set SELLEROPS_DB")
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", path, err)
	}
	if err := EnsurePrivateDir(filepath.Dir(abs)); err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	if err := createPrivateFile(abs); err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}

	sdb, err := sql.Open("sqlite", dsn(abs, o.busyTimeout))
	if err != nil {
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	// Writers queue in the pool rather than in SQLite's busy handler, and
	// a burst of goroutines does not open a connection each.
	sdb.SetMaxOpenConns(maxConns)
	sdb.SetMaxIdleConns(maxConns)
	db := &DB{sql: sdb, path: abs, clock: o.clock, writeSlot: make(chan struct{}, 1), busyTimeout: o.busyTimeout}
	if err := db.setUp(ctx, o.busyTimeout); err != nil {
		sdb.Close()
		return nil, fmt.Errorf("open database %q: %w", abs, err)
	}
	return db, nil
}

// setUp opens the first connection and migrates. When several processes
// open a new file at the same moment, switching it to WAL can report
// SQLITE_BUSY without waiting in the busy handler; setUp then tries again
// until the busy timeout has passed.
func (db *DB) setUp(ctx context.Context, budget time.Duration) error {
	deadline := time.Now().Add(budget)
	for {
		err := db.sql.PingContext(ctx)
		if err == nil {
			err = db.migrate(ctx)
		}
		switch {
		case err == nil:
			return nil
		case primaryCode(err) == sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("%w; the file is not a sellerops database: point --db or SELLEROPS_DB at another path", err)
		case !isBusy(err):
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w; another sellerops process holds the database: wait for it or stop it", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// dsn builds the connection string. Every pooled connection runs these
// pragmas when it is opened, so none of them depends on which connection
// database/sql hands out.
func dsn(path string, busy time.Duration) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", busy.Milliseconds()))
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	q.Add("_pragma", "synchronous(NORMAL)")
	q.Set("_txlock", "immediate")
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(path), RawQuery: q.Encode()}
	if filepath.VolumeName(path) != "" {
		// Windows: file:///C:/dir/file.db
		u.Path = "/" + u.Path
	}
	return u.String()
}

// createPrivateFile creates an empty file with mode 0600 when path does not
// exist yet, so that SQLite (and its -wal and -shm files, which copy the
// database file's mode) never start out readable by others.
func createPrivateFile(path string) error {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("create database file: %w; check that the directory is writable", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("set mode 0600: %w", err)
	}
	return f.Close()
}

// Close closes every connection of the pool.
func (db *DB) Close() error { return db.sql.Close() }

// Path returns the absolute path of the database file.
func (db *DB) Path() string { return db.path }

// SQL returns the underlying pool for read-only reports that need a query
// this package does not offer. Writes belong in this package.
func (db *DB) SQL() *sql.DB { return db.sql }

// now returns the injected clock's time in UTC.
func (db *DB) now() time.Time { return db.clock().UTC() }

// tx runs fn in one immediate transaction: it commits when fn returns nil and
// rolls back otherwise. Errors are mapped with mapErr. fn must not start
// another transaction on db.
//
// Within this process, writers wait their turn for the write slot. Another
// process (the scheduler beside the dashboard) can still hold SQLite's write
// lock; BEGIN then waits in the busy handler, and when that gives up it is
// tried again until a second busy timeout has passed. Nothing has been
// written at that point, so trying again is safe.
func (db *DB) tx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	select {
	case db.writeSlot <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-db.writeSlot }()

	tx, err := db.begin(ctx)
	if err != nil {
		return mapErr(err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return mapErr(err)
	}
	return mapErr(tx.Commit())
}

// begin starts an immediate transaction, trying again while another process
// holds the write lock, up to the busy timeout.
func (db *DB) begin(ctx context.Context) (*sql.Tx, error) {
	deadline := time.Now().Add(db.busyTimeout)
	for {
		tx, err := db.sql.BeginTx(ctx, nil)
		if err == nil || !isBusy(err) || time.Now().After(deadline) {
			return tx, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(10 * time.Millisecond):
		}
	}
}

// CheckResult is what `sellerops doctor` reports about the database.
type CheckResult struct {
	Path          string      `json:"path"`
	FileMode      fs.FileMode `json:"file_mode"`
	DirMode       fs.FileMode `json:"dir_mode"`
	ModeOK        bool        `json:"mode_ok"`
	SchemaVersion int         `json:"schema_version"`
	HeadVersion   int         `json:"head_version"`
	Integrity     string      `json:"integrity"`
	JournalMode   string      `json:"journal_mode"`
	ForeignKeys   bool        `json:"foreign_keys"`
	// Problems lists each failed check with what to do about it.
	Problems []string `json:"problems"`
}

// OK reports whether every check passed.
func (r CheckResult) OK() bool { return len(r.Problems) == 0 }

// Check inspects the file mode, the schema version against the binary's
// head, the connection pragmas and SQLite's quick integrity check. A failed
// check is listed in Problems; the error is only for a check that could not
// run at all.
func (db *DB) Check(ctx context.Context) (CheckResult, error) {
	r := CheckResult{Path: db.path, HeadVersion: headVersion(), Problems: []string{}}
	st, err := os.Stat(db.path)
	if err != nil {
		return r, fmt.Errorf("check database %q: %w", db.path, err)
	}
	r.FileMode = st.Mode().Perm()
	if dst, err := os.Stat(filepath.Dir(db.path)); err == nil {
		r.DirMode = dst.Mode().Perm()
	}
	r.ModeOK = r.FileMode&0o077 == 0
	if !r.ModeOK {
		r.Problems = append(r.Problems, fmt.Sprintf("database file %s has mode %04o, readable by other users; run: chmod 600 %s", db.path, r.FileMode, db.path))
	}
	if r.SchemaVersion, err = db.SchemaVersion(ctx); err != nil {
		return r, fmt.Errorf("check database %q: %w", db.path, err)
	}
	if r.SchemaVersion != r.HeadVersion {
		r.Problems = append(r.Problems, fmt.Sprintf("schema version %d, this binary expects %d; reopen with this binary to migrate, or upgrade sellerops", r.SchemaVersion, r.HeadVersion))
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA quick_check").Scan(&r.Integrity); err != nil {
		return r, fmt.Errorf("check database %q: quick_check: %w", db.path, err)
	}
	if r.Integrity != "ok" {
		r.Problems = append(r.Problems, fmt.Sprintf("integrity check failed (%s); restore %s from a backup", r.Integrity, db.path))
	}
	if err := db.sql.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&r.JournalMode); err != nil {
		return r, fmt.Errorf("check database %q: journal_mode: %w", db.path, err)
	}
	if r.JournalMode != "wal" {
		r.Problems = append(r.Problems, fmt.Sprintf("journal mode is %q, not wal; the file may be on a file system without shared memory (for example a network share): move it to a local disk", r.JournalMode))
	}
	var fk int
	if err := db.sql.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
		return r, fmt.Errorf("check database %q: foreign_keys: %w", db.path, err)
	}
	r.ForeignKeys = fk == 1
	if !r.ForeignKeys {
		r.Problems = append(r.Problems, "foreign keys are off on this connection; this is a bug in sellerops, please report it")
	}
	return r, nil
}

// Page is one page of a longer list: the rows from Offset on, and how many
// rows the whole list has.
type Page[T any] struct {
	Rows   []T `json:"rows"`
	Offset int `json:"offset"`
	Total  int `json:"total"`
}

// maxPage caps a page so that a bad limit cannot read a whole table.
const maxPage = 1000

func pageBounds(offset, limit int) (int, int) {
	if offset < 0 {
		offset = 0
	}
	if limit <= 0 || limit > maxPage {
		limit = maxPage
	}
	return offset, limit
}

// queryBounds is the offset and limit of a list or page query: a page
// (counted) is bounded as pageBounds says; a list without a limit has no cap
// (SQLite's LIMIT -1).
func queryBounds(offset, limit int, counted bool) (int, int) {
	switch {
	case counted:
		return pageBounds(offset, limit)
	case limit <= 0:
		limit = -1
	}
	return max(offset, 0), limit
}

// qualify prefixes each column of a column list with a table alias.
func qualify(alias, cols string) string {
	fields := strings.Split(strings.Join(strings.Fields(cols), " "), ", ")
	for i, f := range fields {
		fields[i] = alias + "." + f
	}
	return strings.Join(fields, ", ")
}

// whereClause joins conditions into a WHERE clause, or nothing.
func whereClause(conds []string) string {
	if len(conds) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(conds, " AND ")
}

// likePrefix turns s into a LIKE pattern matching values that start
// with s, with LIKE's wildcards in s taken literally.
func likePrefix(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return r.Replace(s) + "%"
}

// sqlTx is what the write helpers need of a transaction: a *sql.Tx, or a
// stmtTx.
type sqlTx interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// stmtTx is a transaction that prepares each statement once and keeps it
// for the transaction's life: for transactions that run the same few
// statements many times (a chunk of mail), where parsing the SQL again at
// every call would cost more than running it.
type stmtTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newStmtTx(tx *sql.Tx) *stmtTx { return &stmtTx{tx: tx, stmts: map[string]*sql.Stmt{}} }

// stmt returns the prepared statement of query, or nil when it cannot be
// prepared (the caller then runs the query on the transaction, which
// reports the same error).
func (s *stmtTx) stmt(ctx context.Context, query string) *sql.Stmt {
	if st, ok := s.stmts[query]; ok {
		return st
	}
	st, err := s.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	s.stmts[query] = st
	return st
}

func (s *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := s.stmt(ctx, query); st != nil {
		return st.ExecContext(ctx, args...)
	}
	return s.tx.ExecContext(ctx, query, args...)
}

func (s *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if st := s.stmt(ctx, query); st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return s.tx.QueryRowContext(ctx, query, args...)
}

func (s *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if st := s.stmt(ctx, query); st != nil {
		return st.QueryContext(ctx, args...)
	}
	return s.tx.QueryContext(ctx, query, args...)
}

// close releases the prepared statements; the transaction's end does too.
func (s *stmtTx) close() {
	for _, st := range s.stmts {
		_ = st.Close()
	}
}
