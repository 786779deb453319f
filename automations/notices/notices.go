// Package notices holds the rule of proactive delay notices, without the
// browser: when a parcel stalls, passes its estimated delivery, or the
// carrier reports an exception, and the buyer has not written about it, the
// product proposes a notice to the buyer in the buyer's language, the
// built-in `delay` template filled from the parcel.
//
// The stall and estimate tests are the config's stall rule (package
// shipments, applied by localdb.StallRule), the exception is the parcel's
// taxonomy tag (package carriers), and what the buyer wrote about is read
// with the contact reasons of package messages: each rule has one place.
//
// Notices wait for a person (`sellerops notices list|send|skip`); the
// overnight run sends them only with proactive.auto_send. Sending goes
// through the outbox under the key parcel + event (see Send), so a notice
// is never sent twice whatever crashes.
package notices

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// TemplateName is the template a notice is written with.
const TemplateName = "delay"

// Proposal states.
const (
	// StateProposed: nobody has decided yet.
	StateProposed = "proposed"
	// StateSending: sending began and did not finish (a crash, a failure);
	// sending again first looks on the site (see Send).
	StateSending = "sending"
)

// Proposal is one notice the product proposes, for one parcel and event.
type Proposal struct {
	Key                string              `json:"key"`
	State              string              `json:"state"`
	ShipmentID         int64               `json:"shipment_id"`
	Courier            string              `json:"courier"`
	TrackingNumber     string              `json:"tracking_number"`
	Tag                string              `json:"tag"`
	Subtag             string              `json:"subtag,omitempty"`
	OrderID            int64               `json:"order_id"`
	MarketplaceOrderID string              `json:"marketplace_order_id"`
	Buyer              string              `json:"buyer"`
	StoreID            int64               `json:"store_id"`
	Store              string              `json:"store"`
	Marketplace        string              `json:"marketplace"`
	Event              localdb.NoticeEvent `json:"event"`
	Since              time.Time           `json:"since"`
	Why                string              `json:"why"`
	Language           string              `json:"language"`
	LanguageBasis      string              `json:"language_basis"`
	// ThreadID is the order's newest local thread, 0 when the buyer never
	// wrote about the order; a site without an order contact form reaches
	// the buyer there.
	ThreadID int64  `json:"thread_id,omitempty"`
	Body     string `json:"body,omitempty"`
	// Problem says why the notice cannot be written (a value the template
	// needs is missing); such a proposal is never sent.
	Problem string `json:"problem,omitempty"`
}

// Key is the idempotency key of the notice of one parcel's event: the
// parcel, the kind of event and when the event began. The same event seen
// again gives the same key; a parcel that moves and stalls again has a new
// event.
func Key(shipmentID int64, event localdb.NoticeEvent, since time.Time) string {
	return fmt.Sprintf("notice-%d-%s-%d", shipmentID, event, since.Unix())
}

// Deps is what the rule reads.
type Deps struct {
	DB        *localdb.DB
	Config    *config.Config
	Templates map[string]messages.Template // messages.LoadTemplates; nil means the built-ins
}

func (d Deps) templates() (map[string]messages.Template, error) {
	if d.Templates != nil {
		return d.Templates, nil
	}
	return messages.LoadTemplates("")
}

// event is what happened to one parcel, by the rule.
type event struct {
	kind  localdb.NoticeEvent
	since time.Time
	why   string
}

// EventOf returns the event a parcel's notice is about at now, if any, by
// priority: a carrier exception, then passing the estimated delivery, then
// no new scan (the two tests of the config's stall rule). events are the
// parcel's scans, newest first. A delivered or returned parcel, and one
// never looked up, has none: the buyer is told only what the carrier says.
func EventOf(rule localdb.StallRule, s localdb.Shipment, events []localdb.TrackingEvent, now time.Time) (localdb.NoticeEvent, time.Time, string, bool) {
	e, ok := eventOf(rule, s, events, now)
	return e.kind, e.since, e.why, ok
}

func eventOf(rule localdb.StallRule, s localdb.Shipment, events []localdb.TrackingEvent, now time.Time) (event, bool) {
	if s.CheckedAt.IsZero() || s.Tag == "" || s.Tag == localdb.TagDelivered || s.Subtag == localdb.SubtagReturned {
		return event{}, false
	}
	if s.Tag == string(carriers.Exception) {
		since := s.LastEventAt
		for _, e := range events {
			if e.Tag != string(carriers.Exception) {
				break
			}
			since = e.Time // the first scan of the exception now in force
		}
		if since.IsZero() {
			since = s.CheckedAt
		}
		why := "the carrier reports an exception"
		if s.Subtag != "" {
			why += " (" + s.Subtag + ")"
		}
		return event{localdb.NoticeException, since, why}, true
	}
	p := rule.Parts(s, now)
	if p.PastETA {
		return event{localdb.NoticePastETA, s.EstimatedDelivery, "past the estimated delivery of " + s.EstimatedDelivery.Format("2006-01-02")}, true
	}
	if p.NoEvent {
		return event{localdb.NoticeStalled, p.IdleSince, "no new scan since " + p.IdleSince.Format("2006-01-02 15:04") + " UTC"}, true
	}
	return event{}, false
}

// BuyerWrote says whether the buyer's messages on an order already cover
// the event that began at since: any buyer message since then, or a
// where-is-my-order or damage contact at any time (messages.ClassifyReason),
// which the reply to that message answers. It returns why.
func BuyerWrote(msgs []localdb.OrderMessage, since time.Time) (string, bool) {
	for _, m := range msgs {
		if !m.SentAt.Before(since) {
			return fmt.Sprintf("the buyer wrote on %s, after the event began", m.SentAt.Format("2006-01-02")), true
		}
		switch r := messages.ClassifyReason(m.Body); r.Reason {
		case messages.ReasonWhereIsOrder, messages.ReasonDamaged:
			return fmt.Sprintf("the buyer already wrote about it on %s (%s: %q)", m.SentAt.Format("2006-01-02"), r.Reason, r.Phrase), true
		}
	}
	return "", false
}

// Language picks the language a notice is written in: the language of the
// buyer's newest message on the order, else the main language of the
// order's destination country, else the store site's, else English. It
// returns the code and the basis.
func Language(msgs []localdb.OrderMessage, o localdb.Order, st localdb.Store) (string, string) {
	for i := len(msgs) - 1; i >= 0; i-- {
		if l := msgs[i].Language; l != "" && l != messages.Undetermined {
			return l, "the buyer's messages"
		}
	}
	if l := messages.CountryLanguage(o.DestinationCountry); l != "" {
		return l, "the destination country " + strings.ToUpper(o.DestinationCountry)
	}
	if l := messages.LocalePrior(st.BaseURL); l != "" {
		return l, "the store's site"
	}
	return "en", "no language known; English"
}

// Propose returns the notices the product proposes at now, oldest event
// first, and the unfinished ones (StateSending), which Send finishes.
func Propose(ctx context.Context, deps Deps, now time.Time) ([]Proposal, error) {
	db := deps.DB
	if db == nil {
		return nil, errors.New("notices: no database")
	}
	tpls, err := deps.templates()
	if err != nil {
		return nil, err
	}
	tpl, ok := tpls[TemplateName]
	if !ok {
		return nil, fmt.Errorf("notices: no %q template", TemplateName)
	}
	rule := shipments.StallRule(deps.Config)
	ships, err := db.ListShipments(ctx, localdb.ShipmentFilter{Open: true})
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	events, err := db.EventsByShipment(ctx)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	orders, err := db.ListOrders(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	byID := map[int64]localdb.Order{}
	for _, o := range orders {
		byID[o.ID] = o
	}
	stores, err := db.ListStores(ctx)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	storeByID := map[int64]localdb.Store{}
	for _, st := range stores {
		storeByID[st.ID] = st
	}
	msgs, err := db.InboundMessagesByOrder(ctx)
	if err != nil {
		return nil, fmt.Errorf("notices: %w", err)
	}
	decided, err := db.ListNotices(ctx)
	if err != nil {
		return nil, err
	}
	byKey := map[string]localdb.Notice{}
	lastDecision := map[int64]time.Time{}
	for _, n := range decided {
		byKey[n.Key] = n
		if n.CreatedAt.After(lastDecision[n.ShipmentID]) {
			lastDecision[n.ShipmentID] = n.CreatedAt
		}
	}
	out := []Proposal{}
	for _, s := range ships {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		o, ok := byID[s.OrderID]
		if !ok {
			continue // no order, no buyer to tell
		}
		st, ok := storeByID[o.StoreID]
		if !ok {
			continue // the store was removed
		}
		ev, ok := eventOf(rule, s, events[s.ID], now)
		if !ok {
			continue
		}
		key := Key(s.ID, ev.kind, ev.since)
		p := Proposal{Key: key, State: StateProposed, ShipmentID: s.ID, Courier: s.Courier, TrackingNumber: s.TrackingNumber,
			Tag: s.Tag, Subtag: s.Subtag, OrderID: o.ID, MarketplaceOrderID: o.MarketplaceOrderID, Buyer: o.BuyerName,
			StoreID: st.ID, Store: st.Name, Marketplace: st.Marketplace, Event: ev.kind, Since: ev.since, Why: ev.why}
		om := msgs[o.ID]
		if n := len(om); n > 0 {
			p.ThreadID = om[n-1].ThreadID
		}
		if n, ok := byKey[key]; ok {
			if n.State != localdb.NoticeSending {
				continue // sent or skipped: decided
			}
			// Unfinished: finish it with the text that was decided.
			p.State, p.Body, p.Language, p.LanguageBasis = StateSending, n.Body, n.Language, "as decided"
			out = append(out, p)
			continue
		}
		// One notice per delay: an event that began before the last
		// decision about this parcel was already told (or declined).
		if last, ok := lastDecision[s.ID]; ok && !ev.since.After(last) {
			continue
		}
		if _, wrote := BuyerWrote(om, ev.since); wrote {
			continue
		}
		p.Language, p.LanguageBasis = Language(om, o, st)
		values, why, err := messages.OrderValues(ctx, db, o.ID)
		if err != nil {
			return nil, fmt.Errorf("notices: order %s: %w", o.MarketplaceOrderID, err)
		}
		v := tpl.For(p.Language)
		body, err := v.Fill(values, why)
		var miss *messages.MissingValueError
		switch {
		case errors.As(err, &miss):
			p.Problem = miss.Error()
		case err != nil:
			return nil, err
		default:
			p.Body = body
			if v.Lang != "" {
				p.Language = v.Lang
			}
		}
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].Since.Equal(out[j].Since) {
			return out[i].Since.Before(out[j].Since)
		}
		return out[i].ShipmentID < out[j].ShipmentID
	})
	return out, nil
}
