package filing

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// TestMoneyEndToEnd follows one order in each of USD, EUR, GBP, JPY (no
// minor unit) and KWD (three digits) from the sandbox's marketplace pages
// through sync, a claim draft and the carrier's claim form, and checks that
// the amount typed into the form is the order's value as the marketplace
// shows it: "4900" for 4,900 JPY, "12.345" for 12.345 KWD. A TikTok order,
// whose page shows no value, gives a draft with no amount that is not filed.
func TestMoneyEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := testwait.Context(t)
	// Seed 12 with 30 orders a store has a lost or damaged parcel in every one
	// of the five currencies among orders with a buyer thread (which is what
	// sync reads), and one on TikTok.
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 12, Orders: 30})
	db := claimtest.OpenDB(t, localdb.WithClock(sb.Now))
	w := sb.World()
	now := sb.Now()
	withThread := map[string]bool{}
	for _, th := range w.Threads {
		if th.Visible(now) {
			withThread[th.OrderID] = true
		}
	}
	picked := map[string]*sandbox.Parcel{}
	var tiktok *sandbox.Parcel
	for _, p := range w.Parcels {
		o := w.Order(p.OrderID)
		if (p.State != sandbox.ParcelLost && p.State != sandbox.ParcelDamaged) || !withThread[o.ID] {
			continue
		}
		if o.Marketplace == "tiktok" {
			if tiktok == nil {
				tiktok = p
			}
			continue
		}
		// Above USD 100 the flat carriers cap the claim at their coverage;
		// this test is about the order's value reaching the form unchanged.
		if o.Currency == "USD" && p.Carrier != "dhl" && o.Value > 10000 {
			continue
		}
		if picked[o.Currency] == nil {
			picked[o.Currency] = p
		}
	}
	currencies := []string{"USD", "EUR", "GBP", "JPY", "KWD"}
	for _, c := range currencies {
		if picked[c] == nil {
			t.Fatalf("the sandbox world has no claimable %s parcel with a thread; pick another seed", c)
		}
	}
	if tiktok == nil {
		t.Fatal("the sandbox world has no claimable TikTok parcel with a thread; pick another seed")
	}

	// Sync the stores through their pages in Chromium.
	recipes, err := automations.LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mdeps := &marketplace.Deps{DB: db, Secrets: marketplace.NewMemorySecrets(), Browser: testBrowser(t), Recipes: recipes,
		Logger: slog.New(slog.DiscardHandler), AttachmentDir: filepath.Join(dir, "attachments"), Now: sb.Now,
		Retry: automations.RetryPolicy{Attempts: 4, Base: 200 * time.Millisecond, Max: 2 * time.Second}}
	var names []string
	for _, st := range w.Stores {
		acct := sb.Account(st.ID)
		if acct.Site == "tiktok" {
			// Its parcel stands below for an order whose site gave no value.
			continue
		}
		if _, err := marketplace.AddStoreWithRecipes(ctx, db, mdeps.Secrets, recipes, marketplace.StoreSpec{
			Name: st.ID, Marketplace: acct.Site, BaseURL: sb.URL(acct.Site), Username: acct.Username,
			Recipe: acct.Site + "-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret, Demo: true}); err != nil {
			t.Fatalf("add store %s: %v", st.ID, err)
		}
		names = append(names, st.ID)
	}
	sum, err := marketplace.SyncStores(ctx, mdeps, names, nil)
	if err != nil {
		t.Fatalf("sync: %v", err)
	}
	for _, s := range sum.Stores {
		if !s.OK {
			t.Fatalf("sync of %s failed: %s %s", s.Store, s.FailureClass, s.Error)
		}
	}

	deps := browserDeps(t, db, sb)
	deps.Deps.Config.Claims.Currency = "USD" // the config's currency must not leak into a claim in another one
	filer := NewFiler(deps, false)
	defer filer.Close()
	for _, cur := range currencies {
		p := picked[cur]
		o := w.Order(p.OrderID)
		wantText := money.FormatDecimal(o.Value, o.Currency)
		t.Run(cur, func(t *testing.T) {
			stored, err := db.FindOrdersByTracking(ctx, p.TrackingNumber)
			if err != nil || len(stored) != 1 {
				t.Fatalf("order of %s after sync: %v, %v", p.TrackingNumber, stored, err)
			}
			if stored[0].DeclaredValue != o.Value || stored[0].Currency != o.Currency {
				t.Fatalf("order %s stored as %s, the marketplace shows %s", o.ID,
					money.Format(stored[0].DeclaredValue, stored[0].Currency), money.Format(o.Value, o.Currency))
			}
			claimtest.SeedTracking(t, db, sb, p, stored[0].ID)
			d, err := claims.Draft(ctx, deps.Deps, p.TrackingNumber, "")
			if err != nil {
				t.Fatalf("draft: %v", err)
			}
			if d.Amount != o.Value || d.Currency != o.Currency || d.AmountMissing != "" {
				t.Fatalf("draft amount %s (%q), want the order's %s", money.Format(d.Amount, d.Currency), d.AmountMissing, money.Format(o.Value, o.Currency))
			}
			if d.Kind == localdb.ClaimDamaged && !hasPhoto(d) {
				// The buyer sent no photo; the portal wants one, as a person filing would add.
				photo := filepath.Join(t.TempDir(), "box.png")
				if err := os.WriteFile(photo, claimtest.PNGBytes(t, 90), 0o600); err != nil {
					t.Fatal(err)
				}
				if _, err := claims.EditDraft(ctx, deps.Deps, d.ID, claims.Edit{AddEvidence: []string{photo}}); err != nil {
					t.Fatalf("add a photo: %v", err)
				}
			}
			if _, err := filer.File(ctx, d.ID, nil); err != nil {
				t.Fatalf("file %s claim %d: %v", p.Carrier, d.ID, err)
			}
			got := sb.State().Claims[p.TrackingNumber]
			if len(got) != 1 {
				t.Fatalf("the %s portal holds %d claims for %s", p.Carrier, len(got), p.TrackingNumber)
			}
			if got[0].AmountText != wantText || got[0].Amount != o.Value || got[0].Currency != o.Currency {
				t.Errorf("claim form got %q %s (%d minor units), the order is %s %s", got[0].AmountText, got[0].Currency,
					got[0].Amount, wantText, o.Currency)
			}
		})
	}

	t.Run("no value", func(t *testing.T) {
		// An order known without its value, as from a site or a mail that
		// does not show one.
		to := w.Order(tiktok.OrderID)
		st, err := db.CreateStore(ctx, localdb.Store{Name: "no-value", Marketplace: "tiktok"})
		if err != nil {
			t.Fatal(err)
		}
		stored, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: to.ID, BuyerName: "Buyer"})
		if err != nil {
			t.Fatal(err)
		}
		claimtest.SeedTracking(t, db, sb, tiktok, stored.ID)
		d, err := claims.Draft(ctx, deps.Deps, tiktok.TrackingNumber, "")
		if err != nil {
			t.Fatalf("draft: %v", err)
		}
		if d.Amount != 0 || d.Currency == "USD" || d.AmountMissing == "" {
			t.Fatalf("draft for an order without a value: %s, reason %q; want no amount and a reason", money.Format(d.Amount, d.Currency), d.AmountMissing)
		}
		_, err = filer.File(ctx, d.ID, nil)
		if !errors.Is(err, money.ErrBadAmount) {
			t.Fatalf("filing a claim without an amount: %v, want a bad-amount error", err)
		}
		if c, _ := db.GetClaim(ctx, d.ID); c.State != localdb.ClaimDraft {
			t.Errorf("claim %d is %s after the refusal, want draft", d.ID, c.State)
		}
		if n := len(sb.State().Claims[tiktok.TrackingNumber]); n != 0 {
			t.Errorf("the portal holds %d claims for a claim without an amount", n)
		}
	})
}

func hasPhoto(d claims.Detail) bool {
	for _, e := range d.Evidence {
		if e.Kind == localdb.EvidencePhoto {
			return true
		}
	}
	return false
}
