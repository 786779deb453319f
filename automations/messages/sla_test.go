package messages

import (
	"reflect"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
)

// Hand-worked deadlines: Amazon 24 h calendar, TikTok 12 h, eBay 3
// business days for returns (Friday 10:00 -> Wednesday 10:00), none for
// ordinary eBay messages.
func TestSLACompliance(t *testing.T) {
	fri := time.Date(2026, 3, 6, 10, 0, 0, 0, time.UTC) // a Friday
	now := fri.Add(10 * 24 * time.Hour)
	h := time.Hour
	in := []localdb.BuyerReply{
		{Group: "a", Marketplace: "amazon", SentAt: fri, ReplyAt: fri.Add(23 * h)},                             // met
		{Group: "a", Marketplace: "amazon", SentAt: fri, ReplyAt: fri.Add(25 * h)},                             // missed
		{Group: "a", Marketplace: "amazon", SentAt: fri},                                                       // unanswered, past: missed
		{Group: "a", Marketplace: "amazon", SentAt: now.Add(-h)},                                               // not yet due
		{Group: "e", Marketplace: "ebay", Kind: localdb.KindMessage, SentAt: fri},                              // no deadline
		{Group: "e", Marketplace: "ebay", Kind: localdb.KindReturn, SentAt: fri, ReplyAt: fri.Add(5 * 24 * h)}, // Wednesday 10:00: met
		{Group: "e", Marketplace: "ebay", Kind: localdb.KindCase, SentAt: fri, ReplyAt: fri.Add(5*24*h + time.Minute)},
		{Group: "k", Marketplace: "tiktok", SentAt: fri, ReplyAt: fri.Add(13 * h)}, // missed
		{Group: "k", Marketplace: "tiktok", SentAt: fri, ReplyAt: fri.Add(12 * h)}, // met, at the deadline
	}
	want := []SLA{{"a", 3, 1}, {"e", 2, 1}, {"k", 2, 1}}
	if got := SLACompliance(in, now); !reflect.DeepEqual(got, want) {
		t.Errorf("SLACompliance = %+v, want %+v", got, want)
	}
}
