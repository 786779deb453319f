package seventeen

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/internal/apiclient"
)

// DefaultBaseURL is the v2.2 API root.
const DefaultBaseURL = "https://api.17track.net/track/v2.2"

// MaxNumbers is the most numbers one register or gettrackinfo call takes
// (the documentation's limit of 40; more is error -18010014).
const MaxNumbers = 40

// The documented request limit is about three a second. One bucket covers
// both endpoints, so a run never goes above it whatever the mix.
const (
	DefaultRatePerSecond = 3
	DefaultBurst         = 1
	defaultWorkers       = 2
)

// Error codes of the documentation's error table that the client acts on.
const (
	CodeAlreadyRegistered = -18019901 // the number is registered: read it
	CodeNotRegistered     = -18019902 // register it first
)

// Client calls the 17TRACK API. It remembers which numbers it registered,
// so that a number is registered once per client, not once per lookup.
type Client struct {
	api *apiclient.Client

	mu         sync.Mutex
	registered map[string]bool

	registerCalls, infoCalls atomic.Int64
}

var _ carriers.Tracker = (*Client)(nil)

// New makes a client. creds needs APIKey, from the keyring.
func New(creds carriers.Credentials, opts carriers.ClientOptions) (*Client, error) {
	if creds.APIKey == "" {
		return nil, errors.New("17track: an API key is required; store it in the keyring under carrier/17track/api_key (or set SELLEROPS_SECRET_CARRIER_17TRACK_API_KEY)")
	}
	api := apiclient.New(apiclient.Config{
		Courier:      Courier,
		Options:      opts,
		DefaultBase:  DefaultBaseURL,
		DefaultRate:  DefaultRatePerSecond,
		DefaultBurst: DefaultBurst,
		Authorize:    func(req *http.Request, _ string) { req.Header.Set("17token", creds.APIKey) },
	})
	return &Client{api: api, registered: map[string]bool{}}, nil
}

// Courier returns "17track".
func (c *Client) Courier() string { return Courier }

// MaxBatch is 40.
func (c *Client) MaxBatch() int { return MaxNumbers }

// Stats are the traffic counters, shared by every courier the client serves.
func (c *Client) Stats() carriers.ClientStats { return c.api.Stats() }

// Calls counts the register and gettrackinfo calls sent.
func (c *Client) Calls() (register, getTrackInfo int64) {
	return c.registerCalls.Load(), c.infoCalls.Load()
}

// For is the client seen as a Tracker for one courier: its results name
// that courier. Every view shares the client's rate limit and memory of
// registered numbers.
func (c *Client) For(courier string) carriers.Tracker { return &view{c: c, courier: courier} }

type view struct {
	c       *Client
	courier string
}

func (v *view) Courier() string             { return v.courier }
func (v *view) MaxBatch() int               { return MaxNumbers }
func (v *view) Stats() carriers.ClientStats { return v.c.Stats() }
func (v *view) Via() string                 { return Courier }
func (v *view) Track(ctx context.Context, numbers []string) ([]carriers.Result, error) {
	res, err := v.c.Track(ctx, numbers)
	for i := range res {
		res[i].Shipment.Courier = v.courier
	}
	return res, err
}

// Track registers the numbers this client has not registered yet, then
// reads them all, 40 to a call. A number 17TRACK rejects gets an error
// naming 17TRACK's code.
func (c *Client) Track(ctx context.Context, numbers []string) ([]carriers.Result, error) {
	return c.api.Track(ctx, numbers, MaxNumbers, defaultWorkers, c.batch)
}

// item is one entry of a request body.
type item struct {
	Number string `json:"number"`
}

type rejected struct {
	Number string `json:"number"`
	Error  struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

type envelope struct {
	Code int `json:"code"`
	Data struct {
		Accepted []json.RawMessage `json:"accepted"`
		Rejected []rejected        `json:"rejected"`
	} `json:"data"`
}

func (c *Client) batch(ctx context.Context, batch []string, out []carriers.Result) {
	nums := make([]string, len(batch))
	index := map[string]int{}
	for i, n := range batch {
		nums[i] = carriers.Normalize(n)
		index[nums[i]] = i
		out[i] = carriers.Result{Number: nums[i], Shipment: carriers.Shipment{Number: nums[i], Courier: Courier}}
	}
	done := make([]bool, len(nums))
	fail := func(i int, err error) {
		out[i].Err = apiclient.WithNumber(err, nums[i])
		done[i] = true
	}
	// Two rounds at most: a number 17TRACK says is not registered (it was
	// deleted, or registered by an earlier client) is registered again.
	for round := 0; round < 2; round++ {
		var toRegister, toRead []string
		c.mu.Lock()
		for i, n := range nums {
			if done[i] {
				continue
			}
			if !c.registered[n] {
				toRegister = append(toRegister, n)
			}
			toRead = append(toRead, n)
		}
		c.mu.Unlock()
		if len(toRead) == 0 {
			return
		}
		if len(toRegister) > 0 {
			env, err := c.call(ctx, "/register", toRegister, &c.registerCalls)
			if err != nil {
				for _, n := range toRegister {
					fail(index[n], err)
				}
			} else {
				c.mu.Lock()
				for _, raw := range env.Data.Accepted {
					var a item
					if json.Unmarshal(raw, &a) == nil {
						c.registered[carriers.Normalize(a.Number)] = true
					}
				}
				for _, rj := range env.Data.Rejected {
					n := carriers.Normalize(rj.Number)
					if rj.Error.Code == CodeAlreadyRegistered {
						c.registered[n] = true
						continue
					}
					if i, ok := index[n]; ok {
						fail(i, c.rejectedError(rj))
					}
				}
				c.mu.Unlock()
			}
			toRead = toRead[:0]
			for i, n := range nums {
				if !done[i] {
					toRead = append(toRead, n)
				}
			}
			if len(toRead) == 0 {
				return
			}
		}
		env, err := c.call(ctx, "/gettrackinfo", toRead, &c.infoCalls)
		if err != nil {
			for _, n := range toRead {
				fail(index[n], err)
			}
			return
		}
		answered := map[string]bool{}
		for _, raw := range env.Data.Accepted {
			sh, err := Parse(raw)
			if err != nil {
				// a record that does not fit is a failure with its number,
				// never a blank success
				if i, ok := index[sh.Number]; ok {
					fail(i, err)
					answered[sh.Number] = true
				}
				continue
			}
			if i, ok := index[sh.Number]; ok {
				out[i].Shipment = sh
				done[i] = true
				answered[sh.Number] = true
			}
		}
		retry := false
		for _, rj := range env.Data.Rejected {
			n := carriers.Normalize(rj.Number)
			i, ok := index[n]
			if !ok {
				continue
			}
			answered[n] = true
			if rj.Error.Code == CodeNotRegistered && round == 0 {
				c.mu.Lock()
				delete(c.registered, n)
				c.mu.Unlock()
				retry = true
				continue
			}
			fail(i, c.rejectedError(rj))
		}
		for _, n := range toRead {
			if i := index[n]; !answered[n] && !done[i] {
				fail(i, &carriers.APIError{Courier: Courier, Kind: carriers.ErrServer,
					Message: "gettrackinfo answered neither accepted nor rejected for this number"})
			}
		}
		if !retry {
			return
		}
	}
}

// rejectedError is the error for a number 17TRACK rejected: its code and
// message, as a bad request (the number, not the service, is at fault).
func (c *Client) rejectedError(rj rejected) error {
	return &carriers.APIError{Courier: Courier, Number: carriers.Normalize(rj.Number), Kind: carriers.ErrBadRequest,
		Code: strconv.Itoa(rj.Error.Code), Message: rj.Error.Message}
}

// call posts numbers to an endpoint and decodes the envelope. A non-zero
// envelope code is an error for the whole call.
func (c *Client) call(ctx context.Context, path string, numbers []string, counter *atomic.Int64) (*envelope, error) {
	items := make([]item, len(numbers))
	for i, n := range numbers {
		items[i] = item{Number: n}
	}
	body, err := json.Marshal(items)
	if err != nil {
		return nil, err
	}
	resp, err := c.api.Do(ctx, func(ctx context.Context, base string) (*http.Request, error) {
		counter.Add(1)
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+path, bytes.NewReader(body))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	})
	if err != nil {
		return nil, err
	}
	var env envelope
	decodeErr := json.Unmarshal(resp.Body, &env)
	if resp.Status >= 400 {
		e := c.api.Rejected(resp)
		if decodeErr == nil && env.Code != 0 {
			e.Code = strconv.Itoa(env.Code)
		}
		return nil, e
	}
	if decodeErr != nil {
		return nil, &carriers.APIError{Courier: Courier, Kind: carriers.ErrServer, Status: resp.Status,
			Message: fmt.Sprintf("%s answer is not 17TRACK's JSON envelope: %v", path, decodeErr)}
	}
	if env.Code != 0 {
		return nil, &carriers.APIError{Courier: Courier, Kind: envelopeKind(env.Code), Status: resp.Status,
			Code: strconv.Itoa(env.Code), Message: path + " refused the call"}
	}
	return &env, nil
}

// envelopeKind sorts a call-level error code of the documentation's table.
func envelopeKind(code int) error {
	switch code {
	case -18010001, -18010002, -18010004, -18010005: // IP not allowed, bad key, account disabled, unauthorized
		return carriers.ErrAuth
	case -18010003: // internal service error
		return carriers.ErrServer
	}
	return carriers.ErrBadRequest
}
