// Package localdb is the local SQLite store of sellerops.
//
// One database file holds every store, order, buyer thread and message,
// shipment and tracking event, claim, outbox intent and job run. The file is
// created with mode 0600 inside a 0700 directory under the user's data
// directory (see DefaultDBPath), and every pooled connection runs with WAL,
// a busy timeout, foreign keys, synchronous NORMAL and immediate write
// transactions, all set in the DSN.
//
// The schema lives in embedded, numbered migrations applied in order by Open
// and recorded in the schema_migrations table. A shipped migration is never
// edited; a change to the schema is a new numbered file.
//
// Each aggregate has its own file (stores.go, orders.go, messages.go,
// shipments.go, claims.go, outbox.go, jobs.go), with every query of that
// aggregate, whoever reads it: the command line and the dashboard call the
// same ones (ListThreads and PageThreads share one query; the Page methods
// read one page with its total). overview.go counts across aggregates for
// the dashboard's first page. Methods that write open one
// transaction, call helpers that take the transaction, and commit; reads run
// as single statements outside a transaction so that they never wait for the
// write lock.
//
// Writes are idempotent where a sync or a retry may repeat them: storing
// the same order, thread, message, attachment, tracking event, run item or
// outbox intent again keeps one row and reports that it was not new.
// SaveThread stores a thread with its messages in one transaction, the unit a
// message sync writes. The outbox (WriteIntent, MarkInFlight, MarkDone) and
// the claims' partial unique index keep a reply or a claim from being
// submitted twice.
//
// Conventions:
//   - Times are stored in UTC as integer Unix milliseconds; a zero time.Time
//     is stored as NULL and read back as the zero time. Times read back are in
//     UTC and carry millisecond precision.
//   - Money is an integer amount in the currency's minor units per ISO 4217
//     (cents for USD, none for JPY, fils for KWD) with the code beside it;
//     package money parses and prints it.
//   - A missing row is reported as ErrNotFound, a violated constraint (unique
//     key, foreign key) as ErrConflict, a value outside its allowed set as
//     ErrInvalid; test with errors.Is.
//   - No secret is ever stored here: passwords, TOTP seeds and session
//     cookies belong in the keyring.
package localdb
