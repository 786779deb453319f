// Package shipments holds the parcel rules that every surface shares and
// that need no browser: when a parcel counts as stalled.
//
// `sellerops shipments list --stalled`, the dashboard's shipments filter
// and overview count, the morning report and the claim candidates all take
// their stall rule from StallRule, so a parcel is stalled everywhere or
// nowhere.
package shipments

import (
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// StallRule returns the config's stall rule: a parcel that is neither
// delivered nor returned has stalled after carriers.<c>.stalled_days (else
// thresholds.stalled_days) days without a new event, or
// thresholds.past_eta_days days past its estimated delivery. A nil config
// means config.Defaults().
func StallRule(cfg *config.Config) localdb.StallRule {
	cfg = config.OrDefaults(cfg)
	const day = 24 * time.Hour
	past := time.Duration(cfg.Thresholds.PastETADays) * day
	rule := localdb.StallRule{
		PerCourier: map[string]localdb.StallThreshold{},
		Default:    localdb.StallThreshold{NoEventFor: time.Duration(cfg.Thresholds.StalledDays) * day, PastETA: past},
	}
	for c := range cfg.Carriers {
		if d := cfg.StalledDays(c); d != cfg.Thresholds.StalledDays {
			rule.PerCourier[c] = localdb.StallThreshold{NoEventFor: time.Duration(d) * day, PastETA: past}
		}
	}
	return rule
}

// StallText says the config's stall rule in a few words, for a filter line
// or a count: "no new event for 5 days, or 3 days past the estimate", with
// "(per carrier where set)" when a carrier has its own stalled_days.
func StallText(cfg *config.Config) string {
	rule := StallRule(cfg)
	th := rule.Default
	var parts []string
	if th.NoEventFor > 0 {
		parts = append(parts, fmt.Sprintf("no new event for %d days", int(th.NoEventFor/(24*time.Hour))))
	}
	if th.PastETA > 0 {
		parts = append(parts, fmt.Sprintf("%d days past the estimate", int(th.PastETA/(24*time.Hour))))
	}
	s := strings.Join(parts, ", or ")
	if len(rule.PerCourier) > 0 {
		s += " (per carrier where set)"
	}
	return s
}
