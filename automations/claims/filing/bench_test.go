package filing

import (
	"context"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/sandbox"
)

// BenchmarkDraftAndFile50 drafts and files 50 claims against the sandbox's
// four portals and reports claims per minute, twice: with the Filer keeping
// one logged-in page per carrier between claims, and, as the baseline in
// the same run, with a fresh isolated browser context (and so a new login)
// for every claim.
func BenchmarkDraftAndFile50(b *testing.B) {
	const n = 50
	sb := claimtest.StartSandbox(b, sandbox.Options{Seed: 31})
	parcels := claimtest.PickParcels(sb, 5, nil, sandbox.ParcelLost, sandbox.ParcelStalled)
	parcels = append(parcels, claimtest.PickParcels(sb, 3, func(p *sandbox.Parcel) bool { return claimtest.DamageThreadPhotos(sb, p) > 0 }, sandbox.ParcelDamaged)...)
	if len(parcels) < n {
		b.Fatalf("the world has %d claimable parcels, want %d", len(parcels), n)
	}
	parcels = parcels[:n]
	testBrowser(b)
	for _, mode := range []struct {
		name  string
		fresh bool
	}{{"pooled-sessions", false}, {"fresh-context-per-claim", true}} {
		b.Run(mode.name, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				sb.Reset()
				db := claimtest.OpenDB(b)
				claimtest.SeedParcels(b, db, sb, parcels, b.TempDir())
				deps := browserDeps(b, db, sb)
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
				filer := NewFiler(deps, mode.fresh)
				b.StartTimer()
				start := time.Now()
				for _, p := range parcels {
					d, err := claims.Draft(ctx, deps.Deps, p.TrackingNumber, "")
					if err != nil {
						b.Fatalf("draft %s: %v", p.TrackingNumber, err)
					}
					if _, err := filer.File(ctx, d.ID, nil); err != nil {
						b.Fatalf("file %s: %v", p.TrackingNumber, err)
					}
				}
				total += time.Since(start)
				b.StopTimer()
				_ = filer.Close()
				cancel()
				portal := sb.State().Claims
				for _, p := range parcels {
					if len(portal[p.TrackingNumber]) != 1 {
						b.Fatalf("%s: %d portal claims", p.TrackingNumber, len(portal[p.TrackingNumber]))
					}
				}
			}
			perMin := float64(n*b.N) / total.Minutes()
			b.ReportMetric(perMin, "claims/min")
			b.ReportMetric(0, "ns/op")
			b.Logf("%s: %d claims drafted and filed in %s: %.1f claims/min", mode.name, n*b.N, total.Round(time.Millisecond), perMin)
		})
	}
}
