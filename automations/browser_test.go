package automations

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/proto"

	"github.com/sellerops/sellerops/automations/testwait"
)

const helloPage = `<!doctype html><html><head><title>Hello sellerops</title></head>
<body><h1 id="greet">waiting</h1>
<script>setTimeout(() => { document.getElementById('greet').textContent = 'rendered by script'; }, 50);</script>
</body></html>`

func helloHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = io.WriteString(w, helloPage)
	})
}

// processesUsing lists the pids whose command line mentions needle. It
// reads /proc, so elsewhere than on Linux it finds nothing and the checks
// that use it are only as strong as the pid checks beside them.
func processesUsing(t *testing.T, needle string) []string {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if strings.Contains(string(cmd), needle) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

func renderHello(t *testing.T, b *Browser, url string) {
	t.Helper()
	pool, err := NewPool(testCtx(t), b, PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	var text, title string
	err = pg.Step(testCtx(t), "render", testwait.Budget(t), func(p *rodPage) error {
		if err := Navigate(p, url); err != nil {
			return err
		}
		el, err := p.ElementR("#greet", "rendered by script")
		if err != nil {
			return err
		}
		text, err = el.Text()
		if err != nil {
			return err
		}
		info, err := p.Info()
		if err != nil {
			return err
		}
		title = info.Title
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if text != "rendered by script" || title != "Hello sellerops" {
		t.Fatalf("page rendered text %q, title %q; want the script's text and the page title", text, title)
	}
}

func TestLaunchRendersAndCloseCleansUp(t *testing.T) {
	srv := serve(t, helloHandler())
	b, err := Launch(testCtx(t), BrowserOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	pid, dir := b.PID(), b.UserDataDir()
	if pid == 0 || dir == "" {
		t.Fatalf("launched browser has pid %d and profile %q", pid, dir)
	}
	if b.Started <= 0 {
		t.Errorf("Started = %v, want the launch time", b.Started)
	}
	v, err := b.Version(testCtx(t))
	if err != nil || !strings.Contains(v, "/") {
		t.Fatalf("version = %q, %v", v, err)
	}
	renderHello(t, b, srv.URL)
	if runtime.GOOS == "linux" && len(processesUsing(t, dir)) == 0 {
		t.Fatalf("no process mentions the profile folder %s while the browser runs; the check below would prove nothing", dir)
	}

	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if processAlive(pid) {
		t.Errorf("browser process %d still runs after Close", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary profile %s still exists after Close (stat: %v)", dir, err)
	}
	if left := processesUsing(t, dir); len(left) > 0 {
		t.Errorf("processes %v still use the profile after Close", left)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestLaunchKeepsGivenProfile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "profile")
	b, err := Launch(testCtx(t), BrowserOptions{UserDataDir: dir, Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "Default")); err != nil {
		t.Errorf("a profile the caller gave must be kept after Close: %v", err)
	}
}

func TestLaunchBogusBinIsNoBrowser(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "no-such-chromium")
	_, err := Launch(testCtx(t), BrowserOptions{Bin: bogus, Timeout: 10 * time.Second})
	if !errors.Is(err, ErrNoBrowser) {
		t.Fatalf("launch with a missing binary: err = %v, want ErrNoBrowser", err)
	}
	for _, want := range []string{bogus, "sudo apt-get install chromium", "brew install --cask chromium", "SELLEROPS_BROWSER"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestLaunchEnvBrowser(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "env-chromium")
	t.Setenv(EnvBrowser, bogus)
	_, err := Launch(testCtx(t), BrowserOptions{Timeout: 10 * time.Second})
	if !errors.Is(err, ErrNoBrowser) || !strings.Contains(err.Error(), bogus) || !strings.Contains(err.Error(), EnvBrowser) {
		t.Fatalf("err = %v, want ErrNoBrowser naming %s and %s", err, bogus, EnvBrowser)
	}
}

func TestLaunchFailureLeavesNoProfile(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fake := filepath.Join(t.TempDir(), "fake-browser")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\necho 'this is not a browser' >&2\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := Launch(testCtx(t), BrowserOptions{Bin: fake, Timeout: 20 * time.Second})
	if err == nil {
		t.Fatal("a binary that exits at once launched without error")
	}
	if !strings.Contains(err.Error(), fake) {
		t.Errorf("error %q does not name the binary", err)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "sellerops-browser-*"))
	if len(left) > 0 {
		t.Errorf("failed launch left profiles %v", left)
	}
}

func TestLaunchTimeoutCleansUp(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	fake := filepath.Join(t.TempDir(), "hanging-browser")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nexec sleep 60\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := Launch(testCtx(t), BrowserOptions{Bin: fake, Timeout: 500 * time.Millisecond})
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "500ms") {
		t.Fatalf("err = %v, want a deadline error naming the budget", err)
	}
	// The fake browser lives 60 s: a launch that waited for it to exit
	// ignored its budget.
	if time.Since(start) >= 60*time.Second {
		t.Errorf("launch took %v to give up on a 500ms budget", time.Since(start))
	}
	// The killed process may take a moment to be gone on a loaded machine;
	// left running, it would last the fake's 60 s.
	var pids []string
	testwait.Until(t, "the failed launch's processes to end", func() bool {
		pids = processesUsing(t, tmp)
		return len(pids) == 0 || time.Since(start) >= 60*time.Second
	})
	if len(pids) > 0 {
		t.Errorf("processes %v outlived the failed launch by a minute", pids)
	}
	left, _ := filepath.Glob(filepath.Join(tmp, "sellerops-browser-*"))
	if len(left) > 0 {
		t.Errorf("failed launch left profiles %v", left)
	}
}

// TestBrowserOutlivesLaunchContext: the context given to Launch bounds the
// launch, not the browser. A job that starts the process's browser and then
// ends must not take the browser away from the next job; only Close ends it.
func TestBrowserOutlivesLaunchContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b, err := Launch(ctx, BrowserOptions{Timeout: testwait.Budget(t)})
	if err != nil {
		t.Fatal(err)
	}
	pid, dir := b.PID(), b.UserDataDir()
	cancel()
	// The browser still answers a CDP call and can open a page for a
	// context that is alive.
	if _, err := b.Version(testCtx(t)); err != nil {
		t.Fatalf("browser stopped answering once its launch context ended: %v", err)
	}
	pool, err := NewPool(testCtx(t), b, PoolOptions{Size: 1})
	if err != nil {
		t.Fatal(err)
	}
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatalf("no page after the launch context ended: %v", err)
	}
	pool.Put(pg)
	if err := pool.Close(); err != nil {
		t.Fatal(err)
	}
	if !processAlive(pid) {
		t.Fatalf("browser %d exited when its launch context ended", pid)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if processAlive(pid) {
		t.Fatalf("browser %d still runs after Close", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("profile %s still exists after Close (stat: %v)", dir, err)
	}
}

func TestClosedNetworkFlags(t *testing.T) {
	b := testBrowser(t)
	res, err := proto.BrowserGetBrowserCommandLine{}.Call(b.Rod().Context(testCtx(t)))
	if err != nil {
		t.Fatal(err)
	}
	args := strings.Join(res.Arguments, " ")
	for _, want := range []string{
		"--disable-component-update", "--disable-quic", "--disable-domain-reliability", "--no-pings",
		"--disable-gpu", "--disable-background-networking", "--disable-sync", "--disable-default-apps",
		"--no-first-run", "--headless", "--gaia-url=" + deadEndpoint, "--component-updater=url-source=" + deadEndpoint,
		"OptimizationHints", "AutofillServerCommunication", "NetworkTimeServiceQuerying", "MediaRouter",
		"CertificateTransparencyComponentUpdater", ",Translate",
	} {
		if !strings.Contains(args, want) {
			t.Errorf("browser command line lacks %q:\n%s", want, args)
		}
	}
	if got, want := strings.Contains(args, "--no-sandbox"), os.Geteuid() == 0; got != want {
		t.Errorf("--no-sandbox present = %v, want %v (only as root)", got, want)
	}
}

var devtoolsLine = regexp.MustCompile(`DevTools listening on (ws://\S+)`)

// startRemoteChromium runs a browser the way a remote service would, with a
// debugging port on 127.0.0.1, and returns its websocket URL.
func startRemoteChromium(t *testing.T) (string, *exec.Cmd) {
	t.Helper()
	bin, ok := launcher.LookPath()
	if !ok {
		t.Fatal("these tests need Chromium: " + ErrNoBrowser.Error())
	}
	// Not t.TempDir: Chromium's helper processes outlive the main one for a
	// moment and keep writing to the profile, so the cleanup below waits for
	// them before removing it.
	dir, err := os.MkdirTemp("", "sellerops-remote-*")
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"--headless", "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
		"--user-data-dir=" + dir, "--disable-gpu", "--no-first-run", "--password-store=basic", "about:blank"}
	if os.Geteuid() == 0 {
		args = append(args, "--no-sandbox")
	}
	cmd := exec.Command(bin, args...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for _, pid := range profileProcesses(dir) {
			if p, err := os.FindProcess(pid); err == nil {
				_ = p.Kill()
			}
		}
		waitHelpersGone(dir, testwait.Budget(t))
		var err error
		for try := 0; try < 50; try++ { // where helpers cannot be listed, let them finish
			if err = os.RemoveAll(dir); err == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
		t.Errorf("remove the remote browser's profile: %v", err)
	})
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := devtoolsLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
				break
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	select {
	case u := <-found:
		return u, cmd
	case <-time.After(testwait.Budget(t)):
		t.Fatal("remote chromium did not print its DevTools URL")
	}
	return "", nil
}

func TestConnectRemoteBrowser(t *testing.T) {
	u, cmd := startRemoteChromium(t)
	srv := serve(t, helloHandler())
	b, err := Launch(testCtx(t), BrowserOptions{Bin: u, Timeout: testwait.Budget(t)})
	if err != nil {
		t.Fatalf("connect to %s: %v", u, err)
	}
	if !b.Remote() || b.PID() != 0 {
		t.Errorf("remote browser: Remote() = %v, PID() = %d", b.Remote(), b.PID())
	}
	if v, err := b.Version(testCtx(t)); err != nil || v == "" {
		t.Fatalf("version over CDP = %q, %v", v, err)
	}
	renderHello(t, b, srv.URL)
	if err := b.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if !processAlive(cmd.Process.Pid) {
		t.Errorf("closing the connection must leave a remote browser running")
	}
	// A second client can still use it.
	b2, err := Launch(testCtx(t), BrowserOptions{Bin: u, Timeout: testwait.Budget(t)})
	if err != nil {
		t.Fatalf("reconnect: %v", err)
	}
	if err := b2.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestConnectRemoteRefused(t *testing.T) {
	_, err := Launch(testCtx(t), BrowserOptions{Bin: "ws://127.0.0.1:9/devtools/browser/x?token=hush", Timeout: 5 * time.Second})
	if err == nil {
		t.Fatal("connecting to a dead port succeeded")
	}
	if strings.Contains(err.Error(), "hush") {
		t.Errorf("error %q leaks the URL's query", err)
	}
	if !strings.Contains(err.Error(), "127.0.0.1:9") {
		t.Errorf("error %q does not name the endpoint", err)
	}
}

func TestLogWriterSplitsLines(t *testing.T) {
	var got []string
	h := &captureHandler{fn: func(line string) { got = append(got, line) }}
	w := &logWriter{logger: newSlog(h)}
	fmt.Fprint(w, "one\ntw")
	fmt.Fprint(w, "o\n\nthree\n")
	if strings.Join(got, "|") != "one|two|three" {
		t.Fatalf("lines = %q", got)
	}
}
