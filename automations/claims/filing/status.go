package filing

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
)

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
	if err := deps.Check(); err != nil {
		return nil, err
	}
	db := deps.DB
	open, err := db.ListClaims(ctx, localdb.ClaimFilter{States: claims.OpenStates})
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
			st, ok := claims.PortalState(pc.Status)
			if !ok {
				sc.Error = fmt.Sprintf("the %s portal shows status %q for claim %s, which sellerops does not know", courier, pc.Status, sc.ConfirmationNumber)
				errs = append(errs, errors.New(sc.Error))
				out = append(out, sc)
				continue
			}
			paid, err := pc.PaidIn(currency[sc.ClaimID])
			if err != nil {
				sc.Error = fmt.Sprintf("the %s portal shows claim %s as paid %q, which is not an amount in %s; check it by hand",
					courier, sc.ConfirmationNumber, pc.Paid, currency[sc.ClaimID])
				errs = append(errs, errors.New(sc.Error))
				out = append(out, sc)
				continue
			}
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
