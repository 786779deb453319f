package dhl

import (
	"context"
	"errors"
	"net/http"
	"net/url"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// DefaultBaseURL is DHL's production API root.
const DefaultBaseURL = "https://api-eu.dhl.com"

// DHL's default tracking plan allows one call every five seconds (and 250 a
// day); the default bucket keeps to that. Plans with more set their own rate.
const (
	DefaultRatePerSecond = 0.2
	DefaultBurst         = 1
	defaultWorkers       = 4
)

// Client calls the DHL unified tracking API.
type Client struct {
	apiclient.PerNumber
}

var _ carriers.Tracker = (*Client)(nil)

// New makes a client. creds needs APIKey, from the keyring.
func New(creds carriers.Credentials, opts carriers.ClientOptions) (*Client, error) {
	if creds.APIKey == "" {
		return nil, errors.New("dhl: an API key is required; store it in the keyring (sellerops carriers login dhl)")
	}
	api := apiclient.New(apiclient.Config{
		Courier:      Courier,
		Options:      opts,
		DefaultBase:  DefaultBaseURL,
		DefaultRate:  DefaultRatePerSecond,
		DefaultBurst: DefaultBurst,
		Authorize:    func(req *http.Request, _ string) { req.Header.Set("DHL-API-Key", creds.APIKey) },
	})
	c := &Client{apiclient.PerNumber{API: api, Workers: defaultWorkers}}
	c.One = c.trackOne
	return c, nil
}

func (c *Client) trackOne(ctx context.Context, number string) (carriers.Shipment, error) {
	resp, err := c.API.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
		q := url.Values{"trackingNumber": {number}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/track/shipments?"+q.Encode(), nil)
		if err == nil {
			req.Header.Set("Accept", "application/json")
		}
		return req, err
	})
	if err != nil {
		return carriers.Shipment{Number: number, Courier: Courier}, err
	}
	switch {
	case resp.Status == http.StatusNotFound:
		return c.API.NotFound(number), nil
	case resp.Status >= 400:
		return carriers.Shipment{Number: number, Courier: Courier}, c.API.Rejected(resp)
	}
	return Parse(resp.Body, number)
}
