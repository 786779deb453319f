package localdb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func mustShipment(t *testing.T, db *DB, courier, number string) Shipment {
	t.Helper()
	s, _, err := db.EnsureShipment(context.Background(), Shipment{Courier: courier, TrackingNumber: number})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestClaimOneLivePerKind(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	sh := mustShipment(t, db, "usps", "9400111")
	c, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimLost, Amount: 2500, Currency: "USD",
		WindowOpens: t0, WindowCloses: t0.Add(45 * 24 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if c.State != ClaimDraft || !c.WindowOpens.Equal(t0) {
		t.Fatalf("created claim = %+v", c)
	}
	// Same parcel, same kind: refused by the partial unique index.
	_, err = db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimLost})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("second lost claim: %v, want ErrConflict", err)
	}
	if !strings.Contains(err.Error(), "id 1") {
		t.Errorf("error %q should name the existing claim", err)
	}
	// Another kind is fine.
	if _, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimDamaged}); err != nil {
		t.Fatalf("damaged claim beside a lost one: %v", err)
	}
	// Once cancelled, a new lost claim may be drafted; the cancelled one stays.
	if _, err := db.SetClaimState(ctx, c.ID, ClaimCancelled); err != nil {
		t.Fatal(err)
	}
	c2, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimLost})
	if err != nil {
		t.Fatalf("new claim after cancel: %v", err)
	}
	live, err := db.FindLiveClaim(ctx, sh.ID, ClaimLost)
	if err != nil || live.ID != c2.ID {
		t.Errorf("FindLiveClaim = %+v, %v; want id %d", live, err, c2.ID)
	}
	all, err := db.ListClaims(ctx, ClaimFilter{ShipmentID: sh.ID, Kind: ClaimLost})
	if err != nil || len(all) != 2 {
		t.Errorf("ListClaims = %d, %v; want 2", len(all), err)
	}
	if _, err := db.CreateClaim(ctx, Claim{ShipmentID: 999, Kind: ClaimLost}); !errors.Is(err, ErrConflict) {
		t.Errorf("claim for a missing shipment: %v, want ErrConflict", err)
	}
	if _, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: "stolen"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("kind stolen: %v, want ErrInvalid", err)
	}
}

func TestClaimLifecycle(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	sh := mustShipment(t, db, "ups", "1Z1")
	c, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimDamaged, Amount: 5000, Currency: "USD"})
	if err != nil {
		t.Fatal(err)
	}
	ev, err := db.AddClaimEvidence(ctx, ClaimEvidence{ClaimID: c.ID, Kind: EvidencePhoto, Path: "evidence/1.jpg", SHA256: "ab"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddClaimEvidence(ctx, ClaimEvidence{ClaimID: c.ID, Kind: EvidenceNote, Note: "box crushed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.AddClaimEvidence(ctx, ClaimEvidence{ClaimID: c.ID, Kind: "video", Path: "x"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("evidence kind video: %v, want ErrInvalid", err)
	}
	if err := db.RemoveClaimEvidence(ctx, ev.ID); err != nil {
		t.Fatal(err)
	}
	evs, err := db.ListClaimEvidence(ctx, c.ID)
	if err != nil || len(evs) != 1 || evs[0].Kind != EvidenceNote {
		t.Fatalf("evidence = %+v, %v", evs, err)
	}
	c, err = db.UpdateClaimDraft(ctx, c.ID, ClaimEdit{Amount: 4000, Currency: "USD", Description: "Mug broken", Portal: "ups"})
	if err != nil || c.Amount != 4000 || c.Description != "Mug broken" {
		t.Fatalf("edit draft: %+v, %v", c, err)
	}

	if _, err := db.SetClaimState(ctx, c.ID, ClaimFiling); err != nil {
		t.Fatal(err)
	}
	filedAt := t0.Add(time.Hour)
	c, err = db.RecordClaimFiled(ctx, c.ID, "CLM-001", filedAt)
	if err != nil || c.State != ClaimSubmitted || c.ConfirmationNumber != "CLM-001" || !c.FiledAt.Equal(filedAt) {
		t.Fatalf("filed: %+v, %v", c, err)
	}
	// Recording the same number again is harmless; another number is not.
	if _, err := db.RecordClaimFiled(ctx, c.ID, "CLM-001", filedAt); err != nil {
		t.Errorf("same confirmation again: %v", err)
	}
	if _, err := db.RecordClaimFiled(ctx, c.ID, "CLM-002", filedAt); !errors.Is(err, ErrConflict) {
		t.Errorf("different confirmation: %v, want ErrConflict", err)
	}
	if _, err := db.UpdateClaimDraft(ctx, c.ID, ClaimEdit{Amount: 1}); !errors.Is(err, ErrConflict) {
		t.Errorf("editing a submitted claim: %v, want ErrConflict", err)
	}
	if _, err := db.AddClaimEvidence(ctx, ClaimEvidence{ClaimID: c.ID, Kind: EvidenceNote, Note: "late"}); !errors.Is(err, ErrConflict) {
		t.Errorf("evidence after filing: %v, want ErrConflict", err)
	}
	if _, err := db.SetClaimState(ctx, c.ID, ClaimDraft); !errors.Is(err, ErrConflict) {
		t.Errorf("submitted back to draft: %v, want ErrConflict", err)
	}

	clock.Advance(48 * time.Hour)
	c, err = db.RecordClaimStatus(ctx, c.ID, ClaimUnderReview, -1)
	if err != nil || c.State != ClaimUnderReview || !c.StatusCheckedAt.Equal(t0.Add(48*time.Hour)) {
		t.Fatalf("under review: %+v, %v", c, err)
	}
	c, err = db.RecordClaimStatus(ctx, c.ID, ClaimPaid, 4000)
	if err != nil || c.State != ClaimPaid || c.PaidAmount != 4000 {
		t.Fatalf("paid: %+v, %v", c, err)
	}
	if _, err := db.SetClaimState(ctx, c.ID, ClaimCancelled); !errors.Is(err, ErrConflict) {
		t.Errorf("cancel a paid claim: %v, want ErrConflict", err)
	}
	// The paid claim still blocks a second damaged claim on the parcel.
	if _, err := db.CreateClaim(ctx, Claim{ShipmentID: sh.ID, Kind: ClaimDamaged}); !errors.Is(err, ErrConflict) {
		t.Errorf("second damaged claim after payment: %v, want ErrConflict", err)
	}
	open, err := db.ListClaims(ctx, ClaimFilter{States: []ClaimState{ClaimSubmitted, ClaimUnderReview}})
	if err != nil || len(open) != 0 {
		t.Errorf("open claims = %+v, %v", open, err)
	}
}

func TestCanMoveClaim(t *testing.T) {
	cases := []struct {
		from, to ClaimState
		ok       bool
	}{
		{ClaimDraft, ClaimFiling, true},
		{ClaimFiling, ClaimDraft, true},
		{ClaimDraft, ClaimPaid, false},
		{ClaimSubmitted, ClaimPaid, true},
		{ClaimDenied, ClaimUnderReview, true},
		{ClaimPaid, ClaimDenied, false},
		{ClaimCancelled, ClaimDraft, false},
		{ClaimPaid, ClaimPaid, true},
	}
	for _, c := range cases {
		if got := CanMoveClaim(c.from, c.to); got != c.ok {
			t.Errorf("CanMoveClaim(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}
}

func TestPageClaimsAndRuns(t *testing.T) {
	ctx := context.Background()
	db, ids := readFixture(t)
	p, err := db.PageClaims(ctx, ClaimFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 2 || p.Rows[0].ID != ids["c-draft"] || p.Rows[0].Evidence != 1 || p.Rows[0].Courier != "ups" {
		t.Fatalf("claims = %+v", p)
	}
	if p.Rows[1].ConfirmationNumber != "CONF-1" || p.Rows[1].PaidAmount != 1500 {
		t.Fatalf("paid claim = %+v", p.Rows[1])
	}
	drafts, err := db.PageClaims(ctx, ClaimFilter{States: []ClaimState{ClaimDraft}})
	if err != nil || drafts.Total != 1 {
		t.Fatalf("drafts = %+v, %v", drafts, err)
	}
	runs, err := db.PageRuns(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if runs.Total != 1 || runs.Rows[0].ID != ids["run"] || runs.Rows[0].Items != 2 || runs.Rows[0].Failed != 1 || runs.Rows[0].JobName != "sync" {
		t.Fatalf("runs = %+v", runs)
	}
	att, err := db.PageAttentionItems(ctx, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	if att.Total != 1 || att.Rows[0].ItemKey != "amz-us" || att.Rows[0].FailureClass != "timeout" || att.Rows[0].JobName != "sync" {
		t.Fatalf("attention items = %+v", att)
	}
}

// ListClaims and PageClaims are one query: the same claims in the same
// order for every filter.
func TestListAndPageClaimsAgree(t *testing.T) {
	ctx := context.Background()
	db, ids := readFixture(t)
	filters := map[string]ClaimFilter{
		"all":      {},
		"drafts":   {States: []ClaimState{ClaimDraft}},
		"search":   {Search: "1Z"},
		"shipment": {ShipmentID: ids["s-stalled"]},
		"offset":   {Offset: 1},
		"limit":    {Limit: 1},
	}
	for name, f := range filters {
		list, err := db.ListClaims(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		page, err := db.PageClaims(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var a, b []int64
		for _, c := range list {
			a = append(a, c.ID)
		}
		for _, r := range page.Rows {
			b = append(b, r.ID)
		}
		if fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: ListClaims gives %v, PageClaims %v", name, a, b)
		}
	}
	if _, err := db.ListClaims(ctx, ClaimFilter{States: []ClaimState{"filed"}}); err == nil {
		t.Error("an unknown claim state was accepted")
	}
}
