package localdb

import (
	"context"
	"errors"
	"testing"
)

func TestAPIAccounts(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	both := Channels{Orders: ChannelBoth, ReadMessages: ChannelBrowser, Reply: ChannelBrowser, Proactive: ChannelAPI}
	st, a, err := db.CreateAPIStore(ctx, Store{Name: "shop", Marketplace: "amazon", Recipe: "amazon-sandbox"},
		APIAccount{API: "amazon-sp-api", MarketplaceIDs: []string{"ATVPDKIKX0DER", "A2EUQ1WTGCTBG2"}, Channels: both})
	if err != nil {
		t.Fatal(err)
	}
	if a.StoreID != st.ID || len(a.MarketplaceIDs) != 2 || a.MarketplaceIDs[1] != "A2EUQ1WTGCTBG2" || a.Channels != both || a.OrdersCursor != "" {
		t.Fatalf("created %+v", a)
	}
	// A channel outside the table, an empty marketplace id, a name taken:
	// refused, and nothing half-written.
	bad := []APIAccount{
		{API: "amazon-sp-api", MarketplaceIDs: []string{"ATVPDKIKX0DER"}, Channels: Channels{Orders: "email", ReadMessages: "none", Reply: "none", Proactive: "none"}},
		{API: "amazon-sp-api", MarketplaceIDs: []string{""}, Channels: both},
		{API: "", MarketplaceIDs: []string{"ATVPDKIKX0DER"}, Channels: both},
	}
	for i, b := range bad {
		if _, _, err := db.CreateAPIStore(ctx, Store{Name: "bad", Marketplace: "amazon"}, b); !errors.Is(err, ErrInvalid) {
			t.Errorf("bad account %d: %v", i, err)
		}
	}
	if _, _, err := db.CreateAPIStore(ctx, Store{Name: "shop", Marketplace: "amazon"}, a); !errors.Is(err, ErrConflict) {
		t.Errorf("name taken: %v", err)
	}
	if _, err := db.GetStoreByName(ctx, "bad"); !errors.Is(err, ErrNotFound) {
		t.Errorf("a refused store was stored: %v", err)
	}
	// The cursor moves on its own and survives a change of channels.
	if err := db.SetAPIOrdersCursor(ctx, st.ID, "2026-11-02T08:30:00Z"); err != nil {
		t.Fatal(err)
	}
	a.Channels.Orders = ChannelAPI
	if a, err = db.SaveAPIAccount(ctx, a); err != nil || a.Channels.Orders != ChannelAPI || a.OrdersCursor != "2026-11-02T08:30:00Z" {
		t.Fatalf("after a change of channels: %+v %v", a, err)
	}
	// The channel goes with its store.
	if err := db.DeleteStore(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetAPIAccount(ctx, st.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the API account outlived its store: %v", err)
	}
	if err := db.DeleteAPIAccount(ctx, st.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("deleting a missing account: %v", err)
	}
}
