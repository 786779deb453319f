package marketplace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Marketplaces lists the marketplaces this package has flows for.
var Marketplaces = []string{"amazon", "ebay", "tiktok"}

// ErrInvalidInput marks a bad value given by the operator (a store name, a
// URL, a TOTP seed, a template); the message names it.
var ErrInvalidInput = messages.ErrInvalidInput

// Deps are what the flows need. DB, Secrets, Browser and Recipes are
// required; the rest have defaults.
type Deps struct {
	DB      *localdb.DB
	Secrets secrets.Store
	Browser *automations.Browser
	Recipes *automations.RecipeSet
	Logger  *slog.Logger
	// EvidenceDir receives screenshots, sanitised HTML and step logs of
	// failed steps. Empty means no evidence is kept.
	EvidenceDir string
	// AttachmentDir receives buyers' attachments, one folder per store.
	// Empty means attachments are recorded but not downloaded.
	AttachmentDir string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Retry is the policy for rate_limited, site_error and timeout
	// failures; the zero value means automations.DefaultRetry.
	Retry automations.RetryPolicy
	// Hook, when set, is called at each named step boundary of a reply
	// (see ReplyPoints). Tests use it to stop the process at a chosen point.
	Hook func(point string)
	// Config gives the stores' expected languages (stores[].languages) to
	// language detection; nil means none.
	Config *config.Config
	// Mail reads and answers the stores that have an email channel
	// (IMAP/SMTP) instead of the browser; nil means such stores fail with
	// a message saying so.
	Mail MailChannel
}

// MailChannel syncs and answers a store through its email account. It
// writes the same rows as the browser flows and sends through the same
// outbox.
type MailChannel interface {
	// HasMail tells whether the store is read by email.
	HasMail(ctx context.Context, st localdb.Store) (bool, error)
	// SyncStore reads the store's new mail into the database.
	SyncStore(ctx context.Context, st localdb.Store, rec automations.Recorder, progress func(Progress)) StoreSummary
	// SendReply answers the local thread by email.
	SendReply(ctx context.Context, threadID int64, body string, progress func(Progress)) (ReplyResult, error)
}

func (d *Deps) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

func (d *Deps) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Deps) retry() automations.RetryPolicy {
	if d.Retry.Attempts == 0 {
		return automations.DefaultRetry
	}
	return d.Retry
}

func (d *Deps) hook(point string) {
	if d.Hook != nil {
		d.Hook(point)
	}
}

func (d *Deps) check() error {
	switch {
	case d.DB == nil:
		return errors.New("marketplace: no database")
	case d.Secrets == nil:
		return errors.New("marketplace: no secret store")
	case d.Recipes == nil:
		return errors.New("marketplace: no recipes")
	}
	return nil
}

// StoreSpec describes a store to register. Password and TOTPSecret go to
// the secret store only.
type StoreSpec struct {
	Name        string
	Marketplace string // amazon, ebay or tiktok
	BaseURL     string // the portal's address; empty means the recipe's
	Username    string
	Recipe      string // recipe site name; empty means the marketplace's default
	Password    string
	TOTPSecret  string // base32 seed of the authenticator; may be empty
	Demo        bool
}

var storeName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$`)

// CheckStoreName is the one rule for a store's name, whatever its channel:
// 1-63 letters, digits, dots, dashes or underscores, starting with a letter
// or digit (it becomes part of keyring keys and folder names).
func CheckStoreName(name string) error {
	if !storeName.MatchString(name) {
		return fmt.Errorf("%w: store name %q: use 1-63 letters, digits, dots, dashes or underscores", ErrInvalidInput, name)
	}
	return nil
}

// DefaultRecipe is the recipe a new store of the marketplace uses when none
// is named: the real site's.
func DefaultRecipe(marketplace string) string {
	switch marketplace {
	case "amazon":
		return "amazon-seller-central"
	case "ebay":
		return "ebay"
	case "tiktok":
		return "tiktok-shop"
	}
	return ""
}

// Validate checks a spec without touching anything and names the first bad
// field and its fix.
func (s StoreSpec) Validate(recipes *automations.RecipeSet) error {
	if err := CheckStoreName(s.Name); err != nil {
		return err
	}
	known := false
	for _, m := range Marketplaces {
		known = known || m == s.Marketplace
	}
	if !known {
		return fmt.Errorf("%w: marketplace %q: use one of %s", ErrInvalidInput, s.Marketplace, strings.Join(Marketplaces, ", "))
	}
	if s.BaseURL != "" {
		u, err := url.Parse(s.BaseURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%w: base URL %q: give an absolute http(s) address such as https://sellercentral.amazon.com", ErrInvalidInput, s.BaseURL)
		}
	}
	if strings.TrimSpace(s.Username) == "" {
		return fmt.Errorf("%w: store %s: the username is empty; pass --username", ErrInvalidInput, s.Name)
	}
	if s.Password == "" {
		return fmt.Errorf("%w: store %s: the password is empty; pass it on the prompt or with --password-stdin", ErrInvalidInput, s.Name)
	}
	if s.TOTPSecret != "" {
		if _, err := totp.GenerateCode(normalizeSeed(s.TOTPSecret), time.Now()); err != nil {
			return fmt.Errorf("%w: store %s: the TOTP secret is not a base32 seed (the text under the QR code, letters A-Z and digits 2-7)", ErrInvalidInput, s.Name)
		}
	}
	if recipes != nil {
		r := s.Recipe
		if r == "" {
			r = DefaultRecipe(s.Marketplace)
		}
		if _, err := recipes.Get(r); err != nil {
			return fmt.Errorf("%w: store %s: %v", ErrInvalidInput, s.Name, err)
		}
	}
	return nil
}

func normalizeSeed(s string) string {
	return strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
}

// AddStore registers a store: its secrets go to sec (the keyring, or a
// MemorySecrets for the demo), its description to the database. A store
// name already taken is refused (localdb.ErrConflict) and nothing is stored.
func AddStore(ctx context.Context, db *localdb.DB, sec secrets.Store, spec StoreSpec) (localdb.Store, error) {
	return AddStoreWithRecipes(ctx, db, sec, nil, spec)
}

// AddStoreWithRecipes is AddStore that also checks that the store's recipe
// exists in recipes (nil skips the check).
func AddStoreWithRecipes(ctx context.Context, db *localdb.DB, sec secrets.Store, recipes *automations.RecipeSet, spec StoreSpec) (localdb.Store, error) {
	if err := spec.Validate(recipes); err != nil {
		return localdb.Store{}, err
	}
	if spec.Recipe == "" {
		spec.Recipe = DefaultRecipe(spec.Marketplace)
	}
	if _, err := db.GetStoreByName(ctx, spec.Name); err == nil {
		return localdb.Store{}, fmt.Errorf("store %q already exists; remove it first with `sellerops stores remove %s`: %w", spec.Name, spec.Name, localdb.ErrConflict)
	}
	if err := sec.Set(ctx, secrets.StorePasswordKey(spec.Name), spec.Password); err != nil {
		return localdb.Store{}, fmt.Errorf("store %s: keep the password: %w", spec.Name, err)
	}
	if spec.TOTPSecret != "" {
		if err := sec.Set(ctx, secrets.StoreTOTPKey(spec.Name), normalizeSeed(spec.TOTPSecret)); err != nil {
			_ = sec.Delete(ctx, secrets.StorePasswordKey(spec.Name))
			return localdb.Store{}, fmt.Errorf("store %s: keep the TOTP secret: %w", spec.Name, err)
		}
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: spec.Name, Marketplace: spec.Marketplace, BaseURL: spec.BaseURL,
		Username: strings.TrimSpace(spec.Username), Recipe: spec.Recipe, Demo: spec.Demo})
	if err != nil {
		_ = sec.Delete(ctx, secrets.StorePasswordKey(spec.Name))
		_ = sec.Delete(ctx, secrets.StoreTOTPKey(spec.Name))
		return localdb.Store{}, err
	}
	return st, nil
}

// RemoveStore deletes a store with its threads and orders, and its secrets.
//
// With keepData the store's threads, messages, orders and claims stay, to
// read and search; the store is only taken out of use (no sync, no
// sign-in) and its secrets go. A store removed that way can be removed
// again without keepData to delete its history too.
func RemoveStore(ctx context.Context, db *localdb.DB, sec secrets.Store, name string, keepData bool) error {
	st, err := db.GetStoreRecord(ctx, name)
	if err != nil {
		return err
	}
	switch {
	case keepData && !st.RemovedAt.IsZero():
		return nil // already out of use, its history kept
	case keepData:
		err = db.MarkStoreRemoved(ctx, st.ID)
	default:
		err = db.DeleteStore(ctx, st.ID)
	}
	if err != nil {
		return err
	}
	var errs []error
	for _, k := range []string{secrets.StorePasswordKey(name), secrets.StoreTOTPKey(name), secrets.StoreSessionKey(name)} {
		if err := sec.Delete(ctx, k); err != nil && !errors.Is(err, secrets.ErrNotFound) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// StoreUpdate is a change to a store's sign-in: each field left empty is
// kept. ClearTOTP removes the TOTP secret, for an account whose second step
// was turned off.
type StoreUpdate struct {
	Username   string
	Password   string
	TOTPSecret string
	ClearTOTP  bool
}

// UpdateStore changes a store's username, password or TOTP secret, for
// when the site refuses the stored ones. The kept session is dropped so
// that the next sign-in uses the new credentials.
func UpdateStore(ctx context.Context, db *localdb.DB, sec secrets.Store, name string, u StoreUpdate) (localdb.Store, error) {
	st, err := db.GetStoreByName(ctx, name)
	if err != nil {
		return localdb.Store{}, err
	}
	if u.Username == "" && u.Password == "" && u.TOTPSecret == "" && !u.ClearTOTP {
		return localdb.Store{}, fmt.Errorf("%w: store %s: nothing to change; give --username, --password-stdin, --totp-secret-stdin or --no-totp", ErrInvalidInput, name)
	}
	if u.TOTPSecret != "" && u.ClearTOTP {
		return localdb.Store{}, fmt.Errorf("%w: store %s: a new TOTP secret and --no-totp contradict each other; give one", ErrInvalidInput, name)
	}
	if u.TOTPSecret != "" {
		if _, err := totp.GenerateCode(normalizeSeed(u.TOTPSecret), time.Now()); err != nil {
			return localdb.Store{}, fmt.Errorf("%w: store %s: the TOTP secret is not a base32 seed (the text under the QR code, letters A-Z and digits 2-7)", ErrInvalidInput, name)
		}
	}
	if u.Username != "" {
		st.Username = strings.TrimSpace(u.Username)
		if st, err = db.UpdateStore(ctx, st); err != nil {
			return localdb.Store{}, err
		}
	}
	if u.Password != "" {
		if err := sec.Set(ctx, secrets.StorePasswordKey(name), u.Password); err != nil {
			return localdb.Store{}, fmt.Errorf("store %s: keep the password: %w", name, err)
		}
	}
	switch {
	case u.TOTPSecret != "":
		if err := sec.Set(ctx, secrets.StoreTOTPKey(name), normalizeSeed(u.TOTPSecret)); err != nil {
			return localdb.Store{}, fmt.Errorf("store %s: keep the TOTP secret: %w", name, err)
		}
	case u.ClearTOTP:
		if err := sec.Delete(ctx, secrets.StoreTOTPKey(name)); err != nil && !errors.Is(err, secrets.ErrNotFound) {
			return localdb.Store{}, fmt.Errorf("store %s: remove the TOTP secret: %w", name, err)
		}
	}
	if err := sec.Delete(ctx, secrets.StoreSessionKey(name)); err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return localdb.Store{}, fmt.Errorf("store %s: drop the old session: %w", name, err)
	}
	return st, nil
}

// recipeFor returns the store's recipe pointed at the store's base URL.
func recipeFor(set *automations.RecipeSet, st localdb.Store) (*automations.Recipe, error) {
	name := st.Recipe
	if name == "" {
		name = DefaultRecipe(st.Marketplace)
	}
	r, err := set.Get(name)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", st.Name, err)
	}
	if st.BaseURL != "" {
		r = r.WithBaseURL(st.BaseURL)
	}
	return r, nil
}
