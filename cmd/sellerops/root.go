package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations"
)

// run is the whole program: it builds the command tree, runs it under a
// context that Ctrl-C cancels, and maps the outcome to an exit code.
func run() exitCode {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	f := newFactory(systemIO())
	defer f.Close()
	go func() {
		// After the first signal, restore the default handling so that a
		// second Ctrl-C ends the process at once; the browser is still
		// closed on the way out.
		<-ctx.Done()
		stop()
	}()
	code := execute(ctx, f, os.Args[1:])
	// Whatever a command left open, no browser outlives the process.
	_ = automations.CloseAll()
	return code
}

// execute runs one command line against a factory. Tests call it with
// buffers for IO.
func execute(ctx context.Context, f *factory, args []string) exitCode {
	root := newRootCmd(f)
	root.SetArgs(args)
	root.SetIn(f.IO.In)
	root.SetOut(f.IO.Out)
	root.SetErr(f.IO.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return exitOK
	}
	if errors.Is(err, errSilent) {
		return exitCodeFor(err)
	}
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "interrupted: stopped cleanly")
		return exitInterrupted
	}
	if isCobraUsageError(err) {
		err = &usageError{msg: err.Error()}
	}
	msg := f.redactor.Redact(err.Error())
	fmt.Fprintf(f.IO.ErrOut, "error: %s\n", msg)
	code := exitCodeFor(err)
	if code == exitUsage && cmd != nil {
		fmt.Fprintf(f.IO.ErrOut, "run '%s --help' for usage\n", cmd.CommandPath())
	}
	return code
}

func newRootCmd(f *factory) *cobra.Command {
	root := &cobra.Command{
		Use:   "sellerops",
		Short: "One terminal for buyer messages, parcel tracking and carrier claims",
		Long: strings.TrimSpace(`
sellerops pulls buyer messages from your marketplace seller portals into one
inbox, tracks parcels through carrier APIs or their public pages, and files lost
or damaged parcel claims inside each carrier's window. Everything is kept in a
local SQLite file; secrets stay in your OS keyring.

Run it with no arguments to open the dashboard on your own data, or try
'sellerops demo' to see it on the built-in sandbox. 'sellerops doctor' checks
this machine.`),
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return dashboardRun(cmd.Context(), f, false)
		},
	}
	// Every command that works on the user's data reads the config first,
	// so that an invalid one stops it with exit 3 naming file, line and
	// key, whether or not this command needs a setting from it.
	root.PersistentPreRunE = func(cmd *cobra.Command, args []string) error {
		// A bad --browser list is a usage error before any work starts,
		// not a failure of the first page that needs a browser.
		if _, err := automations.ParseEndpoints(f.Opts.Browser); err != nil {
			return usageErrorf("--browser: %v", err)
		}
		if !readsConfig(cmd) {
			return nil
		}
		_, err := f.Config()
		return err
	}
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &usageError{msg: err.Error()}
	})
	pf := root.PersistentFlags()
	pf.StringVar(&f.Opts.DBPath, "db", "", "Database `file` (default: $SELLEROPS_DB, else sellerops.db in the data dir)")
	pf.StringVar(&f.Opts.ConfigPath, "config", "", "Configuration `file` (default: $SELLEROPS_CONFIG, else config.yaml in the config dir)")
	pf.StringVar(&f.Opts.Browser, "browser", "", "Chromium `path`, or ws:// URLs of remote browsers separated by commas (default: $SELLEROPS_BROWSER, else browser.endpoints in the config, else the system Chromium)")
	pf.BoolVar(&f.Opts.Show, "show", false, "Show the browser window instead of running headless")
	pf.StringVar(&f.Opts.LogLevel, "log-level", "info", "Log `level` for the log file: info or debug")

	root.AddCommand(
		newVersionCmd(f),
		newDoctorCmd(f),
		newSandboxCmd(f),
		newCarriersCmd(f),
		newDemoCmd(f),
		newTrackCmd(f),
		newShipmentsCmd(f),
		newRunCmd(f),
		newReportCmd(f),
		newMCPCmd(f),
		newStoresCmd(f),
		newSyncCmd(f),
		newMessagesCmd(f),
		newRecipesCmd(f),
		newClaimsCmd(f),
		newInsightsCmd(f),
		newNoticesCmd(f),
	)
	root.SetHelpCommand(newHelpCmd(f, root))
	return root
}

// newHelpCmd is cobra's help plus topics that are not commands.
func newHelpCmd(f *factory, root *cobra.Command) *cobra.Command {
	var jf jsonFlags
	cmd := &cobra.Command{
		Use:   "help [command | exit-codes]",
		Short: "Help about any command, or a topic such as exit-codes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 && args[0] == "exit-codes" {
				if jf.enabled() {
					return writeJSON(f.IO.Out, exitCodeDocs, jf.JQ)
				}
				printExitCodes(f.IO.Out)
				return nil
			}
			target, _, err := root.Find(args)
			if err != nil || target == nil || (target == root && len(args) > 0) {
				return usageErrorf("unknown help topic %q; try 'sellerops help' or 'sellerops help exit-codes'", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
	addJSONFlags(cmd, &jf)
	return cmd
}

// configFree are the commands that never read the config: they work without
// the user's data (the sandbox and the demo bring their own), or, as
// doctor does, report an invalid config themselves.
var configFree = map[string]bool{"version": true, "help": true, "doctor": true, "sandbox": true, "demo": true,
	"carriers": true, "completion": true, "recipes": true}

func readsConfig(cmd *cobra.Command) bool {
	for c := cmd; c != nil && c.HasParent(); c = c.Parent() {
		if !c.Parent().HasParent() && configFree[c.Name()] {
			return false
		}
	}
	return true
}

// isCobraUsageError recognises the argument errors cobra makes itself, which
// carry no type to match.
func isCobraUsageError(err error) bool {
	msg := err.Error()
	for _, prefix := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument"} {
		if strings.HasPrefix(msg, prefix) {
			return true
		}
	}
	return false
}
