package filing

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

// TestFileOnEveryPortal drafts and files one damaged claim (with photo and
// invoice uploads) and one lost claim on each carrier's portal in Chromium,
// files again to see nothing doubled, then follows each claim to its end
// and sums the money per carrier.
// filedSteps is a filing's progress: search, form, any retries of both, done.
var filedSteps = regexp.MustCompile(`^search,form(,retry,search,form)*,done$`)

func TestFileOnEveryPortal(t *testing.T) {
	t.Parallel()
	ctx := testwait.Context(t)
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 3, Orders: 250})
	db := claimtest.OpenDB(t)
	parcels := append(
		claimtest.PickParcels(sb, 1, func(p *sandbox.Parcel) bool { return claimtest.DamageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged),
		claimtest.PickParcels(sb, 1, nil, sandbox.ParcelLost)...)
	if len(parcels) != 8 {
		t.Fatalf("want a damaged parcel with photos and a lost parcel per carrier, got %d parcels", len(parcels))
	}
	claimtest.SeedParcels(t, db, sb, parcels, t.TempDir())
	deps := browserDeps(t, db, sb)
	filer := NewFiler(deps, false)
	defer filer.Close()
	ids := map[string]int64{}
	for _, p := range parcels {
		d, err := claims.Draft(ctx, deps.Deps, p.TrackingNumber, "")
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
		// A step that times out on a loaded machine is retried from the
		// search (which finds no claim yet); the portal check below proves
		// the retry still filed once.
		if !filedSteps.MatchString(strings.Join(steps, ",")) {
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
		if pc.Amount != d.Amount || pc.Currency != d.Currency || pc.Description != d.Description {
			t.Errorf("%s: portal has %v %s %q, draft %d %s", p.TrackingNumber, pc.Amount, pc.Currency, pc.Description, d.Amount, d.Currency)
		}
		photos, invoices := 0, 0
		for _, f := range pc.Files {
			photos += boolInt(strings.HasPrefix(f, "photo:"))
			invoices += boolInt(strings.HasPrefix(f, "invoice:"))
		}
		wantPhotos := 0
		if d.Kind == localdb.ClaimDamaged {
			wantPhotos = claimtest.DamageThreadPhotos(sb, p)
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
		want, _ := claims.PortalState(pc.Status)
		if !ch.Changed || ch.To != want || ch.PaidAmount != pc.Paid {
			t.Errorf("%s: change %+v, portal %s paid %v", ch.TrackingNumber, ch, pc.Status, pc.Paid)
		}
		if want != localdb.ClaimPaid && want != localdb.ClaimDenied {
			t.Errorf("%s: portal status %s after 9 days", ch.TrackingNumber, pc.Status)
		}
	}
	totals, err := claims.Totals(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var nclaims, paid int64
	for _, tt := range totals {
		nclaims += int64(tt.Claims)
		paid += tt.Paid
		if tt.Pending != 0 || tt.Paid > tt.Claimed || tt.Denied > tt.Claimed {
			t.Errorf("%s %s: totals %+v after every claim ended", tt.Courier, tt.Currency, tt)
		}
	}
	if nclaims != int64(len(parcels)) {
		t.Errorf("totals count %d claims, want %d", nclaims, len(parcels))
	}
	var buf bytes.Buffer
	if err := claims.WriteTotalsCSV(&buf, totals); err != nil {
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
