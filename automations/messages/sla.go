package messages

import (
	"time"

	"github.com/sellerops/sellerops/localdb"
)

// SLA is one group's reply-deadline compliance: buyer messages due (the
// marketplace sets a deadline and it has passed, or a reply came) and those
// answered by their deadline, the figure the marketplaces show (Amazon's
// "responses under 24 hours", TikTok Shop's 12-hour response rate, eBay's
// 3 business days for returns and cases). The deadline rule is
// ReplyDeadline; nothing here restates it.
type SLA struct {
	Group string `json:"group"`
	Due   int    `json:"sla_due"`
	Met   int    `json:"sla_met"`
}

// SLACompliance judges each buyer message by ReplyDeadline at now: one
// with no deadline is not due; one answered is due, and met when the reply
// came at or before the deadline; one unanswered is due (and missed) only
// once its deadline has passed. Groups come out in the order of replies.
func SLACompliance(replies []localdb.BuyerReply, now time.Time) []SLA {
	var out []SLA
	at := map[string]int{}
	for _, r := range replies {
		i, ok := at[r.Group]
		if !ok {
			i = len(out)
			at[r.Group] = i
			out = append(out, SLA{Group: r.Group})
		}
		deadline := ReplyDeadline(r.Marketplace, r.Kind, r.SentAt)
		switch {
		case deadline.IsZero():
		case !r.ReplyAt.IsZero():
			out[i].Due++
			if !r.ReplyAt.After(deadline) {
				out[i].Met++
			}
		case now.After(deadline):
			out[i].Due++
		}
	}
	return out
}

// slaTargets are the shares of buyer messages each marketplace asks to be
// answered inside its window. Amazon: more than 90% of buyer messages
// answered within 24 hours (Seller Central, Customer Service Performance,
// "Contact Response Time"). TikTok Shop: more than 85% of buyer-initiated
// chats answered within 12 hours over the last 30 days (its Customer
// Service Communication Requirements of August 2025, as sellers' guides
// summarise them; the Seller Center page shows the figure per market and
// is the one to trust). eBay publishes no share for returns and cases.
var slaTargets = map[string]float64{"amazon": 0.90, "tiktok": 0.85}

// SLATarget returns the marketplace's target share of messages answered in
// time; ok is false where the marketplace publishes none.
func SLATarget(marketplace string) (share float64, ok bool) {
	share, ok = slaTargets[marketplace]
	return share, ok
}
