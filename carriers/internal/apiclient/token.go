package apiclient

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// CredentialsIn says where an OAuth client-credentials token request carries
// the client id and secret.
type CredentialsIn int

const (
	// BasicAuth sends them as HTTP Basic auth; the form body holds only
	// grant_type.
	BasicAuth CredentialsIn = iota
	// FormFields sends client_id and client_secret beside grant_type in a
	// form body.
	FormFields
	// JSONFields sends grant_type, client_id and client_secret as a JSON
	// object.
	JSONFields
)

// ClientCredentials describes a carrier's OAuth client-credentials token
// request. Its Request method fits Config.TokenRequest.
type ClientCredentials struct {
	Path  string               // the token endpoint, below the base URL
	Creds carriers.Credentials // ClientID and ClientSecret are used
	In    CredentialsIn
	// Accept, when set, is sent as the Accept header.
	Accept string
}

// Request builds one token request against base.
func (cc ClientCredentials) Request(ctx context.Context, base string) (*http.Request, error) {
	var (
		body        io.Reader
		contentType string
	)
	switch cc.In {
	case JSONFields:
		b, err := json.Marshal(map[string]string{
			"grant_type": "client_credentials", "client_id": cc.Creds.ClientID, "client_secret": cc.Creds.ClientSecret,
		})
		if err != nil {
			return nil, err
		}
		body, contentType = bytes.NewReader(b), "application/json"
	case FormFields:
		form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cc.Creds.ClientID}, "client_secret": {cc.Creds.ClientSecret}}
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	default:
		form := url.Values{"grant_type": {"client_credentials"}}
		body, contentType = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+cc.Path, body)
	if err != nil {
		return nil, err
	}
	if cc.In == BasicAuth {
		req.SetBasicAuth(cc.Creds.ClientID, cc.Creds.ClientSecret)
	}
	req.Header.Set("Content-Type", contentType)
	if cc.Accept != "" {
		req.Header.Set("Accept", cc.Accept)
	}
	return req, nil
}

// Bearer sets token as an OAuth bearer token; it fits Config.Authorize.
func Bearer(req *http.Request, token string) { req.Header.Set("Authorization", "Bearer "+token) }
