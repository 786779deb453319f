// Package testwait gives tests of the automations packages budgets that
// come from the test's own deadline (go test -timeout) instead of fixed
// durations, so that a loaded machine slows a test down without failing
// it, and a real hang still fails it before the binary is killed.
package testwait

import (
	"context"
	"testing"
	"time"
)

// fallback is the room a benchmark or a test run without a deadline gets.
const fallback = 10 * time.Minute

// Deadline is when the test should give up: shortly before its own
// deadline, leaving room for cleanup and for the failure to be printed.
func Deadline(t testing.TB) time.Time {
	d, ok := deadlineOf(t)
	if !ok {
		return time.Now().Add(fallback)
	}
	left := time.Until(d)
	margin := left / 10
	if margin < 2*time.Second {
		margin = min(2*time.Second, left/2)
	}
	return d.Add(-margin)
}

func deadlineOf(t testing.TB) (time.Time, bool) {
	if dt, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		return dt.Deadline()
	}
	return time.Time{}, false
}

// Budget is the time left until Deadline: the budget of a step that is
// expected to succeed.
func Budget(t testing.TB) time.Duration { return time.Until(Deadline(t)) }

// Context ends at Deadline and is cancelled when the test ends.
func Context(t testing.TB) context.Context {
	ctx, cancel := context.WithDeadline(context.Background(), Deadline(t))
	t.Cleanup(cancel)
	return ctx
}

// Until polls cond until it holds, and fails the test naming what it
// waited for when Deadline passes first.
func Until(t testing.TB, what string, cond func() bool) {
	t.Helper()
	end := Deadline(t)
	for !cond() {
		if time.Now().After(end) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
