package automations

import (
	"context"
	"errors"
	"fmt"
	"github.com/go-rod/rod/lib/proto"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
)

func TestPoolBoundsPages(t *testing.T) {
	pool := testPool(t, PoolOptions{Size: 2})
	a, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	b, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if _, err := pool.Get(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("third Get on a pool of two = %v, want to wait until the deadline", err)
	}
	firstID := a.Rod().TargetID
	pool.Put(a)
	pool.Put(a) // a second Put is harmless
	c, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if c.Rod().TargetID != firstID {
		t.Errorf("Get after Put opened a new tab instead of reusing the idle one")
	}
	if a.Rod() != nil {
		t.Error("a returned page still hands out its rod page")
	}
	if err := a.Step(testCtx(t), "late", time.Second, func(*rodPage) error { return nil }); err == nil {
		t.Error("Step on a returned page must fail")
	}
	pool.Put(b)
	pool.Put(c)
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Get(testCtx(t)); !errors.Is(err, ErrPoolClosed) {
		t.Errorf("Get after Close = %v", err)
	}
}

func TestPoolBlocksImagesFontsMedia(t *testing.T) {
	var images, fonts, media, scripts atomic.Int32
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, ".png"):
			images.Add(1)
			w.Header().Set("Content-Type", "image/png")
		case strings.HasSuffix(r.URL.Path, ".woff2"):
			fonts.Add(1)
		case strings.HasSuffix(r.URL.Path, ".mp4"):
			media.Add(1)
		case strings.HasSuffix(r.URL.Path, ".js"):
			scripts.Add(1)
			w.Header().Set("Content-Type", "text/javascript")
			_, _ = io.WriteString(w, "window.scriptRan = true;")
		default:
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, `<!doctype html><html><head>
<style>@font-face { font-family: X; src: url(/f.woff2); } body { font-family: X; }</style>
<script src="/app.js"></script></head>
<body>text<img src="/a.png"><img src="/b.png?v=2"><video src="/v.mp4" preload="auto"></video></body></html>`)
		}
	}))
	load := func(block []Resource) {
		pool := testPool(t, PoolOptions{Size: 1, Block: block})
		pg, err := pool.Get(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Put(pg)
		err = pg.Step(testCtx(t), "load", testwait.Budget(t), func(p *rodPage) error {
			if err := Navigate(p, srv.URL+"/page"); err != nil {
				return err
			}
			_, err := p.Eval(`() => document.fonts.ready`)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}

	load(nil)
	if images.Load() != 2 || fonts.Load() != 1 || media.Load() < 1 || scripts.Load() != 1 {
		t.Fatalf("without blocking the server saw images %d, fonts %d, media %d, scripts %d; want 2, 1, >=1, 1",
			images.Load(), fonts.Load(), media.Load(), scripts.Load())
	}
	images.Store(0)
	fonts.Store(0)
	media.Store(0)
	scripts.Store(0)
	load([]Resource{Images, Fonts, Media})
	if images.Load() != 0 || fonts.Load() != 0 || media.Load() != 0 {
		t.Errorf("with blocking the server still saw images %d, fonts %d, media %d", images.Load(), fonts.Load(), media.Load())
	}
	if scripts.Load() != 1 {
		t.Errorf("blocking must leave scripts alone; saw %d", scripts.Load())
	}

	// A page may lift the pool's block for one flow; the block comes back
	// when the page is returned.
	pool := testPool(t, PoolOptions{Size: 1, Block: []Resource{Images}})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := pg.Block(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	images.Store(0)
	if err := Navigate(pg.Rod().Timeout(testwait.Budget(t)), srv.URL+"/page"); err != nil {
		t.Fatal(err)
	}
	if images.Load() != 2 {
		t.Errorf("after lifting the block the server saw %d images, want 2", images.Load())
	}
	pool.Put(pg)
	pg, err = pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	images.Store(0)
	if err := Navigate(pg.Rod().Timeout(testwait.Budget(t)), srv.URL+"/page?again"); err != nil {
		t.Fatal(err)
	}
	if images.Load() != 0 {
		t.Errorf("a returned page kept its lifted block: the server saw %d images", images.Load())
	}
}

func TestPoolIsolatedCookies(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/set" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "store-a", Path: "/"})
		}
		c, _ := r.Cookie("session")
		w.Header().Set("Content-Type", "text/html")
		if c != nil {
			fmt.Fprintf(w, "<p id=s>%s</p>", c.Value)
		} else {
			fmt.Fprint(w, "<p id=s>none</p>")
		}
	}))
	read := func(pool *Pool, path string) string {
		pg, err := pool.Get(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		defer pool.Put(pg)
		var got string
		err = pg.Step(testCtx(t), "read", testwait.Budget(t), func(p *rodPage) error {
			if err := Navigate(p, srv.URL+path); err != nil {
				return err
			}
			el, err := Find(p, "session", "#s")
			if err != nil {
				return err
			}
			got, err = el.Text()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	a := testPool(t, PoolOptions{Size: 1, Isolated: true})
	b := testPool(t, PoolOptions{Size: 1, Isolated: true})
	read(a, "/set")
	if got := read(a, "/"); got != "store-a" {
		t.Fatalf("pool a lost its own cookie: %q", got)
	}
	if got := read(b, "/"); got != "none" {
		t.Errorf("isolated pool b sees pool a's cookie: %q", got)
	}
}

// faultServer answers /status/N with that status, /slow after a long pause,
// /late with an element that appears after a short delay, and anything else
// with a plain page.
func faultServer(t *testing.T) string {
	return serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		var status int
		if _, err := fmt.Sscanf(r.URL.Path, "/status/%d", &status); err == nil {
			w.WriteHeader(status)
			fmt.Fprintf(w, "<h1>status %d</h1>", status)
			return
		}
		switch r.URL.Path {
		case "/slow":
			select {
			case <-time.After(10 * time.Second):
			case <-r.Context().Done():
			}
			return
		case "/late":
			_, _ = io.WriteString(w, `<div id=root></div><script>
setTimeout(() => { document.getElementById('root').innerHTML = '<ul><li class=row>one</li></ul>'; }, 300);
</script>`)
			return
		}
		_, _ = io.WriteString(w, "<h1>plain page</h1>")
	})).URL
}

func TestStepClassifiesAndKeepsEvidence(t *testing.T) {
	base := faultServer(t)
	evidence := t.TempDir()
	pool := testPool(t, PoolOptions{Size: 1, Site: "testsite", EvidenceDir: evidence})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)

	roomy := testwait.Budget(t)
	cases := []struct {
		name   string
		budget time.Duration
		fn     func(p *rodPage) error
		want   Class
	}{
		// The page is loaded first with the test's whole budget, so that only
		// the selector wait runs into the short one, however slow the load.
		{"changed", 800 * time.Millisecond, func(p *rodPage) error {
			_, err := Find(p, "inbox.row", "li.row")
			return err
		}, PageChanged},
		{"blocked", roomy, func(p *rodPage) error { return Navigate(p, base+"/status/403") }, Blocked},
		{"limited", roomy, func(p *rodPage) error { return Navigate(p, base+"/status/429") }, RateLimited},
		{"broken", roomy, func(p *rodPage) error { return Navigate(p, base+"/status/502") }, SiteError},
		{"slow", 500 * time.Millisecond, func(p *rodPage) error { return Navigate(p, base+"/slow") }, Timeout},
		{"captcha", roomy, func(p *rodPage) error { return Fail(NeedsHuman, "captcha shown") }, NeedsHuman},
	}
	for _, c := range cases {
		if c.want == PageChanged {
			if err := pg.Step(testCtx(t), "load", testwait.Budget(t), func(p *rodPage) error {
				return Navigate(p, base+"/plain")
			}); err != nil {
				t.Fatalf("%s: load the page: %v", c.name, err)
			}
		}
		err := pg.Step(testCtx(t), c.name, c.budget, c.fn)
		var f *Failure
		if !errors.As(err, &f) {
			t.Errorf("%s: err = %v, want a *Failure", c.name, err)
			continue
		}
		if f.Class != c.want || f.Step != c.name || f.Site != "testsite" {
			t.Errorf("%s: failure %+v, want class %s", c.name, f, c.want)
		}
		if f.Evidence == "" || filepath.Dir(f.Evidence) != evidence {
			t.Errorf("%s: evidence %q not under %s", c.name, f.Evidence, evidence)
			continue
		}
		for _, file := range []string{EvidenceHTML, EvidenceScreenshot, EvidenceLog} {
			if _, err := os.Stat(filepath.Join(f.Evidence, file)); err != nil {
				t.Errorf("%s: evidence lacks %s: %v", c.name, file, err)
			}
		}
		log, _ := os.ReadFile(filepath.Join(f.Evidence, EvidenceLog))
		if !strings.Contains(string(log), "step "+c.name+" failed") {
			t.Errorf("%s: step log does not record the failure:\n%s", c.name, log)
		}
	}
	var sel *SelectorError
	err = pg.Step(testCtx(t), "changed-again", 500*time.Millisecond, func(p *rodPage) error {
		_, err := Find(p, "inbox.row", "li.row")
		return err
	})
	if !errors.As(err, &sel) || sel.Name != "inbox.row" || !strings.Contains(err.Error(), "override the selector") {
		t.Errorf("page_changed error %v does not name the recipe key and the fix", err)
	}
}

func TestStepWaitsForLateContent(t *testing.T) {
	base := faultServer(t)
	pool := testPool(t, PoolOptions{Size: 1})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	err = pg.Step(testCtx(t), "late", testwait.Budget(t), func(p *rodPage) error {
		if err := Navigate(p, base+"/late"); err != nil {
			return err
		}
		el, err := Find(p, "inbox.row", "li.row")
		if err != nil {
			return err
		}
		if txt, _ := el.Text(); txt != "one" {
			return fmt.Errorf("row text %q", txt)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("content rendered after 300ms within a 10s budget: %v", err)
	}
	if log := pg.Log(); len(log) == 0 || !strings.Contains(log[len(log)-1], "step late ok") {
		t.Errorf("step log = %v", log)
	}
}

func TestStepCanceledLeavesNoEvidence(t *testing.T) {
	evidence := t.TempDir()
	pool := testPool(t, PoolOptions{Size: 1, EvidenceDir: evidence})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err = pg.Step(ctx, "stopped", time.Second, func(*rodPage) error { return nil })
	if Classify(err) != Canceled {
		t.Fatalf("Step on a canceled context = %v, want canceled", err)
	}
	if entries, _ := os.ReadDir(evidence); len(entries) != 0 {
		t.Errorf("a canceled step left evidence: %v", entries)
	}
}

func TestVisibleReadsManyInOneCall(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `<div class="captcha"></div><form id="login"></form>`)
	}))
	pool := testPool(t, PoolOptions{Size: 1})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	var got map[string]bool
	err = pg.Step(testCtx(t), "look", testwait.Budget(t), func(p *rodPage) error {
		if err := Navigate(p, srv.URL); err != nil {
			return err
		}
		got, err = Visible(p, map[string]string{"captcha": ".captcha", "login": "#login", "inbox": ".inbox", "broken": "a[["})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if !got["captcha"] || !got["login"] || got["inbox"] || got["broken"] {
		t.Errorf("Visible = %v", got)
	}
}

// A process that dies without closing its isolated pool, connected to a
// browser others share, leaves nothing behind in it: its browser context
// goes with its connection.
func TestIsolatedContextGoesWithItsConnection(t *testing.T) {
	shared := testBrowser(t)
	contexts := func() []proto.BrowserBrowserContextID {
		res, err := proto.TargetGetBrowserContexts{}.Call(shared.Rod().Context(testCtx(t)))
		if err != nil {
			t.Fatal(err)
		}
		return res.BrowserContextIDs
	}
	before := len(contexts())
	other, err := Launch(testCtx(t), BrowserOptions{Bin: shared.ControlURL()})
	if err != nil {
		t.Fatal(err)
	}
	if !other.Remote() {
		t.Fatal("the second client launched a browser of its own instead of attaching")
	}
	pool, err := NewPool(testCtx(t), other, PoolOptions{Size: 1, Isolated: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Get(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if n := len(contexts()); n != before+1 {
		t.Fatalf("%d browser contexts with the pool open, want %d", n, before+1)
	}
	// Drop the connection without closing the pool, as a kill would.
	_ = other.Close()
	testwait.Until(t, "the dead client's browser context to be disposed", func() bool { return len(contexts()) == before })
}
