package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/marketplace"
)

type syncOptions struct {
	Stores []string
	JSON   jsonFlags
}

func newSyncCmd(f *factory) *cobra.Command {
	var opts syncOptions
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Pull new buyer messages, orders and attachments from every store",
		Long: strings.TrimSpace(`
Pull the threads and messages that changed since the last sync, their
attachments and the store's orders, from every store (or the --store ones).
Running it twice stores nothing twice. Progress goes to stderr; the summary
(new threads, new messages, overdue) to stdout.

Orders come from the store's order list, walked newest first (Amazon's
Manage Orders, TikTok Shop's order search, eBay Seller Hub's orders): the
first sync of a store reads the orders placed in the last 60 days; later
ones read back to the newest order the last walk read less a day, and,
where the list is by order date, to the oldest order still waiting for its
tracking number (14 days at most), and store only the orders that are new
or changed. Each stored order with a tracking number gets its parcel, which
'sellerops run track' follows. The orders a thread names are read too when
the walk did not store them (older orders, and recipes without an order
list). listed_orders and
order_pages in --json say what the walk stored and how many pages it read;
an order page that does not fit the store's recipe is a failed item
(orders:STORE:list, page_changed, with evidence) and nothing from it is
stored.

A store that needs a person (a CAPTCHA) or whose credentials are refused is
reported and the others still sync. Every thread that could not be read is
recorded with its failure class and evidence; see the log and the evidence
folder beside the database.

A store with an API channel (stores add --api) has its orders, with their
items, buyer, countries and parcels, read through the API; its buyer
messages still come through the browser, which Amazon's API cannot read.
When the API fails after its retries and the store has its Seller Central
sign-in too, the browser reads the orders instead and the sync says so
(orders_channel and api_error in --json, a line on stderr, a failed item in
the run record).

The sync is recorded as a run of the sync job, with one item per store and
one per thread read, as 'sellerops run sync' records it; while one of the
two runs, the other refuses to start.

Exit codes: 0 all synced; 9 some stores or threads failed; 10 every store
failed; 11 or 12 when the only store failed for a person or its credentials;
13 when a sync already runs.`),
		Example: "  sellerops sync\n  sellerops sync --store shop-us --json --jq '.new_messages'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return syncRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().StringSliceVar(&opts.Stores, "store", nil, "Sync only this `store` (repeatable)")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func syncRun(ctx context.Context, f *factory, opts *syncOptions) error {
	deps, err := marketplaceDeps(ctx, f, false)
	if err != nil {
		return err
	}
	stores, err := deps.DB.ListStores(ctx)
	if err != nil {
		return err
	}
	for _, n := range opts.Stores {
		if _, err := deps.DB.GetStoreByName(ctx, n); err != nil {
			return err
		}
	}
	if len(stores) == 0 {
		if opts.JSON.enabled() {
			return writeJSON(f.IO.Out, marketplace.Summary{Stores: []marketplace.StoreSummary{}}, opts.JSON.JQ)
		}
		fmt.Fprintln(f.IO.ErrOut, "no stores yet; add one with `sellerops stores add`")
		return nil
	}
	if need, err := anyBrowserStore(ctx, deps); err != nil {
		return err
	} else if need {
		if deps.Browser, err = f.Browser(ctx); err != nil {
			return err
		}
	}
	jd, err := runJobDeps(ctx, f, opts.Stores)
	if err != nil {
		return err
	}
	jd.Marketplace = func(context.Context) (*marketplace.Deps, error) { return deps, nil }
	jd.SyncProgress = syncProgress(f)
	// The runner records the sync as a run of the sync job, the same rows
	// `sellerops run sync` leaves.
	sum, _, err := jobs.Sync(ctx, newRunner(f, deps.DB, nil), jd)
	if errors.Is(err, jobs.ErrAlreadyRunning) {
		return err
	}
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		if err := writeJSON(f.IO.Out, sum, opts.JSON.JQ); err != nil {
			return err
		}
	} else {
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "STORE", "RESULT", "CHECKED", "NEW THREADS", "NEW MESSAGES", "FAILED", "OVERDUE")
		for _, s := range sum.Stores {
			result := "ok"
			if !s.OK {
				result = s.FailureClass
			}
			t.row(s.Store, result, fmt.Sprint(s.Checked), fmt.Sprint(s.NewThreads), fmt.Sprint(s.NewMessages), fmt.Sprint(s.Failed), fmt.Sprint(s.Overdue))
		}
		t.flush()
		fmt.Fprintf(f.IO.Out, "%d new threads, %d new messages, %d overdue\n", sum.NewThreads, sum.NewMessages, sum.Overdue)
	}
	for _, s := range sum.Stores {
		if !s.OK {
			fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", s.Store, s.Error)
		}
		switch {
		case s.APIError != "" && s.OrdersChannel == "browser":
			fmt.Fprintf(f.IO.ErrOut, "%s: orders came through the browser: the API failed: %s\n", s.Store, s.APIError)
		case s.APIError != "":
			fmt.Fprintf(f.IO.ErrOut, "%s: orders not read: the API failed: %s\n", s.Store, s.APIError)
		case s.OrdersChannel == "api":
			fmt.Fprintf(f.IO.ErrOut, "%s: %d orders through the API in %d requests\n", s.Store, s.Orders, s.APIRequests)
		case s.OrderPages > 0:
			fmt.Fprintf(f.IO.ErrOut, "%s: %d new or changed orders from %d pages of the order list\n", s.Store, s.ListedOrders, s.OrderPages)
		}
		if s.MessagesAPIError != "" {
			fmt.Fprintf(f.IO.ErrOut, "%s: messages came through the browser: the API failed: %s\n", s.Store, s.MessagesAPIError)
		}
	}
	return syncExit(sum)
}

// syncExit sums up a sync in an exit code.
func syncExit(sum marketplace.Summary) error {
	if sum.StoreErrors == 0 && sum.Failed == 0 {
		return nil
	}
	if sum.StoreErrors == len(sum.Stores) {
		if len(sum.Stores) == 1 {
			switch automations.Class(sum.Stores[0].FailureClass) {
			case automations.NeedsHuman:
				return &classError{class: automations.NeedsHuman}
			case automations.AuthFailed:
				return &classError{class: automations.AuthFailed}
			}
		}
		return &batchError{all: true}
	}
	return &batchError{all: false}
}

// syncProgress writes progress lines to stderr, redrawing one line per
// update on a terminal.
func syncProgress(f *factory) func(marketplace.Progress) {
	tty := f.IO.IsStderrTTY()
	return func(p marketplace.Progress) {
		line := p.Store + ": " + p.Phase
		if p.Total > 0 {
			line += fmt.Sprintf(" %d/%d", p.Done, p.Total)
		}
		if p.Message != "" {
			line += " " + p.Message
		}
		switch {
		case tty && p.Phase == "threads":
			fmt.Fprintf(f.IO.ErrOut, "\r\033[K%s", line)
		case tty:
			fmt.Fprintf(f.IO.ErrOut, "\r\033[K%s\n", line)
		case p.Phase != "threads" || p.Done == p.Total:
			fmt.Fprintln(f.IO.ErrOut, line)
		}
	}
}
