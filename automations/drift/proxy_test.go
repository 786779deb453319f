package drift

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
)

// domSpec says where the rows and cells of a site's pages are, in the
// markup the sandbox serves today. The proxy changes them; the product
// reads them with its recipes.
type domSpec struct {
	Rows  []string `json:"rows"`
	Cells []string `json:"cells"`
	Main  []string `json:"main"`  // the cells a record cannot do without (description, subject, body)
	Times []string `json:"times"` // cells that print a time
	Attrs []string `json:"attrs"` // attributes that carry values
	// TimeAttrs are the attributes among Attrs that hold a time.
	TimeAttrs []string `json:"timeAttrs"`
	// Live marks pages drawn by their own script: the change is made as the
	// rows appear, inside Root.
	Live bool   `json:"live"`
	Root string `json:"root"`
}

// jsonSpec is the same for the JSON a flow reads.
type jsonSpec struct {
	Lists []string // keys whose arrays hold the records
	Text  []string // text values
	Main  []string // values a record cannot do without
	Times []string // time values (text or Unix seconds)
}

// driftJS changes rows the way a redesign would. It runs on a parsed
// document (server-rendered pages, through a helper tab) or on the live
// page as rows appear (pages drawn by script). seen keeps rows it made or
// already changed.
const driftJS = `function driftRows(doc, v, spec, rows, root, seen) {
	const all = (r, sels) => sels.length ? Array.from(r.querySelectorAll(sels.join(','))) : [];
	const rename = (el) => {
		if (el.classList && el.classList.length) { el.className = Array.from(el.classList).map((c) => 'rd-' + c).join(' '); }
		if (el.id) { el.id = 'rd-' + el.id; }
	};
	const texts = (el) => {
		const w = doc.createTreeWalker(el, 4), out = [];
		while (w.nextNode()) { out.push(w.currentNode); }
		return out;
	};
	const pad = (n) => (n < 10 ? '0' : '') + n;
	const fmt = (s) => {
		const t = String(s).trim();
		if (!t) { return s; }
		const d = new Date(t);
		if (isNaN(d.getTime())) { return s; }
		const days = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
		const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
		const n = d.getUTCDate();
		const suf = (n % 10 === 1 && n !== 11) ? 'st' : (n % 10 === 2 && n !== 12) ? 'nd' : (n % 10 === 3 && n !== 13) ? 'rd' : 'th';
		return days[d.getUTCDay()] + ' ' + n + suf + ' of ' + months[d.getUTCMonth()] + ' ' + d.getUTCFullYear() + ', ' + pad(d.getUTCHours()) + 'h' + pad(d.getUTCMinutes());
	};
	const inside = (r) => [r, ...r.querySelectorAll('*')];
	switch (v) {
	case 'rename-all':
		root.querySelectorAll('*').forEach(rename);
		break;
	case 'rename-cells':
		rows.forEach((r) => all(r, spec.cells).forEach(rename));
		break;
	case 'rename-attrs':
		rows.forEach((r) => inside(r).forEach((el) => spec.attrs.forEach((a) => {
			if (el.hasAttribute(a)) { el.setAttribute('data-x-' + a.replace(/^data-/, ''), el.getAttribute(a)); el.removeAttribute(a); }
		})));
		break;
	case 'reorder-cells':
		rows.forEach((r) => r.append(...Array.from(r.children).reverse()));
		break;
	case 'wrap-cells':
		rows.forEach((r) => all(r, spec.cells).forEach((c) => {
			const w = doc.createElement('span');
			w.className = 'rd-wrap';
			w.append(...c.childNodes);
			c.append(w);
		}));
		break;
	case 'reformat-dates':
		rows.forEach((r) => {
			inside(r).forEach((el) => spec.timeAttrs.forEach((a) => { if (el.hasAttribute(a)) { el.setAttribute(a, fmt(el.getAttribute(a))); } }));
			all(r, spec.times).forEach((c) => texts(c).forEach((t) => { t.data = fmt(t.data); }));
		});
		break;
	case 'drop-column':
		rows.forEach((r) => all(r, spec.main).forEach((c) => c.remove()));
		break;
	case 'duplicate-rows':
		rows.forEach((r) => { const c = r.cloneNode(true); seen.add(c); r.after(c); });
		break;
	case 'blank-text':
		rows.forEach((r) => all(r, spec.cells).forEach((c) => texts(c).forEach((t) => { t.data = ''; })));
		break;
	case 'pad-text':
		rows.forEach((r) => all(r, spec.cells).forEach((c) => texts(c).forEach((t) => { t.data = '\n\t\u00a0 ' + t.data + ' \u00a0\n'; })));
		break;
	case 'decoy-cell':
		rows.forEach((r) => all(r, spec.cells).forEach((c) => {
			const d = doc.createElement(c.tagName);
			d.className = c.className;
			d.textContent = 'Label:';
			c.before(d);
		}));
		break;
	case 'extra-row': {
		const parents = new Set();
		rows.forEach((r) => {
			if (parents.has(r.parentNode)) { return; }
			parents.add(r.parentNode);
			const e = doc.createElement(r.tagName);
			e.className = r.className;
			seen.add(e);
			r.parentNode.insertBefore(e, r); // rows come in page order: r is the list's first
		});
		break;
	}
	}
}`

// staticJS changes a whole server-rendered page and returns its markup.
const staticJS = `(html, v, spec) => {
	` + driftJS + `
	const doc = new DOMParser().parseFromString(html, 'text/html');
	const rows = Array.from(doc.querySelectorAll(spec.rows.join(',')));
	driftRows(doc, v, spec, rows, doc.body, new WeakSet());
	return '<!DOCTYPE html>\n' + doc.documentElement.outerHTML;
}`

// liveScript is put in a page drawn by its own script: it changes rows as
// they appear, before anything else sees them (the first observer of a
// mutation runs first).
func liveScript(v string, spec domSpec) string {
	js, _ := json.Marshal(spec)
	return `<script>(function () {
	` + driftJS + `
	var spec = ` + string(js) + `, v = ` + strconv.Quote(v) + `, seen = new WeakSet();
	new MutationObserver(function () {
		var rows = Array.from(document.querySelectorAll(spec.rows.join(','))).filter(function (r) { return !seen.has(r); });
		if (!rows.length) { return; }
		rows.forEach(function (r) { seen.add(r); });
		driftRows(document, v, spec, rows, rows[0].closest(spec.root) || document.body, seen);
	}).observe(document.documentElement, {childList: true, subtree: true});
})();</script>`
}

// proxy serves one sandbox site through the current variant.
type proxy struct {
	site  string
	srv   *httptest.Server
	dom   *domSpec
	json  *jsonSpec
	match func(path string) bool // the pages and endpoints that drift
	d     *drifter
}

// drifter holds the variant of the moment and the tab that rewrites
// server-rendered pages, opened by newTab when the first one comes.
type drifter struct {
	mu      sync.Mutex
	variant string
	tabMu   sync.Mutex
	tab     *rod.Page
	newTab  func() (*rod.Page, error)
	changed map[string]int // site -> responses changed under this variant
}

func (d *drifter) set(v string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.variant = v
	d.changed = map[string]int{}
}

func (d *drifter) current() string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.variant
}

func (d *drifter) count(site string) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.changed[site]
}

func (d *drifter) note(site string) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.changed[site]++
}

func newProxy(t *testing.T, d *drifter, site, upstream string) *proxy {
	t.Helper()
	up, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{site: site, d: d}
	rp := httputil.NewSingleHostReverseProxy(up)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		r.Header.Del("Accept-Encoding") // the rewrite reads plain bodies
	}
	rp.ModifyResponse = p.modify
	p.srv = httptest.NewServer(rp)
	t.Cleanup(p.srv.Close)
	return p
}

func (p *proxy) URL() string { return p.srv.URL }

func (p *proxy) modify(resp *http.Response) error {
	v := p.d.current()
	if v == "" || resp.StatusCode != http.StatusOK || p.match == nil || !p.match(resp.Request.URL.Path) {
		return nil
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return err
	}
	ct := resp.Header.Get("Content-Type")
	out := body
	switch {
	case strings.Contains(ct, "html") && p.dom != nil && p.dom.Live:
		if i := bytes.Index(body, []byte(`<script id="trk-config"`)); i >= 0 {
			out = append(append(append([]byte{}, body[:i]...), liveScript(v, *p.dom)...), body[i:]...)
			p.d.note(p.site)
		}
	case strings.Contains(ct, "html") && p.dom != nil:
		s, err := p.d.rewrite(string(body), v, *p.dom)
		if err != nil {
			return fmt.Errorf("drift %s %s: %w", v, resp.Request.URL.Path, err)
		}
		out = []byte(s)
		p.d.note(p.site)
	case strings.Contains(ct, "json") && p.json != nil:
		var doc any
		if err := json.Unmarshal(body, &doc); err == nil {
			doc = driftJSON(doc, v, *p.json, false)
			if out, err = json.Marshal(doc); err != nil {
				return err
			}
			p.d.note(p.site)
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(out))
	resp.ContentLength = int64(len(out))
	resp.Header.Set("Content-Length", strconv.Itoa(len(out)))
	return nil
}

// rewrite changes a server-rendered page in the helper tab: the browser's
// own parser and DOM, so that the result is markup a browser would build.
func (d *drifter) rewrite(html, v string, spec domSpec) (string, error) {
	d.tabMu.Lock()
	defer d.tabMu.Unlock()
	if d.tab == nil {
		tab, err := d.newTab()
		if err != nil {
			return "", err
		}
		d.tab = tab
	}
	res, err := d.tab.Timeout(30*time.Second).Eval(staticJS, html, v, spec)
	if err != nil {
		return "", err
	}
	return res.Value.Str(), nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// driftJSON does to a JSON answer what driftJS does to rows: inList says
// whether v sits inside an item of one of the record lists.
func driftJSON(v any, variant string, spec jsonSpec, inList bool) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, 0, 2*len(x)+1)
		for _, e := range x {
			out = append(out, driftJSON(e, variant, spec, inList))
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			isList := contains(spec.Lists, k)
			val := driftJSON(e, variant, spec, inList || isList)
			if arr, ok := val.([]any); ok && isList {
				switch variant {
				case "duplicate-rows":
					var d []any
					for _, item := range arr {
						d = append(d, item, item)
					}
					val = d
				case "extra-row":
					val = append([]any{map[string]any{}}, arr...)
				}
			}
			key := k
			switch variant {
			case "rename-all":
				key = "rd_" + k
			case "rename-cells":
				if inList && !isList {
					key = "rd_" + k
				}
			case "rename-attrs":
				if contains(spec.Times, k) {
					key = "rd_" + k
				}
			case "wrap-cells":
				if s, ok := val.(string); ok && contains(spec.Text, k) {
					val = map[string]any{"text": s}
				}
			case "reformat-dates":
				if contains(spec.Times, k) {
					val = reformatJSONTime(val)
				}
			case "drop-column":
				if inList && contains(spec.Main, k) {
					continue
				}
			case "blank-text":
				if _, ok := val.(string); ok && contains(spec.Text, k) {
					val = ""
				}
			case "pad-text":
				if s, ok := val.(string); ok && contains(spec.Text, k) {
					val = "\n\t\u00a0 " + s + " \u00a0\n"
				}
			case "decoy-cell":
				if contains(spec.Text, k) {
					out["rd_"+k] = "Label:"
				}
			}
			out[key] = val
		}
		return out
	}
	return v
}

func reformatJSONTime(v any) any {
	var t time.Time
	switch x := v.(type) {
	case string:
		p, err := time.Parse(time.RFC3339Nano, x)
		if err != nil {
			return v
		}
		t = p
	case float64:
		t = time.Unix(int64(x), 0)
	default:
		return v
	}
	t = t.UTC()
	return t.Format("Monday 2 of January 2006, 15h04")
}
