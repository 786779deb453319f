package insights

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

var now = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func openDB(t *testing.T) *localdb.DB {
	t.Helper()
	db, err := localdb.Open(context.Background(), filepath.Join(t.TempDir(), "db"), localdb.WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The delivery figures count the taxonomy's lost and damaged subtags; the
// database names them without importing carriers, so hold them equal here.
func TestDeliverySubtagsAreTheTaxonomys(t *testing.T) {
	if localdb.SubtagLost != string(carriers.ExceptionLost) || localdb.SubtagDamaged != string(carriers.ExceptionDamaged) ||
		localdb.TagDelivered != string(carriers.Delivered) {
		t.Errorf("localdb %s/%s/%s, carriers %s/%s/%s", localdb.SubtagLost, localdb.SubtagDamaged, localdb.TagDelivered,
			carriers.ExceptionLost, carriers.ExceptionDamaged, carriers.Delivered)
	}
}

// The spike rule on its boundary, written before the rule: "more than
// twice the previous 4-week rate" per day is recent/7 > 2*previous/28,
// i.e. 2*recent > previous; and at least 5 contacts.
func TestIsSpike(t *testing.T) {
	for _, c := range []struct {
		recent, previous int
		want             bool
	}{
		{5, 9, true}, {5, 10, false}, {4, 0, false}, {5, 0, true}, {6, 11, true}, {6, 12, false}, {0, 0, false},
	} {
		if got := IsSpike(c.recent, c.previous); got != c.want {
			t.Errorf("IsSpike(%d, %d) = %v, want %v", c.recent, c.previous, got, c.want)
		}
	}
}

// A world of contacts, one thread each, counted by hand:
//
//	MUG (ups):   damage 5 in the last 7 days (one exactly at now-7d),
//	             9 in the 4 weeks before (one exactly at now-35d, one 1 ms
//	             earlier that is in neither window); 3 "thanks" (other).
//	LAMP (dhl):  damage 5 recent, 10 before.
//	CUP (fedex): where-is-my-order 4 recent, none before.
//
// Alerts: SKU MUG and carrier ups, damaged_defective, 5 against 9 (2*5 >
// 9); LAMP and dhl have 2*5 = 10, not more than 10; CUP and fedex have 4.
func TestSpikesHandComputed(t *testing.T) {
	ctx := context.Background()
	db := openDB(t)
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	day := 24 * time.Hour
	n := 0
	contact := func(sku, courier, body string, at time.Time) {
		t.Helper()
		n++
		o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: fmt.Sprintf("O%d", n),
			Items: []localdb.OrderItem{{SKU: sku, Title: sku, Quantity: 1}}, Carrier: courier, ShipDate: at.Add(-day)})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: fmt.Sprintf("T%d", n), OrderID: o.ID},
			[]localdb.Message{{MarketplaceMessageID: "m", Direction: localdb.DirectionIn, Body: body, SentAt: at}}); err != nil {
			t.Fatal(err)
		}
	}
	broken := "The mug arrived broken."
	contact("MUG", "ups", broken, now.Add(-7*day))
	for i := 1; i <= 4; i++ {
		contact("MUG", "ups", broken, now.Add(-time.Duration(i)*day))
	}
	contact("MUG", "ups", broken, now.Add(-35*day))
	contact("MUG", "ups", broken, now.Add(-35*day-time.Millisecond))
	for i := 1; i <= 8; i++ {
		contact("MUG", "ups", broken, now.Add(-7*day-time.Duration(i)*day))
	}
	for i := 0; i < 3; i++ {
		contact("MUG", "ups", "Thanks", now.Add(-day))
	}
	for i := 0; i < 5; i++ {
		contact("LAMP", "dhl", "The lamp arrived broken.", now.Add(-time.Duration(i+1)*day))
	}
	for i := 0; i < 10; i++ {
		contact("LAMP", "dhl", "The lamp arrived broken.", now.Add(-time.Duration(8+i)*day))
	}
	for i := 0; i < 4; i++ {
		contact("CUP", "fedex", "Where is my order? It has not arrived yet.", now.Add(-time.Duration(i+1)*day))
	}
	if _, err := ClassifyStored(ctx, db); err != nil {
		t.Fatal(err)
	}
	alerts, err := Spikes(ctx, db, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Fatalf("alerts: %+v, want MUG and ups", alerts)
	}
	for i, want := range []struct {
		kind  localdb.InsightsBy
		group string
	}{{localdb.BySKU, "MUG"}, {localdb.ByCarrier, "ups"}} {
		a := alerts[i]
		if a.Kind != want.kind || a.Group != want.group || a.Reason != "damaged_defective" || a.RecentContacts != 5 ||
			a.PreviousContacts != 9 || a.RecentPerDay != 5.0/7 || a.PreviousPerDay != 9.0/28 || a.Messages != 5 || len(a.Behind) != 5 {
			t.Errorf("alert %d: %+v, want %s %s damaged 5 against 9 with 5 messages", i, a, want.kind, want.group)
			continue
		}
		for j, m := range a.Behind {
			if m.Body != broken || m.Reason != "damaged_defective" || (j > 0 && m.SentAt.After(a.Behind[j-1].SentAt)) {
				t.Errorf("alert %d message %d: %+v (want the damage messages, newest first)", i, j, m)
			}
		}
		if oldest := a.Behind[4].SentAt; !oldest.Equal(now.Add(-7 * day)) {
			t.Errorf("alert %d: oldest message behind it at %s, want the one exactly 7 days old", i, oldest)
		}
	}
}
