package carriers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// Tracker looks parcels up through a carrier's official API.
type Tracker interface {
	// Courier is the courier code, as detection reports it.
	Courier() string
	// MaxBatch is the most numbers one API request carries.
	MaxBatch() int
	// Track looks every number up and returns one Result per number, in
	// input order. The error is for the call as a whole (bad credentials, a
	// cancelled context); a failure for one number goes into its Result.
	Track(ctx context.Context, numbers []string) ([]Result, error)
}

// Result is the answer for one number. A number the carrier does not know
// has Err == nil and Shipment.Found == false.
type Result struct {
	Number   string
	Shipment Shipment
	Err      error
}

// Error kinds, for errors.Is on any *APIError.
var (
	ErrAuth        = errors.New("carrier rejected the credentials")
	ErrRateLimited = errors.New("carrier rate limit reached")
	ErrServer      = errors.New("carrier server error")
	ErrBadRequest  = errors.New("carrier rejected the request")
	ErrNotFound    = errors.New("carrier does not know the tracking number")
)

// APIError is a failed call to a carrier API. It never carries credentials
// or tokens.
type APIError struct {
	Courier    string
	Number     string // the tracking number, when the error is about one
	Kind       error  // one of ErrAuth, ErrRateLimited, ErrServer, ErrBadRequest, ErrNotFound
	Status     int    // HTTP status, 0 when none
	Code       string
	Message    string
	RetryAfter time.Duration // for ErrRateLimited, the wait the carrier asked for
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("%s API: %v", e.Courier, e.Kind)
	if e.Number != "" {
		msg += " for tracking number " + e.Number
	}
	if e.Status != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.Status)
	}
	if e.Code != "" {
		msg += " [" + e.Code + "]"
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	switch e.Kind {
	case ErrAuth:
		msg += "; check the client id and secret (or API key) stored for " + e.Courier
	case ErrRateLimited:
		msg += "; wait and retry, or lower the request rate"
	}
	return msg
}

// Is matches the error's kind.
func (e *APIError) Is(target error) bool { return target == e.Kind }

// Unwrap exposes the kind.
func (e *APIError) Unwrap() error { return e.Kind }

// Credentials are what a carrier API needs to authenticate. The caller gets
// them from the keyring. They print as redacted, so they cannot leak through
// a log line or an error message by accident.
type Credentials struct {
	ClientID     string
	ClientSecret string
	APIKey       string
}

// String redacts the secrets.
func (c Credentials) String() string { return "carriers.Credentials{redacted}" }

// GoString redacts the secrets.
func (c Credentials) GoString() string { return c.String() }

// Format redacts the secrets for every verb.
func (c Credentials) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(c.String())) }

// ClientOptions are the settings every carrier client shares. Zero values
// take each carrier's defaults.
type ClientOptions struct {
	BaseURL    string
	HTTPClient *http.Client
	// RatePerSecond and Burst set the client-side token bucket.
	RatePerSecond float64
	Burst         int
	// MaxRetries bounds retries after a 429 or a 5xx (default 3).
	MaxRetries int
	// MaxRetryWait caps one wait for Retry-After (default 60s); a longer
	// requested wait fails with ErrRateLimited instead.
	MaxRetryWait time.Duration
	// Now is the clock, for token expiry (default time.Now).
	Now func() time.Time
}

// ClientStats counts a client's traffic.
type ClientStats struct {
	Requests       int64 // HTTP requests sent to the tracking endpoint
	TokenFetches   int64 // OAuth token requests
	Honoured429    int64 // 429 answers waited out and retried
	ServerRetries  int64 // 5xx answers retried
	RateLimitWaits int64 // times the client-side bucket made a call wait
}
