package filing

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// memSecrets is a secret store in memory, for tests.
type memSecrets struct {
	mu sync.Mutex
	m  map[string]string
}

func (s *memSecrets) Get(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[key]; ok {
		return v, nil
	}
	return "", &secrets.Error{Op: "get", Key: key, Err: secrets.ErrNotFound}
}

func (s *memSecrets) Set(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]string{}
	}
	s.m[key] = value
	return nil
}

func (s *memSecrets) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

var (
	browserMu  sync.Mutex
	browserVal *automations.Browser
)

// testBrowser launches one Chromium for the test binary; a missing browser
// fails the test.
func testBrowser(t testing.TB) *automations.Browser {
	t.Helper()
	browserMu.Lock()
	defer browserMu.Unlock()
	if browserVal != nil {
		return browserVal
	}
	b, err := automations.Launch(context.Background(), automations.BrowserOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatalf("these tests need Chromium (install the chromium package): %v", err)
	}
	browserVal = b
	return b
}

// sandboxPortals points every carrier at the sandbox's claim portal.
func sandboxPortals(sb *sandbox.Sandbox) map[string]claims.Portal {
	out := map[string]claims.Portal{}
	for _, c := range sandbox.Carriers {
		out[c] = claims.Portal{Recipe: c + "-sandbox", BaseURL: sb.URL(c)}
	}
	return out
}

func sandboxSecrets(sb *sandbox.Sandbox) *memSecrets {
	s := &memSecrets{m: map[string]string{}}
	for _, c := range sandbox.Carriers {
		a := sb.Account(c)
		s.m[claims.PortalUsernameKey(c)] = a.Username
		s.m[claims.PortalPasswordKey(c)] = a.Password
	}
	return s
}

// browserDeps are Deps for filing against the sandbox.
func browserDeps(t testing.TB, db *localdb.DB, sb *sandbox.Sandbox) Deps {
	t.Helper()
	b := testBrowser(t)
	return Deps{
		Deps:        claims.Deps{DB: db, Config: config.Defaults(), Now: sb.Now},
		Secrets:     sandboxSecrets(sb),
		Browser:     func(context.Context) (*automations.Browser, error) { return b, nil },
		Portals:     sandboxPortals(sb),
		StepTimeout: 20 * time.Second,
		Retry:       automations.RetryPolicy{Attempts: 3, Base: 200 * time.Millisecond, Max: time.Second},
	}
}
