package ratelimit

import (
	"context"
	"errors"
	"testing"
	"time"
)

// Retry-After is delay-seconds or an HTTP-date (RFC 9110 section 10.2.3).
func TestRetryAfterParsing(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              time.Second,
		"7":                             7 * time.Second,
		"Sun, 01 Mar 2026 12:00:30 GMT": 30 * time.Second,
		"Sun, 01 Mar 2026 11:00:00 GMT": 0,
		"soon":                          time.Second,
	}
	for in, want := range cases {
		if got := RetryAfter(in, now); got != want {
			t.Errorf("RetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestBucketLimitsRate(t *testing.T) {
	b := NewBucket(50, 1)
	ctx := context.Background()
	start := time.Now()
	for i := 0; i < 11; i++ {
		if err := b.Wait(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// 1 from the burst, then 10 at 50/s: at least 200ms.
	if el := time.Since(start); el < 180*time.Millisecond {
		t.Fatalf("11 tokens at 50/s took %v", el)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := NewBucket(0.001, 1).Wait(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled wait: %v", err)
	}
}

// SetRate changes the pace and keeps the burst.
func TestBucketSetRate(t *testing.T) {
	b := NewBucket(0.0001, 1)
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	b.SetRate(1000)
	start := time.Now()
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	// At the old rate the token was 10000 s away; at 1000/s it is 1 ms.
	if el := time.Since(start); el > time.Minute || b.Rate() != 1000 || b.Waits() > 1 {
		t.Fatalf("waited %v, rate %v, waits %d", el, b.Rate(), b.Waits())
	}
}
