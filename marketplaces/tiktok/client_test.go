package tiktok

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/apierr"
)

// The sign of a Get Order List call, worked out from "Sign your API
// request" without this package: the string to hash is the app secret, the
// path, the query parameters but sign and access_token sorted by key as
// {key}{value}, the JSON body and the app secret again,
//
//	sec/order/202309/orders/searchapp_key6a6xyzpage_size100shop_cipherROW_abctimestamp1700000000{"update_time_ge":1699990000}sec
//
// and its HMAC-SHA256 keyed by "sec" (printf ... | openssl dgst -sha256
// -hmac sec) is the hex below.
func TestSignVector(t *testing.T) {
	t.Parallel()
	q := url.Values{"timestamp": {"1700000000"}, "app_key": {"6a6xyz"}, "shop_cipher": {"ROW_abc"}, "page_size": {"100"},
		"access_token": {"left-out"}, "sign": {"left-out"}}
	got := Sign("sec", "/order/202309/orders/search", q, []byte(`{"update_time_ge":1699990000}`))
	if want := "6dcb632584cf2dd658466fc9267ec6179905e3a5b5bb85081ed2a32bc4e43eed"; got != want {
		t.Fatalf("sign = %s, want %s", got, want)
	}
}

// fake is an Open API stand-in written from the published shapes: the
// auth host's token refresh, and a handler per path that checks the sign.
type fake struct {
	t        *testing.T
	refresh  atomic.Int32
	token    atomic.Value // the access token it accepts
	handlers map[string]func(w http.ResponseWriter, r *http.Request, body []byte)
}

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/api/v2/token/refresh" {
		f.refresh.Add(1)
		q := r.URL.Query()
		for k, v := range map[string]string{"app_key": "key", "app_secret": "sec", "refresh_token": "rt", "grant_type": "refresh_token"} {
			if q.Get(k) != v {
				writeEnv(w, http.StatusOK, 36004005, "can not find related auth record", nil)
				return
			}
		}
		tok := fmt.Sprintf("TTP_access%d", f.refresh.Load())
		f.token.Store(tok)
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"access_token": tok, "access_token_expire_in": time.Now().Add(7 * 24 * time.Hour).Unix(),
			"refresh_token": "rt", "refresh_token_expire_in": time.Now().Add(365 * 24 * time.Hour).Unix()})
		return
	}
	body, _ := io.ReadAll(r.Body)
	q := r.URL.Query()
	if q.Get("sign") != Sign("sec", r.URL.Path, q, body) || q.Get("app_key") != "key" || q.Get("timestamp") == "" {
		writeEnv(w, http.StatusUnauthorized, 106001, "Invalid credentials. The 'sign' query parameter is invalid.", nil)
		return
	}
	if tok, _ := f.token.Load().(string); r.Header.Get("x-tts-access-token") != tok || tok == "" {
		writeEnv(w, http.StatusUnauthorized, 105002, "access token is expired, please refresh it", nil)
		return
	}
	h, ok := f.handlers[r.Method+" "+r.URL.Path]
	if !ok {
		writeEnv(w, http.StatusNotFound, 36009004, "no such path", nil)
		return
	}
	h(w, r, body)
}

func writeEnv(w http.ResponseWriter, status, code int, msg string, data any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"code": code, "message": msg, "request_id": "202601010000000000TEST", "data": data})
}

func newFake(t *testing.T) (*fake, *Client) {
	t.Helper()
	f := &fake{t: t, handlers: map[string]func(http.ResponseWriter, *http.Request, []byte){}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, err := New(Config{AppKey: "key", AppSecret: "sec", RefreshToken: "rt", ShopCipher: "ROW_abc", BaseURL: srv.URL, TokenURL: srv.URL + "/api/v2/token/refresh"})
	if err != nil {
		t.Fatal(err)
	}
	return f, c
}

// A signed call with a refreshed token reaches the handler; the shop
// cipher rides in the query, the token in x-tts-access-token only.
func TestSignedCallAndRefresh(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	f.handlers["GET /logistics/202309/warehouses"] = func(w http.ResponseWriter, r *http.Request, _ []byte) {
		if r.URL.Query().Get("shop_cipher") != "ROW_abc" || r.URL.Query().Has("access_token") {
			t.Errorf("query %s", r.URL.RawQuery)
		}
		writeEnv(w, http.StatusOK, 0, "success", map[string]any{"warehouses": []map[string]any{{"id": "7200", "address": map[string]string{"region_code": "GB"}}}})
	}
	ctx := testwait.Context(t)
	got, err := c.Warehouses(ctx)
	if err != nil || got["7200"] != "GB" {
		t.Fatalf("warehouses %v, %v", got, err)
	}
	if _, err := c.Warehouses(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.refresh.Load(); n != 1 {
		t.Fatalf("%d refreshes, want 1 (the token is cached)", n)
	}
	// The shop revokes the token: 105002 gets one new token, then goes on.
	f.token.Store("TTP_other")
	if _, err := c.Warehouses(ctx); err != nil {
		t.Fatal(err)
	}
	if n := f.refresh.Load(); n != 2 {
		t.Fatalf("%d refreshes, want 2", n)
	}
}

// Each published code is its class, and a non-zero code is never a
// success even with HTTP 200.
func TestCodesAreClasses(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status, code int
		want         apierr.Class
	}{
		{http.StatusUnauthorized, CodeInvalidSign, apierr.AuthFailed},
		{http.StatusOK, CodeAuthInvalid, apierr.AuthFailed},
		{http.StatusOK, CodeNoAPIPackage, apierr.AuthFailed},
		{http.StatusTooManyRequests, CodeTooManyRequests, apierr.RateLimited},
		{http.StatusOK, CodeInternal, apierr.SiteError},
		{http.StatusInternalServerError, CodeInternal, apierr.SiteError},
		{http.StatusOK, CodeInvalidParam, apierr.BadInput},
	}
	for _, tc := range cases {
		f, c := newFake(t)
		c.cfg.MaxRetries = 1
		var calls atomic.Int32
		f.handlers["GET /logistics/202309/warehouses"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
			calls.Add(1)
			writeEnv(w, tc.status, tc.code, "refused", map[string]any{"warehouses": []any{}})
		}
		_, err := c.Warehouses(testwait.Context(t))
		var e *apierr.Error
		if !errors.As(err, &e) || e.Class != tc.want || e.Code != fmt.Sprint(tc.code) {
			t.Errorf("HTTP %d code %d: %v, want class %s", tc.status, tc.code, err, tc.want)
		}
		retried := tc.want == apierr.RateLimited || tc.want == apierr.SiteError
		if n := calls.Load(); (n == 2) != retried {
			t.Errorf("HTTP %d code %d: %d calls (retried %v)", tc.status, tc.code, n, retried)
		}
	}
}

// A wrong app secret is refused as TikTok refuses it (106001), and a
// refresh token TikTok does not know fails the call as auth_failed.
func TestRefusedCredentials(t *testing.T) {
	t.Parallel()
	f, _ := newFake(t)
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	for name, cfg := range map[string]Config{
		"secret":  {AppKey: "key", AppSecret: "wrong", RefreshToken: "rt"},
		"refresh": {AppKey: "key", AppSecret: "sec", RefreshToken: "other"},
	} {
		cfg.BaseURL, cfg.TokenURL = srv.URL, srv.URL+"/api/v2/token/refresh"
		c, _ := New(cfg)
		_, err := c.Warehouses(testwait.Context(t))
		if apierr.ClassOf(err) != apierr.AuthFailed {
			t.Errorf("%s: %v, want auth_failed", name, err)
		}
		if strings.Contains(fmt.Sprint(err), "sec") && name == "refresh" {
			t.Errorf("%s: the error names the secret: %v", name, err)
		}
	}
}

// An answer without the envelope, or a success without the keys the page
// needs, is a site error, never an empty success.
func TestShapeMisfits(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	answer := ""
	f.handlers["POST /order/202309/orders/search"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		_, _ = io.WriteString(w, answer)
	}
	for _, a := range []string{`<html>busy</html>`, `{"code":0,"message":"success","data":null}`,
		`{"code":0,"message":"success","data":{"orders":[]}}`,
		`{"code":0,"message":"success","data":{"orders":[{"id":"5","create_time":1,"update_time":2,"payment":{"currency":"GBP","total_amount":"ten"},"line_items":[{"id":"51"}]}],"next_page_token":""}}`} {
		answer = a
		_, err := c.SearchOrders(testwait.Context(t), time.Unix(0, 0), PageSize, "")
		if apierr.ClassOf(err) != apierr.SiteError {
			t.Errorf("%s: %v, want site_error", a, err)
		}
	}
}

func TestContextEndsIsTimeout(t *testing.T) {
	t.Parallel()
	f, c := newFake(t)
	f.handlers["GET /logistics/202309/warehouses"] = func(w http.ResponseWriter, _ *http.Request, _ []byte) {
		writeEnv(w, http.StatusTooManyRequests, CodeTooManyRequests, "Too many requests", nil)
	}
	ctx, cancel := context.WithCancel(testwait.Context(t))
	cancel()
	if _, err := c.Warehouses(ctx); apierr.ClassOf(err) != apierr.Timeout {
		t.Fatalf("%v, want timeout", err)
	}
}
