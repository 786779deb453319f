package automations

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
)

var (
	sharedOnce    sync.Once
	sharedBrowser *Browser
	sharedErr     error
)

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(runHelper(mode))
	}
	code := m.Run()
	if sharedBrowser != nil {
		if err := sharedBrowser.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "close shared browser:", err)
			code = 1
		}
	}
	os.Exit(code)
}

// testBrowser returns one browser shared by the tests of this package; it
// fails the test when Chromium cannot be launched.
func testBrowser(t testing.TB) *Browser {
	t.Helper()
	sharedOnce.Do(func() {
		sharedBrowser, sharedErr = Launch(context.Background(), BrowserOptions{Timeout: time.Minute})
	})
	if sharedErr != nil {
		t.Fatalf("these tests need Chromium: %v", sharedErr)
	}
	return sharedBrowser
}

// testPool returns a pool over the shared browser, closed with the test.
func testPool(t testing.TB, opts PoolOptions) *Pool {
	t.Helper()
	p, err := NewPool(context.Background(), testBrowser(t), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("close pool: %v", err)
		}
	})
	return p
}

// serve starts an HTTP server on 127.0.0.1 for the test.
func serve(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func testCtx(t testing.TB) context.Context { return testwait.Context(t) }

// helperEnv makes the test binary act as a small program that launches a
// browser and waits for a signal, the way the command line does.
const helperEnv = "SELLEROPS_AUTOMATIONS_HELPER"
