package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ClaimKind is what happened to the parcel.
type ClaimKind string

// Claim kinds.
const (
	ClaimLost    ClaimKind = "lost"
	ClaimDamaged ClaimKind = "damaged"
)

// ClaimState is where a claim stands, from draft to paid or denied.
type ClaimState string

// Claim states.
const (
	ClaimDraft       ClaimState = "draft"
	ClaimFiling      ClaimState = "filing" // the portal form is being filled in
	ClaimSubmitted   ClaimState = "submitted"
	ClaimUnderReview ClaimState = "under_review"
	ClaimApproved    ClaimState = "approved"
	ClaimPaid        ClaimState = "paid"
	ClaimDenied      ClaimState = "denied"
	ClaimCancelled   ClaimState = "cancelled"
)

var (
	claimKinds  = []ClaimKind{ClaimLost, ClaimDamaged}
	claimStates = []ClaimState{ClaimDraft, ClaimFiling, ClaimSubmitted, ClaimUnderReview, ClaimApproved,
		ClaimPaid, ClaimDenied, ClaimCancelled}
)

// claimMoves lists the states a claim may move to from each state. Staying
// in the same state is always allowed. Paid and cancelled are final; a
// denied claim may go back under review on appeal.
var claimMoves = map[ClaimState][]ClaimState{
	ClaimDraft:       {ClaimFiling, ClaimSubmitted, ClaimCancelled},
	ClaimFiling:      {ClaimDraft, ClaimSubmitted, ClaimCancelled},
	ClaimSubmitted:   {ClaimUnderReview, ClaimApproved, ClaimPaid, ClaimDenied},
	ClaimUnderReview: {ClaimApproved, ClaimPaid, ClaimDenied},
	ClaimApproved:    {ClaimPaid, ClaimDenied},
	ClaimDenied:      {ClaimUnderReview, ClaimApproved, ClaimPaid},
}

// CanMoveClaim reports whether a claim may go from one state to another.
func CanMoveClaim(from, to ClaimState) bool {
	if from == to {
		return true
	}
	for _, s := range claimMoves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// EvidenceKind is what a piece of claim evidence is.
type EvidenceKind string

// Evidence kinds.
const (
	EvidencePhoto            EvidenceKind = "photo"
	EvidenceInvoice          EvidenceKind = "invoice"
	EvidenceTrackingSnapshot EvidenceKind = "tracking_snapshot"
	EvidenceLabel            EvidenceKind = "label"
	EvidenceNote             EvidenceKind = "note"
)

var evidenceKinds = []EvidenceKind{EvidencePhoto, EvidenceInvoice, EvidenceTrackingSnapshot, EvidenceLabel, EvidenceNote}

// Claim is a claim against a carrier for one parcel.
type Claim struct {
	ID                 int64      `json:"id"`
	ShipmentID         int64      `json:"shipment_id"`
	Kind               ClaimKind  `json:"kind"`
	State              ClaimState `json:"state"`
	Amount             int64      `json:"amount"` // minor units
	Currency           string     `json:"currency"`
	Description        string     `json:"description"`
	WindowOpens        time.Time  `json:"window_opens,omitzero"`
	WindowCloses       time.Time  `json:"window_closes,omitzero"`
	Portal             string     `json:"portal,omitempty"`
	ConfirmationNumber string     `json:"confirmation_number,omitempty"`
	PaidAmount         int64      `json:"paid_amount"` // minor units
	FiledAt            time.Time  `json:"filed_at,omitzero"`
	StatusCheckedAt    time.Time  `json:"status_checked_at,omitzero"`
	CreatedAt          time.Time  `json:"created_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
}

// ClaimEvidence is one file or note attached to a claim.
type ClaimEvidence struct {
	ID        int64        `json:"id"`
	ClaimID   int64        `json:"claim_id"`
	Kind      EvidenceKind `json:"kind"`
	Path      string       `json:"path,omitempty"`
	Note      string       `json:"note,omitempty"`
	SHA256    string       `json:"sha256,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
}

const claimCols = `id, shipment_id, kind, state, amount, currency, description, window_opens, window_closes,
	portal, confirmation_number, paid_amount, filed_at, status_checked_at, created_at, updated_at`

func scanClaim(row interface{ Scan(...any) error }) (Claim, error) { return scanClaimWith(row) }

// scanClaimWith reads claimCols and then the extra columns a query selects
// after them into extra.
func scanClaimWith(row interface{ Scan(...any) error }, extra ...any) (Claim, error) {
	var c Claim
	var opens, closes, filed, checked sql.NullInt64
	var created, updated int64
	err := row.Scan(append([]any{&c.ID, &c.ShipmentID, &c.Kind, &c.State, &c.Amount, &c.Currency, &c.Description, &opens,
		&closes, &c.Portal, &c.ConfirmationNumber, &c.PaidAmount, &filed, &checked, &created, &updated}, extra...)...)
	if err != nil {
		return Claim{}, err
	}
	c.WindowOpens = fromMS(opens)
	c.WindowCloses = fromMS(closes)
	c.FiledAt = fromMS(filed)
	c.StatusCheckedAt = fromMS(checked)
	c.CreatedAt = time.UnixMilli(created).UTC()
	c.UpdatedAt = time.UnixMilli(updated).UTC()
	return c, nil
}

const evidenceCols = `id, claim_id, kind, path, note, sha256, created_at`

func scanEvidence(row interface{ Scan(...any) error }) (ClaimEvidence, error) {
	var e ClaimEvidence
	var created int64
	if err := row.Scan(&e.ID, &e.ClaimID, &e.Kind, &e.Path, &e.Note, &e.SHA256, &created); err != nil {
		return ClaimEvidence{}, err
	}
	e.CreatedAt = time.UnixMilli(created).UTC()
	return e, nil
}

func getClaim(ctx context.Context, q queryRower, id int64) (Claim, error) {
	c, err := scanClaim(q.QueryRowContext(ctx, `SELECT `+claimCols+` FROM claims WHERE id = ?`, id))
	if err != nil {
		return Claim{}, fmt.Errorf("claim id %d: %w", id, mapErr(err))
	}
	return c, nil
}

// CreateClaim stores a new claim (a draft unless State says otherwise). A
// parcel has at most one claim of each kind that is not cancelled: a second
// one gives ErrConflict naming the existing claim.
func (db *DB) CreateClaim(ctx context.Context, c Claim) (Claim, error) {
	if c.ShipmentID == 0 {
		return Claim{}, invalidf("claim needs a shipment id")
	}
	if err := oneOf("claim kind", c.Kind, claimKinds...); err != nil {
		return Claim{}, err
	}
	if c.State == "" {
		c.State = ClaimDraft
	}
	if err := oneOf("claim state", c.State, claimStates...); err != nil {
		return Claim{}, err
	}
	if c.Amount < 0 || c.PaidAmount < 0 {
		return Claim{}, invalidf("claim amounts must not be negative (amount %d, paid %d)", c.Amount, c.PaidAmount)
	}
	var out Claim
	err := db.tx(ctx, func(tx *sql.Tx) error {
		now := msNow(db.now())
		var err error
		out, err = scanClaim(tx.QueryRowContext(ctx, `INSERT INTO claims
			(shipment_id, kind, state, amount, currency, description, window_opens, window_closes, portal,
			 confirmation_number, paid_amount, filed_at, status_checked_at, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+claimCols,
			c.ShipmentID, c.Kind, c.State, c.Amount, c.Currency, c.Description, ms(c.WindowOpens),
			ms(c.WindowCloses), c.Portal, c.ConfirmationNumber, c.PaidAmount, ms(c.FiledAt),
			ms(c.StatusCheckedAt), now, now))
		return err
	})
	if errors.Is(err, ErrConflict) {
		if live, ferr := db.FindLiveClaim(ctx, c.ShipmentID, c.Kind); ferr == nil {
			return Claim{}, fmt.Errorf("shipment %d already has a %s claim (id %d, %s); edit that one or cancel it first: %w",
				c.ShipmentID, c.Kind, live.ID, live.State, err)
		}
		return Claim{}, fmt.Errorf("claim for shipment %d: %w; check that the shipment exists", c.ShipmentID, err)
	}
	return out, err
}

// GetClaim returns the claim with the given id.
func (db *DB) GetClaim(ctx context.Context, id int64) (Claim, error) {
	return getClaim(ctx, db.sql, id)
}

// FindLiveClaim returns the parcel's claim of that kind that is not
// cancelled, or ErrNotFound.
func (db *DB) FindLiveClaim(ctx context.Context, shipmentID int64, kind ClaimKind) (Claim, error) {
	c, err := scanClaim(db.sql.QueryRowContext(ctx, `SELECT `+claimCols+` FROM claims
		WHERE shipment_id = ? AND kind = ? AND state <> 'cancelled'`, shipmentID, kind))
	if err != nil {
		return Claim{}, fmt.Errorf("%s claim of shipment %d: %w", kind, shipmentID, mapErr(err))
	}
	return c, nil
}

// ClaimFilter selects claims, for ListClaims and PageClaims alike. Zero
// fields do not filter.
type ClaimFilter struct {
	ShipmentID int64
	Kind       ClaimKind
	States     []ClaimState
	// Search keeps claims whose parcel's tracking number starts with it.
	Search string
	Offset int
	Limit  int
}

// ListClaims returns the claims that pass f, the window closing soonest
// first. It is PageClaims' query without the count; f.Limit 0 means no cap.
func (db *DB) ListClaims(ctx context.Context, f ClaimFilter) ([]Claim, error) {
	p, err := db.queryClaims(ctx, f, false)
	if err != nil {
		return nil, err
	}
	out := make([]Claim, len(p.Rows))
	for i, r := range p.Rows {
		out[i] = r.Claim
	}
	return out, nil
}

// ClaimEdit holds the editable fields of a draft claim.
type ClaimEdit struct {
	Amount       int64
	Currency     string
	Description  string
	WindowOpens  time.Time
	WindowCloses time.Time
	Portal       string
}

// UpdateClaimDraft replaces the editable fields of a claim that is still a
// draft; a claim in any other state gives ErrConflict.
func (db *DB) UpdateClaimDraft(ctx context.Context, id int64, d ClaimEdit) (Claim, error) {
	if d.Amount < 0 {
		return Claim{}, invalidf("claim %d: amount %d is negative", id, d.Amount)
	}
	var out Claim
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c, err := getClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.State != ClaimDraft {
			return fmt.Errorf("claim %d is %s; only a draft can be edited: %w", id, c.State, ErrConflict)
		}
		out, err = scanClaim(tx.QueryRowContext(ctx, `UPDATE claims SET amount = ?, currency = ?, description = ?,
			window_opens = ?, window_closes = ?, portal = ?, updated_at = ? WHERE id = ? RETURNING `+claimCols,
			d.Amount, d.Currency, d.Description, ms(d.WindowOpens), ms(d.WindowCloses), d.Portal,
			msNow(db.now()), id))
		return err
	})
	return out, err
}

// SetClaimState moves a claim to another state, refusing moves that
// CanMoveClaim does not allow (ErrConflict).
func (db *DB) SetClaimState(ctx context.Context, id int64, state ClaimState) (Claim, error) {
	return db.updateClaim(ctx, id, state, func(tx *sql.Tx, c Claim, now int64) error {
		_, err := tx.ExecContext(ctx, `UPDATE claims SET state = ?,
			paid_at = CASE WHEN ? = 'paid' THEN coalesce(paid_at, ?) ELSE paid_at END,
			updated_at = ? WHERE id = ?`, state, state, now, now, id)
		return err
	})
}

// RecordClaimFiled stores the portal's confirmation number and moves the
// claim to submitted. Recording the same number again is a no-op; a
// different number for a claim that already has one gives ErrConflict.
func (db *DB) RecordClaimFiled(ctx context.Context, id int64, confirmation string, filedAt time.Time) (Claim, error) {
	if confirmation == "" {
		return Claim{}, invalidf("claim %d: empty confirmation number", id)
	}
	if filedAt.IsZero() {
		filedAt = db.now()
	}
	var out Claim
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c, err := getClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if c.ConfirmationNumber != "" {
			if c.ConfirmationNumber != confirmation {
				return fmt.Errorf("claim %d already has confirmation number %s, not %s; check the portal: %w",
					id, c.ConfirmationNumber, confirmation, ErrConflict)
			}
			out = c
			return nil
		}
		if !CanMoveClaim(c.State, ClaimSubmitted) {
			return fmt.Errorf("claim %d is %s and cannot be recorded as filed: %w", id, c.State, ErrConflict)
		}
		out, err = scanClaim(tx.QueryRowContext(ctx, `UPDATE claims SET state = 'submitted', confirmation_number = ?,
			filed_at = ?, updated_at = ? WHERE id = ? RETURNING `+claimCols,
			confirmation, ms(filedAt.UTC()), msNow(db.now()), id))
		return err
	})
	return out, err
}

// RecordClaimStatus stores a status read from the portal, the amount paid
// (minor units; ignored when negative) and the check time.
func (db *DB) RecordClaimStatus(ctx context.Context, id int64, state ClaimState, paidAmount int64) (Claim, error) {
	return db.updateClaim(ctx, id, state, func(tx *sql.Tx, c Claim, now int64) error {
		paid := c.PaidAmount
		if paidAmount >= 0 {
			paid = paidAmount
		}
		// paid_at keeps the first time the claim was seen paid.
		_, err := tx.ExecContext(ctx, `UPDATE claims SET state = ?, paid_amount = ?, status_checked_at = ?,
			paid_at = CASE WHEN ? = 'paid' THEN coalesce(paid_at, ?) ELSE paid_at END,
			updated_at = ? WHERE id = ?`, state, paid, now, state, now, now, id)
		return err
	})
}

func (db *DB) updateClaim(ctx context.Context, id int64, state ClaimState, apply func(*sql.Tx, Claim, int64) error) (Claim, error) {
	if err := oneOf("claim state", state, claimStates...); err != nil {
		return Claim{}, err
	}
	var out Claim
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c, err := getClaim(ctx, tx, id)
		if err != nil {
			return err
		}
		if !CanMoveClaim(c.State, state) {
			return fmt.Errorf("claim %d cannot move from %s to %s: %w", id, c.State, state, ErrConflict)
		}
		if err := apply(tx, c, msNow(db.now())); err != nil {
			return err
		}
		out, err = getClaim(ctx, tx, id)
		return err
	})
	return out, err
}

// AddClaimEvidence attaches evidence to a claim that is a draft or being
// filed.
func (db *DB) AddClaimEvidence(ctx context.Context, e ClaimEvidence) (ClaimEvidence, error) {
	if err := oneOf("evidence kind", e.Kind, evidenceKinds...); err != nil {
		return ClaimEvidence{}, err
	}
	if e.Path == "" && e.Note == "" {
		return ClaimEvidence{}, invalidf("evidence for claim %d needs a file path or a note", e.ClaimID)
	}
	var out ClaimEvidence
	err := db.tx(ctx, func(tx *sql.Tx) error {
		c, err := getClaim(ctx, tx, e.ClaimID)
		if err != nil {
			return err
		}
		if c.State != ClaimDraft && c.State != ClaimFiling {
			return fmt.Errorf("claim %d is %s; evidence can only change before filing: %w", c.ID, c.State, ErrConflict)
		}
		out, err = scanEvidence(tx.QueryRowContext(ctx, `INSERT INTO claim_evidence
			(claim_id, kind, path, note, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING `+evidenceCols,
			e.ClaimID, e.Kind, e.Path, e.Note, e.SHA256, msNow(db.now())))
		return err
	})
	return out, err
}

// ListClaimEvidence returns a claim's evidence in the order it was added.
func (db *DB) ListClaimEvidence(ctx context.Context, claimID int64) ([]ClaimEvidence, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+evidenceCols+` FROM claim_evidence WHERE claim_id = ? ORDER BY id`, claimID)
	if err != nil {
		return nil, mapErr(err)
	}
	return collect(rows, scanEvidence)
}

// RemoveClaimEvidence deletes one piece of evidence from a claim that is
// still a draft. The file it names is left on disk.
func (db *DB) RemoveClaimEvidence(ctx context.Context, evidenceID int64) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		var state ClaimState
		err := tx.QueryRowContext(ctx, `SELECT c.state FROM claim_evidence e JOIN claims c ON c.id = e.claim_id
			WHERE e.id = ?`, evidenceID).Scan(&state)
		if err != nil {
			return fmt.Errorf("evidence id %d: %w", evidenceID, mapErr(err))
		}
		if state != ClaimDraft {
			return fmt.Errorf("evidence id %d belongs to a %s claim; only a draft's evidence can be removed: %w", evidenceID, state, ErrConflict)
		}
		return execOne(ctx, tx, fmt.Sprintf("evidence id %d", evidenceID), `DELETE FROM claim_evidence WHERE id = ?`, evidenceID)
	})
}

// ClaimRow is a claim with the parcel it is about and how much evidence it
// holds.
type ClaimRow struct {
	Claim
	Courier        string `json:"courier"`
	TrackingNumber string `json:"tracking_number"`
	Evidence       int    `json:"evidence"`
}

// PageClaims returns one page of the claims that pass f (from f.Offset, at
// most f.Limit, capped at 1000) in ListClaims' order, with each claim's
// parcel and evidence count, and how many claims pass f.
func (db *DB) PageClaims(ctx context.Context, f ClaimFilter) (Page[ClaimRow], error) {
	return db.queryClaims(ctx, f, true)
}

// claimWhere turns f into conditions on claims c joined to shipments s.
func claimWhere(f ClaimFilter) ([]string, []any, error) {
	var where []string
	var args []any
	if f.ShipmentID != 0 {
		where = append(where, "c.shipment_id = ?")
		args = append(args, f.ShipmentID)
	}
	if f.Kind != "" {
		where = append(where, "c.kind = ?")
		args = append(args, f.Kind)
	}
	if len(f.States) > 0 {
		for _, s := range f.States {
			if err := oneOf("claim state", s, claimStates...); err != nil {
				return nil, nil, err
			}
			args = append(args, s)
		}
		where = append(where, "c.state IN ("+placeholders(len(f.States))+")")
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		where = append(where, "s.tracking_number LIKE ? ESCAPE '\\'")
		args = append(args, likePrefix(strings.ToUpper(s)))
	}
	return where, args, nil
}

// queryClaims is the one claim query, behind ListClaims and PageClaims.
// counted bounds the page and reads the total too.
func (db *DB) queryClaims(ctx context.Context, f ClaimFilter, counted bool) (Page[ClaimRow], error) {
	offset, limit := queryBounds(f.Offset, f.Limit, counted)
	where, args, err := claimWhere(f)
	if err != nil {
		return Page[ClaimRow]{}, err
	}
	cond := whereClause(where)
	from := ` FROM claims c JOIN shipments s ON s.id = c.shipment_id`
	out := Page[ClaimRow]{Offset: offset, Rows: []ClaimRow{}}
	if counted {
		if err := db.sql.QueryRowContext(ctx, `SELECT count(*)`+from+cond, args...).Scan(&out.Total); err != nil {
			return Page[ClaimRow]{}, fmt.Errorf("count claims: %w", mapErr(err))
		}
		if out.Total == 0 || offset >= out.Total {
			return out, nil
		}
	}
	cols := qualify("c", claimCols)
	rows, err := db.sql.QueryContext(ctx, `SELECT `+cols+`, s.courier, s.tracking_number,
		(SELECT count(*) FROM claim_evidence e WHERE e.claim_id = c.id)`+from+cond+`
		ORDER BY c.window_closes ASC NULLS LAST, c.id LIMIT ? OFFSET ?`, append(args, limit, offset)...)
	if err != nil {
		return Page[ClaimRow]{}, fmt.Errorf("list claims: %w", mapErr(err))
	}
	out.Rows, err = collect(rows, func(row interface{ Scan(...any) error }) (ClaimRow, error) {
		var r ClaimRow
		c, err := scanClaimWith(row, &r.Courier, &r.TrackingNumber, &r.Evidence)
		if err != nil {
			return ClaimRow{}, err
		}
		r.Claim = c
		return r, nil
	})
	if err != nil {
		return Page[ClaimRow]{}, fmt.Errorf("list claims: %w", err)
	}
	if !counted {
		out.Total = len(out.Rows)
	}
	return out, nil
}
