// Package apiclient is the HTTP plumbing the carrier clients share: an OAuth
// client-credentials token cache, a client-side token bucket, and a request
// loop that honours 429 Retry-After, retries 5xx a bounded number of times,
// refreshes the token once on 401, and classifies failures as
// *carriers.APIError. It also holds the Track loop the clients run their
// lookups through and a builder for client-credentials token requests.
// Nothing here logs, and no error carries a secret.
package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/internal/ratelimit"
)

// Config sets up a Client.
type Config struct {
	Courier      string
	Options      carriers.ClientOptions
	DefaultBase  string
	DefaultRate  float64 // requests per second when Options leaves it zero
	DefaultBurst int
	// TokenRequest, when set, builds the OAuth token request; the answer
	// must be JSON with access_token and expires_in (seconds, number or string).
	TokenRequest func(ctx context.Context, baseURL string) (*http.Request, error)
	// Authorize sets the credentials on a tracking request; token is empty
	// for clients without OAuth.
	Authorize func(req *http.Request, token string)
}

// Client sends requests for one carrier.
type Client struct {
	cfg     Config
	base    string
	hc      *http.Client
	now     func() time.Time
	retries int
	maxWait time.Duration
	bucket  *Bucket

	mu       sync.Mutex
	token    string
	tokenExp time.Time

	// authFailed holds the first authentication failure: credentials do not
	// change within a client, so later calls fail at once instead of
	// hammering the carrier (and risking a locked account).
	authFailed atomic.Pointer[carriers.APIError]

	requests, tokenFetches, honoured429, serverRetries atomic.Int64
}

// New makes a Client.
func New(cfg Config) *Client {
	o := cfg.Options
	c := &Client{cfg: cfg, base: strings.TrimRight(o.BaseURL, "/"), hc: o.HTTPClient, now: o.Now,
		retries: o.MaxRetries, maxWait: o.MaxRetryWait}
	if c.base == "" {
		c.base = cfg.DefaultBase
	}
	if c.hc == nil {
		// Keep more idle connections per host than the default two, so
		// parallel lookups reuse connections instead of opening new ones.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 32
		c.hc = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.retries <= 0 {
		c.retries = 3
	}
	if c.maxWait <= 0 {
		c.maxWait = 60 * time.Second
	}
	rate, burst := o.RatePerSecond, o.Burst
	if rate == 0 {
		rate = cfg.DefaultRate
	}
	if burst <= 0 {
		burst = cfg.DefaultBurst
	}
	if burst <= 0 {
		burst = 1
	}
	c.bucket = NewBucket(rate, burst)
	return c
}

// BaseURL is the API root requests go to.
func (c *Client) BaseURL() string { return c.base }

// Stats returns the traffic counters.
func (c *Client) Stats() carriers.ClientStats {
	return carriers.ClientStats{
		Requests:       c.requests.Load(),
		TokenFetches:   c.tokenFetches.Load(),
		Honoured429:    c.honoured429.Load(),
		ServerRetries:  c.serverRetries.Load(),
		RateLimitWaits: c.bucket.Waits(),
	}
}

// Response is a finished HTTP exchange that was neither a 401, a 429 nor a 5xx.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends the request newReq builds, with credentials, and returns any
// answer the caller must interpret (2xx, or 4xx other than 401 and 429).
func (c *Client) Do(ctx context.Context, newReq func(ctx context.Context, baseURL string) (*http.Request, error)) (*Response, error) {
	if e := c.authFailed.Load(); e != nil {
		return nil, e
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		token := ""
		if c.cfg.TokenRequest != nil {
			var err error
			if token, err = c.Token(ctx); err != nil {
				return nil, err
			}
		}
		if err := c.bucket.Wait(ctx); err != nil {
			return nil, err
		}
		req, err := newReq(ctx, c.base)
		if err != nil {
			return nil, err
		}
		if c.cfg.Authorize != nil {
			c.cfg.Authorize(req, token)
		}
		c.requests.Add(1)
		resp, err := c.send(req)
		if err != nil {
			return nil, err
		}
		switch {
		case resp.Status == http.StatusUnauthorized:
			if c.cfg.TokenRequest != nil && !refreshed {
				refreshed = true
				c.invalidate(token)
				attempt--
				continue
			}
			e := c.APIError(carriers.ErrAuth, resp)
			c.authFailed.CompareAndSwap(nil, e)
			return nil, e
		case resp.Status == http.StatusTooManyRequests:
			if err := c.wait429(ctx, resp, attempt); err != nil {
				return nil, err
			}
		case resp.Status >= 500:
			if attempt >= c.retries {
				return nil, c.APIError(carriers.ErrServer, resp)
			}
			c.serverRetries.Add(1)
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
		default:
			return resp, nil
		}
	}
}

func (c *Client) wait429(ctx context.Context, resp *Response, attempt int) error {
	wait := RetryAfter(resp.Header.Get("Retry-After"), c.now())
	if attempt >= c.retries || wait > c.maxWait {
		e := c.APIError(carriers.ErrRateLimited, resp)
		e.RetryAfter = wait
		return e
	}
	c.honoured429.Add(1)
	return sleep(ctx, wait)
}

func backoff(attempt int) time.Duration {
	d := 50 * time.Millisecond << attempt
	if d > 2*time.Second {
		d = 2 * time.Second
	}
	return d
}

func (c *Client) send(req *http.Request) (*Response, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return nil, ctxErr
		}
		// The URL carries no secret (tracking numbers only); the error
		// names the host so the user can check the base URL.
		inner := errors.Unwrap(err)
		if inner == nil {
			inner = err
		}
		return nil, fmt.Errorf("%s API: cannot reach %s: %w; check the network and the base URL", c.cfg.Courier, req.URL.Host, inner)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return nil, fmt.Errorf("%s API: reading the answer from %s: %w", c.cfg.Courier, req.URL.Host, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// APIError is an error of the given kind for resp, with the code and message
// its body carries.
func (c *Client) APIError(kind error, resp *Response) *carriers.APIError {
	code, msg := ErrorDetail(resp.Body)
	return &carriers.APIError{Courier: c.cfg.Courier, Kind: kind, Status: resp.Status, Code: code, Message: msg}
}

// Rejected is the error for an answer the carrier refused: ErrAuth for a 403
// (the credentials lack access to the API), ErrBadRequest for anything else.
func (c *Client) Rejected(resp *Response) *carriers.APIError {
	kind := carriers.ErrBadRequest
	if resp.Status == http.StatusForbidden {
		kind = carriers.ErrAuth
	}
	return c.APIError(kind, resp)
}

// Token returns a cached access token, fetching a new one when none is held
// or the held one expires within a minute (or a tenth of its lifetime).
func (c *Client) Token(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.authFailed.Load(); e != nil {
		return "", e
	}
	if c.token != "" && c.now().Before(c.tokenExp) {
		return c.token, nil
	}
	var lastErr error
	for attempt := 0; attempt <= c.retries; attempt++ {
		req, err := c.cfg.TokenRequest(ctx, c.base)
		if err != nil {
			return "", err
		}
		c.tokenFetches.Add(1)
		resp, err := c.send(req)
		if err != nil {
			return "", err
		}
		switch {
		case resp.Status == http.StatusTooManyRequests:
			if err := c.wait429(ctx, resp, attempt); err != nil {
				return "", err
			}
			continue
		case resp.Status >= 500:
			lastErr = c.APIError(carriers.ErrServer, resp)
			c.serverRetries.Add(1)
			if err := sleep(ctx, backoff(attempt)); err != nil {
				return "", err
			}
			continue
		case resp.Status < 200 || resp.Status > 299:
			// 400 and 401 from a token endpoint both mean bad credentials.
			e := c.APIError(carriers.ErrAuth, resp)
			c.authFailed.CompareAndSwap(nil, e)
			return "", e
		}
		var tr struct {
			AccessToken string          `json:"access_token"`
			ExpiresIn   json.RawMessage `json:"expires_in"`
		}
		if err := json.Unmarshal(resp.Body, &tr); err != nil || tr.AccessToken == "" {
			return "", &carriers.APIError{Courier: c.cfg.Courier, Kind: carriers.ErrAuth, Status: resp.Status,
				Message: "token answer has no access_token"}
		}
		ttl := time.Duration(parseSeconds(tr.ExpiresIn)) * time.Second
		if ttl <= 0 {
			ttl = 5 * time.Minute
		}
		margin := ttl / 10
		if margin > time.Minute {
			margin = time.Minute
		}
		c.token, c.tokenExp = tr.AccessToken, c.now().Add(ttl-margin)
		return c.token, nil
	}
	return "", lastErr
}

func (c *Client) invalidate(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == token {
		c.token = ""
	}
}

func parseSeconds(raw json.RawMessage) int64 {
	s := strings.Trim(strings.TrimSpace(string(raw)), `"`)
	n, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0
	}
	return int64(n)
}

// RetryAfter reads a Retry-After header (see ratelimit.RetryAfter).
func RetryAfter(v string, now time.Time) time.Duration { return ratelimit.RetryAfter(v, now) }

// ErrorDetail pulls a code and message out of the error bodies the carriers
// send (UPS response.errors, FedEx errors, USPS error, DHL RFC 7807). The
// message is cut short; carriers do not echo credentials in them.
func ErrorDetail(body []byte) (code, msg string) {
	var e struct {
		Response struct {
			Errors []struct{ Code, Message string } `json:"errors"`
		} `json:"response"`
		Errors []struct{ Code, Message string } `json:"errors"`
		Error  json.RawMessage                  `json:"error"`
		Title  string                           `json:"title"`
		Detail string                           `json:"detail"`
	}
	if json.Unmarshal(body, &e) != nil {
		return "", ""
	}
	switch {
	case len(e.Response.Errors) > 0:
		code, msg = e.Response.Errors[0].Code, e.Response.Errors[0].Message
	case len(e.Errors) > 0:
		code, msg = e.Errors[0].Code, e.Errors[0].Message
	case len(e.Error) > 0:
		var ue struct {
			Code    string `json:"code"`
			Message string `json:"message"`
			Errors  []struct {
				Code  string `json:"code"`
				Title string `json:"title"`
			} `json:"errors"`
		}
		if json.Unmarshal(e.Error, &ue) == nil {
			code, msg = ue.Code, ue.Message
			if len(ue.Errors) > 0 && ue.Errors[0].Code != "" {
				code = ue.Errors[0].Code
			}
		} else {
			var s string
			if json.Unmarshal(e.Error, &s) == nil {
				msg = s
			}
		}
	default:
		msg = strings.TrimSpace(e.Title + " " + e.Detail)
	}
	if len(msg) > 200 {
		msg = msg[:200] + "..."
	}
	return code, msg
}

func sleep(ctx context.Context, d time.Duration) error { return ratelimit.Sleep(ctx, d) }

// Bucket is the shared client-side token bucket.
type Bucket = ratelimit.Bucket

// NewBucket makes a full bucket (see ratelimit.NewBucket).
func NewBucket(rate float64, burst int) *Bucket { return ratelimit.NewBucket(rate, burst) }

// Each runs fn for every index in [0, n) on up to workers goroutines and
// stops handing out work when ctx ends.
func Each(ctx context.Context, n, workers int, fn func(i int)) {
	if workers < 1 {
		workers = 1
	}
	if workers > n {
		workers = n
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		if ctx.Err() != nil {
			break
		}
		next <- i
	}
	close(next)
	wg.Wait()
}

// FillUnfinished gives every result that was never filled in (because the
// context ended first) its number and err, so no Result is left blank.
func FillUnfinished(results []carriers.Result, numbers []string, courier string, err error) {
	for i := range results {
		if results[i].Number == "" && results[i].Err == nil {
			n := carriers.Normalize(numbers[i])
			results[i] = carriers.Result{Number: n, Shipment: carriers.Shipment{Number: n, Courier: courier}, Err: err}
		}
	}
}

// WithNumber returns err with the tracking number set, when err is an
// *carriers.APIError without one. It copies rather than changes the error,
// which other calls may share.
func WithNumber(err error, number string) error {
	var ae *carriers.APIError
	if err == nil || !errors.As(err, &ae) || ae.Number != "" {
		return err
	}
	cp := *ae
	cp.Number = number
	return &cp
}
