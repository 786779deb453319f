package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// globalOptions are the flags every command shares.
type globalOptions struct {
	DBPath     string
	ConfigPath string
	Browser    string
	Show       bool
	LogLevel   string
}

// factory hands out the dependencies a command needs, each made on first
// use, so that a command that needs no browser never starts one and a
// command that needs no database never creates one.
type factory struct {
	IO   *ioStreams
	Opts globalOptions
	Now  func() time.Time
	// Getenv is os.Getenv outside tests.
	Getenv func(string) string

	redactor *secrets.Redactor

	mu        sync.Mutex
	db        *localdb.DB
	cfg       *config.Config
	secretsS  secrets.Store
	recipes   *automations.RecipeSet
	logger    *slog.Logger
	logCloser io.Closer

	// The browsers have their own lock, held as a one-slot channel so that
	// a caller waiting for another's launch can give up when its context
	// ends, and so that a slow launch never holds up the database or the
	// log.
	browserSlot   chan struct{}
	browsers      *automations.BrowserSet
	browserClosed bool
}

func newFactory(ioS *ioStreams) *factory {
	return &factory{
		IO:          ioS,
		Now:         time.Now,
		Getenv:      os.Getenv,
		redactor:    automations.ProcessSecrets(),
		browserSlot: make(chan struct{}, 1),
	}
}

// DBPath is --db, else $SELLEROPS_DB, else the file under the data dir.
func (f *factory) DBPath() (string, error) {
	if f.Opts.DBPath != "" {
		return f.Opts.DBPath, nil
	}
	if p := f.Getenv("SELLEROPS_DB"); p != "" {
		return p, nil
	}
	dir, err := localdb.DataDirEnv(f.Getenv)
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, localdb.DBFileName), nil
}

// ConfigPath is --config, else $SELLEROPS_CONFIG, else config.yaml in the config dir.
func (f *factory) ConfigPath() (path string, explicit bool, err error) {
	if f.Opts.ConfigPath != "" {
		return f.Opts.ConfigPath, true, nil
	}
	if p := f.Getenv("SELLEROPS_CONFIG"); p != "" {
		return p, true, nil
	}
	dir, err := localdb.ConfigDirEnv(f.Getenv)
	if err != nil {
		return "", false, err
	}
	return filepath.Join(dir, config.FileName), false, nil
}

// DB opens the database once.
func (f *factory) DB(ctx context.Context) (*localdb.DB, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db != nil {
		return f.db, nil
	}
	path, err := f.DBPath()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errDatabase, err)
	}
	db, err := localdb.Open(ctx, path, localdb.WithClock(f.Now))
	if err != nil {
		return nil, fmt.Errorf("%w: %v (check the path, or pass --db / set SELLEROPS_DB)", errDatabase, err)
	}
	f.db = db
	return db, nil
}

// Config loads the configuration once.
func (f *factory) Config() (*config.Config, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cfg != nil {
		return f.cfg, nil
	}
	path, explicit, err := f.ConfigPath()
	if err != nil {
		return nil, err
	}
	cfg, err := config.Load(path, explicit)
	if err != nil {
		return nil, err
	}
	f.cfg = cfg
	return cfg, nil
}

// Secrets is the environment-over-keyring store, remembering every value it
// hands out so that the log can blank it.
func (f *factory) Secrets() secrets.Store {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.secretsS == nil {
		f.secretsS = secrets.Tracking{Store: secrets.Default(), R: f.redactor}
	}
	return f.secretsS
}

// Logger writes to the log file, never to the terminal.
func (f *factory) Logger() *slog.Logger {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.logger != nil {
		return f.logger
	}
	level := slog.LevelInfo
	if f.Opts.LogLevel == "debug" {
		level = slog.LevelDebug
	}
	var w io.Writer = io.Discard
	if path, err := f.logPath(); err == nil {
		if err := localdb.EnsurePrivateDir(filepath.Dir(path)); err == nil {
			if file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600); err == nil {
				w = file
				f.logCloser = file
			}
		}
	}
	f.logger = slog.New(secrets.Handler{Next: slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level}), R: f.redactor})
	return f.logger
}

func (f *factory) logPath() (string, error) {
	if p := f.Getenv("SELLEROPS_LOG"); p != "" {
		return p, nil
	}
	// Beside the database, like evidence and reports, so that --db
	// elsewhere keeps everything of that database together.
	db, err := f.DBPath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(db), "logs", "sellerops.log"), nil
}

// BrowserOptions are the options every browser launch uses.
func (f *factory) BrowserOptions() automations.BrowserOptions {
	return automations.BrowserOptions{
		Bin:     f.Opts.Browser,
		Show:    f.Opts.Show,
		Logger:  f.Logger(),
		Timeout: 30 * time.Second,
	}
}

// errBrowserClosed is returned by Browser once the process has closed its
// browser on the way out.
var errBrowserClosed = errors.New("the browser was closed because sellerops is stopping")

// browserEndpoints are the browsers this process works with: --browser,
// else $SELLEROPS_BROWSER, else the config's browser.endpoints, else the
// local Chromium. --browser and the variable may list several ws://
// addresses separated by commas.
func (f *factory) browserEndpoints() ([]automations.Endpoint, error) {
	for _, spec := range []struct{ from, v string }{{"--browser", f.Opts.Browser}, {automations.EnvBrowser, f.Getenv(automations.EnvBrowser)}} {
		if strings.TrimSpace(spec.v) == "" {
			continue
		}
		eps, err := automations.ParseEndpoints(spec.v)
		if err != nil {
			return nil, usageErrorf("%s: %v", spec.from, err)
		}
		return eps, nil
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	var eps []automations.Endpoint
	for _, e := range cfg.Browser.Endpoints {
		eps = append(eps, automations.Endpoint{URL: e.URL, Tabs: e.Tabs})
	}
	return eps, nil
}

// Browsers returns this process's browser set, made on first use; no
// browser is started or connected until a page is asked for. There is one
// set per process, closed once by Close.
func (f *factory) Browsers(ctx context.Context) (*automations.BrowserSet, error) {
	select {
	case f.browserSlot <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("launch browser: %w", ctx.Err())
	}
	defer func() { <-f.browserSlot }()
	if f.browserClosed {
		return nil, errBrowserClosed
	}
	if f.browsers != nil {
		return f.browsers, nil
	}
	eps, err := f.browserEndpoints()
	if err != nil {
		return nil, err
	}
	opts := f.BrowserOptions()
	opts.Bin = "" // each endpoint names its own
	if len(eps) == 1 && !strings.HasPrefix(strings.ToLower(eps[0].URL), "ws") {
		// One local binary (a path, or none for the system's).
		opts.Bin, eps = eps[0].URL, nil
	}
	f.browsers = automations.NewBrowserSet(opts, eps)
	return f.browsers, nil
}

// Browser launches or connects this process's browser on first use (the
// first endpoint that answers, when several are named) and hands the same
// one to every later caller, concurrent or not. ctx bounds only this call
// (the wait and the launch): the browser belongs to the process, not to
// the job that first asked for it, and lives until Close. A launch that
// fails is not remembered, so the next caller tries again.
func (f *factory) Browser(ctx context.Context) (*automations.Browser, error) {
	set, err := f.Browsers(ctx)
	if err != nil {
		return nil, err
	}
	b, err := set.Primary(ctx)
	if errors.Is(err, automations.ErrSetClosed) {
		return nil, errBrowserClosed
	}
	return b, err
}

// startedBrowser returns the browser this process has started or
// connected, without starting one; nil when none is.
func (f *factory) startedBrowser() *automations.Browser {
	f.browserSlot <- struct{}{}
	defer func() { <-f.browserSlot }()
	if f.browsers == nil {
		return nil
	}
	return f.browsers.Connected()
}

// closeBrowser closes the browsers if any were started, waiting for a
// launch under way to finish first, and refuses later launches.
func (f *factory) closeBrowser() {
	f.browserSlot <- struct{}{}
	defer func() { <-f.browserSlot }()
	f.browserClosed = true
	if f.browsers != nil {
		_ = f.browsers.Close()
		f.browsers = nil
	}
}

// Close releases whatever was made, the browser first.
func (f *factory) Close() {
	f.closeBrowser()
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.db != nil {
		_ = f.db.Close()
		f.db = nil
	}
	if f.logCloser != nil {
		_ = f.logCloser.Close()
		f.logCloser = nil
	}
}

// Translator returns the configured translation provider behind the
// database cache, and the operator's language (English when unset). It
// returns translate.ErrOff when no provider is configured.
func (f *factory) Translator(ctx context.Context) (translate.Provider, string, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, "", err
	}
	lang := cfg.Operator.Language
	if lang == "" {
		lang = "en"
	}
	if cfg.Translation.Provider == "" {
		return nil, lang, translate.ErrOff
	}
	key, err := f.Secrets().Get(ctx, secrets.TranslationKey(cfg.Translation.Provider))
	if err != nil && !(errors.Is(err, secrets.ErrNotFound) && cfg.Translation.Provider == "libretranslate") {
		return nil, lang, fmt.Errorf("translation key %s: %w", secrets.TranslationKey(cfg.Translation.Provider), err)
	}
	p, err := translate.New(translate.Settings{Provider: cfg.Translation.Provider, URL: cfg.Translation.URL, Key: key}, nil)
	if err != nil {
		return nil, lang, err
	}
	db, err := f.DB(ctx)
	if err != nil {
		return nil, lang, err
	}
	return &translate.Cached{P: p, Store: db}, lang, nil
}

// Translation is Translator as the shared messages.Translator: with no
// provider configured it is off with the reason, and no error.
func (f *factory) Translation(ctx context.Context) (messages.Translator, error) {
	p, lang, err := f.Translator(ctx)
	if errors.Is(err, translate.ErrOff) {
		return messages.Translator{Language: lang, Off: err.Error()}, nil
	}
	if err != nil {
		return messages.Translator{Language: lang}, err
	}
	return messages.Translator{P: p, Language: lang}, nil
}
