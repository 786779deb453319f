package localdb

import (
	"database/sql"
	"time"
)

// Times are stored as integer Unix milliseconds in UTC. A zero time.Time is
// NULL.

// ms converts t for storage: nil for the zero time.
func ms(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

// msNow converts a time that is never zero (created and updated stamps).
func msNow(t time.Time) int64 { return t.UnixMilli() }

// fromMS reads a nullable stored time back as UTC.
func fromMS(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMilli(v.Int64).UTC()
}

// nullID stores 0 as NULL for optional foreign keys.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

func fromNullID(v sql.NullInt64) int64 {
	if !v.Valid {
		return 0
	}
	return v.Int64
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
