package claims_test

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

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
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
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 5, Orders: 200})
	db := claimtest.OpenDB(t)
	withPhotos := claimtest.PickParcels(sb, 1, func(p *sandbox.Parcel) bool { return claimtest.DamageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged)
	delivered := claimtest.PickParcels(sb, 1, func(p *sandbox.Parcel) bool { return !claimtest.HasDamageThread(sb, p) }, sandbox.ParcelDelivered)
	if len(withPhotos) == 0 || len(delivered) == 0 {
		t.Fatal("the world has no damaged parcel with photos or no plain delivered parcel")
	}
	claimtest.SeedParcels(t, db, sb, append(withPhotos, delivered...), t.TempDir())
	deps := claims.Deps{DB: db, Now: sb.Now}
	p := withPhotos[0]

	d, err := claims.Draft(ctx, deps, strings.ToLower(p.TrackingNumber), "")
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != localdb.ClaimDamaged || d.State != localdb.ClaimDraft || d.Existing {
		t.Fatalf("draft %+v", d.Claim)
	}
	declared := p.DeclaredValue
	want := declared
	if p.Currency == "USD" && p.Carrier != "dhl" && declared > 10000 {
		want = 10000
	}
	if d.Amount != want || d.Currency != p.Currency {
		t.Errorf("amount %s, want %s (declared %s)", money.Format(d.Amount, d.Currency), money.Format(want, p.Currency), money.Format(declared, p.Currency))
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
			if !bytes.Contains(data, []byte(money.Format(declared, p.Currency))) {
				t.Errorf("invoice does not show the order value %s:\n%s", money.Format(declared, p.Currency), data)
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
	if kinds[localdb.EvidencePhoto] != claimtest.DamageThreadPhotos(sb, p) || kinds[localdb.EvidenceInvoice] != 1 || kinds[localdb.EvidenceTrackingSnapshot] != 1 {
		t.Errorf("evidence kinds %v, want %d photos, 1 invoice, 1 snapshot", kinds, claimtest.DamageThreadPhotos(sb, p))
	}

	again, err := claims.Draft(ctx, deps, p.TrackingNumber, "")
	if err != nil || !again.Existing || again.ID != d.ID {
		t.Errorf("second draft: %+v, %v", again.Claim, err)
	}

	// claims.Edit before filing: amount, description, one file in, one out.
	extra := filepath.Join(t.TempDir(), "receipt.pdf")
	if err := os.WriteFile(extra, []byte("%PDF-1.4 receipt"), 0o644); err != nil {
		t.Fatal(err)
	}
	photo := d.Evidence[0]
	newAmount := money.Of(1234, d.Currency)
	ed, err := claims.EditDraft(ctx, deps, d.ID, claims.Edit{Amount: &newAmount, Description: "Box crushed, lamp shattered.",
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
	if _, err := claims.EditDraft(ctx, deps, d.ID, claims.Edit{AddEvidence: []string{filepath.Join(t.TempDir(), "missing.jpg")}}); err == nil {
		t.Error("a missing evidence file was accepted")
	}
	if _, err := claims.EditDraft(ctx, deps, d.ID, claims.Edit{RemoveEvidence: []int64{99999}}); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("removing unknown evidence: %v", err)
	}

	if _, err := claims.Draft(ctx, deps, delivered[0].TrackingNumber, ""); !errors.Is(err, claims.ErrNotEligible) {
		t.Errorf("delivered parcel: %v, want claims.ErrNotEligible", err)
	}
	if _, err := claims.Draft(ctx, deps, "1Z999AA10123456784", ""); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("unknown parcel: %v, want ErrNotFound", err)
	}
}
