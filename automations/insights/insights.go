// Package insights assembles the service insights: how fast the shop
// answers (from localdb's SQL aggregates), SLA compliance by the one
// reply-deadline rule (messages.ReplyDeadline), why buyers write (the one
// reason rule, messages.ClassifyReason, whose answers the database keeps),
// delivery per carrier and lane, claims, and spikes of damage and
// where-is-my-order contacts. It opens no browser, so the dashboard, the
// command line and the morning report share it.
package insights

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// Query is what Build computes: the window (since), the grouping, and the
// time the spikes and the SLA are judged at.
type Query struct {
	Since time.Time
	By    localdb.InsightsBy
	Now   time.Time
}

// Group is one group's figures, with exactly the fields the insights
// command's --json promises. The delivery fields are set only when the
// grouping is by carrier or lane.
type Group struct {
	Group          string         `json:"group"`
	Threads        int            `json:"threads"`
	BuyerMessages  int            `json:"buyer_messages"`
	FRTP50Seconds  int64          `json:"frt_p50_seconds"`
	FRTP90Seconds  int64          `json:"frt_p90_seconds"`
	FRTBuckets     map[string]int `json:"frt_buckets"`
	SLADue         int            `json:"sla_due"`
	SLAMet         int            `json:"sla_met"`
	OneTouchRate   float64        `json:"one_touch_rate"`
	Reasons        map[string]int `json:"reasons"`
	TransitP50     *float64       `json:"transit_p50_hours,omitempty"`
	TransitP90     *float64       `json:"transit_p90_hours,omitempty"`
	OnTimeRate     *float64       `json:"on_time_rate,omitempty"`
	LostPer1000    *float64       `json:"lost_per_1000,omitempty"`
	DamagedPer1000 *float64       `json:"damaged_per_1000,omitempty"`
	// Delivery says the grouping carries the delivery fields; each is then
	// written, as null where the group has no value (no parcel delivered,
	// none with an estimate, no parcel at all): a rate over nothing is not
	// zero.
	Delivery bool `json:"-"`
}

// MarshalJSON writes the delivery fields, null or not, when the grouping
// carries them, and leaves them out otherwise.
func (g Group) MarshalJSON() ([]byte, error) {
	type plain Group
	if !g.Delivery {
		return json.Marshal(plain(g))
	}
	return json.Marshal(struct {
		plain
		TransitP50     *float64 `json:"transit_p50_hours"`
		TransitP90     *float64 `json:"transit_p90_hours"`
		OnTimeRate     *float64 `json:"on_time_rate"`
		LostPer1000    *float64 `json:"lost_per_1000"`
		DamagedPer1000 *float64 `json:"damaged_per_1000"`
	}{plain(g), g.TransitP50, g.TransitP90, g.OnTimeRate, g.LostPer1000, g.DamagedPer1000})
}

// ContactRate is one group's contacts per 100 orders, per reason: the
// threads with a buyer message of the reason in the window, per 100 of the
// group's orders of the window. Rates are absent when the group has no
// orders in the window (a rate over nothing is not zero).
type ContactRate struct {
	Group   string             `json:"group"`
	Orders  int                `json:"orders"`
	Per100  map[string]float64 `json:"per_100_orders,omitempty"`
	Reasons map[string]int     `json:"contacts"`
}

// Report is the insights of one window.
type Report struct {
	Since    time.Time              `json:"since"`
	Now      time.Time              `json:"now"`
	By       localdb.InsightsBy     `json:"by"`
	Groups   []Group                `json:"groups"`
	Alerts   []Alert                `json:"alerts"`
	Backlog  []localdb.BacklogGroup `json:"backlog"`
	Replies  []RepliesPerThread     `json:"replies_per_thread"`
	Contacts []ContactRate          `json:"contacts_per_100_orders"`
	Claims   []Claims               `json:"claims"`
	// Delivery keeps every delivery figure of carrier and lane groupings
	// (counts beside the rates), for the dashboard's lists.
	Delivery []localdb.DeliveryGroup `json:"-"`
	// Response keeps the full response statistics of each group.
	Response []localdb.ResponseGroup `json:"-"`
}

// Claims are one carrier's claims in one currency drafted in the window
// (localdb.ClaimGroup), the money as amounts of that currency: never summed
// across currencies.
type Claims struct {
	Carrier          string       `json:"carrier"`
	Currency         string       `json:"currency"`
	Drafted          int          `json:"drafted"`
	Filed            int          `json:"filed"`
	Paid             int          `json:"paid"`
	Denied           int          `json:"denied"`
	Claimed          money.Amount `json:"claimed"`
	ClaimedDecided   money.Amount `json:"claimed_decided"`
	Recovered        money.Amount `json:"recovered"`
	RecoveryRate     float64      `json:"recovery_rate"`
	PaymentValues    int          `json:"payment_values"`
	DaysToPaymentP50 float64      `json:"days_to_payment_p50"`
	DaysToPaymentP90 float64      `json:"days_to_payment_p90"`
}

func claimFigures(c localdb.ClaimGroup) Claims {
	return Claims{Carrier: c.Carrier, Currency: c.Currency, Drafted: c.Drafted, Filed: c.Filed, Paid: c.Paid, Denied: c.Denied,
		Claimed: money.Of(c.ClaimedMinor, c.Currency), ClaimedDecided: money.Of(c.DecidedMinor, c.Currency),
		Recovered: money.Of(c.PaidMinor, c.Currency), RecoveryRate: c.RecoveryRate, PaymentValues: c.PaymentValues,
		DaysToPaymentP50: c.DaysToPaymentP50, DaysToPaymentP90: c.DaysToPaymentP90}
}

// RepliesPerThread is a group's seller replies per thread in the window.
type RepliesPerThread struct {
	Group            string  `json:"group"`
	Threads          int     `json:"threads"`
	SellerReplies    int     `json:"seller_replies"`
	RepliesPerThread float64 `json:"replies_per_thread"`
}

// ParseBy reads a --by value; the error names the groupings there are.
func ParseBy(s string) (localdb.InsightsBy, error) {
	for _, g := range localdb.InsightsGroupings {
		if string(g) == s {
			return g, nil
		}
	}
	names := make([]string, len(localdb.InsightsGroupings))
	for i, g := range localdb.InsightsGroupings {
		names[i] = string(g)
	}
	return "", fmt.Errorf("grouping %q: use one of %v", s, names)
}

// hasDelivery says whether a grouping carries the delivery figures.
func hasDelivery(by localdb.InsightsBy) bool { return by == localdb.ByCarrier || by == localdb.ByLane }

// classifyBatch is how many buyer messages one transaction of the reason
// rule stores.
const classifyBatch = 5000

// ClassifyStored reads every buyer message that the current reason rule
// has not read yet and stores its reason; it returns how many it read.
func ClassifyStored(ctx context.Context, db *localdb.DB) (int, error) {
	n := 0
	for {
		batch, err := db.BuyerMessagesToClassify(ctx, messages.ReasonRule, classifyBatch)
		if err != nil {
			return n, err
		}
		if len(batch) == 0 {
			return n, nil
		}
		reasons := make(map[int64]string, len(batch))
		for _, m := range batch {
			reasons[m.MessageID] = messages.ClassifyReason(m.Body).Reason
		}
		if err := db.SetMessageReasons(ctx, messages.ReasonRule, reasons); err != nil {
			return n, err
		}
		n += len(batch)
		if err := ctx.Err(); err != nil {
			return n, err
		}
	}
}

// Build classifies the buyer messages not yet read by the reason rule and
// computes the report.
func Build(ctx context.Context, db *localdb.DB, q Query) (*Report, error) {
	if _, err := ClassifyStored(ctx, db); err != nil {
		return nil, fmt.Errorf("contact reasons: %w", err)
	}
	rq := localdb.ResponseQuery{Since: q.Since, By: q.By}
	resp, err := db.ResponseStats(ctx, rq)
	if err != nil {
		return nil, err
	}
	replies, err := db.BuyerReplies(ctx, rq)
	if err != nil {
		return nil, err
	}
	cq := localdb.ContactQuery{From: q.Since, By: q.By}
	reasons, err := db.ContactReasons(ctx, cq)
	if err != nil {
		return nil, err
	}
	orders, err := db.OrdersPerGroup(ctx, cq)
	if err != nil {
		return nil, err
	}
	backlog, err := db.Backlog(ctx, q.By)
	if err != nil {
		return nil, err
	}
	claims, err := db.ClaimStats(ctx, q.Since)
	if err != nil {
		return nil, err
	}
	var delivery []localdb.DeliveryGroup
	if hasDelivery(q.By) {
		if delivery, err = db.DeliveryStats(ctx, localdb.DeliveryQuery{Since: q.Since, By: q.By}); err != nil {
			return nil, err
		}
	}
	alerts, err := Spikes(ctx, db, q.Now)
	if err != nil {
		return nil, err
	}
	r := &Report{Since: q.Since.UTC(), Now: q.Now.UTC(), By: q.By, Alerts: alerts, Backlog: backlog,
		Delivery: delivery, Response: resp}
	if r.Backlog == nil {
		r.Backlog = []localdb.BacklogGroup{}
	}
	r.Claims = make([]Claims, 0, len(claims))
	for _, c := range claims {
		r.Claims = append(r.Claims, claimFigures(c))
	}
	r.assemble(resp, messages.SLACompliance(replies, q.Now), reasons, orders, delivery)
	return r, nil
}

// assemble joins the aggregates into one Group per group name, ordered by
// name.
func (r *Report) assemble(resp []localdb.ResponseGroup, sla []messages.SLA, reasons []localdb.ReasonCount,
	orders []localdb.OrderCount, delivery []localdb.DeliveryGroup) {
	byName := map[string]*Group{}
	get := func(name string) *Group {
		g := byName[name]
		if g == nil {
			g = &Group{Group: name, FRTBuckets: map[string]int{}, Reasons: zeroReasons()}
			for _, b := range localdb.FRTBuckets {
				g.FRTBuckets[b] = 0
			}
			byName[name] = g
		}
		return g
	}
	for _, x := range resp {
		g := get(x.Group)
		g.Threads, g.BuyerMessages, g.FRTP50Seconds, g.FRTP90Seconds = x.Threads, x.BuyerMessages, x.FRTP50Seconds, x.FRTP90Seconds
		g.OneTouchRate = x.OneTouchRate
		for k, v := range x.FRTBuckets {
			g.FRTBuckets[k] = v
		}
		r.Replies = append(r.Replies, RepliesPerThread{Group: x.Group, Threads: x.Threads, SellerReplies: x.SellerReplies,
			RepliesPerThread: x.RepliesPerThread})
	}
	for _, x := range sla {
		g := get(x.Group)
		g.SLADue, g.SLAMet = x.Due, x.Met
	}
	contacts := map[string]*ContactRate{}
	contact := func(name string) *ContactRate {
		c := contacts[name]
		if c == nil {
			c = &ContactRate{Group: name, Reasons: zeroReasons()}
			contacts[name] = c
		}
		return c
	}
	for _, x := range reasons {
		get(x.Group).Reasons[x.Reason] = x.Contacts
		contact(x.Group).Reasons[x.Reason] = x.Contacts
	}
	for _, x := range orders {
		contact(x.Group).Orders = x.Orders
	}
	if r.By == localdb.ByReason {
		// Orders have no reason: every reason group is over all orders.
		all := 0
		if c, ok := contacts["all"]; ok {
			all = c.Orders
			delete(contacts, "all")
		}
		one := &ContactRate{Group: "all", Orders: all, Reasons: zeroReasons()}
		for _, x := range reasons {
			one.Reasons[x.Reason] += x.Contacts
		}
		contacts = map[string]*ContactRate{"all": one}
	}
	for _, c := range contacts {
		if c.Orders > 0 {
			c.Per100 = map[string]float64{}
			for k, v := range c.Reasons {
				c.Per100[k] = float64(v) * 100 / float64(c.Orders)
			}
		}
	}
	for _, x := range delivery {
		g := get(x.Group)
		if x.TransitValues > 0 {
			g.TransitP50, g.TransitP90 = ptr(x.TransitP50Hours), ptr(x.TransitP90Hours)
		}
		if x.Estimated > 0 {
			g.OnTimeRate = ptr(x.OnTimeRate)
		}
		if x.Parcels > 0 {
			g.LostPer1000, g.DamagedPer1000 = ptr(x.LostPer1000), ptr(x.DamagedPer1000)
		}
	}
	for _, g := range byName {
		g.Delivery = hasDelivery(r.By)
	}
	r.Groups = make([]Group, 0, len(byName))
	for _, name := range sortedKeys(byName) {
		r.Groups = append(r.Groups, *byName[name])
	}
	r.Contacts = make([]ContactRate, 0, len(contacts))
	for _, name := range sortedKeys(contacts) {
		r.Contacts = append(r.Contacts, *contacts[name])
	}
	if r.Replies == nil {
		r.Replies = []RepliesPerThread{}
	}
}

func ptr(v float64) *float64 { return &v }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// zeroReasons is every reason of the fixed list at zero.
func zeroReasons() map[string]int {
	out := make(map[string]int, len(messages.Reasons))
	for _, r := range messages.Reasons {
		out[r] = 0
	}
	return out
}
