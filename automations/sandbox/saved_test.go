package sandbox

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// A sandbox restored from a saved run answers as the saved one did: the
// same clock, replies, marks and claims (with their decided statuses), and
// a state of another world is refused.
func TestSavedRunRestores(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	opts := Options{Seed: 4, Orders: 20}
	a, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	a.Advance(26 * time.Hour)
	th := a.World().Threads[0]
	a.st.addReply(Reply{ThreadID: th.ID, Body: "Thank you, on its way [ref:k1]", At: a.Now()})
	a.st.setNoResponse(a.World().Threads[1].ID)
	p := a.World().Parcels[0]
	a.fileClaim(p.Carrier, &claimDraft{Tracking: p.TrackingNumber, Kind: "loss", Amount: 1234, AmountText: "12.34", Currency: "USD"})
	a.Advance(20 * 24 * time.Hour) // the claim's status moves on with the clock

	raw, err := json.Marshal(a.Save())
	if err != nil {
		t.Fatal(err)
	}
	var saved Saved
	if err := json.Unmarshal(raw, &saved); err != nil {
		t.Fatal(err)
	}
	again := opts
	again.Start = saved.Start
	b, err := Start(ctx, again)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Restore(saved); err != nil {
		t.Fatal(err)
	}
	sa, sb := a.State(), b.State()
	if !sa.Now.Equal(sb.Now) || !reflect.DeepEqual(sa.Replies, sb.Replies) || !reflect.DeepEqual(sa.NoResponse, sb.NoResponse) ||
		!reflect.DeepEqual(sa.Claims, sb.Claims) {
		t.Fatalf("restored state differs:\nsaved    %+v\nrestored %+v", sa, sb)
	}
	if len(sb.Claims[p.TrackingNumber]) != 1 || len(sb.Replies[th.ID]) != 1 || len(sb.NoResponse) != 1 {
		t.Fatalf("restored state lost actions: %+v", sb)
	}
	// The next claim filed gets a new number, not one already used.
	c := b.fileClaim(p.Carrier, &claimDraft{Tracking: p.TrackingNumber, Kind: "damage", Amount: 100, AmountText: "1.00", Currency: "USD"})
	if c.Number == sb.Claims[p.TrackingNumber][0].Number {
		t.Errorf("a restored sandbox reused claim number %s", c.Number)
	}

	other, err := Start(ctx, Options{Seed: 5, Orders: 20, Start: saved.Start})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if err := other.Restore(saved); err == nil {
		t.Error("a state saved by seed 4 was restored into seed 5's world")
	}
}
