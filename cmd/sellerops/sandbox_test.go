package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer lets the test read what the server prints while it runs.
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

func TestSandboxCommandServesUntilCancelled(t *testing.T) {
	out := &syncBuffer{}
	ios := &ioStreams{In: strings.NewReader(""), Out: out, ErrOut: io.Discard}
	f := newFactory(ios)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan exitCode, 1)
	go func() { done <- execute(ctx, f, []string{"sandbox", "--seed", "3", "--orders", "20"}) }()

	deadline := time.Now().Add(20 * time.Second)
	var sites map[string]string
	for time.Now().Before(deadline) {
		sites = map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if name, url, ok := strings.Cut(sc.Text(), " "); ok {
				sites[name] = url
			}
		}
		if len(sites) >= 8 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	for _, name := range []string{"amazon", "ebay", "tiktok", "ups", "fedex", "usps", "dhl", "control"} {
		if !strings.HasPrefix(sites[name], "http://127.0.0.1:") {
			t.Fatalf("site %s not listed: %q", name, out.String())
		}
	}
	resp, err := http.Get(sites["amazon"] + "/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("amazon /login: %s", resp.Status)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Fatalf("exit %d after Ctrl-C", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("sandbox did not stop after cancel")
	}
}

func TestSandboxCommandRefusesBadInput(t *testing.T) {
	cases := []struct {
		args []string
		code exitCode
		want string
	}{
		{[]string{"sandbox", "--addr", "0.0.0.0:0"}, exitUsage, "loopback"},
		{[]string{"sandbox", "--addr", "nonsense"}, exitUsage, "HOST:PORT"},
		{[]string{"sandbox", "--faults", "gremlins=3"}, exitBadInput, "gremlins"},
	}
	for _, tc := range cases {
		res := runCommand(t, tc.args, false, "")
		if res.code != tc.code || !strings.Contains(res.stderr, tc.want) {
			t.Errorf("%v: code %d stderr %q", tc.args, res.code, res.stderr)
		}
	}
}
