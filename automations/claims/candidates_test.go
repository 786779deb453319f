package claims_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// serviceFor names a service that the rule, and no more specific rule,
// covers in the given scope.
func serviceFor(r carriers.Rule, scope carriers.Scope) string {
	if r.Service != "" {
		return strings.ToUpper(r.Courier) + " " + r.Service
	}
	if scope == carriers.International {
		return strings.ToUpper(r.Courier) + " claims.International Economy"
	}
	return strings.ToUpper(r.Courier) + " Ground Advantage"
}

// expectedWindow is the window the rules table promises, counted by hand:
// from the ship day plus OpensAfterDays to the end of the ship day plus
// ClosesAfterMonths and ClosesAfterDays.
func expectedWindow(r carriers.Rule, ship time.Time) (time.Time, time.Time) {
	day := time.Date(ship.Year(), ship.Month(), ship.Day(), 0, 0, 0, 0, time.UTC)
	opens := day.AddDate(0, 0, r.OpensAfterDays)
	last := day.AddDate(0, r.ClosesAfterMonths, r.ClosesAfterDays)
	return opens, time.Date(last.Year(), last.Month(), last.Day(), 23, 59, 59, 999999999, time.UTC)
}

// TestCandidateWindowsMatchRulesTable crafts one parcel per rule of the
// table (and per scope for rules that cover both), as a lost or damaged
// candidate, asks for candidates at crafted moments around the window's
// edges, and checks every window against the rule.
func TestCandidateWindowsMatchRulesTable(t *testing.T) {
	ctx := context.Background()
	ship := time.Date(2026, time.January, 31, 15, 30, 0, 0, time.UTC) // a month end, to test month arithmetic
	type row struct {
		rule    carriers.Rule
		scope   carriers.Scope
		service string
	}
	var rows []row
	for _, r := range carriers.DefaultClaimRules() {
		scopes := []carriers.Scope{r.Scope}
		if r.Scope == carriers.AnyScope {
			scopes = []carriers.Scope{carriers.Domestic, carriers.International}
		}
		for _, sc := range scopes {
			rows = append(rows, row{r, sc, serviceFor(r, sc)})
		}
	}
	numbers := map[string]string{"ups": "1Z999AA1012345678", "fedex": "1234567890", "usps": "9400100000000000000", "dhl": "55555"}
	for i, rw := range rows {
		r := rw.rule
		opens, closes := expectedWindow(r, ship)
		moments := []struct {
			name  string
			now   time.Time
			state string
			left  int
		}{
			{"before opening", opens.Add(-time.Minute), claims.WindowNotYetOpen, int(closes.Sub(opens.Add(-time.Minute)).Hours()/24) + 1},
			{"just opened", opens.Add(time.Minute), claims.WindowOpen, -1},
			{"last hour", closes.Add(-time.Hour), claims.WindowOpen, 1},
			{"just closed", closes.Add(time.Minute), claims.WindowClosed, 0},
		}
		if r.OpensAfterDays == 0 {
			moments = moments[1:] // opens on the ship day, before the parcel shipped
		}
		for _, m := range moments {
			name := fmt.Sprintf("%s/%s/%s/%s/%s", r.Courier, r.Kind, rw.scope, rw.service, m.name)
			t.Run(name, func(t *testing.T) {
				db := claimtest.OpenDB(t)
				s, _, err := db.EnsureShipment(ctx, localdb.Shipment{Courier: r.Courier, TrackingNumber: fmt.Sprintf("%s%d", numbers[r.Courier], i),
					Service: rw.service, ShipDate: ship})
				if err != nil {
					t.Fatal(err)
				}
				sub := carriers.ExceptionLost
				if r.Kind == carriers.ClaimDamaged {
					sub = carriers.ExceptionDamaged
				}
				if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: s.Courier, TrackingNumber: s.TrackingNumber,
					Tag: string(carriers.Exception), Subtag: string(sub), Source: localdb.SourceAPI,
					Events: []localdb.TrackingEvent{
						{Time: ship.Add(time.Hour), Tag: string(carriers.InTransit), Description: "Picked up"},
						{Time: ship.Add(48 * time.Hour), Tag: string(carriers.Exception), Subtag: string(sub), Description: string(sub)},
					}}); err != nil {
					t.Fatal(err)
				}
				cands, err := claims.Candidates(ctx, claims.Deps{DB: db}, m.now)
				if err != nil {
					t.Fatal(err)
				}
				var got *claims.Candidate
				for i := range cands {
					if string(cands[i].Kind) == string(r.Kind) {
						got = &cands[i]
					}
				}
				if got == nil {
					t.Fatalf("no %s candidate among %+v", r.Kind, cands)
				}
				w := got.Window
				if !w.Opens.Equal(opens) || !w.Closes.Equal(closes) {
					t.Errorf("window %s .. %s, want %s .. %s (rule %q)", w.Opens, w.Closes, opens, closes, r.Source)
				}
				if w.Rule != r.Source {
					t.Errorf("rule %q, want %q", w.Rule, r.Source)
				}
				if w.State != m.state {
					t.Errorf("state %q at %s, want %q", w.State, m.now, m.state)
				}
				if m.left >= 0 && w.DaysLeft != m.left {
					t.Errorf("days left %d at %s, want %d", w.DaysLeft, m.now, m.left)
				}
				if m.left < 0 {
					want := int(closes.Sub(m.now).Hours()/24) + 1
					if w.DaysLeft != want {
						t.Errorf("days left %d at %s, want %d", w.DaysLeft, m.now, want)
					}
				}
			})
		}
	}
}

func TestConfigRuleOverrideWins(t *testing.T) {
	ctx := context.Background()
	db := claimtest.OpenDB(t)
	ship := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", Service: "UPS Ground",
		ShipDate: ship, Tag: string(carriers.Exception), Subtag: string(carriers.ExceptionLost), Source: localdb.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	cfg := config.Defaults()
	cfg.Claims.RuleOverrides = []config.RuleOverride{{Carrier: "ups", Kind: "lost", OpensDay: 3, ClosesDay: 20, Source: "our UPS contract"}}
	cands, err := claims.Candidates(ctx, claims.Deps{DB: db, Config: cfg}, ship.AddDate(0, 0, 5))
	if err != nil || len(cands) != 1 {
		t.Fatalf("candidates %+v, %v", cands, err)
	}
	w := cands[0].Window
	if want := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC); !w.Opens.Equal(want) {
		t.Errorf("opens %s, want %s", w.Opens, want)
	}
	if want := time.Date(2026, 3, 21, 23, 59, 59, 999999999, time.UTC); !w.Closes.Equal(want) {
		t.Errorf("closes %s, want %s", w.Closes, want)
	}
	if w.Rule != "our UPS contract" || w.State != claims.WindowOpen || w.DaysLeft != 16 {
		t.Errorf("window %+v", w)
	}
}

func TestReportsDamageInEveryLanguage(t *testing.T) {
	words := claims.DamageWords(nil)
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"The box was crushed and the lamp is broken.", true},
		{"My order arrived damaged", true},
		{"The item arrived undamaged, thank you", false},
		{"Der Karton war eingedrückt und der Artikel ist kaputt.", true},
		{"Ma commande est arrivée endommagée.", true},
		{"El artículo está roto.", true},
		{"Sigo esperando el protocolo.", false},
		{"商品が破損して届きました", true},
		{"Where is my parcel?", false},
	} {
		if _, got := messages.ReportsDamage(tc.text, words); got != tc.want {
			t.Errorf("ReportsDamage(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
	// Every buyer message of the sandbox: damage threads in all five
	// languages are recognised, and no other thread is.
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 7, Orders: 250})
	seen := map[string]int{}
	for _, th := range sb.World().Threads {
		first := th.Messages[0]
		_, got := messages.ReportsDamage(first.Body, words)
		if got != (th.Kind == "damage") {
			t.Errorf("%s thread %s in %s: messages.ReportsDamage(%q) = %v", th.Kind, th.ID, th.Lang, first.Body, got)
		}
		for _, m := range th.Messages {
			if m.From == "seller" {
				if kw, got := messages.ReportsDamage(m.Body, words); got {
					t.Errorf("seller message %q matched %q", m.Body, kw)
				}
			}
		}
		if th.Kind == "damage" {
			seen[th.Lang]++
		}
	}
	for _, lang := range sandbox.Languages {
		if seen[lang] == 0 {
			t.Errorf("the world has no damage thread in %s; the test covers nothing there", lang)
		}
	}
	// A config list replaces the built-in one.
	if _, got := messages.ReportsDamage("The box was crushed", []string{"zerquetscht"}); got {
		t.Error("a config keyword list should replace the built-in words")
	}
}

// TestCandidatesFromSandboxWorld stores parcels of every story and checks
// which become candidates, of which kind and why.
func TestCandidatesFromSandboxWorld(t *testing.T) {
	ctx := context.Background()
	sb := claimtest.StartSandbox(t, sandbox.Options{Seed: 11, Orders: 200})
	db := claimtest.OpenDB(t)
	parcels := claimtest.PickParcels(sb, 3, nil, sandbox.ParcelLost, sandbox.ParcelStalled, sandbox.ParcelDamaged, sandbox.ParcelDelivered, sandbox.ParcelInTransit)
	claimtest.SeedParcels(t, db, sb, parcels, t.TempDir())
	cands, err := claims.Candidates(ctx, claims.Deps{DB: db}, sb.Now())
	if err != nil {
		t.Fatal(err)
	}
	byKey := map[string]claims.Candidate{}
	for _, c := range cands {
		byKey[c.TrackingNumber+"/"+string(c.Kind)] = c
		if len(c.Reasons) == 0 || c.Window.State == "" {
			t.Errorf("candidate %s %s has no reasons or window: %+v", c.TrackingNumber, c.Kind, c)
		}
	}
	now := sb.Now()
	checked := map[string]int{}
	for _, p := range parcels {
		lost, hasLost := byKey[p.TrackingNumber+"/lost"]
		dmg, hasDmg := byKey[p.TrackingNumber+"/damaged"]
		visible := p.VisibleEvents(now)
		lastStep := visible[len(visible)-1].Step
		switch p.State {
		case sandbox.ParcelLost:
			if !hasLost {
				t.Errorf("lost parcel %s (%s, last step %s) is no lost candidate", p.TrackingNumber, p.Carrier, lastStep)
			} else if lastStep == "lost" && (!lost.Strong || !strings.Contains(strings.Join(lost.Reasons, ";"), "lost")) {
				t.Errorf("carrier-confirmed loss %s: %+v", p.TrackingNumber, lost)
			}
			checked["lost"]++
		case sandbox.ParcelStalled:
			if !hasLost || !strings.Contains(lost.Reasons[0], "stalled") {
				t.Errorf("stalled parcel %s is no stalled lost candidate: %+v", p.TrackingNumber, lost)
			}
			checked["stalled"]++
		case sandbox.ParcelDamaged:
			if !hasDmg {
				t.Errorf("damaged parcel %s is no damaged candidate", p.TrackingNumber)
			} else if n := claimtest.DamageThreadPhotos(sb, p); dmg.Photos != n || (n > 0 && !dmg.Strong) {
				t.Errorf("damaged parcel %s: photos %d strong %v, want %d photos", p.TrackingNumber, dmg.Photos, dmg.Strong, n)
			}
			if hasLost {
				t.Errorf("damaged parcel %s is also a lost candidate", p.TrackingNumber)
			}
			checked["damaged"]++
		case sandbox.ParcelInTransit:
			if hasLost || hasDmg {
				t.Errorf("parcel in transit %s is a candidate", p.TrackingNumber)
			}
			checked["in_transit"]++
		case sandbox.ParcelDelivered:
			if hasLost {
				t.Errorf("delivered parcel %s is a lost candidate", p.TrackingNumber)
			}
			if hasDmg != (claimtest.DamageThreadPhotos(sb, p) > 0 || claimtest.HasDamageThread(sb, p)) {
				t.Errorf("delivered parcel %s: damaged candidate %v, but buyer damage report %v", p.TrackingNumber, hasDmg, claimtest.HasDamageThread(sb, p))
			}
			checked["delivered"]++
		}
	}
	for _, k := range []string{"lost", "stalled", "damaged", "delivered", "in_transit"} {
		if checked[k] == 0 {
			t.Errorf("no %s parcel was checked", k)
		}
	}
	// Deadline alerts keep open windows closing soon, never closed ones.
	alerts := claims.FilterClosingWithin(cands, now, 7*24*time.Hour)
	for _, a := range alerts {
		if a.Window.State == claims.WindowClosed || a.Window.Closes.Sub(now) > 7*24*time.Hour {
			t.Errorf("alert for %s closing %s", a.TrackingNumber, a.Window.Closes)
		}
	}
	all := claims.FilterClosingWithin(cands, now, 10*365*24*time.Hour)
	for _, c := range cands {
		if c.Window.State != claims.WindowClosed && c.Window.State != "" && c.ClaimID == 0 {
			found := false
			for _, a := range all {
				found = found || (a.ShipmentID == c.ShipmentID && a.Kind == c.Kind)
			}
			if !found {
				t.Errorf("candidate %s %s with an open window is missing from a wide alert", c.TrackingNumber, c.Kind)
			}
		}
	}
}

func TestPolicyAllows(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	cfg := config.Defaults()
	c := localdb.Claim{ID: 3, Amount: 4990, Currency: "USD",
		WindowOpens: now.AddDate(0, 0, -5), WindowCloses: now.AddDate(0, 0, 20)}
	if ok, why := claims.PolicyAllows(cfg, c, now); ok || !strings.Contains(why, "auto_file") {
		t.Errorf("auto_file off: %v %q", ok, why)
	}
	cfg.Claims.AutoFile, cfg.Claims.MaxAutoAmount = true, "50"
	if ok, why := claims.PolicyAllows(cfg, c, now); !ok {
		t.Errorf("49.90 within 50: %v %q", ok, why)
	}
	// Outside the window nobody files unattended, whatever the amount.
	early := c
	early.WindowOpens = now.AddDate(0, 0, 2)
	if ok, why := claims.PolicyAllows(cfg, early, now); ok || !strings.Contains(why, "opens on 2026-03-12") {
		t.Errorf("window not yet open: %v %q", ok, why)
	}
	late := c
	late.WindowCloses = now.AddDate(0, 0, -1)
	if ok, why := claims.PolicyAllows(cfg, late, now); ok || !strings.Contains(why, "closed on 2026-03-09") {
		t.Errorf("window closed: %v %q", ok, why)
	}
	// A claim with no known window (no rule for its service) is judged on the amount alone.
	if ok, why := claims.PolicyAllows(cfg, localdb.Claim{ID: 4, Amount: 100, Currency: "USD"}, now); !ok {
		t.Errorf("no window: %v %q", ok, why)
	}
	// A draft whose order was never synced asks for nothing: never filed unattended.
	zero := c
	zero.Amount = 0
	if ok, why := claims.PolicyAllows(cfg, zero, now); ok || !strings.Contains(why, "no money") {
		t.Errorf("amount 0: %v %q", ok, why)
	}
	c.Amount = 5001
	if ok, why := claims.PolicyAllows(cfg, c, now); ok || !strings.Contains(why, "USD 50.01") {
		t.Errorf("50.01 above 50: %v %q", ok, why)
	}
	c.Amount, c.Currency = 100, "EUR"
	if ok, why := claims.PolicyAllows(cfg, c, now); ok || !strings.Contains(why, "EUR") {
		t.Errorf("other currency: %v %q", ok, why)
	}
	// A claim without an amount, or in no known currency, is never filed unattended.
	for _, bad := range []localdb.Claim{{ID: 5, Amount: 0, Currency: "USD"}, {ID: 6, Amount: 100, Currency: ""}, {ID: 7, Amount: 100, Currency: "XYZ"}} {
		if ok, why := claims.PolicyAllows(cfg, bad, now); ok || !strings.Contains(why, "claims edit") {
			t.Errorf("claim %d (%d %q): %v %q", bad.ID, bad.Amount, bad.Currency, ok, why)
		}
	}
	// The limit is parsed as money in claims.currency: JPY has no decimals, KWD three.
	cfg.Claims.MaxAutoAmount, cfg.Claims.Currency = "5000", "JPY"
	if ok, why := claims.PolicyAllows(cfg, localdb.Claim{ID: 8, Amount: 4900, Currency: "JPY"}, now); !ok {
		t.Errorf("JPY 4,900 within 5,000: %v %q", ok, why)
	}
	cfg.Claims.MaxAutoAmount, cfg.Claims.Currency = "10.5", "KWD"
	if ok, why := claims.PolicyAllows(cfg, localdb.Claim{ID: 9, Amount: 10501, Currency: "KWD"}, now); ok || !strings.Contains(why, "KWD 10.501") {
		t.Errorf("KWD 10.501 above 10.500: %v %q", ok, why)
	}
}
