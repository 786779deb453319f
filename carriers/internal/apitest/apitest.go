// Package apitest holds what the carrier clients' tests share: Server, a
// stand-in carrier API with an optional OAuth client-credentials token
// endpoint and one tracking endpoint, which counts requests, checks
// credentials and can answer with 429; readers for the recorded carrier
// answers in the conformance data; and a benchmark harness. Only tests use it.
package apitest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
	"github.com/sellerops/sellerops/internal/conformance"
)

// Server is a fake carrier API. Set its fields before the first request;
// read its counters at any time.
type Server struct {
	// TokenPath is the token endpoint; empty for an API without OAuth.
	TokenPath string
	// ClientID and ClientSecret are the only credentials the token endpoint
	// accepts. They must come the way In says, with grant_type
	// client_credentials.
	ClientID, ClientSecret string
	In                     apiclient.CredentialsIn
	// TokenPrefix starts every token handed out: the nth is TokenPrefix
	// followed by n.
	TokenPrefix string
	// ExpiresIn is the expires_in value of token answers as raw JSON, a
	// number (3600) or a string ("3600"); empty means 3600.
	ExpiresIn string
	// TokenRejected is the body of the 401 for wrong credentials.
	TokenRejected string

	// TrackPath is the tracking endpoint; a request goes to it when its
	// path starts with TrackPath.
	TrackPath string
	// Authorized checks a tracking request's credentials; nil means
	// HasToken. A refused request gets a 401 with Unauthorized as its body.
	Authorized   func(r *http.Request) bool
	Unauthorized string
	// ThrottleEvery answers every nth tracking call with 429, ThrottleCall
	// only the nth; zero turns either off.
	ThrottleEvery, ThrottleCall int64
	// RetryAfter gives the Retry-After header of a 429; nil means "0".
	RetryAfter func() string
	// Track answers a tracking call that passed the checks above.
	Track http.HandlerFunc

	// Tokens counts tokens handed out, Calls tracking calls received and
	// Throttled the 429s sent.
	Tokens, Calls, Throttled atomic.Int64
}

// Start serves s on loopback until the test ends and returns its URL.
func (s *Server) Start(t testing.TB) string {
	ts := httptest.NewServer(s)
	t.Cleanup(ts.Close)
	return ts.URL
}

// ServeHTTP routes a request to the token or the tracking endpoint.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case s.TokenPath != "" && r.URL.Path == s.TokenPath:
		s.token(w, r)
	case s.TrackPath != "" && strings.HasPrefix(r.URL.Path, s.TrackPath):
		s.track(w, r)
	default:
		http.NotFound(w, r)
	}
}

func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	grant, id, secret := s.credentials(r)
	if grant != "client_credentials" || id != s.ClientID || secret != s.ClientSecret {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(s.TokenRejected))
		return
	}
	expires := s.ExpiresIn
	if expires == "" {
		expires = "3600"
	}
	n := s.Tokens.Add(1)
	fmt.Fprintf(w, `{"access_token":"%s%d","token_type":"Bearer","expires_in":%s}`, s.TokenPrefix, n, expires)
}

// credentials reads a token request the way s.In says; credentials sent
// any other way are not seen.
func (s *Server) credentials(r *http.Request) (grant, id, secret string) {
	switch s.In {
	case apiclient.JSONFields:
		var body map[string]string
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			return "", "", ""
		}
		return body["grant_type"], body["client_id"], body["client_secret"]
	case apiclient.FormFields:
		return r.PostFormValue("grant_type"), r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	default:
		id, secret, ok := r.BasicAuth()
		if !ok || r.PostFormValue("client_secret") != "" {
			return "", "", ""
		}
		return r.PostFormValue("grant_type"), id, secret
	}
}

func (s *Server) track(w http.ResponseWriter, r *http.Request) {
	n := s.Calls.Add(1)
	authorized := s.Authorized
	if authorized == nil {
		authorized = s.HasToken
	}
	if !authorized(r) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(s.Unauthorized))
		return
	}
	if (s.ThrottleEvery > 0 && n%s.ThrottleEvery == 0) || n == s.ThrottleCall {
		s.Throttled.Add(1)
		wait := "0"
		if s.RetryAfter != nil {
			wait = s.RetryAfter()
		}
		w.Header().Set("Retry-After", wait)
		w.WriteHeader(http.StatusTooManyRequests)
		return
	}
	s.Track(w, r)
}

// HasToken reports whether r carries, as a bearer token, one of the tokens
// s hands out.
func (s *Server) HasToken(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "Bearer "+s.TokenPrefix)
}

// Sample reads a recorded answer of courier's API from the conformance data.
func Sample(t testing.TB, courier, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(conformance.File(t, "carrier_responses", courier, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// SampleNumber returns the tracking number a recorded answer is about, read
// from the sample's .meta.json so the public number is not repeated in tests.
func SampleNumber(t testing.TB, courier, name string) string {
	t.Helper()
	b := Sample(t, courier, name+".meta.json")
	var meta struct {
		TrackingNumber string `json:"tracking_number"`
	}
	if err := json.Unmarshal(b, &meta); err != nil {
		t.Fatalf("%s.meta.json: %v", name, err)
	}
	if meta.TrackingNumber == "" {
		t.Fatalf("%s.meta.json names no tracking_number", name)
	}
	return meta.TrackingNumber
}

// Client is what the benchmarks need of a carrier client.
type Client interface {
	carriers.Tracker
	Stats() carriers.ClientStats
}

// Lookup is one way of looking a benchmark's numbers up.
type Lookup func(ctx context.Context, c Client) error

// Bench runs lookup n times a loop on a fresh server and client from start
// (whose stop function ends the server), and reports lookups a second for
// the numbers lookup covers and the 429s the client honoured per loop.
func Bench(b *testing.B, numbers int, start func(b *testing.B) (c Client, stop func()), lookup Lookup) {
	var honoured int64
	for b.Loop() {
		c, stop := start(b)
		if err := lookup(context.Background(), c); err != nil {
			stop()
			b.Fatal(err)
		}
		honoured += c.Stats().Honoured429
		stop()
	}
	b.ReportMetric(float64(numbers*b.N)/b.Elapsed().Seconds(), "lookups/s")
	b.ReportMetric(float64(honoured)/float64(b.N), "429s-honoured/op")
}

// OneByOne looks the numbers up one Track call at a time, on one goroutine:
// the baseline the pooled and batched lookups are measured against.
func OneByOne(numbers []string) Lookup {
	return func(ctx context.Context, c Client) error {
		for _, n := range numbers {
			if _, err := c.Track(ctx, []string{n}); err != nil {
				return err
			}
		}
		return nil
	}
}

// InParts splits the numbers into parts and looks each part up with its own
// Track call, all parts at once.
func InParts(numbers []string, parts int) Lookup {
	return func(ctx context.Context, c Client) error {
		var wg sync.WaitGroup
		errs := make([]error, parts)
		for p := 0; p < parts; p++ {
			wg.Add(1)
			go func(p int, part []string) {
				defer wg.Done()
				_, errs[p] = c.Track(ctx, part)
			}(p, numbers[p*len(numbers)/parts:(p+1)*len(numbers)/parts])
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				return err
			}
		}
		return nil
	}
}
