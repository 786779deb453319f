package filing

import (
	"context"
	"errors"
	"fmt"

	"github.com/sellerops/sellerops/localdb"
)

// ResetResult is how a reset ended.
type ResetResult struct {
	ClaimID int64              `json:"claim_id"`
	State   localdb.ClaimState `json:"state"`
	// Searched is true when the portal was searched before the reset,
	// because an earlier filing may have reached it.
	Searched bool `json:"searched"`
	// Confirmation is set when the search found the claim on the portal: it
	// was recorded as filed instead of going back to draft.
	Confirmation string `json:"confirmation_number,omitempty"`
}

// errNeedsSearch says that a claim's filing may have reached the portal.
var errNeedsSearch = errors.New("an earlier filing may have reached the portal")

// ReturnToDraft moves a claim left in filing back to draft when none of it
// can have reached the portal: its intent is missing, pending (never sent)
// or failed before submission. It changes nothing for a draft, and gives
// ErrConflict (naming `sellerops claims reset`) for a claim whose intent went
// in flight, which only Reset may touch because it searches the portal.
func ReturnToDraft(ctx context.Context, db *localdb.DB, claimID int64) (localdb.Claim, error) {
	c, err := db.GetClaim(ctx, claimID)
	if err != nil {
		return c, err
	}
	if c.State != localdb.ClaimFiling {
		return c, nil
	}
	ship, err := db.GetShipment(ctx, c.ShipmentID)
	if err != nil {
		return c, err
	}
	e, err := db.GetIntent(ctx, IdempotencyKey(c, ship.Courier, ship.TrackingNumber))
	switch {
	case errors.Is(err, localdb.ErrNotFound), err == nil && (e.State == localdb.OutboxPending || e.State == localdb.OutboxFailed):
		return db.SetClaimState(ctx, c.ID, localdb.ClaimDraft)
	case err != nil:
		return c, err
	}
	return c, fmt.Errorf("claim %d is filing and %w (intent %s); run `sellerops claims reset %d`, which searches the portal first: %w",
		c.ID, errNeedsSearch, e.State, c.ID, localdb.ErrConflict)
}

// Reset returns a claim stuck in filing to draft, so that it can be edited
// and filed again, without ever filing it twice: when its intent may have
// reached the portal, the portal is searched first (under the claim's lock),
// and a claim found there is recorded as filed instead. A claim in any other
// state than filing or draft gives ErrConflict.
func (f *Filer) Reset(ctx context.Context, claimID int64) (ResetResult, error) {
	deps := &f.deps
	if err := deps.Check(); err != nil {
		return ResetResult{}, err
	}
	db := deps.DB
	res := ResetResult{ClaimID: claimID}
	c, err := db.GetClaim(ctx, claimID)
	if err != nil {
		return res, fmt.Errorf("%w; list claims with `sellerops claims list`", err)
	}
	switch c.State {
	case localdb.ClaimDraft:
		res.State = c.State
		return res, nil
	case localdb.ClaimFiling:
	default:
		return res, fmt.Errorf("claim %d is %s; only a claim stuck in filing can be reset: %w", c.ID, c.State, localdb.ErrConflict)
	}
	unlock, err := lockClaim(deps, c.ID)
	if err != nil {
		return res, err
	}
	defer unlock()
	c, err = ReturnToDraft(ctx, db, claimID)
	if err == nil {
		res.State = c.State
		return res, nil
	}
	if !errors.Is(err, errNeedsSearch) {
		return res, err
	}
	ship, err := db.GetShipment(ctx, c.ShipmentID)
	if err != nil {
		return res, err
	}
	entry, err := db.GetIntent(ctx, IdempotencyKey(c, ship.Courier, ship.TrackingNumber))
	if err != nil {
		return res, err
	}
	if entry.State == localdb.OutboxInFlight {
		// The lock is ours, so whoever set it in flight is gone.
		if entry, err = db.MarkNeedsCheck(ctx, entry.ID, "interrupted"); err != nil {
			return res, err
		}
	}
	s, err := f.ss.get(ctx, ship.Courier)
	if err != nil {
		return res, fmt.Errorf("claim %d: the %s portal must be searched before the claim is reset: %w", c.ID, ship.Courier, err)
	}
	found, ok, err := s.find(ctx, ship.TrackingNumber, c.Kind)
	f.ss.done(s, err != nil)
	if err != nil {
		return res, fmt.Errorf("claim %d: search the %s portal before reset: %w", c.ID, ship.Courier, err)
	}
	res.Searched = true
	if ok {
		r, err := f.record(ctx, c, entry, found.Number, true, Result{ClaimID: c.ID}, func(string, string, ...any) {})
		if err != nil {
			return res, err
		}
		res.State, res.Confirmation = localdb.ClaimSubmitted, r.Confirmation
		return res, nil
	}
	if _, err := db.MarkFailed(ctx, entry.ID, "reset"); err != nil {
		return res, err
	}
	if c, err = db.SetClaimState(ctx, c.ID, localdb.ClaimDraft); err != nil {
		return res, err
	}
	deps.Log().Info("claim reset to draft after a portal search", "claim", c.ID)
	res.State = c.State
	return res, nil
}
