package automations

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/cdp"
	"github.com/go-rod/rod/lib/launcher"
	"github.com/go-rod/rod/lib/launcher/flags"
	"github.com/go-rod/rod/lib/proto"
	"github.com/ysmood/leakless"
)

// EnvBrowser names the environment variable that chooses the browser when
// BrowserOptions.Bin is empty: a path to a Chromium binary, or a ws:// URL of
// a remote browser.
const EnvBrowser = "SELLEROPS_BROWSER"

// DefaultLaunchTimeout is the launch or connect budget used when
// BrowserOptions.Timeout is zero.
const DefaultLaunchTimeout = 30 * time.Second

// deadEndpoint is a loopback address where nothing listens. Chromium's own
// background services are pointed at it so that they fail fast instead of
// reaching out to the internet.
const deadEndpoint = "http://127.0.0.1:9/"

// ErrNoBrowser is returned (wrapped) when no usable browser is found.
var ErrNoBrowser = errors.New("no browser found; install Chromium: sudo apt-get install chromium (Debian/Ubuntu), " +
	"brew install --cask chromium (macOS), or set SELLEROPS_BROWSER / --browser")

// BrowserOptions says which browser to use and how.
type BrowserOptions struct {
	// Bin is a path to a Chromium binary, or a ws:// / wss:// URL of a remote
	// browser spoken to over CDP. Empty means $SELLEROPS_BROWSER, else the
	// system browser found by launcher.LookPath. A browser is never
	// downloaded.
	Bin string
	// Show runs the browser with a window, for a person to watch or to pass
	// a CAPTCHA. Ignored for a remote browser.
	Show bool
	// UserDataDir is the browser profile folder. Empty means a fresh
	// temporary folder that Close removes. A folder given here is kept.
	UserDataDir string
	// Logger receives the browser's own output; it never reaches the
	// terminal. Nil discards it.
	Logger *slog.Logger
	// Timeout is the budget to launch or connect; zero means
	// DefaultLaunchTimeout.
	Timeout time.Duration
}

// Browser is a running local browser or a connection to a remote one.
// Close it exactly once when done; extra calls are harmless.
type Browser struct {
	// Started is how long the launch or connect took.
	Started time.Duration

	rod    *rod.Browser
	remote bool
	ws     *cdp.WebSocket
	// controlURL is the browser's DevTools address (ws://...), which may
	// carry a remote service's token: never log or show it unredacted.
	controlURL string
	pid        int
	dir        string // removed on Close when ownDir
	ownDir     bool
	logger     *slog.Logger
	cancel     context.CancelFunc // ends rod's event loop

	closeOnce sync.Once
	closeErr  error
}

// live holds every browser not yet closed, so that CloseAll can clean up
// when the process is told to stop.
var live = struct {
	sync.Mutex
	m map[*Browser]struct{}
}{m: map[*Browser]struct{}{}}

// CloseAll closes every browser this process launched or connected and has
// not closed yet. The command line calls it from its SIGINT/SIGTERM handler
// so that no browser process or temporary profile outlives sellerops.
func CloseAll() error {
	live.Lock()
	list := make([]*Browser, 0, len(live.m))
	for b := range live.m {
		list = append(list, b)
	}
	live.Unlock()
	var errs []error
	for _, b := range list {
		errs = append(errs, b.Close())
	}
	return errors.Join(errs...)
}

// Launch starts the local browser or connects to a remote one, as opts say.
// ctx bounds the launch only, which must also finish within opts.Timeout:
// once Launch has returned, the browser lives until Close (or CloseAll),
// whatever becomes of ctx. That lets one browser serve every job of a
// process, each job bounding its own pages with its own context.
func Launch(ctx context.Context, opts BrowserOptions) (*Browser, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("launch browser: %w", err)
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = DefaultLaunchTimeout
	}
	bin := strings.TrimSpace(opts.Bin)
	from := "--browser"
	if bin == "" {
		bin = strings.TrimSpace(os.Getenv(EnvBrowser))
		from = EnvBrowser
	}
	start := time.Now()
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	var (
		b   *Browser
		err error
	)
	if isRemote(bin) {
		b, err = connectRemote(lctx, bin, logger)
	} else {
		if bin == "" {
			found, ok := launcher.LookPath()
			if !ok {
				return nil, fmt.Errorf("launch browser: %w", ErrNoBrowser)
			}
			bin, from = found, "the system path"
		}
		b, err = launchLocal(lctx, bin, from, opts, logger)
	}
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
			err = fmt.Errorf("%w (the budget was %s; raise it or check that the browser starts by hand)", err, timeout)
		}
		return nil, err
	}
	b.Started = time.Since(start)
	live.Lock()
	live.m[b] = struct{}{}
	live.Unlock()
	return b, nil
}

func isRemote(bin string) bool {
	l := strings.ToLower(bin)
	return strings.HasPrefix(l, "ws://") || strings.HasPrefix(l, "wss://")
}

// connectRemote attaches to a browser that someone else runs, such as
// Browserless, Selenium Grid or rod's manager.
func connectRemote(ctx context.Context, u string, logger *slog.Logger) (*Browser, error) {
	if _, err := url.Parse(u); err != nil {
		return nil, fmt.Errorf("connect to remote browser %q: not a valid URL: %w", redactURL(u), err)
	}
	ws := &cdp.WebSocket{}
	if err := ws.Connect(ctx, u, nil); err != nil {
		return nil, fmt.Errorf("connect to remote browser %s: %w (check that it runs and that the URL is its CDP websocket endpoint)", redactURL(u), err)
	}
	client := cdp.New().Start(ws)
	life, cancel := context.WithCancel(context.Background())
	rb := rod.New().Client(client).Context(life)
	if err := connectRod(ctx, rb); err != nil {
		cancel()
		_ = ws.Close()
		return nil, fmt.Errorf("connect to remote browser %s: %w", redactURL(u), err)
	}
	logger.Info("connected to remote browser", "url", redactURL(u))
	return &Browser{rod: rb, remote: true, ws: ws, controlURL: u, logger: logger, cancel: cancel}, nil
}

// connectRod runs rod's Connect but gives up when ctx ends.
func connectRod(ctx context.Context, rb *rod.Browser) error {
	done := make(chan error, 1)
	go func() { done <- rb.Connect() }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// redactURL drops credentials and query (remote endpoints often carry an API
// token there) before a URL is shown.
func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	return u.String()
}

// closedNetworkFlags are the switches that keep Chromium from reaching out on
// its own: no updates, no telemetry, no sync, no translation, no QUIC.
func closedNetworkFlags(l *launcher.Launcher) {
	for _, f := range []string{
		"disable-component-update",
		"disable-quic",
		"disable-domain-reliability",
		"no-pings",
		"disable-gpu",
		"disable-background-networking",
		"disable-sync",
		"disable-default-apps",
		"no-first-run",
		"no-default-browser-check",
		"disable-breakpad",
		"disable-client-side-phishing-detection",
		"safebrowsing-disable-auto-update",
		"disable-crash-reporter",
	} {
		l.Set(flags.Flag(f))
	}
	l.Set("disable-features",
		"site-per-process", "TranslateUI",
		"OptimizationHints", "AutofillServerCommunication", "NetworkTimeServiceQuerying",
		"MediaRouter", "Translate", "CertificateTransparencyComponentUpdater")
	l.Set("gaia-url", deadEndpoint)
	l.Set("component-updater", "url-source="+deadEndpoint)
	// Keep Chromium away from the desktop keyring: sellerops owns the
	// keyring, and a prompt from the browser would stall a headless run.
	l.Set("password-store", "basic")
}

func launchLocal(ctx context.Context, bin, from string, opts BrowserOptions, logger *slog.Logger) (_ *Browser, err error) {
	path, lerr := exec.LookPath(bin)
	if lerr != nil {
		return nil, fmt.Errorf("launch browser %q (from %s): %w: %w", bin, from, ErrNoBrowser, lerr)
	}
	if opts.Show && runtime.GOOS == "linux" && os.Getenv("DISPLAY") == "" && os.Getenv("WAYLAND_DISPLAY") == "" {
		return nil, errors.New("launch browser: --show needs a display, and neither DISPLAY nor WAYLAND_DISPLAY is set; " +
			"run it in a desktop session, over ssh -X, or under xvfb-run, or leave out --show")
	}
	dir, own := opts.UserDataDir, false
	if dir == "" {
		// Profiles orphaned by a killed run are swept here, long after any
		// launch that made them could still be starting.
		if removed, _ := CleanStaleProfiles(time.Hour); len(removed) > 0 {
			logger.Info("removed stale browser profiles", "count", len(removed))
		}
		dir, err = os.MkdirTemp("", profilePrefix)
		if err != nil {
			return nil, fmt.Errorf("launch browser: create a temporary profile folder: %w", err)
		}
		own = true
	} else if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("launch browser: profile folder %q: %w", dir, err)
	}

	out := &logWriter{logger: logger}
	l := launcher.New().
		Context(ctx).
		Bin(path).
		Leakless(leakless.Support()).
		Headless(!opts.Show).
		NoSandbox(os.Geteuid() == 0).
		UserDataDir(dir).
		Logger(out)
	closedNetworkFlags(l)

	defer func() {
		if err == nil {
			return
		}
		pid := l.PID()
		if pid != 0 {
			killProcess(pid)
			waitGone(pid, 5*time.Second)
		}
		if own {
			_ = os.RemoveAll(dir)
		}
	}()

	u, err := l.Launch()
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("launch browser %q: %w", path, ctx.Err())
		}
		if errors.Is(err, exec.ErrNotFound) || errors.Is(err, os.ErrPermission) || errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("launch browser %q: %w: %w", path, ErrNoBrowser, err)
		}
		return nil, fmt.Errorf("launch browser %q: %w (its output is in the log; is it a Chromium-based browser?)", path, err)
	}
	pid := l.PID()
	ws := &cdp.WebSocket{}
	if err := ws.Connect(ctx, u, nil); err != nil {
		return nil, fmt.Errorf("launch browser %q: connect to it: %w", path, err)
	}
	life, cancel := context.WithCancel(context.Background())
	rb := rod.New().Client(cdp.New().Start(ws)).Context(life)
	if err := connectRod(ctx, rb); err != nil {
		cancel()
		_ = ws.Close()
		return nil, fmt.Errorf("launch browser %q: connect to it: %w", path, err)
	}
	logger.Info("browser launched", "bin", path, "pid", pid, "headless", !opts.Show)
	return &Browser{rod: rb, ws: ws, controlURL: u, pid: pid, dir: dir, ownDir: own, logger: logger, cancel: cancel}, nil
}

// Rod returns the underlying rod browser, for code that needs more than this
// package offers. Do not call its Close; call (*Browser).Close.
func (b *Browser) Rod() *rod.Browser { return b.rod }

// Remote reports whether the browser is a remote one reached over CDP.
func (b *Browser) Remote() bool { return b.remote }

// ControlURL returns the DevTools address another process can attach to
// (BrowserOptions.Bin), as the kill tests' child processes do. It may hold
// a remote service's token: do not log it.
func (b *Browser) ControlURL() string { return b.controlURL }

// PID returns the process id of a local browser, or 0 for a remote one.
func (b *Browser) PID() int { return b.pid }

// UserDataDir returns the profile folder of a local browser.
func (b *Browser) UserDataDir() string { return b.dir }

// Version returns the browser's product string, such as "Chrome/130.0.0.0".
func (b *Browser) Version(ctx context.Context) (string, error) {
	v, err := proto.BrowserGetVersion{}.Call(b.rod.Context(ctx))
	if err != nil {
		return "", fmt.Errorf("browser version: %w", err)
	}
	return v.Product, nil
}

// Close ends the browser: a local one is asked to quit, killed if it does not
// within a few seconds, and its temporary profile is removed; for a remote
// one only the connection is closed and the browser keeps running. Close is
// safe to call more than once and from several goroutines.
func (b *Browser) Close() error {
	b.closeOnce.Do(func() { b.closeErr = b.close() })
	return b.closeErr
}

func (b *Browser) close() error {
	live.Lock()
	delete(live.m, b)
	live.Unlock()

	var errs []error
	if !b.remote {
		// Ask politely first so the profile is flushed; the answer may never
		// come because the browser goes away, so keep the wait short.
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		_ = proto.BrowserClose{}.Call(b.rod.Context(ctx))
		cancel()
	}
	b.cancel()
	if b.ws != nil {
		_ = b.ws.Close()
	}
	if !b.remote {
		if !waitGone(b.pid, 5*time.Second) {
			b.logger.Warn("browser did not quit; killing it", "pid", b.pid)
			killProcess(b.pid)
			if !waitGone(b.pid, 5*time.Second) {
				errs = append(errs, fmt.Errorf("close browser: process %d is still running after kill", b.pid))
			}
		}
		// Helpers may outlive the main process for a moment; wait for them
		// (and end the stubborn ones) so none recreates the profile after
		// it is removed.
		if !waitHelpersGone(b.dir, 3*time.Second) {
			for _, pid := range profileProcesses(b.dir) {
				killProcess(pid)
			}
			if !waitHelpersGone(b.dir, 3*time.Second) {
				errs = append(errs, fmt.Errorf("close browser: helper processes %v still run", profileProcesses(b.dir)))
			}
		}
		if b.ownDir {
			if err := os.RemoveAll(b.dir); err != nil {
				errs = append(errs, fmt.Errorf("close browser: remove temporary profile %q: %w", b.dir, err))
			}
		}
	}
	return errors.Join(errs...)
}

// waitGone waits until the process has exited, up to max. It reports
// whether it is gone.
func waitGone(pid int, max time.Duration) bool {
	if !processAlive(pid) {
		return true
	}
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return !processAlive(pid)
		case <-tick.C:
			if !processAlive(pid) {
				return true
			}
		}
	}
}

// waitHelpersGone waits until no process names the profile folder, up to
// max, and reports whether none does.
func waitHelpersGone(dir string, max time.Duration) bool {
	if len(profileProcesses(dir)) == 0 {
		return true
	}
	deadline := time.NewTimer(max)
	defer deadline.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-deadline.C:
			return len(profileProcesses(dir)) == 0
		case <-tick.C:
			if len(profileProcesses(dir)) == 0 {
				return true
			}
		}
	}
}

// logWriter turns the browser's output into log records, one per line.
type logWriter struct {
	logger *slog.Logger
	mu     sync.Mutex
	buf    []byte
}

var _ io.Writer = (*logWriter)(nil)

func (w *logWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimSpace(string(w.buf[:i]))
		w.buf = w.buf[i+1:]
		if line != "" {
			w.logger.Debug("browser output", "line", line)
		}
	}
	if len(w.buf) > 64<<10 { // a runaway line without a newline
		w.logger.Debug("browser output", "line", string(w.buf))
		w.buf = w.buf[:0]
	}
	return len(p), nil
}
