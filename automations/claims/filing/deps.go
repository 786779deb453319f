package filing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Deps are what filing a claim through its carrier's portal works with:
// the browser-free Deps of package claims and the browser, recipes and
// portal credentials. DB is required; the rest have defaults (see each
// field).
type Deps struct {
	claims.Deps
	// Secrets holds the portal credentials (see claims.PortalUsernameKey).
	Secrets secrets.Store
	// Browser starts or returns the browser, on first need only.
	Browser func(ctx context.Context) (*automations.Browser, error)
	// Recipes holds the portal recipes; nil means the embedded ones.
	Recipes *automations.RecipeSet
	// Portals chooses the recipe and address of a carrier's claim portal;
	// a carrier not listed uses claims.PortalFor(Config, carrier).
	Portals map[string]claims.Portal
	// EvidenceDir, when set, keeps screenshots and HTML of failed portal
	// steps.
	EvidenceDir string
	// StepTimeout is the budget of one portal step; zero means 20 seconds.
	StepTimeout time.Duration
	// Retry is the policy for a filing attempt that fails on its way (a
	// 5xx, a timeout); the zero value means automations.DefaultRetry.
	Retry automations.RetryPolicy
	// Checkpoint, when set, is called with the name of each point the
	// filing passes (see FilingPoints). Tests use it to stop the process at
	// exactly that point; production leaves it nil.
	Checkpoint func(point string)
}

func (d *Deps) stepTimeout() time.Duration {
	if d.StepTimeout > 0 {
		return d.StepTimeout
	}
	return 20 * time.Second
}

func (d *Deps) retry() automations.RetryPolicy {
	if d.Retry.Attempts > 0 {
		return d.Retry
	}
	return automations.DefaultRetry
}

func (d *Deps) checkpoint(point string) {
	if d.Checkpoint != nil {
		d.Checkpoint(point)
	}
}

func (d *Deps) recipes() (*automations.RecipeSet, error) {
	if d.Recipes != nil {
		return d.Recipes, nil
	}
	set, err := automations.LoadRecipes("")
	if err != nil {
		return nil, fmt.Errorf("claims: load the embedded recipes: %w", err)
	}
	d.Recipes = set
	return set, nil
}

func (d *Deps) portal(carrier string) (*automations.Recipe, error) {
	p, ok := d.Portals[carrier]
	if !ok {
		p = claims.PortalFor(d.Conf(), carrier)
	}
	set, err := d.recipes()
	if err != nil {
		return nil, err
	}
	r, err := set.Get(p.Recipe)
	if err != nil {
		return nil, fmt.Errorf("claim portal of %s: %w", carrier, err)
	}
	if p.BaseURL != "" {
		r = r.WithBaseURL(p.BaseURL)
	}
	if _, err := r.URL("claims_login"); err != nil {
		return nil, fmt.Errorf("claim portal of %s: recipe %s does not describe a claim portal (%v); set carriers.%s.portal_url in the config or add the claims keys to the recipe",
			carrier, r.Site, err, carrier)
	}
	return r, nil
}

// credentials reads the portal login of a carrier. The user may also come
// from carriers.<c>.claim_account in the config; the password only from the
// secret store.
func (d *Deps) credentials(ctx context.Context, carrier string) (user, pass string, err error) {
	if d.Secrets == nil {
		return "", "", fmt.Errorf("claim portal of %s: no secret store; set %s and %s", carrier,
			secrets.EnvName(claims.PortalUsernameKey(carrier)), secrets.EnvName(claims.PortalPasswordKey(carrier)))
	}
	user, err = d.Secrets.Get(ctx, claims.PortalUsernameKey(carrier))
	if err != nil {
		if cc, ok := d.Conf().Carriers[carrier]; ok && cc.ClaimAccount != "" && errors.Is(err, secrets.ErrNotFound) {
			user, err = cc.ClaimAccount, nil
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("claim portal user of %s: %w", carrier, err)
	}
	pass, err = d.Secrets.Get(ctx, claims.PortalPasswordKey(carrier))
	if err != nil {
		return "", "", fmt.Errorf("claim portal password of %s: %w", carrier, err)
	}
	return user, pass, nil
}
