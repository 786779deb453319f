package fedex

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// DefaultBaseURL is FedEx's production API root.
const DefaultBaseURL = "https://apis.fedex.com"

// BatchSize is the most numbers FedEx takes in one tracking request.
const BatchSize = 30

// FedEx allows 1,400 transactions per 10 seconds per project; the default
// limit keeps a margin below that. Override per account.
const (
	DefaultRatePerSecond = 100
	DefaultBurst         = 20
	defaultWorkers       = 2
)

// Client calls the FedEx Track API.
type Client struct {
	api *apiclient.Client
}

var _ carriers.Tracker = (*Client)(nil)

// New makes a client. creds needs ClientID (the API key) and ClientSecret
// (the secret key), from the keyring; they go only to the token endpoint.
func New(creds carriers.Credentials, opts carriers.ClientOptions) (*Client, error) {
	if creds.ClientID == "" || creds.ClientSecret == "" {
		return nil, errors.New("fedex: API key (client id) and secret key are required; store them in the keyring (sellerops carriers login fedex)")
	}
	api := apiclient.New(apiclient.Config{
		Courier:      Courier,
		Options:      opts,
		DefaultBase:  DefaultBaseURL,
		DefaultRate:  DefaultRatePerSecond,
		DefaultBurst: DefaultBurst,
		TokenRequest: apiclient.ClientCredentials{Path: "/oauth/token", Creds: creds, In: apiclient.FormFields}.Request,
		Authorize:    apiclient.Bearer,
	})
	return &Client{api: api}, nil
}

// Courier returns "fedex".
func (c *Client) Courier() string { return Courier }

// MaxBatch is 30.
func (c *Client) MaxBatch() int { return BatchSize }

// Stats returns the client's traffic counters.
func (c *Client) Stats() carriers.ClientStats { return c.api.Stats() }

// Track looks the numbers up, 30 to a request.
func (c *Client) Track(ctx context.Context, numbers []string) ([]carriers.Result, error) {
	return c.api.Track(ctx, numbers, BatchSize, defaultWorkers, c.trackBatch)
}

type trackRequest struct {
	IncludeDetailedScans bool `json:"includeDetailedScans"`
	TrackingInfo         []struct {
		TrackingNumberInfo struct {
			TrackingNumber string `json:"trackingNumber"`
		} `json:"trackingNumberInfo"`
	} `json:"trackingInfo"`
}

func (c *Client) trackBatch(ctx context.Context, numbers []string, out []carriers.Result) {
	var body trackRequest
	body.IncludeDetailedScans = true
	norm := make([]string, len(numbers))
	body.TrackingInfo = make([]struct {
		TrackingNumberInfo struct {
			TrackingNumber string `json:"trackingNumber"`
		} `json:"trackingNumberInfo"`
	}, len(numbers))
	for i, n := range numbers {
		norm[i] = carriers.Normalize(n)
		body.TrackingInfo[i].TrackingNumberInfo.TrackingNumber = norm[i]
	}
	payload, err := json.Marshal(body)
	if err != nil {
		fill(out, norm, err)
		return
	}
	resp, err := c.api.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/track/v1/trackingnumbers", bytes.NewReader(payload))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-locale", "en_US")
		return req, nil
	})
	if err != nil {
		fill(out, norm, err)
		return
	}
	if resp.Status < 200 || resp.Status > 299 {
		fill(out, norm, c.api.Rejected(resp))
		return
	}
	parsed, err := Parse(resp.Body)
	if err != nil {
		fill(out, norm, err)
		return
	}
	byNumber := map[string]carriers.Result{}
	for _, r := range parsed {
		if _, dup := byNumber[r.Number]; !dup {
			byNumber[r.Number] = r
		}
	}
	for i, n := range norm {
		r, ok := byNumber[n]
		if !ok {
			r = carriers.Result{Number: n, Shipment: carriers.Shipment{Number: n, Courier: Courier},
				Err: &carriers.APIError{Courier: Courier, Kind: carriers.ErrServer, Status: resp.Status, Message: "the answer has no result for this number"}}
		}
		r.Err = apiclient.WithNumber(r.Err, n)
		out[i] = r
	}
}

func fill(out []carriers.Result, numbers []string, err error) {
	for i, n := range numbers {
		out[i] = carriers.Result{Number: n, Shipment: carriers.Shipment{Number: n, Courier: Courier}, Err: apiclient.WithNumber(err, n)}
	}
}
