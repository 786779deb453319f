package tracking

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/launcher"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
)

// remoteChromium is a Chromium process started the way an operator starts
// a remote browser: --remote-debugging-port=0, its address read from the
// DevToolsActivePort file Chromium writes into its profile.
type remoteChromium struct {
	cmd *exec.Cmd
	URL string
	dir string // its profile folder
}

// startRemoteChromium starts one headless Chromium listening on a free
// loopback port and returns its ws:// address. The test fails when
// Chromium is missing.
func startRemoteChromium(t testing.TB) *remoteChromium {
	t.Helper()
	bin, ok := launcher.LookPath()
	if !ok {
		t.Fatal("this test needs Chromium (install the chromium package)")
	}
	dir := t.TempDir()
	args := []string{"--headless=new", "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1",
		"--user-data-dir=" + dir, "--no-first-run", "--no-default-browser-check", "--disable-gpu",
		"--disable-background-networking", "--disable-component-update", "--disable-sync", "--password-store=basic",
		"about:blank"}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	cmd := exec.Command(bin, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	rc := &remoteChromium{cmd: cmd, dir: dir}
	t.Cleanup(func() { rc.kill() })
	// Chromium writes the port on the first line and the browser's path
	// on the second once it listens.
	file := filepath.Join(dir, "DevToolsActivePort")
	testwait.Until(t, "Chromium to write "+file, func() bool {
		b, err := os.ReadFile(file)
		if err != nil {
			return false
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 {
			return false
		}
		rc.URL = "ws://127.0.0.1:" + strings.TrimSpace(lines[0]) + strings.TrimSpace(lines[1])
		return true
	})
	return rc
}

// kill ends the Chromium process and its helpers at once, as a crash or a
// lost machine would.
func (rc *remoteChromium) kill() {
	if rc.cmd.Process == nil || rc.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-rc.cmd.Process.Pid, syscall.SIGKILL)
	_ = rc.cmd.Wait()
}

// TestThreeRemoteBrowsersOneKilledHalfWay tracks a batch of tracking pages
// over three remote Chromium processes and kills one when about a third of
// the lines are in. Every number still gets exactly one line, every line
// is a success, the pages were spread over all three while they lived, and
// after the kill the dead browser is named only by the few lookups it had
// answered as it died.
func TestThreeRemoteBrowsersOneKilledHalfWay(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, sandbox.Options{})
	db := openDB(t)
	remotes := []*remoteChromium{startRemoteChromium(t), startRemoteChromium(t), startRemoteChromium(t)}
	var eps []automations.Endpoint
	names := map[string]int{}
	for i, r := range remotes {
		eps = append(eps, automations.Endpoint{URL: r.URL})
		names[automations.EndpointName(r.URL)] = i
	}
	if len(names) != 3 {
		t.Fatalf("three browsers with %d distinct names: %v", len(names), names)
	}
	set := automations.NewBrowserSet(automations.BrowserOptions{Timeout: 20 * time.Second}, eps)
	t.Cleanup(func() { _ = set.Close() })

	var numbers []string
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		numbers = append(numbers, numbersOf(parcels(sb, c, "", 12))...)
	}
	var logged syncBuffer
	deps := Deps{DB: db, Web: SandboxWeb(sb.URL), Logger: slog.New(slog.NewTextHandler(&logged, nil)),
		Browsers: func(context.Context) (*automations.BrowserSet, error) { return set, nil }}
	ctx := testwait.Context(t)
	const concurrency = 6
	ch, err := TrackAll(ctx, deps, numbers, Options{Concurrency: concurrency, Retry: fastRetry(), PageBudget: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	const victim = 1
	killAt := len(numbers) / 3
	seen := map[string]int{}
	servedBefore := map[string]int{}
	servedAfter := map[string]int{}
	killed := false
	n := 0
	for l := range ch {
		n++
		seen[l.Number]++
		if l.Error != nil {
			t.Errorf("%s: %s: %s", l.Number, l.Error.Class, l.Error.Message)
			continue
		}
		if l.Source != SourceWeb {
			t.Errorf("%s: source %q, want web", l.Number, l.Source)
		}
		i, ok := names[l.Endpoint]
		switch {
		case !ok:
			t.Errorf("%s: endpoint %q is none of the three browsers", l.Number, l.Endpoint)
		case strings.Contains(l.Endpoint, "/devtools/"):
			t.Errorf("%s: endpoint %q shows the browser's path", l.Number, l.Endpoint)
		case killed && i == victim:
			// A lookup the victim had answered just before the kill may
			// still be on its way (and, under load, stamp its line a moment
			// after the kill); no more of them can exist than pages were
			// open at the kill.
			servedAfter[l.Endpoint]++
		}
		if !killed {
			servedBefore[l.Endpoint]++
		}
		if !killed && n >= killAt {
			remotes[victim].kill()
			killed = true
		}
	}
	if ctx.Err() != nil {
		t.Fatalf("the run did not finish: %v", ctx.Err())
	}
	for _, num := range numbers {
		if seen[num] != 1 {
			t.Errorf("%s: %d lines, want 1", num, seen[num])
		}
	}
	if len(seen) != len(numbers) {
		t.Errorf("%d numbers answered, %d asked", len(seen), len(numbers))
	}
	if len(servedBefore) != 3 {
		t.Errorf("before the kill the pages ran on %d browsers (%v), want all three", len(servedBefore), servedBefore)
	}
	for ep, k := range servedAfter {
		if k > concurrency {
			t.Errorf("after the kill %d lines name the killed browser %s; at most the %d pages open at the kill could have been answered by it", k, ep, concurrency)
		}
	}
	// The killed browser had pages mid-lookup: those lookups moved.
	if moved := strings.Count(logged.String(), "browser lost under a lookup"); moved == 0 {
		t.Errorf("no lookup moved off the killed browser; the log:\n%s", logged.String())
	} else {
		t.Logf("%d lookups moved off the killed browser; lines before the kill by browser: %v", moved, servedBefore)
	}
}

// syncBuffer is a bytes.Buffer safe for the logger's goroutines.
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
