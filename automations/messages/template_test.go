package messages

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
)

func TestTemplatesFillFromLocalDataAndRefuseBlanks(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: "111-1", BuyerName: "Ana",
		Carrier: "ups", TrackingNumber: "1Z999AA10123456784"}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: "111-2", BuyerName: "Ben"}); err != nil {
		t.Fatal(err)
	}
	t1, _, err := db.UpsertThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T1", MarketplaceOrderID: "111-1", BuyerName: "Ana"})
	if err != nil {
		t.Fatal(err)
	}
	t2, _, err := db.UpsertThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T2", MarketplaceOrderID: "111-2", BuyerName: "Ben"})
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "custom.txt"), []byte("Hi {{buyer}}, order {{ order }} ships with {{carrier}}."), 0o600); err != nil {
		t.Fatal(err)
	}
	set, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := set["thanks"]; !ok {
		t.Fatal("built-in templates missing")
	}
	vals, why, err := TemplateValues(ctx, db, t1.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := set["custom"].Fill(vals, why)
	if err != nil || got != "Hi Ana, order 111-1 ships with UPS." {
		t.Fatalf("fill custom: %q, %v", got, err)
	}
	// No parcel status yet: the tracking template is refused, naming it.
	_, err = set["tracking"].Fill(vals, why)
	var miss *MissingValueError
	if !errors.As(err, &miss) || miss.Placeholder != "status" || !errors.Is(err, ErrInvalidInput) {
		t.Fatalf("tracking template without a parcel status: %v", err)
	}
	if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: "1Z999AA10123456784", Tag: "InTransit",
		CheckedAt: time.Now(), Source: localdb.SourceAPI}); err != nil {
		t.Fatal(err)
	}
	vals, why, _ = TemplateValues(ctx, db, t1.ID)
	got, err = set["tracking"].Fill(vals, why)
	if err != nil || !strings.Contains(got, "in transit") || !strings.Contains(got, "1Z999AA10123456784") {
		t.Fatalf("tracking template after tracking: %q, %v", got, err)
	}
	// An order without a tracking number refuses {{tracking}}.
	vals, why, _ = TemplateValues(ctx, db, t2.ID)
	_, err = set["shipped"].Fill(vals, why)
	if !errors.As(err, &miss) || miss.Placeholder != "carrier" && miss.Placeholder != "tracking" {
		t.Fatalf("shipped template without tracking: %v", err)
	}
	// Unknown placeholders are caught when the file is loaded.
	if err := os.WriteFile(filepath.Join(dir, "bad.txt"), []byte("Hi {{buyer}}\nyour {{parcel}}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "{{parcel}}") {
		t.Fatalf("unknown placeholder: %v", err)
	}
}
