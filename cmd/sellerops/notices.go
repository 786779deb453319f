package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/localdb"
)

func newNoticesCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "notices",
		Short: "Delay notices proposed to buyers before they ask: list, send, skip or settle them",
		Long: strings.TrimSpace(`
When a parcel stalls (no new scan for thresholds.stalled_days, or the
carrier's carriers.<courier>.stalled_days), passes its estimated delivery by
thresholds.past_eta_days, or the carrier reports an exception, and its buyer
has not written about it, sellerops proposes a notice to the buyer: the
built-in 'delay' template (or templates/delay.LANG.txt beside the config),
in the buyer's language, filled from the parcel.

"Not written about it" means: no buyer message on the order since the event
began, and no where-is-my-order or damage message at all (those are answered
as replies). The language is the one of the buyer's messages, else the main
language of the destination country, else the store site's, else English.

Notices wait for a person. 'sellerops run' sends them only when the config
says proactive.auto_send: true. Each goes through the outbox under the key
parcel + event, so that no parcel's event is told twice, whatever crashes:
into the order's own conversation where the store's site offers one, else
as a reply in the buyer's thread.`),
		Example: strings.Join([]string{
			"  sellerops notices list",
			"  sellerops notices send 205",
			"  sellerops notices send --all --json",
			"  sellerops notices skip 205",
			"  sellerops notices settle 205 --sent",
		}, "\n"),
	}
	cmd.AddCommand(newNoticesListCmd(f), newNoticesSendCmd(f), newNoticesSkipCmd(f), newNoticesSettleCmd(f))
	return cmd
}

type noticesListOptions struct {
	Text bool
	JSON jsonFlags
}

func newNoticesListCmd(f *factory) *cobra.Command {
	var opts noticesListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the proposed delay notices, oldest event first",
		Long: strings.TrimSpace(`
List the delay notices proposed now: one per parcel, with the event
(stalled, past_eta, exception), when it began and why, the language the
notice is written in and why, and its state: proposed, or sending (a send
that stopped half-way; 'notices send' finishes it without sending twice).
A notice whose template lacks a value shows the problem and is never sent.

The PARCEL column is the parcel's local id, which 'notices send' and
'notices skip' take (a tracking number works too).`),
		Example: strings.Join([]string{
			"  sellerops notices list",
			"  sellerops notices list --text",
			"  sellerops notices list --jq '.[] | select(.event == \"exception\") | .tracking_number'",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return noticesListRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().BoolVar(&opts.Text, "text", false, "Print each notice's text under the table")
	return cmd
}

func proposeNotices(ctx context.Context, f *factory) ([]notices.Proposal, error) {
	deps, err := noticesDeps(ctx, f)
	if err != nil {
		return nil, err
	}
	return notices.Propose(ctx, deps, f.Now())
}

func noticesListRun(ctx context.Context, f *factory, opts *noticesListOptions) error {
	props, err := proposeNotices(ctx, f)
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, props, opts.JSON.JQ)
	}
	if len(props) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no delay notices proposed: no open parcel has stalled, passed its estimate or met an exception without its buyer writing")
		return nil
	}
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "PARCEL", "NUMBER", "STORE", "ORDER", "EVENT", "SINCE", "LANG", "STATE", "WHY")
	for _, p := range props {
		state, why := p.State, p.Why
		if p.Problem != "" {
			state, why = "cannot_write", p.Problem
		}
		t.row(strconv.FormatInt(p.ShipmentID, 10), p.TrackingNumber, p.Store, p.MarketplaceOrderID, string(p.Event),
			p.Since.Format("2006-01-02"), p.Language, state, why)
	}
	t.flush()
	if opts.Text {
		for _, p := range props {
			if p.Body != "" {
				fmt.Fprintf(f.IO.Out, "\n--- parcel %d to %s (%s, %s):\n%s\n", p.ShipmentID, p.Buyer, p.Language, p.LanguageBasis, p.Body)
			}
		}
	}
	return nil
}

type noticesSendOptions struct {
	Refs   []string
	All    bool
	DryRun bool
	JSON   jsonFlags
}

// noticeOutcome is one notice's line in `notices send --json`.
type noticeOutcome struct {
	ShipmentID     int64  `json:"shipment_id"`
	TrackingNumber string `json:"tracking_number"`
	Key            string `json:"key"`
	Language       string `json:"language,omitempty"`
	notices.SendResult
	Body  string `json:"body,omitempty"`
	Error string `json:"error,omitempty"`
}

func newNoticesSendCmd(f *factory) *cobra.Command {
	var opts noticesSendOptions
	cmd := &cobra.Command{
		Use:   "send PARCEL... | --all",
		Short: "Send proposed delay notices to their buyers, through the outbox",
		Long: strings.TrimSpace(`
Send the proposed notices of the parcels named (local id or tracking number,
as 'notices list' shows), or every proposed one with --all. Every name is
checked first: an unknown one stops the command before anything is sent.

Each notice is recorded before the store's site is opened, under the key
parcel + event; sending again after a crash looks on the site first and
never sends a notice twice. A notice already sent is reported as such.
Amazon, eBay and TikTok Shop stores take it in the order's own conversation
where the site's recipe names one, else as a reply in the buyer's thread.

With --json, one JSON line per notice; a failed one has an "error" field,
and the exit code sums up the batch (0, 9 or 10).`),
		Example: strings.Join([]string{
			"  sellerops notices send 205",
			"  sellerops notices send --all --dry-run",
		}, "\n"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			return noticesSendRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.All, "all", false, "Send every proposed notice that can be written")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Print the notices and send nothing")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

// pickNotices resolves the parcels a send or skip names; every name must
// be a proposed notice.
// pickedNoticesAndDB is the proposals the refs name (each must name one)
// and the database, for the commands that record a decision about them.
func pickedNoticesAndDB(ctx context.Context, f *factory, refs []string) ([]notices.Proposal, *localdb.DB, error) {
	props, err := proposeNotices(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	picked, err := pickNotices(props, refs, false)
	if err != nil {
		return nil, nil, err
	}
	db, err := f.DB(ctx)
	if err != nil {
		return nil, nil, err
	}
	return picked, db, nil
}

func pickNotices(props []notices.Proposal, refs []string, all bool) ([]notices.Proposal, error) {
	switch {
	case all && len(refs) > 0:
		return nil, usageErrorf("give parcels or --all, not both")
	case all:
		var out []notices.Proposal
		for _, p := range props {
			if p.Problem == "" {
				out = append(out, p)
			}
		}
		return out, nil
	case len(refs) == 0:
		return nil, usageErrorf("name at least one parcel (its local id or tracking number, see `sellerops notices list`), or give --all")
	}
	var out []notices.Proposal
	seen := map[string]bool{}
	for _, r := range refs {
		p, err := notices.Find(props, r)
		if err != nil {
			return nil, err
		}
		if !seen[p.Key] {
			seen[p.Key] = true
			out = append(out, p)
		}
	}
	return out, nil
}

func noticesSendRun(ctx context.Context, f *factory, opts *noticesSendOptions) error {
	props, err := proposeNotices(ctx, f)
	if err != nil {
		return err
	}
	picked, err := pickNotices(props, opts.Refs, opts.All)
	if err != nil {
		return err
	}
	for _, p := range picked {
		if p.Problem != "" {
			return fmt.Errorf("parcel %d (%s): %w: %s", p.ShipmentID, p.TrackingNumber, notices.ErrCannotWrite, p.Problem)
		}
	}
	if opts.DryRun {
		if opts.JSON.enabled() {
			for _, p := range picked {
				if err := writeJSONLine(f.IO.Out, noticeOutcome{ShipmentID: p.ShipmentID, TrackingNumber: p.TrackingNumber,
					Key: p.Key, Language: p.Language, Body: p.Body, Error: p.Problem}); err != nil {
					return err
				}
			}
			return nil
		}
		for _, p := range picked {
			fmt.Fprintf(f.IO.Out, "--- parcel %d (%s) to %s, %s in %s:\n%s\n\n", p.ShipmentID, p.TrackingNumber, p.Buyer, p.Store, p.Language, p.Body)
		}
		return nil
	}
	if len(picked) == 0 {
		if opts.JSON.enabled() {
			return nil
		}
		fmt.Fprintln(f.IO.ErrOut, "no delay notices to send")
		return nil
	}
	deps, err := marketplaceDeps(ctx, f, true)
	if err != nil {
		return err
	}
	db := deps.DB
	sender := marketplace.NoticeSender{Deps: deps, Progress: func(p marketplace.Progress) {
		fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", p.Store, p.Phase)
	}}
	failed := 0
	for _, p := range picked {
		res, err := sendProposedNotice(ctx, db, sender, p)
		out := noticeOutcome{ShipmentID: p.ShipmentID, TrackingNumber: p.TrackingNumber, Key: p.Key, Language: p.Language, SendResult: res}
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			failed++
			out.Error = err.Error()
		}
		if opts.JSON.enabled() {
			if werr := writeJSONLine(f.IO.Out, out); werr != nil {
				return werr
			}
			continue
		}
		switch {
		case err != nil:
			fmt.Fprintf(f.IO.ErrOut, "parcel %d (%s): %v\n", p.ShipmentID, p.TrackingNumber, err)
		case res.AlreadySent:
			fmt.Fprintf(f.IO.Out, "parcel %d (%s): this notice was already sent; nothing sent again\n", p.ShipmentID, p.TrackingNumber)
		case res.Recovered:
			fmt.Fprintf(f.IO.Out, "parcel %d (%s): an earlier attempt had reached the site; recorded, not sent again\n", p.ShipmentID, p.TrackingNumber)
		default:
			fmt.Fprintf(f.IO.Out, "parcel %d (%s): notice sent to %s (%s, %s)\n", p.ShipmentID, p.TrackingNumber, p.Buyer, p.Language, res.Channel)
		}
	}
	return batchOutcome(failed, len(picked))
}

type noticesSkipOptions struct {
	Refs []string
	JSON jsonFlags
}

func newNoticesSkipCmd(f *factory) *cobra.Command {
	var opts noticesSkipOptions
	cmd := &cobra.Command{
		Use:   "skip PARCEL...",
		Short: "Decline proposed delay notices; they are not proposed again",
		Long: strings.TrimSpace(`
Decline the proposed notices of the parcels named (local id or tracking
number). A skipped notice is not proposed again, nor is a notice for the
same parcel about an event that began before the skip; a new event later
(an exception after a stall, say) is proposed afresh.`),
		Example: strings.Join([]string{
			"  sellerops notices skip 205",
			"  sellerops notices skip 205 --json",
		}, "\n"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			return noticesSkipRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func noticesSkipRun(ctx context.Context, f *factory, opts *noticesSkipOptions) error {
	picked, db, err := pickedNoticesAndDB(ctx, f, opts.Refs)
	if err != nil {
		return err
	}
	type skipped struct {
		ShipmentID     int64  `json:"shipment_id"`
		TrackingNumber string `json:"tracking_number"`
		Key            string `json:"key"`
	}
	out := []skipped{}
	for _, p := range picked {
		if err := notices.Skip(ctx, db, p); err != nil {
			return err
		}
		out = append(out, skipped{p.ShipmentID, p.TrackingNumber, p.Key})
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, out, opts.JSON.JQ)
	}
	for _, s := range out {
		fmt.Fprintf(f.IO.Out, "parcel %d (%s): notice skipped\n", s.ShipmentID, s.TrackingNumber)
	}
	return nil
}

// sendProposedNotice sends one proposed notice through the outbox; one
// whose template could not be filled is refused and nothing is sent. The
// command line and the dashboard both send by it.
func sendProposedNotice(ctx context.Context, db *localdb.DB, sender notices.Sender, p notices.Proposal) (notices.SendResult, error) {
	if p.Problem != "" {
		return notices.SendResult{}, fmt.Errorf("parcel %d (%s): %w: %s", p.ShipmentID, p.TrackingNumber, notices.ErrCannotWrite, p.Problem)
	}
	return notices.Send(ctx, db, sender, p)
}

type noticesSettleOptions struct {
	Refs    []string
	Sent    bool
	NotSent bool
	JSON    jsonFlags
}

func newNoticesSettleCmd(f *factory) *cobra.Command {
	var opts noticesSettleOptions
	cmd := &cobra.Command{
		Use:   "settle PARCEL... --sent | --not-sent",
		Short: "Record what you found on the site about a notice whose send is in doubt",
		Long: strings.TrimSpace(`
A notice sent through an API that cannot list what it sent (Amazon's
Messaging API) is never sent again once a call may have reached the
marketplace: a crash or a timeout leaves it in doubt, and 'notices send'
reports it instead of risking a second copy. Look at the order's messages
on the site, then record what you found:

  --sent      the buyer has it: the notice is recorded as sent and never
              proposed again for this event;
  --not-sent  it is not there: the next 'notices send' sends it, with the
              text first decided.

Only a notice whose send is in doubt can be settled (exit 5 otherwise, with
its state named). Settling again the same way changes nothing.`),
		Example: strings.Join([]string{
			"  sellerops notices settle 205 --sent",
			"  sellerops notices settle 205 --not-sent --json",
		}, "\n"),
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Refs = args
			return noticesSettleRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Sent, "sent", false, "The notice is on the site: record it as sent")
	cmd.Flags().BoolVar(&opts.NotSent, "not-sent", false, "The notice is not on the site: let the next send send it")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func noticesSettleRun(ctx context.Context, f *factory, opts *noticesSettleOptions) error {
	if opts.Sent == opts.NotSent {
		return usageErrorf("say what you found on the site: --sent or --not-sent")
	}
	picked, db, err := pickedNoticesAndDB(ctx, f, opts.Refs)
	if err != nil {
		return err
	}
	type settled struct {
		ShipmentID     int64               `json:"shipment_id"`
		TrackingNumber string              `json:"tracking_number"`
		Key            string              `json:"key"`
		State          localdb.NoticeState `json:"state"`
		Outbox         localdb.OutboxState `json:"outbox_state"`
	}
	// Every notice named must be in doubt before any is settled, so that a
	// wrong name changes nothing.
	for _, p := range picked {
		if p.State != notices.StateSending {
			return fmt.Errorf("parcel %d (%s): the notice is %s: %w", p.ShipmentID, p.TrackingNumber, p.State, localdb.ErrNotUnsure)
		}
	}
	out := []settled{}
	for _, p := range picked {
		n, e, err := db.SettleNotice(ctx, p.Key, opts.Sent)
		if err != nil {
			return fmt.Errorf("parcel %d (%s): %w", p.ShipmentID, p.TrackingNumber, err)
		}
		out = append(out, settled{p.ShipmentID, p.TrackingNumber, p.Key, n.State, e.State})
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, out, opts.JSON.JQ)
	}
	for _, s := range out {
		if opts.Sent {
			fmt.Fprintf(f.IO.Out, "parcel %d (%s): notice recorded as sent; it is not sent again\n", s.ShipmentID, s.TrackingNumber)
		} else {
			fmt.Fprintf(f.IO.Out, "parcel %d (%s): notice recorded as not sent; `sellerops notices send %d` sends it\n", s.ShipmentID, s.TrackingNumber, s.ShipmentID)
		}
	}
	return nil
}
