package automations

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod/lib/proto"
)

// LocalEndpoint is the name a set gives the browser it launches itself.
const LocalEndpoint = "local"

// Endpoint is one browser of a set: a remote browser's ws:// or wss://
// address, or "" for the browser this process launches (BrowserOptions.Bin
// or the system Chromium).
type Endpoint struct {
	// URL is the CDP websocket address; it may carry a service's token in
	// its query or user info, so it is never shown (see EndpointName).
	URL string
	// Tabs is the most pages this endpoint holds at once; zero means no
	// limit of its own (the pool's size bounds it).
	Tabs int
}

// EndpointName is how an endpoint is shown in lines, logs and errors: its
// scheme, host and port, without user info, path or query, where remote
// services keep their tokens (Browserless's ?token=, the browser id of a
// DevTools address). The launched browser is "local".
func EndpointName(raw string) string {
	if strings.TrimSpace(raw) == "" {
		return LocalEndpoint
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return "(unparsable browser address)"
	}
	return u.Scheme + "://" + u.Host
}

// ParseEndpoints splits a --browser value: one Chromium path, or one or more
// ws:// / wss:// addresses separated by commas. A list that mixes a path
// with addresses, or holds an address that is not ws:// or wss://, is an
// error naming the item.
func ParseEndpoints(spec string) ([]Endpoint, error) {
	spec = strings.TrimSpace(spec)
	if spec == "" || !strings.Contains(spec, ",") {
		return []Endpoint{{URL: spec}}, nil
	}
	var out []Endpoint
	for i, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if !isRemote(part) {
			return nil, fmt.Errorf("browser list item %d (%s): several browsers must all be ws:// or wss:// addresses of remote browsers", i+1, EndpointName(part))
		}
		u, err := url.Parse(part)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("browser list item %d: not a valid ws:// address", i+1)
		}
		out = append(out, Endpoint{URL: part})
	}
	if len(out) == 0 {
		return []Endpoint{{}}, nil
	}
	return out, nil
}

// endpointRetry is how long a dead endpoint rests before it is tried
// again, doubling per failure up to endpointRetryMax.
const (
	endpointRetry    = 2 * time.Second
	endpointRetryMax = time.Minute
)

// BrowserSet is the browsers one process works with: the one it launches,
// or one or more remote browsers. Each is connected on first use; one that
// dies is set aside and tried again later. Close it once, when the process
// is done.
type BrowserSet struct {
	opts BrowserOptions
	now  func() time.Time

	mu      sync.Mutex
	members []*endpointState
	closed  bool
}

type endpointState struct {
	ep   Endpoint
	name string
	// connect is held while the endpoint is being connected, so that two
	// callers never connect it twice.
	connect sync.Mutex
	// dial, when set, gives the browser instead of a launch or connect, and
	// the browser it gives belongs to its caller: the set never closes it.
	dial      func(ctx context.Context) (*Browser, error)
	b         *Browser
	retryAt   time.Time
	failures  int
	lastError error
}

// NewBrowserSet makes a set of the endpoints; none is connected yet. No
// endpoints means the launched browser of opts.
func NewBrowserSet(opts BrowserOptions, endpoints []Endpoint) *BrowserSet {
	if len(endpoints) == 0 {
		endpoints = []Endpoint{{}}
	}
	s := &BrowserSet{opts: opts, now: time.Now}
	for _, ep := range endpoints {
		s.members = append(s.members, &endpointState{ep: ep, name: EndpointName(ep.URL)})
	}
	return s
}

// BrowserSetOf makes a set of one browser that get hands out (launching it
// on first use, for instance) and that its caller owns: the set never
// closes it. name is how lines name it ("local" when empty).
func BrowserSetOf(name string, get func(ctx context.Context) (*Browser, error)) *BrowserSet {
	if name == "" {
		name = LocalEndpoint
	}
	return &BrowserSet{now: time.Now, members: []*endpointState{{name: name, dial: get}}}
}

// Names returns the endpoints' names, in the set's order.
func (s *BrowserSet) Names() []string {
	out := make([]string, len(s.members))
	for i, m := range s.members {
		out[i] = m.name
	}
	return out
}

// Connected returns the first browser of the set that is connected now,
// without connecting any; nil when none is.
func (s *BrowserSet) Connected() *Browser {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, m := range s.members {
		if m.b != nil {
			return m.b
		}
	}
	return nil
}

// ErrSetClosed is returned (wrapped) once the set is closed.
var ErrSetClosed = errors.New("the browsers were closed because sellerops is stopping")

// browser returns member i's browser, connecting it when it has none and
// its rest after a failure is over. It fails at once for a resting one.
func (s *BrowserSet) browser(ctx context.Context, i int) (*Browser, error) {
	m := s.members[i]
	m.connect.Lock()
	defer m.connect.Unlock()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, ErrSetClosed
	}
	if m.b != nil {
		b := m.b
		s.mu.Unlock()
		return b, nil
	}
	if wait := m.retryAt.Sub(s.now()); wait > 0 {
		err := m.lastError
		s.mu.Unlock()
		return nil, fmt.Errorf("browser %s is down (tried again in %s): %w", m.name, wait.Round(100*time.Millisecond), err)
	}
	s.mu.Unlock()

	var (
		b   *Browser
		err error
	)
	if m.dial != nil {
		b, err = m.dial(ctx)
	} else {
		opts := s.opts
		if m.ep.URL != "" {
			opts.Bin = m.ep.URL
		}
		b, err = Launch(ctx, opts)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		if ctx.Err() == nil {
			s.restLocked(m, err)
		}
		return nil, err
	}
	if s.closed {
		_ = b.Close()
		return nil, ErrSetClosed
	}
	m.b, m.failures, m.lastError = b, 0, nil
	return b, nil
}

// restLocked sets a failed endpoint aside for a while, when the set has
// others to use meanwhile; a lone endpoint is tried again at once. s.mu is
// held.
func (s *BrowserSet) restLocked(m *endpointState, err error) {
	m.lastError = err
	if len(s.members) < 2 {
		return
	}
	m.failures++
	wait := endpointRetry << min(m.failures-1, 5)
	m.retryAt = s.now().Add(min(wait, endpointRetryMax))
}

// Primary returns the first endpoint that answers, for flows that keep
// one browser session (a store's sign-in, a claim portal).
func (s *BrowserSet) Primary(ctx context.Context) (*Browser, error) {
	var errs []error
	for i := range s.members {
		b, err := s.browser(ctx, i)
		if err == nil {
			return b, nil
		}
		if ctx.Err() != nil || errors.Is(err, ErrSetClosed) {
			return nil, err
		}
		errs = append(errs, err)
	}
	if len(errs) == 1 {
		return nil, errs[0]
	}
	return nil, fmt.Errorf("no browser of the %d answers: %w", len(s.members), errors.Join(errs...))
}

// alive reports whether member i's browser still answers; one that does
// not is closed and set aside to be tried again later.
func (s *BrowserSet) alive(ctx context.Context, i int, b *Browser) bool {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	_, err := proto.BrowserGetVersion{}.Call(b.rod.Context(ctx))
	if err == nil {
		return true
	}
	s.down(i, b, fmt.Errorf("browser %s stopped answering: %w", s.members[i].name, err))
	return false
}

// down sets member i aside after its browser b failed, unless it was
// already replaced.
func (s *BrowserSet) down(i int, b *Browser, err error) {
	m := s.members[i]
	s.mu.Lock()
	if m.b != b {
		s.mu.Unlock()
		return
	}
	m.b = nil
	s.restLocked(m, err)
	s.mu.Unlock()
	if m.dial == nil {
		_ = b.Close()
	}
}

// Close closes every browser of the set (a launched one quits, remote ones
// are only disconnected) and refuses later use. Extra calls do nothing.
func (s *BrowserSet) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	var list []*Browser
	for _, m := range s.members {
		if m.b != nil && m.dial == nil {
			list = append(list, m.b)
		}
		m.b = nil
	}
	s.mu.Unlock()
	var errs []error
	for _, b := range list {
		errs = append(errs, b.Close())
	}
	return errors.Join(errs...)
}
