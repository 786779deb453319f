package apiclient

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/carriers"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type server struct {
	tokens, calls atomic.Int64
	// script answers tracking calls by call number (1-based); nil means 200.
	script func(n int64, w http.ResponseWriter, r *http.Request) bool
}

func (s *server) handler(t *testing.T) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/token":
			n := s.tokens.Add(1)
			if r.FormValue("client_secret") != "s3cret" {
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"code":"NOT.AUTHORIZED.ERROR","message":"bad client"}]}`))
				return
			}
			_, _ = w.Write([]byte(`{"access_token":"tok-` + string(rune('0'+n)) + `","expires_in":"3600"}`))
		case "/track":
			n := s.calls.Add(1)
			if s.script != nil && s.script(n, w, r) {
				return
			}
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Bearer tok-") {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			_, _ = w.Write([]byte(`{"ok":true,"token":"` + r.Header.Get("Authorization") + `"}`))
		default:
			t.Errorf("unexpected path %s", r.URL.Path)
		}
	})
}

func newClient(ts *httptest.Server, clock *fakeClock, secret string) *Client {
	return New(Config{
		Courier: "test",
		Options: carriers.ClientOptions{BaseURL: ts.URL, Now: clock.Now, MaxRetries: 3, MaxRetryWait: 5 * time.Second},
		TokenRequest: func(ctx context.Context, base string) (*http.Request, error) {
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/token",
				strings.NewReader("grant_type=client_credentials&client_id=id&client_secret="+secret))
			if err == nil {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			return req, err
		},
		Authorize: func(req *http.Request, token string) { req.Header.Set("Authorization", "Bearer "+token) },
	})
}

func track(ctx context.Context, base string) (*http.Request, error) {
	return http.NewRequestWithContext(ctx, http.MethodGet, base+"/track", nil)
}

func TestTokenCachedUntilNearExpiry(t *testing.T) {
	s := &server{}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	clock := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c := newClient(ts, clock, "s3cret")
	ctx := context.Background()
	for i := 0; i < 5; i++ {
		if _, err := c.Do(ctx, track); err != nil {
			t.Fatal(err)
		}
	}
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("token fetched %d times for 5 calls, want 1", got)
	}
	clock.Add(58 * time.Minute) // inside the last minute before expiry... not yet
	if _, err := c.Do(ctx, track); err != nil {
		t.Fatal(err)
	}
	if got := s.tokens.Load(); got != 1 {
		t.Fatalf("token refetched at 58 min: %d fetches", got)
	}
	clock.Add(90 * time.Second) // 59.5 min: within the one-minute margin
	resp, err := c.Do(ctx, track)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.tokens.Load(); got != 2 {
		t.Fatalf("token fetches %d, want a refresh before expiry", got)
	}
	if !strings.Contains(string(resp.Body), "tok-2") {
		t.Fatalf("call did not use the new token: %s", resp.Body)
	}
	if st := c.Stats(); st.TokenFetches != 2 || st.Requests != 7 {
		t.Fatalf("stats %+v", st)
	}
}

func TestRefreshOn401(t *testing.T) {
	s := &server{}
	s.script = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n == 2 { // the server revoked the first token
			w.WriteHeader(http.StatusUnauthorized)
			return true
		}
		return false
	}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	ctx := context.Background()
	if _, err := c.Do(ctx, track); err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(ctx, track)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(resp.Body), "tok-2") || s.tokens.Load() != 2 {
		t.Fatalf("after a 401 the client should fetch a new token and retry; body %s, fetches %d", resp.Body, s.tokens.Load())
	}
}

func TestPersistent401IsAuthError(t *testing.T) {
	s := &server{script: func(n int64, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusUnauthorized)
		return true
	}}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	_, err := c.Do(context.Background(), track)
	if !errors.Is(err, carriers.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if s.calls.Load() != 2 {
		t.Fatalf("calls %d, want exactly one retry after refreshing", s.calls.Load())
	}
}

func TestBadSecretIsAuthErrorWithoutSecret(t *testing.T) {
	s := &server{}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "wrong-secret-value")
	_, err := c.Do(context.Background(), track)
	if !errors.Is(err, carriers.ErrAuth) {
		t.Fatalf("err = %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), "wrong-secret-value") {
		t.Fatalf("error leaks the secret: %v", err)
	}
	var ae *carriers.APIError
	if !errors.As(err, &ae) || ae.Status != 401 || ae.Code != "NOT.AUTHORIZED.ERROR" {
		t.Fatalf("err %#v", err)
	}
	// later calls fail at once, without asking the token endpoint again
	for i := 0; i < 5; i++ {
		if _, err := c.Do(context.Background(), track); !errors.Is(err, carriers.ErrAuth) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if s.tokens.Load() != 1 || s.calls.Load() != 0 {
		t.Fatalf("token requests %d, tracking calls %d after a credential failure", s.tokens.Load(), s.calls.Load())
	}
}

func TestRetryAfterHonoured(t *testing.T) {
	s := &server{}
	var first time.Time
	var gap time.Duration
	s.script = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		switch n {
		case 1:
			first = time.Now()
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return true
		case 2:
			gap = time.Since(first)
		}
		return false
	}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	if _, err := c.Do(context.Background(), track); err != nil {
		t.Fatal(err)
	}
	if gap < 900*time.Millisecond {
		t.Fatalf("retried after %v, want at least the 1s the server asked for", gap)
	}
	if st := c.Stats(); st.Honoured429 != 1 {
		t.Fatalf("honoured 429s = %d, want 1", st.Honoured429)
	}
}

func TestRetryAfterBounded(t *testing.T) {
	s := &server{script: func(n int64, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "0")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	_, err := c.Do(context.Background(), track)
	if !errors.Is(err, carriers.ErrRateLimited) {
		t.Fatalf("err = %v, want ErrRateLimited", err)
	}
	if got := s.calls.Load(); got != 4 {
		t.Fatalf("calls = %d, want 1 + 3 retries", got)
	}
	if st := c.Stats(); st.Honoured429 != 3 {
		t.Fatalf("honoured = %d", st.Honoured429)
	}
}

func TestRetryAfterTooLongFailsFast(t *testing.T) {
	s := &server{script: func(n int64, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
		return true
	}}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	_, err := c.Do(context.Background(), track)
	var ae *carriers.APIError
	if !errors.As(err, &ae) || ae.Kind != carriers.ErrRateLimited || ae.RetryAfter != time.Hour {
		t.Fatalf("err = %#v", err)
	}
	// One call, no wait honoured: the client gave up at once instead of
	// sleeping an hour or asking again.
	if n, st := s.calls.Load(), c.Stats(); n != 1 || st.Honoured429 != 0 {
		t.Fatalf("client called %d times and honoured %d waits although the wait exceeds MaxRetryWait", n, st.Honoured429)
	}
}

func TestServerErrorsRetriedThenClassified(t *testing.T) {
	s := &server{script: func(n int64, w http.ResponseWriter, r *http.Request) bool {
		if n <= 2 {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}}
	ts := httptest.NewServer(s.handler(t))
	defer ts.Close()
	c := newClient(ts, &fakeClock{t: time.Now()}, "s3cret")
	if _, err := c.Do(context.Background(), track); err != nil {
		t.Fatalf("two 502s then 200 should succeed: %v", err)
	}
	s.script = func(n int64, w http.ResponseWriter, r *http.Request) bool {
		w.WriteHeader(http.StatusServiceUnavailable)
		return true
	}
	_, err := c.Do(context.Background(), track)
	if !errors.Is(err, carriers.ErrServer) {
		t.Fatalf("err = %v, want ErrServer", err)
	}
}

func TestUnreachableNamesHost(t *testing.T) {
	ts := httptest.NewServer(http.NotFoundHandler())
	url := ts.URL
	ts.Close() // nothing listens there now
	c := New(Config{Courier: "test", Options: carriers.ClientOptions{BaseURL: url}})
	_, err := c.Do(context.Background(), track)
	if err == nil || !strings.Contains(err.Error(), strings.TrimPrefix(url, "http://")) || !strings.Contains(err.Error(), "base URL") {
		t.Fatalf("err = %v", err)
	}
}
