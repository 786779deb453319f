package usps

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// DefaultBaseURL is USPS's production API root.
const DefaultBaseURL = "https://apis.usps.com"

// USPS gives new API accounts a quota of 60 requests an hour; the default
// bucket spends it at that pace, with the hour's 60 usable at once. Accounts
// with a raised quota set their own rate.
const (
	DefaultRatePerSecond = 60.0 / 3600
	DefaultBurst         = 60
	defaultWorkers       = 4
)

// Client calls the USPS Tracking API v3.
type Client struct {
	apiclient.PerNumber
}

var _ carriers.Tracker = (*Client)(nil)

// New makes a client. creds needs ClientID (consumer key) and ClientSecret
// (consumer secret), from the keyring; they go only to the token endpoint.
func New(creds carriers.Credentials, opts carriers.ClientOptions) (*Client, error) {
	if creds.ClientID == "" || creds.ClientSecret == "" {
		return nil, errors.New("usps: consumer key (client id) and consumer secret are required; store them in the keyring (sellerops carriers login usps)")
	}
	api := apiclient.New(apiclient.Config{
		Courier:      Courier,
		Options:      opts,
		DefaultBase:  DefaultBaseURL,
		DefaultRate:  DefaultRatePerSecond,
		DefaultBurst: DefaultBurst,
		TokenRequest: apiclient.ClientCredentials{Path: "/oauth2/v3/token", Creds: creds, In: apiclient.JSONFields}.Request,
		Authorize:    apiclient.Bearer,
	})
	c := &Client{apiclient.PerNumber{API: api, Workers: defaultWorkers}}
	c.One = c.trackOne
	return c, nil
}

func (c *Client) trackOne(ctx context.Context, number string) (carriers.Shipment, error) {
	resp, err := c.API.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/tracking/v3/tracking/"+url.PathEscape(number)+"?expand=DETAIL", nil)
		if err == nil {
			req.Header.Set("Accept", "application/json")
		}
		return req, err
	})
	if err != nil {
		return carriers.Shipment{Number: number, Courier: Courier}, err
	}
	if resp.Status == http.StatusNotFound {
		sh, perr := Parse(resp.Body, number)
		if perr != nil || sh.Found {
			return c.API.NotFound(number), nil
		}
		return sh, nil
	}
	if resp.Status == http.StatusForbidden {
		return carriers.Shipment{Number: number, Courier: Courier}, c.API.APIError(carriers.ErrAuth, resp)
	}
	sh, err := Parse(resp.Body, number)
	var ae *carriers.APIError
	if errors.As(err, &ae) {
		ae.Status = resp.Status
	}
	return sh, err
}
