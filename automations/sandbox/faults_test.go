package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestParseFaults(t *testing.T) {
	good := map[string]string{
		"":                                       "",
		"latency=150ms, 5xx=0.05":                "latency=150ms,5xx=0.05",
		"429=0.1,captcha=0.2,expire=20m":         "429=0.1,captcha=0.2,expire=20m",
		"totp=reject,variant=2,amazon.captcha=1": "totp=reject,variant=2,amazon.captcha=1",
		"UPS.rate=5":                             "ups.rate=5",
	}
	for in, want := range good {
		got, err := ParseFaults(in)
		if err != nil || got != want {
			t.Errorf("ParseFaults(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{
		"latency":          "latency",
		"latency=fast":     "latency=fast",
		"5xx=2":            "5xx=2",
		"429=-0.1":         "429=-0.1",
		"captcha=yes":      "captcha=yes",
		"variant=3":        "variant=3",
		"totp=maybe":       "totp=maybe",
		"walmart.5xx=0.1":  "walmart",
		"colour=red":       "colour",
		"rate=-1":          "rate=-1",
		"latency=1s,oops":  "oops",
		"expire=-5m":       "expire=-5m",
		"amazon.latency=x": "amazon.latency=x",
	}
	for in, term := range bad {
		_, err := ParseFaults(in)
		if err == nil || !strings.Contains(err.Error(), term) {
			t.Errorf("ParseFaults(%q) error %v; want one naming %q", in, err, term)
		}
	}
	fs, _ := parseFaults("amazon.latency=5ms,latency=1s,5xx=0.5,ebay.5xx=0")
	if c := fs.forSite("amazon"); c.Latency != 5*time.Millisecond || c.Rate5xx != 0.5 {
		t.Errorf("amazon config %+v: the site term must win over the global one", c)
	}
	if c := fs.forSite("ebay"); c.Latency != time.Second || c.Rate5xx != 0 {
		t.Errorf("ebay config %+v", c)
	}
	if c := fs.forSite("ups"); c.Variant != 1 {
		t.Errorf("default variant %d, want 1", c.Variant)
	}
}

func TestSetFaultsRejectsBadSpec(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "latency=1ms"})
	if err := sb.SetFaults("5xx=lots"); err == nil || !strings.Contains(err.Error(), "5xx=lots") {
		t.Fatalf("SetFaults error %v", err)
	}
	if sb.Faults() != "latency=1ms" {
		t.Fatalf("a bad spec changed the faults to %q", sb.Faults())
	}
	if _, err := Start(t.Context(), Options{Faults: "nope=1"}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Fatalf("Start with a bad spec: %v", err)
	}
	// Control API.
	resp, err := http.Post(sb.URL("control")+"/__sandbox/faults", "text/plain", strings.NewReader("captcha=high"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(b), "captcha=high") {
		t.Fatalf("control faults with bad spec: %d %s", resp.StatusCode, b)
	}
}

func TestRollsAreDeterministic(t *testing.T) {
	seq := func(seed int64) []float64 {
		r := newRoller(seed)
		var out []float64
		for range 50 {
			out = append(out, r.roll("amazon", "5xx"))
		}
		return out
	}
	a, b, c := seq(9), seq(9), seq(10)
	same := true
	for i := range a {
		if a[i] != b[i] {
			t.Fatalf("roll %d differs for the same seed", i)
		}
		same = same && a[i] == c[i]
		if a[i] < 0 || a[i] >= 1 {
			t.Fatalf("roll %v outside [0,1)", a[i])
		}
	}
	if same {
		t.Fatal("seeds 9 and 10 roll the same")
	}
}

func status(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b)
}

func TestFaultLatency(t *testing.T) {
	// The delay is long next to a plain page, so that "fedex was not
	// delayed" holds on a loaded machine too: only a delay as long as the
	// one injected would break it.
	const delay = 2 * time.Second
	sb := startSandbox(t, Options{Seed: 1, Faults: "ups.latency=2s"})
	c := jarClient(false)
	t0 := time.Now()
	status(t, c, sb.URL("ups")+"/track?n=1")
	if d := time.Since(t0); d < delay {
		t.Fatalf("ups answered in %v with latency=%v", d, delay)
	}
	t0 = time.Now()
	status(t, c, sb.URL("fedex")+"/track?n=1")
	if d := time.Since(t0); d >= delay {
		t.Fatalf("fedex took %v though only ups has latency", d)
	}
}

func TestFault5xxAnd429(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "amazon.5xx=1,ebay.429=1"})
	c := jarClient(false)
	if resp, body := status(t, c, sb.URL("amazon")+"/login"); resp.StatusCode != 503 || !strings.Contains(body, "page-error") {
		t.Fatalf("amazon with 5xx=1: %d", resp.StatusCode)
	}
	resp, _ := status(t, c, sb.URL("ebay")+"/signin")
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" {
		t.Fatalf("ebay with 429=1: %d Retry-After=%q", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	// A share: about half fail, the same ones for the same seed.
	run := func() string {
		sb.Reset()
		if err := sb.SetFaults("tiktok.5xx=0.5"); err != nil {
			t.Fatal(err)
		}
		var pattern strings.Builder
		for range 40 {
			r, _ := status(t, c, sb.URL("tiktok")+"/login")
			if r.StatusCode == 503 {
				pattern.WriteByte('x')
			} else {
				pattern.WriteByte('.')
			}
		}
		return pattern.String()
	}
	p1, p2 := run(), run()
	if p1 != p2 {
		t.Fatalf("5xx pattern differs between runs with the same seed:\n%s\n%s", p1, p2)
	}
	if n := strings.Count(p1, "x"); n < 8 || n > 32 {
		t.Fatalf("5xx=0.5 failed %d of 40", n)
	}
	if sb.State().Requests["fault.tiktok.5xx"] == 0 {
		t.Fatal("injected 5xx are not counted in State().Requests")
	}
}

var challengeRe = regexp.MustCompile(`data-challenge="([0-9a-f]+)"`)

func TestFaultCaptcha(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "amazon.captcha=1"})
	c := jarClient(true)
	resp, body := status(t, c, sb.URL("amazon")+"/login")
	m := challengeRe.FindStringSubmatch(body)
	if m == nil || !strings.Contains(body, `id="captcha"`) {
		t.Fatalf("captcha=1 did not interpose a CAPTCHA (status %d)", resp.StatusCode)
	}
	if r, _ := status(t, c, sb.URL("amazon")+"/__captcha/img?c="+m[1]); r.Header.Get("Content-Type") != "image/png" {
		t.Fatal("CAPTCHA image is not a PNG")
	}
	// A wrong answer fails; a person who reads the image passes.
	r, err := c.PostForm(sb.URL("amazon")+"/__captcha", url.Values{"challenge": {m[1]}, "answer": {"nope"}, "return": {"/login"}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 403 {
		t.Fatalf("wrong CAPTCHA answer: %d", r.StatusCode)
	}
	_, body = status(t, c, sb.URL("amazon")+"/login")
	m = challengeRe.FindStringSubmatch(body)
	r, err = c.PostForm(sb.URL("amazon")+"/__captcha", url.Values{"challenge": {m[1]}, "answer": {sb.CaptchaAnswer("amazon", m[1])}, "return": {"/login"}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(r.Body)
	r.Body.Close()
	if !strings.Contains(string(b), "appActionToken") {
		t.Fatalf("after solving, want the login form; got %d", r.StatusCode)
	}
}

func TestFaultSessionExpiry(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "amazon.expire=20m"})
	c, resp := amazonLogin(t, sb, "")
	resp.Body.Close()
	if r, _ := status(t, c, sb.URL("amazon")+"/messages"); r.Request.URL.Path != "/messages" {
		t.Fatalf("fresh session sent to %s", r.Request.URL)
	}
	sb.Advance(21 * time.Minute)
	r, body := status(t, c, sb.URL("amazon")+"/messages")
	if r.Request.URL.Path != "/login" || !strings.Contains(body, "session-expired") {
		t.Fatalf("after 21m of a 20m session: %s", r.Request.URL)
	}
	// Without the fault, sessions last 12 h of sandbox time.
	_ = sb.SetFaults("")
	c, resp = amazonLogin(t, sb, "")
	resp.Body.Close()
	sb.Advance(11 * time.Hour)
	if r, _ := status(t, c, sb.URL("amazon")+"/messages"); r.Request.URL.Path != "/messages" {
		t.Fatalf("session ended before 12 h: %s", r.Request.URL)
	}
	sb.Advance(2 * time.Hour)
	if r, _ := status(t, c, sb.URL("amazon")+"/messages"); r.Request.URL.Path != "/login" {
		t.Fatalf("session outlived 12 h: %s", r.Request.URL)
	}
}

func TestFaultTOTPReject(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "totp=reject"})
	_, resp := amazonLogin(t, sb, "")
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("totp=reject: a valid code got %d", resp.StatusCode)
	}
	if got := sb.State().Logins["amazon"].TOTPRejected; got != 1 {
		t.Fatalf("TOTPRejected = %d", got)
	}
	_ = sb.SetFaults("")
	_, resp = amazonLogin(t, sb, "")
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Request.URL.Path != "/home" {
		t.Fatalf("valid code without the fault: %d %s", resp.StatusCode, resp.Request.URL)
	}
}

func TestFaultVariant2(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1, Faults: "amazon.variant=2"})
	c, resp := amazonLogin(t, sb, "")
	resp.Body.Close()
	_, body := status(t, c, sb.URL("amazon")+"/messages")
	if strings.Contains(body, `class="thread-row"`) || !strings.Contains(body, `class="conv-item"`) || !strings.Contains(body, "data-conv-id=") {
		t.Fatal("variant 2 inbox still uses the variant-1 names")
	}
	// The pager moves above the list.
	if strings.Index(body, `class="pager"`) > strings.Index(body, `id="conv-table"`) {
		t.Fatal("variant 2 pager is not above the list")
	}
	_ = sb.SetFaults("")
	_, body = status(t, c, sb.URL("amazon")+"/messages")
	if !strings.Contains(body, `class="thread-row"`) {
		t.Fatal("variant 1 inbox lacks thread-row")
	}
}

func TestControlAPI(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1})
	u := sb.URL("control")
	resp, err := http.Post(u+"/__sandbox/clock?advance=2h", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := sb.Now().Sub(DefaultStart); got != 2*time.Hour {
		t.Fatalf("clock advanced %v, want 2h", got)
	}
	resp, _ = http.Post(u+"/__sandbox/clock?advance=soon", "", nil)
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("bad advance: %d", resp.StatusCode)
	}
	resp, _ = http.Post(u+"/__sandbox/faults", "application/json", strings.NewReader(`{"faults":"latency=1ms"}`))
	resp.Body.Close()
	if sb.Faults() != "latency=1ms" {
		t.Fatalf("faults %q", sb.Faults())
	}
	r, body := status(t, http.DefaultClient, u+"/__sandbox/state")
	if r.StatusCode != 200 || !strings.Contains(body, `"faults":"latency=1ms"`) {
		t.Fatalf("state: %d %s", r.StatusCode, body)
	}
	resp, _ = http.Post(u+"/__sandbox/reset", "", nil)
	resp.Body.Close()
	if !sb.Now().Equal(DefaultStart) || sb.Faults() != "" {
		t.Fatalf("after reset: now %v faults %q", sb.Now(), sb.Faults())
	}
}
