package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
)

func newRecipesCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "recipes",
		Short: "List, show and check the site recipes (selectors and URLs as data)",
		Long: strings.TrimSpace(`
Every site sellerops drives has a recipe: its URLs, CSS selectors and form
field names. Recipes are built in; a file <config dir>/recipes/SITE.yaml
overrides the keys it names, so that when a site changes a page you edit a
selector instead of waiting for a release. 'recipes show SITE' prints a
recipe in the file format, a good start for an override.`),
	}
	cmd.AddCommand(newRecipesListCmd(f), newRecipesShowCmd(f), newRecipesCheckCmd(f))
	return cmd
}

type recipeRow struct {
	Site     string   `json:"site"`
	Kind     string   `json:"kind"`
	Verified bool     `json:"verified"`
	BaseURL  string   `json:"base_url"`
	Sources  []string `json:"sources"`
	Override string   `json:"override_path"`
	Note     string   `json:"note,omitempty"`
}

func newRecipesListCmd(f *factory) *cobra.Command {
	var jf jsonFlags
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List the recipes, where each comes from and whether it was verified",
		Example: "  sellerops recipes list\n  sellerops recipes list --jq '.[] | select(.verified | not) | .site'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := loadRecipes(f)
			if err != nil {
				fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
			}
			rows := []recipeRow{}
			for _, site := range set.Sites() {
				r, _ := set.Get(site)
				rows = append(rows, recipeRow{Site: r.Site, Kind: string(r.Kind), Verified: r.Verified, BaseURL: r.BaseURL,
					Sources: r.Sources, Override: r.OverridePath(), Note: r.Note})
			}
			if jf.enabled() {
				return writeJSON(f.IO.Out, rows, jf.JQ)
			}
			t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "SITE", "KIND", "VERIFIED", "BASE URL", "SOURCE")
			for _, r := range rows {
				t.row(r.Site, r.Kind, fmt.Sprint(r.Verified), r.BaseURL, r.Sources[len(r.Sources)-1])
			}
			t.flush()
			return nil
		},
	}
	addJSONFlags(cmd, &jf)
	return cmd
}

func newRecipesShowCmd(f *factory) *cobra.Command {
	return &cobra.Command{
		Use:     "show SITE",
		Short:   "Print a recipe, overrides applied, in the file format",
		Example: "  sellerops recipes show amazon-seller-central > ~/.config/sellerops/recipes/amazon-seller-central.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, _ := loadRecipes(f)
			r, err := set.Get(args[0])
			if err != nil {
				return &notFoundError{err: err}
			}
			data, err := r.YAML()
			if err != nil {
				return err
			}
			fmt.Fprintf(f.IO.Out, "# %s, from %s\n", r.Site, strings.Join(r.Sources, " + "))
			_, err = f.IO.Out.Write(data)
			return err
		},
	}
}

type recipeProblem struct {
	Site    string `json:"site"`
	File    string `json:"file"`
	Key     string `json:"key,omitempty"`
	Line    int    `json:"line,omitempty"`
	Message string `json:"message"`
}

// recipesLiveOptions are the flags of `recipes check --live`.
type recipesLiveOptions struct {
	Site   string
	Number string
	Store  string
	Real   bool
}

func newRecipesCheckCmd(f *factory) *cobra.Command {
	var jf jsonFlags
	var lo recipesLiveOptions
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate every recipe and override; each problem names the file, key and line",
		Long: strings.TrimSpace(`
Validate the built-in recipes and every override file. Each problem names the
file, the key and the line to fix: YAML errors, unknown keys, names no flow
reads (such as a misspelt selector name, with the nearest known name), missing
required keys. A site whose override is broken is unusable until it is fixed;
no other recipe stands in for it. Exits 0 when all are usable and 4 when any
problem is found.

--live SITE opens the site's page in the browser and reports, per selector,
how many elements it matched there and whether the records read pass their
schema (a time that parses, a description that is not blank). By default the
page is the sandbox's, started for the check; --real opens the recipe's own
site. For a carrier's tracking recipe the page is the tracking page of a
number (--number with --real). For a marketplace recipe the check signs in
(the sandbox's demo account, or with --real the store named by --store, with
its secrets from the keyring; add --show to pass a CAPTCHA by hand), reads the
inbox and its first thread as a sync does, without storing anything, and
counts the inbox.* and thread.* selectors on those pages. Exits 4 when a page
does not fit the recipe, with the sign-in's own code (12 refused, 11 a
CAPTCHA to pass by hand) when the store cannot sign in, and 1 when the site
could not be reached or failed: then nothing was tested, and the records line
names the class and the error.`),
		Example: "  sellerops recipes check\n  sellerops recipes check --json\n  sellerops recipes check --live ups-sandbox\n  sellerops recipes check --live ups --real --number 1Z999AA10123456784\n  sellerops recipes check --live amazon-sandbox --json\n  sellerops recipes check --live ebay --real --store shop-us --show",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, _ := loadRecipes(f)
			if lo.Site != "" {
				return recipesLiveRun(cmd.Context(), f, set, lo, jf)
			}
			problems := []recipeProblem{}
			for _, p := range set.Check() {
				problems = append(problems, recipeProblem{Site: p.Site, File: p.Err.File, Key: p.Err.Key, Line: p.Err.Line, Message: p.Err.Msg})
			}
			if jf.enabled() {
				if err := writeJSON(f.IO.Out, problems, jf.JQ); err != nil {
					return err
				}
			} else {
				for _, p := range set.Check() {
					fmt.Fprintln(f.IO.Out, p.String())
				}
				if len(problems) == 0 {
					fmt.Fprintf(f.IO.Out, "%d recipes, all usable\n", len(set.Sites()))
				}
			}
			if len(problems) > 0 {
				return errRecipeProblems
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&lo.Site, "live", "", "open SITE's page and report what each selector matches and whether the records fit")
	cmd.Flags().StringVar(&lo.Number, "number", "", "with --live: the tracking number to open (default: one of the sandbox's)")
	cmd.Flags().BoolVar(&lo.Real, "real", false, "with --live: open the recipe's own site instead of the sandbox")
	cmd.Flags().StringVar(&lo.Store, "store", "", "with --live --real and a marketplace recipe: the store `NAME` to sign in as")
	addJSONFlags(cmd, &jf)
	return cmd
}

// recipesLiveRun opens a carrier recipe's tracking page and reports what
// its selectors match there. A broken override is that site's error.
func recipesLiveRun(ctx context.Context, f *factory, set *automations.RecipeSet, o recipesLiveOptions, jf jsonFlags) error {
	rec, err := set.Get(o.Site)
	if err != nil {
		return badInput(err)
	}
	switch rec.Kind {
	case automations.KindCarrier:
	case automations.KindMarketplace:
		return recipesLiveMarketplace(ctx, f, set, rec, o, jf)
	default:
		return usageErrorf("--live checks carrier and marketplace recipes; %s is a %s recipe", rec.Site, rec.Kind)
	}
	courier := strings.TrimSuffix(rec.Site, "-sandbox")
	web := tracking.WebSite{Recipe: rec.Site}
	number := o.Number
	if o.Real {
		if number == "" {
			return usageErrorf("--real needs --number: a tracking number the real site knows")
		}
	} else {
		sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 1, Orders: 40})
		if err != nil {
			return fmt.Errorf("start the sandbox for the check: %w", err)
		}
		defer sb.Close()
		web.BaseURL = sb.URL(courier)
		if web.BaseURL == "" {
			return usageErrorf("the sandbox has no %s site; use --real --number N for this recipe", courier)
		}
		for _, p := range sb.World().Parcels {
			if number == "" && p.Carrier == courier && len(p.VisibleEvents(sb.Now())) > 0 {
				number = p.TrackingNumber
			}
		}
	}
	db, done, err := probeDB(ctx)
	if err != nil {
		return err
	}
	defer done()
	tr, err := tracking.New(tracking.Deps{DB: db, Recipes: set, Web: map[string]tracking.WebSite{courier: web},
		Browser: f.Browser, Logger: f.Logger()})
	if err != nil {
		return err
	}
	p, err := tr.Probe(ctx, courier, number)
	if err != nil {
		return err
	}
	if jf.enabled() {
		if err := writeJSON(f.IO.Out, p, jf.JQ); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(f.IO.Out, "%s: %s\n", p.Site, p.URL)
		printSelectorCounts(f, p.Selectors)
		if p.Class == "" {
			fmt.Fprintf(f.IO.Out, "records: %d tracking events, all fit the schema\n", p.Events)
		} else {
			fmt.Fprintf(f.IO.Out, "records: %s: %s\n", p.Class, p.Error)
		}
	}
	return liveCheckOutcome(automations.Class(p.Class), p.Error)
}

// liveCheckOutcome is how a live recipe check ends. Only a page that does
// not fit the recipe is a recipe problem (exit 4); a site that could not be
// reached, refused the account or asked for a person did not test the
// recipe at all, and ends as that failure does anywhere else.
func liveCheckOutcome(class automations.Class, msg string) error {
	switch class {
	case "":
		return nil
	case automations.PageChanged:
		return badInput(errSilent)
	}
	return automations.Fail(class, "%s", msg)
}

// recipesLiveMarketplace signs in to a marketplace recipe's site, the
// sandbox's with its demo account or the real one as a store of the user's,
// and reports what the recipe reads there.
func recipesLiveMarketplace(ctx context.Context, f *factory, set *automations.RecipeSet, rec *automations.Recipe, o recipesLiveOptions, jf jsonFlags) error {
	var deps *marketplace.Deps
	store := o.Store
	if o.Real {
		if store == "" {
			return usageErrorf("--real with a marketplace recipe needs --store NAME: the store to sign in as (see `sellerops stores list`)")
		}
		var err error
		if deps, err = marketplaceDeps(ctx, f, true); err != nil {
			return err
		}
		st, err := deps.DB.GetStoreByName(ctx, store)
		if err != nil {
			return err
		}
		if st.Recipe != rec.Site {
			return usageErrorf("store %s uses recipe %s, not %s: check that one, or give a store that uses %s", st.Name, st.Recipe, rec.Site, rec.Site)
		}
	} else {
		if store != "" {
			return usageErrorf("--store goes with --real; without it the check signs in to the sandbox's demo account")
		}
		m := ""
		for _, name := range marketplace.Marketplaces {
			if rec.Site == name+"-sandbox" {
				m = name
			}
		}
		if m == "" {
			return usageErrorf("the sandbox has no site for recipe %s; use --real --store NAME for it", rec.Site)
		}
		sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 1, Orders: 40})
		if err != nil {
			return fmt.Errorf("start the sandbox for the check: %w", err)
		}
		defer sb.Close()
		db, done, err := probeDB(ctx)
		if err != nil {
			return err
		}
		defer done()
		browser, err := f.Browser(ctx)
		if err != nil {
			return err
		}
		mem := marketplace.NewMemorySecrets()
		a := sb.Account(m)
		store = "probe-" + m
		spec := marketplace.StoreSpec{Name: store, Marketplace: m, BaseURL: sb.URL(m), Username: a.Username,
			Password: a.Password, TOTPSecret: a.TOTPSecret, Recipe: rec.Site, Demo: true}
		if _, err := marketplace.AddStoreWithRecipes(ctx, db, mem, set, spec); err != nil {
			return err
		}
		deps = &marketplace.Deps{DB: db, Secrets: mem, Browser: browser, Recipes: set, Logger: f.Logger()}
	}
	p, err := marketplace.ProbeStore(ctx, deps, store, f.Opts.Show)
	if err != nil {
		return err
	}
	if jf.enabled() {
		if err := writeJSON(f.IO.Out, p, jf.JQ); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(f.IO.Out, "%s as %s: signed in %v\n", p.Site, p.Store, p.SignedIn)
		for _, pg := range p.Pages {
			fmt.Fprintf(f.IO.Out, "\n%s: %s\n", pg.Name, pg.URL)
			printSelectorCounts(f, pg.Selectors)
		}
		if p.Class == "" {
			fmt.Fprintf(f.IO.Out, "records: %d threads and %d messages of the first, all fit the schema\n", p.Threads, p.Messages)
		} else {
			fmt.Fprintf(f.IO.Out, "records: %d threads fit, %d do not; %s: %s\n", p.Threads, p.Misfits, p.Class, p.Error)
		}
	}
	return liveCheckOutcome(automations.Class(p.Class), p.Error)
}

// probeDB opens a throwaway database for a live check, which stores
// nothing the user keeps; done closes and removes it.
func probeDB(ctx context.Context) (db *localdb.DB, done func(), err error) {
	dir, err := os.MkdirTemp("", "sellerops-probe-")
	if err != nil {
		return nil, nil, err
	}
	db, err = localdb.Open(ctx, filepath.Join(dir, "probe.db"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, nil, err
	}
	return db, func() { _ = db.Close(); _ = os.RemoveAll(dir) }, nil
}

// printSelectorCounts prints a live check's table of selectors and matches.
func printSelectorCounts(f *factory, counts []automations.SelectorCount) {
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "KEY", "SELECTOR", "MATCHED")
	for _, s := range counts {
		t.row(s.Key, s.Selector, fmt.Sprint(s.Matched))
	}
	t.flush()
}
