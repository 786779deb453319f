package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/money"
)

func newClaimsCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "claims",
		Short: "Find lost and damaged parcels, draft claims with evidence, file them once, follow them to payment",
		Long: strings.TrimSpace(`
Claims against carriers for lost or damaged parcels, inside each carrier's
claim window:

  candidates  parcels that qualify, with their window and why
  draft       assemble a claim for a parcel: amount, description, evidence
  list, show  the stored claims
  edit        change a draft before it is filed
  reset       return a claim stuck in filing to draft, after searching the portal
  file        file a claim through the carrier's portal, exactly once
  status      read filed claims' status and payments from the portals
  export      money claimed, paid and denied per carrier, as CSV

Portal logins come from the secret store: carrier/<c>/portal_username and
carrier/<c>/portal_password (or SELLEROPS_SECRET_CARRIER_<C>_PORTAL_USERNAME
and _PASSWORD on servers without a keyring). The portal's address is
carriers.<c>.portal_url in the config.`),
	}
	cmd.AddCommand(
		newClaimsCandidatesCmd(f),
		newClaimsDraftCmd(f),
		newClaimsListCmd(f),
		newClaimsShowCmd(f),
		newClaimsEditCmd(f),
		newClaimsResetCmd(f),
		newClaimsFileCmd(f),
		newClaimsStatusCmd(f),
		newClaimsExportCmd(f),
	)
	return cmd
}

func parseClaimID(arg string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("claim %q: give the claim's number as `sellerops claims list` shows it, such as 12", arg)
	}
	return id, nil
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format("2006-01-02")
}

// --- candidates

type claimsCandidatesOptions struct {
	JSON          jsonFlags
	ClosingWithin string
	Alerts        bool
	Kind          string
}

func newClaimsCandidatesCmd(f *factory) *cobra.Command {
	var opts claimsCandidatesOptions
	cmd := &cobra.Command{
		Use:   "candidates",
		Short: "List parcels that qualify for a lost or damaged claim, with their window",
		Long: strings.TrimSpace(`
List every parcel that qualifies for a claim, the window closing soonest
first. A parcel is a lost candidate when the carrier reports it lost
(Exception_013) or when it has stalled past its carrier's threshold; a damaged
candidate when the carrier reports damage (Exception_012) or a buyer's message
reports it in English, German, French, Spanish or Japanese (stronger with
photos; claims.damage_keywords in the config replaces the built-in words).

Each candidate shows its window: when it opens and closes (from the carriers'
service guides, or claims.rules in the config), the days left and its state
(not_yet_open, open, closed), and the claim already drafted for it, if any.

--closing-within keeps open windows that close within the duration and are
not filed yet: the deadline alerts. --alerts does the same with
thresholds.claim_alert_days from the config (7 days by default).`),
		Example: strings.Join([]string{
			"  sellerops claims candidates",
			"  sellerops claims candidates --closing-within 7d",
			"  sellerops claims candidates --json --jq '.[] | select(.window.state == \"open\") | .tracking_number'",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return claimsCandidatesRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.ClosingWithin, "closing-within", "", "Only windows closing within this `duration` (e.g. 7d, 36h)")
	cmd.Flags().BoolVar(&opts.Alerts, "alerts", false, "Only windows closing within thresholds.claim_alert_days")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Only this `kind`: lost or damaged")
	return cmd
}

func claimsCandidatesRun(ctx context.Context, f *factory, opts *claimsCandidatesOptions) error {
	if opts.Kind != "" && opts.Kind != string(localdb.ClaimLost) && opts.Kind != string(localdb.ClaimDamaged) {
		return usageErrorf("--kind %q: use lost or damaged", opts.Kind)
	}
	var within time.Duration
	if opts.ClosingWithin != "" {
		d, err := config.ParseDuration(opts.ClosingWithin)
		if err != nil {
			return usageErrorf("--closing-within: %v", err)
		}
		within = d
	}
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	if opts.Alerts {
		within = time.Duration(deps.Config.Thresholds.ClaimAlertDays) * 24 * time.Hour
	}
	now := f.Now()
	cands, err := claims.Candidates(ctx, deps.Deps, now)
	if err != nil {
		return err
	}
	if within > 0 {
		cands = claims.FilterClosingWithin(cands, now, within)
	}
	if opts.Kind != "" {
		kept := []claims.Candidate{}
		for _, c := range cands {
			if string(c.Kind) == opts.Kind {
				kept = append(kept, c)
			}
		}
		cands = kept
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, cands, opts.JSON.JQ)
	}
	if len(cands) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no claim candidates")
		return nil
	}
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "KIND", "COURIER", "TRACKING", "OPENS", "CLOSES", "DAYS LEFT", "WINDOW", "CLAIM", "WHY")
	for _, c := range cands {
		claim := "-"
		if c.ClaimID != 0 {
			claim = fmt.Sprintf("%d (%s)", c.ClaimID, c.ClaimState)
		}
		state := c.Window.State
		if state == "" {
			state = "unknown: " + c.Window.Problem
		}
		t.row(string(c.Kind), c.Courier, c.TrackingNumber, day(c.Window.Opens), day(c.Window.Closes),
			strconv.Itoa(c.Window.DaysLeft), state, claim, strings.Join(c.Reasons, "; "))
	}
	t.flush()
	return nil
}

// --- draft

type claimsDraftOptions struct {
	Parcel string
	Kind   string
	JSON   jsonFlags
}

func newClaimsDraftCmd(f *factory) *cobra.Command {
	var opts claimsDraftOptions
	cmd := &cobra.Command{
		Use:   "draft PARCEL",
		Short: "Assemble a claim for a parcel (tracking number or shipment id) and store it as a draft",
		Long: strings.TrimSpace(`
Assemble a claim for a parcel and store it as a draft, ready to edit and file:

  amount       the order's declared value, capped by the carrier's default
               coverage when that is a flat amount in the same currency
  description  what happened, the order, the last scan and the grounds
  evidence     the buyer's photos, an invoice with the order's value and a
               snapshot of the tracking history, copied into the data folder
               (claims/<id>/, owner-only) with their SHA-256

The kind is the one the parcel qualifies for (see 'claims candidates'); pass
--kind to choose, or to draft a claim the rules do not flag. A parcel that
already has a claim of that kind shows it instead of drafting another.`),
		Example: "  sellerops claims draft 1Z999AA10123456784\n  sellerops claims draft 42 --kind damaged --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Parcel = args[0]
			return claimsDraftRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "Claim `kind`: lost or damaged (default: what the parcel qualifies for)")
	return cmd
}

func claimsDraftRun(ctx context.Context, f *factory, opts *claimsDraftOptions) error {
	if opts.Kind != "" && opts.Kind != string(localdb.ClaimLost) && opts.Kind != string(localdb.ClaimDamaged) {
		return usageErrorf("--kind %q: use lost or damaged", opts.Kind)
	}
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	d, err := claims.Draft(ctx, deps.Deps, opts.Parcel, localdb.ClaimKind(opts.Kind))
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, d, opts.JSON.JQ)
	}
	if d.Existing {
		fmt.Fprintf(f.IO.ErrOut, "%s %s already has %s claim %d (%s)\n", d.Courier, d.TrackingNumber, d.Kind, d.ID, d.State)
	} else {
		fmt.Fprintf(f.IO.ErrOut, "drafted %s claim %d for %s %s\n", d.Kind, d.ID, d.Courier, d.TrackingNumber)
	}
	printDetail(f.IO.Out, d)
	if !d.Existing {
		fmt.Fprintf(f.IO.ErrOut, "check it, change it with `sellerops claims edit %d`, then file it with `sellerops claims file %d`\n", d.ID, d.ID)
	}
	return nil
}

func printDetail(w io.Writer, d claims.Detail) {
	fmt.Fprintf(w, "Claim:        %d (%s, %s)\n", d.ID, d.Kind, d.State)
	fmt.Fprintf(w, "Parcel:       %s %s", d.Courier, d.TrackingNumber)
	if d.Service != "" {
		fmt.Fprintf(w, " (%s)", d.Service)
	}
	fmt.Fprintln(w)
	if d.AmountMissing != "" {
		fmt.Fprintf(w, "Amount:       none: %s\n", d.AmountMissing)
	} else {
		fmt.Fprintf(w, "Amount:       %s\n", money.Format(d.Amount, d.Currency))
	}
	fmt.Fprintf(w, "Window:       %s to %s\n", day(d.WindowOpens), day(d.WindowCloses))
	if d.ConfirmationNumber != "" {
		fmt.Fprintf(w, "Confirmation: %s (filed %s)\n", d.ConfirmationNumber, day(d.FiledAt))
	}
	if d.PaidAmount > 0 {
		fmt.Fprintf(w, "Paid:         %s\n", money.Format(d.PaidAmount, d.Currency))
	}
	fmt.Fprintf(w, "Description:  %s\n", d.Description)
	fmt.Fprintln(w, "Evidence:")
	if len(d.Evidence) == 0 {
		fmt.Fprintln(w, "  (none)")
	}
	for _, e := range d.Evidence {
		fmt.Fprintf(w, "  %-4d %-17s %s", e.ID, e.Kind, e.Path)
		if e.Note != "" {
			fmt.Fprintf(w, "  (%s)", e.Note)
		}
		fmt.Fprintln(w)
	}
	if len(d.NotReady) > 0 {
		fmt.Fprintln(w, "Not ready to file:")
		for _, r := range d.NotReady {
			fmt.Fprintf(w, "  - %s\n", r)
		}
	}
}

// --- list and show

type claimsListOptions struct {
	JSON   jsonFlags
	States []string
}

// claimRow is a claim with its parcel, as list prints it.
type claimRow struct {
	localdb.Claim
	Courier        string `json:"courier"`
	TrackingNumber string `json:"tracking_number"`
}

func newClaimsListCmd(f *factory) *cobra.Command {
	var opts claimsListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored claims, the window closing soonest first",
		Long: strings.TrimSpace(`
List the stored claims with their state: draft, filing, submitted,
under_review, approved, paid, denied or cancelled. Amounts are in minor units
in --json (4990 is 49.90) and as decimals in the table.`),
		Example: "  sellerops claims list\n  sellerops claims list --state draft --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return claimsListRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringSliceVar(&opts.States, "state", nil, "Only claims in these `states` (repeat or comma-separate)")
	return cmd
}

func claimsListRun(ctx context.Context, f *factory, opts *claimsListOptions) error {
	var states []localdb.ClaimState
	for _, s := range opts.States {
		st := localdb.ClaimState(strings.TrimSpace(s))
		if !validClaimState(st) {
			return usageErrorf("--state %q: use draft, filing, submitted, under_review, approved, paid, denied or cancelled", s)
		}
		states = append(states, st)
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	list, err := db.ListClaims(ctx, localdb.ClaimFilter{States: states})
	if err != nil {
		return err
	}
	rows := make([]claimRow, 0, len(list))
	for _, c := range list {
		s, err := db.GetShipment(ctx, c.ShipmentID)
		if err != nil {
			return err
		}
		rows = append(rows, claimRow{Claim: c, Courier: s.Courier, TrackingNumber: s.TrackingNumber})
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, rows, opts.JSON.JQ)
	}
	if len(rows) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no claims; draft one with `sellerops claims draft PARCEL`")
		return nil
	}
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "ID", "KIND", "STATE", "COURIER", "TRACKING", "AMOUNT", "CLOSES", "CONFIRMATION", "PAID")
	for _, r := range rows {
		conf := r.ConfirmationNumber
		if conf == "" {
			conf = "-"
		}
		paid := "-"
		if r.PaidAmount > 0 {
			paid = money.Format(r.PaidAmount, r.Currency)
		}
		t.row(strconv.FormatInt(r.ID, 10), string(r.Kind), string(r.State), r.Courier, r.TrackingNumber,
			money.FormatOr(r.Amount, r.Currency, "-"), day(r.WindowCloses), conf, paid)
	}
	t.flush()
	return nil
}

func validClaimState(s localdb.ClaimState) bool {
	switch s {
	case localdb.ClaimDraft, localdb.ClaimFiling, localdb.ClaimSubmitted, localdb.ClaimUnderReview,
		localdb.ClaimApproved, localdb.ClaimPaid, localdb.ClaimDenied, localdb.ClaimCancelled:
		return true
	}
	return false
}

type claimsShowOptions struct {
	ID   string
	JSON jsonFlags
}

func newClaimsShowCmd(f *factory) *cobra.Command {
	var opts claimsShowOptions
	cmd := &cobra.Command{
		Use:     "show CLAIM",
		Short:   "Show a claim with its evidence",
		Example: "  sellerops claims show 12\n  sellerops claims show 12 --json --jq '.evidence[].path'",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return claimsShowRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func claimsShowRun(ctx context.Context, f *factory, opts *claimsShowOptions) error {
	id, err := parseClaimID(opts.ID)
	if err != nil {
		return err
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	d, err := claims.GetDetail(ctx, db, id)
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, d, opts.JSON.JQ)
	}
	printDetail(f.IO.Out, d)
	return nil
}

// --- edit

type claimsEditOptions struct {
	ID             string
	Amount         string
	Currency       string
	Description    string
	AddEvidence    []string
	RemoveEvidence []int64
	JSON           jsonFlags
}

func newClaimsEditCmd(f *factory) *cobra.Command {
	var opts claimsEditOptions
	cmd := &cobra.Command{
		Use:   "edit CLAIM",
		Short: "Change a draft claim's amount, description or evidence before filing",
		Long: strings.TrimSpace(`
Change a claim that is still a draft. --amount is a plain decimal in the
claim's currency (49.90 USD, 4900 JPY, 12.500 KWD): no signs, exponents or
thousands separators, at most the currency's decimals (ISO 4217). --currency
sets the currency too, for a claim whose order had no known value. A bad
amount exits 4 and changes nothing. --add-evidence copies a file into the claim's folder
(photos by extension, a PDF as an invoice, anything else as a note);
--remove-evidence takes an evidence id from 'claims show'. Both repeat.`),
		Example: strings.Join([]string{
			"  sellerops claims edit 12 --amount 79.90",
			"  sellerops claims edit 12 --amount 4900 --currency JPY",
			"  sellerops claims edit 12 --add-evidence box.jpg --add-evidence receipt.pdf --remove-evidence 31",
		}, "\n"),
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return claimsEditRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.Amount, "amount", "", "New `amount`, a plain decimal in the claim's currency")
	cmd.Flags().StringVar(&opts.Currency, "currency", "", "With --amount: the amount's ISO 4217 `code`, when it is not the claim's")
	cmd.Flags().StringVar(&opts.Description, "description", "", "New description `text`")
	cmd.Flags().StringArrayVar(&opts.AddEvidence, "add-evidence", nil, "Add this `file` as evidence (repeatable)")
	cmd.Flags().Int64SliceVar(&opts.RemoveEvidence, "remove-evidence", nil, "Remove the evidence with this `id` (repeatable)")
	return cmd
}

func claimsEditRun(ctx context.Context, f *factory, opts *claimsEditOptions) error {
	id, err := parseClaimID(opts.ID)
	if err != nil {
		return err
	}
	if opts.Amount == "" && opts.Description == "" && len(opts.AddEvidence) == 0 && len(opts.RemoveEvidence) == 0 {
		return usageErrorf("nothing to change: give --amount, --description, --add-evidence or --remove-evidence")
	}
	if opts.Currency != "" && opts.Amount == "" {
		return usageErrorf("--currency goes with --amount: give both, as in --amount 49.90 --currency USD")
	}
	// An amount in a given currency is checked before anything is read.
	if opts.Currency != "" {
		if _, err := money.ParseDecimal(opts.Currency, opts.Amount); err != nil {
			return badInput(fmt.Errorf("--amount: %w", err))
		}
	}
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	c, err := deps.DB.GetClaim(ctx, id)
	if err != nil {
		return err
	}
	e := claims.Edit{Description: strings.TrimSpace(opts.Description), AddEvidence: opts.AddEvidence,
		RemoveEvidence: opts.RemoveEvidence}
	if opts.Amount != "" {
		cur := c.Currency
		if opts.Currency != "" {
			cur = opts.Currency
		}
		if cur == "" {
			return badInput(fmt.Errorf("--amount %q: claim %d has no currency yet (its order had no known value); add --currency with an ISO 4217 code such as USD", opts.Amount, c.ID))
		}
		amt, err := money.ParseDecimal(cur, opts.Amount)
		if err != nil {
			return badInput(fmt.Errorf("--amount: %w", err))
		}
		e.Amount = &amt
	}
	// Only a valid edit changes anything: a claim an earlier run left in
	// filing, with nothing sent, is a draft again; one that may have
	// reached the portal needs `claims reset`.
	if _, err := filing.ReturnToDraft(ctx, deps.DB, id); err != nil {
		if errors.Is(err, localdb.ErrConflict) {
			return badInput(err)
		}
		return err
	}
	d, err := claims.EditDraft(ctx, deps.Deps, id, e)
	if err != nil {
		// A file to add that is not there is a bad input, like a bad amount.
		if errors.Is(err, localdb.ErrConflict) || errors.Is(err, fs.ErrNotExist) {
			return badInput(err)
		}
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, d, opts.JSON.JQ)
	}
	fmt.Fprintf(f.IO.ErrOut, "claim %d updated\n", d.ID)
	printDetail(f.IO.Out, d)
	return nil
}

// --- reset

type claimsResetOptions struct {
	ID   string
	JSON jsonFlags
}

func newClaimsResetCmd(f *factory) *cobra.Command {
	var opts claimsResetOptions
	cmd := &cobra.Command{
		Use:   "reset CLAIM",
		Short: "Return a claim stuck in filing to draft, after searching the portal",
		Long: strings.TrimSpace(`
Return a claim left in the filing state (by a crash, or by an earlier version
that moved it there before checking the form) to draft, so that it can be
edited and filed again.

When none of the claim reached the portal (its outbox intent was never sent)
it goes back to draft at once. When an earlier filing may have reached the
portal, the portal's claims list is searched first: a claim found there is
recorded as filed, with its confirmation number, instead of going back to
draft, so nothing is ever filed twice. A draft is left as it is.

Exit codes: 0 reset (or recorded as filed), 4 the claim is past filing,
5 no such claim, 6 no browser, 13 another process is filing this claim.`),
		Example: "  sellerops claims reset 12\n  sellerops claims reset 12 --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return claimsResetRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func claimsResetRun(ctx context.Context, f *factory, opts *claimsResetOptions) error {
	id, err := parseClaimID(opts.ID)
	if err != nil {
		return err
	}
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	filer := filing.NewFiler(deps, false)
	res, err := filer.Reset(ctx, id)
	_ = filer.Close()
	if err != nil {
		if errors.Is(err, localdb.ErrConflict) {
			return badInput(err)
		}
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, res, opts.JSON.JQ)
	}
	switch {
	case res.Confirmation != "":
		fmt.Fprintf(f.IO.Out, "claim %d: the portal already had it; recorded confirmation %s\n", id, res.Confirmation)
	case res.Searched:
		fmt.Fprintf(f.IO.Out, "claim %d: not on the portal; it is a draft again\n", id)
	default:
		fmt.Fprintf(f.IO.Out, "claim %d is a draft\n", id)
	}
	return nil
}

// --- file

type claimsFileOptions struct {
	ID   string
	Yes  bool
	JSON jsonFlags
}

func newClaimsFileCmd(f *factory) *cobra.Command {
	var opts claimsFileOptions
	cmd := &cobra.Command{
		Use:   "file CLAIM",
		Short: "File a claim through the carrier's claim portal, exactly once",
		Long: strings.TrimSpace(`
File a drafted claim in the carrier's claim portal, in the browser: the
multi-step form with the photos and the invoice uploaded, then the
confirmation number is recorded.

Filing goes through the outbox: the intent is written before the browser
acts, and before any submission the portal's claims list is searched for the
parcel. A claim found there (filed by a run that crashed before it could
record it, or by hand) is adopted instead of filed again. Filing a claim
whose number is known does nothing.

At a terminal it asks for confirmation unless --yes is given. Without a
terminal (scripts, agents, the scheduler) it needs --yes and is allowed only
by the config's policy: claims.auto_file: true, an amount at most
claims.max_auto_amount (in claims.currency) and a claim window that is open
today. A refusal exits 11. At a terminal, a closed window is a warning.

Exit codes: 0 filed (or already filed), 11 needs a person (policy, CAPTCHA),
12 the portal refused the login, 13 another process is filing this claim,
6 no browser.`),
		Example: "  sellerops claims file 12\n  sellerops claims file 12 --yes --json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ID = args[0]
			return claimsFileRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "File without asking")
	return cmd
}

func claimsFileRun(ctx context.Context, f *factory, opts *claimsFileOptions) error {
	id, err := parseClaimID(opts.ID)
	if err != nil {
		return err
	}
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	d, err := claims.GetDetail(ctx, deps.DB, id)
	if err != nil {
		return err
	}
	if d.ConfirmationNumber == "" {
		if err := claims.AmountProblem(d.Claim); err != nil {
			return err // exit 4: nothing was sent
		}
		// Said before the question, so that the person answering knows.
		if now := f.Now(); !d.WindowCloses.IsZero() && now.After(d.WindowCloses) {
			fmt.Fprintf(f.IO.ErrOut, "warning: the carrier's claim window closed on %s; the portal may refuse or deny the claim\n", day(d.WindowCloses))
		}
		interactive := f.IO.IsStdinTTY()
		switch {
		case !interactive && !opts.Yes:
			return usageErrorf("claim %d: filing without a terminal needs --yes (and the config's claims.auto_file policy)", id)
		case !interactive:
			if ok, why := claims.PolicyAllows(deps.Config, d.Claim, f.Now()); !ok {
				return &classError{class: automations.NeedsHuman, err: fmt.Errorf("claim %d not filed: %s", id, why)}
			}
		case !opts.Yes:
			fmt.Fprintf(f.IO.ErrOut, "File %s claim %d for %s %s, %s, in the %s portal? [y/N] ", d.Kind, d.ID, d.Courier,
				d.TrackingNumber, money.Format(d.Amount, d.Currency), d.Courier)
			answer, _ := bufio.NewReader(f.IO.In).ReadString('\n')
			if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
				fmt.Fprintln(f.IO.ErrOut, "not filed")
				return nil
			}
		}
	}
	tty := f.IO.IsStderrTTY() && !opts.JSON.enabled()
	progress := func(p filing.Progress) {
		if tty {
			fmt.Fprintf(f.IO.ErrOut, "\r\033[K%s", p.Message)
			return
		}
		fmt.Fprintln(f.IO.ErrOut, p.Message)
	}
	filer := filing.NewFiler(deps, false)
	res, err := filer.File(ctx, id, progress)
	_ = filer.Close()
	if tty {
		fmt.Fprint(f.IO.ErrOut, "\r\033[K")
	}
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, res, opts.JSON.JQ)
	}
	switch {
	case res.AlreadyFiled:
		fmt.Fprintf(f.IO.Out, "claim %d was already filed: %s\n", id, res.Confirmation)
	case res.Adopted:
		fmt.Fprintf(f.IO.Out, "claim %d: the portal already had it; recorded confirmation %s\n", id, res.Confirmation)
	default:
		fmt.Fprintf(f.IO.Out, "claim %d filed: confirmation %s\n", id, res.Confirmation)
	}
	return nil
}

// --- status

type claimsStatusOptions struct {
	JSON jsonFlags
}

func newClaimsStatusCmd(f *factory) *cobra.Command {
	var opts claimsStatusOptions
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Read filed claims' status and payments from the carriers' portals",
		Long: strings.TrimSpace(`
Visit each carrier's claim portal once and read the status (submitted,
under_review, approved, paid, denied) and the amount paid of every filed
claim that is not final, and store them.

Exit codes: 0 when every claim was read, 9 when some could not be, 10 when
none could.`),
		Example: "  sellerops claims status\n  sellerops claims status --json --jq '.[] | select(.changed)'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return claimsStatusRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func claimsStatusRun(ctx context.Context, f *factory, opts *claimsStatusOptions) error {
	deps, err := claimsDeps(ctx, f)
	if err != nil {
		return err
	}
	changes, err := filing.SyncStatus(ctx, deps, func(p filing.Progress) { fmt.Fprintln(f.IO.ErrOut, p.Message) })
	failed := 0
	for _, c := range changes {
		if c.Error != "" {
			failed++
		}
	}
	if err != nil && len(changes) == 0 {
		return err
	}
	if opts.JSON.enabled() {
		if werr := writeJSON(f.IO.Out, changes, opts.JSON.JQ); werr != nil {
			return werr
		}
	} else if len(changes) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no filed claims to follow")
	} else {
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "ID", "COURIER", "TRACKING", "CONFIRMATION", "STATUS", "PAID", "NOTE")
		for _, c := range changes {
			status := string(c.To)
			if c.Changed {
				status = fmt.Sprintf("%s (was %s)", c.To, c.From)
			}
			paid := "-"
			if c.PaidAmount > 0 {
				paid = money.Format(c.PaidAmount, c.Currency)
			}
			t.row(strconv.FormatInt(c.ClaimID, 10), c.Courier, c.TrackingNumber, c.ConfirmationNumber, status, paid, c.Error)
		}
		t.flush()
	}
	if failed > 0 {
		claimsReported(f, err)
	}
	return batchOutcome(failed, len(changes))
}

// claimsReported prints err to stderr, for batches whose failures are also
// in the output.
func claimsReported(f *factory, err error) {
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "error: %s\n", f.redactor.Redact(err.Error()))
	}
}

// --- export

type claimsExportOptions struct {
	CSV  bool
	JSON jsonFlags
}

func newClaimsExportCmd(f *factory) *cobra.Command {
	var opts claimsExportOptions
	cmd := &cobra.Command{
		Use:   "export",
		Short: "Export money claimed, paid, denied and pending per carrier",
		Long: strings.TrimSpace(`
Sum the filed claims per carrier and currency: how many, the money claimed,
paid, denied and still pending. Drafts and cancelled claims do not count.
CSV (the default, --csv) has the columns carrier, currency, claims, claimed,
paid, denied, pending, with decimal amounts; --json gives minor units.`),
		Example: "  sellerops claims export --csv > claims.csv\n  sellerops claims export --json",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return claimsExportRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().BoolVar(&opts.CSV, "csv", false, "Write CSV (the default)")
	return cmd
}

func claimsExportRun(ctx context.Context, f *factory, opts *claimsExportOptions) error {
	if opts.CSV && opts.JSON.enabled() {
		return usageErrorf("choose one of --csv and --json")
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	totals, err := claims.Totals(ctx, db)
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, totals, opts.JSON.JQ)
	}
	return claims.WriteTotalsCSV(f.IO.Out, totals)
}
