package drift

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

var carrierSites = []string{"ups", "fedex", "usps", "dhl"}

// Cell outcomes.
const (
	outCorrect     = "correct"
	outPageChanged = "page_changed"
	outSilent      = "SILENT"
	outOther       = "OTHER"
)

// cell is one variant on one site: its outcome and why.
type cell struct {
	outcome string
	why     string
}

// TestDriftHoldOut serves every sandbox inbox and tracking page through a
// proxy that changes its markup or JSON in each of the variants, runs the
// product's own track and sync code through it, and judges each cell by the
// rule in variants_test.go against the sandbox world's truth.
//
// The claim portal goes through the variants in order, on one database of
// filed claims; the tracking pages and each inbox run every variant through
// proxies and a drifter of its own, on a fresh database; all of these run
// side by side.
func TestDriftHoldOut(t *testing.T) {
	if testing.Short() {
		t.Skip("drives Chromium through every variant of every site")
	}
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	b, err := automations.Launch(ctx, automations.BrowserOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatalf("this test needs Chromium: %v", err)
	}
	t.Cleanup(func() { _ = b.Close() })
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 5, Orders: 12})
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	recipes, err := automations.LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{ctx: ctx, b: b, sb: sb, recipes: recipes, table: map[string]map[string]cell{}}

	markets := []string{"amazon", "ebay", "tiktok"}
	t.Run("sites", func(t *testing.T) {
		t.Run("ups-claims", func(t *testing.T) {
			t.Parallel()
			w.driftClaims(t)
		})
		t.Run("tracking", func(t *testing.T) {
			t.Parallel()
			w.driftTracking(t)
		})
		for _, m := range markets {
			t.Run(m, func(t *testing.T) {
				t.Parallel()
				w.driftSync(t, m)
			})
		}
	})

	// The table.
	sites := append(append(append([]string{}, markets...), carrierSites...), "ups-claims")
	var b2 strings.Builder
	fmt.Fprintf(&b2, "\n%-16s", "variant")
	for _, s := range sites {
		fmt.Fprintf(&b2, " %-13s", s)
	}
	b2.WriteString("\n")
	bad := 0
	var notes []string
	for _, v := range variants {
		fmt.Fprintf(&b2, "%-16s", v.name)
		for _, s := range sites {
			c, ok := w.table[v.name][s]
			if !ok {
				// The site's run stopped before this variant; its
				// subtest says why.
				c.outcome = "-"
			}
			fmt.Fprintf(&b2, " %-13s", c.outcome)
			if c.outcome == outSilent || c.outcome == outOther {
				bad++
				notes = append(notes, fmt.Sprintf("%s x %s: %s: %s", v.name, s, c.outcome, c.why))
			}
		}
		b2.WriteString("\n")
	}
	t.Log(b2.String())
	for _, n := range notes {
		t.Error(n)
	}
	if bad > 0 {
		t.Errorf("%d cells ended as neither correct data nor page_changed", bad)
	}
}

// world is what every site's run shares: the browser, the sandbox, the
// recipes and the table of outcomes.
type world struct {
	ctx     context.Context
	b       *automations.Browser
	sb      *sandbox.Sandbox
	recipes *automations.RecipeSet

	mu    sync.Mutex
	table map[string]map[string]cell // variant -> site -> outcome
}

func (w *world) put(v, site string, c cell) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.table[v] == nil {
		w.table[v] = map[string]cell{}
	}
	w.table[v][site] = c
}

// newDrifter gives one run its own variant of the moment and its own tab
// to rewrite server-rendered pages in.
func (w *world) newDrifter(t *testing.T) *drifter {
	t.Helper()
	d := &drifter{changed: map[string]int{}, newTab: func() (*rod.Page, error) {
		return w.b.Rod().Page(proto.TargetCreateTarget{URL: "about:blank"})
	}}
	t.Cleanup(func() {
		d.tabMu.Lock()
		defer d.tabMu.Unlock()
		if d.tab != nil {
			_ = d.tab.Close()
		}
	})
	return d
}

// driftClaims is the claim portal: claims filed through the unchanged
// portal, then each variant's status sync judged against the portal's own
// state. The variants run in order on one database, each sync starting
// from what the one before stored.
func (w *world) driftClaims(t *testing.T) {
	ctx, sb := w.ctx, w.sb
	d := w.newDrifter(t)
	ups := mustRecipe(t, w.recipes, "ups-sandbox")
	pc := newProxy(t, d, "ups-claims", sb.URL("ups"))
	pc.dom = &domSpec{
		Rows:  sels(ups, "claims.row"),
		Cells: sels(ups, "claims.number", "claims.tracking", "claims.kind", "claims.filed", "claims.amount", "claims.status", "claims.paid"),
		Main:  sels(ups, "claims.tracking"), Times: sels(ups, "claims.filed"),
		Attrs: attrs(ups, "claim_number", "claim_tracking", "claim_status", "claim_amount", "claim_paid", "time"), TimeAttrs: attrs(ups, "time"),
	}
	pc.match = func(path string) bool { return path == "/claims" }
	d.set("")
	cdb, cdeps := fileClaims(t, ctx, w.b, sb, w.recipes, pc.URL())
	for _, v := range variants {
		d.set(v.name)
		began := time.Now()
		_, err := filing.SyncStatus(ctx, cdeps, nil)
		t.Logf("variant %-15s claims  %5.1fs", v.name, time.Since(began).Seconds())
		if d.count("ups-claims") == 0 {
			t.Fatalf("variant %s changed no claim list: the proxy did not reach the product", v.name)
		}
		w.put(v.name, "ups-claims", judgeClaims(ctx, cdb, sb, err))
	}
}

// driftTracking is the four carriers' tracking pages, looked up together:
// a baseline checked against the world's events, then each variant, side
// by side, through proxies of its own and on a fresh database.
func (w *world) driftTracking(t *testing.T) {
	ctx, sb := w.ctx, w.sb
	proxies := func(t *testing.T, d *drifter) map[string]tracking.WebSite {
		web := map[string]tracking.WebSite{}
		for _, c := range carrierSites {
			rec := mustRecipe(t, w.recipes, c+"-sandbox")
			p := newProxy(t, d, c, sb.URL(c))
			p.dom = &domSpec{
				Rows:  sels(rec, "track.events"),
				Cells: sels(rec, "track.event_time", "track.event_text", "track.event_location"),
				Main:  sels(rec, "track.event_text"), Times: sels(rec, "track.event_time"),
				Attrs: attrs(rec, "event_time", "event_code"), TimeAttrs: attrs(rec, "event_time"),
				Live: true, Root: sels(rec, "track.result")[0],
			}
			p.match = func(path string) bool {
				return !strings.HasPrefix(path, "/static/") && !strings.Contains(path, "/data")
			}
			web[c] = tracking.WebSite{Recipe: c + "-sandbox", BaseURL: p.URL()}
		}
		return web
	}

	// The numbers: a few parcels per carrier with visible events.
	numbers := map[string][]string{}
	var all []string
	for _, c := range carrierSites {
		var ps []*sandbox.Parcel
		for _, p := range sb.World().Parcels {
			if p.Carrier == c && len(p.VisibleEvents(sb.Now())) > 0 {
				ps = append(ps, p)
			}
		}
		sort.Slice(ps, func(i, j int) bool { return ps[i].TrackingNumber < ps[j].TrackingNumber })
		for _, p := range ps[:min(2, len(ps))] {
			numbers[c] = append(numbers[c], p.TrackingNumber)
			all = append(all, p.TrackingNumber)
		}
		if len(numbers[c]) == 0 {
			t.Fatalf("the sandbox world has no %s parcel with events", c)
		}
	}
	runTrack := func(t *testing.T, web map[string]tracking.WebSite) (map[string]tracking.Line, *localdb.DB) {
		db := openDB(t, sb)
		deps := tracking.Deps{DB: db, Recipes: w.recipes, Web: web, Now: sb.Now,
			Browser: func(context.Context) (*automations.Browser, error) { return w.b, nil }}
		ch, err := tracking.TrackAll(ctx, deps, all, tracking.Options{Concurrency: 4,
			Retry: automations.RetryPolicy{Attempts: 2, Base: 50 * time.Millisecond}})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]tracking.Line{}
		for l := range ch {
			out[l.Number] = l
		}
		if len(out) != len(all) {
			t.Fatalf("tracking answered %d of %d numbers", len(out), len(all))
		}
		return out, db
	}

	// Baseline: the unchanged pages, checked against the world's events.
	d := w.newDrifter(t)
	d.set("")
	base, _ := runTrack(t, proxies(t, d))
	for _, n := range all {
		l := base[n]
		if l.Error != nil {
			t.Fatalf("unchanged page, %s: %s", n, l.Error.Message)
		}
		if why := matchesWorld(sb, l); why != "" {
			t.Fatalf("unchanged page, %s does not match the world: %s", n, why)
		}
	}

	t.Run("variants", func(t *testing.T) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				t.Parallel()
				d := w.newDrifter(t)
				web := proxies(t, d)
				d.set(v.name)
				began := time.Now()
				lines, db := runTrack(t, web)
				t.Logf("variant %-15s tracking %5.1fs", v.name, time.Since(began).Seconds())
				for _, c := range carrierSites {
					if d.count(c) == 0 {
						t.Fatalf("variant %s changed no %s page: the proxy did not reach the product", v.name, c)
					}
					w.put(v.name, c, judgeTrack(ctx, db, sb, c, numbers[c], lines, base))
				}
			})
		}
	})
}

// driftSync is one inbox: a baseline sync checked against the world, then
// each variant, side by side, through a proxy of its own and on a fresh
// database.
func (w *world) driftSync(t *testing.T, market string) {
	ctx, sb := w.ctx, w.sb
	proxyFor := func(t *testing.T, d *drifter) *proxy {
		p := newProxy(t, d, market, sb.URL(market))
		switch market {
		case "amazon":
			amazon := mustRecipe(t, w.recipes, "amazon-sandbox")
			p.dom = &domSpec{
				Rows: sels(amazon, "inbox.thread", "thread.message", "orders.row"),
				Cells: sels(amazon, "inbox.thread_order", "inbox.thread_buyer", "inbox.thread_subject", "inbox.thread_received",
					"inbox.thread_due", "thread.message_from", "thread.message_time", "thread.message_body"),
				Main:  sels(amazon, "inbox.thread_subject", "thread.message_body"),
				Times: sels(amazon, "inbox.thread_received", "inbox.thread_due", "thread.message_time"),
				Attrs: attrs(amazon, "time", "message_id", "message_from", "thread_status"), TimeAttrs: attrs(amazon, "time"),
			}
			p.match = func(path string) bool { return strings.HasPrefix(path, "/messages") }
		case "ebay":
			p.json = &jsonSpec{Lists: []string{"conversations", "messages"}, Text: []string{"subject", "text", "buyer"},
				Main: []string{"subject", "text"}, Times: []string{"lastMessageAt", "sentAt", "respondBy"}}
			p.match = func(path string) bool { return strings.Contains(path, "/api/conversations") }
		case "tiktok":
			p.json = &jsonSpec{Lists: []string{"conversations", "messages"}, Text: []string{"subject", "content", "buyer_name"},
				Main: []string{"subject", "content"}, Times: []string{"last_message_time", "create_time", "reply_deadline"}}
			p.match = func(path string) bool { return strings.HasPrefix(path, "/api/im/conversations") }
		default:
			t.Fatalf("no drift spec for %s", market)
		}
		return p
	}

	d := w.newDrifter(t)
	d.set("")
	res := runSync(t, ctx, w.b, sb, w.recipes, market, proxyFor(t, d).URL())
	if res.sum.FailureClass != "" || len(res.failed) > 0 {
		t.Fatalf("unchanged %s: %s %s %v", market, res.sum.FailureClass, res.sum.Error, res.failed)
	}
	if why := syncMatchesWorld(sb, market, res, true); why != "" {
		t.Fatalf("unchanged %s does not match the world: %s", market, why)
	}
	t.Run("variants", func(t *testing.T) {
		for _, v := range variants {
			t.Run(v.name, func(t *testing.T) {
				t.Parallel()
				d := w.newDrifter(t)
				p := proxyFor(t, d)
				d.set(v.name)
				began := time.Now()
				res := runSync(t, ctx, w.b, sb, w.recipes, market, p.URL())
				t.Logf("variant %-15s sync %-7s %5.1fs", v.name, market, time.Since(began).Seconds())
				if d.count(market) == 0 {
					t.Fatalf("variant %s changed no %s answer: the proxy did not reach the product", v.name, market)
				}
				w.put(v.name, market, judgeSync(sb, market, res))
			})
		}
	})
}

func mustRecipe(t *testing.T, set *automations.RecipeSet, site string) *automations.Recipe {
	t.Helper()
	r, err := set.Get(site)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func sels(r *automations.Recipe, names ...string) []string {
	var out []string
	for _, n := range names {
		if s, err := r.Selector(n); err == nil {
			out = append(out, s)
		}
	}
	return out
}

func attrs(r *automations.Recipe, names ...string) []string {
	var out []string
	for _, n := range names {
		if a, err := r.Attr(n); err == nil {
			out = append(out, a)
		}
	}
	return out
}

func openDB(t *testing.T, sb *sandbox.Sandbox) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "sellerops.db"), localdb.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// matchesWorld checks a tracking line against the world: one event per
// visible scan, at the scan's minute (pages print minutes).
func matchesWorld(sb *sandbox.Sandbox, l tracking.Line) string {
	p := sb.World().Parcel(l.Number)
	if p == nil {
		return "not in the world"
	}
	want := p.VisibleEvents(sb.Now())
	if len(l.Events) != len(want) {
		return fmt.Sprintf("%d events, the world has %d", len(l.Events), len(want))
	}
	var got, exp []int64
	for i := range want {
		got = append(got, l.Events[i].Time.Truncate(time.Minute).Unix())
		exp = append(exp, want[i].Time.Truncate(time.Minute).Unix())
	}
	sort.Slice(got, func(i, j int) bool { return got[i] < got[j] })
	sort.Slice(exp, func(i, j int) bool { return exp[i] < exp[j] })
	for i := range got {
		if got[i] != exp[i] {
			return fmt.Sprintf("event times %v, the world has %v", got, exp)
		}
	}
	for _, e := range l.Events {
		if strings.TrimSpace(e.Description) == "" {
			return "an event without description"
		}
	}
	return ""
}

func sameLine(a, b tracking.Line) string {
	if a.Tag != b.Tag || a.Subtag != b.Subtag {
		return fmt.Sprintf("status %s/%s, the unchanged page gave %s/%s", a.Tag, a.Subtag, b.Tag, b.Subtag)
	}
	if len(a.Events) != len(b.Events) {
		return fmt.Sprintf("%d events, the unchanged page gave %d", len(a.Events), len(b.Events))
	}
	for i := range a.Events {
		x, y := a.Events[i], b.Events[i]
		if !x.Time.Equal(y.Time) || norm(x.Description) != norm(y.Description) || x.Tag != y.Tag {
			return fmt.Sprintf("event %d is %v %q %s, the unchanged page gave %v %q %s", i, x.Time, x.Description, x.Tag, y.Time, y.Description, y.Tag)
		}
	}
	return ""
}

func norm(s string) string { return strings.Join(strings.Fields(s), " ") }

// judgeTrack applies the rule to one carrier's numbers: the lines and what
// the database keeps.
func judgeTrack(ctx context.Context, db *localdb.DB, sb *sandbox.Sandbox, courier string, nums []string, lines, base map[string]tracking.Line) cell {
	changed, ok := 0, 0
	for _, n := range nums {
		l := lines[n]
		if l.Error != nil {
			if l.Error.Class != string(automations.PageChanged) {
				return cell{outOther, fmt.Sprintf("%s: %s: %s", n, l.Error.Class, l.Error.Message)}
			}
			// Nothing may be stored from a page that did not fit.
			if s, err := db.GetShipmentByNumber(ctx, courier, n); err == nil {
				evs, _ := db.ShipmentEvents(ctx, s.ID)
				if len(evs) > 0 || (s.Tag != "" && s.Tag != "Pending") {
					return cell{outSilent, fmt.Sprintf("%s: page_changed, yet %d events and status %s were stored", n, len(evs), s.Tag)}
				}
			}
			changed++
			continue
		}
		if why := sameLine(l, base[n]); why != "" {
			return cell{outSilent, n + ": " + why}
		}
		ok++
	}
	if changed > 0 {
		return cell{outPageChanged, fmt.Sprintf("%d page_changed, %d correct", changed, ok)}
	}
	return cell{outCorrect, ""}
}

// syncResult is what one sync did and stored.
type syncResult struct {
	sum     marketplace.StoreSummary
	failed  []localdb.RunItem
	threads []localdb.Thread
	msgs    map[string][]localdb.Message // by marketplace thread id
}

func runSync(t *testing.T, ctx context.Context, b *automations.Browser, sb *sandbox.Sandbox, recipes *automations.RecipeSet, market, base string) syncResult {
	t.Helper()
	db := openDB(t, sb)
	dir := t.TempDir()
	deps := &marketplace.Deps{DB: db, Secrets: marketplace.NewMemorySecrets(), Browser: b, Recipes: recipes,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), EvidenceDir: filepath.Join(dir, "evidence"),
		Now: sb.Now, Retry: automations.RetryPolicy{Attempts: 2, Base: 50 * time.Millisecond}}
	acct := sb.Account(market)
	st, err := marketplace.AddStoreWithRecipes(ctx, db, deps.Secrets, recipes, marketplace.StoreSpec{
		Name: market, Marketplace: acct.Site, BaseURL: base, Username: acct.Username, Recipe: acct.Site + "-sandbox",
		Password: acct.Password, TOTPSecret: acct.TOTPSecret, Demo: true})
	if err != nil {
		t.Fatalf("add store %s: %v", market, err)
	}
	sum, err := marketplace.SyncStores(ctx, deps, []string{market}, nil)
	if err != nil && len(sum.Stores) == 0 {
		t.Fatalf("sync %s: %v", market, err)
	}
	res := syncResult{sum: sum.Stores[0], msgs: map[string][]localdb.Message{}}
	if res.failed, err = db.ListRunItems(ctx, sum.RunID, localdb.ItemFailed, localdb.ItemNeedsHuman); err != nil {
		t.Fatal(err)
	}
	if res.threads, err = db.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{st.ID}}); err != nil {
		t.Fatal(err)
	}
	for _, th := range res.threads {
		ms, err := db.ListMessages(ctx, th.ID)
		if err != nil {
			t.Fatal(err)
		}
		res.msgs[th.MarketplaceThreadID] = ms
	}
	return res
}

// syncMatchesWorld checks every stored thread against the world: subject,
// and each message's body and time. complete also wants every visible
// thread stored.
func syncMatchesWorld(sb *sandbox.Sandbox, market string, res syncResult, complete bool) string {
	now := sb.Now()
	visible := 0
	for _, th := range sb.World().StoreThreads(market) {
		if th.Visible(now) {
			visible++
		}
	}
	if complete && len(res.threads) != visible {
		return fmt.Sprintf("%d threads stored, the world shows %d", len(res.threads), visible)
	}
	for _, th := range res.threads {
		w := sb.World().Thread(th.MarketplaceThreadID)
		if w == nil {
			return fmt.Sprintf("thread %s is not in the world", th.MarketplaceThreadID)
		}
		if norm(th.Subject) != norm(w.Subject) {
			return fmt.Sprintf("thread %s: subject %q, the world says %q", w.ID, th.Subject, w.Subject)
		}
		wantMsgs := w.VisibleMessages(now)
		got := res.msgs[w.ID]
		if len(got) != len(wantMsgs) {
			return fmt.Sprintf("thread %s: %d messages, the world has %d", w.ID, len(got), len(wantMsgs))
		}
		byTime := map[int64]string{}
		for _, m := range wantMsgs {
			byTime[m.Time.Truncate(time.Second).Unix()] = norm(m.Body)
		}
		for _, m := range got {
			body, ok := byTime[m.SentAt.Truncate(time.Second).Unix()]
			if !ok || body != norm(m.Body) {
				return fmt.Sprintf("thread %s: message at %v %q is not the world's", w.ID, m.SentAt, m.Body)
			}
		}
	}
	return ""
}

func judgeSync(sb *sandbox.Sandbox, market string, res syncResult) cell {
	if why := syncMatchesWorld(sb, market, res, false); why != "" {
		return cell{outSilent, why}
	}
	if c := res.sum.FailureClass; c != "" {
		if c != string(automations.PageChanged) {
			return cell{outOther, c + ": " + res.sum.Error}
		}
		return cell{outPageChanged, "store stopped: " + res.sum.Error}
	}
	for _, it := range res.failed {
		if it.FailureClass != string(automations.PageChanged) {
			return cell{outOther, it.ItemKey + ": " + it.FailureClass + ": " + it.Error}
		}
	}
	if len(res.failed) > 0 {
		return cell{outPageChanged, fmt.Sprintf("%d items page_changed", len(res.failed))}
	}
	if why := syncMatchesWorld(sb, market, res, true); why != "" {
		return cell{outSilent, why}
	}
	return cell{outCorrect, ""}
}

// fileClaims files a loss claim for a few lost UPS parcels through the
// unchanged portal and returns the database and the filing dependencies.
func fileClaims(t *testing.T, ctx context.Context, b *automations.Browser, sb *sandbox.Sandbox, recipes *automations.RecipeSet, portal string) (*localdb.DB, filing.Deps) {
	t.Helper()
	db := openDB(t, sb)
	sec := marketplace.NewMemorySecrets()
	acct := sb.Account("ups")
	_ = sec.Set(ctx, claims.PortalUsernameKey("ups"), acct.Username)
	_ = sec.Set(ctx, claims.PortalPasswordKey("ups"), acct.Password)
	deps := filing.Deps{
		Deps: claims.Deps{DB: db, Config: config.Defaults(), Now: sb.Now}, Recipes: recipes,
		Secrets: sec, Browser: func(context.Context) (*automations.Browser, error) { return b, nil },
		Portals:     map[string]claims.Portal{"ups": {Recipe: "ups-sandbox", BaseURL: portal}},
		StepTimeout: 20 * time.Second,
		Retry:       automations.RetryPolicy{Attempts: 2, Base: 50 * time.Millisecond},
	}
	filer := filing.NewFiler(deps, false)
	defer filer.Close()
	n := 0
	for _, p := range sb.World().Parcels {
		evs := p.VisibleEvents(sb.Now())
		// Any parcel will do: the portal files a loss claim for any
		// number it carries, and the test reads the list, not the rules.
		if p.Carrier != "ups" || len(evs) == 0 || n >= 2 {
			continue
		}
		ship, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: p.TrackingNumber, Source: localdb.SourceAPI,
			Tag: "Exception", Subtag: "Exception_013", Events: []localdb.TrackingEvent{{Time: evs[len(evs)-1].Time, Tag: "Exception",
				Subtag: "Exception_013", RawCode: "lost", Description: "Lost"}}})
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.CreateClaim(ctx, localdb.Claim{ShipmentID: ship.ID, Kind: localdb.ClaimLost, Amount: 4200 + int64(n), Currency: "USD",
			Description: "The parcel was lost in transit."})
		if err != nil {
			t.Fatal(err)
		}
		invoice := filepath.Join(t.TempDir(), "invoice.pdf")
		if err := os.WriteFile(invoice, []byte("%PDF-1.4\n% invoice for the drift test\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddClaimEvidence(ctx, localdb.ClaimEvidence{ClaimID: c.ID, Kind: localdb.EvidenceInvoice, Path: invoice}); err != nil {
			t.Fatal(err)
		}
		if _, err := filer.File(ctx, c.ID, nil); err != nil {
			t.Fatalf("file a claim for %s on the unchanged portal: %v", p.TrackingNumber, err)
		}
		n++
	}
	if n == 0 {
		t.Fatal("the sandbox world has no UPS parcel with events")
	}
	// The unchanged list reads right.
	if _, err := filing.SyncStatus(ctx, deps, nil); err != nil {
		t.Fatalf("status of the unchanged portal: %v", err)
	}
	if c := judgeClaims(ctx, db, sb, nil); c.outcome != outCorrect {
		t.Fatalf("unchanged portal: %s: %s", c.outcome, c.why)
	}
	return db, deps
}

// judgeClaims compares every stored claim with the portal's own state.
func judgeClaims(ctx context.Context, db *localdb.DB, sb *sandbox.Sandbox, syncErr error) cell {
	list, err := db.ListClaims(ctx, localdb.ClaimFilter{})
	if err != nil {
		return cell{outOther, err.Error()}
	}
	state := sb.State()
	for _, c := range list {
		var truth *sandbox.Claim
		for tn, pcs := range state.Claims {
			for i := range pcs {
				if pcs[i].Number == c.ConfirmationNumber {
					truth = &state.Claims[tn][i]
				}
			}
		}
		if truth == nil {
			return cell{outSilent, "claim " + c.ConfirmationNumber + " is not on the portal"}
		}
		want, ok := claims.PortalState(truth.Status)
		if !ok || c.State != want || c.PaidAmount != truth.Paid {
			return cell{outSilent, fmt.Sprintf("claim %s stored as %s paid %d, the portal says %s paid %d (minor units)", c.ConfirmationNumber, c.State, c.PaidAmount, truth.Status, truth.Paid)}
		}
	}
	if syncErr != nil {
		if cl := automations.Classify(syncErr); cl != automations.PageChanged {
			return cell{outOther, string(cl) + ": " + syncErr.Error()}
		}
		return cell{outPageChanged, syncErr.Error()}
	}
	return cell{outCorrect, ""}
}
