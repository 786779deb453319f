package sandbox

import (
	"fmt"
	"hash/fnv"
	"html"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Fault spec syntax: a comma-separated list of terms KEY=VALUE or
// SITE.KEY=VALUE. A term without a site applies to every site; a term with
// a site overrides the global value for that site. Keys:
//
//	latency=150ms   added delay before every response (Go duration)
//	5xx=0.05        share of requests answered 503 (0..1)
//	429=0.1         share of requests answered 429 with Retry-After (0..1)
//	captcha=0.2     share of page views that get a CAPTCHA interstitial (0..1)
//	blocked=0.1     share of page views refused with a 403 access-denied page (0..1)
//	expire=20m      sessions end this long after login (Go duration)
//	totp=reject     every TOTP code is refused ("accept" undoes it)
//	variant=2       serve the second DOM variant (1 or 2)
//	rate=20         API requests per second allowed per client before 429 (0 = no limit)
//	signin=429      the password step of the sign-in answers 429 (or 503); "429x2" only the first 2 times
//	otp=503         the one-time-code step of the sign-in answers 503 (or 429); "503x1" only the first time
//
// Example: "latency=150ms,5xx=0.05,amazon.captcha=1,ups.rate=5".

// FaultConfig is the resolved fault setting of one site.
type FaultConfig struct {
	Latency    time.Duration `json:"latency"`
	Rate5xx    float64       `json:"rate_5xx"`
	Rate429    float64       `json:"rate_429"`
	Captcha    float64       `json:"captcha"`
	Blocked    float64       `json:"blocked"`
	Expire     time.Duration `json:"expire"`
	RejectTOTP bool          `json:"reject_totp"`
	Variant    int           `json:"variant"`
	RateLimit  int           `json:"rate_limit"` // per client per second; 0 = site default
	Signin     StepFault     `json:"signin,omitzero"`
	OTP        StepFault     `json:"otp,omitzero"`
}

// StepFault makes one sign-in step answer an error status: every time, or
// only the first Count times (so that a retry gets through).
type StepFault struct {
	Status int `json:"status"`
	Count  int `json:"count,omitempty"` // 0 = every time
}

func parseStepFault(key, v string) (StepFault, error) {
	st, n, many := strings.Cut(v, "x")
	f := StepFault{}
	switch st {
	case "429", "503":
		f.Status, _ = strconv.Atoi(st)
	case "off", "0":
		return StepFault{}, nil
	default:
		return f, fmt.Errorf("value %q: %s takes 429 or 503, optionally with a count such as 503x1", v, key)
	}
	if many {
		c, err := strconv.Atoi(n)
		if err != nil || c < 1 {
			return f, fmt.Errorf("value %q: the count after x must be a whole number above 0", v)
		}
		f.Count = c
	}
	return f, nil
}

type faultTerm struct {
	site, key, value string
}

// faultSet is a parsed spec.
type faultSet struct {
	spec  string
	terms []faultTerm
}

// siteNames lists every site a term may name.
var siteNames = []string{"amazon", "ebay", "tiktok", "ups", "fedex", "usps", "dhl", "control", SeventeenSite}

// ParseFaults checks a fault spec and returns its normalised form. Errors
// name the bad term.
func ParseFaults(spec string) (string, error) {
	fs, err := parseFaults(spec)
	if err != nil {
		return "", err
	}
	return fs.spec, nil
}

func parseFaults(spec string) (*faultSet, error) {
	fs := &faultSet{}
	var norm []string
	for raw := range strings.SplitSeq(spec, ",") {
		term := strings.TrimSpace(raw)
		if term == "" {
			continue
		}
		k, v, ok := strings.Cut(term, "=")
		if !ok {
			return nil, fmt.Errorf("fault term %q: want KEY=VALUE or SITE.KEY=VALUE, e.g. latency=150ms or amazon.captcha=1", term)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		ft := faultTerm{key: k, value: v}
		if site, key, ok := strings.Cut(k, "."); ok {
			if !contains(siteNames, site) {
				return nil, fmt.Errorf("fault term %q: unknown site %q; sites are %s", term, site, strings.Join(siteNames, ", "))
			}
			ft.site, ft.key = site, key
		}
		if err := applyTerm(&FaultConfig{}, ft); err != nil {
			return nil, fmt.Errorf("fault term %q: %w", term, err)
		}
		fs.terms = append(fs.terms, ft)
		if ft.site != "" {
			norm = append(norm, ft.site+"."+ft.key+"="+ft.value)
		} else {
			norm = append(norm, ft.key+"="+ft.value)
		}
	}
	fs.spec = strings.Join(norm, ",")
	return fs, nil
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

func parseRate(v string) (float64, error) {
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f < 0 || f > 1 {
		return 0, fmt.Errorf("value %q is not a share between 0 and 1 (e.g. 0.05)", v)
	}
	return f, nil
}

func applyTerm(c *FaultConfig, t faultTerm) error {
	var err error
	switch t.key {
	case "latency", "expire":
		d, perr := time.ParseDuration(t.value)
		if perr != nil || d < 0 {
			return fmt.Errorf("value %q is not a duration (e.g. 150ms, 20m)", t.value)
		}
		if t.key == "latency" {
			c.Latency = d
		} else {
			c.Expire = d
		}
	case "5xx":
		c.Rate5xx, err = parseRate(t.value)
	case "429":
		c.Rate429, err = parseRate(t.value)
	case "captcha":
		c.Captcha, err = parseRate(t.value)
	case "blocked":
		c.Blocked, err = parseRate(t.value)
	case "totp":
		switch strings.ToLower(t.value) {
		case "reject":
			c.RejectTOTP = true
		case "accept":
			c.RejectTOTP = false
		default:
			return fmt.Errorf("value %q: totp takes reject or accept", t.value)
		}
	case "variant":
		switch t.value {
		case "1", "2":
			c.Variant = int(t.value[0] - '0')
		default:
			return fmt.Errorf("value %q: variant takes 1 or 2", t.value)
		}
	case "rate":
		n, perr := strconv.Atoi(t.value)
		if perr != nil || n < 0 {
			return fmt.Errorf("value %q: rate takes a whole number of requests per second (0 = no limit)", t.value)
		}
		c.RateLimit = n
	case "signin":
		c.Signin, err = parseStepFault(t.key, t.value)
	case "otp":
		c.OTP, err = parseStepFault(t.key, t.value)
	default:
		return fmt.Errorf("unknown key %q; keys are latency, 5xx, 429, captcha, blocked, expire, totp, variant, rate, signin, otp", t.key)
	}
	return err
}

// forSite resolves the config of one site: global terms first, then the
// site's own, each in spec order.
func (fs *faultSet) forSite(site string) FaultConfig {
	c := FaultConfig{Variant: 1}
	for _, pass := range []bool{false, true} {
		for _, t := range fs.terms {
			if (t.site != "") == pass && (t.site == "" || t.site == site) {
				_ = applyTerm(&c, t)
			}
		}
	}
	return c
}

// roller draws deterministic numbers in [0,1): the n-th draw of a kind on a
// site is the same for the same seed.
type roller struct {
	seed    uint64
	mu      chan struct{}
	counter map[string]uint64
}

func newRoller(seed int64) *roller {
	return &roller{seed: uint64(seed), mu: make(chan struct{}, 1), counter: map[string]uint64{}}
}

func (r *roller) reset() {
	r.mu <- struct{}{}
	clear(r.counter)
	<-r.mu
}

func (r *roller) roll(site, kind string) float64 {
	key := site + "." + kind
	r.mu <- struct{}{}
	n := r.counter[key]
	r.counter[key] = n + 1
	<-r.mu
	h := fnv.New64a()
	h.Write([]byte(key))
	x := splitmix(r.seed ^ h.Sum64() ^ splitmix(n))
	return float64(x>>11) / (1 << 53)
}

func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// describe lists the resolved config of every site, for the control page.
func (fs *faultSet) describe() map[string]FaultConfig {
	out := map[string]FaultConfig{}
	names := append([]string(nil), siteNames...)
	sort.Strings(names)
	for _, n := range names {
		out[n] = fs.forSite(n)
	}
	return out
}

// accessDenied answers like the anti-bot walls in front of carrier sites: a
// bare 403 page that names no site feature, only the refusal.
func accessDenied(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusForbidden)
	fmt.Fprintf(w, `<!doctype html>
<html><head><title>Access Denied</title></head>
<body><main id="access-denied" class="access-denied">
<h1>Access Denied</h1>
<p>You don't have permission to access "%s" on this server.</p>
<p class="reference">Reference #18.%08x</p>
</main></body></html>
`, html.EscapeString(r.URL.Path), fnvHash(r.URL.RequestURI()))
}

func fnvHash(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
