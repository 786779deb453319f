package automations

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"
)

// Resource is a kind of sub-resource a page can refuse to load.
type Resource string

// Resources that flows rarely need.
const (
	Images Resource = "images"
	Fonts  Resource = "fonts"
	Media  Resource = "media"
)

// blockPatterns are the URL patterns per resource kind, for
// Network.setBlockedURLs: far cheaper than hijacking every request.
var blockPatterns = map[Resource][]string{
	Images: {"png", "jpg", "jpeg", "gif", "webp", "avif", "bmp", "ico", "svg"},
	Fonts:  {"woff", "woff2", "ttf", "otf", "eot"},
	Media:  {"mp4", "webm", "ogg", "ogv", "mp3", "wav", "m4a", "m4v", "mov", "aac", "flac"},
}

// BlockPatterns returns the URL patterns that block the given kinds.
func BlockPatterns(kinds ...Resource) []string {
	var out []string
	for _, k := range kinds {
		for _, ext := range blockPatterns[k] {
			out = append(out, "*."+ext, "*."+ext+"?*")
		}
	}
	return out
}

// PoolOptions shape a page pool.
type PoolOptions struct {
	// Size is the most pages open at once; zero means 2.
	Size int
	// Block lists the resource kinds the pages do not load.
	Block []Resource
	// Isolated gives the pool its own cookie jar and storage (an incognito
	// browser context), so that two stores on one site do not share a
	// session.
	Isolated bool
	// Site names the recipe's site in failures.
	Site string
	// EvidenceDir, when set, is where a failed step leaves its evidence.
	EvidenceDir string
}

// Pool hands out at most Size pages over one browser.
type Pool struct {
	opts    PoolOptions
	browser *rod.Browser
	slots   chan struct{}

	mu     sync.Mutex
	idle   []*rod.Page
	all    map[*rod.Page]struct{}
	closed bool
}

// NewPool makes a pool of pages over b. With Isolated it opens a fresh
// browser context, which is why it takes a context and may fail.
func NewPool(ctx context.Context, b *Browser, opts PoolOptions) (*Pool, error) {
	if opts.Size <= 0 {
		opts.Size = 2
	}
	rb := b.Rod()
	if opts.Isolated {
		// DisposeOnDetach: a process that dies without closing its pool (a
		// kill, a power cut) takes its context, cookies and tabs with it
		// instead of leaving them in a remote browser that others share.
		res, err := proto.TargetCreateBrowserContext{DisposeOnDetach: true}.Call(rb.Context(ctx))
		if err != nil {
			return nil, fmt.Errorf("page pool: create an isolated browser context: %w", err)
		}
		inc := *rb
		inc.BrowserContextID = res.BrowserContextID
		rb = inc.Context(context.Background())
	}
	return &Pool{
		opts:    opts,
		browser: rb,
		slots:   make(chan struct{}, opts.Size),
		all:     map[*rod.Page]struct{}{},
	}, nil
}

// Size returns the most pages the pool opens at once.
func (p *Pool) Size() int { return p.opts.Size }

// ErrPoolClosed is returned by Get after Close.
var ErrPoolClosed = errors.New("page pool is closed")

// Get waits for a free slot and returns a page: an idle one, or a new tab.
// Give it back with Put.
func (p *Pool) Get(ctx context.Context) (*Page, error) {
	select {
	case p.slots <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("page pool: wait for a free page: %w", ctx.Err())
	}
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		<-p.slots
		return nil, ErrPoolClosed
	}
	var rp *rod.Page
	if n := len(p.idle); n > 0 {
		rp = p.idle[n-1]
		p.idle = p.idle[:n-1]
	}
	p.mu.Unlock()
	if rp == nil {
		var err error
		rp, err = p.newPage(ctx)
		if err != nil {
			<-p.slots
			return nil, err
		}
	}
	return &Page{rod: rp, pool: p, site: p.opts.Site}, nil
}

func (p *Pool) newPage(ctx context.Context) (*rod.Page, error) {
	rp, err := p.browser.Context(ctx).Page(proto.TargetCreateTarget{})
	if err != nil {
		return nil, fmt.Errorf("page pool: open a tab: %w", err)
	}
	if len(p.opts.Block) > 0 {
		if err := setBlocked(rp, p.opts.Block); err != nil {
			_ = rp.Close()
			return nil, fmt.Errorf("page pool: %w", err)
		}
	}
	rp = rp.Context(context.Background())
	p.mu.Lock()
	p.all[rp] = struct{}{}
	p.mu.Unlock()
	return rp, nil
}

// Put gives a page back. The page is emptied (navigated to about:blank) so
// the next user starts clean; a page that cannot be emptied is closed.
// Put on a page already returned does nothing.
func (p *Pool) Put(pg *Page) {
	if pg == nil || pg.pool != p {
		return
	}
	pg.mu.Lock()
	rp := pg.rod
	pg.rod = nil
	pg.mu.Unlock()
	if rp == nil {
		return
	}
	defer func() { <-p.slots }()

	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if !closed {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := rp.Context(ctx).Navigate("about:blank")
		if err == nil && pg.blockChanged {
			err = setBlocked(rp.Context(ctx), p.opts.Block)
		}
		cancel()
		if err == nil {
			p.mu.Lock()
			if !p.closed {
				p.idle = append(p.idle, rp)
				p.mu.Unlock()
				return
			}
			p.mu.Unlock()
		}
	}
	p.discard(rp)
}

func (p *Pool) discard(rp *rod.Page) {
	p.mu.Lock()
	delete(p.all, rp)
	p.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = rp.Context(ctx).Close()
}

// Close closes every page of the pool (also those still handed out) and,
// for an isolated pool, its browser context. The browser stays open.
func (p *Pool) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	pages := make([]*rod.Page, 0, len(p.all))
	for rp := range p.all {
		pages = append(pages, rp)
	}
	p.all = map[*rod.Page]struct{}{}
	p.idle = nil
	p.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var errs []error
	for _, rp := range pages {
		if err := rp.Context(ctx).Close(); err != nil && ctx.Err() != nil {
			errs = append(errs, fmt.Errorf("page pool: close a tab: %w", err))
		}
	}
	if p.browser.BrowserContextID != "" {
		err := proto.TargetDisposeBrowserContext{BrowserContextID: p.browser.BrowserContextID}.Call(p.browser.Context(ctx))
		if err != nil {
			errs = append(errs, fmt.Errorf("page pool: dispose its browser context: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Page is one tab lent out by a Pool, with the log of the steps run on it.
type Page struct {
	pool *Pool
	site string
	// endpoint names the browser the page runs in (see EndpointName); set
	// by a SpreadPool.
	endpoint string

	mu           sync.Mutex
	rod          *rod.Page
	log          []string
	blockChanged bool
}

// setBlocked makes the page refuse the given resource kinds; none lifts
// every block.
func setBlocked(rp *rod.Page, kinds []Resource) error {
	if err := (proto.NetworkEnable{}).Call(rp); err != nil {
		return fmt.Errorf("enable network control: %w", err)
	}
	patterns := BlockPatterns(kinds...)
	if patterns == nil {
		patterns = []string{}
	}
	if err := (proto.NetworkSetBlockedURLs{Urls: patterns}).Call(rp); err != nil {
		return fmt.Errorf("block %v: %w", kinds, err)
	}
	return nil
}

// Block changes which resource kinds this page refuses, for a flow that
// needs what the pool blocks (a claim form that shows the parcel photo, for
// instance). No kinds lifts every block. The pool's own setting comes back
// when the page is returned.
func (pg *Page) Block(ctx context.Context, kinds ...Resource) error {
	rp := pg.Rod()
	if rp == nil {
		return errors.New("block resources: page was already returned to its pool")
	}
	if err := setBlocked(rp.Context(ctx), kinds); err != nil {
		return fmt.Errorf("block resources: %w", err)
	}
	pg.mu.Lock()
	pg.blockChanged = true
	pg.mu.Unlock()
	return nil
}

// Endpoint names the browser the page runs in ("local", or a remote
// browser's scheme://host:port); "" for a page of a plain Pool.
func (pg *Page) Endpoint() string { return pg.endpoint }

// Rod returns the underlying rod page. Inside a Step use the page passed to
// the step function instead: it carries the step's context and budget.
func (pg *Page) Rod() *rod.Page {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	return pg.rod
}

// Logf adds a line to the page's step log, which goes into evidence.
// Never log a secret.
func (pg *Page) Logf(format string, args ...any) {
	line := time.Now().UTC().Format("15:04:05.000") + " " + fmt.Sprintf(format, args...)
	pg.mu.Lock()
	pg.log = append(pg.log, line)
	pg.mu.Unlock()
}

// Log returns a copy of the step log.
func (pg *Page) Log() []string {
	pg.mu.Lock()
	defer pg.mu.Unlock()
	return append([]string(nil), pg.log...)
}

// Step runs fn as one named step of a flow, on this page, with its own time
// budget. fn gets the page bound to the step's context; every rod call it
// makes stops when the budget is spent or ctx ends. A returned error becomes
// a *Failure carrying the step's name, the site and the class; when the pool
// has an evidence folder, the failure also keeps a screenshot, the
// sanitised HTML and the step log (not for canceled steps).
func (pg *Page) Step(ctx context.Context, name string, budget time.Duration, fn func(p *rod.Page) error) error {
	rp := pg.Rod()
	if rp == nil {
		return &Failure{Class: SiteError, Step: name, Site: pg.site, Err: errors.New("page was already returned to its pool")}
	}
	start := time.Now()
	var err error
	if cerr := ctx.Err(); cerr != nil {
		err = cerr
	} else {
		sp := rp.Context(ctx).Timeout(budget)
		err = fn(sp)
		sp.CancelTimeout()
	}
	took := time.Since(start).Round(time.Millisecond)
	if err == nil {
		pg.Logf("step %s ok in %s", name, took)
		return nil
	}
	f := &Failure{Class: Classify(err), Step: name, Site: pg.site, Err: err}
	var inner *Failure
	if errors.As(err, &inner) {
		f.Err = inner.Err
		if inner.Step != "" {
			f.Step = inner.Step
		}
		if inner.Site != "" {
			f.Site = inner.Site
		}
	}
	if f.Class == Canceled && ctx.Err() == nil {
		// A cancellation from inside the step, not from the caller, is the
		// step failing.
		f.Class = SiteError
	}
	if f.Class == Timeout && ctx.Err() == nil {
		f.Err = fmt.Errorf("%w (the step's budget was %s)", f.Err, budget)
	}
	pg.Logf("step %s failed after %s: %s: %v", name, took, f.Class, f.Err)
	if f.Class != Canceled && pg.pool != nil && pg.pool.opts.EvidenceDir != "" {
		dir, eerr := SaveEvidence(ctx, rp, pg.pool.opts.EvidenceDir, name, pg.Log())
		if eerr == nil {
			f.Evidence = dir
		} else {
			pg.Logf("evidence not saved: %v", eerr)
		}
	}
	return f
}

// loadStatusJS waits for the window's load event, as rod's WaitLoad does,
// and answers with the main document's HTTP status, in one round trip and
// without rod's helper script (which WaitLoad injects into every new
// document, costing the renderer a compile per page).
const loadStatusJS = `() => new Promise((resolve) => {
	const status = () => {
		const n = performance.getEntriesByType('navigation')[0];
		return n ? (n.responseStatus || 0) : 0;
	};
	if (document.readyState === 'complete') { resolve(status()); return; }
	window.addEventListener('load', () => resolve(status()), {once: true});
})`

// Navigate opens url on p, waits for the load event and turns an error
// status of the main document into an *HTTPError (403 blocked, 429
// rate_limited, 5xx site_error, ...).
func Navigate(p *rod.Page, url string) error {
	if err := p.Navigate(url); err != nil {
		return fmt.Errorf("open %s: %w", redactURLSecrets(url), err)
	}
	res, err := p.Eval(loadStatusJS)
	if err != nil {
		return fmt.Errorf("open %s: wait for load: %w", redactURLSecrets(url), err)
	}
	if status := res.Value.Int(); status >= 400 {
		return &HTTPError{Status: status, URL: url}
	}
	return nil
}

// Find returns the first element matching selector, waiting for it within
// the step's budget. When the budget runs out on a page that has finished
// loading, the page is not what the recipe expects: the error is a
// *SelectorError (page_changed), not a timeout. name is the recipe key, for
// the message.
func Find(p *rod.Page, name, selector string) (*rod.Element, error) {
	el, err := p.Element(selector)
	if err == nil {
		return el, nil
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		return nil, err
	}
	// The budget is spent: look once more, briefly, to tell a slow page from
	// a changed one.
	parent := context.WithoutCancel(p.GetContext())
	ctx, cancel := context.WithTimeout(parent, 2*time.Second)
	defer cancel()
	q := p.Context(ctx).Sleeper(rod.NotFoundSleeper)
	state, serr := q.Eval(`() => [document.readyState, location.href]`)
	if serr != nil {
		return nil, err
	}
	arr := state.Value.Arr()
	if len(arr) != 2 || arr[0].Str() != "complete" {
		return nil, err
	}
	if el, qerr := q.Element(selector); qerr == nil {
		return el, nil
	}
	return nil, &SelectorError{Name: name, Selector: selector, URL: arr[1].Str()}
}

// Visible reports the selector names whose selectors currently match
// something, in one round trip. Flows use it to tell which of several
// outcomes a page shows.
func Visible(p *rod.Page, selectors map[string]string) (map[string]bool, error) {
	names := make([]string, 0, len(selectors))
	sels := make([]string, 0, len(selectors))
	for n, s := range selectors {
		names = append(names, n)
		sels = append(sels, s)
	}
	res, err := p.Eval(`(sels) => sels.map((s) => { try { return !!document.querySelector(s); } catch (e) { return false; } })`, sels)
	if err != nil {
		return nil, fmt.Errorf("check %s: %w", strings.Join(names, ", "), err)
	}
	out := make(map[string]bool, len(names))
	for i, v := range res.Value.Arr() {
		if i < len(names) {
			out[names[i]] = v.Bool()
		}
	}
	return out, nil
}
