package automations

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"
)

// BenchmarkLaunch compares Launch (closed-network flags, cleanup on close)
// with rod's plain launcher on the same binary, as a baseline.
func BenchmarkLaunch(b *testing.B) {
	bin, ok := launcher.LookPath()
	if !ok {
		b.Fatal(ErrNoBrowser)
	}
	b.Run("sellerops", func(b *testing.B) {
		for b.Loop() {
			br, err := Launch(context.Background(), BrowserOptions{Bin: bin, Timeout: time.Minute})
			if err != nil {
				b.Fatal(err)
			}
			if err := br.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-rod-launcher", func(b *testing.B) {
		for b.Loop() {
			dir := b.TempDir()
			l := launcher.New().Bin(bin).UserDataDir(dir).NoSandbox(os.Geteuid() == 0)
			u, err := l.Launch()
			if err != nil {
				b.Fatal(err)
			}
			rb := rod.New().ControlURL(u)
			if err := rb.Connect(); err != nil {
				b.Fatal(err)
			}
			_ = rb.Close()
			l.Cleanup()
		}
	})
}

// BenchmarkPageFromPool compares handing out an idle page from the pool with
// opening a fresh tab for every item (the baseline), each loading one page.
func BenchmarkPageFromPool(b *testing.B) {
	srv := serve(b, helloHandler())
	br := testBrowser(b)
	b.Run("pooled", func(b *testing.B) {
		pool, err := NewPool(context.Background(), br, PoolOptions{Size: 1})
		if err != nil {
			b.Fatal(err)
		}
		defer pool.Close()
		for b.Loop() {
			pg, err := pool.Get(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			if err := Navigate(pg.Rod().Timeout(10*time.Second), srv.URL); err != nil {
				b.Fatal(err)
			}
			pool.Put(pg)
		}
	})
	b.Run("baseline-fresh-tab", func(b *testing.B) {
		for b.Loop() {
			p, err := br.Rod().Page(proto.TargetCreateTarget{})
			if err != nil {
				b.Fatal(err)
			}
			if err := Navigate(p.Timeout(10*time.Second), srv.URL); err != nil {
				b.Fatal(err)
			}
			if err := p.Close(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkBlockedResources loads a page with 40 images served with a small
// delay, with images blocked and, as the baseline, without.
func BenchmarkBlockedResources(b *testing.B) {
	var page strings.Builder
	page.WriteString("<!doctype html><html><body><h1>catalogue</h1>")
	for i := range 40 {
		fmt.Fprintf(&page, `<img src="/img/%d.png">`, i)
	}
	page.WriteString("</body></html>")
	srv := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/img/") {
			time.Sleep(5 * time.Millisecond)
			w.Header().Set("Content-Type", "image/png")
			return
		}
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, page.String())
	}))
	br := testBrowser(b)
	for _, c := range []struct {
		name  string
		block []Resource
	}{{"blocked", []Resource{Images, Fonts, Media}}, {"baseline-unblocked", nil}} {
		b.Run(c.name, func(b *testing.B) {
			pool, err := NewPool(context.Background(), br, PoolOptions{Size: 1, Block: c.block})
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Close()
			pg, err := pool.Get(context.Background())
			if err != nil {
				b.Fatal(err)
			}
			defer pool.Put(pg)
			for b.Loop() {
				if err := Navigate(pg.Rod().Timeout(30*time.Second), srv.URL+"/?"+fmt.Sprint(time.Now().UnixNano())); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEvidenceHTML compares the sanitised capture (clone, empty
// secrets, serialise in one Eval) with rod's raw HTML() as the baseline.
func BenchmarkEvidenceHTML(b *testing.B) {
	srv := serve(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, secretForm)
	}))
	pool := testPool(b, PoolOptions{Size: 1})
	pg, err := pool.Get(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	defer pool.Put(pg)
	p := pg.Rod().Timeout(time.Minute)
	if err := Navigate(p, srv.URL); err != nil {
		b.Fatal(err)
	}
	b.Run("sanitised", func(b *testing.B) {
		for b.Loop() {
			if _, err := pageHTML(p); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("baseline-raw-html", func(b *testing.B) {
		for b.Loop() {
			if _, err := p.HTML(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
