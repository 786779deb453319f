package sandbox

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/pquerna/otp/totp"
)

// startSandbox starts a small sandbox for a test and stops it after.
func startSandbox(t testing.TB, opts Options) *Sandbox {
	t.Helper()
	if opts.Orders == 0 {
		opts.Orders = 60
	}
	ctx, cancel := context.WithCancel(context.Background())
	sb, err := Start(ctx, opts)
	if err != nil {
		cancel()
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		_ = sb.Close()
	})
	return sb
}

func totpNow(t testing.TB, secret string) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatalf("totp: %v", err)
	}
	return code
}

// jarClient is an HTTP client with cookies that does not follow redirects
// unless follow is true.
func jarClient(follow bool) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	if !follow {
		c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	}
	return c
}

var (
	browserOnce sync.Once
	browser     *rod.Browser
	browserErr  string
	launch      *launcher.Launcher
)

// testBrowser returns a shared headless Chromium; the test fails when none
// is installed.
func testBrowser(t *testing.T) *rod.Browser {
	t.Helper()
	browserOnce.Do(func() {
		path, ok := launcher.LookPath()
		if !ok {
			browserErr = "Chromium not found: install the chromium package (the end-to-end tests need a real browser)"
			return
		}
		launch = launcher.New().Bin(path).Headless(true).NoSandbox(os.Geteuid() == 0)
		u, err := launch.Launch()
		if err != nil {
			browserErr = "launch Chromium at " + path + ": " + err.Error()
			return
		}
		browser = rod.New().ControlURL(u)
		if err := browser.Connect(); err != nil {
			browserErr = "connect to Chromium: " + err.Error()
			browser = nil
		}
	})
	if browser == nil {
		t.Fatal(browserErr)
	}
	return browser
}

// newPage opens an isolated incognito page with a time budget.
func newPage(t *testing.T) *rod.Page {
	t.Helper()
	b := testBrowser(t).MustIncognito()
	p := b.MustPage("")
	t.Cleanup(func() { _ = b.Close() })
	return p.Timeout(60 * time.Second)
}

func TestMain(m *testing.M) {
	code := m.Run()
	if browser != nil {
		_ = browser.Close()
	}
	if launch != nil {
		launch.Kill()
		launch.Cleanup()
	}
	os.Exit(code)
}

// clickAndLoad clicks the element sel names and waits until the page it
// leads to has loaded. Querying the old document while the new one
// replaces it fails with "Inspected target navigated or closed", so every
// click that submits a form or follows a link goes through here. It marks
// the old document and polls until a document without the mark is
// complete, which does not depend on which lifecycle events Chromium
// sends for a POST answered by a redirect.
func clickAndLoad(p *rod.Page, sel string) {
	p.MustEval(`() => { window.__sandboxLeaving = true }`)
	p.MustElement(sel).MustClick()
	for {
		res, err := p.Eval(`() => window.__sandboxLeaving !== true && document.readyState === 'complete'`)
		if err == nil && res.Value.Bool() {
			return
		}
		if e := p.GetContext().Err(); e != nil {
			panic(fmt.Sprintf("the page did not load after clicking %s: %v", sel, e))
		}
		time.Sleep(20 * time.Millisecond)
	}
}
