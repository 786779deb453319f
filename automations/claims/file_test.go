package claims

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestDraftAssemblesEvidence(t *testing.T) {
	ctx := context.Background()
	sb := startSandbox(t, sandbox.Options{Seed: 5, Orders: 200})
	db := openDB(t)
	withPhotos := pickParcels(sb, 1, func(p *sandbox.Parcel) bool { return damageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged)
	delivered := pickParcels(sb, 1, func(p *sandbox.Parcel) bool { return !hasDamageThread(sb, p) }, sandbox.ParcelDelivered)
	if len(withPhotos) == 0 || len(delivered) == 0 {
		t.Fatal("the world has no damaged parcel with photos or no plain delivered parcel")
	}
	seedParcels(t, db, sb, append(withPhotos, delivered...), t.TempDir())
	deps := Deps{DB: db, Now: sb.Now}
	p := withPhotos[0]

	d, err := Draft(ctx, deps, strings.ToLower(p.TrackingNumber), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != localdb.ClaimDamaged || d.State != localdb.ClaimDraft || d.Existing {
		t.Fatalf("draft %+v", d.Claim)
	}
	declared := ToMinor(p.DeclaredValue, p.Currency)
	want := declared
	if p.Currency == "USD" && p.Carrier != "dhl" && declared > 10000 {
		want = 10000
	}
	if d.Amount != want || d.Currency != p.Currency {
		t.Errorf("amount %s, want %s (declared %s)", FormatMoney(d.Amount, d.Currency), FormatMoney(want, p.Currency), FormatMoney(declared, p.Currency))
	}
	if !strings.Contains(d.Description, p.TrackingNumber) || !strings.Contains(d.Description, "damaged") {
		t.Errorf("description %q", d.Description)
	}
	if d.WindowCloses.IsZero() || !d.WindowCloses.After(d.WindowOpens) {
		t.Errorf("window %s .. %s", d.WindowOpens, d.WindowCloses)
	}
	kinds := map[localdb.EvidenceKind]int{}
	for _, e := range d.Evidence {
		kinds[e.Kind]++
		data, err := os.ReadFile(e.Path)
		if err != nil {
			t.Fatalf("evidence %d: %v", e.ID, err)
		}
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Errorf("evidence %s: sha256 does not match the file", e.Path)
		}
		if m := fileMode(t, e.Path); m != 0o600 {
			t.Errorf("evidence %s has mode %o, want 600", e.Path, m)
		}
		if m := fileMode(t, filepath.Dir(e.Path)); m != 0o700 {
			t.Errorf("evidence folder has mode %o, want 700", m)
		}
		if !strings.HasPrefix(e.Path, filepath.Join(filepath.Dir(db.Path()), "claims")) {
			t.Errorf("evidence %s is outside the data folder", e.Path)
		}
		switch e.Kind {
		case localdb.EvidenceInvoice:
			if !bytes.Contains(data, []byte(FormatMoney(declared, p.Currency))) {
				t.Errorf("invoice does not show the order value %s:\n%s", FormatMoney(declared, p.Currency), data)
			}
		case localdb.EvidenceTrackingSnapshot:
			var snap struct {
				TrackingNumber string                  `json:"tracking_number"`
				Events         []localdb.TrackingEvent `json:"events"`
			}
			if err := json.Unmarshal(data, &snap); err != nil || snap.TrackingNumber != p.TrackingNumber ||
				len(snap.Events) != len(p.VisibleEvents(sb.Now())) {
				t.Errorf("tracking snapshot %s: %v %+v", e.Path, err, snap)
			}
		case localdb.EvidencePhoto:
			if !bytes.HasPrefix(data, []byte("\x89PNG")) {
				t.Errorf("photo %s is not the buyer's PNG", e.Path)
			}
		}
	}
	if kinds[localdb.EvidencePhoto] != damageThreadPhotos(sb, p) || kinds[localdb.EvidenceInvoice] != 1 || kinds[localdb.EvidenceTrackingSnapshot] != 1 {
		t.Errorf("evidence kinds %v, want %d photos, 1 invoice, 1 snapshot", kinds, damageThreadPhotos(sb, p))
	}

	again, err := Draft(ctx, deps, p.TrackingNumber, "")
	if err != nil || !again.Existing || again.ID != d.ID {
		t.Errorf("second draft: %+v, %v", again.Claim, err)
	}

	// Edit before filing: amount, description, one file in, one out.
	extra := filepath.Join(t.TempDir(), "receipt.pdf")
	if err := os.WriteFile(extra, []byte("%PDF-1.4 receipt"), 0o644); err != nil {
		t.Fatal(err)
	}
	photo := d.Evidence[0]
	ed, err := EditDraft(ctx, deps, d.ID, Edit{Amount: 1234, Description: "Box crushed, lamp shattered.",
		AddEvidence: []string{extra}, RemoveEvidence: []int64{photo.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if ed.Amount != 1234 || ed.Description != "Box crushed, lamp shattered." || len(ed.Evidence) != len(d.Evidence) {
		t.Errorf("after edit: amount %d, %q, %d evidence (was %d)", ed.Amount, ed.Description, len(ed.Evidence), len(d.Evidence))
	}
	if _, err := os.Stat(photo.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("removed evidence file still there: %v", err)
	}
	if _, err := EditDraft(ctx, deps, d.ID, Edit{Amount: -1, AddEvidence: []string{filepath.Join(t.TempDir(), "missing.jpg")}}); err == nil {
		t.Error("a missing evidence file was accepted")
	}
	if _, err := EditDraft(ctx, deps, d.ID, Edit{Amount: -1, RemoveEvidence: []int64{99999}}); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("removing unknown evidence: %v", err)
	}

	if _, err := Draft(ctx, deps, delivered[0].TrackingNumber, ""); !errors.Is(err, ErrNotEligible) {
		t.Errorf("delivered parcel: %v, want ErrNotEligible", err)
	}
	if _, err := Draft(ctx, deps, "1Z999AA10123456784", ""); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("unknown parcel: %v, want ErrNotFound", err)
	}
}

// TestFileOnEveryPortal drafts and files one damaged claim (with photo and
// invoice uploads) and one lost claim on each carrier's portal in Chromium,
// files again to see nothing doubled, then follows each claim to its end
// and sums the money per carrier.
func TestFileOnEveryPortal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	sb := startSandbox(t, sandbox.Options{Seed: 3, Orders: 250})
	db := openDB(t)
	parcels := append(
		pickParcels(sb, 1, func(p *sandbox.Parcel) bool { return damageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged),
		pickParcels(sb, 1, nil, sandbox.ParcelLost)...)
	if len(parcels) != 8 {
		t.Fatalf("want a damaged parcel with photos and a lost parcel per carrier, got %d parcels", len(parcels))
	}
	seedParcels(t, db, sb, parcels, t.TempDir())
	deps := browserDeps(t, db, sb)
	filer := NewFiler(deps, false)
	defer filer.Close()
	ids := map[string]int64{}
	for _, p := range parcels {
		d, err := Draft(ctx, deps, p.TrackingNumber, "")
		if err != nil {
			t.Fatalf("draft %s %s: %v", p.Carrier, p.TrackingNumber, err)
		}
		var steps []string
		res, err := filer.File(ctx, d.ID, func(pr Progress) { steps = append(steps, pr.Step) })
		if err != nil {
			t.Fatalf("file %s claim for %s %s: %v", d.Kind, p.Carrier, p.TrackingNumber, err)
		}
		if res.Adopted || res.AlreadyFiled || res.Confirmation == "" {
			t.Errorf("%s: result %+v", p.TrackingNumber, res)
		}
		if strings.Join(steps, ",") != "search,form,done" {
			t.Errorf("%s: progress steps %v", p.TrackingNumber, steps)
		}
		ids[p.TrackingNumber] = d.ID
		got := sb.State().Claims[p.TrackingNumber]
		if len(got) != 1 {
			t.Fatalf("%s: the portal holds %d claims", p.TrackingNumber, len(got))
		}
		pc := got[0]
		if pc.Number != res.Confirmation || pc.Carrier != p.Carrier {
			t.Errorf("%s: portal claim %s (%s), recorded %s", p.TrackingNumber, pc.Number, pc.Carrier, res.Confirmation)
		}
		if ToMinor(pc.Amount, pc.Currency) != d.Amount || pc.Currency != d.Currency || pc.Description != d.Description {
			t.Errorf("%s: portal has %v %s %q, draft %d %s", p.TrackingNumber, pc.Amount, pc.Currency, pc.Description, d.Amount, d.Currency)
		}
		photos, invoices := 0, 0
		for _, f := range pc.Files {
			photos += boolInt(strings.HasPrefix(f, "photo:"))
			invoices += boolInt(strings.HasPrefix(f, "invoice:"))
		}
		wantPhotos := 0
		if d.Kind == localdb.ClaimDamaged {
			wantPhotos = damageThreadPhotos(sb, p)
		}
		if photos != wantPhotos || invoices != 1 {
			t.Errorf("%s: uploaded %v, want %d photos and an invoice", p.TrackingNumber, pc.Files, wantPhotos)
		}
		wantKind := map[localdb.ClaimKind]string{localdb.ClaimLost: "loss", localdb.ClaimDamaged: "damage"}[d.Kind]
		if pc.Kind != wantKind {
			t.Errorf("%s: portal kind %s, want %s", p.TrackingNumber, pc.Kind, wantKind)
		}
		c, _ := db.GetClaim(ctx, d.ID)
		if c.State != localdb.ClaimSubmitted || c.ConfirmationNumber != res.Confirmation || c.FiledAt.IsZero() {
			t.Errorf("%s: stored claim %+v", p.TrackingNumber, c)
		}
		ship, _ := db.GetShipment(ctx, c.ShipmentID)
		e, err := db.GetIntent(ctx, IdempotencyKey(c, ship.Courier, ship.TrackingNumber))
		if err != nil || e.State != localdb.OutboxDone || !strings.Contains(string(e.Result), res.Confirmation) {
			t.Errorf("%s: outbox %+v %v", p.TrackingNumber, e, err)
		}
		// Filing again changes nothing, on the portal or here.
		again, err := filer.File(ctx, d.ID, nil)
		if err != nil || !again.AlreadyFiled || again.Confirmation != res.Confirmation {
			t.Errorf("%s: second filing %+v %v", p.TrackingNumber, again, err)
		}
		if n := len(sb.State().Claims[p.TrackingNumber]); n != 1 {
			t.Errorf("%s: %d portal claims after a second filing", p.TrackingNumber, n)
		}
	}

	// Status follow-up: nothing changes on day 0, then a week and a half
	// later every claim is paid or denied, as the portal says.
	changes, err := SyncStatus(ctx, deps, nil)
	if err != nil || len(changes) != len(parcels) {
		t.Fatalf("first sync: %d changes, %v", len(changes), err)
	}
	for _, ch := range changes {
		if ch.Changed || ch.To != localdb.ClaimSubmitted {
			t.Errorf("day 0: %+v", ch)
		}
	}
	sb.Advance(9 * 24 * time.Hour)
	changes, err = SyncStatus(ctx, deps, nil)
	if err != nil || len(changes) != len(parcels) {
		t.Fatalf("second sync: %d changes, %v", len(changes), err)
	}
	portal := sb.State().Claims
	for _, ch := range changes {
		pc := portal[ch.TrackingNumber][0]
		want, _ := portalState(pc.Status)
		if !ch.Changed || ch.To != want || ch.PaidAmount != ToMinor(pc.Paid, pc.Currency) {
			t.Errorf("%s: change %+v, portal %s paid %v", ch.TrackingNumber, ch, pc.Status, pc.Paid)
		}
		if want != localdb.ClaimPaid && want != localdb.ClaimDenied {
			t.Errorf("%s: portal status %s after 9 days", ch.TrackingNumber, pc.Status)
		}
	}
	totals, err := Totals(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var claims, paid int64
	for _, tt := range totals {
		claims += int64(tt.Claims)
		paid += tt.Paid
		if tt.Pending != 0 || tt.Paid > tt.Claimed || tt.Denied > tt.Claimed {
			t.Errorf("%s %s: totals %+v after every claim ended", tt.Courier, tt.Currency, tt)
		}
	}
	if claims != int64(len(parcels)) {
		t.Errorf("totals count %d claims, want %d", claims, len(parcels))
	}
	var buf bytes.Buffer
	if err := WriteTotalsCSV(&buf, totals); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(buf.String(), "\n"); lines != len(totals)+1 || !strings.HasPrefix(buf.String(), "carrier,currency,claims,claimed,paid,denied,pending\n") {
		t.Errorf("csv:\n%s", buf.String())
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
