package ups

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// DefaultBaseURL is UPS's production API root.
const DefaultBaseURL = "https://onlinetools.ups.com"

// Defaults for the client-side limit. UPS publishes no fixed quota for the
// Track API; this stays well under what it tolerates. Override per account.
const (
	DefaultRatePerSecond = 10
	DefaultBurst         = 10
	defaultWorkers       = 4
)

// Client calls the UPS Track API.
type Client struct {
	apiclient.PerNumber
}

var _ carriers.Tracker = (*Client)(nil)

// New makes a client. creds needs ClientID and ClientSecret (from the
// keyring); they are sent only to the token endpoint, as HTTP Basic auth.
func New(creds carriers.Credentials, opts carriers.ClientOptions) (*Client, error) {
	if creds.ClientID == "" || creds.ClientSecret == "" {
		return nil, errors.New("ups: client id and client secret are required; store them in the keyring (sellerops carriers login ups)")
	}
	api := apiclient.New(apiclient.Config{
		Courier:      Courier,
		Options:      opts,
		DefaultBase:  DefaultBaseURL,
		DefaultRate:  DefaultRatePerSecond,
		DefaultBurst: DefaultBurst,
		TokenRequest: apiclient.ClientCredentials{
			Path: "/security/v1/oauth/token", Creds: creds, In: apiclient.BasicAuth, Accept: "application/json",
		}.Request,
		Authorize: apiclient.Bearer,
	})
	c := &Client{apiclient.PerNumber{API: api, Workers: defaultWorkers}}
	c.One = c.trackOne
	return c, nil
}

func (c *Client) trackOne(ctx context.Context, number string) (carriers.Shipment, error) {
	resp, err := c.API.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
		q := url.Values{"locale": {"en_US"}, "returnSignature": {"false"}}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/track/v1/details/"+url.PathEscape(number)+"?"+q.Encode(), nil)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set("transId", transID())
		req.Header.Set("transactionSrc", "sellerops")
		return req, nil
	})
	if err != nil {
		return carriers.Shipment{Number: number, Courier: Courier}, err
	}
	switch {
	case resp.Status >= 200 && resp.Status < 300, resp.Status == http.StatusNotFound:
		sh, perr := Parse(resp.Body, number)
		if perr != nil && resp.Status == http.StatusNotFound {
			return c.API.NotFound(number), nil
		}
		return sh, perr
	default:
		e := c.API.Rejected(resp)
		if notFoundCodes[e.Code] {
			return c.API.NotFound(number), nil
		}
		return carriers.Shipment{Number: number, Courier: Courier}, e
	}
}

func transID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
