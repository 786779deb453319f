package main

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/report"
	"github.com/sellerops/sellerops/localdb/config"
)

type reportOptions struct {
	Since  string
	Format string
	Out    string
}

func newReportCmd(f *factory) *cobra.Command {
	var opts reportOptions
	cmd := &cobra.Command{
		Use:   "report",
		Short: "Write the morning report: messages, parcels, claims and failures since a time",
		Long: strings.TrimSpace(`
Write the report of what happened in the last --since (24h by default):

  - new buyer messages, and the threads overdue now;
  - parcels with a new scan, delivered, or stalled by the configured thresholds;
  - claims drafted, filed, paid and denied, and the money recovered;
  - runs of the overnight jobs, and every failed item with its failure class
    and the folder of its evidence (screenshot, HTML, step log);
  - the service insights of the 30 days before: SLA per store against the
    marketplace's target, first responses, reasons per week, the worst SKUs
    and carriers, and the alerts (see 'sellerops insights').

--format md (default), html (one self-contained page with a chart of the
activity per hour, nothing loaded from elsewhere) or json.

The report is saved in the reports folder (report.dir in the config, else
"reports" beside the database) and its path printed, unless --out names a
file, or "-" for standard output. The "report" job of 'sellerops run' writes
all three formats there.`),
		Example: strings.Join([]string{
			"  sellerops report",
			"  sellerops report --since 12h --format html --out morning.html",
			"  sellerops report --format json --out - | jq '.failures[] | .class'",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return reportRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "24h", "Cover this `duration` back from now (e.g. 12h, 90m, 2d)")
	cmd.Flags().StringVar(&opts.Format, "format", "md", "Report `format`: md, html or json")
	cmd.Flags().StringVar(&opts.Out, "out", "", "Write to this `file` (\"-\" for standard output; default: a new file in the reports folder)")
	return cmd
}

func reportRun(ctx context.Context, f *factory, opts *reportOptions) error {
	if !slices.Contains(report.Formats, opts.Format) {
		return usageErrorf("--format %q: use md, html or json", opts.Format)
	}
	since, err := config.ParseDuration(opts.Since)
	if err != nil || since <= 0 {
		return usageErrorf("--since %q: give a duration such as 24h, 90m or 2d", opts.Since)
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	now := f.Now()
	rep, err := report.Build(ctx, db, cfg, now.Add(-since), now)
	if err != nil {
		return err
	}
	if opts.Out == "-" {
		return rep.Render(f.IO.Out, opts.Format)
	}
	path := opts.Out
	if path == "" {
		path = filepath.Join(reportsDir(f, db), report.FileName(now, opts.Format))
	}
	if err := rep.Save(path, opts.Format); err != nil {
		return fmt.Errorf("--out %s: %w (choose another file or folder)", path, err)
	}
	fmt.Fprintln(f.IO.Out, path)
	fmt.Fprintf(f.IO.ErrOut, "%d new messages, %d overdue threads, %d parcels changed, %d delivered, %d stalled, %d claims filed, %d failures\n",
		rep.Messages.New, len(rep.Messages.Overdue), len(rep.Parcels.Changed), len(rep.Parcels.Delivered), len(rep.Parcels.Stalled),
		len(rep.Claims.Filed), len(rep.Failures))
	return nil
}
