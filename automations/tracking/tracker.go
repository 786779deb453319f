// Package tracking looks parcels up and keeps their status in the local
// database. For each number it detects the courier from the check digits,
// answers from the database when the stored result is fresh enough, else
// asks the carrier's official API when the user holds keys for it, else
// reads the carrier's public tracking page in the browser through the
// carrier's recipe. Results stream on a channel as each one arrives, and
// every result, found or failed, is stored.
package tracking

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/seventeen"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// CredentialsFunc returns a courier's API credentials. ok is false when the
// user holds none, which sends that courier's numbers to the web lookup.
type CredentialsFunc func(ctx context.Context, courier string) (creds carriers.Credentials, ok bool, err error)

// WebSite says which recipe reads a courier's public tracking page and where
// the site lives.
type WebSite struct {
	Recipe  string // recipe site name, such as "ups" or "ups-sandbox"
	BaseURL string // "" keeps the recipe's own base URL
}

// Deps are what a Tracker works with. DB is required; every other field may
// be left zero.
type Deps struct {
	DB *localdb.DB
	// Config supplies API base URLs, rates and web base URLs per carrier
	// (carriers.<c>.api_base_url, rate_per_second, disable_api,
	// web_base_url). Nil means the defaults.
	Config *config.Config
	// Credentials supplies API keys; nil means no API lookups.
	Credentials CredentialsFunc
	// Browsers are the browsers web lookups spread their pages over (one
	// launched, or several remote endpoints); the Tracker never closes
	// them. When nil, Browser is used.
	Browsers func(ctx context.Context) (*automations.BrowserSet, error)
	// Browser returns the browser for web lookups, launching it on first
	// use; nil (with Browsers nil) means no web lookups. The Tracker never
	// closes it.
	Browser func(ctx context.Context) (*automations.Browser, error)
	// Recipes holds the tracking recipes; nil means the embedded ones.
	Recipes *automations.RecipeSet
	// Web chooses the recipe per courier. A courier not listed uses the
	// recipe named as the courier, at carriers.<c>.web_base_url when set.
	Web map[string]WebSite
	// HTTPClient is used by the API clients; nil means their own.
	HTTPClient *http.Client
	// EvidenceDir, when set, keeps a screenshot, the HTML and the step log of
	// each failed web lookup.
	EvidenceDir string
	Logger      *slog.Logger
	// Now is the clock for cache ages; nil means time.Now.
	Now func() time.Time
}

// Options shape one run.
type Options struct {
	// Concurrency bounds the lookups in flight (API requests and browser
	// pages); zero means DefaultConcurrency, chosen from the cores and the
	// available memory.
	Concurrency int
	// MaxAge is how old a stored result may be to be used without a lookup;
	// zero always looks up.
	MaxAge time.Duration
	// Retry is the policy for rate_limited, site_error and timeout
	// failures; zero Attempts means three tries, 500 ms then 1 s apart.
	Retry automations.RetryPolicy
	// PageBudget bounds one tracking page (open, wait, read); zero means 30 s.
	PageBudget time.Duration
	// NoAPI sends every number to the web lookup, even with keys.
	NoAPI bool
}

func (o Options) withDefaults() Options {
	if o.Concurrency <= 0 {
		o.Concurrency = DefaultConcurrency()
	}
	if o.Retry.Attempts <= 0 {
		o.Retry = automations.RetryPolicy{Attempts: 3, Base: 500 * time.Millisecond, Max: 5 * time.Second, Jitter: true}
	}
	if o.PageBudget <= 0 {
		o.PageBudget = 30 * time.Second
	}
	return o
}

// Tracker looks parcels up. It keeps API clients (and their tokens) between
// runs; Close releases them. It is safe for concurrent use.
type Tracker struct {
	deps Deps
	cfg  *config.Config
	log  *slog.Logger

	mu      sync.Mutex
	clients map[string]carriers.Tracker // nil value: the courier has no keys

	// seventeenClient serves the couriers without a client of their own
	// when a 17TRACK key is stored; seventeenMade says it was looked for.
	seventeenClient *seventeen.Client
	seventeenMade   bool

	// storeMu makes the lookups take turns at the database: SQLite has one
	// writer, and queuing here is cheaper than its busy-wait back-off.
	storeMu sync.Mutex
}

// New makes a Tracker.
func New(deps Deps) (*Tracker, error) {
	if deps.DB == nil {
		return nil, errors.New("tracking: a database is required")
	}
	cfg := config.OrDefaults(deps.Config)
	if deps.Recipes == nil {
		set, err := automations.LoadRecipes("")
		if err != nil {
			return nil, fmt.Errorf("tracking: load the embedded recipes: %w", err)
		}
		deps.Recipes = set
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	log := deps.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Tracker{deps: deps, cfg: cfg, log: log, clients: map[string]carriers.Tracker{}}, nil
}

// Close forgets the API clients and their tokens.
func (t *Tracker) Close() error {
	t.mu.Lock()
	defer t.mu.Unlock()
	clear(t.clients)
	t.seventeenClient, t.seventeenMade = nil, false
	return nil
}

// TrackAll looks every number up with a Tracker made for this run and
// streams one Line per number, in the order results arrive. The channel is
// closed when every number is answered or ctx ends.
func TrackAll(ctx context.Context, deps Deps, numbers []string, opts Options) (<-chan Line, error) {
	t, err := New(deps)
	if err != nil {
		return nil, err
	}
	in := t.Track(ctx, numbers, opts)
	out := make(chan Line)
	go func() {
		defer close(out)
		defer t.Close()
		for l := range in {
			select {
			case out <- l:
			case <-ctx.Done():
			}
		}
	}()
	return out, nil
}

// OpenNumbers returns the tracking numbers of every stored parcel that is
// neither delivered nor returned to its sender: the parcels a nightly run
// re-tracks.
func OpenNumbers(ctx context.Context, db *localdb.DB) ([]string, error) {
	list, err := db.ListShipments(ctx, localdb.ShipmentFilter{Open: true})
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(list))
	for _, s := range list {
		if s.Subtag == string(carriers.ExceptionReturned) {
			continue
		}
		out = append(out, s.TrackingNumber)
	}
	return out, nil
}

// RetrackOpen looks up every open parcel in the database (see OpenNumbers)
// and streams the results; n is how many lines will come.
func RetrackOpen(ctx context.Context, deps Deps, opts Options) (lines <-chan Line, n int, err error) {
	if deps.DB == nil {
		return nil, 0, errors.New("tracking: a database is required")
	}
	numbers, err := OpenNumbers(ctx, deps.DB)
	if err != nil {
		return nil, 0, fmt.Errorf("list open parcels: %w", err)
	}
	lines, err = TrackAll(ctx, deps, numbers, opts)
	return lines, len(numbers), err
}

// job is one valid number waiting for a lookup.
type job struct {
	idx     int
	input   string
	number  string
	courier string
	// fallbackFrom is the API's failure when the number is looked up on
	// the tracking page because the API could not answer it.
	fallbackFrom *LineError
}

// run is one call of Track: its options, its page pool and its output.
type run struct {
	t    *Tracker
	opts Options
	out  chan Line

	poolMu  sync.Mutex
	pool    *automations.SpreadPool
	poolErr error

	driftMu sync.Mutex
	drift   map[string]error // courier -> the first page that did not fit
}

// Track looks the numbers up and streams one Line per number as each
// result arrives. The channel closes when all are answered or ctx ends.
func (t *Tracker) Track(ctx context.Context, numbers []string, opts Options) <-chan Line {
	opts = opts.withDefaults()
	r := &run{t: t, opts: opts, out: make(chan Line, opts.Concurrency)}
	go func() {
		defer close(r.out)
		defer r.closePool()
		r.do(ctx, numbers)
	}()
	return r.out
}

func (r *run) emit(ctx context.Context, l Line) {
	select {
	case r.out <- l:
	case <-ctx.Done():
	}
}

// unit is one piece of work for a worker: an API batch, or a browser page
// working through tracking pages. It hands each line to emit as it is done.
type unit func(ctx context.Context, emit func(Line))

func (r *run) do(ctx context.Context, numbers []string) {
	t := r.t
	apiJobs, webJobs := map[string][]job{}, map[string][]job{}
	var apiOrder, webOrder []string
	for i, in := range numbers {
		if ctx.Err() != nil {
			return
		}
		j, bad := r.detect(ctx, i, in)
		if bad != nil {
			r.emit(ctx, *bad)
			continue
		}
		if l, ok := r.cached(ctx, j); ok {
			r.emit(ctx, l)
			continue
		}
		if !r.opts.NoAPI {
			if client := t.client(ctx, j.courier); client != nil {
				if _, seen := apiJobs[j.courier]; !seen {
					apiOrder = append(apiOrder, j.courier)
				}
				apiJobs[j.courier] = append(apiJobs[j.courier], j)
				continue
			}
		}
		if _, err := t.recipe(j.courier); err != nil {
			r.emit(ctx, errorLine(j.idx, j.input, j.number, j.courier, ClassUnsupported,
				fmt.Sprintf("%s: no API keys and no tracking page recipe for courier %s (%s); store API keys, a 17TRACK key (carrier/17track/api_key) or add a recipe", j.number, j.courier, err)))
			continue
		}
		if _, seen := webJobs[j.courier]; !seen {
			webOrder = append(webOrder, j.courier)
		}
		webJobs[j.courier] = append(webJobs[j.courier], j)
	}
	// API batches go first: they are cheap, and the browser starts only if
	// some number needs it. The couriers take turns, so that each carrier's
	// rate limit is spent in parallel rather than one after another.
	perCourier := make([][]unit, 0, len(apiOrder))
	for _, c := range apiOrder {
		jobs := apiJobs[c]
		client := t.client(ctx, c)
		size := max(client.MaxBatch(), 1)
		var list []unit
		for lo := 0; lo < len(jobs); lo += size {
			batch := jobs[lo:min(lo+size, len(jobs))]
			list = append(list, func(ctx context.Context, emit func(Line)) {
				lines, fallback := r.api(ctx, client, batch)
				for _, l := range lines {
					emit(l)
				}
				if len(fallback) == 0 {
					return
				}
				h := &pageHolder{}
				defer h.release()
				for _, j := range fallback {
					if ctx.Err() != nil {
						return
					}
					l := r.web(ctx, h, j)
					l.FallbackFrom = j.fallbackFrom
					emit(l)
				}
			})
		}
		perCourier = append(perCourier, list)
	}
	units := append(interleave(perCourier), r.webSessions(webOrder, webJobs)...)

	work := make(chan unit)
	emit := func(l Line) { r.emit(ctx, l) }
	var wg sync.WaitGroup
	for w := 0; w < min(r.opts.Concurrency, len(units)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				u(ctx, emit)
			}
		}()
	}
feed:
	for _, u := range units {
		select {
		case work <- u:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
}

// detect finds the courier of a number. The first valid match whose courier
// this Tracker can look up wins; else the best valid match.
func (r *run) detect(ctx context.Context, idx int, input string) (job, *Line) {
	d := carriers.Detect(input)
	valid := d.ValidMatches()
	if len(valid) == 0 {
		msg := fmt.Sprintf("%q is not a valid tracking number of any known carrier; check it for a typo or a missing digit", input)
		if d.Courier != "" {
			msg = fmt.Sprintf("%q has the shape of a %s number (%s) but its check digit is wrong; check it for a typo", input, carriers.CourierName(d.Courier), d.Format)
		}
		l := errorLine(idx, input, d.Number, "", ClassBadInput, msg)
		return job{}, &l
	}
	// With a 17TRACK key every courier can be looked up, so the best match
	// wins (an S10 number is a post's, not a weaker DHL eCommerce match).
	pick := valid[0]
	for _, m := range valid {
		if r.t.supported(ctx, m.Courier) {
			pick = m
			break
		}
	}
	return job{idx: idx, input: input, number: d.Number, courier: pick.Courier}, nil
}

// supported reports whether the courier can be looked up: through its own
// client, through 17TRACK (when its key is stored and the courier's API is
// not turned off), or through its tracking page.
func (t *Tracker) supported(ctx context.Context, courier string) bool {
	if newClient(courier) != nil {
		return true
	}
	if !t.cfg.Carriers[courier].DisableAPI && t.seventeen(ctx) != nil {
		return true
	}
	_, err := t.recipe(courier)
	return err == nil
}

// cached returns the stored result when it is younger than MaxAge and was a
// successful lookup.
func (r *run) cached(ctx context.Context, j job) (Line, bool) {
	if r.opts.MaxAge <= 0 {
		return Line{}, false
	}
	db := r.t.deps.DB
	s, err := db.GetShipmentByNumber(ctx, j.courier, j.number)
	if err != nil || s.Source == "" || s.ErrorClass != "" || s.CheckedAt.IsZero() {
		return Line{}, false
	}
	if r.t.deps.Now().Sub(s.CheckedAt) > r.opts.MaxAge {
		return Line{}, false
	}
	events, err := db.ShipmentEvents(ctx, s.ID)
	if err != nil {
		return Line{}, false
	}
	return lineFromStored(j.idx, j.input, s, events), true
}

// store saves a line's result and returns the line; a failure to store
// turns the line into a storage error. Canceled lookups are not stored: they
// say nothing about the parcel.
func (r *run) store(ctx context.Context, l Line) Line {
	if l.Courier == "" || l.Number == "" || (l.Error != nil && l.Error.Class == string(automations.Canceled)) {
		return l
	}
	if l.CheckedAt.IsZero() {
		l.CheckedAt = r.t.deps.Now().UTC()
	}
	r.t.storeMu.Lock()
	_, _, err := r.t.deps.DB.SaveTrackResult(context.WithoutCancel(ctx), trackResult(l))
	r.t.storeMu.Unlock()
	if err != nil {
		r.t.log.Warn("tracking: store result", "courier", l.Courier, "number", l.Number, "err", err)
		if l.Error == nil {
			l.Error = &LineError{Class: ClassStorage, Message: fmt.Sprintf("%s: looked up but not stored: %v; check the database with sellerops doctor", l.Number, err)}
		}
	}
	return l
}

// interleave takes one unit from each list in turn.
func interleave(lists [][]unit) []unit {
	var out []unit
	for i := 0; ; i++ {
		added := false
		for _, l := range lists {
			if i < len(l) {
				out = append(out, l[i])
				added = true
			}
		}
		if !added {
			return out
		}
	}
}
