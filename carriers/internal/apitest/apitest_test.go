package apitest

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// The fake token endpoint takes credentials only the way it is told to, so
// a carrier test fails when its client sends them another way.
func TestTokenEndpointChecksHowCredentialsCome(t *testing.T) {
	ways := []apiclient.CredentialsIn{apiclient.BasicAuth, apiclient.FormFields, apiclient.JSONFields}
	for _, want := range ways {
		s := &Server{TokenPath: "/token", ClientID: "id", ClientSecret: "secret", In: want, TokenPrefix: "tok", TokenRejected: `{"error":"no"}`}
		url := s.Start(t)
		for _, sent := range ways {
			for _, secret := range []string{"secret", "wrong"} {
				cc := apiclient.ClientCredentials{Path: "/token", Creds: carriers.Credentials{ClientID: "id", ClientSecret: secret}, In: sent}
				req, err := cc.Request(context.Background(), url)
				if err != nil {
					t.Fatal(err)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ok := sent == want && secret == "secret"
				if (resp.StatusCode == http.StatusOK) != ok {
					t.Errorf("expecting %v, sent %v with secret %q: HTTP %d %s", want, sent, secret, resp.StatusCode, body)
				}
			}
		}
		if s.Tokens.Load() != 1 {
			t.Errorf("expecting %v: %d tokens handed out, want 1", want, s.Tokens.Load())
		}
	}
}

func TestTrackEndpointCountsChecksAndThrottles(t *testing.T) {
	s := &Server{
		TokenPath: "/token", ClientID: "id", ClientSecret: "secret", In: apiclient.FormFields, TokenPrefix: "tok", ExpiresIn: `"60"`,
		TrackPath: "/track/", ThrottleEvery: 2, ThrottleCall: 5,
		RetryAfter: func() string { return "0" },
		Track:      func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{}`)) },
	}
	url := s.Start(t)
	c := apiclient.New(apiclient.Config{
		Courier: "test",
		Options: carriers.ClientOptions{BaseURL: url, RatePerSecond: -1, MaxRetries: 5},
		TokenRequest: apiclient.ClientCredentials{
			Path: "/token", Creds: carriers.Credentials{ClientID: "id", ClientSecret: "secret"}, In: apiclient.FormFields,
		}.Request,
		Authorize: apiclient.Bearer,
	})
	track := func(ctx context.Context, base string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet, base+"/track/1", nil)
	}
	for i := 0; i < 3; i++ {
		if _, err := c.Do(context.Background(), track); err != nil {
			t.Fatal(err)
		}
	}
	// calls 2, 4 and 6 are every second one, 5 is the one named: three
	// lookups take seven calls, 1, 3 and 7 answered
	if s.Calls.Load() != 7 || s.Throttled.Load() != 4 || c.Stats().Honoured429 != 4 || s.Tokens.Load() != 1 {
		t.Fatalf("calls %d, throttled %d, honoured %d, tokens %d", s.Calls.Load(), s.Throttled.Load(), c.Stats().Honoured429, s.Tokens.Load())
	}
	resp, err := http.Get(url + "/track/1") // no token
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a call without a token got HTTP %d", resp.StatusCode)
	}
	resp, err = http.Get(url + "/elsewhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("an unknown path got HTTP %d", resp.StatusCode)
	}
}
