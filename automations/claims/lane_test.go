package claims_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/internal/claimtest"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// TestInternationalFollowsTheOrdersCountries stores orders whose parcels
// were reported damaged (FedEx) or lost (USPS), on lanes whose service
// names mislead, and checks the claim window of each. The labels were
// written from the carriers' guides before the rule: FedEx takes damage
// notices 60 days after a domestic shipment and 21 days after an
// international one (FedEx Service Guide; FedEx International Conditions
// of Carriage); USPS takes lost claims for domestic mail up to 60 days
// after mailing (DMM 609.4.1) and for international mail up to 6 months
// (IMM 920, UPU Convention).
func TestInternationalFollowsTheOrdersCountries(t *testing.T) {
	ctx := context.Background()
	ship := time.Date(2026, time.March, 2, 9, 0, 0, 0, time.UTC)
	day := time.Date(2026, time.March, 2, 23, 59, 59, 999999999, time.UTC)
	cases := []struct {
		name             string
		courier, number  string
		kind             localdb.ClaimKind
		from, to         string
		service          string
		wantScope        string
		wantCloses       time.Time
		wantBasisMention string
	}{
		{"domestic lane, service named worldwide", "fedex", "794600000011", localdb.ClaimDamaged, "US", "US", "FedEx International Priority",
			"domestic", day.AddDate(0, 0, 60), "US to US"},
		{"cross-border lane, service named ground", "fedex", "794600000022", localdb.ClaimDamaged, "CN", "DE", "FedEx Ground",
			"international", day.AddDate(0, 0, 21), "CN to DE"},
		{"cross-border lane, no service name", "fedex", "794600000033", localdb.ClaimDamaged, "US", "GB", "",
			"international", day.AddDate(0, 0, 21), "US to GB"},
		{"countries unknown, service names it", "fedex", "794600000044", localdb.ClaimDamaged, "", "", "FedEx International Priority",
			"international", day.AddDate(0, 0, 21), "countries unknown"},
		{"destination unknown, domestic service", "fedex", "794600000055", localdb.ClaimDamaged, "US", "", "FedEx 2Day",
			"domestic", day.AddDate(0, 0, 60), "countries unknown"},
		{"usps to another country, domestic-sounding service", "usps", "9400100000000000000011", localdb.ClaimLost, "US", "JP", "Priority Mail",
			"international", day.AddDate(0, 6, 0), "US to JP"},
		{"usps within the country, lower-case codes", "usps", "9400100000000000000022", localdb.ClaimLost, "us", "us", "USPS Ground Advantage",
			"domestic", day.AddDate(0, 0, 60), "US to US"},
	}
	db := claimtest.OpenDB(t)
	st, err := db.CreateStore(ctx, localdb.Store{Name: "lanes", Marketplace: "ebay"})
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: fmt.Sprintf("ORD-%d", i), Carrier: c.courier,
			Service: c.service, TrackingNumber: c.number, ShipDate: ship, OriginCountry: c.from, DestinationCountry: c.to})
		if err != nil {
			t.Fatal(err)
		}
		sub := carriers.ExceptionDamaged
		if c.kind == localdb.ClaimLost {
			sub = carriers.ExceptionLost
		}
		if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: c.courier, TrackingNumber: c.number, OrderID: o.ID,
			ShipDate: ship, Tag: string(carriers.Exception), Subtag: string(sub), Source: localdb.SourceAPI,
			Events: []localdb.TrackingEvent{{Time: ship.Add(30 * time.Hour), Tag: string(carriers.Exception), Subtag: string(sub), Description: "reported"}}}); err != nil {
			t.Fatal(err)
		}
	}
	cands, err := claims.Candidates(ctx, claims.Deps{DB: db}, ship.AddDate(0, 0, 9))
	if err != nil {
		t.Fatal(err)
	}
	byNumber := map[string]claims.Candidate{}
	for _, c := range cands {
		byNumber[c.TrackingNumber+"/"+string(c.Kind)] = c
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := byNumber[c.number+"/"+string(c.kind)]
			if !ok {
				t.Fatalf("no %s candidate for %s among %d", c.kind, c.number, len(cands))
			}
			if !got.Strong {
				t.Errorf("a parcel the carrier reports %s is a strong candidate; got %+v", c.kind, got)
			}
			w := got.Window
			if w.Scope != c.wantScope || !w.Closes.Equal(c.wantCloses) {
				t.Errorf("scope %q closing %s (rule %q, basis %q); want %q closing %s", w.Scope, w.Closes, w.Rule, w.ScopeBasis, c.wantScope, c.wantCloses)
			}
			if !containsFold(w.ScopeBasis, c.wantBasisMention) {
				t.Errorf("basis %q does not say %q", w.ScopeBasis, c.wantBasisMention)
			}
		})
	}
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}
