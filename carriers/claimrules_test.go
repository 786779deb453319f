package carriers

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestClaimWindows(t *testing.T) {
	ship := time.Date(2026, 1, 10, 15, 30, 0, 0, time.UTC)
	cases := []struct {
		name          string
		courier, svc  string
		kind          ClaimKind
		intl          bool
		opens, closes time.Time // closes is the last allowed day
		source        string
	}{
		{"usps lost ground", "usps", "USPS Ground Advantage", ClaimLost, false, day(2026, 1, 25), day(2026, 3, 11), "DMM 609"},
		{"usps lost express", "usps", "Priority Mail Express 1-Day", ClaimLost, false, day(2026, 1, 17), day(2026, 3, 11), "Priority Mail Express"},
		{"usps lost priority is not express", "usps", "Priority Mail", ClaimLost, false, day(2026, 1, 25), day(2026, 3, 11), "DMM 609"},
		{"usps damaged", "usps", "Priority Mail", ClaimDamaged, false, day(2026, 1, 10), day(2026, 3, 11), "DMM 609"},
		{"usps international lost", "usps", "First-Class Package International", ClaimLost, true, day(2026, 1, 17), day(2026, 7, 10), "UPU"},
		{"ups lost", "ups", "UPS Ground", ClaimLost, false, day(2026, 1, 11), day(2026, 3, 11), "UPS"},
		{"ups damaged international", "ups", "UPS Express", ClaimDamaged, true, day(2026, 1, 10), day(2026, 3, 11), "UPS"},
		{"fedex damaged domestic", "fedex", "FedEx Ground", ClaimDamaged, false, day(2026, 1, 10), day(2026, 3, 11), "60 days"},
		{"fedex damaged international", "fedex", "FedEx International Priority", ClaimDamaged, true, day(2026, 1, 10), day(2026, 1, 31), "21 days"},
		{"fedex non-delivery", "fedex", "FedEx Ground", ClaimLost, false, day(2026, 1, 11), day(2026, 10, 10), "9 months"},
		{"dhl express", "dhl", "EXPRESS WORLDWIDE", ClaimLost, true, day(2026, 1, 11), day(2026, 2, 9), "30 days"},
	}
	for _, c := range cases {
		opens, closes, rule, err := Window(c.courier, c.svc, c.kind, ship, c.intl)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		wantCloses := c.closes.Add(24*time.Hour - time.Nanosecond)
		if !opens.Equal(c.opens) || !closes.Equal(wantCloses) {
			t.Errorf("%s: window %s .. %s, want %s .. %s", c.name, opens, closes, c.opens, wantCloses)
		}
		if !strings.Contains(rule.Source, c.source) {
			t.Errorf("%s: rule source %q, want it to mention %q", c.name, rule.Source, c.source)
		}
	}
}

func TestClaimWindowLeapYearAndMonthEnd(t *testing.T) {
	// FedEx non-delivery: 9 months from 31 May 2027 normalises to 2 Mar 2028.
	_, closes, _, err := Window("fedex", "", ClaimLost, day(2027, 5, 31), false)
	if err != nil {
		t.Fatal(err)
	}
	if want := day(2028, 3, 2).Add(24*time.Hour - time.Nanosecond); !closes.Equal(want) {
		t.Fatalf("closes %s, want %s", closes, want)
	}
	// USPS 60 days across 29 Feb 2028.
	_, closes, _, _ = Window("usps", "Ground Advantage", ClaimDamaged, day(2028, 1, 15), false)
	if want := day(2028, 3, 15).Add(24*time.Hour - time.Nanosecond); !closes.Equal(want) {
		t.Fatalf("closes %s, want %s", closes, want)
	}
}

func TestClaimRulesOverride(t *testing.T) {
	rules := NewClaimRules([]Rule{{Courier: "ups", Kind: ClaimLost, OpensAfterDays: 5, ClosesAfterDays: 30, Source: "account contract"}})
	opens, closes, rule, err := rules.Window("ups", "UPS Ground", ClaimLost, day(2026, 4, 1), false)
	if err != nil {
		t.Fatal(err)
	}
	if !opens.Equal(day(2026, 4, 6)) || !closes.Equal(day(2026, 5, 1).Add(24*time.Hour-time.Nanosecond)) || rule.Source != "account contract" {
		t.Fatalf("override not used: %s %s %+v", opens, closes, rule)
	}
	// the damaged rule still comes from the defaults
	if _, _, rule, _ := rules.Window("ups", "", ClaimDamaged, day(2026, 4, 1), false); !strings.Contains(rule.Source, "UPS Terms") {
		t.Fatalf("default rule lost: %+v", rule)
	}
}

func TestClaimWindowErrors(t *testing.T) {
	if _, _, _, err := Window("yodel", "", ClaimLost, day(2026, 1, 1), false); !errors.Is(err, ErrNoClaimRule) || !strings.Contains(err.Error(), "yodel") {
		t.Fatalf("unknown courier: %v", err)
	}
	if _, _, _, err := Window("ups", "", ClaimLost, time.Time{}, false); err == nil || !strings.Contains(err.Error(), "ship date") {
		t.Fatalf("zero ship date: %v", err)
	}
	if _, _, _, err := Window("ups", "", "stolen", day(2026, 1, 1), false); err == nil || !strings.Contains(err.Error(), "stolen") {
		t.Fatalf("bad kind: %v", err)
	}
}

func TestCoverageAndStalled(t *testing.T) {
	if c, ok := DefaultCoverage("ups", "UPS Ground"); !ok || c.CapCents != 10000 || c.PerKg {
		t.Fatalf("ups coverage %+v", c)
	}
	if c, ok := DefaultCoverage("usps", "Priority Mail Express"); !ok || c.Service != "priority mail express" {
		t.Fatalf("usps express coverage %+v", c)
	}
	if c, ok := DefaultCoverage("dhl", ""); !ok || !c.PerKg {
		t.Fatalf("dhl coverage %+v", c)
	}
	if _, ok := DefaultCoverage("yodel", ""); ok {
		t.Fatal("coverage for an unknown courier")
	}

	now := day(2026, 2, 20)
	est := day(2026, 2, 14)
	sh := Shipment{Found: true, Tag: InTransit, Events: []Event{{Time: day(2026, 2, 18)}}, EstimatedDelivery: &est}
	th := DefaultStalledThreshold("ups")
	if ok, why := Stalled(sh, now, th); !ok || !strings.Contains(why, "estimated delivery") {
		t.Fatalf("past estimate: %v %q", ok, why)
	}
	sh.EstimatedDelivery = nil
	if ok, _ := Stalled(sh, now, th); ok {
		t.Fatal("2 days without events is not stalled for UPS")
	}
	sh.Events[0].Time = day(2026, 2, 14)
	if ok, why := Stalled(sh, now, th); !ok || !strings.Contains(why, "no new event for 6 days") {
		t.Fatalf("no events: %v %q", ok, why)
	}
	sh.Tag = Delivered
	if ok, _ := Stalled(sh, now, th); ok {
		t.Fatal("a delivered parcel is never stalled")
	}
	if g := DefaultStalledThreshold("yodel"); g.NoEventDays != 10 || g.Courier != "yodel" {
		t.Fatalf("general threshold %+v", g)
	}
}
