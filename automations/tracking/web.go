package tracking

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/go-rod/rod"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/carriers"
)

// SandboxWeb points every carrier's web lookup at the sandbox: the
// "<courier>-sandbox" recipe at the address urlOf gives for the courier.
func SandboxWeb(urlOf func(courier string) string) map[string]WebSite {
	out := map[string]WebSite{}
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		out[c] = WebSite{Recipe: c + "-sandbox", BaseURL: urlOf(c)}
	}
	return out
}

// recipe returns the tracking recipe of a courier, at its configured base.
func (t *Tracker) recipe(courier string) (*automations.Recipe, error) {
	ws, ok := t.deps.Web[courier]
	if !ok {
		cc := t.cfg.Carriers[courier]
		ws = WebSite{Recipe: cc.Recipe, BaseURL: cc.WebBaseURL}
		if ws.Recipe == "" {
			ws.Recipe = courier
		}
	}
	rec, err := t.deps.Recipes.Get(ws.Recipe)
	if err != nil {
		return nil, err
	}
	if rec.Kind != automations.KindCarrier {
		return nil, fmt.Errorf("recipe %s is a %s recipe, not a carrier one", rec.Site, rec.Kind)
	}
	if _, err := rec.URL("track"); err != nil {
		return nil, err
	}
	if _, err := rec.Selector("track.events"); err != nil {
		return nil, err
	}
	if ws.BaseURL != "" {
		rec = rec.WithBaseURL(ws.BaseURL)
	}
	return rec, nil
}

// pagePool returns the run's page pool, starting the browser on first use.
func (r *run) pagePool(ctx context.Context) (*automations.SpreadPool, error) {
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	if r.pool != nil || r.poolErr != nil {
		return r.pool, r.poolErr
	}
	deps := r.t.deps
	var set *automations.BrowserSet
	switch {
	case deps.Browsers != nil:
		var err error
		if set, err = deps.Browsers(ctx); err != nil {
			r.poolErr = err
			return nil, err
		}
	case deps.Browser != nil:
		set = automations.BrowserSetOf("", deps.Browser)
	default:
		r.poolErr = errors.New("no browser is set up for tracking pages")
		return nil, r.poolErr
	}
	// One browser must answer before any page is asked for, so that a
	// machine without one gets a no_browser line at once.
	if _, err := set.Primary(ctx); err != nil {
		r.poolErr = err
		return nil, err
	}
	r.pool = automations.NewSpreadPool(set, automations.PoolOptions{
		Size:        r.opts.Concurrency,
		Block:       []automations.Resource{automations.Images, automations.Fonts, automations.Media},
		Site:        "tracking",
		EvidenceDir: deps.EvidenceDir,
	})
	return r.pool, nil
}

// markDrift remembers that a courier's page no longer fits its recipe:
// the run stops looking that courier's numbers up, since every page would
// be read as wrongly as this one.
func (r *run) markDrift(courier string, err error) {
	r.driftMu.Lock()
	defer r.driftMu.Unlock()
	if r.drift == nil {
		r.drift = map[string]error{}
	}
	if r.drift[courier] == nil {
		r.drift[courier] = err
	}
}

func (r *run) driftOf(courier string) error {
	r.driftMu.Lock()
	defer r.driftMu.Unlock()
	return r.drift[courier]
}

func (r *run) closePool() {
	r.poolMu.Lock()
	defer r.poolMu.Unlock()
	if r.pool != nil {
		_ = r.pool.Close()
		r.pool = nil
	}
}

// hints say what to do about a failed tracking page, by class.
var hints = map[automations.Class]string{
	automations.Blocked:     "the site refused the browser; store API keys for this carrier in the keyring (carrier/<courier>/client_id and client_secret, or api_key for DHL), or try again later",
	automations.NeedsHuman:  "the site asks for a person; run again with --show and answer the check, or store API keys for this carrier in the keyring",
	automations.RateLimited: "the site asks to slow down; lower --concurrency or try again later",
	automations.Timeout:     "the page did not answer in time; try again, or raise the budget",
	automations.SiteError:   "the site failed; try again later",
}

// webSessions splits the tracking-page lookups over up to Concurrency
// browser pages. Each page keeps to one courier's site while that courier
// has numbers left (moving a tab to another site costs Chromium a new
// renderer process), then helps with the other couriers' numbers.
func (r *run) webSessions(order []string, jobs map[string][]job) []unit {
	total := 0
	queues := map[string]chan job{}
	for _, c := range order {
		q := make(chan job, len(jobs[c]))
		for _, j := range jobs[c] {
			q <- j
		}
		close(q)
		queues[c] = q
		total += len(jobs[c])
	}
	n := min(r.opts.Concurrency, total)
	// Pages per courier in proportion to its numbers, at least one each
	// while there are pages to give.
	counts := map[string]int{}
	for assigned := 0; assigned < n; {
		progress := false
		for _, c := range order {
			if assigned < n && counts[c] < len(jobs[c]) && (counts[c] == 0 || counts[c]*total < n*len(jobs[c])) {
				counts[c]++
				assigned++
				progress = true
			}
		}
		if !progress {
			break
		}
	}
	lists := make([][]unit, 0, len(order))
	for _, c := range order {
		var list []unit
		visit := append([]string{c}, order...)
		for i := 0; i < counts[c]; i++ {
			list = append(list, func(ctx context.Context, emit func(Line)) {
				h := &pageHolder{}
				defer h.release()
				for _, c := range visit {
					for j := range queues[c] {
						if ctx.Err() != nil {
							return
						}
						emit(r.web(ctx, h, j))
					}
				}
			})
		}
		lists = append(lists, list)
	}
	return interleave(lists)
}

// pageHolder keeps one pooled page for a run of lookups.
type pageHolder struct {
	pool *automations.SpreadPool
	pg   *automations.Page
}

func (h *pageHolder) get(ctx context.Context) (*automations.Page, error) {
	if h.pg == nil {
		pg, err := h.pool.Get(ctx)
		if err != nil {
			return nil, err
		}
		h.pg = pg
	}
	return h.pg, nil
}

// release gives the page back to the pool; the next get opens another.
func (h *pageHolder) release() {
	if h.pg != nil {
		h.pool.Put(h.pg)
		h.pg = nil
	}
}

// lost reports whether the held page's browser stopped answering; when it
// did, the page is gone and the next get opens one on another browser.
func (h *pageHolder) lost(ctx context.Context) bool {
	if h.pg == nil || !h.pool.Lost(ctx, h.pg) {
		return false
	}
	h.pg = nil
	return true
}

// noPageError is a lookup that got no page from any browser.
type noPageError struct{ err error }

func (e *noPageError) Error() string { return e.err.Error() }
func (e *noPageError) Unwrap() error { return e.err }

// errEndpointLost ends the tries of a lookup whose browser stopped
// answering; the lookup starts again on another browser.
var errEndpointLost = errors.New("the browser serving this page stopped answering")

// web looks one number up on the courier's public tracking page.
func (r *run) web(ctx context.Context, h *pageHolder, j job) Line {
	fail := func(class, msg string) Line {
		l := errorLine(j.idx, j.input, j.number, j.courier, class, msg)
		l.Source = SourceWeb
		return l
	}
	rec, err := r.t.recipe(j.courier)
	if err != nil {
		return fail(ClassUnsupported, fmt.Sprintf("%s: %v", j.number, err))
	}
	if first := r.driftOf(j.courier); first != nil {
		l := fail(string(automations.PageChanged), fmt.Sprintf("%s: not looked up: the %s tracking page stopped fitting its recipe earlier in this run (%v)",
			j.number, carriers.CourierName(j.courier), first))
		l.CheckedAt = r.t.deps.Now().UTC()
		return r.store(ctx, l)
	}
	pool, err := r.pagePool(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return fail(string(automations.Canceled), fmt.Sprintf("%s: lookup stopped: %v", j.number, ctx.Err()))
		}
		// Not the parcel's fault: nothing is stored.
		return fail(ClassNoBrowser, fmt.Sprintf("%s: cannot open the %s tracking page: %v", j.number, carriers.CourierName(j.courier), err))
	}
	h.pool = pool
	var (
		line     Line
		servedBy string // the browser whose page answered last
	)
	// A browser that dies under a lookup sends it to another browser: the
	// next try opens a page elsewhere, and when the last try was lost so,
	// the tries start over, up to once per browser the set has.
	for moves := 0; ; moves++ {
		lost := false
		err = automations.Retry(ctx, r.opts.Retry, func(ctx context.Context, _ int) error {
			lost = false
			pg, err := h.get(ctx)
			if err != nil {
				return &noPageError{err}
			}
			l, answered, err := r.webOnce(ctx, pg, rec, j)
			if err != nil && !answered {
				if ctx.Err() == nil && h.lost(ctx) {
					lost = true
					r.t.log.Info("browser lost under a lookup; moving it to another", "number", j.number, "err", err)
					return automations.Fail(automations.SiteError, "%v: %w", err, errEndpointLost)
				}
				// The tab never showed a page state: start the next try on
				// a fresh one.
				h.release()
			}
			if err == nil || answered {
				servedBy = pg.Endpoint()
			}
			line = l
			return err
		})
		if !lost || moves >= pool.Endpoints() || ctx.Err() != nil {
			break
		}
	}
	var np *noPageError
	if errors.As(err, &np) && ctx.Err() == nil {
		// No browser gave a page: not the parcel's fault, nothing is stored.
		return fail(ClassNoBrowser, fmt.Sprintf("%s: cannot open the %s tracking page: %v", j.number, carriers.CourierName(j.courier), np.err))
	}
	if err != nil {
		// A timeline gone from where the recipe looks, or mostly unreadable,
		// will be the same on the courier's next page.
		var (
			re *automations.RecordError
			se *automations.SelectorError
		)
		if (errors.As(err, &re) && re.Most()) || errors.As(err, &se) {
			r.markDrift(j.courier, err)
		}
		class := automations.Classify(err)
		msg := fmt.Sprintf("%s: %v", j.number, err)
		if hint := hints[class]; hint != "" {
			msg += "; " + hint
		}
		l := fail(string(class), msg)
		l.CheckedAt = r.t.deps.Now().UTC()
		l.Endpoint = servedBy
		return r.store(ctx, l)
	}
	line.Endpoint = servedBy
	return r.store(ctx, line)
}

// outcome names, in the order a page is checked for them: a robot check or
// a refusal first, so that neither is ever read as "no events".
var outcomeKeys = []struct{ name, key string }{
	{"captcha", "captcha"},
	{"captcha", "bot_check"},
	{"blocked", "blocked"},
	{"page_error", "page.error"},
	{"error", "track.error"},
	{"notfound", "track.not_found"},
	{"done", "track.done"},
	{"done", "track.events"},
	// Last: buttons that stand between the page and its timeline (a cookie
	// banner, a collapsed history). Each is clicked once, then the wait goes
	// on.
	{"click", "consent_accept"},
	{"click", "track.open_history"},
}

// readJS reads the whole timeline; waitJS runs it once the timeline is
// there.
const readJS = `(s) => {
	const q = (root, sel) => { if (!sel) { return null; } try { return root.querySelector(sel); } catch (e) { return null; } };
	const txt = (e) => e ? (e.textContent || '').replace(/\s+/g, ' ').trim() : '';
	const attr = (e, a) => (e && a) ? (e.getAttribute(a) || '') : '';
	const st = q(document, s.status), eta = q(document, s.eta);
	let rows = [];
	try { rows = Array.from(document.querySelectorAll(s.events)); } catch (e) { rows = []; }
	return {
		status: txt(st), statusCode: attr(st, s.statusAttr),
		eta: attr(eta, s.etaAttr), delivered: attr(eta, s.deliveredAttr), etaText: txt(eta),
		url: location.href,
		events: rows.map((r) => {
			// A cell selector that matches twice in one row makes the value
			// ambiguous: say so instead of taking the first.
			const multi = [];
			const one = (sel, field) => {
				if (!sel) { return null; }
				let all = [];
				try { all = r.querySelectorAll(sel); } catch (e) { return null; }
				if (all.length > 1) { multi.push(field); }
				return all[0] || null;
			};
			return {code: attr(r, s.codeAttr), time: attr(r, s.timeAttr), timeText: txt(one(s.time, 'time')),
				desc: txt(one(s.text, 'description')), loc: txt(one(s.loc, 'location')), multi};
		}),
	};
}`

// waitJS resolves with the first outcome whose selector matches, watching
// the page's changes (no polling, no sleep), or with what the page says when
// the time is up. "click" entries are pressed once when they appear. When
// the timeline is there ("done"), it is read at once (readJS, with the
// selectors s) and comes back in the same answer: one round trip per page.
var waitJS = `(checks, ms, wallTitle, s) => new Promise((resolve) => {
	const read = ` + readJS + `;
	const wall = new RegExp(wallTitle, 'i');
	let finished = false, mo = null, timer = null;
	const finish = (v) => {
		if (finished) { return; }
		finished = true;
		if (mo) { mo.disconnect(); }
		clearTimeout(timer);
		resolve(v);
	};
	const clicked = new Set();
	const check = () => {
		for (const [name, sel] of checks) {
			let el = null;
			try { el = document.querySelector(sel); } catch (e) { continue; }
			if (!el) { continue; }
			if (name === 'click') {
				if (!clicked.has(sel)) {
					clicked.add(sel);
					try { el.click(); } catch (e) { /* the next change is checked again */ }
				}
				continue;
			}
			const v = {outcome: name, text: (el.textContent || '').trim().slice(0, 300)};
			if (name === 'done') { v.page = read(s); }
			finish(v);
			return;
		}
		if (document.readyState !== 'loading' && wall.test(document.title || '')) {
			finish({outcome: 'wall', text: (document.title + ' ' + (document.body ? document.body.innerText : '')).slice(0, 3000)});
		}
	};
	timer = setTimeout(() => finish({outcome: '', ready: document.readyState, url: location.href,
		text: ((document.title || '') + ' ' + (document.body ? document.body.innerText : '')).slice(0, 3000)}), ms);
	mo = new MutationObserver(check);
	mo.observe(document.documentElement, {childList: true, subtree: true, attributes: true});
	check();
})`

// wallTitles are the page titles of anti-bot walls and access-denied pages;
// no tracking page has one, so a match ends the wait at once.
const wallTitles = `^\s*(access denied|just a moment|attention required|robot check|are you a robot|request rejected|pardon our interruption|forbidden)`

var (
	robotWords   = regexp.MustCompile(`(?i)captcha|are you a robot|verify you are (a )?human|unusual traffic|press (and|&) hold`)
	blockedWords = regexp.MustCompile(`(?i)access denied|request (was )?blocked|you don't have permission to access|forbidden|bot detected|temporarily blocked`)
)

type pageEvent struct {
	Code     string   `json:"code"`
	Time     string   `json:"time"`
	TimeText string   `json:"timeText"`
	Desc     string   `json:"desc"`
	Loc      string   `json:"loc"`
	Multi    []string `json:"multi"`
}

type pageResult struct {
	Status     string      `json:"status"`
	StatusCode string      `json:"statusCode"`
	ETA        string      `json:"eta"`
	Delivered  string      `json:"delivered"`
	ETAText    string      `json:"etaText"`
	URL        string      `json:"url"`
	Events     []pageEvent `json:"events"`
}

// readSelectors are readJS's selectors and attribute names, from the recipe.
func readSelectors(rec *automations.Recipe) map[string]string {
	return map[string]string{
		"status": optSelector(rec, "track.status"), "eta": optSelector(rec, "track.eta", "track.delivered_on"),
		"events": optSelector(rec, "track.events"), "time": optSelector(rec, eventTimeKeys...),
		"text": optSelector(rec, "track.event_text"), "loc": optSelector(rec, "track.event_location"),
		"statusAttr": optAttr(rec, "status"), "etaAttr": optAttr(rec, "eta"), "deliveredAttr": optAttr(rec, "delivered"),
		"codeAttr": optAttr(rec, "event_code"), "timeAttr": optAttr(rec, "event_time"),
	}
}

func optSelector(rec *automations.Recipe, names ...string) string {
	for _, n := range names {
		if s, err := rec.Selector(n); err == nil {
			return s
		}
	}
	return ""
}

func optAttr(rec *automations.Recipe, name string) string {
	a, _ := rec.Attr(name)
	return a
}

// webOnce opens the tracking page once and reads it. answered says whether
// the page got as far as showing a state (results, not found, an error
// notice, a robot check), which tells a sick tab from a sick site.
func (r *run) webOnce(ctx context.Context, pg *automations.Page, rec *automations.Recipe, j job) (_ Line, answered bool, _ error) {
	u, err := rec.Expand("track", map[string]string{"number": j.number})
	if err != nil {
		return Line{}, false, err
	}
	var checks [][2]string
	for _, o := range outcomeKeys {
		if s, err := rec.Selector(o.key); err == nil {
			checks = append(checks, [2]string{o.name, s})
		}
	}
	budget := r.opts.PageBudget
	waitMS := max(budget-2*time.Second, budget/2).Milliseconds()
	var (
		res      pageResult
		notFound bool
	)
	err = pg.Step(ctx, rec.Site+".track", budget, func(p *rod.Page) error {
		if err := automations.Navigate(p, u); err != nil {
			var he *automations.HTTPError
			answered = errors.As(err, &he)
			return err
		}
		obj, err := p.Eval(waitJS, checks, waitMS, wallTitles, readSelectors(rec))
		if err != nil {
			return fmt.Errorf("wait for the tracking details: %w", err)
		}
		var w struct {
			Outcome string      `json:"outcome"`
			Text    string      `json:"text"`
			Ready   string      `json:"ready"`
			URL     string      `json:"url"`
			Page    *pageResult `json:"page"`
		}
		if err := obj.Value.Unmarshal(&w); err != nil {
			return fmt.Errorf("wait for the tracking details: %w", err)
		}
		answered = w.Outcome != ""
		switch w.Outcome {
		case "captcha":
			return automations.Fail(automations.NeedsHuman, "the page shows a robot check (CAPTCHA) instead of the tracking details")
		case "blocked":
			return automations.Fail(automations.Blocked, "the page refused access: %s", short(w.Text))
		case "page_error", "error":
			if strings.Contains(w.Text, "429") || strings.Contains(strings.ToLower(w.Text), "too many") {
				return automations.Fail(automations.RateLimited, "the page says: %s", short(w.Text))
			}
			return automations.Fail(automations.SiteError, "the page could not load the tracking details: %s", short(w.Text))
		case "notfound":
			notFound = true
			return nil
		case "done":
			if w.Page == nil {
				return fmt.Errorf("read the timeline: the page gave no timeline")
			}
			res = *w.Page
		case "wall":
			if robotWords.MatchString(w.Text) {
				return automations.Fail(automations.NeedsHuman, "the page is a robot check: %s", short(w.Text))
			}
			return automations.Fail(automations.Blocked, "the page refused access: %s", short(w.Text))
		default:
			switch {
			case robotWords.MatchString(w.Text):
				return automations.Fail(automations.NeedsHuman, "the page looks like a robot check: %s", short(w.Text))
			case blockedWords.MatchString(w.Text):
				return automations.Fail(automations.Blocked, "the page looks like an access-denied page: %s", short(w.Text))
			case w.Ready == "complete":
				sel, _ := rec.Selector("track.events")
				return &automations.SelectorError{Name: "track.events", Selector: sel, URL: w.URL}
			}
			return fmt.Errorf("the tracking page did not finish loading: %w", context.DeadlineExceeded)
		}
		if len(res.Events) == 0 {
			// A found parcel always has at least its label event: an empty
			// timeline means the selectors no longer fit the page.
			sel, _ := rec.Selector("track.events")
			return &automations.SelectorError{Name: "track.events", Selector: sel, URL: res.URL}
		}
		// Rows that match but do not hold what a timeline needs mean the
		// page changed under the row selector: never a success.
		keep, err := checkEvents(rec, j, res, r.t.deps.Now())
		if err != nil {
			return err
		}
		res.Events = keep
		return nil
	})
	if err != nil {
		return Line{}, answered, err
	}
	now := r.t.deps.Now().UTC()
	if notFound {
		sh := carriers.Shipment{Number: j.number, Courier: j.courier, Tag: carriers.Pending, Subtag: carriers.PendingNoInfo}
		return lineFromShipment(j.idx, j.input, sh, SourceWeb, now), true, nil
	}
	return lineFromShipment(j.idx, j.input, shipmentFromPage(j, res), SourceWeb, now), true, nil
}

// eventTimeKeys are the recipe keys of an event's time cell, in the order
// they are tried.
var eventTimeKeys = []string{"track.event_time", "track.event_date"}

// checkEvents checks the events a page showed against the tracking_event
// schema and returns them with repeats dropped.
func checkEvents(rec *automations.Recipe, j job, res pageResult, now time.Time) ([]pageEvent, error) {
	timeFrom := "attributes.event_time"
	for _, k := range eventTimeKeys {
		if _, err := rec.Selector(k); err == nil {
			timeFrom += "|selectors." + k
			break
		}
	}
	rows := make([]automations.Record, len(res.Events))
	for i, e := range res.Events {
		rows[i] = automations.Record{"time": parsePageTime(e.Time, e.TimeText), "description": e.Desc,
			"code": e.Code, "location": e.Loc, automations.MultiField: e.Multi}
	}
	keep, err := automations.CheckRecords(automations.RecordCheck{Kind: "tracking_event", Recipe: rec, URL: res.URL, Now: now,
		From: automations.Sources{"time": timeFrom, "description": "selectors.track.event_text",
			"code": "attributes.event_code", "location": "selectors.track.event_location"}}, rows)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", j.number, err)
	}
	out := make([]pageEvent, len(keep))
	for i, k := range keep {
		out[i] = res.Events[k]
	}
	return out, nil
}

func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		s = s[:160] + "..."
	}
	return s
}

// shipmentFromPage normalises what the page showed.
func shipmentFromPage(j job, res pageResult) carriers.Shipment {
	sh := carriers.Shipment{Number: j.number, Courier: j.courier, Found: true, Events: make([]carriers.Event, 0, len(res.Events))}
	for _, e := range res.Events {
		ev := carriers.Event{Time: parsePageTime(e.Time, e.TimeText), Location: e.Loc, Description: e.Desc, RawCode: e.Code}
		ev.Tag, ev.Subtag = mapPageEvent(j.courier, e.Code, e.Desc)
		sh.Events = append(sh.Events, ev)
	}
	carriers.SortEventsNewestFirst(sh.Events)
	ftag, fsub, _ := carriers.MapStatus(j.courier, res.StatusCode, res.Status)
	carriers.Summarise(&sh, ftag, fsub)
	if res.Delivered == "" {
		if t := parsePageTime(res.ETA, ""); !t.IsZero() {
			sh.EstimatedDelivery = &t
		}
	}
	return sh
}

// mapPageEvent maps an event seen on a tracking page. Pages show fewer codes
// than the APIs (UPS shows only the three-digit status code, which says "in
// transit" for a departure and an arrival alike), so when the code gives
// only its tag's generic subtag and the wording names a finer one of the
// same tag, the wording wins.
func mapPageEvent(courier, code, desc string) (carriers.Tag, carriers.Subtag) {
	tag, sub, ok := carriers.MapStatus(courier, code, desc)
	if !ok {
		return "", ""
	}
	if sub == carriers.DefaultSubtag(tag) {
		if ttag, tsub, tok := carriers.ClassifyText(desc); tok && ttag == tag {
			sub = tsub
		}
	}
	return tag, sub
}

// pageTimeLayouts are the date shapes tracking pages print, tried in order
// when no machine-readable time attribute is there.
var pageTimeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04 MST",
	"2006-01-02 15:04",
	"01/02/2006 3:04 PM",
	"01/02/2006 15:04",
	"1/2/2006 3:04 PM",
	"January 2, 2006, 3:04 pm",
	"January 2, 2006 3:04 pm",
	"Monday, January 2, 2006 3:04 PM",
	"Monday, January 2, 2006, 3:04 PM",
	"Jan 2, 2006 3:04 PM",
	"2006-01-02",
}

func parsePageTime(attr, text string) time.Time {
	for _, s := range []string{attr, text} {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		for _, layout := range pageTimeLayouts {
			if t, err := time.Parse(layout, s); err == nil {
				return t.UTC()
			}
		}
	}
	return time.Time{}
}
