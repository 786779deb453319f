package usps

import (
	"bytes"
	"context"
	"encoding/json"
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
	api *apiclient.Client
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
		TokenRequest: func(ctx context.Context, base string) (*http.Request, error) {
			body, err := json.Marshal(map[string]string{
				"grant_type": "client_credentials", "client_id": creds.ClientID, "client_secret": creds.ClientSecret,
			})
			if err != nil {
				return nil, err
			}
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/oauth2/v3/token", bytes.NewReader(body))
			if err != nil {
				return nil, err
			}
			req.Header.Set("Content-Type", "application/json")
			return req, nil
		},
		Authorize: func(req *http.Request, token string) { req.Header.Set("Authorization", "Bearer "+token) },
	})
	return &Client{api: api}, nil
}

// Courier returns "usps".
func (c *Client) Courier() string { return Courier }

// MaxBatch is 1: Tracking v3 takes one number per request.
func (c *Client) MaxBatch() int { return 1 }

// Stats returns the client's traffic counters.
func (c *Client) Stats() carriers.ClientStats { return c.api.Stats() }

// Track looks each number up.
func (c *Client) Track(ctx context.Context, numbers []string) ([]carriers.Result, error) {
	results := make([]carriers.Result, len(numbers))
	apiclient.Each(ctx, len(numbers), defaultWorkers, func(i int) {
		n := carriers.Normalize(numbers[i])
		sh, err := c.trackOne(ctx, n)
		results[i] = carriers.Result{Number: n, Shipment: sh, Err: apiclient.WithNumber(err, n)}
	})
	if err := ctx.Err(); err != nil {
		apiclient.FillUnfinished(results, numbers, Courier, err)
		return results, err
	}
	for _, r := range results {
		if errors.Is(r.Err, carriers.ErrAuth) {
			return results, r.Err
		}
	}
	return results, nil
}

func (c *Client) trackOne(ctx context.Context, number string) (carriers.Shipment, error) {
	resp, err := c.api.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
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
			return carriers.Shipment{Number: number, Courier: Courier, Tag: carriers.Pending, Subtag: carriers.PendingNoInfo, Events: []carriers.Event{}}, nil
		}
		return sh, nil
	}
	if resp.Status == http.StatusForbidden {
		code, msg := apiclient.ErrorDetail(resp.Body)
		return carriers.Shipment{Number: number, Courier: Courier}, &carriers.APIError{Courier: Courier, Kind: carriers.ErrAuth, Status: resp.Status, Code: code, Message: msg}
	}
	sh, err := Parse(resp.Body, number)
	var ae *carriers.APIError
	if errors.As(err, &ae) {
		ae.Status = resp.Status
	}
	return sh, err
}
