package tui

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	autoclaims "github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// TestCandidatesMatchCommandLine checks that, with no finder wired, the
// claims view lists exactly the candidates claims.Candidates finds with
// the built-in configuration, in its order.
func TestCandidatesMatchCommandLine(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	want, err := autoclaims.Candidates(context.Background(), autoclaims.Deps{DB: h.db, Config: config.Defaults()}, fixture.Clock())
	if err != nil {
		t.Fatal(err)
	}
	h.press("4", "c")
	got, total := h.m.Claims.Candidates()
	if total != len(want) || len(got) != len(want) {
		t.Fatalf("view lists %d candidates (total %d), claims.Candidates finds %d", len(got), total, len(want))
	}
	for i := range want {
		if got[i].ShipmentID != want[i].ShipmentID || got[i].Kind != want[i].Kind {
			t.Errorf("row %d: %s %s, want %s %s", i, got[i].TrackingNumber, got[i].Kind, want[i].TrackingNumber, want[i].Kind)
		}
	}
	view := ansi.Strip(h.m.View())
	for _, want := range []string{
		"candidates: 3 lost or damaged,",
		"usps 9400111899223100000017", "closes 40d",
		"ups 1Z999AA10123456784", "1 draft", "closes 49d", "USD 45.00",
		"spx SPX0000123", "2 submitted", "no rule",
		"why: the carrier reports the parcel lost (Exception_013)",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("candidates view lacks %q:\n%s", want, view)
		}
	}
	// The reason line follows the cursor.
	h.press("down")
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "why: stalled: no new event for 9.0 days (threshold 5.0 days)") {
		t.Errorf("reason line does not follow the cursor:\n%s", view)
	}
}

// TestCandidatesUseWiredFinder checks that Options.Candidates is what the
// view lists, that it gets the dashboard's clock, and that its error is
// shown.
func TestCandidatesUseWiredFinder(t *testing.T) {
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	var asked time.Time
	fail := false
	opts := Options{DB: db, Now: fixture.Clock, Candidates: func(_ context.Context, now time.Time) ([]autoclaims.Candidate, error) {
		asked = now
		if fail {
			return nil, errors.New("config: bad claim rule")
		}
		return []autoclaims.Candidate{{ShipmentID: 42, Courier: "dhl", TrackingNumber: "JD0001", Kind: localdb.ClaimDamaged,
			Reasons:       []string{"the buyer reported damage on 2026-03-01 (\"broken\") with 2 photo(s)", "second"},
			DeclaredValue: 1999, Currency: "EUR",
			Window: autoclaims.CandidateWindow{Opens: fixture.Clock().Add(48 * time.Hour), Closes: fixture.Clock().Add(30 * 24 * time.Hour),
				State: autoclaims.WindowNotYetOpen}}}, nil
	}}
	h := startHarnessOpts(t, ids, 120, 40, opts)
	h.press("4", "c")
	if !asked.Equal(fixture.Clock()) {
		t.Fatalf("finder asked as of %v, want the dashboard's clock %v", asked, fixture.Clock())
	}
	view := ansi.Strip(h.m.View())
	for _, want := range []string{"candidates: 1 lost or damaged,", "damaged dhl JD0001", "opens in 2d", "EUR 19.99",
		`why: the buyer reported damage on 2026-03-01 ("broken") with 2 photo(s) (+1 more)`} {
		if !strings.Contains(view, want) {
			t.Errorf("candidates view lacks %q:\n%s", want, view)
		}
	}
	fail = true
	h.run(h.m.Claims.Reload())
	if view := ansi.Strip(h.m.View()); !strings.Contains(view, "error: config: bad claim rule") {
		t.Errorf("finder error not shown:\n%s", view)
	}
}

// TestCandidatesRefreshesDoNotStack checks that refreshes while candidates
// are being found start no second search at once, but one more after it.
func TestCandidatesRefreshesDoNotStack(t *testing.T) {
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	var calls atomic.Int32
	release := make(chan struct{})
	var once sync.Once
	t.Cleanup(func() { once.Do(func() { close(release) }) })
	opts := Options{DB: db, Now: fixture.Clock, Candidates: func(ctx context.Context, now time.Time) ([]autoclaims.Candidate, error) {
		if calls.Add(1) == 1 {
			<-release
		}
		return autoclaims.Candidates(ctx, autoclaims.Deps{DB: db}, now)
	}}
	h := startHarnessOpts(t, ids, 120, 40, opts)
	var released atomic.Bool
	// The blocked search runs as itself, or wrapped by the view that owns
	// its status line (Model.owned), whose name hides the inner one.
	h.park = func(name string) bool {
		return (strings.Contains(name, "loadCandidatesCmd") || strings.Contains(name, ".owned.")) && calls.Load() == 1 && !released.Load()
	}
	h.press("4", "c") // the first search blocks, so its answer comes late
	h.run(h.m.Claims.Reload())
	h.run(h.m.Claims.Reload())
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d searches running at once, want 1", n)
	}
	released.Store(true)
	once.Do(func() { close(release) })
	h.awaitLate()
	if n := calls.Load(); n != 2 {
		t.Fatalf("%d searches in all, want 2: the first and one for the refreshes", n)
	}
	if _, total := h.m.Claims.Candidates(); total != 3 {
		t.Fatalf("total %d after the searches, want 3", total)
	}
}
