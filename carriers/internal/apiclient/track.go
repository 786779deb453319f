package apiclient

import (
	"context"
	"errors"

	"github.com/sellerops/sellerops/carriers"
)

// Track is the Track loop of a carrier client. It splits numbers into
// batches of at most size (one number each when size is below two), runs
// batch for each on up to workers goroutines, and gives batch the slice of
// results that belongs to its numbers to fill in.
//
// When ctx ends first, every result left blank gets ctx's error, which is
// also returned. Otherwise an authentication failure in any result is
// returned as the error for the whole call, since it holds for every number.
func (c *Client) Track(ctx context.Context, numbers []string, size, workers int, batch func(ctx context.Context, numbers []string, out []carriers.Result)) ([]carriers.Result, error) {
	if size < 1 {
		size = 1
	}
	results := make([]carriers.Result, len(numbers))
	nbatch := (len(numbers) + size - 1) / size
	Each(ctx, nbatch, workers, func(b int) {
		lo, hi := b*size, min((b+1)*size, len(numbers))
		batch(ctx, numbers[lo:hi], results[lo:hi])
	})
	if err := ctx.Err(); err != nil {
		FillUnfinished(results, numbers, c.cfg.Courier, err)
		return results, err
	}
	for _, r := range results {
		if errors.Is(r.Err, carriers.ErrAuth) {
			return results, r.Err
		}
	}
	return results, nil
}

// TrackEach is Track for APIs that take one number per request. one gets
// the normalised number; an *carriers.APIError it returns is given that
// number (see WithNumber).
func (c *Client) TrackEach(ctx context.Context, numbers []string, workers int, one func(ctx context.Context, number string) (carriers.Shipment, error)) ([]carriers.Result, error) {
	return c.Track(ctx, numbers, 1, workers, func(ctx context.Context, batch []string, out []carriers.Result) {
		n := carriers.Normalize(batch[0])
		sh, err := one(ctx, n)
		out[0] = carriers.Result{Number: n, Shipment: sh, Err: WithNumber(err, n)}
	})
}

// NotFound is the shipment for a number the carrier does not know: pending,
// with no information and no events.
func (c *Client) NotFound(number string) carriers.Shipment {
	return carriers.Shipment{Number: number, Courier: c.cfg.Courier, Tag: carriers.Pending, Subtag: carriers.PendingNoInfo, Events: []carriers.Event{}}
}

// PerNumber is the carriers.Tracker of an API that takes one number per
// request: its courier, batch size and counters come from API, and Track
// runs One for each number on Workers goroutines. A client embeds it and
// sets One to its own lookup.
type PerNumber struct {
	API     *Client
	Workers int
	One     func(ctx context.Context, number string) (carriers.Shipment, error)
}

// Courier returns the courier the API serves.
func (p *PerNumber) Courier() string { return p.API.cfg.Courier }

// MaxBatch is 1: one number per request.
func (p *PerNumber) MaxBatch() int { return 1 }

// Stats returns the client's traffic counters.
func (p *PerNumber) Stats() carriers.ClientStats { return p.API.Stats() }

// Track looks each number up. Authentication failures and a cancelled
// context end the whole call; other failures go into the number's Result.
func (p *PerNumber) Track(ctx context.Context, numbers []string) ([]carriers.Result, error) {
	return p.API.TrackEach(ctx, numbers, p.Workers, p.One)
}
