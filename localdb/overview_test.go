package localdb

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestGetOverview(t *testing.T) {
	ctx := context.Background()
	db, _ := readFixture(t)
	o, err := db.GetOverview(ctx, OverviewQuery{DueSoon: 4 * time.Hour,
		Stall: StallRule{Default: StallThreshold{NoEventFor: 7 * 24 * time.Hour}}, ClosingSoon: 7 * 24 * time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Stores) != 2 {
		t.Fatalf("stores = %+v", o.Stores)
	}
	amz := o.Stores[0]
	if amz.Name != "amz-us" || amz.Open != 2 || amz.Overdue != 1 || amz.DueSoon != 1 {
		t.Fatalf("amz-us summary = %+v, want 2 open, 1 overdue, 1 due soon", amz)
	}
	if sg := o.Stores[1]; sg.Open != 1 || sg.Overdue != 0 || sg.DueSoon != 0 {
		t.Fatalf("shopee-sg summary = %+v", sg)
	}
	if o.Parcels != 3 || o.Stalled != 1 || fmt.Sprint(o.ByTag) != "[{InTransit 2} {Delivered 1}]" {
		t.Fatalf("parcels = %d stalled %d by tag %v", o.Parcels, o.Stalled, o.ByTag)
	}
	if o.ClaimsOpen != 1 || o.ClaimsClosingSoon != 1 {
		t.Fatalf("claims open %d closing soon %d, want 1 and 1", o.ClaimsOpen, o.ClaimsClosingSoon)
	}
	if len(o.Money) != 1 || o.Money[0] != (MoneyTotal{Currency: "USD", Claimed: 2000, Paid: 1500}) {
		t.Fatalf("money = %+v", o.Money)
	}
	if len(o.Runs) != 1 || o.Runs[0].Failed != 1 {
		t.Fatalf("runs = %+v", o.Runs)
	}
}
