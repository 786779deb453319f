package shipments

import (
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

const day = 24 * time.Hour

// The rule follows the config keys as the README's configuration section
// documents them: carriers.<c>.stalled_days, else thresholds.stalled_days
// (5), and thresholds.past_eta_days (3) for every carrier.
func TestStallRuleFollowsTheConfig(t *testing.T) {
	def := StallRule(nil)
	if def.Default != (localdb.StallThreshold{NoEventFor: 5 * day, PastETA: 3 * day}) || len(def.PerCourier) != 0 {
		t.Fatalf("default rule = %+v, want 5 days without an event or 3 past the estimate for every carrier", def)
	}
	if got := StallText(nil); got != "no new event for 5 days, or 3 days past the estimate" {
		t.Errorf("default text = %q", got)
	}

	cfg, err := config.Parse("config.yaml", []byte(`
carriers:
  usps:
    stalled_days: 9
  ups:
    stalled_days: 6
thresholds:
  stalled_days: 6
  past_eta_days: 2
`))
	if err != nil {
		t.Fatal(err)
	}
	rule := StallRule(cfg)
	if rule.Default != (localdb.StallThreshold{NoEventFor: 6 * day, PastETA: 2 * day}) {
		t.Errorf("default = %+v, want 6 and 2 days", rule.Default)
	}
	if got := rule.For("usps"); got != (localdb.StallThreshold{NoEventFor: 9 * day, PastETA: 2 * day}) {
		t.Errorf("usps = %+v, want its own 9 days", got)
	}
	for _, c := range []string{"ups", "dhl", "fedex"} {
		if got := rule.For(c); got != rule.Default {
			t.Errorf("%s = %+v, want the default %+v", c, got, rule.Default)
		}
	}
	if got := StallText(cfg); got != "no new event for 6 days, or 2 days past the estimate (per carrier where set)" {
		t.Errorf("text = %q", got)
	}

	// Applied to a parcel: the usps parcel quiet for 7 days has not
	// stalled by its own 9 days; a dhl parcel so quiet has.
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	quiet := func(courier string) localdb.Shipment {
		return localdb.Shipment{Courier: courier, Tag: "InTransit", LastEventAt: now.Add(-7 * day)}
	}
	if ok, why, _ := rule.Check(quiet("usps"), now); ok {
		t.Errorf("usps parcel quiet 7 days stalled: %s", why)
	}
	if ok, why, _ := rule.Check(quiet("dhl"), now); !ok || why == "" {
		t.Errorf("dhl parcel quiet 7 days not stalled (%q)", why)
	}
}
