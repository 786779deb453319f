package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

func newShipmentsCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "shipments",
		Short: "Parcels in the local database: list them, find the stalled ones",
	}
	cmd.AddCommand(newShipmentsListCmd(f))
	return cmd
}

type shipmentsListOptions struct {
	Tag     string
	Stalled bool
	JSON    jsonFlags
}

// shipmentRow is one parcel as the list prints it.
type shipmentRow struct {
	localdb.Shipment
	StalledReason string  `json:"stalled_reason,omitempty"`
	IdleDays      float64 `json:"idle_days,omitempty"`
}

func newShipmentsListCmd(f *factory) *cobra.Command {
	var opts shipmentsListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored parcels, optionally only one status or only the stalled ones",
		Long: strings.TrimSpace(`
List the parcels in the local database, most recent event first. The status
is the one the last 'sellerops track' stored; run it first to refresh.

--tag keeps one status: Pending, InfoReceived, InTransit, OutForDelivery,
AttemptFail, Delivered, AvailableForPickup, Exception or Expired.

--stalled keeps the parcels that are neither delivered nor returned and have
had no new event for N days, or are N days past their estimated delivery.
N comes from the config: carriers.<courier>.stalled_days, else
thresholds.stalled_days (default 5), and thresholds.past_eta_days (default 3).
Stalled parcels feed the claims: see 'sellerops claims candidates'.`),
		Example: strings.Join([]string{
			"  sellerops shipments list",
			"  sellerops shipments list --stalled --json",
			"  sellerops shipments list --tag Exception --jq '.[].tracking_number'",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return shipmentsListRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.Tag, "tag", "", "Only parcels with this status `tag` (e.g. InTransit, Exception)")
	cmd.Flags().BoolVar(&opts.Stalled, "stalled", false, "Only stalled parcels: no new event, or past the estimated delivery, for the configured days")
	return cmd
}

// shipmentTag matches a tag case-insensitively.
func shipmentTag(s string) (string, error) {
	var names []string
	for _, t := range carriers.Tags() {
		if strings.EqualFold(string(t), strings.TrimSpace(s)) {
			return string(t), nil
		}
		names = append(names, string(t))
	}
	return "", usageErrorf("--tag %q is not a status tag; use one of %s", s, strings.Join(names, ", "))
}

func shipmentsListRun(ctx context.Context, f *factory, opts *shipmentsListOptions) error {
	tag := ""
	if opts.Tag != "" {
		var err error
		if tag, err = shipmentTag(opts.Tag); err != nil {
			return err
		}
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	rows := []shipmentRow{}
	if opts.Stalled {
		stalled, err := db.StalledShipments(ctx, shipments.StallRule(cfg))
		if err != nil {
			return err
		}
		for _, s := range stalled {
			if tag != "" && s.Tag != tag {
				continue
			}
			rows = append(rows, shipmentRow{Shipment: s.Shipment, StalledReason: s.Reason,
				IdleDays: float64(int(s.Idle.Hours()/24*10)) / 10})
		}
	} else {
		filter := localdb.ShipmentFilter{}
		if tag != "" {
			filter.Tags = []string{tag}
		}
		list, err := db.ListShipments(ctx, filter)
		if err != nil {
			return err
		}
		for _, s := range list {
			rows = append(rows, shipmentRow{Shipment: s})
		}
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, rows, opts.JSON.JQ)
	}
	if len(rows) == 0 {
		what := "no parcels stored yet; run 'sellerops track' first"
		if opts.Stalled || tag != "" {
			what = "no parcels match"
		}
		fmt.Fprintln(f.IO.ErrOut, what)
		return nil
	}
	header := []string{"NUMBER", "COURIER", "TAG", "LAST EVENT", "ETA", "CHECKED", "SOURCE"}
	if opts.Stalled {
		header = append(header, "WHY STALLED")
	}
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), header...)
	for _, r := range rows {
		src := string(r.Source)
		if r.ErrorClass != "" {
			src += " (last lookup: " + r.ErrorClass + ")"
		}
		cols := []string{r.TrackingNumber, r.Courier, r.Tag, shipmentDate(r.LastEventAt, "2006-01-02 15:04"),
			shipmentDate(r.EstimatedDelivery, time.DateOnly), shipmentDate(r.CheckedAt, "2006-01-02 15:04"), shipmentOrDash(src)}
		if opts.Stalled {
			cols = append(cols, r.StalledReason)
		}
		t.row(cols...)
	}
	t.flush()
	return nil
}

func shipmentDate(t time.Time, layout string) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(layout)
}

func shipmentOrDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
