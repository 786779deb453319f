package claims

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// Window states of a candidate, as of the time Candidates was asked.
const (
	WindowNotYetOpen = "not_yet_open"
	WindowOpen       = "open"
	WindowClosed     = "closed"
)

// Candidate is a parcel that qualifies for a claim, with the window in which
// the carrier accepts it and the reasons it qualified.
type Candidate struct {
	ShipmentID     int64              `json:"shipment_id"`
	Courier        string             `json:"courier"`
	TrackingNumber string             `json:"tracking_number"`
	Service        string             `json:"service,omitempty"`
	OrderID        int64              `json:"order_id,omitempty"`
	ShipDate       time.Time          `json:"ship_date,omitzero"`
	Kind           localdb.ClaimKind  `json:"kind"`
	Reasons        []string           `json:"reasons"`
	Photos         int                `json:"photos"`
	Strong         bool               `json:"strong"` // the carrier confirms it, or the buyer sent photos
	DeclaredValue  int64              `json:"declared_value"`
	Currency       string             `json:"currency,omitempty"`
	Window         CandidateWindow    `json:"window"`
	ClaimID        int64              `json:"claim_id,omitempty"`
	ClaimState     localdb.ClaimState `json:"claim_state,omitempty"`
}

// CandidateWindow is when a claim may be filed and how long is left.
type CandidateWindow struct {
	Opens    time.Time `json:"opens,omitzero"`
	Closes   time.Time `json:"closes,omitzero"`
	DaysLeft int       `json:"days_left"`
	State    string    `json:"state"` // not_yet_open, open, closed; "" when no rule applies
	Rule     string    `json:"rule,omitempty"`
	Problem  string    `json:"problem,omitempty"` // why no window could be worked out
	// Scope is domestic or international, and ScopeBasis why (see
	// Lane.International).
	Scope      string `json:"scope,omitempty"`
	ScopeBasis string `json:"scope_basis,omitempty"`
}

// damageWords returns the config's damage words (claims.damage_keywords),
// which replace the built-in tables of messages.ReportsDamage, or nil for
// the built-in ones.
func damageWords(cfg *config.Config) []string {
	if cfg != nil && len(cfg.Claims.DamageKeywords) > 0 {
		return cfg.Claims.DamageKeywords
	}
	return nil
}

// claimRules builds the rules table with the config's overrides first.
func claimRules(cfg *config.Config) *carriers.ClaimRules {
	var over []carriers.Rule
	if cfg != nil {
		for _, o := range cfg.Claims.RuleOverrides {
			src := o.Source
			if src == "" {
				src = "config override"
			}
			over = append(over, carriers.Rule{Courier: o.Carrier, Service: o.Service, Kind: carriers.ClaimKind(o.Kind),
				Scope: carriers.AnyScope, OpensAfterDays: o.OpensDay, ClosesAfterDays: o.ClosesDay, Source: src})
		}
	}
	return carriers.NewClaimRules(over)
}

// Lane is where a parcel went, as far as claim windows need it: the ISO
// 3166-1 alpha-2 countries of its order's origin and destination ("" when
// unknown) and the shipping service's name.
type Lane struct {
	Origin      string `json:"origin,omitempty"`
	Destination string `json:"destination,omitempty"`
	Service     string `json:"service,omitempty"`
}

// LaneOf is the lane of a parcel shipped with service for order o (nil
// when the parcel has no stored order).
func LaneOf(o *localdb.Order, service string) Lane {
	l := Lane{Service: service}
	if o != nil {
		l.Origin, l.Destination = strings.ToUpper(strings.TrimSpace(o.OriginCountry)), strings.ToUpper(strings.TrimSpace(o.DestinationCountry))
		if l.Service == "" {
			l.Service = o.Service
		}
	}
	return l
}

// International says whether the parcel crossed a border, and on what
// basis. The order's origin and destination countries decide when both
// are known: a parcel from US to US is domestic whatever its service is
// called ("UPS Worldwide Saver" is sold for domestic lanes too), and one
// from CN to DE is international even as "Ground". Only when a country is
// unknown does the service's name give a hint: carriers name their
// cross-border services so ("International", "Worldwide", "Global").
func (l Lane) International() (international bool, basis string) {
	if l.Origin != "" && l.Destination != "" {
		return l.Origin != l.Destination, "order ships from " + l.Origin + " to " + l.Destination
	}
	s := strings.ToLower(l.Service)
	for _, w := range []string{"international", "worldwide", "global"} {
		if strings.Contains(s, w) {
			return true, fmt.Sprintf("countries unknown; the service %q names a cross-border service", l.Service)
		}
	}
	if l.Service == "" {
		return false, "countries and service unknown; taken as domestic"
	}
	return false, fmt.Sprintf("countries unknown; the service %q names no cross-border service", l.Service)
}

// ClaimWindow works out the window of a claim of kind for a parcel on
// lane, as of now.
func ClaimWindow(cfg *config.Config, courier string, lane Lane, kind localdb.ClaimKind, shipDate, now time.Time) CandidateWindow {
	intl, basis := lane.International()
	scope := string(carriers.Domestic)
	if intl {
		scope = string(carriers.International)
	}
	opens, closes, rule, err := claimRules(cfg).Window(courier, lane.Service, carriers.ClaimKind(kind), shipDate, intl)
	if err != nil {
		return CandidateWindow{Problem: err.Error(), Scope: scope, ScopeBasis: basis}
	}
	w := CandidateWindow{Opens: opens, Closes: closes, Rule: rule.Source, Scope: scope, ScopeBasis: basis}
	switch {
	case now.Before(opens):
		w.State = WindowNotYetOpen
	case now.After(closes):
		w.State = WindowClosed
	default:
		w.State = WindowOpen
	}
	if !now.After(closes) {
		w.DaysLeft = int(math.Ceil(closes.Sub(now).Hours() / 24))
	}
	return w
}

// parcelFacts is what candidate finding needs about one parcel.
type parcelFacts struct {
	ship   localdb.Shipment
	events []localdb.TrackingEvent // newest first
	order  *localdb.Order
	msgs   []localdb.OrderMessage
}

// Candidates returns every parcel that qualifies for a lost or damaged
// claim, as of now, the window closing soonest first. A parcel is a lost
// candidate when the carrier says it is lost, or when it has stalled past
// its carrier's threshold; a damaged candidate when the carrier reports
// damage, or when the buyer's message reports it (stronger with photos).
func Candidates(ctx context.Context, deps Deps, now time.Time) ([]Candidate, error) {
	if err := deps.Check(); err != nil {
		return nil, err
	}
	cfg := deps.Conf()
	db := deps.DB
	ships, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		return nil, fmt.Errorf("claim candidates: %w", err)
	}
	orders, err := db.ListOrders(ctx, 0)
	if err != nil {
		return nil, fmt.Errorf("claim candidates: %w", err)
	}
	byID := map[int64]*localdb.Order{}
	byTracking := map[string]*localdb.Order{}
	for i := range orders {
		o := &orders[i]
		byID[o.ID] = o
		if o.TrackingNumber != "" {
			byTracking[o.TrackingNumber] = o
		}
	}
	msgs, err := db.InboundMessagesByOrder(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim candidates: %w", err)
	}
	claims, err := db.ListClaims(ctx, localdb.ClaimFilter{})
	if err != nil {
		return nil, fmt.Errorf("claim candidates: %w", err)
	}
	type key struct {
		ship int64
		kind localdb.ClaimKind
	}
	live := map[key]localdb.Claim{}
	for _, c := range claims {
		if c.State != localdb.ClaimCancelled {
			live[key{c.ShipmentID, c.Kind}] = c
		}
	}
	events, err := db.EventsByShipment(ctx)
	if err != nil {
		return nil, fmt.Errorf("claim candidates: %w", err)
	}
	words := damageWords(cfg)
	out := []Candidate{}
	for _, s := range ships {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		pf := parcelFacts{ship: s, events: events[s.ID]}
		if o, ok := byID[s.OrderID]; ok {
			pf.order = o
		} else if o, ok := byTracking[s.TrackingNumber]; ok {
			pf.order = o
		}
		if pf.order != nil {
			pf.msgs = msgs[pf.order.ID]
		}
		for _, c := range judge(pf, cfg, words, now) {
			if lc, ok := live[key{c.ShipmentID, c.Kind}]; ok {
				c.ClaimID, c.ClaimState = lc.ID, lc.State
			}
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i].Window, out[j].Window
		if a.Closes.IsZero() != b.Closes.IsZero() {
			return !a.Closes.IsZero()
		}
		if !a.Closes.Equal(b.Closes) {
			return a.Closes.Before(b.Closes)
		}
		return out[i].ShipmentID < out[j].ShipmentID
	})
	return out, nil
}

// shipDate is the parcel's ship date, else its order's, else its first scan.
func (pf parcelFacts) shipDate() time.Time {
	if !pf.ship.ShipDate.IsZero() {
		return pf.ship.ShipDate
	}
	if pf.order != nil && !pf.order.ShipDate.IsZero() {
		return pf.order.ShipDate
	}
	if n := len(pf.events); n > 0 {
		return pf.events[n-1].Time
	}
	return time.Time{}
}

// judge returns the claims a parcel qualifies for.
func judge(pf parcelFacts, cfg *config.Config, words []string, now time.Time) []Candidate {
	s := pf.ship
	var lost, damaged []string
	photos := 0
	strongLost, strongDamaged := false, false

	if s.Subtag == string(carriers.ExceptionLost) {
		lost = append(lost, "the carrier reports the parcel lost ("+string(carriers.ExceptionLost)+")")
		strongLost = true
	} else if s.Tag != string(carriers.Delivered) && s.Subtag != string(carriers.ExceptionReturned) {
		for _, e := range pf.events {
			if e.Subtag == string(carriers.ExceptionLost) {
				lost = append(lost, fmt.Sprintf("the carrier reported the parcel lost on %s", e.Time.Format("2006-01-02")))
				strongLost = true
				break
			}
		}
	}
	// A parcel the carrier delivered, or reported damaged, is not lost,
	// however long its history has been quiet since.
	arrived := s.Tag == string(carriers.Delivered) || s.Subtag == string(carriers.ExceptionDamaged)
	for _, e := range pf.events {
		arrived = arrived || e.Tag == string(carriers.Delivered) || e.Subtag == string(carriers.ExceptionDamaged)
	}
	if !strongLost && !arrived {
		if ok, why := stalled(pf, cfg, now); ok {
			lost = append(lost, "stalled: "+why)
		}
	}
	for _, e := range pf.events {
		if e.Subtag == string(carriers.ExceptionDamaged) {
			damaged = append(damaged, fmt.Sprintf("the carrier reported damage on %s (%s)", e.Time.Format("2006-01-02"), string(carriers.ExceptionDamaged)))
			strongDamaged = true
			break
		}
	}
	if len(damaged) == 0 && s.Subtag == string(carriers.ExceptionDamaged) {
		damaged = append(damaged, "the carrier reports damage ("+string(carriers.ExceptionDamaged)+")")
		strongDamaged = true
	}
	for _, m := range pf.msgs {
		kw, ok := messages.ReportsDamage(m.Body, words)
		if !ok {
			continue
		}
		n := len(m.Attachments)
		photos += n
		why := fmt.Sprintf("the buyer reported damage on %s (%q)", m.SentAt.Format("2006-01-02"), kw)
		if n > 0 {
			why += fmt.Sprintf(" with %d photo(s)", n)
			strongDamaged = true
		}
		damaged = append(damaged, why)
	}

	var out []Candidate
	base := Candidate{ShipmentID: s.ID, Courier: s.Courier, TrackingNumber: s.TrackingNumber, Service: s.Service,
		OrderID: s.OrderID, ShipDate: pf.shipDate()}
	if pf.order != nil {
		base.OrderID = pf.order.ID
		base.DeclaredValue = pf.order.DeclaredValue
		base.Currency = pf.order.Currency
		if base.Service == "" {
			base.Service = pf.order.Service
		}
	}
	add := func(kind localdb.ClaimKind, reasons []string, strong bool, photos int) {
		c := base
		c.Kind, c.Reasons, c.Strong, c.Photos = kind, reasons, strong, photos
		if c.ShipDate.IsZero() {
			c.Window = CandidateWindow{Problem: "the ship date is unknown; track the parcel or record its order's ship date"}
		} else {
			c.Window = ClaimWindow(cfg, s.Courier, LaneOf(pf.order, c.Service), kind, c.ShipDate, now)
		}
		out = append(out, c)
	}
	if len(lost) > 0 {
		add(localdb.ClaimLost, lost, strongLost, 0)
	}
	if len(damaged) > 0 {
		add(localdb.ClaimDamaged, damaged, strongDamaged, photos)
	}
	return out
}

// stalled applies the config's stall rule (package shipments) to the stored
// parcel; one never scanned counts from its ship date, or its order's.
func stalled(pf parcelFacts, cfg *config.Config, now time.Time) (bool, string) {
	ship := pf.ship
	if ship.ShipDate.IsZero() {
		ship.ShipDate = pf.shipDate()
	}
	ok, why, _ := shipments.StallRule(cfg).Check(ship, now)
	return ok, why
}

// FilterClosingWithin keeps the candidates whose window is open (or opens)
// and closes within d of now: the deadline alerts.
func FilterClosingWithin(cands []Candidate, now time.Time, d time.Duration) []Candidate {
	out := []Candidate{}
	for _, c := range cands {
		if c.Window.Closes.IsZero() || c.Window.State == WindowClosed {
			continue
		}
		if c.ClaimID != 0 && c.ClaimState != localdb.ClaimDraft {
			continue // already filed
		}
		if c.Window.Closes.Sub(now) <= d {
			out = append(out, c)
		}
	}
	return out
}

// Alerts returns the candidates whose window closes within the config's
// thresholds.claim_alert_days and that are not filed yet.
func Alerts(ctx context.Context, deps Deps, now time.Time) ([]Candidate, error) {
	cands, err := Candidates(ctx, deps, now)
	if err != nil {
		return nil, err
	}
	days := deps.Conf().Thresholds.ClaimAlertDays
	return FilterClosingWithin(cands, now, time.Duration(days)*24*time.Hour), nil
}
