package marketplace

import (
	"context"
	"testing"
)

func TestMemorySecrets(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := NewMemorySecrets()
	if _, err := s.Get(ctx, "k"); err == nil {
		t.Fatal("empty store returned a value")
	}
	if err := s.Set(ctx, "k", "v"); err != nil {
		t.Fatal(err)
	}
	if v, err := s.Get(ctx, "k"); err != nil || v != "v" {
		t.Fatalf("get: %q %v", v, err)
	}
	if err := s.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
}
