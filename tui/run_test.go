package tui

import (
	"bytes"
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// syncBuffer is a bytes.Buffer safe for the program's writer goroutine and
// the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestRunQuitCancelsJobAndReportsIt(t *testing.T) {
	db := fixture.Open(t)
	fixture.Fill(t, db)
	acts := &fixture.Actions{Hold: true, Script: []common.Progress{{Done: 1, Total: 2, Line: "amz-us done"}}}
	in, keys := io.Pipe()
	out := &syncBuffer{}
	done := make(chan error, 1)
	go func() {
		done <- Run(context.Background(), Options{DB: db, Actions: acts, Now: fixture.Clock, In: in, Out: out})
	}()
	// One write per key: a terminal sends a burst of bytes as one message.
	// A pipe's Write returns once the program has read it, so each key is
	// read on its own.
	for _, k := range []string{":", "sync", "\r"} {
		if _, err := keys.Write([]byte(k)); err != nil {
			t.Fatal(err)
		}
	}
	testwait.Until(t, "the sync action to be called", func() bool { return len(acts.Calls()) > 0 })
	if _, err := keys.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run: %v", err)
		}
	case <-time.After(testwait.Budget(t)):
		t.Fatal("Run did not return after q")
	}
	keys.Close()
	got := out.String()
	tail := got[strings.LastIndex(got, "cancelled running jobs"):]
	if !strings.HasPrefix(tail, "cancelled running jobs: sync all stores\n") || !strings.Contains(tail, "stopped: sync all stores") {
		t.Fatalf("after the dashboard closed, output ends with %q", tail)
	}
}

func TestRunEndsWithContext(t *testing.T) {
	db := fixture.Open(t)
	in, keys := io.Pipe()
	defer keys.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Options{DB: db, In: in, Out: &syncBuffer{}}) }()
	// Cancelled at once: Run must end whether or not the program has
	// started reading keys yet.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Run after cancel: %v", err)
		}
	case <-time.After(testwait.Budget(t)):
		t.Fatal("Run did not end with its context")
	}
	if err := Run(context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), "no database") {
		t.Fatalf("Run without a database: %v", err)
	}
}
