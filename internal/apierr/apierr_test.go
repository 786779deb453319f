package apierr

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestClassOf(t *testing.T) {
	e := &Error{API: "x", Class: RateLimited, Op: "getOrders", Status: 429}
	cases := []struct {
		name string
		err  error
		want Class
	}{
		{"nil", nil, ""},
		{"own", e, RateLimited},
		{"wrapped", fmt.Errorf("sync: %w", e), RateLimited},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), Timeout},
		{"canceled", context.Canceled, Timeout},
		{"unclassified", errors.New("boom"), SiteError},
		{"empty class", &Error{API: "x", Op: "y"}, SiteError},
	}
	for _, c := range cases {
		if got := ClassOf(c.err); got != c.want {
			t.Errorf("%s: ClassOf = %q, want %q", c.name, got, c.want)
		}
	}
}

// A send refused by the platform did not happen; one that timed out or met
// a server error may have, so the outbox must not treat it as refused.
func TestRefused(t *testing.T) {
	for c, want := range map[Class]bool{BadInput: true, AuthFailed: true, RateLimited: true, NotFound: true,
		Timeout: false, SiteError: false, "": false} {
		if got := c.Refused(); got != want {
			t.Errorf("%q.Refused() = %v, want %v", c, got, want)
		}
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{API: "amazon SP-API", Class: AuthFailed, Op: "token", Status: 400, Code: "invalid_grant", Message: "refresh token revoked"}
	got := e.Error()
	for _, want := range []string{"amazon SP-API token: auth_failed", "(HTTP 400)", "[invalid_grant]", "refresh token revoked", "check the app credentials"} {
		if !strings.Contains(got, want) {
			t.Errorf("Error() = %q, missing %q", got, want)
		}
	}
	inner := errors.New("dial tcp: refused")
	if w := (&Error{API: "ebay", Class: SiteError, Op: "getOrders", Err: inner}); !errors.Is(w, inner) || !strings.Contains(w.Error(), "dial tcp") {
		t.Errorf("the underlying error is not kept: %v", w)
	}
}
