package marketplace

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
	"github.com/sellerops/sellerops/marketplaces/amazon"
	"github.com/sellerops/sellerops/marketplaces/channel"
)

// APISpec describes a store's official-API channel. The client id, client
// secret and refresh token go to the secret store only.
type APISpec struct {
	// Marketplace lists the marketplaces the store sells in, comma-separated:
	// ids, or country codes (US, DE).
	Marketplace  string
	Endpoint     string // the API root; "" for the marketplace's region
	TokenURL     string // the token exchange; "" for the platform's own
	ClientID     string
	ClientSecret string
	RefreshToken string
	// Channels overrides the default channel of some jobs; a zero field
	// keeps the default (channel.Default).
	Channels localdb.Channels
	// Demo marks a store of the demo's sandbox.
	Demo bool
}

func checkHTTPURL(flag, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%w: %s %q: give an absolute http(s) address", ErrInvalidInput, flag, v)
	}
	return nil
}

// apiSecrets are the spec's secrets by keyring field.
func (a APISpec) apiSecrets() map[string]string {
	return map[string]string{"client_id": strings.TrimSpace(a.ClientID), "client_secret": strings.TrimSpace(a.ClientSecret),
		"refresh_token": strings.TrimSpace(a.RefreshToken)}
}

// account checks the spec for a store of the marketplace (browser: the
// store also has a portal sign-in) and returns the account it describes.
// Secrets are checked only when withSecrets is set.
func (a APISpec) account(name, marketplace string, browser, withSecrets bool) (localdb.APIAccount, error) {
	if !channel.HasAPI(marketplace) {
		return localdb.APIAccount{}, fmt.Errorf("%w: store %s: marketplace %q has no API channel yet; amazon, ebay and tiktok have one (drop --api to use the browser)", ErrInvalidInput, name, marketplace)
	}
	var ids []string
	var err error
	switch marketplace {
	case "amazon":
		if ids, err = amazon.ParseMarketplaces(a.Marketplace, a.Endpoint != ""); err != nil {
			return localdb.APIAccount{}, fmt.Errorf("%w: store %s: --marketplace-id: %v", ErrInvalidInput, name, err)
		}
	case "ebay":
		if strings.TrimSpace(a.Marketplace) != "" {
			return localdb.APIAccount{}, fmt.Errorf("%w: store %s: eBay's getOrders answers for every eBay marketplace of the seller; leave --marketplace-id out", ErrInvalidInput, name)
		}
	case "tiktok":
		// The shop cipher (Get Authorized Shops' cipher) names the shop in
		// every call; it is no secret, so it is kept with the account.
		if ids, err = tiktokShopCipher(a.Marketplace); err != nil {
			return localdb.APIAccount{}, fmt.Errorf("%w: store %s: --marketplace-id: %v", ErrInvalidInput, name, err)
		}
	}
	if err := checkHTTPURL("--api-endpoint", a.Endpoint); err != nil {
		return localdb.APIAccount{}, err
	}
	if err := checkHTTPURL("--token-url", a.TokenURL); err != nil {
		return localdb.APIAccount{}, err
	}
	if withSecrets {
		s := a.apiSecrets()
		for _, f := range secrets.StoreAPIFields {
			if s[f] == "" {
				return localdb.APIAccount{}, fmt.Errorf("%w: store %s: the API %s is empty; --api reads the client id, the client secret and the refresh token from standard input, one a line", ErrInvalidInput, name, strings.ReplaceAll(f, "_", " "))
			}
		}
		// The platforms' identifiers carry fixed prefixes (Login with
		// Amazon's app client id "amzn1.application-oa2-client." and refresh
		// token "Atzr|"; eBay's OAuth tokens "v^1.1#"): lines given in the
		// wrong order are caught here, before a secret lands under the
		// wrong name.
		switch marketplace {
		case "tiktok":
			// TikTok publishes no fixed form for its app keys and tokens;
			// lines in the wrong order fail the first call (stores test).
		case "ebay":
			if !strings.HasPrefix(s["refresh_token"], "v^1.1#") {
				return localdb.APIAccount{}, fmt.Errorf("%w: store %s: the third --api line is not an eBay refresh token (it starts with v^1.1#); give the client id (App ID), the client secret (Cert ID) and the refresh token in that order", ErrInvalidInput, name)
			}
		default:
			if !strings.HasPrefix(s["client_id"], "amzn1.application-oa2-client.") {
				return localdb.APIAccount{}, fmt.Errorf("%w: store %s: the first --api line is not an LWA client id (it starts with amzn1.application-oa2-client.); give the client id, the client secret and the refresh token in that order", ErrInvalidInput, name)
			}
			if !strings.HasPrefix(s["refresh_token"], "Atzr|") {
				return localdb.APIAccount{}, fmt.Errorf("%w: store %s: the third --api line is not an LWA refresh token (it starts with Atzr|); give the client id, the client secret and the refresh token in that order", ErrInvalidInput, name)
			}
		}
	}
	c := channel.Default(marketplace, browser)
	for _, k := range channel.Capabilities {
		if v := channel.Get(a.Channels, k); v != "" {
			c = channel.With(c, k, v)
		}
	}
	if err := channel.Check(marketplace, c, browser); err != nil {
		return localdb.APIAccount{}, fmt.Errorf("%w: store %s: %v", ErrInvalidInput, name, err)
	}
	return localdb.APIAccount{API: channel.API(marketplace), MarketplaceIDs: ids, Endpoint: a.Endpoint, TokenURL: a.TokenURL, Channels: c}, nil
}

// AddAPIStore registers a store reached through its marketplace's API.
// When browser is not nil the store also signs in to its portal with it
// (its name and marketplace are the store's), so that the jobs the API
// cannot do, and those it fails at, go through the browser. Secrets go to
// sec, the store and its API channel to the database; when anything fails,
// nothing stays.
func AddAPIStore(ctx context.Context, deps *Deps, name, marketplace string, browser *StoreSpec, spec APISpec) (localdb.Store, localdb.APIAccount, error) {
	if err := CheckStoreName(name); err != nil {
		return localdb.Store{}, localdb.APIAccount{}, err
	}
	acct, err := spec.account(name, marketplace, browser != nil, true)
	if err != nil {
		return localdb.Store{}, localdb.APIAccount{}, err
	}
	st := localdb.Store{Name: name, Marketplace: marketplace, Demo: spec.Demo}
	if browser != nil {
		browser.Name, browser.Marketplace = name, marketplace
		if err := browser.Validate(deps.Recipes); err != nil {
			return localdb.Store{}, localdb.APIAccount{}, err
		}
		if browser.Recipe == "" {
			browser.Recipe = DefaultRecipe(marketplace)
		}
		st.BaseURL, st.Username, st.Recipe = browser.BaseURL, strings.TrimSpace(browser.Username), browser.Recipe
		st.Demo = st.Demo || browser.Demo
	}
	if _, err := deps.DB.GetStoreByName(ctx, name); err == nil {
		return localdb.Store{}, localdb.APIAccount{}, fmt.Errorf("store %q already exists; remove it first with `sellerops stores remove %s`: %w", name, name, localdb.ErrConflict)
	}
	written := []string{}
	undo := func() {
		for _, k := range written {
			_ = deps.Secrets.Delete(context.WithoutCancel(ctx), k)
		}
	}
	put := func(key, value, what string) error {
		if err := deps.Secrets.Set(ctx, key, value); err != nil {
			undo()
			return fmt.Errorf("store %s: keep the %s: %w", name, what, err)
		}
		written = append(written, key)
		return nil
	}
	for f, v := range spec.apiSecrets() {
		if err := put(secrets.StoreAPIKey(name, f), v, "API "+strings.ReplaceAll(f, "_", " ")); err != nil {
			return localdb.Store{}, localdb.APIAccount{}, err
		}
	}
	if browser != nil {
		if err := put(secrets.StorePasswordKey(name), browser.Password, "password"); err != nil {
			return localdb.Store{}, localdb.APIAccount{}, err
		}
		if browser.TOTPSecret != "" {
			if err := put(secrets.StoreTOTPKey(name), normalizeSeed(browser.TOTPSecret), "TOTP secret"); err != nil {
				return localdb.Store{}, localdb.APIAccount{}, err
			}
		}
	}
	out, saved, err := deps.DB.CreateAPIStore(ctx, st, acct)
	if err != nil {
		undo()
		return localdb.Store{}, localdb.APIAccount{}, err
	}
	return out, saved, nil
}

// APIUpdate changes a store's API channel. Credentials, when given, replace
// all three stored ones; Channels' non-zero fields replace those jobs'
// channels; Marketplace, Endpoint and TokenURL replace theirs when given.
type APIUpdate struct {
	Spec    APISpec
	NewKeys bool // Spec's client id, secret and refresh token are to be stored
	// Remove drops the API channel and its secrets: the store goes back to
	// the browser alone.
	Remove bool
}

// UpdateAPIStore changes or adds a store's API channel, or removes it.
func UpdateAPIStore(ctx context.Context, deps *Deps, name string, u APIUpdate) (localdb.Store, localdb.Channels, error) {
	st, err := deps.DB.GetStoreByName(ctx, name)
	if err != nil {
		return localdb.Store{}, localdb.Channels{}, err
	}
	browser := st.Recipe != ""
	cur, err := deps.DB.GetAPIAccount(ctx, st.ID)
	has := err == nil
	if err != nil && !errors.Is(err, localdb.ErrNotFound) {
		return localdb.Store{}, localdb.Channels{}, err
	}
	if u.Remove {
		if !has {
			return localdb.Store{}, localdb.Channels{}, fmt.Errorf("%w: store %s has no API channel to remove", ErrInvalidInput, name)
		}
		if !browser {
			return localdb.Store{}, localdb.Channels{}, fmt.Errorf("%w: store %s is reached through its API alone; removing the API channel would leave it nothing: remove the store instead (sellerops stores remove %s)", ErrInvalidInput, name, name)
		}
		if err := deps.DB.DeleteAPIAccount(ctx, st.ID); err != nil {
			return localdb.Store{}, localdb.Channels{}, err
		}
		for _, f := range secrets.StoreAPIFields {
			if err := deps.Secrets.Delete(ctx, secrets.StoreAPIKey(name, f)); err != nil && !errors.Is(err, secrets.ErrNotFound) {
				return localdb.Store{}, localdb.Channels{}, err
			}
		}
		return st, channel.Browser(), nil
	}
	if !has && !u.NewKeys {
		return localdb.Store{}, localdb.Channels{}, fmt.Errorf("%w: store %s has no API channel yet; add one with --api and the client id, client secret and refresh token on standard input", ErrInvalidInput, name)
	}
	spec := u.Spec
	if has {
		if spec.Marketplace == "" {
			spec.Marketplace = strings.Join(cur.MarketplaceIDs, ",")
		}
		if spec.Endpoint == "" {
			spec.Endpoint = cur.Endpoint
		}
		if spec.TokenURL == "" {
			spec.TokenURL = cur.TokenURL
		}
		for _, k := range channel.Capabilities {
			if channel.Get(spec.Channels, k) == "" {
				spec.Channels = channel.With(spec.Channels, k, channel.Get(cur.Channels, k))
			}
		}
	}
	acct, err := spec.account(name, st.Marketplace, browser, u.NewKeys)
	if err != nil {
		return localdb.Store{}, localdb.Channels{}, err
	}
	acct.StoreID = st.ID
	if u.NewKeys {
		for f, v := range spec.apiSecrets() {
			if err := deps.Secrets.Set(ctx, secrets.StoreAPIKey(name, f), v); err != nil {
				return localdb.Store{}, localdb.Channels{}, fmt.Errorf("store %s: keep the API %s: %w", name, strings.ReplaceAll(f, "_", " "), err)
			}
		}
	}
	saved, err := deps.DB.SaveAPIAccount(ctx, acct)
	if err != nil {
		return localdb.Store{}, localdb.Channels{}, err
	}
	if has && strings.Join(cur.MarketplaceIDs, ",") != strings.Join(saved.MarketplaceIDs, ",") {
		// Orders of a marketplace new to the store may be older than the
		// cursor: read the whole window again (storing is idempotent).
		if err := deps.DB.SetAPIOrdersCursor(ctx, st.ID, ""); err != nil {
			return localdb.Store{}, localdb.Channels{}, err
		}
	}
	return st, saved.Channels, nil
}

// StoreChannels says which channel does each job of a store: its API
// channel's choices, the browser for a portal store, email for a store
// read by mail.
func StoreChannels(ctx context.Context, deps *Deps, st localdb.Store) (localdb.Channels, error) {
	a, err := deps.DB.GetAPIAccount(ctx, st.ID)
	if err == nil {
		return a.Channels, nil
	}
	if !errors.Is(err, localdb.ErrNotFound) {
		return localdb.Channels{}, err
	}
	if deps.Mail != nil {
		byMail, err := deps.Mail.HasMail(ctx, st)
		if err != nil {
			return localdb.Channels{}, err
		}
		if byMail {
			return localdb.Channels{Orders: localdb.ChannelNone, ReadMessages: localdb.ChannelEmail,
				Reply: localdb.ChannelEmail, Proactive: localdb.ChannelNone}, nil
		}
	}
	return channel.Browser(), nil
}

// tiktokShopCipher reads a TikTok store's --marketplace-id: its shop
// cipher, one value without spaces, or none for an app with one local
// shop.
func tiktokShopCipher(v string) ([]string, error) {
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return nil, nil
	case strings.ContainsAny(v, ", \t"):
		return nil, fmt.Errorf("%q: give the one shop cipher of the store (Get Authorized Shops' cipher)", v)
	}
	return []string{v}, nil
}
