package marketplace

import (
	"context"
	"sync"

	"github.com/sellerops/sellerops/localdb/secrets"
)

// MemorySecrets is a secrets.Store that keeps values in this process's
// memory only, for the demo's throwaway credentials and for tests. Nothing
// it holds is ever written anywhere.
type MemorySecrets struct {
	mu sync.Mutex
	m  map[string]string
}

var _ secrets.Store = (*MemorySecrets)(nil)

// NewMemorySecrets returns an empty in-memory store.
func NewMemorySecrets() *MemorySecrets { return &MemorySecrets{m: map[string]string{}} }

func (s *MemorySecrets) Get(_ context.Context, key string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.m[key]
	if !ok {
		return "", &secrets.Error{Op: "get", Key: key, Err: secrets.ErrNotFound}
	}
	return v, nil
}

func (s *MemorySecrets) Set(_ context.Context, key, value string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = value
	return nil
}

func (s *MemorySecrets) Delete(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[key]; !ok {
		return &secrets.Error{Op: "delete", Key: key, Err: secrets.ErrNotFound}
	}
	delete(s.m, key)
	return nil
}

// Clone returns a separate store holding the same values, so that a test
// can start several commands from one prepared set of secrets.
func (s *MemorySecrets) Clone() *MemorySecrets {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := NewMemorySecrets()
	for k, v := range s.m {
		c.m[k] = v
	}
	return c
}
