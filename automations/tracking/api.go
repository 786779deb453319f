package tracking

import (
	"context"
	"errors"
	"net"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/dhl"
	"github.com/sellerops/sellerops/carriers/fedex"
	"github.com/sellerops/sellerops/carriers/seventeen"
	"github.com/sellerops/sellerops/carriers/ups"
	"github.com/sellerops/sellerops/carriers/usps"
	"github.com/sellerops/sellerops/localdb/secrets"
)

type clientMaker func(carriers.Credentials, carriers.ClientOptions) (carriers.Tracker, error)

// newClient returns the constructor of a courier's API client, or nil for a
// courier without one.
func newClient(courier string) clientMaker {
	switch courier {
	case ups.Courier:
		return func(c carriers.Credentials, o carriers.ClientOptions) (carriers.Tracker, error) {
			cl, err := ups.New(c, o)
			if err != nil {
				return nil, err
			}
			return cl, nil
		}
	case fedex.Courier:
		return func(c carriers.Credentials, o carriers.ClientOptions) (carriers.Tracker, error) {
			cl, err := fedex.New(c, o)
			if err != nil {
				return nil, err
			}
			return cl, nil
		}
	case usps.Courier:
		return func(c carriers.Credentials, o carriers.ClientOptions) (carriers.Tracker, error) {
			cl, err := usps.New(c, o)
			if err != nil {
				return nil, err
			}
			return cl, nil
		}
	case dhl.Courier:
		return func(c carriers.Credentials, o carriers.ClientOptions) (carriers.Tracker, error) {
			cl, err := dhl.New(c, o)
			if err != nil {
				return nil, err
			}
			return cl, nil
		}
	}
	return nil
}

// SecretsCredentials reads API credentials from the secrets store under
// carrier/<courier>/client_id, client_secret and api_key. A keyring that
// does not answer counts as no keys (the web lookup takes over); the
// reason goes to the log through the caller's logger.
func SecretsCredentials(store secrets.Store) CredentialsFunc {
	return func(ctx context.Context, courier string) (carriers.Credentials, bool, error) {
		get := func(field string) (string, error) {
			v, err := store.Get(ctx, secrets.CarrierKey(courier, field))
			if errors.Is(err, secrets.ErrNotFound) {
				return "", nil
			}
			return v, err
		}
		var c carriers.Credentials
		var err error
		if courier == dhl.Courier || courier == seventeen.Courier {
			if c.APIKey, err = get("api_key"); err != nil {
				return c, false, err
			}
			return c, c.APIKey != "", nil
		}
		if c.ClientID, err = get("client_id"); err != nil || c.ClientID == "" {
			return c, false, err
		}
		if c.ClientSecret, err = get("client_secret"); err != nil {
			return c, false, err
		}
		return c, c.ClientSecret != "", nil
	}
}

// client returns the courier's API client, made on first use, or nil when
// the courier has no client, no keys, or its API is turned off in config.
func (t *Tracker) client(ctx context.Context, courier string) carriers.Tracker {
	t.mu.Lock()
	c, ok := t.clients[courier]
	t.mu.Unlock()
	if ok {
		return c
	}
	c = t.makeClient(ctx, courier)
	t.mu.Lock()
	defer t.mu.Unlock()
	if prev, ok := t.clients[courier]; ok {
		return prev
	}
	t.clients[courier] = c
	return c
}

func (t *Tracker) makeClient(ctx context.Context, courier string) carriers.Tracker {
	mk := newClient(courier)
	cc := t.cfg.Carriers[courier]
	if cc.DisableAPI || t.deps.Credentials == nil {
		return nil
	}
	if mk == nil || cc.Use17Track {
		// No client of its own, or config sends it to 17TRACK.
		if sc := t.seventeen(ctx); sc != nil {
			return sc.For(courier)
		}
		if cc.Use17Track {
			t.log.Warn("tracking: use_17track is set but no 17TRACK key is stored; using the carrier's own API or page", "courier", courier)
		}
		if mk == nil {
			return nil
		}
	}
	creds, ok, err := t.deps.Credentials(ctx, courier)
	if err != nil {
		t.log.Warn("tracking: cannot read API keys; using the tracking page instead", "courier", courier, "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	client, err := mk(creds, carriers.ClientOptions{BaseURL: cc.APIBaseURL, HTTPClient: t.deps.HTTPClient, RatePerSecond: cc.RatePerSec})
	if err != nil {
		t.log.Warn("tracking: API client not usable; using the tracking page instead", "courier", courier, "err", err)
		return nil
	}
	return client
}

// seventeen returns the 17TRACK client, made on first use and shared by
// every courier it serves (one rate limit, one memory of registered
// numbers), or nil when no 17TRACK key is stored or config turns it off.
func (t *Tracker) seventeen(ctx context.Context) *seventeen.Client {
	t.mu.Lock()
	if t.seventeenMade {
		defer t.mu.Unlock()
		return t.seventeenClient
	}
	t.mu.Unlock()
	c := t.makeSeventeen(ctx)
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.seventeenMade {
		t.seventeenMade, t.seventeenClient = true, c
	}
	return t.seventeenClient
}

func (t *Tracker) makeSeventeen(ctx context.Context) *seventeen.Client {
	cc := t.cfg.Carriers[seventeen.Courier]
	if cc.DisableAPI || t.deps.Credentials == nil {
		return nil
	}
	creds, ok, err := t.deps.Credentials(ctx, seventeen.Courier)
	if err != nil {
		t.log.Warn("tracking: cannot read the 17TRACK key", "err", err)
		return nil
	}
	if !ok {
		return nil
	}
	c, err := seventeen.New(creds, carriers.ClientOptions{BaseURL: cc.APIBaseURL, HTTPClient: t.deps.HTTPClient, RatePerSecond: cc.RatePerSec})
	if err != nil {
		t.log.Warn("tracking: 17TRACK client not usable", "err", err)
		return nil
	}
	return c
}

// APIStats returns the traffic counters of the API clients made so far.
func (t *Tracker) APIStats() map[string]carriers.ClientStats {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string]carriers.ClientStats{}
	for name, c := range t.clients {
		if s, ok := c.(interface{ Stats() carriers.ClientStats }); ok {
			out[name] = s.Stats()
		}
	}
	return out
}

// apiClass sorts an API error into a failure class.
func apiClass(err error) string {
	var ne net.Error
	switch {
	case errors.Is(err, context.Canceled):
		return string(automations.Canceled)
	case errors.Is(err, context.DeadlineExceeded):
		return string(automations.Timeout)
	case errors.Is(err, carriers.ErrRateLimited):
		return string(automations.RateLimited)
	case errors.Is(err, carriers.ErrServer):
		return string(automations.SiteError)
	case errors.Is(err, carriers.ErrAuth):
		return string(automations.AuthFailed)
	case errors.Is(err, carriers.ErrBadRequest):
		return ClassBadInput
	case errors.As(err, &ne) && ne.Timeout():
		return string(automations.Timeout)
	}
	return string(automations.SiteError)
}

// api looks a batch up through the courier's API, retrying the numbers whose
// failure may pass (rate limits, server errors, timeouts).
//
// Numbers whose lookup failed for a reason that is the API's, not the
// parcel's (auth_failed, site_error, timeout), come back as fallback when the
// courier has a tracking-page recipe, to be looked up on the page. A
// rate_limited number has already waited out the limit and is not sent to
// the page: the carrier asked to slow down, not to go round it.
func (r *run) api(ctx context.Context, client carriers.Tracker, batch []job) (lines []Line, fallback []job) {
	lines = make([]Line, 0, len(batch))
	pending := batch
	policy := r.opts.Retry
	for try := 1; ; try++ {
		nums := make([]string, len(pending))
		for i, j := range pending {
			nums[i] = j.number
		}
		results, callErr := client.Track(ctx, nums)
		var retry []job
		var wait time.Duration
		for i, j := range pending {
			res := carriers.Result{Number: j.number, Err: callErr}
			if i < len(results) {
				res = results[i]
			}
			if res.Err == nil && callErr != nil && i >= len(results) {
				res.Err = callErr
			}
			now := r.t.deps.Now().UTC()
			if res.Err == nil {
				sh := res.Shipment
				if sh.Number == "" {
					sh.Number = j.number
				}
				if sh.Courier == "" {
					sh.Courier = j.courier
				}
				l := lineFromShipment(j.idx, j.input, sh, SourceAPI, now)
				l.Via = via(client)
				lines = append(lines, r.store(ctx, l))
				continue
			}
			class := apiClass(res.Err)
			if automations.Class(class).Retryable() && try < policy.Attempts && ctx.Err() == nil {
				retry = append(retry, j)
				var ae *carriers.APIError
				if errors.As(res.Err, &ae) && ae.RetryAfter > wait {
					wait = ae.RetryAfter
				}
				continue
			}
			if r.fallsBack(class, j.courier) {
				// The page may still know: the API's failure goes with the
				// web line instead of being stored over the parcel.
				j.fallbackFrom = &LineError{Class: class, Message: res.Err.Error()}
				fallback = append(fallback, j)
				continue
			}
			l := errorLine(j.idx, j.input, j.number, j.courier, class, res.Err.Error())
			l.Source, l.CheckedAt, l.Via = SourceAPI, now, via(client)
			lines = append(lines, r.store(ctx, l))
		}
		if len(retry) == 0 {
			return lines, fallback
		}
		wait = max(wait, policy.Backoff(try))
		if err := sleep(ctx, wait); err != nil {
			for _, j := range retry {
				l := errorLine(j.idx, j.input, j.number, j.courier, string(automations.Canceled), j.number+": lookup stopped: "+err.Error())
				l.Source = SourceAPI
				lines = append(lines, l)
			}
			return lines, fallback
		}
		pending = retry
	}
}

// via names the tracking service that answered for the courier, when the
// client is not the courier's own.
func via(client carriers.Tracker) string {
	if v, ok := client.(interface{ Via() string }); ok {
		return v.Via()
	}
	return ""
}

// fallsBack reports whether an API failure of this class sends the number
// to the courier's tracking page.
func (r *run) fallsBack(class, courier string) bool {
	switch automations.Class(class) {
	case automations.AuthFailed, automations.SiteError, automations.Timeout:
	default:
		return false
	}
	_, err := r.t.recipe(courier)
	return err == nil
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
