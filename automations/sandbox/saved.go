package sandbox

import (
	"fmt"
	"slices"
	"time"
)

// Saved is what one sandbox run leaves for the next run that keeps it
// (`sellerops demo --keep`): the world's seed, size and start, how far the
// clock moved, and what the sellers did to it (replies, "no response
// needed" marks, claims). A sandbox started with the same options and given
// it by Restore answers as the one that saved it did.
type Saved struct {
	Version    int                `json:"version"`
	Seed       int64              `json:"seed"`
	Stores     int                `json:"stores"`
	Orders     int                `json:"orders"`
	Start      time.Time          `json:"start"`
	Advance    time.Duration      `json:"advance"`
	Replies    map[string][]Reply `json:"replies"`
	NoResponse []string           `json:"no_response"`
	Claims     []SavedClaim       `json:"claims"`
	ClaimSeq   int                `json:"claim_seq"`

	// LaterOrders is the world's orders per store placed after the start.
	LaterOrders int `json:"later_orders,omitempty"`
}

// SavedClaim is a filed claim with the portal's decision, which a Claim's
// status is computed from.
type SavedClaim struct {
	Claim
	Denied bool `json:"denied"`
}

const savedVersion = 1

// Save returns what the next run needs to go on from here.
func (sb *Sandbox) Save() Saved {
	s := sb.st
	s.mu.Lock()
	defer s.mu.Unlock()
	out := Saved{Version: savedVersion, Seed: sb.opts.Seed, Stores: sb.opts.Stores, Orders: sb.opts.Orders, LaterOrders: sb.opts.LaterOrders,
		Start: sb.start, Advance: time.Duration(sb.offset.Load()), Replies: map[string][]Reply{},
		NoResponse: []string{}, Claims: []SavedClaim{}, ClaimSeq: s.claimSeq}
	for k, v := range s.replies {
		out.Replies[k] = slices.Clone(v)
	}
	for k := range s.noResponse {
		out.NoResponse = append(out.NoResponse, k)
	}
	slices.Sort(out.NoResponse)
	for _, c := range s.claimByNum {
		out.Claims = append(out.Claims, SavedClaim{Claim: *c, Denied: c.denied})
	}
	slices.SortFunc(out.Claims, func(a, b SavedClaim) int { return a.Filed.Compare(b.Filed) })
	return out
}

// Restore puts a saved run's clock and seller actions back. The sandbox
// must have been started with the saved seed, size and start (so that its
// world is the same one); anything else is refused, naming the difference.
func (sb *Sandbox) Restore(v Saved) error {
	if v.Version != savedVersion {
		return fmt.Errorf("sandbox state version %d: this build reads version %d; start a clean world", v.Version, savedVersion)
	}
	if v.Seed != sb.opts.Seed || v.Stores != sb.opts.Stores || v.Orders != sb.opts.Orders || !v.Start.Equal(sb.start) {
		return fmt.Errorf("sandbox state is of another world (seed %d, %d stores x %d orders, start %s), not seed %d, %d x %d, start %s",
			v.Seed, v.Stores, v.Orders, v.Start.Format(time.RFC3339), sb.opts.Seed, sb.opts.Stores, sb.opts.Orders, sb.start.Format(time.RFC3339))
	}
	if v.LaterOrders != sb.opts.LaterOrders {
		return fmt.Errorf("sandbox state is of another world (%d later orders per store), not %d", v.LaterOrders, sb.opts.LaterOrders)
	}
	s := sb.st
	s.mu.Lock()
	defer s.mu.Unlock()
	sb.offset.Store(int64(max(v.Advance, 0)))
	for k, r := range v.Replies {
		s.replies[k] = slices.Clone(r)
	}
	for _, id := range v.NoResponse {
		s.noResponse[id] = true
	}
	for _, sc := range v.Claims {
		c := sc.Claim
		c.denied = sc.Denied
		s.claims[c.TrackingNumber] = append(s.claims[c.TrackingNumber], &c)
		s.claimByNum[c.Number] = &c
	}
	s.claimSeq = max(s.claimSeq, v.ClaimSeq)
	return nil
}
