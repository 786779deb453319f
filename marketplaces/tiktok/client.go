// Package tiktok is a client for the TikTok Shop Open API (version 202309
// paths), with no browser: signed requests, the seller's access token
// renewed from the refresh token, the response envelope read into typed
// records, and each failure classified (internal/apierr).
//
// Sources, by what they give:
//   - Request signing: TikTok Shop Partner Center, "Sign your API request"
//     (partner.tiktokshop.com/docv2/page/sign-your-api-request), the same six
//     steps the official Node.js SDK implements (tiktok-shop-api-sdk,
//     utils/generate-sign.ts): the query parameters except sign and
//     access_token, sorted by key and joined as {key}{value}; the request
//     path before them; the JSON body after them unless the body is
//     multipart; the whole wrapped in the app secret; HMAC-SHA256 keyed by
//     the app secret, hex encoded. The query carries app_key, timestamp
//     (Unix seconds), shop_cipher and sign; the token rides in the
//     x-tts-access-token header.
//   - Token refresh: the auth host auth.tiktok-shops.com, GET
//     /api/v2/token/refresh with app_key, app_secret, refresh_token and
//     grant_type=refresh_token, answered in the envelope with
//     data.access_token and data.access_token_expire_in (a Unix time); the
//     Node.js SDK's client/token.ts (TokenResponse).
//   - The envelope of every answer: code (0 for success), message,
//     request_id and data (every response model of the SDK, e.g.
//     customerService/V202309/GetConversationMessagesResponse).
//   - Error codes: Partner Center "Common errors"
//     (partner.tiktokshop.com/docv2/page/common-errors): codes starting 105
//     and 360040 are authorization and token errors (105001 authorization
//     invalid, 105002 access token expired, 105005 the app lacks the API
//     package; 36004001 refresh token expired), 106001 an invalid sign
//     (answered with HTTP 401), 36009002 too many requests (with HTTP 429),
//     36009003 an internal error to retry, 36009004 an invalid parameter.
package tiktok

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/internal/ratelimit"
)

// Hosts of TikTok Shop's production APIs.
const (
	Endpoint = "https://open-api.tiktokglobalshop.com"
	TokenURL = "https://auth.tiktok-shops.com/api/v2/token/refresh"
)

// apiName names the API in errors.
const apiName = "tiktok shop"

// The published error codes the client tells apart (see the package doc).
const (
	CodeOK              = 0
	CodeAuthInvalid     = 105001
	CodeTokenExpired    = 105002
	CodeNoAPIPackage    = 105005
	CodeInvalidSign     = 106001
	CodeRefreshExpired  = 36004001
	CodeTooManyRequests = 36009002
	CodeInternal        = 36009003
	CodeInvalidParam    = 36009004
)

// Config sets up a Client.
type Config struct {
	AppKey, AppSecret, RefreshToken string
	// ShopCipher names the shop in every shop-scoped call (Get Authorized
	// Shops' cipher); "" for an app with one local shop.
	ShopCipher        string
	BaseURL, TokenURL string // "" for TikTok's production hosts
	HTTPClient        *http.Client
	Now               func() time.Time
	MaxRetries        int // for 429, 36009002, 36009003 and 5xx; 0 means 3
}

// Client calls the Open API for one shop.
type Client struct {
	cfg      Config
	mu       sync.Mutex
	token    string
	tokenExp time.Time
	requests int64
}

// New checks the configuration.
func New(cfg Config) (*Client, error) {
	if cfg.AppKey == "" || cfg.AppSecret == "" || cfg.RefreshToken == "" {
		return nil, &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "config", Message: "the app key, app secret and refresh token are all needed"}
	}
	if cfg.BaseURL == "" {
		cfg.BaseURL = Endpoint
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.TokenURL == "" {
		cfg.TokenURL = TokenURL
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxRetries <= 0 {
		cfg.MaxRetries = 3
	}
	return &Client{cfg: cfg}, nil
}

// Requests counts the API calls made, the token renewals left out.
func (c *Client) Requests() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.requests
}

// Sign computes a request's sign as "Sign your API request" describes it:
// path, then the query parameters other than sign and access_token sorted
// by key as {key}{value}, then the body, wrapped in the app secret and
// hashed with HMAC-SHA256 keyed by the app secret, in lower-case hex.
func Sign(appSecret, path string, query url.Values, body []byte) string {
	keys := make([]string, 0, len(query))
	for k := range query {
		if k != "sign" && k != "access_token" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(appSecret)
	b.WriteString(path)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteString(query.Get(k))
	}
	b.Write(body)
	b.WriteString(appSecret)
	m := hmac.New(sha256.New, []byte(appSecret))
	m.Write([]byte(b.String()))
	return hex.EncodeToString(m.Sum(nil))
}

// envelope is every answer's wrapper.
type envelope struct {
	Code      *int            `json:"code"`
	Message   string          `json:"message"`
	RequestID string          `json:"request_id"`
	Data      json.RawMessage `json:"data"`
}

// classify sorts a non-zero code (or a failed HTTP status) into a class.
func classify(status, code int) apierr.Class {
	switch {
	case status == http.StatusTooManyRequests || code == CodeTooManyRequests:
		return apierr.RateLimited
	case code == CodeInvalidSign || strings.HasPrefix(strconv.Itoa(code), "105") || strings.HasPrefix(strconv.Itoa(code), "360040"):
		return apierr.AuthFailed
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return apierr.AuthFailed
	case status >= 500 || code == CodeInternal:
		return apierr.SiteError
	case status == http.StatusNotFound:
		return apierr.NotFound
	}
	return apierr.BadInput
}

// accessToken renews the access token from the refresh token when none is
// cached or it expires within a minute.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	if c.token != "" && c.cfg.Now().Add(time.Minute).Before(c.tokenExp) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	c.mu.Unlock()
	q := url.Values{"app_key": {c.cfg.AppKey}, "app_secret": {c.cfg.AppSecret}, "refresh_token": {c.cfg.RefreshToken},
		"grant_type": {"refresh_token"}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.cfg.TokenURL+"?"+q.Encode(), nil)
	if err != nil {
		return "", &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "token refresh", Message: "the token address does not make a request"}
	}
	resp, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return "", &apierr.Error{API: apiName, Class: apierr.Timeout, Op: "token refresh", Err: ctx.Err()}
		}
		// The error names the address, whose query holds the secret: say
		// only that there was no answer.
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token refresh", Message: "the auth host did not answer"}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var env envelope
	var data struct {
		AccessToken string `json:"access_token"`
		ExpireIn    int64  `json:"access_token_expire_in"`
	}
	if json.Unmarshal(raw, &env) != nil || env.Code == nil {
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token refresh", Status: resp.StatusCode, Message: "the answer is not TikTok's envelope"}
	}
	if *env.Code != CodeOK || resp.StatusCode != http.StatusOK {
		class := classify(resp.StatusCode, *env.Code)
		if class == apierr.BadInput {
			// A refused refresh is a credentials problem whatever its code.
			class = apierr.AuthFailed
		}
		return "", &apierr.Error{API: apiName, Class: class, Op: "token refresh", Status: resp.StatusCode, Code: strconv.Itoa(*env.Code), Message: env.Message}
	}
	if json.Unmarshal(env.Data, &data) != nil || data.AccessToken == "" || data.ExpireIn <= 0 {
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "token refresh", Message: "the answer has no data.access_token and data.access_token_expire_in"}
	}
	c.mu.Lock()
	c.token, c.tokenExp = data.AccessToken, time.Unix(data.ExpireIn, 0)
	c.mu.Unlock()
	return data.AccessToken, nil
}

// call makes one operation and decodes the envelope's data into out. An
// expired token (105002) gets one renewed token; 429, 36009002 and, for
// calls that change nothing (retry), 36009003 and 5xx are retried with
// backoff. A non-zero code is never a success.
func (c *Client) call(ctx context.Context, op, method, path string, query url.Values, body any, retry bool, out any) error {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Err: err}
		}
	}
	renewed := false
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		q := url.Values{}
		for k, v := range query {
			q[k] = v
		}
		q.Set("app_key", c.cfg.AppKey)
		q.Set("timestamp", strconv.FormatInt(c.cfg.Now().Unix(), 10))
		if c.cfg.ShopCipher != "" {
			q.Set("shop_cipher", c.cfg.ShopCipher)
		}
		q.Set("sign", Sign(c.cfg.AppSecret, path, q, payload))
		var rd io.Reader
		if payload != nil {
			rd = bytes.NewReader(payload)
		}
		req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path+"?"+q.Encode(), rd)
		if err != nil {
			return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Err: err}
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("x-tts-access-token", token)
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
		resp, err := c.cfg.HTTPClient.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: ctx.Err()}
			}
			return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "no answer"}
		}
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		var env envelope
		if json.Unmarshal(raw, &env) != nil || env.Code == nil {
			e := &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Status: resp.StatusCode, Message: "the answer is not TikTok's envelope {code, message, request_id, data}"}
			if resp.StatusCode == http.StatusTooManyRequests {
				e.Class = apierr.RateLimited
			}
			if (resp.StatusCode >= 500 && retry) || resp.StatusCode == http.StatusTooManyRequests {
				if attempt < c.cfg.MaxRetries {
					if err := c.backoff(ctx, op, resp, attempt); err != nil {
						return err
					}
					continue
				}
			}
			return e
		}
		if *env.Code == CodeOK && resp.StatusCode == http.StatusOK {
			if len(env.Data) == 0 || string(env.Data) == "null" {
				return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "a success without data"}
			}
			if err := json.Unmarshal(env.Data, out); err != nil {
				return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the data does not fit the published shape", Err: err}
			}
			return nil
		}
		e := &apierr.Error{API: apiName, Class: classify(resp.StatusCode, *env.Code), Op: op, Status: resp.StatusCode,
			Code: strconv.Itoa(*env.Code), Message: strings.TrimSpace(env.Message + " (request_id " + env.RequestID + ")")}
		switch {
		case *env.Code == CodeTokenExpired && !renewed:
			renewed = true
			c.mu.Lock()
			c.token = ""
			c.mu.Unlock()
			attempt--
		case e.Class == apierr.RateLimited || (e.Class == apierr.SiteError && retry):
			if attempt >= c.cfg.MaxRetries {
				return e
			}
			if err := c.backoff(ctx, op, resp, attempt); err != nil {
				return err
			}
		default:
			return e
		}
	}
}

// backoff waits before the next attempt: Retry-After when the answer
// gives one, else a doubling wait from 200 ms.
func (c *Client) backoff(ctx context.Context, op string, resp *http.Response, attempt int) error {
	wait := time.Duration(200<<attempt) * time.Millisecond
	if h := resp.Header.Get("Retry-After"); h != "" {
		wait = ratelimit.RetryAfter(h, c.cfg.Now())
	}
	if err := ratelimit.Sleep(ctx, wait); err != nil {
		return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: err}
	}
	return nil
}
