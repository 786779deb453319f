package automations

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestEndpointNameShowsNoSecret(t *testing.T) {
	for in, want := range map[string]string{
		"": LocalEndpoint,
		"ws://127.0.0.1:9222/devtools/browser/5f0c-uuid": "ws://127.0.0.1:9222",
		"wss://user:pw@chrome.example.com/?token=s3cret": "wss://chrome.example.com",
		"ws://[::1]:3000?token=abc":                      "ws://[::1]:3000",
	} {
		if got := EndpointName(in); got != want {
			t.Errorf("EndpointName(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseEndpoints(t *testing.T) {
	eps, err := ParseEndpoints(" ws://a:1/x , wss://b:2/?token=t ,")
	if err != nil || len(eps) != 2 || eps[0].URL != "ws://a:1/x" || eps[1].URL != "wss://b:2/?token=t" {
		t.Fatalf("two addresses: %+v %v", eps, err)
	}
	if eps, err := ParseEndpoints("/usr/bin/chromium"); err != nil || len(eps) != 1 || eps[0].URL != "/usr/bin/chromium" {
		t.Fatalf("one path: %+v %v", eps, err)
	}
	_, err = ParseEndpoints("ws://a:1/x,/usr/bin/chromium")
	if err == nil || !strings.Contains(err.Error(), "item 2") {
		t.Fatalf("a path among addresses: %v", err)
	}
	if _, err := ParseEndpoints("ws://a:1/?token=secret,http://b"); err == nil || strings.Contains(err.Error(), "secret") {
		t.Fatalf("a bad item must be refused without showing a token: %v", err)
	}
}

// countingListener accepts TCP connections and closes them at once, as a
// port with no browser behind it answers, counting the tries.
func countingListener(t *testing.T) (addr string, tries *atomic.Int32) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tries = &atomic.Int32{}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			tries.Add(1)
			_ = c.Close()
		}
	}()
	t.Cleanup(func() { _ = l.Close(); wg.Wait() })
	return "ws://" + l.Addr().String() + "/devtools/browser/x", tries
}

// A dead endpoint is passed over for the live one, rests, and is tried
// again once its rest is over.
func TestSpreadPoolPassesOverADeadEndpointAndRetriesItLater(t *testing.T) {
	live := testBrowser(t)
	dead, tries := countingListener(t)
	set := NewBrowserSet(BrowserOptions{Timeout: 5 * time.Second}, []Endpoint{{URL: dead}, {URL: live.ControlURL()}})
	t.Cleanup(func() { _ = set.Close() })
	var mu sync.Mutex
	now := time.Now()
	set.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	sp := NewSpreadPool(set, PoolOptions{Size: 2})
	t.Cleanup(func() { _ = sp.Close() })
	ctx := testCtx(t)
	get := func() *Page {
		t.Helper()
		pg, err := sp.Get(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if pg.Endpoint() != EndpointName(live.ControlURL()) {
			t.Fatalf("page on %q, want the live browser %q", pg.Endpoint(), EndpointName(live.ControlURL()))
		}
		return pg
	}
	pg := get()
	first := tries.Load()
	if first == 0 {
		t.Fatal("the dead endpoint was never tried")
	}
	sp.Put(pg)
	sp.Put(get())
	if n := tries.Load(); n != first {
		t.Fatalf("the dead endpoint was tried again during its rest (%d tries, then %d)", first, n)
	}
	advance(endpointRetry + time.Second)
	sp.Put(get())
	if n := tries.Load(); n <= first {
		t.Fatalf("after its rest the dead endpoint was not tried again (%d tries)", n)
	}
	if b, err := set.Primary(ctx); err != nil || b.ControlURL() != live.ControlURL() {
		t.Fatalf("Primary: %v", err)
	}
}
