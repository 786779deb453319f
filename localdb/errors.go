package localdb

import (
	"database/sql"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

var (
	// ErrNotFound reports that the requested row does not exist.
	ErrNotFound = errors.New("localdb: not found")
	// ErrConflict reports that a write would break a unique key, a foreign
	// key or another constraint of the schema.
	ErrConflict = errors.New("localdb: conflict")
	// ErrInvalid reports a value outside its allowed set (an unknown state,
	// a missing required field) before anything is written.
	ErrInvalid = errors.New("localdb: invalid value")
	// ErrSchemaTooNew reports a database written by a newer sellerops than
	// the running binary.
	ErrSchemaTooNew = errors.New("localdb: database schema is newer than this binary")
	// ErrReadOnly reports that SQLite could not write the database file
	// (SQLITE_READONLY): the file, its folder or its -wal/-shm files are not
	// writable by this user, or the disk is mounted read-only.
	ErrReadOnly = errors.New("localdb: the database is read-only; give this user write permission on the database file, its folder and its -wal and -shm files, or pass --db with a writable file")
)

// mapErr turns driver errors into the package's own errors, keeping the
// original in the chain for its message.
func mapErr(err error) error {
	if err == nil || errors.Is(err, ErrConflict) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrInvalid) {
		return err
	}
	if errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	}
	if isConstraint(err) {
		return fmt.Errorf("%w: %w", ErrConflict, err)
	}
	if primaryCode(err) == sqlite3.SQLITE_READONLY {
		return fmt.Errorf("%w (%w)", ErrReadOnly, err)
	}
	return err
}

// primaryCode returns SQLite's primary result code carried by err, or -1.
func primaryCode(err error) int {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return -1
	}
	return se.Code() & 0xff
}

// isConstraint reports whether err is one of SQLite's SQLITE_CONSTRAINT
// result codes (unique, primary key, foreign key, check, not null, ...).
func isConstraint(err error) bool { return primaryCode(err) == sqlite3.SQLITE_CONSTRAINT }

// isBusy reports whether err is SQLITE_BUSY or SQLITE_LOCKED.
func isBusy(err error) bool {
	c := primaryCode(err)
	return c == sqlite3.SQLITE_BUSY || c == sqlite3.SQLITE_LOCKED
}

func invalidf(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, args...))
}

// oneOf checks that v is one of allowed, naming the field and the choices
// when it is not.
func oneOf[T ~string](field string, v T, allowed ...T) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return invalidf("%s %q is not one of %v", field, string(v), allowed)
}
