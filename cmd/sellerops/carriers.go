package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/carriers"
)

func newCarriersCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "carriers",
		Short: "Carrier tools: detect a tracking number's carrier",
	}
	cmd.AddCommand(newCarriersDetectCmd(f))
	return cmd
}

type carriersDetectOptions struct {
	Numbers []string
	JSON    jsonFlags
}

// detectLine is one input's answer, in the shape scripts rely on.
type detectLine struct {
	Input        string            `json:"input"`
	Number       string            `json:"number"`
	Courier      string            `json:"courier"`
	Format       string            `json:"format"`
	Valid        bool              `json:"valid"`
	Alternatives []detectAlternate `json:"alternatives"`
}

type detectAlternate struct {
	Courier string `json:"courier"`
	Format  string `json:"format"`
	Valid   bool   `json:"valid"`
}

func newCarriersDetectCmd(f *factory) *cobra.Command {
	var opts carriersDetectOptions
	cmd := &cobra.Command{
		Use:   "detect [NUMBER... | -]",
		Short: "Detect the carrier and format of tracking numbers from their check digits",
		Long: strings.TrimSpace(`
Detect each tracking number's carrier and format. Numbers come from the
arguments, or one per line from standard input when the only argument is "-"
or there are none. Spaces and lower case are accepted, as buyers paste them,
and so are a byte-order mark, zero-width characters, direction marks and
full-width digits, which are dropped or made ASCII. A line over 4 KiB stops
the command with exit 4, naming the line.

A number that fits several formats is given the best one (formats with a check
digit first, then longer ones) and the others as alternatives.

Exit codes: 0 when every number is valid for some carrier, 9 when some are not,
10 when none are.`),
		Example: "  sellerops carriers detect 1Z999AA10123456784\n  tail -n +2 orders.csv | cut -d, -f4 | sellerops carriers detect --json",
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Numbers = args
			return carriersDetectRun(f, &opts)
		},
	}
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

// readNumbers returns the arguments, or the non-empty lines of stdin when
// there are no arguments or the only one is "-".
func readNumbers(f *factory, args []string) ([]string, error) {
	if len(args) > 0 && !(len(args) == 1 && args[0] == "-") {
		for _, a := range args {
			if a == "-" {
				return nil, usageErrorf(`"-" (read standard input) cannot be mixed with numbers`)
			}
		}
		return args, nil
	}
	if len(args) == 0 && f.IO.IsStdinTTY() {
		return nil, usageErrorf("give tracking numbers as arguments, or pipe them in one per line")
	}
	var out []string
	sc := bufio.NewScanner(f.IO.In)
	sc.Buffer(make([]byte, 0, 4096), maxInputLine)
	line := 0
	for sc.Scan() {
		line++
		// A line of only a byte-order mark, zero-width or other invisible
		// characters is as empty as a blank one.
		if text := strings.TrimSpace(sc.Text()); carriers.Normalize(text) != "" {
			out = append(out, text)
		}
	}
	if err := sc.Err(); err != nil && err != io.EOF {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, badInput(longLineError("standard input", line+1))
		}
		return nil, fmt.Errorf("read standard input: %w", err)
	}
	return out, nil
}

// maxInputLine bounds a line of numbers read from stdin or a CSV field: a
// tracking number is at most a few dozen characters, so a longer line is
// not a list of numbers.
const maxInputLine = 4 << 10

func longLineError(input string, line int) error {
	return fmt.Errorf("%s line %d is longer than %d bytes; give one tracking number per line (nothing was looked up)",
		input, line, maxInputLine)
}

func carriersDetectRun(f *factory, opts *carriersDetectOptions) error {
	inputs, err := readNumbers(f, opts.Numbers)
	if err != nil {
		return err
	}
	lines := make([]detectLine, 0, len(inputs))
	valid := 0
	for _, in := range inputs {
		d := carriers.Detect(in)
		l := detectLine{Input: in, Number: d.Number, Courier: d.Courier, Format: d.Format, Valid: d.Valid, Alternatives: []detectAlternate{}}
		for _, a := range d.Alternatives {
			l.Alternatives = append(l.Alternatives, detectAlternate{Courier: a.Courier, Format: a.Format, Valid: a.Valid})
		}
		if d.Valid {
			valid++
		}
		lines = append(lines, l)
	}
	if opts.JSON.enabled() {
		if err := writeJSON(f.IO.Out, lines, opts.JSON.JQ); err != nil {
			return err
		}
	} else {
		t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "NUMBER", "COURIER", "FORMAT", "VALID", "ALSO FITS")
		for _, l := range lines {
			var also []string
			for _, a := range l.Alternatives {
				if a.Valid {
					also = append(also, a.Courier+" "+a.Format)
				}
			}
			courier := l.Courier
			if courier == "" {
				courier = "-"
			}
			t.row(l.Number, courier, l.Format, fmt.Sprint(l.Valid), strings.Join(also, ", "))
		}
		t.flush()
	}
	return batchOutcome(len(inputs)-valid, len(inputs))
}
