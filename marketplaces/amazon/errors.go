package amazon

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
	AuthFailed  Class = "auth_failed"  // LWA or SP-API refused the credentials or the role
	RateLimited Class = "rate_limited" // HTTP 429, or the wait asked for exceeds the budget
	SiteError   Class = "site_error"   // 5xx, a connection failure, an answer that does not fit the model
	Timeout     Class = "timeout"      // the context's budget ran out
	BadInput    Class = "bad_input"    // the caller's input (or a 400 from Amazon)
	NotFound    Class = "not_found"    // HTTP 404: no such order for this seller
)

// Error is a failed SP-API or LWA call.
type Error struct {
	Class      Class
	Op         string // the operation id, such as "getOrders"
	Status     int    // HTTP status, 0 when none
	Code       string // Amazon's error code, such as "InvalidInput"
	Message    string
	RetryAfter time.Duration
	Err        error // the underlying error, when there is one
}

func (e *Error) Error() string {
	msg := fmt.Sprintf("amazon SP-API %s: %s", e.Op, e.Class)
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
		msg += "; check the client id, client secret and refresh token stored for the store, and that the app has the role this call needs"
	case RateLimited:
		msg += "; wait and retry, or lower the request rate"
	}
	return msg
}

// Unwrap exposes the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// ClassOf returns the class of any error from this package; context errors
// are Timeout, anything else unexplained is SiteError, nil is "".
func ClassOf(err error) Class {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Class
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return Timeout
	}
	return SiteError
}

func badInput(op, format string, args ...any) *Error {
	return &Error{Class: BadInput, Op: op, Message: fmt.Sprintf(format, args...)}
}
