package filing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/utils"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

// PortalClaim is one claim as the carrier's portal lists it.
type PortalClaim struct {
	Number         string `json:"number"`
	TrackingNumber string `json:"tracking_number"`
	Kind           string `json:"kind"`   // the portal's word: loss or damage
	Status         string `json:"status"` // submitted, under_review, approved, paid, denied
	Amount         string `json:"amount"` // decimal text as the portal shows it, "" if none
	Paid           string `json:"paid"`   // decimal text as the portal shows it, "" if none
}

// PaidIn reads the amount paid, in minor units of the claim's currency; a
// portal that shows none has paid nothing yet.
func (c PortalClaim) PaidIn(currency string) (int64, error) {
	if strings.TrimSpace(c.Paid) == "" {
		return 0, nil
	}
	a, err := money.ParseDecimal(currency, c.Paid)
	return a.Minor(), err
}

// portalKind is the portal's word for a claim kind.
func portalKind(k localdb.ClaimKind) string {
	if k == localdb.ClaimDamaged {
		return "damage"
	}
	return "loss"
}

// claimForm is what the portal's form asks for.
type claimForm struct {
	Tracking    string
	Kind        localdb.ClaimKind
	Amount      string // decimal, in major units
	Currency    string
	Description string
	Photos      []string
	Invoice     string
}

// session is one logged-in page on one carrier's claim portal.
type session struct {
	deps    *Deps
	carrier string
	recipe  *automations.Recipe
	page    *automations.Page
	pool    *automations.Pool
	ownPool bool // the pool was made for this session alone
	user    string
	pass    string
}

func (s *session) close() {
	if s.page != nil {
		s.pool.Put(s.page)
		s.page = nil
	}
	if s.ownPool {
		_ = s.pool.Close()
	}
}

// sel returns a recipe selector, or "" when the recipe lacks it.
func (s *session) sel(name string) string {
	v, _ := s.recipe.Selector(name)
	return v
}

// mustSel returns a recipe selector or a page_changed failure naming the key
// to add.
func (s *session) mustSel(name string) (string, error) {
	v, err := s.recipe.Selector(name)
	if err != nil {
		return "", &automations.Failure{Class: automations.PageChanged, Site: s.recipe.Site, Err: err}
	}
	return v, nil
}

func (s *session) attr(name, def string) string {
	if v, err := s.recipe.Attr(name); err == nil {
		return v
	}
	return def
}

func (s *session) step(ctx context.Context, name string, fn func(p *rod.Page) error) error {
	start := time.Now()
	err := s.page.Step(ctx, name, s.deps.stepTimeout(), func(p *rod.Page) error { return fn(p.Sleeper(pollSleeper)) })
	if err != nil {
		s.deps.Log().Warn("claim portal step failed", "carrier", s.carrier, "step", name, "class", automations.Classify(err),
			"took", time.Since(start))
	} else {
		s.deps.Log().Debug("claim portal step", "carrier", s.carrier, "step", name, "took", time.Since(start))
	}
	return err
}

// pollSleeper paces rod's waits for an element: the portal's pages are
// server-rendered and usually complete within a few dozen milliseconds, so
// the first looks come quickly and later ones back off.
func pollSleeper() utils.Sleeper {
	return utils.BackoffSleeper(15*time.Millisecond, 250*time.Millisecond, nil)
}

// waitFirst waits until one of the selectors matches and returns its
// index; empty selectors are skipped.
func waitFirst(p *rod.Page, sels ...string) (int, error) {
	rc := p.Race()
	which := -1
	n := 0
	for i, sel := range sels {
		if sel == "" {
			continue
		}
		n++
		rc.Element(sel).Handle(func(*rod.Element) error { which = i; return nil })
	}
	if n == 0 {
		return -1, errors.New("no selector to wait for")
	}
	if _, err := rc.Do(); err != nil {
		return -1, settledMiss(p, err, sels)
	}
	return which, nil
}

// settledMiss turns a wait that ran out of time on a page that had
// finished loading into page_changed: the page came, but none of what the
// recipe expects is on it.
func settledMiss(p *rod.Page, err error, sels []string) error {
	if !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	q := p.Context(context.WithoutCancel(p.GetContext())).Timeout(2 * time.Second)
	defer q.CancelTimeout()
	res, evalErr := q.Eval(`() => ({ready: document.readyState, url: location.href})`)
	if evalErr != nil {
		return err
	}
	var st struct {
		Ready string `json:"ready"`
		URL   string `json:"url"`
	}
	if res.Value.Unmarshal(&st) != nil || st.Ready != "complete" {
		return err
	}
	var want []string
	for _, s := range sels {
		if s != "" {
			want = append(want, s)
		}
	}
	return &automations.SelectorError{Selector: strings.Join(want, " | "), URL: st.URL}
}

// setValue sets a form field's value as typing would leave it.
func setValue(el *rod.Element, v string) error {
	_, err := el.Eval(`function (v) {
		this.value = v;
		this.dispatchEvent(new Event('input', {bubbles: true}));
		this.dispatchEvent(new Event('change', {bubbles: true}));
	}`, v)
	return err
}

// click clicks an element from the page's own script, right after the call
// returns. A synthetic mouse event would be bound to the page's first
// context rather than the step's budget, and to a tab in the foreground.
func click(el *rod.Element) error {
	_, err := el.Eval(`function () { const el = this; setTimeout(() => el.click(), 0); }`)
	return err
}

// open navigates to url, logging in first when the portal asks, and fails
// with needs_human on a CAPTCHA.
func (s *session) open(ctx context.Context, name, url string) error {
	loginForm, err := s.mustSel("claims.login_form")
	if err != nil {
		return err
	}
	for try := 0; try < 2; try++ {
		needLogin := false
		err := s.step(ctx, name, func(p *rod.Page) error {
			if err := automations.Navigate(p, url); err != nil {
				return err
			}
			vis, err := automations.Visible(p, map[string]string{"captcha": s.sel("captcha"), "login": loginForm,
				"error": s.sel("page.error"), "blocked": s.sel("blocked")})
			if err != nil {
				return err
			}
			switch {
			case vis["captcha"]:
				return automations.Fail(automations.NeedsHuman, "the %s claim portal shows a CAPTCHA; open it with --show and solve it, then try again", s.carrier)
			case vis["blocked"]:
				return automations.Fail(automations.Blocked, "the %s claim portal denied access (anti-bot); try later or from another network", s.carrier)
			case vis["error"]:
				return automations.Fail(automations.SiteError, "the %s claim portal shows an error page", s.carrier)
			}
			needLogin = vis["login"]
			return nil
		})
		if err != nil {
			return err
		}
		if !needLogin {
			return nil
		}
		if try > 0 {
			return automations.Fail(automations.LoggedOut, "the %s claim portal asks to log in again right after logging in", s.carrier)
		}
		if err := s.login(ctx); err != nil {
			return err
		}
	}
	return nil
}

// login fills in the portal's login form, which the page already shows.
func (s *session) login(ctx context.Context) error {
	if s.user == "" || s.pass == "" {
		u, pw, err := s.deps.credentials(ctx, s.carrier)
		if err != nil {
			return &automations.Failure{Class: automations.AuthFailed, Step: "claims.login", Site: s.recipe.Site, Err: err}
		}
		s.user, s.pass = u, pw
	}
	sels := map[string]string{}
	for _, k := range []string{"claims.username", "claims.password", "claims.login_submit", "claims.login_error", "claims.new"} {
		v, err := s.mustSel(k)
		if err != nil {
			return err
		}
		sels[k] = v
	}
	return s.step(ctx, "claims.login", func(p *rod.Page) error {
		user, err := automations.Find(p, "claims.username", sels["claims.username"])
		if err != nil {
			return err
		}
		if err := setValue(user, s.user); err != nil {
			return err
		}
		pass, err := automations.Find(p, "claims.password", sels["claims.password"])
		if err != nil {
			return err
		}
		if err := setValue(pass, s.pass); err != nil {
			return err
		}
		btn, err := automations.Find(p, "claims.login_submit", sels["claims.login_submit"])
		if err != nil {
			return err
		}
		if err := click(btn); err != nil {
			return err
		}
		which, err := waitFirst(p, sels["claims.new"], sels["claims.login_error"], s.sel("page.error"), s.sel("captcha"))
		if err != nil {
			return err
		}
		switch which {
		case 1:
			return automations.Fail(automations.AuthFailed, "the %s claim portal refused the user and password; store the right ones under %s and %s",
				s.carrier, claims.PortalUsernameKey(s.carrier), claims.PortalPasswordKey(s.carrier))
		case 2:
			return automations.Fail(automations.SiteError, "the %s claim portal shows an error page after login", s.carrier)
		case 3:
			return automations.Fail(automations.NeedsHuman, "the %s claim portal shows a CAPTCHA at login; log in with --show", s.carrier)
		}
		s.deps.Log().Info("logged in to claim portal", "carrier", s.carrier)
		return nil
	})
}

// list reads the claims the portal lists for query ("" for every claim).
func (s *session) list(ctx context.Context, query string) ([]PortalClaim, error) {
	var url string
	var err error
	if query == "" {
		url, err = s.recipe.URL("claims")
	} else {
		url, err = s.recipe.Expand("claims_search", map[string]string{"query": query})
	}
	if err != nil {
		return nil, &automations.Failure{Class: automations.PageChanged, Site: s.recipe.Site, Err: err}
	}
	if err := s.open(ctx, "claims.search", url); err != nil {
		return nil, err
	}
	table, err := s.mustSel("claims.table")
	if err != nil {
		return nil, err
	}
	row, err := s.mustSel("claims.row")
	if err != nil {
		return nil, err
	}
	var out []PortalClaim
	err = s.step(ctx, "claims.read", func(p *rod.Page) error {
		if _, err := automations.Find(p, "claims.table", table); err != nil {
			return err
		}
		res, err := p.Eval(`(q) => Array.from(document.querySelectorAll(q.row)).map((r) => {
			const txt = (sel) => { if (!sel) return ''; const e = r.querySelector(sel); return e ? e.textContent.trim() : ''; };
			const at = (sel, name) => { const e = sel ? r.querySelector(sel) : null; return e ? (e.getAttribute(name) || '') : ''; };
			return {
				number: r.getAttribute(q.numberAttr) || txt(q.number),
				tracking_number: r.getAttribute(q.trackingAttr) || txt(q.tracking),
				kind: txt(q.kind),
				status: r.getAttribute(q.statusAttr) || txt(q.status),
				amount: at(q.amount, q.amountAttr),
				paid: at(q.paid, q.paidAttr),
			};
		})`, map[string]string{
			"row": row, "number": s.sel("claims.number"), "tracking": s.sel("claims.tracking"), "kind": s.sel("claims.kind"),
			"status": s.sel("claims.status"), "amount": s.sel("claims.amount"), "paid": s.sel("claims.paid"),
			"numberAttr": s.attr("claim_number", "data-claim-number"), "trackingAttr": s.attr("claim_tracking", "data-tracking"),
			"statusAttr": s.attr("claim_status", "data-status"), "amountAttr": s.attr("claim_amount", "data-amount"),
			"paidAttr": s.attr("claim_paid", "data-paid"),
		})
		if err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(res.Value.JSON("", "")), &out); err != nil {
			return err
		}
		return s.checkRows(out, url)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// checkRows checks the claims a portal listed against the claim_row
// schema. Any row that does not fit fails the whole list: a list read
// wrongly could hide a claim already filed and have it filed twice.
func (s *session) checkRows(list []PortalClaim, url string) error {
	rows := make([]automations.Record, len(list))
	for i, c := range list {
		rows[i] = automations.Record{"number": c.Number, "tracking": c.TrackingNumber, "kind": c.Kind, "status": c.Status, "amount": c.Amount}
	}
	_, err := automations.CheckRecords(automations.RecordCheck{Kind: "claim_row", Recipe: s.recipe, URL: url, Now: s.deps.Clock(),
		From: automations.Sources{"number": "attributes.claim_number|selectors.claims.number",
			"tracking": "attributes.claim_tracking|selectors.claims.tracking", "kind": "selectors.claims.kind",
			"status": "attributes.claim_status|selectors.claims.status", "amount": "attributes.claim_amount|selectors.claims.amount"}}, rows)
	return err
}

// find searches the portal's claims for a parcel's claim of a kind and
// returns the newest one.
func (s *session) find(ctx context.Context, tracking string, kind localdb.ClaimKind) (PortalClaim, bool, error) {
	list, err := s.list(ctx, tracking)
	if err != nil {
		return PortalClaim{}, false, err
	}
	want := portalKind(kind)
	for _, c := range list { // newest first, as the portals list them
		if strings.EqualFold(c.TrackingNumber, tracking) && (c.Kind == "" || strings.EqualFold(c.Kind, want)) && c.Number != "" {
			return c, true, nil
		}
	}
	return PortalClaim{}, false, nil
}

// errSubmitUnknown marks a failure after the final submit was clicked:
// whether the portal took the claim is unknown until it is searched.
var errSubmitUnknown = errors.New("the claim may have been submitted")

// file fills in the multi-step claim form and returns the confirmation
// number. submitted reports whether the final submit was clicked, after
// which a failure leaves it unknown whether the claim exists.
func (s *session) file(ctx context.Context, f claimForm, point func(string)) (number string, submitted bool, err error) {
	keys := []string{"claim.tracking", "claim.next", "claim.amount", "claim.currency", "claim.description",
		"claim.photos", "claim.invoice", "claim.review", "claim.confirm", "claim.confirm_submit", "claim.confirmation",
		"claim.number", "claim.error"}
	sels := map[string]string{}
	for _, k := range keys {
		v, err := s.mustSel(k)
		if err != nil {
			return "", false, err
		}
		sels[k] = v
	}
	typeSel, err := s.mustSel("claim.type_" + portalKind(f.Kind))
	if err != nil {
		return "", false, err
	}
	newURL, err := s.recipe.URL("claim_new")
	if err != nil {
		return "", false, &automations.Failure{Class: automations.PageChanged, Site: s.recipe.Site, Err: err}
	}
	if err := s.open(ctx, "claim.open", newURL); err != nil {
		return "", false, err
	}
	point("form.opened")
	pageErr := s.sel("page.error")
	loginForm := s.sel("claims.login_form")
	// next clicks the step's button and waits for what the next step shows,
	// or for the portal's complaint.
	next := func(p *rod.Page, want string) error {
		btn, err := automations.Find(p, "claim.next", sels["claim.next"])
		if err != nil {
			return err
		}
		if err := click(btn); err != nil {
			return err
		}
		return s.outcome(p, want, sels["claim.error"], pageErr, loginForm)
	}
	err = s.step(ctx, "claim.parcel", func(p *rod.Page) error {
		el, err := automations.Find(p, "claim.tracking", sels["claim.tracking"])
		if err != nil {
			return err
		}
		if err := setValue(el, f.Tracking); err != nil {
			return err
		}
		radio, err := automations.Find(p, "claim.type_"+portalKind(f.Kind), typeSel)
		if err != nil {
			return err
		}
		if err := click(radio); err != nil {
			return err
		}
		point("form.parcel.filled")
		return next(p, sels["claim.amount"])
	})
	if err != nil {
		return "", false, err
	}
	point("form.parcel.sent")
	err = s.step(ctx, "claim.details", func(p *rod.Page) error {
		amt, err := automations.Find(p, "claim.amount", sels["claim.amount"])
		if err != nil {
			return err
		}
		if err := setValue(amt, f.Amount); err != nil {
			return err
		}
		cur, err := automations.Find(p, "claim.currency", sels["claim.currency"])
		if err != nil {
			return err
		}
		if err := cur.Select([]string{f.Currency}, true, rod.SelectorTypeText); err != nil {
			return automations.Fail(automations.PageChanged, "the %s claim form offers no currency %s: %v; edit the claim's currency or file it by hand", s.carrier, f.Currency, err)
		}
		desc, err := automations.Find(p, "claim.description", sels["claim.description"])
		if err != nil {
			return err
		}
		if err := setValue(desc, f.Description); err != nil {
			return err
		}
		point("form.details.filled")
		return next(p, sels["claim.photos"])
	})
	if err != nil {
		return "", false, err
	}
	point("form.details.sent")
	err = s.step(ctx, "claim.documents", func(p *rod.Page) error {
		if len(f.Photos) > 0 {
			el, err := automations.Find(p, "claim.photos", sels["claim.photos"])
			if err != nil {
				return err
			}
			if err := el.SetFiles(f.Photos); err != nil {
				return fmt.Errorf("attach %d photo(s): %w", len(f.Photos), err)
			}
		}
		point("form.photos.set")
		el, err := automations.Find(p, "claim.invoice", sels["claim.invoice"])
		if err != nil {
			return err
		}
		if err := el.SetFiles([]string{f.Invoice}); err != nil {
			return fmt.Errorf("attach the invoice: %w", err)
		}
		point("form.invoice.set")
		return next(p, sels["claim.review"])
	})
	if err != nil {
		return "", false, err
	}
	point("form.documents.sent")
	err = s.step(ctx, "claim.review", func(p *rod.Page) error {
		btn, err := automations.Find(p, "claim.confirm", sels["claim.confirm"])
		if err != nil {
			return err
		}
		if err := click(btn); err != nil {
			return err
		}
		yes, err := automations.Find(p, "claim.confirm_submit", sels["claim.confirm_submit"])
		if err != nil {
			return err
		}
		return yes.WaitVisible()
	})
	if err != nil {
		return "", false, err
	}
	point("form.confirm.open")
	err = s.step(ctx, "claim.submit", func(p *rod.Page) error {
		yes, err := automations.Find(p, "claim.confirm_submit", sels["claim.confirm_submit"])
		if err != nil {
			return err
		}
		submitted = true
		if err := click(yes); err != nil {
			return err
		}
		point("form.submitted")
		if err := s.outcome(p, sels["claim.confirmation"], sels["claim.error"], pageErr, loginForm); err != nil {
			return err
		}
		point("confirmation.shown")
		el, err := automations.Find(p, "claim.number", sels["claim.number"])
		if err != nil {
			return err
		}
		txt, err := el.Text()
		if err != nil {
			return err
		}
		number = strings.TrimSpace(txt)
		if number == "" {
			return automations.Fail(automations.PageChanged, "the %s confirmation page shows no claim number", s.carrier)
		}
		return nil
	})
	if err != nil {
		if submitted {
			err = fmt.Errorf("%w: %w", errSubmitUnknown, err)
		}
		return "", submitted, err
	}
	return number, true, nil
}

// outcome waits for want, or for the portal's error message, an error page
// or the login form (the session ended), and turns the latter into
// classified failures.
func (s *session) outcome(p *rod.Page, want, claimErr, pageErr, loginForm string) error {
	which, err := waitFirst(p, want, claimErr, pageErr, loginForm)
	if err != nil {
		return err
	}
	switch which {
	case 1:
		msg := ""
		if el, err := p.Element(claimErr); err == nil {
			msg, _ = el.Text()
		}
		return automations.Fail(automations.PageChanged, "the %s claim portal refused the form: %s", s.carrier, strings.TrimSpace(msg))
	case 2:
		return automations.Fail(automations.SiteError, "the %s claim portal answered with an error page", s.carrier)
	case 3:
		return automations.Fail(automations.LoggedOut, "the %s claim portal session ended", s.carrier)
	}
	return nil
}

// sessions opens portal sessions, each on its own page in its own isolated
// browser context, and keeps them between claims unless fresh is set.
type sessions struct {
	deps  *Deps
	fresh bool // a new isolated browser context and a new login per use
	open  map[string]*session
}

func (ss *sessions) get(ctx context.Context, carrier string) (*session, error) {
	if s, ok := ss.open[carrier]; ok && s.page != nil {
		return s, nil
	}
	recipe, err := ss.deps.portal(carrier)
	if err != nil {
		return nil, err
	}
	if ss.deps.Browser == nil {
		return nil, errors.New("claims: no browser; give Deps.Browser")
	}
	b, err := ss.deps.Browser(ctx)
	if err != nil {
		return nil, err
	}
	s := &session{deps: ss.deps, carrier: carrier, recipe: recipe, ownPool: true}
	pool, err := automations.NewPool(ctx, b, automations.PoolOptions{Size: 1,
		Block:    []automations.Resource{automations.Images, automations.Fonts, automations.Media},
		Isolated: true, Site: recipe.Site, EvidenceDir: ss.deps.EvidenceDir})
	if err != nil {
		return nil, err
	}
	s.pool = pool
	pg, err := pool.Get(ctx)
	if err != nil {
		_ = pool.Close()
		return nil, err
	}
	s.page = pg
	if !ss.fresh {
		if ss.open == nil {
			ss.open = map[string]*session{}
		}
		ss.open[carrier] = s
	}
	return s, nil
}

// done gives a session back: a fresh one is closed, a shared one kept.
func (ss *sessions) done(s *session, broken bool) {
	if s == nil {
		return
	}
	if ss.fresh || broken {
		if !ss.fresh {
			delete(ss.open, s.carrier)
		}
		s.close()
	}
}

func (ss *sessions) closeAll() error {
	for _, s := range ss.open {
		s.close()
	}
	ss.open = nil
	return nil
}

// budget bounds a whole filing when the caller's context has no deadline.
const fileBudget = 5 * time.Minute
