package marketplace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
	"github.com/pquerna/otp/totp"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Step budgets.
const (
	loginBudget = 45 * time.Second
	pageBudget  = 30 * time.Second
	batchBudget = 60 * time.Second
	// humanBudget is how long a shown browser waits for a person.
	humanBudget = 5 * time.Minute
)

// session is one store signed in on one page.
type session struct {
	deps   *Deps
	store  localdb.Store
	recipe *automations.Recipe
	site   adapter
	pool   *automations.Pool
	page   *automations.Page
	// Show marks a session opened for a person (stores login --show): a
	// CAPTCHA is waited for instead of given up on.
	human bool
}

// openSession makes an isolated pool for the store (its own cookie jar)
// and takes one page from it. Close it with close.
func openSession(ctx context.Context, d *Deps, st localdb.Store) (*session, error) {
	if d.Browser == nil {
		return nil, errors.New("marketplace: no browser")
	}
	r, err := recipeFor(d.Recipes, st)
	if err != nil {
		return nil, err
	}
	ad, err := adapterFor(st.Marketplace)
	if err != nil {
		return nil, err
	}
	pool, err := automations.NewPool(ctx, d.Browser, automations.PoolOptions{Size: 1, Isolated: true, Site: r.Site,
		EvidenceDir: d.EvidenceDir, Block: []automations.Resource{automations.Images, automations.Fonts, automations.Media}})
	if err != nil {
		return nil, err
	}
	pg, err := pool.Get(ctx)
	if err != nil {
		_ = pool.Close()
		return nil, err
	}
	return &session{deps: d, store: st, recipe: r, site: ad, pool: pool, page: pg}, nil
}

func (s *session) close() {
	s.pool.Put(s.page)
	_ = s.pool.Close()
}

// step runs fn as a named step on the session's page.
func (s *session) step(ctx context.Context, name string, budget time.Duration, fn func(p *rod.Page) error) error {
	return s.page.Step(ctx, name, budget, fn)
}

// withRetry runs attempt until it succeeds, as often as the retry policy
// allows: after a logged_out failure it signs in again at once, after a
// failure that may pass it waits the policy's pause. try counts from 1.
func (s *session) withRetry(ctx context.Context, attempt func(try int) error) error {
	policy := s.deps.retry()
	for try := 1; ; try++ {
		err := attempt(try)
		if err == nil {
			return nil
		}
		class := automations.Classify(err)
		if class == automations.LoggedOut && try < max(policy.Attempts, 1) {
			if lerr := s.login(ctx); lerr != nil {
				return lerr
			}
			continue
		}
		if !class.Retryable() || try >= max(policy.Attempts, 1) {
			return err
		}
		t := time.NewTimer(policy.Backoff(try))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// restoreCookies puts the store's kept session cookies into the page's
// cookie jar. Missing or unreadable cookies just mean a fresh sign-in.
func (s *session) restoreCookies(ctx context.Context) {
	raw, err := s.deps.Secrets.Get(ctx, secrets.StoreSessionKey(s.store.Name))
	if err != nil || raw == "" {
		return
	}
	var cookies []*proto.NetworkCookieParam
	if json.Unmarshal([]byte(raw), &cookies) != nil {
		return
	}
	if err := s.page.Rod().Context(ctx).SetCookies(cookies); err != nil {
		s.deps.logger().Warn("could not restore session cookies", "store", s.store.Name, "err", err)
	}
}

// keepCookies stores the page's cookies for the site as a secret, so the
// next run can skip the sign-in.
func (s *session) keepCookies(ctx context.Context) {
	cs, err := s.page.Rod().Context(ctx).Cookies([]string{s.recipe.BaseURL})
	if err != nil {
		s.deps.logger().Warn("could not read session cookies", "store", s.store.Name, "err", err)
		return
	}
	params := make([]*proto.NetworkCookieParam, 0, len(cs))
	for _, c := range cs {
		params = append(params, &proto.NetworkCookieParam{Name: c.Name, Value: c.Value, Domain: c.Domain, Path: c.Path,
			Secure: c.Secure, HTTPOnly: c.HTTPOnly, SameSite: c.SameSite, Expires: c.Expires})
	}
	data, _ := json.Marshal(params)
	if err := s.deps.Secrets.Set(ctx, secrets.StoreSessionKey(s.store.Name), string(data)); err != nil {
		s.deps.logger().Warn("session cookies not kept; the next run signs in again", "store", s.store.Name, "err", err)
	}
}

// credentials are a store's secrets, read when a sign-in needs them.
type credentials struct {
	user, password, seed string
}

func (s *session) credentials(ctx context.Context) (credentials, error) {
	pw, err := s.deps.Secrets.Get(ctx, secrets.StorePasswordKey(s.store.Name))
	if err != nil {
		return credentials{}, fmt.Errorf("store %s: %w", s.store.Name, err)
	}
	seed, err := s.deps.Secrets.Get(ctx, secrets.StoreTOTPKey(s.store.Name))
	if err != nil && !errors.Is(err, secrets.ErrNotFound) {
		return credentials{}, fmt.Errorf("store %s: %w", s.store.Name, err)
	}
	return credentials{user: s.store.Username, password: pw, seed: seed}, nil
}

// ensure opens the inbox with the kept cookies and signs in when the site
// asks for it. It records the store's session state.
func (s *session) ensure(ctx context.Context) error {
	s.restoreCookies(ctx)
	inbox, err := s.recipe.URL("inbox")
	if err != nil {
		return err
	}
	var needLogin bool
	err = automations.Retry(ctx, s.deps.retry(), func(ctx context.Context, _ int) error {
		return s.step(ctx, "inbox.open", pageBudget, func(p *rod.Page) error {
			if err := automations.Navigate(p, inbox); err != nil {
				return err
			}
			vis, err := automations.Visible(p, map[string]string{"captcha": optSel(s.recipe, "login.captcha"),
				"login": optSel(s.recipe, "login.username")})
			if err != nil {
				return err
			}
			if vis["captcha"] && !s.human {
				return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA; run `sellerops stores login %s --show` and solve it", s.recipe.Site, s.store.Name)
			}
			needLogin = vis["login"] || vis["captcha"] || samePath(s.recipe, pageURL(p), "login")
			return nil
		})
	})
	if err == nil && !needLogin {
		s.setState(ctx, localdb.SessionOK)
		return nil
	}
	if err != nil {
		s.recordFailure(ctx, err)
		return err
	}
	return s.login(ctx)
}

// login signs in with the stored password and TOTP seed.
func (s *session) login(ctx context.Context) error {
	c, err := s.credentials(ctx)
	if err != nil {
		return err
	}
	budget := loginBudget
	if s.human {
		budget = humanBudget
	}
	err = automations.Retry(ctx, s.deps.retry(), func(ctx context.Context, _ int) error {
		return s.step(ctx, "login", budget, func(p *rod.Page) error { return s.site.login(p, s, c) })
	})
	if err != nil {
		s.recordFailure(ctx, err)
		return err
	}
	s.keepCookies(ctx)
	s.setState(ctx, localdb.SessionOK)
	s.deps.logger().Info("signed in", "store", s.store.Name)
	return nil
}

func (s *session) setState(ctx context.Context, st localdb.SessionState) {
	if s.store.SessionState == st {
		return
	}
	if err := s.deps.DB.SetSessionState(ctx, s.store.ID, st); err == nil {
		s.store.SessionState = st
	}
}

func (s *session) recordFailure(ctx context.Context, err error) {
	switch automations.Classify(err) {
	case automations.NeedsHuman:
		s.setState(context.WithoutCancel(ctx), localdb.SessionNeedsHuman)
	case automations.AuthFailed:
		s.setState(context.WithoutCancel(ctx), localdb.SessionAuthFailed)
	case automations.LoggedOut:
		s.setState(context.WithoutCancel(ctx), localdb.SessionLoggedOut)
	}
}

// totpCode makes the current authenticator code, or explains what is
// missing.
func totpCode(c credentials, site string) (string, error) {
	if c.seed == "" {
		return "", automations.Fail(automations.NeedsHuman, "%s asks for a one-time code and the store has no TOTP secret; "+
			"add it with `sellerops stores add --totp-secret-stdin`, or sign in by hand with `stores login --show`", site)
	}
	code, err := totp.GenerateCode(c.seed, time.Now())
	if err != nil {
		return "", automations.Fail(automations.AuthFailed, "the stored TOTP secret is not a valid base32 seed; add the store again")
	}
	return code, nil
}

// formLogin signs in on a site whose sign-in is server-rendered forms: the
// password page posts to the one-time-code page, which posts to the app.
func formLogin(p *rod.Page, s *session, c credentials) error {
	r := s.recipe
	login, err := r.URL("login")
	if err != nil {
		return err
	}
	if err := automations.Navigate(p, login); err != nil {
		return err
	}
	if err := s.captchaGate(p); err != nil {
		return err
	}
	if err := typeInto(p, r, "login.username", c.user); err != nil {
		return err
	}
	if err := typeInto(p, r, "login.password", c.password); err != nil {
		return err
	}
	if err := clickAndLoad(p, r, "login.submit"); err != nil {
		return err
	}
	out, err := waitFor(p, []cond{
		errorPageCond(r),
		{Name: "totp", Sel: optSel(r, "login.totp")},
		{Name: "error", Sel: optSel(r, "login.error"), Text: true},
		{Name: "captcha", Sel: optSel(r, "login.captcha")},
		{Name: "in", Sel: optSel(r, "session.signed_in")},
		{Name: "inbox", Sel: optSel(r, "inbox.list")},
	})
	if err != nil {
		return err
	}
	switch out {
	case errorPage:
		return errorPageFailure(p, r, "the password step")
	case "error":
		return automations.Fail(automations.AuthFailed, "%s refused the username or password of store %s; update them with `sellerops stores update %s --password-stdin`", r.Site, s.store.Name, s.store.Name)
	case "captcha":
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA at sign-in; run `sellerops stores login %s --show`", r.Site, s.store.Name)
	case "in", "inbox":
		return nil
	}
	code, err := totpCode(c, r.Site)
	if err != nil {
		return err
	}
	if err := typeInto(p, r, "login.totp", code); err != nil {
		return err
	}
	if err := clickAndLoad(p, r, "login.totp_submit"); err != nil {
		return err
	}
	vis, err := automations.Visible(p, map[string]string{"totp": optSel(r, "login.totp"), "captcha": optSel(r, "login.captcha"),
		errorPage: optSel(r, "page.error")})
	if err != nil {
		return err
	}
	if vis[errorPage] {
		return errorPageFailure(p, r, "the one-time-code step")
	}
	if vis["captcha"] {
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA after sign-in; run `sellerops stores login %s --show`", r.Site, s.store.Name)
	}
	if vis["totp"] {
		return automations.Fail(automations.AuthFailed, "%s refused the one-time code of store %s; check the TOTP secret and this machine's clock", r.Site, s.store.Name)
	}
	return nil
}

// captchaGate stops a robot at a CAPTCHA, or waits for a person to solve it
// when the browser is shown to one.
func (s *session) captchaGate(p *rod.Page) error {
	sel := optSel(s.recipe, "login.captcha")
	if sel == "" {
		return nil
	}
	vis, err := automations.Visible(p, map[string]string{"captcha": sel})
	if err != nil || !vis["captcha"] {
		return err
	}
	if !s.human {
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA; run `sellerops stores login %s --show` and solve it", s.recipe.Site, s.store.Name)
	}
	// A person types the characters; wait until the page is something else.
	return p.Wait(rod.Eval(`(sel) => !document.querySelector(sel)`, sel))
}

// CheckLogin signs the store in, with its kept session when the site still
// accepts it, and records the session state. person marks a browser shown
// to someone who can solve a CAPTCHA or an unknown second step: the flow
// then waits for them instead of giving up. The session cookies are kept
// (as secrets) afterwards.
func CheckLogin(ctx context.Context, deps *Deps, storeName string, person bool) error {
	if err := deps.check(); err != nil {
		return err
	}
	st, err := deps.DB.GetStoreByName(ctx, storeName)
	if err != nil {
		return err
	}
	sess, err := openSession(ctx, deps, st)
	if err != nil {
		return err
	}
	defer sess.close()
	sess.human = person
	if err := sess.ensure(ctx); err != nil {
		return err
	}
	sess.keepCookies(ctx)
	return nil
}

// errorPage is the waitFor outcome of a site's error page.
const errorPage = "page_error"

// errorPageCond watches for the recipe's error page (page.error): the page
// a site serves instead of the next step when it is busy (429), down (5xx)
// or in maintenance. Listed first, so that it wins over a form that is
// still in the document.
func errorPageCond(r *automations.Recipe) cond {
	return cond{Name: errorPage, Sel: optSel(r, "page.error")}
}

// errorPageFailure classifies a sign-in step that landed on the site's
// error page by the status the page came with (429 rate_limited, 5xx
// site_error, both retried with back-off). It is never auth_failed: the site
// did not judge the credentials.
func errorPageFailure(p *rod.Page, r *automations.Recipe, step string) error {
	status := 0
	if res, err := p.Eval(`() => {
		const n = performance.getEntriesByType('navigation')[0];
		return n ? (n.responseStatus || 0) : 0;
	}`); err == nil {
		status = res.Value.Int()
	}
	return transientFailure(r, step, status, pageURL(p))
}

// transientFailure is a sign-in step the site could not serve: an
// *automations.HTTPError for a 429 or 5xx, else a site_error.
func transientFailure(r *automations.Recipe, step string, status int, url string) error {
	if status == http.StatusTooManyRequests || status >= 500 {
		return fmt.Errorf("%s answered %s with an error page: %w", r.Site, step, &automations.HTTPError{Status: status, URL: url})
	}
	return automations.Fail(automations.SiteError, "%s answered %s with an error page (status %d); try again later", r.Site, step, status)
}
