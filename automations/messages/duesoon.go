package messages

import (
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// DueSoonWithin is how close a reply deadline must come for its thread to
// count as due soon: thresholds.due_soon in the config (4 hours unless
// set). A nil config means config.Defaults().
func DueSoonWithin(cfg *config.Config) time.Duration {
	return time.Duration(config.OrDefaults(cfg).Thresholds.DueSoon)
}

// DueSoon reports whether an open thread's reply deadline is still ahead of
// now but less than within away. An overdue thread is not due soon: it is
// overdue.
func DueSoon(t localdb.Thread, now time.Time, within time.Duration) bool {
	if t.Status != localdb.StatusOpen || t.ReplyDeadline.IsZero() {
		return false
	}
	left := t.ReplyDeadline.Sub(now)
	return left >= 0 && left < within
}
