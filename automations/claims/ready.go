package claims

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// ErrNotReady reports that a claim lacks something its portal form needs (an
// amount, an invoice, a photo for damage, a description, an evidence file
// that is still on disk). Such a claim stays a draft and is never sent.
var ErrNotReady = errors.New("claim is not ready to file")

// NotReadyError lists everything a claim lacks, each with the command that
// fixes it.
type NotReadyError struct {
	ClaimID int64
	Reasons []string
	// MissingFile is true when one of the reasons is an evidence file gone
	// from disk, as opposed to a field left empty.
	MissingFile bool
	// NoAmount is true when one of the reasons is the amount (none, or no
	// known currency).
	NoAmount bool
}

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("claim %d is not ready to file: %s", e.ClaimID, strings.Join(e.Reasons, "; "))
}

// Is makes errors.Is(err, ErrNotReady) true, and errors.Is(err,
// money.ErrBadAmount) too when the amount is one of the gaps.
func (e *NotReadyError) Is(target error) bool {
	return target == ErrNotReady || (e.NoAmount && target == money.ErrBadAmount)
}

// Ready is what a claim's portal form is filled in with: the evidence files
// sorted by the form field they go to.
type Ready struct {
	Photos  []string
	Invoice string
}

// CheckReady checks a claim against what the carriers' claim forms ask for,
// before anything about the claim changes: a positive amount, a description,
// an invoice showing the value, at least one photo for a damage claim (the
// claim portals refuse a form without them: the sandbox portal's step 2 and 3
// errors, after the carriers' claim pages, which ask for proof of value and,
// for damage, photos of the damage), and every evidence file still on disk. It returns the files for the form, or a *NotReadyError naming each
// gap and its fix. It is the one place this rule lives: filing, `claims show`
// and the unattended job all ask it.
func CheckReady(ctx context.Context, db *localdb.DB, c localdb.Claim) (Ready, error) {
	ev, err := db.ListClaimEvidence(ctx, c.ID)
	if err != nil {
		return Ready{}, fmt.Errorf("evidence of claim %d: %w", c.ID, err)
	}
	var r Ready
	nr := &NotReadyError{ClaimID: c.ID}
	gone := map[localdb.EvidenceKind]bool{}
	for _, e := range ev {
		if e.Path == "" {
			continue
		}
		if _, err := os.Stat(e.Path); err != nil {
			nr.MissingFile = true
			gone[e.Kind] = true
			nr.Reasons = append(nr.Reasons, fmt.Sprintf("evidence %d (%s) is missing from disk; remove it with `sellerops claims edit %d --remove-evidence %d`",
				e.ID, e.Path, c.ID, e.ID))
			continue
		}
		switch e.Kind {
		case localdb.EvidencePhoto:
			r.Photos = append(r.Photos, e.Path)
		case localdb.EvidenceInvoice:
			if r.Invoice == "" {
				r.Invoice = e.Path
			}
		}
	}
	if err := AmountProblem(c); err != nil {
		nr.NoAmount = true
		nr.Reasons = append(nr.Reasons, strings.TrimPrefix(err.Error(), money.ErrBadAmount.Error()+": "))
	}
	if r.Invoice == "" && !gone[localdb.EvidenceInvoice] {
		nr.Reasons = append(nr.Reasons, fmt.Sprintf("it has no invoice, which the portal requires; add one with `sellerops claims edit %d --add-evidence invoice.pdf`", c.ID))
	}
	if c.Kind == localdb.ClaimDamaged && len(r.Photos) == 0 && !gone[localdb.EvidencePhoto] {
		nr.Reasons = append(nr.Reasons, fmt.Sprintf("a damage claim needs a photo, which the portal requires; add one with `sellerops claims edit %d --add-evidence photo.jpg`", c.ID))
	}
	if strings.TrimSpace(c.Description) == "" {
		nr.Reasons = append(nr.Reasons, fmt.Sprintf("it has no description; set one with `sellerops claims edit %d --description TEXT`", c.ID))
	}
	if len(nr.Reasons) > 0 {
		return Ready{}, nr
	}
	return r, nil
}

// NotReadyReasons returns why a claim cannot be filed yet, or nil when it
// can (or when it is past drafting and the question no longer applies).
func NotReadyReasons(ctx context.Context, db *localdb.DB, c localdb.Claim) []string {
	if c.State != localdb.ClaimDraft && c.State != localdb.ClaimFiling {
		return nil
	}
	_, err := CheckReady(ctx, db, c)
	var nr *NotReadyError
	if errors.As(err, &nr) {
		return nr.Reasons
	}
	return nil
}
