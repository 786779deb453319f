package filing

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// TestUnreadyClaimStaysDraft: a damage claim with no amount and no photo is
// refused before anything changes (no intent, no portal visit, still a
// draft, each gap named); one an earlier version left in filing with a
// pending intent goes back to draft; once edited it files, once. The
// portal's own form (the sandbox, driven in Chromium) is the truth that the
// completed claim is acceptable.
func TestUnreadyClaimStaysDraft(t *testing.T) {
	t.Parallel()
	ctx := testwait.Context(t)
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 3, Orders: 250})
	db := claimtest.OpenDB(t)
	parcels := claimtest.PickParcels(sb, 1, func(p *sandbox.Parcel) bool {
		return p.Carrier == "ups" && claimtest.DamageThreadPhotos(sb, p) > 0
	}, sandbox.ParcelDamaged)
	if len(parcels) != 1 {
		t.Fatalf("want one damaged ups parcel with photos, got %d", len(parcels))
	}
	p := parcels[0]
	claimtest.SeedParcels(t, db, sb, parcels, t.TempDir())
	deps := browserDeps(t, db, sb)
	d, err := claims.Draft(ctx, deps.Deps, p.TrackingNumber, localdb.ClaimDamaged)
	if err != nil {
		t.Fatal(err)
	}
	amount := d.Amount
	var photos []int64
	for _, e := range d.Evidence {
		if e.Kind == localdb.EvidencePhoto {
			photos = append(photos, e.ID)
		}
	}
	if len(photos) == 0 || amount <= 0 {
		t.Fatalf("draft %+v has no photo or amount to take away", d)
	}
	// No amount, as a draft of an order never synced has: the edit command
	// refuses to set 0, so the test clears it in the database.
	if _, err := db.UpdateClaimDraft(ctx, d.ID, localdb.ClaimEdit{Currency: d.Currency, Description: d.Description,
		WindowOpens: d.WindowOpens, WindowCloses: d.WindowCloses, Portal: d.Portal}); err != nil {
		t.Fatal(err)
	}
	if _, err := claims.EditDraft(ctx, deps.Deps, d.ID, claims.Edit{RemoveEvidence: photos}); err != nil {
		t.Fatal(err)
	}
	filer := NewFiler(deps, false)
	defer filer.Close()

	_, err = filer.File(ctx, d.ID, nil)
	var nr *claims.NotReadyError
	if !errors.As(err, &nr) || !errors.Is(err, claims.ErrNotReady) {
		t.Fatalf("filing an incomplete claim: %v, want a NotReadyError", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "no money") || !strings.Contains(msg, "photo") {
		t.Errorf("refusal %q does not name both gaps", msg)
	}
	c, _ := db.GetClaim(ctx, d.ID)
	if c.State != localdb.ClaimDraft {
		t.Errorf("refused claim is %s, want draft", c.State)
	}
	key := IdempotencyKey(c, p.Carrier, p.TrackingNumber)
	if _, err := db.GetIntent(ctx, key); !errors.Is(err, localdb.ErrNotFound) {
		t.Errorf("a refused claim wrote an outbox intent: %v", err)
	}
	if n := len(sb.State().Claims[p.TrackingNumber]); n != 0 {
		t.Errorf("the portal holds %d claims for a refused draft", n)
	}
	det, err := claims.GetDetail(ctx, db, d.ID)
	if err != nil || len(det.NotReady) != 2 {
		t.Errorf("detail lists %q as not ready, want the amount and the photo (%v)", det.NotReady, err)
	}

	// What an earlier version left behind: filing, with a pending intent.
	if _, err := db.SetClaimState(ctx, d.ID, localdb.ClaimFiling); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.WriteIntent(ctx, localdb.Intent{Key: key, Kind: localdb.OutboxClaim, Target: "claim:1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := filer.File(ctx, d.ID, nil); !errors.Is(err, claims.ErrNotReady) {
		t.Fatalf("filing a stuck incomplete claim: %v", err)
	}
	if c, _ := db.GetClaim(ctx, d.ID); c.State != localdb.ClaimDraft {
		t.Fatalf("a stuck claim with nothing sent is %s after a refusal, want draft", c.State)
	}

	// Fixed by an edit, it files once.
	restored := money.Of(amount, d.Currency)
	photo := t.TempDir() + "/box.png"
	writeFile(t, photo, claimtest.PNGBytes(t, 90))
	if _, err := claims.EditDraft(ctx, deps.Deps, d.ID, claims.Edit{Amount: &restored, AddEvidence: []string{photo}}); err != nil {
		t.Fatal(err)
	}
	res, err := filer.File(ctx, d.ID, nil)
	if err != nil || res.Confirmation == "" {
		t.Fatalf("file the completed claim: %+v %v", res, err)
	}
	if got := sb.State().Claims[p.TrackingNumber]; len(got) != 1 || got[0].Number != res.Confirmation {
		t.Errorf("portal holds %+v, want one claim %s", got, res.Confirmation)
	}
}

// TestResetSearchesThePortal: a claim stuck in filing whose intent went in
// flight is reset only after the portal is searched. Not found there, it is
// a draft again; found there (filed by another copy of the database, as a
// crash after submission would leave it), it is recorded as filed and never
// filed twice.
func TestResetSearchesThePortal(t *testing.T) {
	t.Parallel()
	ctx := testwait.Context(t)
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 3, Orders: 250})
	parcels := claimtest.PickParcels(sb, 1, func(p *sandbox.Parcel) bool { return p.Carrier == "fedex" }, sandbox.ParcelLost)
	if len(parcels) != 1 {
		t.Fatalf("want one lost fedex parcel, got %d", len(parcels))
	}
	p := parcels[0]
	stuck := func(db *localdb.DB) (*Filer, int64, string) {
		t.Helper()
		claimtest.SeedParcels(t, db, sb, parcels, t.TempDir())
		deps := browserDeps(t, db, sb)
		d, err := claims.Draft(ctx, deps.Deps, p.TrackingNumber, localdb.ClaimLost)
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.SetClaimState(ctx, d.ID, localdb.ClaimFiling)
		if err != nil {
			t.Fatal(err)
		}
		key := IdempotencyKey(c, p.Carrier, p.TrackingNumber)
		e, _, err := db.WriteIntent(ctx, localdb.Intent{Key: key, Kind: localdb.OutboxClaim, Target: "claim:x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkInFlight(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
		f := NewFiler(deps, false)
		t.Cleanup(func() { f.Close() })
		return f, d.ID, key
	}

	db := claimtest.OpenDB(t)
	filer, id, key := stuck(db)
	if _, err := ReturnToDraft(ctx, db, id); !errors.Is(err, localdb.ErrConflict) || !strings.Contains(err.Error(), "claims reset") {
		t.Fatalf("returning an in-flight claim to draft without a search: %v, want a conflict naming `claims reset`", err)
	}
	res, err := filer.Reset(ctx, id)
	if err != nil || !res.Searched || res.State != localdb.ClaimDraft || res.Confirmation != "" {
		t.Fatalf("reset with nothing on the portal: %+v %v", res, err)
	}
	if e, _ := db.GetIntent(ctx, key); e.State != localdb.OutboxFailed {
		t.Errorf("intent after reset is %s, want failed", e.State)
	}

	// Another database files the same parcel; this one's stuck claim must
	// adopt that claim when reset.
	other := claimtest.OpenDB(t)
	claimtest.SeedParcels(t, other, sb, parcels, t.TempDir())
	odeps := browserDeps(t, other, sb)
	od, err := claims.Draft(ctx, odeps.Deps, p.TrackingNumber, localdb.ClaimLost)
	if err != nil {
		t.Fatal(err)
	}
	ofiler := NewFiler(odeps, false)
	defer ofiler.Close()
	filed, err := ofiler.File(ctx, od.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	db2 := claimtest.OpenDB(t)
	filer2, id2, key2 := stuck(db2)
	res, err = filer2.Reset(ctx, id2)
	if err != nil || res.Confirmation != filed.Confirmation || res.State != localdb.ClaimSubmitted {
		t.Fatalf("reset with the claim on the portal: %+v %v, want confirmation %s", res, err, filed.Confirmation)
	}
	if c, _ := db2.GetClaim(ctx, id2); c.State != localdb.ClaimSubmitted || c.ConfirmationNumber != filed.Confirmation {
		t.Errorf("claim after an adopting reset: %+v", c)
	}
	if e, _ := db2.GetIntent(ctx, key2); e.State != localdb.OutboxDone {
		t.Errorf("intent after an adopting reset is %s, want done", e.State)
	}
	if n := len(sb.State().Claims[p.TrackingNumber]); n != 1 {
		t.Errorf("the portal holds %d claims for the parcel, want 1", n)
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}
