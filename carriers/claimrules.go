package carriers

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// ClaimKind is what a claim is for.
type ClaimKind string

// Claim kinds.
const (
	ClaimLost    ClaimKind = "lost"
	ClaimDamaged ClaimKind = "damaged"
)

// Scope says whether a rule is for domestic or international shipments.
type Scope string

// Scopes.
const (
	AnyScope      Scope = ""
	Domestic      Scope = "domestic"
	International Scope = "international"
)

// Rule is one claim-filing window: a claim may be filed from OpensAfterDays
// to ClosesAfterDays (plus ClosesAfterMonths) counted from the ship date.
//
// Where a carrier counts from the delivery or scheduled delivery date, the
// rule counts from the ship date instead, which is never later: the window
// then closes early, never late.
type Rule struct {
	Courier string
	// Service, when set, limits the rule to services whose name contains it
	// (case-insensitive), e.g. "priority mail express".
	Service           string
	Kind              ClaimKind
	Scope             Scope
	OpensAfterDays    int
	ClosesAfterDays   int
	ClosesAfterMonths int
	Source            string // the public guide the rule comes from
}

// defaultClaimRules come from the carriers' public service guides; each
// entry names its source. Service-specific rules come before general ones.
var defaultClaimRules = []Rule{
	// USPS Domestic Mail Manual 609.4.1: lost articles no sooner than 15 days
	// from mailing (7 for Priority Mail Express) and no later than 60 days;
	// damage immediately, no later than 60 days from mailing.
	{Courier: "usps", Service: "priority mail express", Kind: ClaimLost, Scope: Domestic, OpensAfterDays: 7, ClosesAfterDays: 60,
		Source: "USPS DMM 609.4.1 (Priority Mail Express: lost from 7 days after mailing, up to 60 days)"},
	{Courier: "usps", Kind: ClaimLost, Scope: Domestic, OpensAfterDays: 15, ClosesAfterDays: 60,
		Source: "USPS DMM 609.4.1 (lost: from 15 days after mailing, up to 60 days)"},
	{Courier: "usps", Kind: ClaimDamaged, Scope: Domestic, OpensAfterDays: 0, ClosesAfterDays: 60,
		Source: "USPS DMM 609.4.1 (damage: immediately, up to 60 days from mailing)"},
	// International items: the UPU Convention accepts inquiries within six
	// months from the day after posting; USPS files claims through them.
	{Courier: "usps", Kind: ClaimLost, Scope: International, OpensAfterDays: 7, ClosesAfterMonths: 6,
		Source: "USPS IMM 920 / UPU Convention (inquiry within 6 months of posting)"},
	{Courier: "usps", Kind: ClaimDamaged, Scope: International, OpensAfterDays: 0, ClosesAfterMonths: 6,
		Source: "USPS IMM 920 / UPU Convention (inquiry within 6 months of posting)"},

	// UPS Terms and Conditions of Service, "Claims": notice of loss or
	// damage within 60 days of delivery (or of scheduled delivery, for loss).
	{Courier: "ups", Kind: ClaimLost, Scope: AnyScope, OpensAfterDays: 1, ClosesAfterDays: 60,
		Source: "UPS Terms and Conditions of Service, Claims (notice within 60 days)"},
	{Courier: "ups", Kind: ClaimDamaged, Scope: AnyScope, OpensAfterDays: 0, ClosesAfterDays: 60,
		Source: "UPS Terms and Conditions of Service, Claims (notice within 60 days)"},

	// FedEx Service Guide, "Claims for Loss, Damage or Delay": damage notice
	// within 60 days of delivery (US), 21 days for international (FedEx
	// International Conditions of Carriage); non-delivery within 9 months.
	{Courier: "fedex", Kind: ClaimDamaged, Scope: Domestic, OpensAfterDays: 0, ClosesAfterDays: 60,
		Source: "FedEx Service Guide, Claims (damage: 60 days, domestic)"},
	{Courier: "fedex", Kind: ClaimDamaged, Scope: International, OpensAfterDays: 0, ClosesAfterDays: 21,
		Source: "FedEx International Conditions of Carriage, Claims (damage: 21 days)"},
	{Courier: "fedex", Kind: ClaimLost, Scope: AnyScope, OpensAfterDays: 1, ClosesAfterMonths: 9,
		Source: "FedEx Service Guide, Claims (non-delivery: 9 months after shipment)"},

	// DHL Express Terms and Conditions of Carriage, "Claims": in writing
	// within 30 days from the date DHL accepted the shipment.
	{Courier: "dhl", Kind: ClaimLost, Scope: AnyScope, OpensAfterDays: 1, ClosesAfterDays: 30,
		Source: "DHL Express Terms and Conditions of Carriage, Claims (30 days from acceptance)"},
	{Courier: "dhl", Kind: ClaimDamaged, Scope: AnyScope, OpensAfterDays: 0, ClosesAfterDays: 30,
		Source: "DHL Express Terms and Conditions of Carriage, Claims (30 days from acceptance)"},
}

// DefaultClaimRules returns a copy of the built-in rules.
func DefaultClaimRules() []Rule {
	out := make([]Rule, len(defaultClaimRules))
	copy(out, defaultClaimRules)
	return out
}

// ClaimRules is a rules table: caller overrides (from config) first, then
// the defaults.
type ClaimRules struct {
	overrides []Rule
	defaults  []Rule
}

// NewClaimRules builds a table in which overrides win over the defaults.
func NewClaimRules(overrides []Rule) *ClaimRules {
	return &ClaimRules{overrides: append([]Rule(nil), overrides...), defaults: DefaultClaimRules()}
}

// ErrNoClaimRule is returned when no rule covers a claim.
var ErrNoClaimRule = errors.New("no claim rule")

// Window returns when a claim may be filed, using the built-in rules.
func Window(courier, service string, kind ClaimKind, shipDate time.Time, international bool) (opens, closes time.Time, rule Rule, err error) {
	return NewClaimRules(nil).Window(courier, service, kind, shipDate, international)
}

// Window returns the first and last day a claim may be filed: opens is the
// start of the first day, closes the end of the last (both in shipDate's
// location), and the rule that decided.
func (r *ClaimRules) Window(courier, service string, kind ClaimKind, shipDate time.Time, international bool) (opens, closes time.Time, rule Rule, err error) {
	if shipDate.IsZero() {
		return time.Time{}, time.Time{}, Rule{}, fmt.Errorf("claim window for %s %s claim: the ship date is unknown; record the date the parcel was mailed", courier, kind)
	}
	if kind != ClaimLost && kind != ClaimDamaged {
		return time.Time{}, time.Time{}, Rule{}, fmt.Errorf("claim kind %q is not known; use %q or %q", kind, ClaimLost, ClaimDamaged)
	}
	scope := Domestic
	if international {
		scope = International
	}
	rule, ok := pickRule(r.overrides, courier, service, kind, scope)
	if !ok {
		rule, ok = pickRule(r.defaults, courier, service, kind, scope)
	}
	if !ok {
		return time.Time{}, time.Time{}, Rule{}, fmt.Errorf("%w for courier %q, service %q, %s %s claims; add one to the claim rules in the config", ErrNoClaimRule, courier, service, scope, kind)
	}
	day := time.Date(shipDate.Year(), shipDate.Month(), shipDate.Day(), 0, 0, 0, 0, shipDate.Location())
	opens = day.AddDate(0, 0, rule.OpensAfterDays)
	last := day.AddDate(0, rule.ClosesAfterMonths, rule.ClosesAfterDays)
	closes = last.AddDate(0, 0, 1).Add(-time.Nanosecond)
	return opens, closes, rule, nil
}

// pickRule takes the most specific matching rule: a service-specific rule
// over a general one, an exact scope over AnyScope; ties go to the earlier.
func pickRule(rules []Rule, courier, service string, kind ClaimKind, scope Scope) (Rule, bool) {
	best, bestScore := Rule{}, -1
	svc := strings.ToLower(service)
	for _, r := range rules {
		if r.Courier != courier || r.Kind != kind {
			continue
		}
		if r.Scope != AnyScope && r.Scope != scope {
			continue
		}
		if r.Service != "" && !strings.Contains(svc, strings.ToLower(r.Service)) {
			continue
		}
		score := 0
		if r.Service != "" {
			score += 2
		}
		if r.Scope != AnyScope {
			score++
		}
		if score > bestScore {
			best, bestScore = r, score
		}
	}
	return best, bestScore >= 0
}

// Coverage is a carrier's default liability for a parcel with no declared
// value (or included insurance), in US cents; PerKg means per kilogram.
type Coverage struct {
	Courier  string
	Service  string // substring match, "" for any
	CapCents int64
	PerKg    bool
	Source   string
}

var defaultCoverage = []Coverage{
	{Courier: "ups", CapCents: 100_00, Source: "UPS Terms and Conditions of Service: liability limited to USD 100 per package unless a higher value is declared"},
	{Courier: "fedex", CapCents: 100_00, Source: "FedEx Service Guide: liability limited to USD 100 per package unless a higher value is declared"},
	{Courier: "usps", Service: "priority mail express", CapCents: 100_00, Source: "USPS DMM 503: Priority Mail Express includes insurance up to USD 100"},
	{Courier: "usps", Service: "priority mail", CapCents: 100_00, Source: "USPS DMM 503: Priority Mail includes insurance up to USD 100 for most items"},
	{Courier: "usps", Service: "ground advantage", CapCents: 100_00, Source: "USPS DMM 503: USPS Ground Advantage includes insurance up to USD 100"},
	{Courier: "dhl", CapCents: 25_00, PerKg: true, Source: "DHL Express Terms and Conditions of Carriage: liability limited to USD 25 per kilogram (road) unless Shipment Value Protection is bought"},
}

// DefaultCoverage returns the default coverage for a courier and service.
func DefaultCoverage(courier, service string) (Coverage, bool) {
	svc := strings.ToLower(service)
	var best Coverage
	found := false
	for _, c := range defaultCoverage {
		if c.Courier != courier || (c.Service != "" && !strings.Contains(svc, c.Service)) {
			continue
		}
		if !found || len(c.Service) > len(best.Service) {
			best, found = c, true
		}
	}
	return best, found
}

// StalledThreshold says when a parcel counts as stalled: no new event for
// NoEventDays, or PastEstimateDays past its estimated delivery.
type StalledThreshold struct {
	Courier          string
	NoEventDays      int
	PastEstimateDays int
}

// defaultStalled are starting points, overridable in config: express
// networks scan often, postal networks less so.
var defaultStalled = map[string]StalledThreshold{
	"ups":   {Courier: "ups", NoEventDays: 5, PastEstimateDays: 3},
	"fedex": {Courier: "fedex", NoEventDays: 5, PastEstimateDays: 3},
	"dhl":   {Courier: "dhl", NoEventDays: 7, PastEstimateDays: 5},
	"usps":  {Courier: "usps", NoEventDays: 7, PastEstimateDays: 5},
	"":      {NoEventDays: 10, PastEstimateDays: 7},
}

// DefaultStalledThreshold returns the default threshold for a courier, or
// the general one for couriers without their own.
func DefaultStalledThreshold(courier string) StalledThreshold {
	if t, ok := defaultStalled[courier]; ok {
		return t
	}
	t := defaultStalled[""]
	t.Courier = courier
	return t
}

// Stalled reports whether a shipment that is not finished (delivered, or
// returned to the sender) has stalled at now, and why.
func Stalled(s Shipment, now time.Time, th StalledThreshold) (bool, string) {
	if s.Tag == Delivered || s.Subtag == ExceptionReturned || !s.Found {
		return false, ""
	}
	if last, ok := s.LastEvent(); ok && th.NoEventDays > 0 {
		if d := now.Sub(last.Time); d >= time.Duration(th.NoEventDays)*24*time.Hour {
			return true, fmt.Sprintf("no new event for %d days (threshold %d)", int(d.Hours()/24), th.NoEventDays)
		}
	}
	if s.EstimatedDelivery != nil && th.PastEstimateDays > 0 {
		if d := now.Sub(*s.EstimatedDelivery); d >= time.Duration(th.PastEstimateDays)*24*time.Hour {
			return true, fmt.Sprintf("%d days past the estimated delivery (threshold %d)", int(d.Hours()/24), th.PastEstimateDays)
		}
	}
	return false, ""
}
