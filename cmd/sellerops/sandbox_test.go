package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
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
	t.Parallel()
	out := &syncBuffer{}
	ios := &ioStreams{In: strings.NewReader(""), Out: out, ErrOut: io.Discard}
	f := newFactory(ios)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan exitCode, 1)
	go func() { done <- execute(ctx, f, []string{"sandbox", "--seed", "3", "--orders", "20"}) }()

	var sites map[string]string
	testwait.Until(t, "the sandbox to list its 8 sites", func() bool {
		sites = map[string]string{}
		sc := bufio.NewScanner(strings.NewReader(out.String()))
		for sc.Scan() {
			if name, url, ok := strings.Cut(sc.Text(), " "); ok {
				sites[name] = url
			}
		}
		return len(sites) >= 8
	})
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
		if code != exitInterrupted {
			t.Fatalf("exit %d after Ctrl-C, want %d (interrupted)", code, exitInterrupted)
		}
	case <-time.After(testwait.Budget(t)):
		t.Fatal("sandbox did not stop after cancel")
	}
}

func TestSandboxCommandRefusesBadInput(t *testing.T) {
	t.Parallel()
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

// TestSandboxClockStartsToday: the sandbox's clock starts at the present
// hour by default (the factory's clock, fixed here), and at --start when
// given; a bad --start exits 4 naming the value.
func TestSandboxClockStartsToday(t *testing.T) {
	t.Parallel()
	now := time.Date(2027, time.January, 15, 14, 37, 0, 0, time.UTC)
	for _, tc := range []struct {
		args []string
		want time.Time
	}{
		{nil, time.Date(2027, time.January, 15, 14, 0, 0, 0, time.UTC)},
		{[]string{"--start", "2026-03-04"}, time.Date(2026, time.March, 4, 9, 0, 0, 0, time.UTC)},
		{[]string{"--start", "2026-05-01T10:30:00+02:00"}, time.Date(2026, time.May, 1, 8, 30, 0, 0, time.UTC)},
	} {
		out := &syncBuffer{}
		f := newFactory(&ioStreams{In: strings.NewReader(""), Out: out, ErrOut: io.Discard})
		f.Now = func() time.Time { return now }
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan exitCode, 1)
		go func() {
			done <- execute(ctx, f, append([]string{"sandbox", "--seed", "3", "--orders", "5"}, tc.args...))
		}()
		control := ""
		for control == "" {
			select {
			case code := <-done:
				cancel()
				t.Fatalf("%v: sandbox exited %d before listing its sites", tc.args, code)
			case <-time.After(20 * time.Millisecond):
			}
			for _, line := range strings.Split(out.String(), "\n") {
				if name, url, ok := strings.Cut(line, " "); ok && name == "control" {
					control = url
				}
			}
		}
		resp, err := http.Get(control + "/__sandbox/clock")
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		var clock struct{ Now, Start time.Time }
		err = json.NewDecoder(resp.Body).Decode(&clock)
		resp.Body.Close()
		cancel()
		<-done
		if err != nil || !clock.Start.Equal(tc.want) || !clock.Now.Equal(tc.want) {
			t.Errorf("%v: clock %+v (%v), want it to start at %s", tc.args, clock, err, tc.want)
		}
	}
	res := runCommand(t, []string{"sandbox", "--start", "next tuesday"}, false, "")
	if res.code != exitBadInput || !strings.Contains(res.stderr, "next tuesday") {
		t.Errorf("bad --start: exit %d, %s", res.code, res.stderr)
	}
}
