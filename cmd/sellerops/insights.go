package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/insights"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

type insightsOptions struct {
	Since string
	By    string
	CSV   bool
	JSON  jsonFlags
}

func newInsightsCmd(f *factory) *cobra.Command {
	var opts insightsOptions
	cmd := &cobra.Command{
		Use:   "insights",
		Short: "Service insights: response times, SLA, contact reasons, delivery per carrier and lane, claims, spikes",
		Long: strings.TrimSpace(`
Print, per group of --by (store by default), for the threads whose first
buyer message is in the last --since (30d by default):

  - threads and buyer messages;
  - first response time, median and 90th percentile, from the thread's
    first buyer message to the first seller reply (replies made on the
    marketplace's site count, as sync stores them), and its distribution in
    the buckets 0-1h, 1-4h, 4-8h, 8-24h and 24h+;
  - SLA: buyer messages due by the marketplace's own reply window (Amazon
    24 hours, TikTok Shop 12 hours, eBay 3 business days for returns and
    cases) and those answered in time;
  - one-touch rate: closed threads answered by one seller reply with no new
    buyer message within 7 days, over those old enough to judge;
  - contact reasons: threads with a buyer message of each reason;
  - by carrier or lane (origin->destination country), delivery: transit
    hours from the first scan to delivery (median, 90th percentile), the
    on-time share against the carrier's estimate, lost and damaged parcels
    per 1,000.

Then the spikes: a SKU or carrier whose damage or where-is-my-order
contacts in the last 7 days come at more than twice the daily rate of the 4
weeks before, with at least 5 contacts, with the messages behind it.

--json adds the backlog (open threads by how long the buyer has waited),
seller replies per thread, contacts per 100 orders by reason, and claims per
carrier and currency (drafted, filed, paid, recovery rate, days to payment;
money is never summed across currencies). --csv writes the groups as CSV.

Buyer messages the contact-reason rule has not read yet are read first and
their reasons stored, so the database must be writable.`),
		Example: strings.Join([]string{
			"  sellerops insights",
			"  sellerops insights --since 7d --by carrier",
			"  sellerops insights --by lane --json --jq '.groups[] | {group, on_time_rate}'",
			"  sellerops insights --by sku --csv > skus.csv",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return insightsRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().StringVar(&opts.Since, "since", "30d", "Cover this `duration` back from now (whole days such as 7d, or 36h, 90m)")
	cmd.Flags().StringVar(&opts.By, "by", "store", "Group by `field`: store, marketplace, reason, sku, carrier, country or lane")
	cmd.Flags().BoolVar(&opts.CSV, "csv", false, "Write the groups as CSV")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func insightsRun(ctx context.Context, f *factory, opts *insightsOptions) error {
	since, err := config.ParseDuration(opts.Since)
	if err != nil || since <= 0 {
		return badInputf("--since %q: give a positive duration such as 30d, 7d or 36h", opts.Since)
	}
	by, err := insights.ParseBy(opts.By)
	if err != nil {
		return badInputf("--by %q: group by store, marketplace, reason, sku, carrier, country or lane", opts.By)
	}
	if opts.CSV && opts.JSON.enabled() {
		return badInputf("--csv and --json: choose one output format")
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	now := f.Now()
	rep, err := insights.Build(ctx, db, insights.Query{Since: now.Add(-since), By: by, Now: now})
	if err != nil {
		return err
	}
	switch {
	case opts.JSON.enabled():
		return writeJSON(f.IO.Out, rep, opts.JSON.JQ)
	case opts.CSV:
		return writeInsightsCSV(f, rep)
	}
	writeInsightsTable(f, rep)
	return nil
}

// insightsColumns are the CSV's columns, the --json fields flattened.
func insightsColumns(by localdb.InsightsBy) []string {
	cols := []string{"group", "threads", "buyer_messages", "frt_p50_seconds", "frt_p90_seconds"}
	for _, b := range localdb.FRTBuckets {
		cols = append(cols, "frt_"+b)
	}
	cols = append(cols, "sla_due", "sla_met", "one_touch_rate")
	for _, r := range messages.Reasons {
		cols = append(cols, "reason_"+r)
	}
	if by == localdb.ByCarrier || by == localdb.ByLane {
		cols = append(cols, "transit_p50_hours", "transit_p90_hours", "on_time_rate", "lost_per_1000", "damaged_per_1000")
	}
	return cols
}

func writeInsightsCSV(f *factory, rep *insights.Report) error {
	w := csv.NewWriter(f.IO.Out)
	_ = w.Write(insightsColumns(rep.By))
	for _, g := range rep.Groups {
		row := []string{g.Group, strconv.Itoa(g.Threads), strconv.Itoa(g.BuyerMessages),
			strconv.FormatInt(g.FRTP50Seconds, 10), strconv.FormatInt(g.FRTP90Seconds, 10)}
		for _, b := range localdb.FRTBuckets {
			row = append(row, strconv.Itoa(g.FRTBuckets[b]))
		}
		row = append(row, strconv.Itoa(g.SLADue), strconv.Itoa(g.SLAMet), fnum(g.OneTouchRate))
		for _, r := range messages.Reasons {
			row = append(row, strconv.Itoa(g.Reasons[r]))
		}
		if g.Delivery {
			row = append(row, fopt(g.TransitP50, fnum), fopt(g.TransitP90, fnum), fopt(g.OnTimeRate, fnum),
				fopt(g.LostPer1000, fnum), fopt(g.DamagedPer1000, fnum))
		}
		_ = w.Write(row)
	}
	w.Flush()
	return w.Error()
}

func fnum(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fopt prints an optional figure, "" (CSV) or "-" (table) when absent.
func fopt(v *float64, format func(float64) string) string {
	if v == nil {
		return ""
	}
	return format(*v)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// hm prints seconds as hours and minutes.
func hm(sec int64) string {
	if sec < 3600 {
		return fmt.Sprintf("%dm", sec/60)
	}
	return fmt.Sprintf("%dh%02dm", sec/3600, sec%3600/60)
}

func pct(num, den int) string {
	if den == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", float64(num)*100/float64(den))
}

func writeInsightsTable(f *factory, rep *insights.Report) {
	tty := f.IO.IsStdoutTTY()
	if len(rep.Groups) == 0 {
		fmt.Fprintf(f.IO.ErrOut, "no threads or parcels since %s\n", rep.Since.Format("2006-01-02 15:04 MST"))
	}
	header := []string{strings.ToUpper(string(rep.By)), "THREADS", "BUYER MSGS", "FRT P50", "FRT P90", "SLA MET", "ONE-TOUCH", "TOP REASON"}
	delivery := rep.By == localdb.ByCarrier || rep.By == localdb.ByLane
	if delivery {
		header = append(header, "TRANSIT P50", "TRANSIT P90", "ON TIME", "LOST/1000", "DAMAGED/1000")
	}
	t := newTable(f.IO.Out, tty, header...)
	for _, g := range rep.Groups {
		row := []string{g.Group, strconv.Itoa(g.Threads), strconv.Itoa(g.BuyerMessages), hm(g.FRTP50Seconds), hm(g.FRTP90Seconds),
			fmt.Sprintf("%d/%d %s", g.SLAMet, g.SLADue, pct(g.SLAMet, g.SLADue)), fmt.Sprintf("%.0f%%", g.OneTouchRate*100), topReason(g.Reasons)}
		if delivery {
			hours := func(v float64) string { return fmt.Sprintf("%.1fh", v) }
			share := func(v float64) string { return fmt.Sprintf("%.0f%%", v*100) }
			per := func(v float64) string { return fmt.Sprintf("%.1f", v) }
			row = append(row, dash(fopt(g.TransitP50, hours)), dash(fopt(g.TransitP90, hours)), dash(fopt(g.OnTimeRate, share)),
				dash(fopt(g.LostPer1000, per)), dash(fopt(g.DamagedPer1000, per)))
		}
		t.row(row...)
	}
	t.flush()
	for _, a := range rep.Alerts {
		fmt.Fprintf(f.IO.Out, "\nspike: %s %s: %d %s contacts in 7 days (%.2f a day, %.2f a day the 4 weeks before)\n",
			a.Kind, a.Group, a.RecentContacts, a.Reason, a.RecentPerDay, a.PreviousPerDay)
		for _, m := range a.Behind {
			fmt.Fprintf(f.IO.Out, "  %s  %s  thread %d  %s\n", m.SentAt.Format("2006-01-02 15:04"), m.Store, m.ThreadID, clip(m.Body, 60))
		}
	}
	for _, c := range rep.Claims {
		fmt.Fprintf(f.IO.Out, "\nclaims %s %s: %d drafted, %d filed, %d paid, %d denied; recovered %s of %s decided (%.0f%%)",
			c.Carrier, c.Currency, c.Drafted, c.Filed, c.Paid, c.Denied, c.Recovered, c.ClaimedDecided, c.RecoveryRate*100)
		if c.PaymentValues > 0 {
			fmt.Fprintf(f.IO.Out, "; paid after %.1f days (median)", c.DaysToPaymentP50)
		}
		fmt.Fprintln(f.IO.Out)
	}
}

// topReason is the reason with most contacts ("-" when none), the first of
// the fixed list on a tie.
func topReason(r map[string]int) string {
	best, n := "-", 0
	for _, k := range messages.Reasons {
		if r[k] > n {
			best, n = k, r[k]
		}
	}
	return best
}
