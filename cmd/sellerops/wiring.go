package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/mail"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/mcpserver"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/report"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// This file is the one place where the flows get their dependencies. The
// command line, the dashboard, `run` and the MCP server all build theirs
// here, from one wiring, so that a setting or an override file that one
// surface honours, every surface honours.

// wiring is what every flow shares: the database, the config, the secret
// store, the recipes with their override files, the log, the clock, the
// process's browser (started on first use only) and the data folder where
// evidence and attachments live.
type wiring struct {
	DB      *localdb.DB
	Config  *config.Config
	Secrets secrets.Store
	Recipes *automations.RecipeSet
	Logger  *slog.Logger
	Now     func() time.Time
	Browser func(ctx context.Context) (*automations.Browser, error)
	// Browsers is the process's browser set, which tracking pages spread
	// over.
	Browsers func(ctx context.Context) (*automations.BrowserSet, error)
	// DataDir is the database's folder.
	DataDir string
}

// wire builds the wiring from the factory's lazily made parts. It opens
// the database and reads the config (an invalid config is an error, exit
// 3) but starts no browser.
func (f *factory) wire(ctx context.Context) (*wiring, error) {
	db, err := f.DB(ctx)
	if err != nil {
		return nil, err
	}
	cfg, err := f.Config()
	if err != nil {
		return nil, err
	}
	return &wiring{
		DB:       db,
		Config:   cfg,
		Secrets:  f.Secrets(),
		Recipes:  f.Recipes(),
		Logger:   f.Logger(),
		Now:      f.Now,
		Browser:  f.Browser,
		Browsers: f.Browsers,
		DataDir:  filepath.Dir(db.Path()),
	}, nil
}

func (w *wiring) evidenceDir() string { return filepath.Join(w.DataDir, "evidence") }

// Recipes is the recipe set the browser flows run on, loaded once: the
// embedded recipes with the overrides in recipes/ beside the config file. A
// broken override file leaves its site out, with one warning on stderr; the
// other sites work.
func (f *factory) Recipes() *automations.RecipeSet {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.recipes != nil {
		return f.recipes
	}
	f.mu.Unlock()
	recipes, err := loadRecipes(f)
	f.mu.Lock()
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
	}
	if f.recipes == nil {
		f.recipes = recipes
	}
	return f.recipes
}

// recipeDir is where override recipes live: recipes/ beside the config file.
func recipeDir(f *factory) (string, error) {
	path, _, err := f.ConfigPath()
	if err != nil {
		return "", err
	}
	return filepath.Join(filepath.Dir(path), "recipes"), nil
}

// loadRecipes reads the recipes afresh and returns the error of a broken
// override file, for `sellerops recipes` to show.
func loadRecipes(f *factory) (*automations.RecipeSet, error) {
	dir, err := recipeDir(f)
	if err != nil {
		return automations.LoadRecipes("")
	}
	return automations.LoadRecipes(dir)
}

// noticesDeps is what the delay-notice rule reads: the database, the
// config's stall thresholds and the templates with their override files.
func noticesDeps(ctx context.Context, f *factory) (notices.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return notices.Deps{}, err
	}
	set, err := messages.LoadTemplates(templateDir(f))
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
	}
	return notices.Deps{DB: w.DB, Config: w.Config, Templates: set}, nil
}

// marketplaceDeps is what the marketplace flows (sync, reply, login, no
// response) need. The browser is started only when needBrowser is set.
func marketplaceDeps(ctx context.Context, f *factory, needBrowser bool) (*marketplace.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return nil, err
	}
	deps := &marketplace.Deps{DB: w.DB, Secrets: w.Secrets, Recipes: w.Recipes, Logger: w.Logger,
		EvidenceDir: w.evidenceDir(), AttachmentDir: filepath.Join(w.DataDir, "attachments"), Now: w.Now, Config: w.Config}
	md, err := mailDeps(f, w)
	if err != nil {
		return nil, err
	}
	deps.Mail = mail.Channel{Deps: md}
	if needBrowser {
		// Stores read by email need no browser: start none when every
		// store is one.
		needBrowser, err = anyBrowserStore(ctx, deps)
		if err != nil {
			return nil, err
		}
	}
	if needBrowser {
		b, err := w.Browser(ctx)
		if err != nil {
			return nil, err
		}
		deps.Browser = b
	}
	return deps, nil
}

// mailDeps is what the email channel needs: the same database, secrets,
// log, clock and evidence and attachment folders as the browser flows, and
// the relay rules with their override file recipes/mail-relay.yaml.
func mailDeps(f *factory, w *wiring) (*mail.Deps, error) {
	override := ""
	if dir, err := recipeDir(f); err == nil {
		override = filepath.Join(dir, "mail-relay.yaml")
	}
	rules, err := mail.LoadRules(override)
	if err != nil {
		return nil, err
	}
	return &mail.Deps{DB: w.DB, Secrets: w.Secrets, Rules: rules, Logger: w.Logger, EvidenceDir: w.evidenceDir(),
		AttachmentDir: filepath.Join(w.DataDir, "attachments"), Now: w.Now,
		MaxMailBytes: int64(config.OrDefaults(w.Config).Mail.MaxMessageMB) << 20, Config: w.Config}, nil
}

// anyBrowserStore tells whether some store in use needs the browser: not
// read by email, and not reached through its API alone.
func anyBrowserStore(ctx context.Context, deps *marketplace.Deps) (bool, error) {
	stores, err := deps.DB.ListStores(ctx)
	if err != nil {
		return false, err
	}
	if len(stores) == 0 {
		return true, nil
	}
	for _, st := range stores {
		byMail, err := deps.Mail.HasMail(ctx, st)
		if err != nil {
			return false, err
		}
		if byMail {
			continue
		}
		a, err := deps.DB.GetAPIAccount(ctx, st.ID)
		switch {
		case errors.Is(err, localdb.ErrNotFound):
			return true, nil
		case err != nil:
			return false, err
		case marketplace.NeedsBrowser(&a):
			return true, nil
		}
	}
	return false, nil
}

// trackingDeps is what the tracker needs. Each carrier's web page is
// driven with its carriers.<c>.recipe at its web_base_url.
func trackingDeps(ctx context.Context, f *factory) (tracking.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return tracking.Deps{}, err
	}
	return tracking.Deps{
		DB:          w.DB,
		Config:      w.Config,
		Credentials: tracking.SecretsCredentials(w.Secrets),
		Browsers:    w.Browsers,
		Recipes:     w.Recipes,
		EvidenceDir: w.evidenceDir(),
		Logger:      w.Logger,
		Now:         w.Now,
	}, nil
}

// claimsDeps is what claim drafting and filing need; the browser starts
// only when a portal is visited.
func claimsDeps(ctx context.Context, f *factory) (filing.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return filing.Deps{}, err
	}
	return filing.Deps{
		Deps:        claims.Deps{DB: w.DB, Config: w.Config, Logger: w.Logger, Now: w.Now},
		Secrets:     w.Secrets,
		Browser:     w.Browser,
		Recipes:     w.Recipes,
		EvidenceDir: w.evidenceDir(),
	}, nil
}

// mcpDeps is what the MCP tools need; the browser starts only for a tool
// that needs it.
func mcpDeps(ctx context.Context, f *factory) (mcpserver.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return mcpserver.Deps{}, err
	}
	return mcpserver.Deps{
		DB:          w.DB,
		Config:      w.Config,
		Tracking:    func(ctx context.Context) (tracking.Deps, error) { return trackingDeps(ctx, f) },
		Claims:      func(ctx context.Context) (filing.Deps, error) { return claimsDeps(ctx, f) },
		Marketplace: func(ctx context.Context) (*marketplace.Deps, error) { return marketplaceDeps(ctx, f, true) },
		Translation: f.Translation,
		TemplateDir: templateDir(f),
		Version:     currentVersion().Version,
		Now:         w.Now,
	}, nil
}

// runJobDeps is what the built-in jobs of `run` need, each flow's part
// made on first use.
func runJobDeps(ctx context.Context, f *factory, stores []string) (jobs.Deps, error) {
	w, err := f.wire(ctx)
	if err != nil {
		return jobs.Deps{}, err
	}
	d := jobs.Deps{DB: w.DB, Config: w.Config, Stores: stores, Now: w.Now}
	d.Marketplace = func(ctx context.Context) (*marketplace.Deps, error) { return marketplaceDeps(ctx, f, true) }
	d.Tracking = func(ctx context.Context) (tracking.Deps, error) { return trackingDeps(ctx, f) }
	d.Claims = func(ctx context.Context) (filing.Deps, error) { return claimsDeps(ctx, f) }
	nd, err := noticesDeps(ctx, f)
	if err != nil {
		return jobs.Deps{}, err
	}
	d.Notices = &nd
	d.Report = func(ctx context.Context) (string, error) {
		now := w.Now()
		rep, err := report.Build(ctx, w.DB, w.Config, now.Add(-24*time.Hour), now)
		if err != nil {
			return "", err
		}
		dir := reportsDir(f, w.DB)
		var html string
		for _, format := range report.Formats {
			path := filepath.Join(dir, report.FileName(now, format))
			if err := rep.Save(path, format); err != nil {
				return "", err
			}
			if format == "html" {
				html = path
			}
		}
		return html, nil
	}
	return d, nil
}
