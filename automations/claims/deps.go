package claims

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Deps are what the browser-free claim functions work with (finding
// candidates, drafting, the policy). DB is required; the rest have
// defaults (see each field). Filing through a portal needs more: see
// package filing.
type Deps struct {
	DB *localdb.DB
	// Config supplies thresholds, rule overrides, damage keywords, portal
	// URLs and the unattended-filing policy; nil means config.Defaults().
	Config *config.Config
	// DataDir is where drafts keep their evidence files (a "claims" folder
	// is made inside it, mode 0700); empty means the database's folder.
	DataDir string
	// Logger gets one line per portal action; nil discards.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Conf returns the config, config.Defaults() when none was given.
func (d *Deps) Conf() *config.Config {
	d.Config = config.OrDefaults(d.Config)
	return d.Config
}

// Clock returns the current time by the injected clock.
func (d *Deps) Clock() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

// Log returns the logger, one that discards when none was given.
func (d *Deps) Log() *slog.Logger {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Check reports Deps that cannot work (no database).
func (d *Deps) Check() error {
	if d.DB == nil {
		return errors.New("claims: no database; open one with localdb.Open")
	}
	return nil
}

// dataDir is where the claims folder lives.
func (d *Deps) dataDir() string {
	if d.DataDir != "" {
		return d.DataDir
	}
	return filepath.Dir(d.DB.Path())
}

// EvidenceRoot is the folder that holds one sub-folder of evidence per claim.
func (d *Deps) EvidenceRoot() string { return filepath.Join(d.dataDir(), "claims") }

// Portal says which recipe drives a carrier's claim portal and where the
// portal is.
type Portal struct {
	Recipe  string // recipe site name, such as "ups" or "ups-sandbox"
	BaseURL string // "" keeps the recipe's own base URL
}

// PortalFor returns the portal of a carrier as the config sets it: the
// recipe carriers.<c>.recipe (else the one named as the carrier) at
// carriers.<c>.portal_url (else the recipe's own address).
func PortalFor(cfg *config.Config, carrier string) Portal {
	p := Portal{Recipe: carrier}
	if cfg == nil {
		return p
	}
	cc := cfg.Carriers[carrier]
	if cc.Recipe != "" {
		p.Recipe = cc.Recipe
	}
	p.BaseURL = cc.PortalURL
	return p
}

// PortalUsernameKey is the secrets key of a carrier's claim portal user.
func PortalUsernameKey(carrier string) string { return secrets.CarrierKey(carrier, "portal_username") }

// PortalPasswordKey is the secrets key of a carrier's claim portal password.
func PortalPasswordKey(carrier string) string { return secrets.CarrierKey(carrier, "portal_password") }

// PolicyAllows says whether the config lets a claim be filed with nobody at
// the keyboard (the scheduler, an agent): claims.auto_file must be on, the
// amount above zero and at most claims.max_auto_amount, in claims.currency, and the claim's
// window open at now. A person filing can go outside the window after a
// warning; an unattended run never does. The reason says why in words an
// operator can act on.
func PolicyAllows(cfg *config.Config, c localdb.Claim, now time.Time) (bool, string) {
	cfg = config.OrDefaults(cfg)
	if !cfg.Claims.AutoFile {
		return false, "unattended filing is off; set claims.auto_file: true in the config, or file it yourself with `sellerops claims file`"
	}
	switch {
	case !c.WindowOpens.IsZero() && now.Before(c.WindowOpens):
		return false, fmt.Sprintf("claim %d: the carrier's claim window opens on %s; it is filed from then on", c.ID, c.WindowOpens.UTC().Format(time.DateOnly))
	case !c.WindowCloses.IsZero() && now.After(c.WindowCloses):
		return false, fmt.Sprintf("claim %d: the carrier's claim window closed on %s; file it yourself if the carrier still accepts it", c.ID, c.WindowCloses.UTC().Format(time.DateOnly))
	}
	if err := AmountProblem(c); err != nil {
		return false, err.Error()
	}
	limit, err := cfg.Claims.AutoLimit()
	if err != nil {
		return false, "claims.max_auto_amount: " + err.Error()
	}
	amt := money.Of(c.Amount, c.Currency)
	if amt.Currency() != limit.Currency() {
		return false, fmt.Sprintf("claim %d is in %s but claims.max_auto_amount is in %s; file it yourself", c.ID, amt.Currency(), limit.Currency())
	}
	if amt.Minor() > limit.Minor() {
		return false, fmt.Sprintf("claim %d asks for %s, above claims.max_auto_amount %s; file it yourself or raise the limit",
			c.ID, amt, limit)
	}
	return true, fmt.Sprintf("claims.auto_file is on, the window is open and %s is within claims.max_auto_amount %s", amt, limit)
}

// AmountProblem says why a claim cannot be filed as it stands money-wise:
// no amount yet, or a currency that is not ISO 4217. A claim is never sent
// to a portal for 0. The error wraps money.ErrBadAmount and says the fix.
func AmountProblem(c localdb.Claim) error {
	if !money.Known(c.Currency) {
		return fmt.Errorf("%w: claim %d has no amount in a known currency (currency %q); set one with `sellerops claims edit %d --amount 49.90 --currency USD`",
			money.ErrBadAmount, c.ID, c.Currency, c.ID)
	}
	if c.Amount <= 0 {
		return fmt.Errorf("%w: claim %d asks for no money yet; set the amount claimed with `sellerops claims edit %d --amount %s`",
			money.ErrBadAmount, c.ID, c.ID, exampleAmount(c.Currency))
	}
	return nil
}

// exampleAmount is a sample amount written as the currency is written:
// 49.90 for USD, 4990 for JPY, 49.900 for KWD.
func exampleAmount(currency string) string {
	d, err := money.Decimals(currency)
	if err != nil {
		return "49.90"
	}
	minor := int64(4990)
	for ; d > 2; d-- {
		minor *= 10
	}
	return money.Of(minor, currency).Decimal()
}
