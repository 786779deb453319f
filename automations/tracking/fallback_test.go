package tracking

import (
	"context"
	"net"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb/config"
)

// downURL is the address of a carrier API that is down: something holds
// the port, so no other test's server can take it, and hangs up on every
// connection before a byte of HTTP is said.
func downURL(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = ln.Close(); <-done })
	return "http://" + ln.Addr().String()
}

// When a carrier's API cannot answer (refused keys, or the API is down),
// the number is looked up on the tracking page; the line comes from the web
// and keeps the API's failure. Couriers whose API works are untouched.
func TestFailingAPIFallsBackToThePage(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	deps := apiDeps(t, sb, openDB(t))
	// UPS refuses the keys (auth_failed); the USPS API is down (site_error).
	inner := deps.Credentials
	deps.Credentials = func(ctx context.Context, courier string) (carriers.Credentials, bool, error) {
		c, ok, err := inner(ctx, courier)
		if courier == "ups" {
			c.ClientSecret = "not-the-secret"
		}
		return c, ok, err
	}
	cfg := *deps.Config
	cfg.Carriers = map[string]config.Carrier{}
	for k, v := range deps.Config.Carriers {
		cfg.Carriers[k] = v
	}
	usps := cfg.Carriers["usps"]
	usps.APIBaseURL = downURL(t)
	cfg.Carriers["usps"] = usps
	deps.Config = &cfg

	ups, uspsN, dhl := numbersOf(parcels(sb, "ups", "", 3)), numbersOf(parcels(sb, "usps", "", 3)), numbersOf(parcels(sb, "dhl", "", 2))
	numbers := append(append(append([]string{}, ups...), uspsN...), dhl...)
	lines := track(t, deps, numbers, Options{Concurrency: 4, Retry: fastRetry()})
	want := map[string]string{"ups": string(automations.AuthFailed), "usps": string(automations.SiteError)}
	for _, l := range lines {
		if class, falls := want[l.Courier]; falls {
			checkAgainstWorld(t, sb, l, SourceWeb)
			if l.FallbackFrom == nil || l.FallbackFrom.Class != class {
				t.Errorf("%s %s: fallback_from = %+v, want class %s", l.Courier, l.Number, l.FallbackFrom, class)
			}
			continue
		}
		checkAgainstWorld(t, sb, l, SourceAPI)
		if l.FallbackFrom != nil {
			t.Errorf("%s %s: fallback_from %+v on a line the API answered", l.Courier, l.Number, l.FallbackFrom)
		}
	}
	if n := sb.State().Requests["api.ups.bad_credentials"] + sb.State().Requests["api.ups.unauthorized"]; n == 0 {
		t.Errorf("the UPS API never refused the keys; the test proves nothing: %v", sb.State().Requests)
	}
}

// A rate limit is waited out, never sent round to the page.
func TestRateLimitedAPIDoesNotFallBack(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{Faults: "dhl.429=1"})
	deps := apiDeps(t, sb, openDB(t))
	lines := track(t, deps, numbersOf(parcels(sb, "dhl", "", 2)), Options{Concurrency: 2, Retry: fastRetry()})
	for _, l := range lines {
		if l.Error == nil || l.Error.Class != string(automations.RateLimited) || l.Source != SourceAPI || l.FallbackFrom != nil {
			t.Errorf("%s: source %q error %+v fallback_from %+v; want the API's rate_limited and no page lookup",
				l.Number, l.Source, l.Error, l.FallbackFrom)
		}
	}
	if n := sb.State().Requests["dhl.page"]; n != 0 {
		t.Errorf("%d DHL tracking pages opened for rate-limited numbers", n)
	}
}
