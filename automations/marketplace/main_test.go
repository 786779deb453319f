package marketplace

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

var (
	sharedOnce    sync.Once
	sharedBrowser *automations.Browser
	sharedErr     error
)

func TestMain(m *testing.M) {
	if point := os.Getenv(crashEnv); point != "" {
		os.Exit(crashHelper(point))
	}
	if point := os.Getenv(noticeCrashEnv); point != "" {
		os.Exit(noticeCrashHelper(point))
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

// testBrowser returns one browser shared by this package's tests, which
// run side by side: a Browser is safe for concurrent use, and each flow
// signs in through a pool of its own, in an isolated browser context. A
// test fails when Chromium cannot be launched.
func testBrowser(t testing.TB) *automations.Browser {
	t.Helper()
	sharedOnce.Do(func() {
		sharedBrowser, sharedErr = automations.Launch(context.Background(), automations.BrowserOptions{Timeout: time.Minute})
	})
	if sharedErr != nil {
		t.Fatalf("these tests need Chromium: %v", sharedErr)
	}
	return sharedBrowser
}

// env is one test's world: a sandbox, a database file, in-memory secrets
// and the dependencies the flows take.
type env struct {
	sb   *sandbox.Sandbox
	deps *Deps
	dir  string
	log  string
}

func newEnv(t testing.TB, opts sandbox.Options, overrideDir string) *env {
	t.Helper()
	ctx := context.Background()
	if opts.Seed == 0 {
		opts.Seed = 11
	}
	if opts.Orders == 0 {
		opts.Orders = 40
	}
	sb, err := sandbox.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start sandbox: %v", err)
	}
	t.Cleanup(func() { _ = sb.Close() })
	dir := t.TempDir()
	db, err := localdb.Open(ctx, filepath.Join(dir, "sellerops.db"), localdb.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	recipes, err := automations.LoadRecipes(overrideDir)
	if err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(dir, "sellerops.log")
	lf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lf.Close() })
	deps := &Deps{DB: db, Secrets: NewMemorySecrets(), Browser: testBrowser(t), Recipes: recipes,
		Logger:      slog.New(slog.NewJSONHandler(lf, &slog.HandlerOptions{Level: slog.LevelDebug})),
		EvidenceDir: filepath.Join(dir, "evidence"), AttachmentDir: filepath.Join(dir, "attachments"),
		Now: sb.Now, Retry: automations.RetryPolicy{Attempts: 4, Base: 200 * time.Millisecond, Max: 2 * time.Second}}
	return &env{sb: sb, deps: deps, dir: dir, log: logPath}
}

// addStore registers the sandbox account as a store named after it.
func (e *env) addStore(t testing.TB, account string) localdb.Store {
	t.Helper()
	acct := e.sb.Account(account)
	st, err := AddStoreWithRecipes(context.Background(), e.deps.DB, e.deps.Secrets, e.deps.Recipes, StoreSpec{
		Name: account, Marketplace: acct.Site, BaseURL: e.sb.URL(acct.Site), Username: acct.Username,
		Recipe: acct.Site + "-sandbox", Password: acct.Password, TOTPSecret: acct.TOTPSecret, Demo: true})
	if err != nil {
		t.Fatalf("add store %s: %v", account, err)
	}
	return st
}
