package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb/config"
)

type trackOptions struct {
	Numbers     []string
	File        string
	Column      string
	JSON        jsonFlags
	Concurrency int
	MaxAge      string
}

func newTrackCmd(f *factory) *cobra.Command {
	var opts trackOptions
	cmd := &cobra.Command{
		Use:   "track [NUMBER... | -]",
		Short: "Look parcels up by tracking number and print their status as each answer arrives",
		Long: strings.TrimSpace(`
Look up each tracking number and print one result per number as soon as it
arrives (the order may differ from the input). Numbers come from the
arguments, from standard input one per line (with "-" or no arguments), or
from a column of a CSV file (--file and --column).

For each number the carrier is detected from its check digits. A result
stored less than --max-age ago is printed from the local database (source
"cache") without a lookup. Otherwise the carrier's official API is used when
its keys are in the keyring (carrier/<courier>/client_id and client_secret, or
api_key for DHL), else its public tracking page is read in the browser
(source "web"). Couriers without an API client of their own (YunExpress,
China Post and other S10 posts, ...) are looked up through the 17TRACK API
when its key is stored (carrier/17track/api_key; the line says via
"17track"); carriers.<courier>.use_17track in config sends any courier there. When the API fails for a number after its retries
(auth_failed, site_error or timeout) and the carrier has a tracking page, the
page is read instead and the line keeps the API's failure as fallback_from;
a rate_limited API is waited out, never gone round. Every result is stored.

With --json each result is one JSON line: number, courier, tag, subtag,
last_event {time, location, description}, estimated_delivery, events,
source (api, web or cache), via ("17track" when 17TRACK answered), fallback_from {class, message} when the page
stood in for a failing API, and error {class, message} when the lookup
failed. Error classes: bad_input (not a valid number), unsupported, blocked,
needs_human, page_changed, rate_limited, timeout, site_error, auth_failed,
no_browser.

A CSV file is checked whole before any lookup: a missing column or a broken
row stops the command (exit 4) with the row named and nothing looked up.

Exit codes: 0 when every lookup worked, 9 when some failed, 10 when all did.`),
		Example: strings.Join([]string{
			"  sellerops track 1Z999AA10123456784 9400111899223100012348",
			"  sellerops track --file orders.csv --column tracking_number --json",
			"  tail -n +2 orders.csv | cut -d, -f4 | sellerops track - --json --jq 'select(.error) | .number'",
			"  sellerops track --max-age 0 --concurrency 8 < numbers.txt",
		}, "\n"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Numbers = args
			return trackRun(cmd.Context(), f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	cmd.Flags().StringVar(&opts.File, "file", "", "Read tracking numbers from this CSV `file` (with --column)")
	cmd.Flags().StringVar(&opts.Column, "column", "", "The CSV column `name` that holds the tracking numbers")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", 4, "Lookups in flight at once (API requests and browser pages), 1 to 64")
	cmd.Flags().StringVar(&opts.MaxAge, "max-age", "", "Use a stored result younger than this `duration` (e.g. 30m, 6h, 2d; 0 always looks up; default: thresholds.track_max_age, 1h)")
	return cmd
}

// trackInputs gathers the numbers from the arguments, stdin or the CSV file.
func trackInputs(f *factory, opts *trackOptions) ([]string, error) {
	if opts.File == "" && opts.Column != "" {
		return nil, usageErrorf("--column needs --file")
	}
	if opts.File != "" {
		if len(opts.Numbers) > 0 {
			return nil, usageErrorf("give numbers either as arguments or with --file, not both")
		}
		if opts.Column == "" {
			return nil, usageErrorf("--file needs --column NAME, the column that holds the tracking numbers")
		}
		return trackReadCSVColumn(f, opts.File, opts.Column)
	}
	return readNumbers(f, opts.Numbers)
}

// trackReadCSVColumn reads one column of a CSV file with a header row. The whole
// file is checked first, so a bad row stops everything before any lookup.
func trackReadCSVColumn(f *factory, path, column string) ([]string, error) {
	file, err := os.Open(path)
	if err != nil {
		return nil, badInput(fmt.Errorf("--file %s: %w", path, err))
	}
	defer file.Close()
	r := csv.NewReader(file)
	r.ReuseRecord = false
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, badInput(fmt.Errorf("%s is empty; it needs a header row with a %q column", path, column))
	}
	if err != nil {
		return nil, badInput(trackCSVRowError(path, err))
	}
	col := -1
	names := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		names[i] = h
		if strings.EqualFold(h, strings.TrimSpace(column)) && col < 0 {
			col = i
		}
	}
	if col < 0 {
		return nil, badInput(fmt.Errorf("%s has no column %q; its columns are: %s (pass one of them to --column)",
			path, column, strings.Join(names, ", ")))
	}
	var out []string
	for row := 2; ; row++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, badInput(trackCSVRowError(path, err))
		}
		line, _ := r.FieldPos(0)
		v := strings.TrimSpace(rec[col])
		if len(v) > maxInputLine {
			return nil, badInput(longLineError(path, line))
		}
		if carriers.Normalize(v) == "" {
			fmt.Fprintf(f.IO.ErrOut, "warning: %s line %d: column %q is empty; skipped\n", path, line, column)
			continue
		}
		out = append(out, v)
	}
	return out, nil
}

func trackCSVRowError(path string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		what := pe.Err.Error()
		if errors.Is(pe.Err, csv.ErrFieldCount) {
			what = "it has a different number of fields than the header"
		}
		return fmt.Errorf("%s line %d: broken CSV row: %s; fix or remove the row and run again (nothing was looked up)", path, pe.StartLine, what)
	}
	return fmt.Errorf("%s: %w", path, err)
}

func trackRun(ctx context.Context, f *factory, opts *trackOptions) error {
	if opts.Concurrency < 1 || opts.Concurrency > 64 {
		return usageErrorf("--concurrency %d: give a number from 1 to 64", opts.Concurrency)
	}
	numbers, err := trackInputs(f, opts)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	maxAge := cfg.Thresholds.TrackMaxAge.D()
	if opts.MaxAge != "" {
		if opts.MaxAge == "0" {
			maxAge = 0
		} else if maxAge, err = config.ParseDuration(opts.MaxAge); err != nil {
			return usageErrorf("--max-age: %v", err)
		}
	}
	if len(numbers) == 0 {
		if opts.JSON.enabled() {
			return writeJSON(f.IO.Out, []tracking.Line{}, opts.JSON.JQ)
		}
		fmt.Fprintln(f.IO.ErrOut, "no tracking numbers given")
		return nil
	}
	deps, err := trackingDeps(ctx, f)
	if err != nil {
		return err
	}
	lines, err := tracking.TrackAll(ctx, deps, numbers, tracking.Options{Concurrency: opts.Concurrency, MaxAge: maxAge})
	if err != nil {
		return err
	}
	var (
		done, failed int
		tty          = f.IO.IsStderrTTY()
		out          = newTrackPrinter(f, opts)
	)
	for l := range lines {
		done++
		if l.Failed() {
			failed++
		}
		if tty {
			fmt.Fprint(f.IO.ErrOut, "\r\033[K")
		}
		if err := out.print(l); err != nil {
			return err
		}
		if tty {
			fmt.Fprintf(f.IO.ErrOut, "tracked %d/%d (%d failed)", done, len(numbers), failed)
		}
	}
	if tty {
		fmt.Fprint(f.IO.ErrOut, "\r\033[K")
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	fmt.Fprintf(f.IO.ErrOut, "tracked %d numbers: %d ok, %d failed\n", done, done-failed, failed)
	return batchOutcome(failed, done)
}

// trackPrinter writes each line as it arrives: a JSON line, a jq result, or
// a readable row.
type trackPrinter struct {
	f    *factory
	opts *trackOptions
	enc  *json.Encoder
}

func newTrackPrinter(f *factory, opts *trackOptions) *trackPrinter {
	enc := json.NewEncoder(f.IO.Out)
	enc.SetEscapeHTML(false)
	return &trackPrinter{f: f, opts: opts, enc: enc}
}

func (p *trackPrinter) print(l tracking.Line) error {
	switch {
	case p.opts.JSON.JQ != "":
		return writeJSON(p.f.IO.Out, l, p.opts.JSON.JQ)
	case p.opts.JSON.JSON:
		return p.enc.Encode(l)
	}
	courier := l.Courier
	if courier == "" {
		courier = "-"
	}
	if l.Error != nil {
		_, err := fmt.Fprintf(p.f.IO.Out, "%s\t%s\terror\t%s\t%s\n", l.Number, courier, l.Error.Class, l.Error.Message)
		return err
	}
	last := "-"
	if l.LastEvent != nil {
		last = l.LastEvent.Time.Format("2006-01-02 15:04") + " " + l.LastEvent.Description
		if l.LastEvent.Location != "" {
			last += " (" + l.LastEvent.Location + ")"
		}
	}
	eta := "-"
	if l.EstimatedDelivery != nil {
		eta = l.EstimatedDelivery.Format(time.DateOnly)
	}
	source := l.Source
	if l.FallbackFrom != nil {
		source += " (API " + l.FallbackFrom.Class + ")"
	}
	_, err := fmt.Fprintf(p.f.IO.Out, "%s\t%s\t%s\t%s\t%s\teta %s\t%s\n", l.Number, courier, l.Tag, l.Subtag, last, eta, source)
	return err
}
