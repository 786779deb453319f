package main

import (
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/sandbox"
)

type sandboxOptions struct {
	Start  string
	Addr   string
	Seed   int64
	Faults string
	Stores int
	Orders int
	// WriteConfig, when set, is a config file to write that points the
	// carriers at this sandbox.
	WriteConfig string
}

func newSandboxCmd(f *factory) *cobra.Command {
	opts := sandboxOptions{Addr: "127.0.0.1:0", Seed: 1}
	cmd := &cobra.Command{
		Use:   "sandbox",
		Short: "Serve the simulated marketplaces and carriers on 127.0.0.1",
		Long: strings.TrimSpace(`
Serve stand-ins for three marketplaces (amazon, ebay, tiktok) and four carriers
(ups, fedex, usps, dhl), each on its own port, a 17TRACK tracking API (17track)
for cross-border parcels, plus a control site that shows the demo accounts,
moves the clock and switches faults on. It prints one
"name URL" line per site, then serves until interrupted.

The same --seed gives the same world. --faults switches trouble on, for example
  latency=150ms,5xx=0.05,429=0.1,captcha=0.2,expire=20m,totp=reject,variant=2
A term may be limited to one site: amazon.captcha=1. See the sandbox README.

The sandbox clock starts now (to the hour), so that reply deadlines, claim
windows and stall timers read true on the day it runs; --start gives another
start, a date (09:00 UTC that day) or an RFC 3339 time, for a world that is
the same on every day.

--write-config FILE writes a config file whose carriers section points at
this sandbox (each carrier's sandbox recipe and addresses), for use with
--config FILE; it holds no credentials, and it is written over only if an
earlier --write-config wrote it.`),
		Example: "  sellerops sandbox\n  sellerops sandbox --addr 127.0.0.1:8700 --seed 7 --faults 'latency=100ms,5xx=0.05'\n  sellerops sandbox --start 2026-03-04\n  sellerops sandbox --addr 127.0.0.1:8700 --write-config sandbox.yaml",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return sandboxRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().StringVar(&opts.Addr, "addr", opts.Addr, "Loopback `host:port` for the first site; port 0 picks free ports, port N gives the sites N, N+1, ...")
	cmd.Flags().Int64Var(&opts.Seed, "seed", opts.Seed, "Seed for the simulated world; the same seed gives the same world")
	cmd.Flags().StringVar(&opts.Faults, "faults", "", "Fault `spec` such as 'latency=100ms,5xx=0.05,amazon.captcha=1'")
	cmd.Flags().StringVar(&opts.Start, "start", "", "Start the sandbox clock at this `date` (2026-03-04, 09:00 UTC) or RFC 3339 time; default: now")
	cmd.Flags().IntVar(&opts.Stores, "stores", 1, "Stores per marketplace")
	cmd.Flags().IntVar(&opts.Orders, "orders", 300, "Orders (and buyer threads) per store")
	cmd.Flags().StringVar(&opts.WriteConfig, "write-config", "", "Write a config `file` whose carriers point at this sandbox (its recipes and addresses)")
	return cmd
}

func sandboxRun(ctx context.Context, f *factory, opts *sandboxOptions) error {
	start, err := sandboxStart(f, opts.Start)
	if err != nil {
		return err
	}
	so := sandbox.Options{Seed: opts.Seed, Faults: opts.Faults, Stores: opts.Stores, Orders: opts.Orders, Start: start}
	if err := so.SetAddr(opts.Addr); err != nil {
		return usageErrorf("--addr: %v", err)
	}
	if ip := net.ParseIP(so.Host); so.Host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return usageErrorf("--addr %q: the sandbox serves demo credentials and only listens on loopback; use 127.0.0.1", opts.Addr)
	}
	if opts.Stores < 1 || opts.Orders < 1 {
		return usageErrorf("--stores and --orders must be at least 1")
	}
	if _, err := sandbox.ParseFaults(opts.Faults); err != nil {
		return badInput(fmt.Errorf("--faults: %v", err))
	}
	if f.IO.IsStderrTTY() {
		fmt.Fprintln(f.IO.ErrOut, "serving the sandbox; press Ctrl-C to stop")
	}
	sb, err := sandbox.Start(ctx, so)
	if err != nil {
		return err
	}
	defer sb.Close()
	if opts.WriteConfig != "" {
		if err := writeSandboxConfig(opts.WriteConfig, sb); err != nil {
			return err
		}
		fmt.Fprintf(f.IO.ErrOut, "wrote %s: use it with `sellerops --config %s track ...`; add the demo stores with `sellerops stores add` (their accounts are at %s/__sandbox/state); "+
			"for translations set SELLEROPS_SECRET_TRANSLATION_DEEPL_API_KEY to the translate account's api_key\n",
			opts.WriteConfig, opts.WriteConfig, sb.URL("control"))
	}
	for _, s := range sb.Sites() {
		if _, err := fmt.Fprintf(f.IO.Out, "%s %s\n", s.Name, s.URL); err != nil {
			return err
		}
	}
	<-ctx.Done()
	// Ctrl-C or SIGTERM is how a server ends; it exits 130 ("interrupted")
	// like every other command a signal stops, so a script can tell it
	// from the server giving up on its own.
	return ctx.Err()
}

// sandboxStart is the sandbox clock's start for `sandbox` and `demo`: the
// --start value, a date (09:00 UTC that day, as sandbox.DefaultStart) or an
// RFC 3339 time, else now to the hour, so that the world's deadlines and
// windows are laid out around the day it runs.
func sandboxStart(f *factory, v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return f.Now().UTC().Truncate(time.Hour), nil
	}
	if d, err := time.Parse(time.DateOnly, v); err == nil {
		return d.Add(9 * time.Hour), nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.UTC(), nil
	}
	return time.Time{}, badInput(fmt.Errorf("--start %q: give a date such as 2026-03-04 or an RFC 3339 time such as 2026-03-04T09:00:00Z", v))
}
