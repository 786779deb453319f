package insights

import (
	"context"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
)

// Spikes: a SKU or carrier whose damage or where-is-my-order contacts in the
// last 7 days come at more than twice the rate of the 4 weeks before, with
// at least SpikeMinContacts contacts in the 7 days, is an alert.
//
// The rate is contacts per day: the last 7 days' count over 7 against the
// previous 28 days' count over 28, so "more than twice" is recent*28 >
// 2*7*previous, i.e. recent*2 > previous (integers, no rounding). A contact
// is a thread with a buyer message of the reason (localdb.ContactReasons).
// A group with no contact in the previous 4 weeks spikes at the minimum.
const (
	SpikeRecent      = 7 * 24 * time.Hour
	SpikePrevious    = 28 * 24 * time.Hour
	SpikeMinContacts = 5
	// spikeMessages is how many of the messages behind an alert it carries.
	spikeMessages = 20
)

// SpikeReasons are the reasons the spikes watch.
var SpikeReasons = []string{messages.ReasonDamaged, messages.ReasonWhereIsOrder}

// Alert is one spike, with the buyer messages behind it (the newest
// spikeMessages of the last 7 days; Messages counts them all).
type Alert struct {
	Kind             localdb.InsightsBy       `json:"kind"` // sku or carrier
	Group            string                   `json:"group"`
	Reason           string                   `json:"reason"`
	RecentContacts   int                      `json:"recent_contacts"`
	PreviousContacts int                      `json:"previous_contacts"`
	RecentPerDay     float64                  `json:"recent_per_day"`
	PreviousPerDay   float64                  `json:"previous_per_day"`
	Messages         int                      `json:"messages"`
	Behind           []localdb.ContactMessage `json:"behind"`
}

// IsSpike is the rule on two counts: recent over SpikeRecent, previous over
// SpikePrevious.
func IsSpike(recent, previous int) bool {
	return recent >= SpikeMinContacts && recent*2 > previous
}

// Spikes returns the alerts at now, SKUs first then carriers, each by
// group and reason.
func Spikes(ctx context.Context, db *localdb.DB, now time.Time) ([]Alert, error) {
	out := []Alert{}
	cut := now.Add(-SpikeRecent)
	for _, by := range []localdb.InsightsBy{localdb.BySKU, localdb.ByCarrier} {
		recent, err := db.ContactReasons(ctx, localdb.ContactQuery{From: cut, To: now, By: by})
		if err != nil {
			return nil, err
		}
		prev, err := db.ContactReasons(ctx, localdb.ContactQuery{From: cut.Add(-SpikePrevious), To: cut, By: by})
		if err != nil {
			return nil, err
		}
		before := map[[2]string]int{}
		for _, c := range prev {
			before[[2]string{c.Group, c.Reason}] = c.Contacts
		}
		for _, c := range recent {
			if c.Group == localdb.Unknown || !watched(c.Reason) {
				continue
			}
			p := before[[2]string{c.Group, c.Reason}]
			if !IsSpike(c.Contacts, p) {
				continue
			}
			q := localdb.ContactQuery{From: cut, To: now, By: by}
			all, err := db.ContactMessages(ctx, q, c.Group, []string{c.Reason}, 0)
			if err != nil {
				return nil, err
			}
			a := Alert{Kind: by, Group: c.Group, Reason: c.Reason, RecentContacts: c.Contacts, PreviousContacts: p,
				RecentPerDay: float64(c.Contacts) / (SpikeRecent.Hours() / 24), PreviousPerDay: float64(p) / (SpikePrevious.Hours() / 24),
				Messages: len(all), Behind: all[:min(len(all), spikeMessages)]}
			out = append(out, a)
		}
	}
	return out, nil
}

func watched(reason string) bool {
	for _, r := range SpikeReasons {
		if r == reason {
			return true
		}
	}
	return false
}
