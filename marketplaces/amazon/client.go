package amazon

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/internal/ratelimit"
)

// TokenURL is the Login with Amazon token endpoint.
const TokenURL = "https://api.amazon.com/auth/o2/token"

// Credentials are what a seller's app authorization gives: the LWA client
// id and secret of the app and the seller's refresh token.
type Credentials struct {
	ClientID, ClientSecret, RefreshToken string
}

// Config sets up a Client.
type Config struct {
	Credentials
	// MarketplaceID picks the region's host unless BaseURL is set.
	MarketplaceID string
	BaseURL       string // SP-API root; "" for the marketplace's region
	TokenURL      string // "" for TokenURL
	HTTPClient    *http.Client
	Now           func() time.Time
	MaxRetries    int           // for 429 and 5xx; 0 means 3
	MaxRetryWait  time.Duration // longest wait honoured; 0 means 60 s
	// Plans overrides usage plans by operation id (tests, or a seller with
	// a raised plan).
	Plans map[string]Plan
}

// Client calls SP-API for one seller.
type Client struct {
	cfg     Config
	base    string
	hc      *http.Client
	now     func() time.Time
	retries int
	maxWait time.Duration

	mu       sync.Mutex
	token    string
	tokenExp time.Time
	buckets  map[string]*ratelimit.Bucket

	stats Stats
}

// Stats counts a client's traffic.
type Stats struct {
	Requests, TokenFetches, Honoured429, ServerRetries, Refreshes int64
}

// New checks the configuration and makes a Client.
func New(cfg Config) (*Client, error) {
	if cfg.ClientID == "" || cfg.ClientSecret == "" || cfg.RefreshToken == "" {
		return nil, badInput("config", "the client id, client secret and refresh token are all needed: `sellerops stores add NAME --marketplace amazon --api` reads them from stdin")
	}
	base := strings.TrimRight(cfg.BaseURL, "/")
	if base == "" {
		var err error
		if base, err = EndpointFor(cfg.MarketplaceID); err != nil {
			return nil, err
		}
	}
	c := &Client{cfg: cfg, base: base, hc: cfg.HTTPClient, now: cfg.Now, retries: cfg.MaxRetries,
		maxWait: cfg.MaxRetryWait, buckets: map[string]*ratelimit.Bucket{}}
	if c.cfg.TokenURL == "" {
		c.cfg.TokenURL = TokenURL
	}
	if c.hc == nil {
		c.hc = &http.Client{Timeout: 30 * time.Second}
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
	return c, nil
}

// Stats returns the traffic counters.
func (c *Client) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stats
}

// tokenMargin is how long before expiry a cached access token is replaced,
// so that a call never leaves with a token about to lapse.
const tokenMargin = time.Minute

// accessToken returns a cached LWA access token or exchanges the refresh
// token for a new one.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.now().Before(c.tokenExp.Add(-tokenMargin)) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	form := url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {c.cfg.RefreshToken},
		"client_id":     {c.cfg.ClientID},
		"client_secret": {c.cfg.ClientSecret},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "token", Err: err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded;charset=UTF-8")
	c.mu.Lock()
	c.stats.TokenFetches++
	c.mu.Unlock()
	status, _, body, err := c.send(req, "token")
	if err != nil {
		return "", err
	}
	if status != http.StatusOK {
		// LWA answers {"error": "invalid_grant", "error_description": ...}
		// for a wrong, revoked or foreign refresh token or client.
		var lwa struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &lwa)
		e := &apierr.Error{API: apiName, Op: "token", Status: status, Code: lwa.Error, Message: lwa.Description}
		switch {
		case status == http.StatusTooManyRequests:
			e.Class = apierr.RateLimited
		case status >= 500:
			e.Class = apierr.SiteError
		default:
			e.Class = apierr.AuthFailed
		}
		return "", e
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" || tok.ExpiresIn <= 0 {
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token", Status: status, Message: "the token answer has no access_token and positive expires_in"}
	}
	c.mu.Lock()
	c.token, c.tokenExp = tok.AccessToken, c.now().Add(time.Duration(tok.ExpiresIn)*time.Second)
	c.mu.Unlock()
	return tok.AccessToken, nil
}

func (c *Client) invalidate(token string) {
	c.mu.Lock()
	if c.token == token {
		c.token = ""
		c.stats.Refreshes++
	}
	c.mu.Unlock()
}

// send runs one HTTP exchange and reads the body; it never retries.
func (c *Client) send(req *http.Request, op string) (int, http.Header, []byte, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		if ctxErr := req.Context().Err(); ctxErr != nil {
			return 0, nil, nil, &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: ctxErr}
		}
		var ne interface{ Timeout() bool }
		if errors.As(err, &ne) && ne.Timeout() {
			return 0, nil, nil, &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Message: "no answer in time"}
		}
		return 0, nil, nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "connection failed: " + redactURL(err.Error())}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return 0, nil, nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Status: resp.StatusCode, Message: "reading the answer failed"}
	}
	return resp.StatusCode, resp.Header, body, nil
}

// redactURL drops query strings from an error text, which could otherwise
// carry request parameters.
func redactURL(s string) string {
	if i := strings.IndexByte(s, '?'); i >= 0 {
		j := strings.IndexAny(s[i:], "\" ")
		if j < 0 {
			return s[:i]
		}
		return s[:i] + s[i+j:]
	}
	return s
}

// call is one SP-API operation request.
type call struct {
	op     string
	method string
	path   string // already escaped
	query  url.Values
	body   any // JSON-encoded when not nil
}

// apiErrors is the SP-API error list ({"errors": [{code, message, details}]}).
type apiErrors struct {
	Errors []struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Details string `json:"details"`
	} `json:"errors"`
}

// do sends the call with a token, waits on the operation's bucket, retries
// 429 (after Retry-After or a back-off) and 5xx, and refreshes the token once
// on a 403 that says it expired or is invalid. It returns the 2xx answer.
func (c *Client) do(ctx context.Context, k call) (int, []byte, error) {
	var payload []byte
	if k.body != nil {
		var err error
		if payload, err = json.Marshal(k.body); err != nil {
			return 0, nil, &apierr.Error{API: apiName, Class: apierr.BadInput, Op: k.op, Err: err}
		}
	}
	refreshed := false
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return 0, nil, err
		}
		b := c.bucket(k.op)
		if err := b.Wait(ctx); err != nil {
			return 0, nil, &apierr.Error{API: apiName, Class: apierr.Timeout, Op: k.op, Message: "no budget left to wait for the usage plan", Err: err}
		}
		u := c.base + k.path
		if len(k.query) > 0 {
			u += "?" + k.query.Encode()
		}
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, k.method, u, rd)
		if err != nil {
			return 0, nil, &apierr.Error{API: apiName, Class: apierr.BadInput, Op: k.op, Err: err}
		}
		req.Header.Set("x-amz-access-token", token)
		req.Header.Set("Accept", "application/json")
		req.Header.Set("User-Agent", "sellerops (Language=Go)")
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		c.mu.Lock()
		c.stats.Requests++
		c.mu.Unlock()
		status, hdr, body, err := c.send(req, k.op)
		if err != nil {
			return 0, nil, err
		}
		if r, err := strconv.ParseFloat(hdr.Get("x-amzn-RateLimit-Limit"), 64); err == nil && r > 0 {
			b.SetRate(r)
		}
		var ae apiErrors
		if status >= 300 {
			_ = json.Unmarshal(body, &ae)
		}
		e := &apierr.Error{API: apiName, Op: k.op, Status: status}
		if len(ae.Errors) > 0 {
			e.Code, e.Message = ae.Errors[0].Code, ae.Errors[0].Message
		}
		switch {
		case status >= 200 && status < 300:
			return status, body, nil
		case status == http.StatusForbidden || status == http.StatusUnauthorized:
			// SP-API answers 403 Unauthorized with a message such as "The
			// access token you provided has expired." when the LWA token
			// lapsed or was revoked; one fresh token is worth a try.
			if !refreshed {
				refreshed = true
				c.invalidate(token)
				attempt--
				continue
			}
			e.Class = apierr.AuthFailed
			return status, nil, e
		case status == http.StatusTooManyRequests:
			wait := ratelimit.RetryAfter(hdr.Get("Retry-After"), c.now())
			if attempt >= c.retries || wait > c.maxWait {
				e.Class, e.RetryAfter = apierr.RateLimited, wait
				return status, nil, e
			}
			c.mu.Lock()
			c.stats.Honoured429++
			c.mu.Unlock()
			if err := ratelimit.Sleep(ctx, wait); err != nil {
				return 0, nil, &apierr.Error{API: apiName, Class: apierr.RateLimited, Op: k.op, Status: status, RetryAfter: wait, Message: "the budget ran out waiting after HTTP 429"}
			}
		case status >= 500:
			if attempt >= c.retries {
				e.Class = apierr.SiteError
				return status, nil, e
			}
			c.mu.Lock()
			c.stats.ServerRetries++
			c.mu.Unlock()
			if err := ratelimit.Sleep(ctx, backoff(attempt)); err != nil {
				return 0, nil, &apierr.Error{API: apiName, Class: apierr.Timeout, Op: k.op, Status: status, Err: err}
			}
		case status == http.StatusNotFound:
			e.Class = apierr.NotFound
			return status, nil, e
		default:
			e.Class = apierr.BadInput
			return status, nil, e
		}
	}
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << attempt
	if d > 5*time.Second {
		d = 5 * time.Second
	}
	return d
}

func (c *Client) bucket(op string) *ratelimit.Bucket {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buckets[op]
	if b == nil {
		p, ok := c.cfg.Plans[op]
		if !ok {
			p = PlanOf(op)
		}
		b = ratelimit.NewBucket(p.Rate, p.Burst)
		c.buckets[op] = b
	}
	return b
}

// decode reads a 2xx JSON answer into v; an answer that does not fit is a
// site_error naming the operation, never an empty result.
func decode(op string, body []byte, v any) error {
	if err := json.Unmarshal(body, v); err != nil {
		return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: fmt.Sprintf("the answer does not fit the published model: %v", err)}
	}
	return nil
}
