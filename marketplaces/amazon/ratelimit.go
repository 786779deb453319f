package amazon

import (
	"context"
	"sync"
	"time"
)

// Plan is an SP-API usage plan: the sustained rate (requests per second)
// and the burst an operation allows.
type Plan struct {
	Rate  float64
	Burst int
}

// plans are the default usage plans printed in each operation's description
// in the published models (ordersV0.json and messaging.json, "Usage Plan"
// tables). Amazon may raise a seller's plan; x-amzn-RateLimit-Limit then
// tells the rate actually applied, and the client follows it.
var plans = map[string]Plan{
	"getOrders":                    {0.0167, 20},
	"getOrder":                     {0.5, 30},
	"getOrderBuyerInfo":            {0.5, 30},
	"getOrderAddress":              {0.5, 30},
	"getOrderItems":                {0.5, 30},
	"getMessagingActionsForOrder":  {1, 5},
	"createConfirmDeliveryDetails": {1, 5},
	"createUnexpectedProblem":      {1, 5},
	"GetAttributes":                {1, 5},
}

// PlanOf returns the default usage plan of an operation the client calls;
// an operation without a known plan gets a cautious one request every two
// seconds without burst.
func PlanOf(op string) Plan {
	if p, ok := plans[op]; ok {
		return p
	}
	return Plan{Rate: 0.5, Burst: 1}
}

// bucket is a token bucket: it holds up to burst tokens and gains rate
// tokens a second; each request takes one.
type bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	waits  int64
}

func newBucket(p Plan, now time.Time) *bucket {
	return &bucket{rate: p.Rate, burst: float64(p.Burst), tokens: float64(p.Burst), last: now}
}

func (b *bucket) setRate(r float64) {
	b.mu.Lock()
	b.rate = r
	b.mu.Unlock()
}

// wait takes a token, sleeping until one is there; it fails at once when
// the context's deadline comes before the token would.
func (b *bucket) wait(ctx context.Context, now func() time.Time) error {
	for {
		b.mu.Lock()
		t := now()
		if el := t.Sub(b.last).Seconds(); el > 0 {
			b.tokens = min(b.burst, b.tokens+el*b.rate)
		}
		b.last = t
		if b.tokens >= 1 {
			b.tokens--
			b.mu.Unlock()
			return nil
		}
		need := time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
		b.waits++
		b.mu.Unlock()
		if dl, ok := ctx.Deadline(); ok && t.Add(need).After(dl) {
			return context.DeadlineExceeded
		}
		if err := sleep(ctx, need); err != nil {
			return err
		}
	}
}
