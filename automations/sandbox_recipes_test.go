package automations

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
)

func startSandbox(t *testing.T) *sandbox.Sandbox {
	t.Helper()
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Seed: 7, Orders: 40})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	return sb
}

// sandboxRecipe returns the named recipe pointed at the running sandbox.
func sandboxRecipe(t *testing.T, set *RecipeSet, sb *sandbox.Sandbox, site string) *Recipe {
	t.Helper()
	r, err := set.Get(site + "-sandbox")
	if err != nil {
		t.Fatal(err)
	}
	return r.WithBaseURL(sb.URL(site))
}

func mustSel(t *testing.T, r *Recipe, name string) string {
	t.Helper()
	s, err := r.Selector(name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// recipeLogin signs in to a sandbox marketplace with the recipe's selectors
// only, the way a flow does: user and password, then the TOTP step (a new
// page on amazon and ebay, a second form on tiktok), and waits for the page
// the site lands on.
func recipeLogin(t *testing.T, ctx context.Context, pg *Page, r *Recipe, acct sandbox.Account, budget time.Duration) error {
	login, _ := r.URL("login")
	// The page loads with the test's whole budget; budget bounds only the
	// form, so that a short one meets a missing selector and not a slow load.
	if err := pg.Step(ctx, "login.open", testwait.Budget(t), func(p *rodPage) error { return Navigate(p, login) }); err != nil {
		return err
	}
	return pg.Step(ctx, "login", budget, func(p *rodPage) error {
		for _, f := range []struct{ key, text string }{{"login.username", acct.Username}, {"login.password", acct.Password}} {
			el, err := Find(p, f.key, mustSel(t, r, f.key))
			if err != nil {
				return err
			}
			if err := el.Input(f.text); err != nil {
				return err
			}
		}
		submit, err := Find(p, "login.submit", mustSel(t, r, "login.submit"))
		if err != nil {
			return err
		}
		if err := submit.Click("left", 1); err != nil {
			return err
		}
		otpEl, err := Find(p, "login.totp", mustSel(t, r, "login.totp"))
		if err != nil {
			return err
		}
		if err := otpEl.WaitVisible(); err != nil {
			return err
		}
		code, err := totp.GenerateCode(acct.TOTPSecret, time.Now())
		if err != nil {
			return err
		}
		if err := otpEl.Input(code); err != nil {
			return err
		}
		otpSubmit, err := Find(p, "login.totp_submit", mustSel(t, r, "login.totp_submit"))
		if err != nil {
			return err
		}
		landed := p.WaitNavigation("load")
		if err := otpSubmit.Click("left", 1); err != nil {
			return err
		}
		landed()
		return nil
	})
}

// readInbox opens the inbox and returns the thread ids it shows, read in
// one Eval.
func readInbox(t *testing.T, ctx context.Context, pg *Page, r *Recipe) ([]string, error) {
	inbox, _ := r.URL("inbox")
	attr, _ := r.Attr("thread_id")
	var ids []string
	err := pg.Step(ctx, "inbox.list", testwait.Budget(t), func(p *rodPage) error {
		if err := Navigate(p, inbox); err != nil {
			return err
		}
		if _, err := Find(p, "inbox.thread", mustSel(t, r, "inbox.thread")); err != nil {
			return err
		}
		res, err := p.Eval(`(row, attr) => JSON.stringify([...document.querySelectorAll(row)].map((el) => el.getAttribute(attr) || ''))`,
			mustSel(t, r, "inbox.thread"), attr)
		if err != nil {
			return err
		}
		return json.Unmarshal([]byte(res.Value.Str()), &ids)
	})
	return ids, err
}

func TestSandboxRecipesMatchTheSandbox(t *testing.T) {
	sb := startSandbox(t)
	set, err := LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	pool := testPool(t, PoolOptions{Size: 1, Block: []Resource{Images, Fonts, Media}})
	ctx := testCtx(t)
	pg, err := pool.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)

	// Every marketplace's login form is where its recipe says.
	for _, site := range []string{"amazon", "ebay", "tiktok"} {
		r := sandboxRecipe(t, set, sb, site)
		login, _ := r.URL("login")
		err := pg.Step(ctx, site+".login_form", testwait.Budget(t), func(p *rodPage) error {
			if err := Navigate(p, login); err != nil {
				return err
			}
			for _, key := range []string{"login.username", "login.password", "login.submit"} {
				if _, err := Find(p, key, mustSel(t, r, key)); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", site, err)
		}
	}

	// Every marketplace end to end: sign in with TOTP, then read the inbox.
	for _, site := range []string{"amazon", "ebay", "tiktok"} {
		r := sandboxRecipe(t, set, sb, site)
		if err := recipeLogin(t, ctx, pg, r, sb.Account(site), testwait.Budget(t)); err != nil {
			t.Errorf("%s login through the recipe: %v", site, err)
			continue
		}
		ids, err := readInbox(t, ctx, pg, r)
		if err != nil {
			t.Errorf("%s inbox through the recipe: %v", site, err)
			continue
		}
		if len(ids) == 0 || slices.Contains(ids, "") {
			t.Errorf("%s inbox thread ids read through the recipe: %q", site, ids)
		}
	}

	// Each carrier's tracking page renders its events where the recipe says.
	var parcel *sandbox.Parcel
	for _, carrier := range []string{"ups", "fedex", "usps", "dhl"} {
		parcel = nil
		for _, p := range sb.World().Parcels {
			if p.Carrier == carrier && len(p.Events) > 1 && !p.ShipDate.After(sb.Now()) {
				parcel = p
				break
			}
		}
		if parcel == nil {
			t.Fatalf("the sandbox world has no %s parcel with events", carrier)
		}
		cr := sandboxRecipe(t, set, sb, carrier)
		u, err := cr.Expand("track", map[string]string{"number": parcel.TrackingNumber})
		if err != nil {
			t.Fatal(err)
		}
		var events int
		err = pg.Step(ctx, carrier+".track", testwait.Budget(t), func(p *rodPage) error {
			if err := Navigate(p, u); err != nil {
				return err
			}
			if _, err := Find(p, "track.done", mustSel(t, cr, "track.done")); err != nil {
				return err
			}
			res, err := p.Eval(`(sel) => document.querySelectorAll(sel).length`, mustSel(t, cr, "track.events"))
			if err != nil {
				return err
			}
			events = res.Value.Int()
			return nil
		})
		if err != nil {
			t.Errorf("%s tracking: %v", carrier, err)
			continue
		}
		if events == 0 {
			t.Errorf("%s tracking page for %s shows no events through the recipe", carrier, parcel.TrackingNumber)
		}
	}
}

func TestOverrideFixesSandboxVariant2(t *testing.T) {
	sb := startSandbox(t)
	if err := sb.SetFaults("amazon.variant=2"); err != nil {
		t.Fatal(err)
	}
	evidence := filepath.Join(t.TempDir(), "evidence")
	pool := testPool(t, PoolOptions{Size: 1, Site: "amazon-sandbox", EvidenceDir: evidence, Isolated: true})
	ctx := testCtx(t)
	pg, err := pool.Get(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	acct := sb.Account("amazon")

	// The default recipe no longer fits: page_changed, with evidence.
	set, err := LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	// A short budget: the selector will never match, and the step ends
	// when the budget does.
	err = recipeLogin(t, ctx, pg, sandboxRecipe(t, set, sb, "amazon"), acct, 3*time.Second)
	var f *Failure
	if !errors.As(err, &f) || f.Class != PageChanged {
		t.Fatalf("login on variant 2 with the default recipe = %v, want page_changed", err)
	}
	var sel *SelectorError
	if !errors.As(err, &sel) || sel.Name != "login.username" {
		t.Errorf("failure does not name the recipe key that broke: %v", err)
	}
	for _, file := range []string{EvidenceHTML, EvidenceScreenshot, EvidenceLog} {
		if _, err := os.Stat(filepath.Join(f.Evidence, file)); err != nil {
			t.Errorf("page_changed left no %s: %v", file, err)
		}
	}
	html, _ := os.ReadFile(filepath.Join(f.Evidence, EvidenceHTML))
	if !strings.Contains(string(html), "signin-email") {
		t.Errorf("evidence HTML does not show the renamed field an operator needs to see")
	}

	// An operator writes an override with the renamed ids; no rebuild.
	dir := t.TempDir()
	writeOverride(t, dir, "amazon-sandbox.yaml", `# variant 2 renamed the sign-in ids
selectors:
  login.username: "#signin-email"
  login.password: "#signin-pass"
  login.submit: "#continue-btn"
  login.totp: "#otp-input"
  login.totp_submit: "#otp-submit"
  inbox.thread: "tr.conv-item"
attributes:
  thread_id: data-conv-id
`)
	set, err = LoadRecipes(dir)
	if err != nil {
		t.Fatal(err)
	}
	r := sandboxRecipe(t, set, sb, "amazon")
	if err := recipeLogin(t, ctx, pg, r, acct, testwait.Budget(t)); err != nil {
		t.Fatalf("login with the override: %v", err)
	}
	ids, err := readInbox(t, ctx, pg, r)
	if err != nil || len(ids) == 0 || slices.Contains(ids, "") {
		t.Errorf("variant 2 inbox through the override: ids %q, %v", ids, err)
	}
	if got := sb.State().Logins["amazon"].Succeeded; got != 1 {
		t.Errorf("sandbox counted %d successful amazon logins, want 1", got)
	}
}
