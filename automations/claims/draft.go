package claims

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// ErrNotEligible is returned (wrapped) when a parcel qualifies for no claim
// of the kind asked for.
var ErrNotEligible = errors.New("parcel does not qualify for a claim")

// Detail is a claim with its parcel and evidence, as show and draft print it.
type Detail struct {
	localdb.Claim
	Courier        string                  `json:"courier"`
	TrackingNumber string                  `json:"tracking_number"`
	Service        string                  `json:"service,omitempty"`
	Evidence       []localdb.ClaimEvidence `json:"evidence"`
	// Existing is true when Draft found the parcel's claim already drafted.
	Existing bool `json:"existing,omitempty"`
	// Reasons are why the parcel qualified, when Draft made the claim.
	Reasons []string `json:"reasons,omitempty"`
	// NotReady lists what a draft lacks before it can be filed (CheckReady),
	// each with its fix; empty when it can be filed.
	NotReady []string `json:"not_ready,omitempty"`
	// AmountMissing says why a claim not yet filed has no amount (the
	// order's value is not known) and how to set one; empty otherwise.
	AmountMissing string `json:"amount_missing,omitempty"`
}

// FindShipment resolves a parcel reference: a tracking number (spaces and
// case do not matter) or a local shipment id.
func FindShipment(ctx context.Context, db *localdb.DB, ref string) (localdb.Shipment, error) {
	num := carriers.Normalize(ref)
	if num == "" {
		return localdb.Shipment{}, fmt.Errorf("parcel %q: give a tracking number or a shipment id", ref)
	}
	if d := carriers.Detect(num); d.Courier != "" {
		if s, err := db.GetShipmentByNumber(ctx, d.Courier, num); err == nil {
			return s, nil
		}
	}
	all, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		return localdb.Shipment{}, err
	}
	for _, s := range all {
		if s.TrackingNumber == num {
			return s, nil
		}
	}
	if id, err := strconv.ParseInt(num, 10, 64); err == nil && id > 0 {
		if s, err := db.GetShipment(ctx, id); err == nil {
			return s, nil
		}
	}
	return localdb.Shipment{}, fmt.Errorf("parcel %q is not in the database; track it first with `sellerops track %s`: %w",
		ref, num, localdb.ErrNotFound)
}

// GetDetail returns a claim with its parcel and evidence.
func GetDetail(ctx context.Context, db *localdb.DB, claimID int64) (Detail, error) {
	c, err := db.GetClaim(ctx, claimID)
	if err != nil {
		return Detail{}, fmt.Errorf("%w; list claims with `sellerops claims list`", err)
	}
	return detailOf(ctx, db, c)
}

func detailOf(ctx context.Context, db *localdb.DB, c localdb.Claim) (Detail, error) {
	s, err := db.GetShipment(ctx, c.ShipmentID)
	if err != nil {
		return Detail{}, err
	}
	ev, err := db.ListClaimEvidence(ctx, c.ID)
	if err != nil {
		return Detail{}, fmt.Errorf("evidence of claim %d: %w", c.ID, err)
	}
	if ev == nil {
		ev = []localdb.ClaimEvidence{}
	}
	d := Detail{Claim: c, Courier: s.Courier, TrackingNumber: s.TrackingNumber, Service: s.Service, Evidence: ev,
		NotReady: NotReadyReasons(ctx, db, c)}
	if c.ConfirmationNumber == "" && (c.State == localdb.ClaimDraft || c.State == localdb.ClaimFiling) {
		if err := AmountProblem(c); err != nil {
			d.AmountMissing = strings.TrimPrefix(err.Error(), money.ErrBadAmount.Error()+": ")
		}
	}
	return d, nil
}

// Draft assembles a claim for a parcel (a tracking number or a shipment id)
// and stores it as a draft: the amount is the declared value capped by the
// carrier's default coverage, the description says what happened, and the
// evidence is the buyer's photos, the invoice value from the order and a
// snapshot of the tracking history, copied into the data folder with their
// SHA-256. kind may be empty to take the kind the parcel qualifies for
// (lost before damaged). A parcel that already has a live claim of that
// kind returns it, with Existing set.
func Draft(ctx context.Context, deps Deps, shipmentRef string, kind localdb.ClaimKind) (Detail, error) {
	if err := deps.Check(); err != nil {
		return Detail{}, err
	}
	db := deps.DB
	ship, err := FindShipment(ctx, db, shipmentRef)
	if err != nil {
		return Detail{}, err
	}
	now := deps.Clock()
	cands, err := Candidates(ctx, deps, now)
	if err != nil {
		return Detail{}, err
	}
	var mine []Candidate
	for _, c := range cands {
		if c.ShipmentID == ship.ID {
			mine = append(mine, c)
		}
	}
	var cand *Candidate
	for i := range mine {
		if kind == "" || mine[i].Kind == kind {
			cand = &mine[i]
			break
		}
	}
	if cand == nil {
		var have []string
		for _, c := range mine {
			have = append(have, string(c.Kind))
		}
		if kind == "" {
			return Detail{}, fmt.Errorf("%s %s: %w (not lost, stalled or reported damaged); pass --kind lost or --kind damaged to draft one anyway",
				ship.Courier, ship.TrackingNumber, ErrNotEligible)
		}
		if len(have) > 0 {
			return Detail{}, fmt.Errorf("%s %s: %w of kind %s (it qualifies as %s); pass --kind %s",
				ship.Courier, ship.TrackingNumber, ErrNotEligible, kind, strings.Join(have, ", "), have[0])
		}
		// An explicit kind for a parcel the rules do not flag: the operator
		// knows something the data does not.
		cand = &Candidate{ShipmentID: ship.ID, Courier: ship.Courier, TrackingNumber: ship.TrackingNumber,
			Service: ship.Service, OrderID: ship.OrderID, ShipDate: ship.ShipDate, Kind: kind,
			Reasons: []string{"drafted by hand"}}
		var ord *localdb.Order
		if o, err := orderOf(ctx, db, ship); err == nil {
			ord = &o
			cand.OrderID, cand.DeclaredValue, cand.Currency = o.ID, o.DeclaredValue, o.Currency
			if cand.ShipDate.IsZero() {
				cand.ShipDate = o.ShipDate
			}
		}
		if !cand.ShipDate.IsZero() {
			cand.Window = ClaimWindow(deps.Conf(), ship.Courier, LaneOf(ord, cand.Service), kind, cand.ShipDate, now)
		}
	}
	if live, err := db.FindLiveClaim(ctx, ship.ID, cand.Kind); err == nil {
		d, err := detailOf(ctx, db, live)
		d.Existing = true
		return d, err
	} else if !errors.Is(err, localdb.ErrNotFound) {
		return Detail{}, err
	}

	var order *localdb.Order
	if o, err := orderOf(ctx, db, ship); err == nil {
		order = &o
	}
	events, err := db.ShipmentEvents(ctx, ship.ID)
	if err != nil {
		return Detail{}, fmt.Errorf("tracking history of %s: %w", ship.TrackingNumber, err)
	}
	// The amount comes from the order, in the order's currency. Without a
	// known value it stays empty (AmountProblem says why), never 0 in a
	// currency guessed from the config.
	currency, declared := "", int64(0)
	if order != nil {
		declared = order.DeclaredValue
		if money.Known(order.Currency) {
			currency = strings.ToUpper(order.Currency)
		}
	}
	var amount int64
	var capNote, missing string
	switch {
	case order == nil:
		missing = fmt.Sprintf("no order is known for parcel %s, so its value is not known", ship.TrackingNumber)
	case currency == "":
		missing = fmt.Sprintf("order %s has no known currency (%q), so its value is not known", order.MarketplaceOrderID, order.Currency)
	case declared <= 0:
		missing = fmt.Sprintf("order %s has no value on record (the marketplace page did not show one)", order.MarketplaceOrderID)
	default:
		amount, capNote = claimAmount(ship.Courier, cand.Service, declared, currency)
	}
	c, err := db.CreateClaim(ctx, localdb.Claim{
		ShipmentID:   ship.ID,
		Kind:         cand.Kind,
		Amount:       amount,
		Currency:     currency,
		Description:  describe(*cand, ship, order, events, capNote),
		WindowOpens:  cand.Window.Opens,
		WindowCloses: cand.Window.Closes,
		Portal:       ship.Courier,
	})
	if err != nil {
		return Detail{}, err
	}
	if err := gatherEvidence(ctx, deps, c, ship, order, events, *cand); err != nil {
		return Detail{}, fmt.Errorf("claim %d was drafted but its evidence is incomplete: %w; add files with `sellerops claims edit %d --add-evidence FILE`", c.ID, err, c.ID)
	}
	d, err := detailOf(ctx, db, c)
	d.Reasons = cand.Reasons
	if missing != "" {
		d.AmountMissing = fmt.Sprintf("%s; set the amount claimed with `sellerops claims edit %d --amount 49.90 --currency USD`", missing, c.ID)
	}
	return d, err
}

func orderOf(ctx context.Context, db *localdb.DB, s localdb.Shipment) (localdb.Order, error) {
	if s.OrderID != 0 {
		return db.GetOrder(ctx, s.OrderID)
	}
	list, err := db.FindOrdersByTracking(ctx, s.TrackingNumber)
	if err != nil {
		return localdb.Order{}, err
	}
	if len(list) == 0 {
		return localdb.Order{}, fmt.Errorf("no order ships with %s: %w", s.TrackingNumber, localdb.ErrNotFound)
	}
	return list[0], nil
}

// claimAmount caps the declared value at the carrier's default coverage
// when the coverage is a flat amount in the same currency; a per-kilogram
// cap or a foreign currency is left to the carrier, with a note.
func claimAmount(courier, service string, declared int64, currency string) (int64, string) {
	cov, ok := carriers.DefaultCoverage(courier, service)
	if !ok {
		return declared, ""
	}
	switch {
	case cov.PerKg:
		return declared, fmt.Sprintf("Carrier liability is limited to %s per kg unless extra cover was bought.", money.Format(cov.CapCents, "USD"))
	case !strings.EqualFold(currency, "USD"):
		return declared, fmt.Sprintf("Carrier liability is limited to %s unless a higher value was declared.", money.Format(cov.CapCents, "USD"))
	case declared > cov.CapCents:
		return cov.CapCents, fmt.Sprintf("Amount capped at the carrier's coverage of %s (declared %s).", money.Format(cov.CapCents, "USD"), money.Format(declared, "USD"))
	}
	return declared, ""
}

func describe(c Candidate, s localdb.Shipment, o *localdb.Order, events []localdb.TrackingEvent, capNote string) string {
	var b strings.Builder
	what := "was lost in transit"
	if c.Kind == localdb.ClaimDamaged {
		what = "arrived damaged"
	}
	fmt.Fprintf(&b, "Parcel %s %s", s.TrackingNumber, what)
	if !c.ShipDate.IsZero() {
		fmt.Fprintf(&b, " (shipped %s", c.ShipDate.Format("2006-01-02"))
		if c.Service != "" {
			fmt.Fprintf(&b, ", %s", c.Service)
		}
		b.WriteString(")")
	}
	b.WriteString(".")
	if o != nil {
		var items []string
		for _, it := range o.Items {
			items = append(items, fmt.Sprintf("%d x %s", max(it.Quantity, 1), it.Title))
		}
		fmt.Fprintf(&b, " Order %s", o.MarketplaceOrderID)
		if len(items) > 0 {
			fmt.Fprintf(&b, ": %s", strings.Join(items, ", "))
		}
		if o.DeclaredValue > 0 {
			fmt.Fprintf(&b, ", declared value %s", money.Format(o.DeclaredValue, o.Currency))
		}
		b.WriteString(".")
	}
	if len(events) > 0 {
		e := events[0]
		fmt.Fprintf(&b, " Last scan %s: %s", e.Time.Format("2006-01-02"), e.Description)
		if e.Location != "" {
			fmt.Fprintf(&b, " at %s", e.Location)
		}
		b.WriteString(".")
	}
	if len(c.Reasons) > 0 {
		fmt.Fprintf(&b, " Grounds: %s.", strings.Join(c.Reasons, "; "))
	}
	if capNote != "" {
		b.WriteString(" " + capNote)
	}
	return b.String()
}

// claimDir is a claim's private evidence folder.
func (d *Deps) claimDir(claimID int64) (string, error) {
	dir := filepath.Join(d.EvidenceRoot(), strconv.FormatInt(claimID, 10))
	if err := localdb.EnsurePrivateDir(d.EvidenceRoot()); err != nil {
		return "", err
	}
	if err := localdb.EnsurePrivateDir(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// gatherEvidence copies the photos and writes the invoice and the tracking
// snapshot into the claim's folder, and records each with its hash.
func gatherEvidence(ctx context.Context, deps Deps, c localdb.Claim, s localdb.Shipment, o *localdb.Order,
	events []localdb.TrackingEvent, cand Candidate) error {
	db := deps.DB
	dir, err := deps.claimDir(c.ID)
	if err != nil {
		return err
	}
	if c.Kind == localdb.ClaimDamaged && o != nil {
		msgs, err := db.InboundMessagesByOrder(ctx)
		if err != nil {
			return err
		}
		words := damageWords(deps.Conf())
		n := 0
		for _, m := range msgs[o.ID] {
			if _, ok := messages.ReportsDamage(m.Body, words); !ok && len(m.Attachments) == 0 {
				continue
			}
			for _, a := range m.Attachments {
				if a.LocalPath == "" {
					continue // not downloaded (yet)
				}
				n++
				name := fmt.Sprintf("photo-%02d%s", n, strings.ToLower(filepath.Ext(a.FileName)))
				dst := filepath.Join(dir, name)
				sum, err := copyPrivate(a.LocalPath, dst)
				if err != nil {
					return fmt.Errorf("copy the buyer's photo %s: %w", a.FileName, err)
				}
				if _, err := db.AddClaimEvidence(ctx, localdb.ClaimEvidence{ClaimID: c.ID, Kind: localdb.EvidencePhoto,
					Path: dst, SHA256: sum, Note: fmt.Sprintf("buyer photo %s, message of %s", a.FileName, m.SentAt.Format("2006-01-02"))}); err != nil {
					return err
				}
			}
		}
	}
	inv := invoiceText(c, s, o)
	invPath := filepath.Join(dir, "invoice.txt")
	sum, err := writePrivate(invPath, []byte(inv))
	if err != nil {
		return fmt.Errorf("write the invoice: %w", err)
	}
	note := "invoice without an order: its value is not known"
	if o != nil {
		note = fmt.Sprintf("invoice value %s from order %s", money.FormatOr(o.DeclaredValue, o.Currency, "not known"), o.MarketplaceOrderID)
	}
	if _, err := db.AddClaimEvidence(ctx, localdb.ClaimEvidence{ClaimID: c.ID, Kind: localdb.EvidenceInvoice, Path: invPath,
		SHA256: sum, Note: note}); err != nil {
		return err
	}
	snap := map[string]any{
		"courier": s.Courier, "tracking_number": s.TrackingNumber, "service": s.Service,
		"ship_date": s.ShipDate, "tag": s.Tag, "subtag": s.Subtag, "checked_at": s.CheckedAt,
		"taken_at": deps.Clock().UTC(), "events": events,
	}
	data, err := json.MarshalIndent(snap, "", "  ")
	if err != nil {
		return err
	}
	snapPath := filepath.Join(dir, "tracking-"+s.TrackingNumber+".json")
	sum, err = writePrivate(snapPath, data)
	if err != nil {
		return fmt.Errorf("write the tracking snapshot: %w", err)
	}
	_, err = db.AddClaimEvidence(ctx, localdb.ClaimEvidence{ClaimID: c.ID, Kind: localdb.EvidenceTrackingSnapshot,
		Path: snapPath, SHA256: sum, Note: fmt.Sprintf("%d tracking events as of %s", len(events), deps.Clock().UTC().Format(time.RFC3339))})
	return err
}

func invoiceText(c localdb.Claim, s localdb.Shipment, o *localdb.Order) string {
	var b strings.Builder
	b.WriteString("COMMERCIAL INVOICE\n\n")
	if o != nil {
		fmt.Fprintf(&b, "Order:           %s\n", o.MarketplaceOrderID)
		if o.BuyerName != "" {
			fmt.Fprintf(&b, "Buyer:           %s\n", o.BuyerName)
		}
		if !o.ShipDate.IsZero() {
			fmt.Fprintf(&b, "Ship date:       %s\n", o.ShipDate.Format("2006-01-02"))
		}
	}
	fmt.Fprintf(&b, "Carrier:         %s %s\n", s.Courier, s.Service)
	fmt.Fprintf(&b, "Tracking number: %s\n\n", s.TrackingNumber)
	if o != nil {
		for _, it := range o.Items {
			fmt.Fprintf(&b, "%3d x %-40s %s\n", max(it.Quantity, 1), it.Title, money.FormatOr(it.UnitPrice, o.Currency, "value not known"))
		}
		fmt.Fprintf(&b, "\nTotal value:     %s\n", money.FormatOr(o.DeclaredValue, o.Currency, "not known"))
	} else {
		fmt.Fprintf(&b, "Value claimed:   %s\n", money.FormatOr(c.Amount, c.Currency, "not known"))
	}
	return b.String()
}

// writePrivate writes a file readable by its owner only and returns its
// SHA-256.
func writePrivate(path string, data []byte) (string, error) {
	if err := os.WriteFile(path, data, 0o600); err != nil {
		return "", err
	}
	if err := os.Chmod(path, 0o600); err != nil {
		return "", err
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), nil
}

// copyPrivate copies src to dst (mode 0600) and returns the SHA-256.
func copyPrivate(src, dst string) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	if _, err := io.Copy(io.MultiWriter(out, h), in); err != nil {
		out.Close()
		return "", err
	}
	if err := out.Close(); err != nil {
		return "", err
	}
	if err := os.Chmod(dst, 0o600); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// Edit changes a draft: a new amount (minor units; negative keeps it), a
// new description ("" keeps it), files to add as evidence (copied into the
// claim's folder) and evidence ids to remove.
type Edit struct {
	Amount         *money.Amount // nil keeps the amount; its currency becomes the claim's
	Description    string
	AddEvidence    []string
	RemoveEvidence []int64
}

// EditDraft applies e to a draft claim and returns it as it now stands.
func EditDraft(ctx context.Context, deps Deps, claimID int64, e Edit) (Detail, error) {
	if err := deps.Check(); err != nil {
		return Detail{}, err
	}
	db := deps.DB
	c, err := db.GetClaim(ctx, claimID)
	if err != nil {
		return Detail{}, err
	}
	if c.State != localdb.ClaimDraft {
		return Detail{}, fmt.Errorf("claim %d is %s; only a draft can be edited: %w", c.ID, c.State, localdb.ErrConflict)
	}
	for _, p := range e.AddEvidence {
		st, err := os.Stat(p)
		if err != nil {
			return Detail{}, fmt.Errorf("evidence file %q: %w; give the path of an existing file", p, err)
		}
		if !st.Mode().IsRegular() {
			return Detail{}, fmt.Errorf("evidence file %q is not a regular file; give the path of a photo or document", p)
		}
	}
	if e.Amount != nil {
		if err := AmountProblem(localdb.Claim{ID: c.ID, Amount: e.Amount.Minor(), Currency: e.Amount.Currency()}); err != nil {
			return Detail{}, err
		}
	}
	if e.Amount != nil || e.Description != "" {
		ed := localdb.ClaimEdit{Amount: c.Amount, Currency: c.Currency, Description: c.Description,
			WindowOpens: c.WindowOpens, WindowCloses: c.WindowCloses, Portal: c.Portal}
		if e.Amount != nil {
			ed.Amount, ed.Currency = e.Amount.Minor(), e.Amount.Currency()
		}
		if e.Description != "" {
			ed.Description = e.Description
		}
		if c, err = db.UpdateClaimDraft(ctx, c.ID, ed); err != nil {
			return Detail{}, err
		}
	}
	if len(e.RemoveEvidence) > 0 {
		have, err := db.ListClaimEvidence(ctx, c.ID)
		if err != nil {
			return Detail{}, err
		}
		byID := map[int64]localdb.ClaimEvidence{}
		for _, ev := range have {
			byID[ev.ID] = ev
		}
		for _, id := range e.RemoveEvidence {
			if _, ok := byID[id]; !ok {
				return Detail{}, fmt.Errorf("claim %d has no evidence with id %d (see `sellerops claims show %d`): %w", c.ID, id, c.ID, localdb.ErrNotFound)
			}
		}
		for _, id := range e.RemoveEvidence {
			if err := db.RemoveClaimEvidence(ctx, id); err != nil {
				return Detail{}, err
			}
			// Only files this package copied in are deleted; a file outside
			// the claim's folder belongs to someone else.
			if p := byID[id].Path; p != "" && strings.HasPrefix(filepath.Clean(p), deps.EvidenceRoot()+string(filepath.Separator)) {
				_ = os.Remove(p)
			}
		}
	}
	if len(e.AddEvidence) > 0 {
		dir, err := deps.claimDir(c.ID)
		if err != nil {
			return Detail{}, err
		}
		for _, p := range e.AddEvidence {
			kind := localdb.EvidenceNote
			switch strings.ToLower(filepath.Ext(p)) {
			case ".png", ".jpg", ".jpeg", ".gif", ".webp", ".heic":
				kind = localdb.EvidencePhoto
			case ".pdf":
				kind = localdb.EvidenceInvoice
			}
			dst := filepath.Join(dir, fmt.Sprintf("added-%d-%s", time.Now().UnixNano(), filepath.Base(p)))
			sum, err := copyPrivate(p, dst)
			if err != nil {
				return Detail{}, fmt.Errorf("copy evidence file %q: %w", p, err)
			}
			if _, err := db.AddClaimEvidence(ctx, localdb.ClaimEvidence{ClaimID: c.ID, Kind: kind, Path: dst, SHA256: sum,
				Note: "added by hand: " + filepath.Base(p)}); err != nil {
				return Detail{}, err
			}
		}
	}
	return detailOf(ctx, db, c)
}
