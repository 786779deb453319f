package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
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
				return withCode(exitNotFound, err)
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

func newRecipesCheckCmd(f *factory) *cobra.Command {
	var jf jsonFlags
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Validate every recipe and override; each problem names the file, key and line",
		Long: strings.TrimSpace(`
Validate the built-in recipes and every override file. Each problem names the
file, the key and the line to fix. Exits 0 when all are usable and 4 when any
problem is found.`),
		Example: "  sellerops recipes check\n  sellerops recipes check --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, _ := loadRecipes(f)
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
				return withCode(exitBadInput, errSilent)
			}
			return nil
		},
	}
	addJSONFlags(cmd, &jf)
	return cmd
}
