package sandbox

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func TestServePrintsSitesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuf
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, Options{Seed: 2, Orders: 20}, &out) }()
	deadline := time.Now().Add(10 * time.Second)
	for strings.Count(out.String(), "\n") < len(siteOrder) {
		if time.Now().After(deadline) {
			t.Fatalf("Serve printed %q", out.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	for i, l := range lines {
		name, u, ok := strings.Cut(l, " ")
		if !ok || name != siteOrder[i].name || !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("line %d %q", i, l)
		}
		resp, err := http.Get(u + "/static/sandbox.css")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s not serving: %v", name, err)
		}
		resp.Body.Close()
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after cancel")
	}
	if _, err := http.Get(strings.Fields(lines[0])[1] + "/login"); err == nil {
		t.Fatal("amazon still serving after Serve returned")
	}
}

func TestBasePortAndBadHost(t *testing.T) {
	if _, err := Start(context.Background(), Options{Host: "256.0.0.1"}); err == nil || !strings.Contains(err.Error(), "256.0.0.1") {
		t.Fatalf("bad host error %v", err)
	}
}

func TestSetAddr(t *testing.T) {
	var o Options
	if err := o.SetAddr("127.0.0.1:8700"); err != nil || o.Host != "127.0.0.1" || o.BasePort != 8700 {
		t.Fatalf("SetAddr: %v %+v", err, o)
	}
	for _, bad := range []string{"localhost", "127.0.0.1:http", "127.0.0.1:65535"} {
		if err := o.SetAddr(bad); err == nil || !strings.Contains(err.Error(), bad) {
			t.Errorf("SetAddr(%q) error %v", bad, err)
		}
	}
	// Consecutive ports from BasePort.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// Other processes may hold ports in a range; try a few ranges.
	var sb *Sandbox
	var base int
	for try := 0; sb == nil; try++ {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		base = ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		sb, err = Start(ctx, Options{Seed: 1, Orders: 5, BasePort: base})
		if err != nil && try == 4 {
			t.Fatalf("no free range of %d ports in 5 tries: %v", len(siteOrder), err)
		}
	}
	defer sb.Close()
	for i, s := range sb.Sites() {
		if want := fmt.Sprintf("http://127.0.0.1:%d", base+i); s.URL != want {
			t.Fatalf("%s at %s, want %s", s.Name, s.URL, want)
		}
	}
}
