// Package apierr is the one way a marketplace API client reports a failed
// call: a class that says what to do about it, the operation, the HTTP
// status and the platform's own error code. The marketplace clients
// (marketplaces/amazon, marketplaces/ebay and the others) return *Error;
// the flows map the class to their own failure classes and the outbox reads
// Refused to know whether a send may have gone through. No Error carries a
// secret: clients put only the platform's code and message in it.
package apierr

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Class sorts a failed call by what to do about it. The values are the
// product's failure class names.
type Class string

// The classes a call can fail with.
const (
	AuthFailed  Class = "auth_failed"  // the platform refused the credentials, the token or the app's access
	RateLimited Class = "rate_limited" // HTTP 429, or the wait asked for exceeds the budget
	SiteError   Class = "site_error"   // 5xx, a connection failure, an answer that does not fit the published shape
	Timeout     Class = "timeout"      // the context's budget ran out
	BadInput    Class = "bad_input"    // the caller's input, or the platform's answer that the request is invalid
	NotFound    Class = "not_found"    // no such object for this seller
)

// Refused tells whether a call that failed this way was turned down by the
// platform before it did anything, so that a send may be marked failed and
// tried again later without risk of a second copy. A timeout or a site
// error may have gone through: the outbox must ask before sending again.
func (c Class) Refused() bool {
	return c == BadInput || c == AuthFailed || c == RateLimited || c == NotFound
}

// Error is a failed call to a marketplace API.
type Error struct {
	API        string // the platform's API as the user knows it, such as "amazon SP-API"
	Class      Class
	Op         string // the operation, such as "getOrders"
	Status     int    // HTTP status, 0 when none
	Code       string // the platform's error code, such as "InvalidInput"
	Message    string
	RetryAfter time.Duration // for RateLimited, the wait the platform asked for
	Err        error         // the underlying error, when there is one
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("%s %s: %s", e.API, e.Op, e.Class)
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	switch e.Class {
	case AuthFailed:
		msg += "; check the app credentials and the refresh token stored for the store, and that the seller granted the app the access this call needs"
	case RateLimited:
		msg += "; wait and retry, or lower the request rate"
	}
	return msg
}

// Unwrap exposes the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of an error: an *Error's own, Timeout for a
// context's end, SiteError for anything else unexplained, "" for nil.
func ClassOf(err error) Class {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Class != "" {
		return e.Class
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Timeout
	}
	return SiteError
}
