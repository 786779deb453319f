package claims

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// openStates are the states of a filed claim that may still change.
var openStates = []localdb.ClaimState{localdb.ClaimSubmitted, localdb.ClaimUnderReview, localdb.ClaimApproved}

// portalState maps the portal's status words to claim states.
func portalState(status string) (localdb.ClaimState, bool) {
	switch strings.ToLower(strings.ReplaceAll(strings.TrimSpace(status), " ", "_")) {
	case "submitted", "received", "open":
		return localdb.ClaimSubmitted, true
	case "under_review", "in_review", "pending", "investigating":
		return localdb.ClaimUnderReview, true
	case "approved", "accepted":
		return localdb.ClaimApproved, true
	case "paid", "settled", "closed_paid":
		return localdb.ClaimPaid, true
	case "denied", "declined", "rejected":
		return localdb.ClaimDenied, true
	}
	return "", false
}

// StatusChange is one claim's status as synced from its portal.
type StatusChange struct {
	ClaimID            int64              `json:"claim_id"`
	Courier            string             `json:"courier"`
	TrackingNumber     string             `json:"tracking_number"`
	ConfirmationNumber string             `json:"confirmation_number"`
	From               localdb.ClaimState `json:"from"`
	To                 localdb.ClaimState `json:"to"`
	PaidAmount         int64              `json:"paid_amount"`
	Currency           string             `json:"currency"`
	Changed            bool               `json:"changed"`
	Error              string             `json:"error,omitempty"`
}

// SyncStatus reads the status and the amount paid of every filed claim that
// is not final (submitted, under review, approved) from its carrier's
// portal, one portal visit per carrier, and stores them. A claim the portal
// does not list, or a carrier whose portal fails, is reported in its
// StatusChange's Error and the others go on; the error returned is then
// non-nil too.
func SyncStatus(ctx context.Context, deps Deps, progress func(Progress)) ([]StatusChange, error) {
	if err := deps.check(); err != nil {
		return nil, err
	}
	db := deps.DB
	open, err := db.ListClaims(ctx, localdb.ClaimFilter{States: openStates})
	if err != nil {
		return nil, err
	}
	byCourier := map[string][]StatusChange{}
	var couriers []string
	currency := map[int64]string{}
	for _, c := range open {
		if c.ConfirmationNumber == "" {
			continue
		}
		s, err := db.GetShipment(ctx, c.ShipmentID)
		if err != nil {
			return nil, err
		}
		if _, ok := byCourier[s.Courier]; !ok {
			couriers = append(couriers, s.Courier)
		}
		currency[c.ID] = c.Currency
		byCourier[s.Courier] = append(byCourier[s.Courier], StatusChange{ClaimID: c.ID, Courier: s.Courier,
			TrackingNumber: s.TrackingNumber, ConfirmationNumber: c.ConfirmationNumber, From: c.State, To: c.State,
			PaidAmount: c.PaidAmount, Currency: c.Currency})
	}
	sort.Strings(couriers)
	ss := &sessions{deps: &deps}
	defer ss.closeAll()
	out := []StatusChange{}
	var errs []error
	for _, courier := range couriers {
		list := byCourier[courier]
		if progress != nil {
			progress(Progress{Step: "status", Message: fmt.Sprintf("reading %d claim(s) on the %s portal", len(list), courier)})
		}
		portal, err := func() ([]PortalClaim, error) {
			s, err := ss.get(ctx, courier)
			if err != nil {
				return nil, err
			}
			pcs, err := s.list(ctx, "")
			ss.done(s, err != nil)
			return pcs, err
		}()
		if err != nil {
			for i := range list {
				list[i].Error = err.Error()
			}
			out = append(out, list...)
			errs = append(errs, fmt.Errorf("%s claim portal: %w", courier, err))
			continue
		}
		byNum := map[string]PortalClaim{}
		for _, pc := range portal {
			byNum[pc.Number] = pc
		}
		for _, sc := range list {
			pc, ok := byNum[sc.ConfirmationNumber]
			if !ok {
				sc.Error = fmt.Sprintf("the %s portal does not list claim %s; check it by hand", courier, sc.ConfirmationNumber)
				errs = append(errs, errors.New(sc.Error))
				out = append(out, sc)
				continue
			}
			st, ok := portalState(pc.Status)
			if !ok {
				sc.Error = fmt.Sprintf("the %s portal shows status %q for claim %s, which sellerops does not know", courier, pc.Status, sc.ConfirmationNumber)
				errs = append(errs, errors.New(sc.Error))
				out = append(out, sc)
				continue
			}
			paid := ToMinor(pc.Paid, currency[sc.ClaimID])
			if st == sc.From && paid == sc.PaidAmount {
				out = append(out, sc)
				continue
			}
			c, err := db.RecordClaimStatus(ctx, sc.ClaimID, st, paid)
			if err != nil {
				sc.Error = err.Error()
				errs = append(errs, err)
				out = append(out, sc)
				continue
			}
			sc.To, sc.PaidAmount, sc.Changed = c.State, c.PaidAmount, true
			out = append(out, sc)
		}
	}
	return out, errors.Join(errs...)
}

// CarrierTotals is the money of one carrier's claims in one currency.
type CarrierTotals struct {
	Courier  string `json:"courier"`
	Currency string `json:"currency"`
	Claims   int    `json:"claims"`
	Claimed  int64  `json:"claimed"` // filed claims, minor units
	Paid     int64  `json:"paid"`
	Denied   int64  `json:"denied"`  // amount of denied claims
	Pending  int64  `json:"pending"` // amount of filed claims not yet paid or denied
}

// Totals sums filed claims per carrier and currency: money claimed, paid,
// denied and still pending. Drafts and cancelled claims do not count.
func Totals(ctx context.Context, db *localdb.DB) ([]CarrierTotals, error) {
	claims, err := db.ListClaims(ctx, localdb.ClaimFilter{})
	if err != nil {
		return nil, err
	}
	type key struct{ courier, currency string }
	sums := map[key]*CarrierTotals{}
	couriers := map[int64]string{}
	for _, c := range claims {
		switch c.State {
		case localdb.ClaimDraft, localdb.ClaimFiling, localdb.ClaimCancelled:
			continue
		}
		courier, ok := couriers[c.ShipmentID]
		if !ok {
			s, err := db.GetShipment(ctx, c.ShipmentID)
			if err != nil {
				return nil, err
			}
			courier = s.Courier
			couriers[c.ShipmentID] = courier
		}
		k := key{courier, strings.ToUpper(c.Currency)}
		t := sums[k]
		if t == nil {
			t = &CarrierTotals{Courier: k.courier, Currency: k.currency}
			sums[k] = t
		}
		t.Claims++
		t.Claimed += c.Amount
		t.Paid += c.PaidAmount
		switch c.State {
		case localdb.ClaimDenied:
			t.Denied += c.Amount
		case localdb.ClaimPaid:
		default:
			t.Pending += c.Amount
		}
	}
	out := make([]CarrierTotals, 0, len(sums))
	for _, t := range sums {
		out = append(out, *t)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Courier != out[j].Courier {
			return out[i].Courier < out[j].Courier
		}
		return out[i].Currency < out[j].Currency
	})
	return out, nil
}

// WriteTotalsCSV writes the totals as CSV with a header row; amounts are
// decimals in each row's currency.
func WriteTotalsCSV(w io.Writer, totals []CarrierTotals) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"carrier", "currency", "claims", "claimed", "paid", "denied", "pending"})
	for _, t := range totals {
		_ = cw.Write([]string{t.Courier, t.Currency, strconv.Itoa(t.Claims), FormatAmount(t.Claimed, t.Currency),
			FormatAmount(t.Paid, t.Currency), FormatAmount(t.Denied, t.Currency), FormatAmount(t.Pending, t.Currency)})
	}
	cw.Flush()
	return cw.Error()
}
