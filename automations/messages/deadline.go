package messages

import (
	"time"

	"github.com/sellerops/sellerops/localdb"
)

// ReplyDeadline returns when the seller must answer a thread whose newest
// buyer message arrived at lastBuyer, by the marketplace's own clock. The
// zero time means the marketplace sets no deadline for this kind of thread.
func ReplyDeadline(marketplace string, kind localdb.ThreadKind, lastBuyer time.Time) time.Time {
	if lastBuyer.IsZero() {
		return time.Time{}
	}
	switch marketplace {
	case "amazon":
		return amazonDeadline(lastBuyer)
	case "tiktok":
		return tiktokDeadline(lastBuyer)
	case "ebay":
		return ebayDeadline(kind, lastBuyer)
	}
	return time.Time{}
}

// amazonDeadline: Amazon asks for an answer within 24 hours, counted in
// calendar time: weekends and holidays count.
func amazonDeadline(last time.Time) time.Time { return last.UTC().Add(24 * time.Hour) }

// tiktokDeadline: TikTok Shop counts 12 hours from the buyer's message.
func tiktokDeadline(last time.Time) time.Time { return last.UTC().Add(12 * time.Hour) }

// ebayDeadline: eBay gives return requests and cases 3 business days
// (Saturday and Sunday do not count); ordinary messages have no deadline.
func ebayDeadline(kind localdb.ThreadKind, last time.Time) time.Time {
	if kind != localdb.KindReturn && kind != localdb.KindCase {
		return time.Time{}
	}
	return addBusinessDays(last.UTC(), 3)
}

// addBusinessDays moves t forward by n days that are not Saturday or
// Sunday, keeping the time of day.
func addBusinessDays(t time.Time, n int) time.Time {
	for n > 0 {
		t = t.AddDate(0, 0, 1)
		if wd := t.Weekday(); wd != time.Saturday && wd != time.Sunday {
			n--
		}
	}
	return t
}
