package localdb

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOrderWalks(t *testing.T) {
	t.Parallel()
	db, _ := openTest(t)
	ctx := context.Background()
	st := mustStore(t, db, "shop", "amazon")
	if _, err := db.GetOrderWalk(ctx, st.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("before the first walk: %v", err)
	}
	mark := t0.Add(-time.Hour)
	open := t0.Add(-50 * time.Hour)
	if err := db.SetOrderWalk(ctx, OrderWalk{StoreID: st.ID, Watermark: mark, OpenFrom: open, Pages: 6}); err != nil {
		t.Fatal(err)
	}
	w, err := db.GetOrderWalk(ctx, st.ID)
	if err != nil || !w.Watermark.Equal(mark) || !w.OpenFrom.Equal(open) || w.Pages != 6 || !w.WalkedAt.Equal(t0) {
		t.Fatalf("first walk: %+v %v", w, err)
	}
	// The next walk replaces it; no open order is stored as none.
	if err := db.SetOrderWalk(ctx, OrderWalk{StoreID: st.ID, Watermark: t0, Pages: 1, WalkedAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if w, err = db.GetOrderWalk(ctx, st.ID); err != nil || !w.Watermark.Equal(t0) || !w.OpenFrom.IsZero() || w.Pages != 1 {
		t.Fatalf("second walk: %+v %v", w, err)
	}
	if err := db.SetOrderWalk(ctx, OrderWalk{Pages: 1}); !errors.Is(err, ErrInvalid) {
		t.Errorf("a walk without a store: %v", err)
	}
	// The walk goes with its store.
	if err := db.DeleteStore(ctx, st.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.GetOrderWalk(ctx, st.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("the walk outlived its store: %v", err)
	}
}
