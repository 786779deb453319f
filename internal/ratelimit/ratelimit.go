// Package ratelimit holds the client-side pacing the API clients share: a
// token bucket per usage plan, the Retry-After reading of RFC 9110 section
// 10.2.3, and a sleep that ends with its context.
package ratelimit

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// RetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// A missing or unreadable header means one second.
func RetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Second
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			n = 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d
		}
		return 0
	}
	return time.Second
}

// Sleep waits d or until ctx ends, returning ctx's error then.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Bucket is a token bucket: Rate tokens a second, up to Burst saved.
type Bucket struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
	waits  atomic.Int64
}

// NewBucket makes a full bucket. A rate of zero or less means no limit.
func NewBucket(rate float64, burst int) *Bucket {
	return &Bucket{rate: rate, burst: float64(burst), tokens: float64(burst)}
}

// Wait takes one token, sleeping until one is due.
func (b *Bucket) Wait(ctx context.Context) error {
	if b.rate <= 0 {
		return ctx.Err()
	}
	b.mu.Lock()
	now := time.Now()
	if !b.last.IsZero() {
		b.tokens += now.Sub(b.last).Seconds() * b.rate
		if b.tokens > b.burst {
			b.tokens = b.burst
		}
	}
	b.last = now
	b.tokens--
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if wait > 0 {
		b.waits.Add(1)
	}
	if err := Sleep(ctx, wait); err != nil {
		// give the reserved token back: the call will not be made
		b.mu.Lock()
		b.tokens++
		b.mu.Unlock()
		return err
	}
	return nil
}

// Waits counts the calls that had to wait for a token.
func (b *Bucket) Waits() int64 { return b.waits.Load() }

// SetRate changes the sustained rate, as when a server says which limit it
// applied (SP-API's x-amzn-RateLimit-Limit); the burst stays.
func (b *Bucket) SetRate(rate float64) {
	b.mu.Lock()
	b.rate = rate
	b.mu.Unlock()
}

// Rate is the sustained rate in tokens a second.
func (b *Bucket) Rate() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rate
}
