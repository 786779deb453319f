// Package sandbox serves realistic stand-ins for three marketplaces (amazon,
// ebay, tiktok) and four carriers (ups, fedex, usps, dhl) on loopback, each
// site on its own port, backed by a seeded world and a clock that tests
// advance. Faults (latency, 5xx, 429, CAPTCHA, session expiry, TOTP
// rejection, a second DOM variant) are switched on by a spec string.
package sandbox

import (
	"context"
	"crypto/rand"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	mrand "math/rand/v2"
)

// Options configure a sandbox.
type Options struct {
	Host     string    // default "127.0.0.1"; every site listens on its own port on this host
	Seed     int64     // same seed, same world
	Faults   string    // fault spec (see ParseFaults); "" = none
	Start    time.Time // the sandbox clock's start; zero = DefaultStart
	Stores   int       // stores per marketplace; default 1
	Orders   int       // orders (and threads) per store; default 300
	BasePort int       // 0 = any free port; otherwise sites take BasePort, BasePort+1, ... in Sites() order

	// LaterOrders are orders per store placed after the start, one about
	// every six hours, each shipped within a day: the sites show them as
	// the clock reaches them. None by default; the world's other orders
	// are the same either way.
	LaterOrders int
}

// Site is one served site.
type Site struct {
	Name string `json:"name"`
	Kind string `json:"kind"` // "marketplace", "carrier", "tracking" (17TRACK) or "control"
	URL  string `json:"url"`
}

// Account holds the demo credentials of a marketplace store or a carrier.
// Marketplace stores log in with Username, Password and a TOTP code from
// TOTPSecret. Carriers' claim portals take Username and Password; their
// APIs take ClientID and ClientSecret (ups, fedex, usps) or APIKey (dhl).
type Account struct {
	Name         string `json:"name"`
	Site         string `json:"site"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	TOTPSecret   string `json:"totp_secret,omitempty"`
	ClientID     string `json:"client_id,omitempty"`
	ClientSecret string `json:"client_secret,omitempty"`
	APIKey       string `json:"api_key,omitempty"`
}

// Sandbox is a running set of sites.
type Sandbox struct {
	opts     Options
	world    *World
	start    time.Time
	offset   atomic.Int64 // clock advance, in nanoseconds
	faults   atomic.Pointer[faultSet]
	initial  *faultSet
	rolls    *roller
	st       *stateStore
	sites    []*site
	byName   map[string]*site
	accounts map[string]Account
	closed   atomic.Bool
	done     chan struct{} // closed by Close
	wg       sync.WaitGroup
}

// siteOrder is the order of Sites().
var siteOrder = []struct{ name, kind string }{
	{"amazon", "marketplace"}, {"ebay", "marketplace"}, {"tiktok", "marketplace"},
	{"ups", "carrier"}, {"fedex", "carrier"}, {"usps", "carrier"}, {"dhl", "carrier"},
	{"control", "control"},
	{SeventeenSite, "tracking"},
	{TranslateSite, "translation"},
}

// Start builds the world and starts every site. Close stops them; so does
// cancelling ctx.
func Start(ctx context.Context, opts Options) (*Sandbox, error) {
	if opts.Host == "" {
		opts.Host = "127.0.0.1"
	}
	if opts.Stores <= 0 {
		opts.Stores = 1
	}
	if opts.Orders <= 0 {
		opts.Orders = 300
	}
	start := opts.Start
	if start.IsZero() {
		start = DefaultStart
	}
	fs, err := parseFaults(opts.Faults)
	if err != nil {
		return nil, fmt.Errorf("sandbox faults: %w", err)
	}
	sb := &Sandbox{opts: opts, start: start.UTC(), initial: fs, rolls: newRoller(opts.Seed), st: newStateStore(),
		byName: map[string]*site{}, done: make(chan struct{})}
	sb.faults.Store(fs)
	sb.world = generateWorld(opts.Seed, sb.start, opts.Stores, opts.Orders)
	sb.world.addLaterOrders(opts.Seed, sb.start, opts.LaterOrders)
	sb.accounts = makeAccounts(opts.Seed, sb.world)
	sb.accounts[SeventeenSite] = seventeenAccount(opts.Seed)
	sb.accounts[TranslateSite] = translateAccount(opts.Seed)
	if err := loadTemplates(); err != nil {
		return nil, err
	}
	for i, so := range siteOrder {
		addr := net.JoinHostPort(opts.Host, "0")
		if opts.BasePort > 0 {
			addr = net.JoinHostPort(opts.Host, strconv.Itoa(opts.BasePort+i))
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			sb.Close()
			return nil, fmt.Errorf("sandbox site %s: listen on %s: %w (pick another --addr or base port)", so.name, addr, err)
		}
		s := newSite(sb, so.name, so.kind, ln)
		sb.sites = append(sb.sites, s)
		sb.byName[so.name] = s
	}
	for _, s := range sb.sites {
		switch s.kind {
		case "marketplace":
			switch s.name {
			case "amazon":
				mountAmazon(s)
				mountSPAPI(s)
			case "ebay":
				mountEbay(s)
				mountEbayAPI(s)
				mountEbayTrading(s)
			case "tiktok":
				mountTiktok(s)
				mountTiktokAPI(s)
			}
		case "carrier":
			mountCarrier(s)
		case "tracking":
			mountSeventeen(s)
		case "translation":
			mountTranslate(s)
		default:
			mountControl(s)
		}
		mountCommon(s)
		sb.wg.Add(1)
		go func() {
			defer sb.wg.Done()
			_ = s.srv.Serve(s.ln)
		}()
	}
	go func() {
		select {
		case <-ctx.Done():
			sb.Close()
		case <-sb.done:
		}
	}()
	return sb, nil
}

// Serve runs the sandbox for the `sellerops sandbox` command: it prints
// "name URL" per site, one per line, and serves until ctx is done.
func Serve(ctx context.Context, opts Options, out io.Writer) error {
	sb, err := Start(ctx, opts)
	if err != nil {
		return err
	}
	defer sb.Close()
	for _, s := range sb.Sites() {
		if _, err := fmt.Fprintf(out, "%s %s\n", s.Name, s.URL); err != nil {
			return err
		}
	}
	<-ctx.Done()
	return nil
}

// Sites lists every site in a fixed order: marketplaces, carriers, control.
func (sb *Sandbox) Sites() []Site {
	out := make([]Site, 0, len(sb.sites))
	for _, s := range sb.sites {
		out = append(out, Site{Name: s.name, Kind: s.kind, URL: s.url})
	}
	return out
}

// URL returns a site's base URL (no trailing slash), or "" for an unknown name.
func (sb *Sandbox) URL(name string) string {
	if s, ok := sb.byName[name]; ok {
		return s.url
	}
	return ""
}

// Account returns the demo credentials of a store ("amazon", "amazon-2", ...)
// or a carrier ("ups", ...). The zero Account means the name is unknown.
func (sb *Sandbox) Account(name string) Account { return sb.accounts[name] }

// Accounts returns every demo account.
func (sb *Sandbox) Accounts() []Account {
	var out []Account
	for _, st := range sb.world.Stores {
		out = append(out, sb.accounts[st.ID])
	}
	for _, c := range Carriers {
		out = append(out, sb.accounts[c])
	}
	return out
}

// Now is the sandbox clock: the start plus every Advance since the last Reset.
func (sb *Sandbox) Now() time.Time {
	return sb.start.Add(time.Duration(sb.offset.Load()))
}

// Advance moves the sandbox clock forward. Negative durations are ignored.
func (sb *Sandbox) Advance(d time.Duration) {
	if d > 0 {
		sb.offset.Add(int64(d))
	}
}

// SetFaults replaces the fault spec. A bad spec changes nothing and the
// error names the bad term.
func (sb *Sandbox) SetFaults(spec string) error {
	fs, err := parseFaults(spec)
	if err != nil {
		return err
	}
	sb.faults.Store(fs)
	return nil
}

// Faults returns the current fault spec in normal form.
func (sb *Sandbox) Faults() string { return sb.faults.Load().spec }

func (sb *Sandbox) faultsFor(site string) FaultConfig { return sb.faults.Load().forSite(site) }

// Reset puts the sandbox back as it started: clock, faults, sessions,
// replies, claims and counters.
func (sb *Sandbox) Reset() {
	sb.offset.Store(0)
	sb.faults.Store(sb.initial)
	sb.rolls.reset()
	sb.st.reset()
	for _, s := range sb.sites {
		s.resetSessions()
	}
	sb.resetSeventeen()
}

// World returns the seeded data. Treat it as read-only.
func (sb *Sandbox) World() *World { return sb.world }

// Close stops every site. It is safe to call more than once.
func (sb *Sandbox) Close() error {
	if sb.closed.Swap(true) {
		return nil
	}
	close(sb.done)
	var errs []error
	for _, s := range sb.sites {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		if err := s.srv.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("sandbox site %s: %w", s.name, err))
			_ = s.srv.Close()
		}
		cancel()
		_ = s.ln.Close() // a site that never served still holds its port
	}
	sb.wg.Wait()
	seventeenStates.Delete(sb)
	return errors.Join(errs...)
}

// makeAccounts derives demo credentials from the seed.
func makeAccounts(seed int64, w *World) map[string]Account {
	r := mrand.New(mrand.NewPCG(uint64(seed), 0xacc0))
	word := func(n int) string {
		const chars = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
		b := make([]byte, n)
		for i := range b {
			b[i] = chars[r.IntN(len(chars))]
		}
		return string(b)
	}
	secret := func() string {
		b := make([]byte, 20)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)
	}
	out := map[string]Account{}
	for _, st := range w.Stores {
		a := Account{Name: st.ID, Site: st.Marketplace, Password: word(14), TOTPSecret: secret()}
		switch st.Marketplace {
		case "ebay":
			a.Username = "seller_" + st.ID
		default:
			a.Username = "seller+" + st.ID + "@example.com"
		}
		out[st.ID] = a
	}
	for _, c := range Carriers {
		a := Account{Name: c, Site: c, Username: "shipper-" + c, Password: word(14)}
		if c == "dhl" {
			a.APIKey = word(32)
		} else {
			a.ClientID, a.ClientSecret = word(24), word(40)
		}
		out[c] = a
	}
	return out
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// storeForUser finds the store whose account has this username on a marketplace.
func (sb *Sandbox) storeForUser(marketplace, user string) (Account, bool) {
	for _, st := range sb.world.Stores {
		a := sb.accounts[st.ID]
		if st.Marketplace == marketplace && a.Username == user {
			return a, true
		}
	}
	return Account{}, false
}

// SetAddr fills Host and BasePort from a --addr value such as
// "127.0.0.1:0" (any free ports) or "127.0.0.1:8700" (ports 8700-8707).
func (o *Options) SetAddr(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox address %q: want HOST:PORT, e.g. 127.0.0.1:0 or 127.0.0.1:8700", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p > 65535-len(siteOrder) {
		return fmt.Errorf("sandbox address %q: port %q must be 0 or a number up to %d", addr, port, 65535-len(siteOrder))
	}
	o.Host, o.BasePort = host, p
	return nil
}
