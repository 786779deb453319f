package claims

import (
	"context"
	"encoding/csv"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// OpenStates are the states of a filed claim that may still change.
var OpenStates = []localdb.ClaimState{localdb.ClaimSubmitted, localdb.ClaimUnderReview, localdb.ClaimApproved}

// PortalState maps the portal's status words to claim states.
func PortalState(status string) (localdb.ClaimState, bool) {
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
		_ = cw.Write([]string{t.Courier, t.Currency, strconv.Itoa(t.Claims), money.FormatDecimal(t.Claimed, t.Currency),
			money.FormatDecimal(t.Paid, t.Currency), money.FormatDecimal(t.Denied, t.Currency), money.FormatDecimal(t.Pending, t.Currency)})
	}
	cw.Flush()
	return cw.Error()
}
