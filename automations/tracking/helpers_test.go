package tracking

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

var (
	browserOnce sync.Once
	browser     *automations.Browser
	browserErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if browser != nil {
		if err := browser.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close browser:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// testBrowser is one Chromium shared by the package's tests and benchmarks;
// a test that needs it fails when it cannot start.
func testBrowser(t testing.TB) *automations.Browser {
	t.Helper()
	browserOnce.Do(func() {
		browser, browserErr = automations.Launch(context.Background(), automations.BrowserOptions{Timeout: time.Minute})
	})
	if browserErr != nil {
		t.Fatalf("these tests need Chromium: %v", browserErr)
	}
	return browser
}

func startSandbox(t testing.TB, opts sandbox.Options) *sandbox.Sandbox {
	t.Helper()
	if opts.Orders == 0 {
		opts.Orders = 40
	}
	if opts.Seed == 0 {
		opts.Seed = 7
	}
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = sb.Close()
	})
	return sb
}

func openDB(t testing.TB) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// webDeps looks everything up on the sandbox's tracking pages.
func webDeps(t testing.TB, sb *sandbox.Sandbox, db *localdb.DB) Deps {
	t.Helper()
	b := testBrowser(t)
	return Deps{
		DB:      db,
		Web:     SandboxWeb(sb.URL),
		Browser: func(context.Context) (*automations.Browser, error) { return b, nil },
	}
}

// apiDeps adds the sandbox's API keys and endpoints.
func apiDeps(t testing.TB, sb *sandbox.Sandbox, db *localdb.DB) Deps {
	t.Helper()
	d := webDeps(t, sb, db)
	cfg := config.Defaults()
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		cfg.Carriers[c] = config.Carrier{APIBaseURL: sb.URL(c), RatePerSec: 1000}
	}
	// the sandbox holds a 17TRACK key too: keep it on the stand-in
	cfg.Carriers["17track"] = config.Carrier{APIBaseURL: sb.URL(sandbox.SeventeenSite) + sandbox.SeventeenAPIPath}
	d.Config = cfg
	d.Credentials = func(_ context.Context, courier string) (carriers.Credentials, bool, error) {
		a := sb.Account(courier)
		if a.Name == "" {
			return carriers.Credentials{}, false, nil
		}
		return carriers.Credentials{ClientID: a.ClientID, ClientSecret: a.ClientSecret, APIKey: a.APIKey}, true, nil
	}
	return d
}

// parcels returns up to n sandbox parcels of a carrier that have visible
// events, optionally in one state, sorted by number.
func parcels(sb *sandbox.Sandbox, carrier, state string, n int) []*sandbox.Parcel {
	var out []*sandbox.Parcel
	for _, p := range sb.World().Parcels {
		if p.Carrier != carrier || (state != "" && p.State != state) || len(p.VisibleEvents(sb.Now())) == 0 {
			continue
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TrackingNumber < out[j].TrackingNumber })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

func numbersOf(ps []*sandbox.Parcel) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.TrackingNumber
	}
	return out
}

// collect reads every line, failing the test if the run does not end
// before the test's deadline.
func collect(t testing.TB, ch <-chan Line) []Line {
	t.Helper()
	var out []Line
	timeout := time.After(testwait.Budget(t))
	for {
		select {
		case l, ok := <-ch:
			if !ok {
				sort.Slice(out, func(i, j int) bool { return out[i].Index < out[j].Index })
				return out
			}
			out = append(out, l)
		case <-timeout:
			t.Fatalf("tracking did not finish; %d lines so far", len(out))
		}
	}
}

func track(t testing.TB, deps Deps, numbers []string, opts Options) []Line {
	t.Helper()
	ch, err := TrackAll(testwait.Context(t), deps, numbers, opts)
	if err != nil {
		t.Fatal(err)
	}
	lines := collect(t, ch)
	if len(lines) != len(numbers) {
		t.Fatalf("got %d lines for %d numbers", len(lines), len(numbers))
	}
	return lines
}

func fastRetry() automations.RetryPolicy {
	return automations.RetryPolicy{Attempts: 3, Base: 20 * time.Millisecond, Max: 100 * time.Millisecond}
}
