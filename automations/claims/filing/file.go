package filing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/gofrs/flock"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// FilingPoints names, in order, the points a filing passes, for
// Deps.Checkpoint. Not every filing passes every point: a claim found on the
// portal is adopted without the form's points.
var FilingPoints = []string{
	"lock.taken",
	"intent.before",
	"intent.written",
	"intent.recovered",
	"claim.filing",
	"portal.ready",
	"portal.searched",
	"intent.in_flight",
	"form.opened",
	"form.parcel.filled",
	"form.parcel.sent",
	"form.details.filled",
	"form.details.sent",
	"form.photos.set",
	"form.invoice.set",
	"form.documents.sent",
	"form.confirm.open",
	"form.submitted",
	"confirmation.shown",
	"confirmation.read",
	"claim.recorded",
	"intent.done",
}

// ErrBusy is returned when another process is filing the same claim.
var ErrBusy = errors.New("claim is being filed by another sellerops process")

// Progress is one step of a filing, for a progress line.
type Progress struct {
	ClaimID int64  `json:"claim_id"`
	Step    string `json:"step"`
	Message string `json:"message"`
}

// Result is how a filing ended.
type Result struct {
	ClaimID      int64  `json:"claim_id"`
	Confirmation string `json:"confirmation_number"`
	// Adopted is true when the portal already listed a claim for the parcel
	// (filed by a run that crashed, or by hand), whose number was taken
	// instead of filing again.
	Adopted bool `json:"adopted"`
	// AlreadyFiled is true when the database already knew the number.
	AlreadyFiled bool `json:"already_filed"`
	Attempts     int  `json:"attempts"`
}

// IdempotencyKey is the outbox key of a claim's filing: one per claim.
func IdempotencyKey(c localdb.Claim, courier, tracking string) string {
	return fmt.Sprintf("claim-%d-%s-%s-%s", c.ID, courier, tracking, c.Kind)
}

// outboxPayload is what the intent records about the filing.
type outboxPayload struct {
	ClaimID  int64  `json:"claim_id"`
	Courier  string `json:"courier"`
	Tracking string `json:"tracking_number"`
	Kind     string `json:"kind"`
	Amount   int64  `json:"amount"`
	Currency string `json:"currency"`
}

// outboxResult is what a done intent records.
type outboxResult struct {
	Confirmation string `json:"confirmation_number"`
	Adopted      bool   `json:"adopted"`
}

// Filer files claims one after another, keeping one logged-in portal page
// per carrier between claims. Close it when done.
type Filer struct {
	deps Deps
	ss   *sessions
}

// NewFiler returns a Filer. With fresh set, every claim gets a new isolated
// browser context and logs in anew (slower; the benchmark's baseline).
func NewFiler(deps Deps, fresh bool) *Filer {
	f := &Filer{deps: deps}
	f.ss = &sessions{deps: &f.deps, fresh: fresh}
	return f
}

// Close gives back the pages the Filer holds.
func (f *Filer) Close() error { return f.ss.closeAll() }

// File files one claim, as File does.
func File(ctx context.Context, deps Deps, claimID int64, progress func(Progress)) error {
	f := NewFiler(deps, false)
	defer f.Close()
	_, err := f.File(ctx, claimID, progress)
	return err
}

// File files a claim through the carrier's portal exactly once, whatever
// crashed before: it takes the claim's lock, writes the outbox intent,
// searches the portal for the parcel before any submission (adopting a
// claim found there), fills in the form, and records the confirmation
// number in the claim and the outbox. A claim whose number is known
// returns at once with AlreadyFiled.
func (f *Filer) File(ctx context.Context, claimID int64, progress func(Progress)) (Result, error) {
	deps := &f.deps
	if err := deps.Check(); err != nil {
		return Result{}, err
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, fileBudget)
		defer cancel()
	}
	say := func(step, format string, args ...any) {
		if progress != nil {
			progress(Progress{ClaimID: claimID, Step: step, Message: fmt.Sprintf(format, args...)})
		}
	}
	db := deps.DB
	res := Result{ClaimID: claimID}
	c, err := db.GetClaim(ctx, claimID)
	if err != nil {
		return res, fmt.Errorf("%w; list claims with `sellerops claims list`", err)
	}
	if c.State == localdb.ClaimCancelled {
		return res, fmt.Errorf("claim %d is cancelled; draft a new one: %w", c.ID, localdb.ErrConflict)
	}
	ship, err := db.GetShipment(ctx, c.ShipmentID)
	if err != nil {
		return res, err
	}
	// A claim that lacks what the form needs is refused before anything is
	// written: no intent, no state change. One left in filing by an earlier
	// version goes back to draft when nothing of it reached the portal.
	if c.ConfirmationNumber == "" && (c.State == localdb.ClaimDraft || c.State == localdb.ClaimFiling) {
		if _, err := claims.CheckReady(ctx, db, c); err != nil {
			return res, f.unready(ctx, c, err)
		}
	}

	unlock, err := lockClaim(deps, c.ID)
	if err != nil {
		return res, err
	}
	defer unlock()
	deps.checkpoint("lock.taken")

	deps.checkpoint("intent.before")
	payload, _ := json.Marshal(outboxPayload{ClaimID: c.ID, Courier: ship.Courier, Tracking: ship.TrackingNumber,
		Kind: string(c.Kind), Amount: c.Amount, Currency: c.Currency})
	entry, _, err := db.WriteIntent(ctx, localdb.Intent{Key: IdempotencyKey(c, ship.Courier, ship.TrackingNumber),
		Kind: localdb.OutboxClaim, Target: "claim:" + strconv.FormatInt(c.ID, 10), Payload: payload})
	if err != nil {
		return res, err
	}
	deps.checkpoint("intent.written")

	// Re-read: the claim may have moved while the lock was awaited.
	if c, err = db.GetClaim(ctx, claimID); err != nil {
		return res, err
	}
	if c.ConfirmationNumber != "" {
		if entry.State != localdb.OutboxDone {
			r, _ := json.Marshal(outboxResult{Confirmation: c.ConfirmationNumber})
			if _, err := db.MarkDone(ctx, entry.ID, r); err != nil {
				return res, err
			}
		}
		res.Confirmation, res.AlreadyFiled = c.ConfirmationNumber, true
		say("done", "claim %d was already filed as %s", c.ID, c.ConfirmationNumber)
		return res, nil
	}
	if entry.State == localdb.OutboxDone {
		var r outboxResult
		if err := json.Unmarshal(entry.Result, &r); err == nil && r.Confirmation != "" {
			return f.record(ctx, c, entry, r.Confirmation, r.Adopted, res, say)
		}
		return res, fmt.Errorf("claim %d: its filing is marked done without a confirmation number; check the portal and record it: %w", c.ID, localdb.ErrConflict)
	}
	if entry.State == localdb.OutboxInFlight {
		// The lock is ours, so the process that set it in flight is gone:
		// whether it submitted is unknown until the portal is searched.
		if entry, err = db.MarkNeedsCheck(ctx, entry.ID, "interrupted"); err != nil {
			return res, err
		}
		say("recover", "claim %d: an earlier run stopped mid-way; the portal will be searched before anything is sent", c.ID)
		deps.checkpoint("intent.recovered")
	}
	// Checked again under the lock: an edit may have landed meanwhile. The
	// state moves to filing only once the form is known to be complete.
	form, err := formOf(ctx, db, c, ship)
	if err != nil {
		return res, f.unready(ctx, c, err)
	}
	if c.State == localdb.ClaimDraft {
		if c, err = db.SetClaimState(ctx, c.ID, localdb.ClaimFiling); err != nil {
			return res, err
		}
	}
	deps.checkpoint("claim.filing")
	policy := deps.retry()
	attempts := max(policy.Attempts, 1)
	var lastErr error
	for try := 1; try <= attempts; try++ {
		res.Attempts = try
		if err := ctx.Err(); err != nil {
			break
		}
		var adopted bool
		var number string
		number, adopted, lastErr = f.attempt(ctx, c, ship, &entry, form, say)
		if lastErr == nil {
			return f.record(ctx, c, entry, number, adopted, res, say)
		}
		class := automations.Classify(lastErr)
		retry := (class.Retryable() || class == automations.LoggedOut) && !errors.Is(lastErr, automations.ErrNoBrowser)
		if !retry || try == attempts {
			break
		}
		wait := policy.Backoff(try)
		say("retry", "claim %d: %s; trying again in %s", c.ID, class, wait.Round(time.Millisecond))
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	if lastErr == nil {
		lastErr = ctx.Err()
	}
	// Nothing reached the portal: the draft can be edited again.
	if cur, err := db.GetIntentByID(context.WithoutCancel(ctx), entry.ID); err == nil && cur.State == localdb.OutboxFailed {
		_, _ = db.SetClaimState(context.WithoutCancel(ctx), c.ID, localdb.ClaimDraft)
	}
	return res, fmt.Errorf("file claim %d (%s %s): %w", c.ID, ship.Courier, ship.TrackingNumber, lastErr)
}

// attempt is one try: search the portal, then file when nothing is found.
func (f *Filer) attempt(ctx context.Context, c localdb.Claim, ship localdb.Shipment, entry *localdb.OutboxEntry,
	form claimForm, say func(step, format string, args ...any)) (string, bool, error) {
	deps := &f.deps
	db := deps.DB
	s, err := f.ss.get(ctx, ship.Courier)
	if err != nil {
		return "", false, err
	}
	broken := true
	defer func() { f.ss.done(s, broken) }()
	deps.checkpoint("portal.ready")
	say("search", "claim %d: searching the %s portal for %s", c.ID, ship.Courier, ship.TrackingNumber)
	found, ok, err := s.find(ctx, ship.TrackingNumber, c.Kind)
	if err != nil {
		return "", false, err
	}
	deps.checkpoint("portal.searched")
	if ok {
		broken = false
		say("adopt", "claim %d: the portal already lists claim %s for %s; taking its number", c.ID, found.Number, ship.TrackingNumber)
		return found.Number, true, nil
	}
	e, err := db.MarkInFlight(ctx, entry.ID)
	if err != nil {
		return "", false, err
	}
	*entry = e
	deps.checkpoint("intent.in_flight")
	say("form", "claim %d: filling in the %s claim form", c.ID, ship.Courier)
	number, submitted, err := s.file(ctx, form, deps.checkpoint)
	if err != nil {
		bg := context.WithoutCancel(ctx)
		class := string(automations.Classify(err))
		if submitted {
			if e, merr := db.MarkNeedsCheck(bg, entry.ID, class); merr == nil {
				*entry = e
			}
		} else if e, merr := db.MarkFailed(bg, entry.ID, class); merr == nil {
			*entry = e
		}
		return "", false, err
	}
	deps.checkpoint("confirmation.read")
	broken = false
	return number, false, nil
}

// record stores the confirmation in the claim, then completes the intent.
func (f *Filer) record(ctx context.Context, c localdb.Claim, entry localdb.OutboxEntry, number string, adopted bool,
	res Result, say func(step, format string, args ...any)) (Result, error) {
	deps := &f.deps
	// The portal has the claim: nothing may stop the recording now.
	bg := context.WithoutCancel(ctx)
	if _, err := deps.DB.RecordClaimFiled(bg, c.ID, number, deps.Clock().UTC()); err != nil {
		return res, fmt.Errorf("claim %d was filed as %s but recording it failed: %w; record it by hand", c.ID, number, err)
	}
	deps.checkpoint("claim.recorded")
	r, _ := json.Marshal(outboxResult{Confirmation: number, Adopted: adopted})
	if _, err := deps.DB.MarkDone(bg, entry.ID, r); err != nil {
		return res, err
	}
	deps.checkpoint("intent.done")
	res.Confirmation, res.Adopted = number, adopted
	verb := "filed"
	if adopted {
		verb = "adopted"
	}
	say("done", "claim %d %s: confirmation %s", c.ID, verb, number)
	deps.Log().Info("claim filed", "claim", c.ID, "confirmation", number, "adopted", adopted)
	return res, nil
}

// formOf gathers what the portal's form needs from the claim, refusing a
// claim that lacks any of it (claims.CheckReady).
func formOf(ctx context.Context, db *localdb.DB, c localdb.Claim, ship localdb.Shipment) (claimForm, error) {
	r, err := claims.CheckReady(ctx, db, c)
	if err != nil {
		return claimForm{}, err
	}
	return claimForm{Tracking: ship.TrackingNumber, Kind: c.Kind, Amount: money.FormatDecimal(c.Amount, c.Currency),
		Currency: c.Currency, Description: c.Description, Photos: r.Photos, Invoice: r.Invoice}, nil
}

// unready handles a claim that failed claims.CheckReady: it stays (or goes
// back to) a draft when none of it can have reached the portal
// (ReturnToDraft); one whose intent went in flight is left for Reset.
func (f *Filer) unready(ctx context.Context, c localdb.Claim, cause error) error {
	if c.State != localdb.ClaimFiling {
		return cause
	}
	if _, err := ReturnToDraft(context.WithoutCancel(ctx), f.deps.DB, c.ID); err != nil {
		return fmt.Errorf("%w; %w", cause, err)
	}
	f.deps.Log().Info("claim returned to draft: not ready to file", "claim", c.ID)
	return cause
}

// lockClaim takes the claim's file lock, so that two processes never file
// one claim at the same time. The operating system drops the lock of a
// process that dies, which is how a later run knows that an intent left in
// flight has nobody working on it.
func lockClaim(deps *Deps, claimID int64) (func(), error) {
	dir := filepath.Join(deps.EvidenceRoot(), "locks")
	if err := localdb.EnsurePrivateDir(deps.EvidenceRoot()); err != nil {
		return nil, err
	}
	if err := localdb.EnsurePrivateDir(dir); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(dir, fmt.Sprintf("claim-%d.lock", claimID)), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock claim %d: %w", claimID, err)
	}
	if !ok {
		return nil, fmt.Errorf("claim %d: %w; wait for it to finish", claimID, ErrBusy)
	}
	return func() { _ = l.Unlock() }, nil
}
