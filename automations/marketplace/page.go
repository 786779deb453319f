package marketplace

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
)

// threadSummary is a thread as an inbox list shows it.
type threadSummary struct {
	ID       string    `json:"id"`
	OrderID  string    `json:"order"`
	Buyer    string    `json:"buyer"`
	Subject  string    `json:"subject"`
	Kind     string    `json:"kind"`
	Status   string    `json:"status"`
	Received time.Time `json:"received"`
	Multi    []string  `json:"-"` // fields whose selector matched twice in the row
}

// remoteMessage is one message of a thread as the site shows it.
type remoteMessage struct {
	ID          string    `json:"id"`
	From        string    `json:"from"` // buyer or seller
	Body        string    `json:"body"`
	Ref         string    `json:"ref"`
	At          time.Time `json:"at"`
	Attachments []string  `json:"attachments"` // URLs, absolute or under the site
	Multi       []string  `json:"-"`           // fields whose selector matched twice in the row
}

// remoteOrder is what a site tells about an order.
type remoteOrder struct {
	ID       string      `json:"id"`
	Buyer    string      `json:"buyer"`
	Item     string      `json:"item"`
	Value    decimalText `json:"value"` // as the page writes it, in Currency's major units
	Currency string      `json:"currency"`
	ShipDate time.Time   `json:"ship_date"`
	Carrier  string      `json:"carrier"`
	Tracking string      `json:"tracking_number"`
	// ShipFrom and ShipTo are the countries (ISO 3166-1 alpha-2) the
	// parcel left from and goes to, as the order page shows them.
	ShipFrom string `json:"ship_from_country"`
	ShipTo   string `json:"ship_to_country"`
	// Service is the carrier's service, where the channel tells it.
	Service string `json:"service,omitempty"`
	// Items, when a channel lists them (an API), replace the one Item.
	Items []localdb.OrderItem `json:"-"`
	// More are the order's further parcels, beyond the first.
	More []parcelRef `json:"-"`
}

// parcelRef is one more parcel of an order.
type parcelRef struct {
	Carrier, Service, Tracking string
	ShipDate                   time.Time
}

// decimalText is an amount as a page or its API writes it, a JSON string
// or a JSON number, kept as its text so that no float ever holds money; it
// is parsed as money in the order's currency when stored.
type decimalText string

// UnmarshalJSON keeps a string's content or a number's literal text.
func (d *decimalText) UnmarshalJSON(b []byte) error {
	switch {
	case string(b) == "null":
		*d = ""
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*d = decimalText(s)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("amount %s is neither a string nor a number", b)
		}
		*d = decimalText(n)
	}
	return nil
}

// threadDetail is a whole thread read from the site.
type threadDetail struct {
	threadSummary
	Messages []remoteMessage `json:"messages"`
	Order    *remoteOrder    `json:"order"`
}

// fetched is the answer to one request made from inside the page, so that
// it carries the page's session cookies.
type fetched struct {
	URL     string          `json:"url"`
	Status  int             `json:"status"`
	Final   string          `json:"final"`
	Retry   string          `json:"retry"`
	Err     string          `json:"err"`
	Captcha bool            `json:"captcha"`
	Login   bool            `json:"login"`
	Missing string          `json:"missing"` // recipe key whose selector matched nothing
	Data    json.RawMessage `json:"data"`
}

// evalJSON runs js in the page and decodes the JSON text it returns.
func evalJSON(p *rod.Page, out any, js string, args ...any) error {
	res, err := p.Eval(js, args...)
	if err != nil {
		return err
	}
	if err := json.Unmarshal([]byte(res.Value.Str()), out); err != nil {
		return fmt.Errorf("read the page's answer: %w", err)
	}
	return nil
}

// fetchJS fetches every URL from inside the page, several at a time. A JSON
// answer comes back as data; an HTML answer is parsed with DOMParser and
// handed to the parse function given as source text (it gets the document
// and returns data, or {missing: key}). init, when given, is the request's
// method, headers and body (a JSON search), the same for every URL.
const fetchJS = `async (urls, kind, parseSrc, sel, init) => {
	const parse = parseSrc ? eval('(' + parseSrc + ')') : null;
	const one = async (u) => {
		let r;
		try { r = await fetch(u, Object.assign({credentials: 'same-origin'}, init || {})); } catch (e) { return {url: u, err: String(e)}; }
		const out = {url: u, status: r.status, final: r.url, retry: r.headers.get('Retry-After') || ''};
		let text = '';
		try { text = await r.text(); } catch (e) { out.err = String(e); return out; }
		if (kind === 'json') {
			if ((r.headers.get('Content-Type') || '').includes('json')) {
				try { out.data = JSON.parse(text); } catch (e) { out.err = 'not JSON: ' + String(e); }
			} else if (r.status < 400) {
				const doc = new DOMParser().parseFromString(text, 'text/html');
				out.captcha = !!(sel.captcha && doc.querySelector(sel.captcha));
				out.login = !out.captcha;
			}
			return out;
		}
		if (r.status >= 400) return out;
		const doc = new DOMParser().parseFromString(text, 'text/html');
		if (sel.captcha && doc.querySelector(sel.captcha)) { out.captcha = true; return out; }
		if ((sel.login && doc.querySelector(sel.login)) || (sel.expired && doc.querySelector(sel.expired))) { out.login = true; return out; }
		const got = parse(doc, sel);
		if (got && got.missing) { out.missing = got.missing; return out; }
		out.data = got;
		return out;
	};
	return JSON.stringify(await Promise.all(urls.map(one)));
}`

// fetchInPage runs fetchJS. kind is "json" or "html"; parse is the source
// of a JavaScript function (doc, sel) => data for HTML answers.
func fetchInPage(p *rod.Page, urls []string, kind, parse string, sel map[string]string) ([]fetched, error) {
	return fetchInPageWith(p, urls, kind, parse, sel, nil)
}

// fetchInit is how an in-page request is made when it is not a plain GET.
type fetchInit struct {
	Method  string            `json:"method"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    string            `json:"body,omitempty"`
}

// postJSON is a POST of body as JSON.
func postJSON(body any) (*fetchInit, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	return &fetchInit{Method: "POST", Headers: map[string]string{"Content-Type": "application/json"}, Body: string(b)}, nil
}

// fetchInPageWith is fetchInPage with the requests made as init says (nil:
// plain GETs).
func fetchInPageWith(p *rod.Page, urls []string, kind, parse string, sel map[string]string, init *fetchInit) ([]fetched, error) {
	var out []fetched
	if err := evalJSON(p, &out, fetchJS, urls, kind, parse, sel, init); err != nil {
		return nil, err
	}
	if len(out) != len(urls) {
		return nil, fmt.Errorf("page answered %d of %d requests", len(out), len(urls))
	}
	return out, nil
}

// problem turns a failed in-page fetch into a classified error, or nil when
// it succeeded.
func (f fetched) problem(site string) error {
	switch {
	case f.Err != "":
		return automations.Fail(automations.SiteError, "fetch %s: %s", f.URL, f.Err)
	case f.Captcha:
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA; run `sellerops stores login STORE --show` and solve it", site)
	case f.Login || f.Status == 401:
		return automations.Fail(automations.LoggedOut, "%s ended the session (answered with its sign-in page)", site)
	case f.Status >= 400:
		he := &automations.HTTPError{Status: f.Status, URL: f.URL}
		if s, err := strconv.Atoi(strings.TrimSpace(f.Retry)); err == nil && s > 0 {
			he.RetryAfter = time.Duration(s) * time.Second
		}
		return he
	case f.Missing != "":
		return &automations.SelectorError{Name: f.Missing, URL: f.URL}
	}
	return nil
}

// cond is one outcome waitFor watches for.
type cond struct {
	Name string `json:"name"`
	Sel  string `json:"sel"`
	Text bool   `json:"text"` // the element must also hold some text
}

// waitForJS resolves with the name of the first condition whose selector
// matches a visible element, watching the document for changes.
const waitForJS = `(conds) => new Promise((resolve) => {
	const visible = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
	const check = () => {
		for (const c of conds) {
			let els = [];
			try { els = document.querySelectorAll(c.sel); } catch (e) { continue; }
			for (const el of els) {
				if (!visible(el) && el.tagName !== 'MAIN') continue;
				if (c.text && !el.textContent.trim()) continue;
				return c.name;
			}
		}
		return '';
	};
	const n = check();
	if (n) { resolve(n); return; }
	const obs = new MutationObserver(() => { const n = check(); if (n) { obs.disconnect(); resolve(n); } });
	obs.observe(document, {subtree: true, childList: true, attributes: true, characterData: true});
})`

// waitFor waits, within the page's budget, until one of conds shows and
// returns its name. A navigation under way replaces the document; the wait
// then starts again on the new one.
func waitFor(p *rod.Page, conds []cond) (string, error) {
	var last error
	for try := 0; try < 8; try++ {
		res, err := p.Eval(waitForJS, conds)
		if err == nil {
			return res.Value.Str(), nil
		}
		last = err
		if p.GetContext().Err() != nil {
			return "", err
		}
		var ce interface{ Error() string }
		if errors.As(err, &ce) && !strings.Contains(err.Error(), "context") && !strings.Contains(err.Error(), "navigat") {
			return "", err
		}
		_ = p.WaitLoad()
	}
	return "", last
}

// sels reads several selectors of a recipe at once; a missing key is an
// error naming it.
func sels(r *automations.Recipe, names ...string) (map[string]string, error) {
	out := make(map[string]string, len(names))
	for _, n := range names {
		s, err := r.Selector(n)
		if err != nil {
			return nil, err
		}
		out[n] = s
	}
	return out, nil
}

// optSel returns a selector or "" when the recipe lacks it.
func optSel(r *automations.Recipe, name string) string {
	s, _ := r.Selector(name)
	return s
}

// absURL resolves ref against the recipe's base URL.
func absURL(r *automations.Recipe, ref string) string {
	b, err := url.Parse(r.BaseURL)
	if err != nil {
		return ref
	}
	u, err := b.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// samePath tells whether u is on the page named by the recipe URL name,
// ignoring the query.
func samePath(r *automations.Recipe, u, name string) bool {
	want, err := r.URL(name)
	if err != nil {
		return false
	}
	a, err1 := url.Parse(u)
	b, err2 := url.Parse(want)
	return err1 == nil && err2 == nil && a.Path == b.Path
}

// typeInto focuses the element named by key and types text into it.
func typeInto(p *rod.Page, r *automations.Recipe, key, text string) error {
	sel, err := r.Selector(key)
	if err != nil {
		return err
	}
	el, err := automations.Find(p, key, sel)
	if err != nil {
		return err
	}
	if err := el.SelectAllText(); err == nil {
		_ = el.Input("")
	}
	return el.Input(text)
}

// click finds the element named by key and clicks it.
func click(p *rod.Page, r *automations.Recipe, key string) error {
	sel, err := r.Selector(key)
	if err != nil {
		return err
	}
	el, err := automations.Find(p, key, sel)
	if err != nil {
		return err
	}
	return el.Click(proto.InputMouseButtonLeft, 1)
}

// clickAndLoad clicks key and waits for the page it posts to, for
// server-rendered forms.
func clickAndLoad(p *rod.Page, r *automations.Recipe, key string) error {
	wait := p.WaitNavigation(proto.PageLifecycleEventNameLoad)
	if err := click(p, r, key); err != nil {
		return err
	}
	wait()
	return p.GetContext().Err()
}

// pageURL returns the page's current address.
func pageURL(p *rod.Page) string {
	info, err := p.Info()
	if err != nil {
		return ""
	}
	return info.URL
}

// fetchWithRetry fetches every URL from inside the page and succeeds only
// when all answered well. Failures that may pass (rate limits, 5xx,
// timeouts) are tried again after the policy's pause, or the site's
// Retry-After; others come back at once.
func fetchWithRetry(p *rod.Page, s *session, urls []string, kind, parse string, sel map[string]string) ([]fetched, error) {
	return fetchWithRetryInit(p, s, urls, kind, parse, sel, nil)
}

// fetchWithRetryInit is fetchWithRetry with the requests made as init
// says (nil: plain GETs).
func fetchWithRetryInit(p *rod.Page, s *session, urls []string, kind, parse string, sel map[string]string, init *fetchInit) ([]fetched, error) {
	out := make([]fetched, len(urls))
	todo := make([]int, len(urls))
	for i := range todo {
		todo[i] = i
	}
	var last error
	policy := s.deps.retry()
	for try := 1; ; try++ {
		batch := make([]string, len(todo))
		for j, i := range todo {
			batch[j] = urls[i]
		}
		res, err := fetchInPageWith(p, batch, kind, parse, sel, init)
		if err != nil {
			return nil, err
		}
		var again []int
		var wait time.Duration
		for j, f := range res {
			perr := f.problem(s.recipe.Site)
			if perr == nil {
				out[todo[j]] = f
				continue
			}
			if !automations.Classify(perr).Retryable() {
				return nil, perr
			}
			last = perr
			again = append(again, todo[j])
			var he *automations.HTTPError
			if errors.As(perr, &he) && he.RetryAfter > wait {
				wait = he.RetryAfter
			}
		}
		if len(again) == 0 {
			return out, nil
		}
		if try >= max(policy.Attempts, 1) {
			return nil, last
		}
		wait = max(wait, policy.Backoff(try))
		t := time.NewTimer(wait)
		select {
		case <-p.GetContext().Done():
			t.Stop()
			return nil, last
		case <-t.C:
		}
		todo = again
	}
}

// checkSignedIn fails when the page is a CAPTCHA or the sign-in form
// instead of what was asked for.
func (s *session) checkSignedIn(p *rod.Page) error {
	vis, err := automations.Visible(p, map[string]string{"captcha": optSel(s.recipe, "login.captcha"),
		"login": optSel(s.recipe, "login.username")})
	if err != nil {
		return err
	}
	if vis["captcha"] {
		return automations.Fail(automations.NeedsHuman, "%s shows a CAPTCHA; run `sellerops stores login %s --show` and solve it", s.recipe.Site, s.store.Name)
	}
	if vis["login"] || samePath(s.recipe, pageURL(p), "login") {
		return automations.Fail(automations.LoggedOut, "%s sent the browser to its sign-in page", s.recipe.Site)
	}
	return nil
}

// threadURL is the address of a thread's page; recipes name its
// placeholder thread or conversation.
func threadURL(r *automations.Recipe, id string) (string, error) {
	return r.Expand("thread", map[string]string{"thread": id, "conversation": id})
}
