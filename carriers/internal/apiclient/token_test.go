package apiclient

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/carriers"
)

func TestClientCredentialsRequest(t *testing.T) {
	creds := carriers.Credentials{ClientID: "id", ClientSecret: "s3cret"}
	cases := []struct {
		name        string
		cc          ClientCredentials
		contentType string
		accept      string
		basic       bool
		fields      map[string]string
	}{
		{"basic", ClientCredentials{Path: "/oauth/a", Creds: creds, In: BasicAuth, Accept: "application/json"},
			"application/x-www-form-urlencoded", "application/json", true,
			map[string]string{"grant_type": "client_credentials"}},
		{"form", ClientCredentials{Path: "/oauth/b", Creds: creds, In: FormFields},
			"application/x-www-form-urlencoded", "", false,
			map[string]string{"grant_type": "client_credentials", "client_id": "id", "client_secret": "s3cret"}},
		{"json", ClientCredentials{Path: "/oauth/c", Creds: creds, In: JSONFields},
			"application/json", "", false,
			map[string]string{"grant_type": "client_credentials", "client_id": "id", "client_secret": "s3cret"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req, err := c.cc.Request(context.Background(), "https://api.example")
			if err != nil {
				t.Fatal(err)
			}
			if req.Method != http.MethodPost || req.URL.String() != "https://api.example"+c.cc.Path {
				t.Fatalf("%s %s", req.Method, req.URL)
			}
			if got := req.Header.Get("Content-Type"); got != c.contentType {
				t.Fatalf("Content-Type %q, want %q", got, c.contentType)
			}
			if got := req.Header.Get("Accept"); got != c.accept {
				t.Fatalf("Accept %q, want %q", got, c.accept)
			}
			id, secret, ok := req.BasicAuth()
			if ok != c.basic || (ok && (id != "id" || secret != "s3cret")) {
				t.Fatalf("basic auth %v %q", ok, id)
			}
			raw, err := io.ReadAll(req.Body)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			if c.cc.In == JSONFields {
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatalf("body %s: %v", raw, err)
				}
			} else {
				form, err := url.ParseQuery(string(raw))
				if err != nil {
					t.Fatal(err)
				}
				for k := range form {
					got[k] = form.Get(k)
				}
			}
			if len(got) != len(c.fields) {
				t.Fatalf("body fields %v, want %v", got, c.fields)
			}
			for k, v := range c.fields {
				if got[k] != v {
					t.Fatalf("body fields %v, want %v", got, c.fields)
				}
			}
		})
	}
}

func TestBearer(t *testing.T) {
	req, _ := http.NewRequest(http.MethodGet, "https://api.example/track", nil)
	Bearer(req, "tok")
	if got := req.Header.Get("Authorization"); got != "Bearer tok" {
		t.Fatalf("Authorization %q", got)
	}
	cc := ClientCredentials{Path: "/oauth", Creds: carriers.Credentials{ClientID: "id", ClientSecret: "x-secret"}}
	if s := fmt.Sprintf("%v %+v %#v", cc, cc, cc); strings.Contains(s, "x-secret") {
		t.Fatalf("a token request description prints its secret: %s", s)
	}
}
