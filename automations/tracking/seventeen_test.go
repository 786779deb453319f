package tracking

import (
	"context"
	"sort"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/seventeen"
	"github.com/sellerops/sellerops/localdb/config"
)

// seventeenDeps holds only the 17TRACK key (and, when given, the keys of
// the named home carriers), pointed at the sandbox's stand-in at its
// published rate. There is no browser: a number no API serves fails.
func seventeenDeps(sb *sandbox.Sandbox, cfg *config.Config, home ...string) Deps {
	if cfg == nil {
		cfg = config.Defaults()
	}
	cfg.Carriers[seventeen.Courier] = config.Carrier{APIBaseURL: sb.URL(sandbox.SeventeenSite) + sandbox.SeventeenAPIPath}
	for _, c := range home {
		cc := cfg.Carriers[c]
		cc.APIBaseURL, cc.RatePerSec = sb.URL(c), 1000
		cfg.Carriers[c] = cc
	}
	keys := map[string]bool{seventeen.Courier: true}
	for _, c := range home {
		keys[c] = true
	}
	return Deps{Config: cfg, Credentials: func(_ context.Context, courier string) (carriers.Credentials, bool, error) {
		if !keys[courier] {
			return carriers.Credentials{}, false, nil
		}
		a := sb.Account(courier)
		return carriers.Credentials{ClientID: a.ClientID, ClientSecret: a.ClientSecret, APIKey: a.APIKey}, true, nil
	}}
}

// seventeenTruth is stepTruth as 17TRACK can say it: its sub-statuses
// have no hub scans, so a departure or an arrival is checked by its tag.
func seventeenTruth(step string) string {
	if step == "depart" || step == "arrive" {
		return "InTransit"
	}
	return stepTruth[step]
}

// With only the 17TRACK key stored, every cross-border parcel (YunExpress
// waybills and China Post S10 numbers among them) is tracked end to end:
// detected, registered, read, mapped, stored, and each line agrees with the
// world's story.
func TestOnlyTheSeventeenKeyServesTheCrossBorderParcels(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Seed: 1})
	db := openDB(t)
	deps := seventeenDeps(sb, nil)
	deps.DB = db
	truth := map[string]string{}
	var numbers []string
	kinds := map[string]bool{}
	for _, p := range sb.World().CrossBorder {
		ev := p.VisibleEvents(sb.Now())
		if len(ev) == 0 {
			continue
		}
		truth[p.TrackingNumber] = ev[len(ev)-1].Step
		numbers = append(numbers, p.TrackingNumber)
		kinds[p.Carrier] = true
	}
	if !kinds["yunexpress"] || !kinds["chinapost"] {
		t.Fatalf("the world has no YunExpress or no China Post parcel: %v", kinds)
	}
	sort.Strings(numbers)
	lines := track(t, deps, numbers, Options{Retry: fastRetry()})
	table := crossTable{}
	bad := 0
	for _, l := range lines {
		step := truth[l.Number]
		res := l.Subtag
		if l.Error != nil {
			res = "error:" + l.Error.Class
		}
		table.add(step, res)
		wantCourier := "s10"
		if strings.HasPrefix(l.Number, "YT") {
			wantCourier = "yunexpress"
		}
		if l.Error != nil || l.Unmapped > 0 || !fits(seventeenTruth(step), l.Subtag) ||
			l.Source != SourceAPI || l.Via != seventeen.Courier || l.Courier != wantCourier || !l.Found {
			bad++
			t.Logf("%s: %+v", l.Number, l)
		}
		s, err := db.GetShipmentByNumber(context.Background(), l.Courier, l.Number)
		if err != nil || string(s.Subtag) != l.Subtag {
			t.Errorf("%s: stored %+v, %v", l.Number, s, err)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d cross-border parcels read wrong; truth x result:\n%s", bad, len(lines), table)
	}
	t.Logf("truth x result:\n%s", table)
	if n := sb.State().Requests["api.17track.rate_limited"]; n != 0 {
		t.Errorf("the stand-in refused %d calls for their rate", n)
	}
}

// use_17track sends a courier with a client of its own to 17TRACK; without
// it, that courier keeps its own API.
func TestConfigForcesSeventeenForACourier(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Seed: 1})
	ups := numbersOf(parcels(sb, "ups", "", 3))
	fedex := numbersOf(parcels(sb, "fedex", "", 3))
	cfg := config.Defaults()
	cfg.Carriers["ups"] = config.Carrier{Use17Track: true}
	deps := seventeenDeps(sb, cfg, "ups", "fedex")
	deps.DB = openDB(t)
	lines := track(t, deps, append(append([]string{}, ups...), fedex...), Options{Retry: fastRetry()})
	for _, l := range lines {
		wantVia := ""
		if l.Courier == "ups" {
			wantVia = seventeen.Courier
		}
		if l.Error != nil || l.Via != wantVia || !l.Found || l.Source != SourceAPI {
			t.Errorf("%s (%s): via %q, want %q; %+v", l.Number, l.Courier, l.Via, wantVia, l.Error)
		}
	}
}

// A home carrier without keys is not sent to 17TRACK unless config says
// so: it stays with its tracking page (here: no browser, so it fails as a
// page lookup, not as a 17TRACK one).
func TestSeventeenDoesNotTakeOverAHomeCarrierUnasked(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Seed: 1})
	deps := seventeenDeps(sb, nil)
	deps.DB = openDB(t)
	lines := track(t, deps, numbersOf(parcels(sb, "dhl", "", 2)), Options{Retry: fastRetry()})
	for _, l := range lines {
		if l.Via != "" || l.Source == SourceAPI {
			t.Errorf("%s went to 17TRACK unasked: %+v", l.Number, l)
		}
	}
	if n := sb.State().Requests["api.17track.register"]; n != 0 {
		t.Errorf("%d register calls for home parcels", n)
	}
}
