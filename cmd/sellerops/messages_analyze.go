package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/messages"
)

type messagesAnalyzeOptions struct {
	Texts []string
	Prior string
	// Languages is a store's allow-list, as stores[].languages gives it.
	Languages []string
	JSON      jsonFlags
}

func newMessagesAnalyzeCmd(f *factory) *cobra.Command {
	var opts messagesAnalyzeOptions
	cmd := &cobra.Command{
		Use:   "analyze [TEXT... | -]",
		Short: "Read texts as sync and claims do: language, damage and loss, tracking and order numbers, contact reason",
		Long: strings.TrimSpace(`
Print, for each TEXT (or each line of standard input with -), the language
and the detector's confidence (und when it cannot tell), the damage and loss
signals with the phrase that matched, the tracking numbers whose check
digits pass with their couriers, the marketplace order numbers, and the
contact reason (where_is_order, damaged_defective, return_refund,
cancel_change, address, product_question, invoice_paperwork,
feedback_complaint or other) with the phrase that decided it. It reads no
database and opens no browser.

--prior and --languages are a store's hints as sync applies them: the
language its site suggests, and its expected languages (stores[].languages in
the config), outside which the language is und.`),
		Example: strings.Join([]string{
			`  sellerops messages analyze "The mug arrived broken, order 112-1234567-1234567"`,
			`  sellerops messages analyze - --json < messages.txt`,
			`  sellerops messages analyze --prior ja "ありがとう"`,
			`  sellerops messages analyze --languages de,fr "Where is my parcel? It has not arrived yet."`,
		}, "\n"),
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Texts = args
			return messagesAnalyzeRun(cmd.Context(), f, &opts)
		},
	}
	cmd.Flags().StringVar(&opts.Prior, "prior", "", "Expected `language` for short texts (ISO 639-1, such as the store's)")
	cmd.Flags().StringSliceVar(&opts.Languages, "languages", nil, "Only these `codes` (ISO 639-1, comma-separated, as a store's stores[].languages) are answered; others are und")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func messagesAnalyzeRun(_ context.Context, f *factory, opts *messagesAnalyzeOptions) error {
	if opts.Prior != "" && len(opts.Prior) != 2 {
		return usageErrorf("--prior %q: give a two-letter ISO 639-1 code such as en, de or ja", opts.Prior)
	}
	for _, l := range opts.Languages {
		if len(l) != 2 || strings.ToLower(l) != l {
			return usageErrorf("--languages %q: give two-letter ISO 639-1 codes such as de,fr", l)
		}
	}
	texts := opts.Texts
	if len(texts) == 1 && texts[0] == "-" {
		texts = nil
		sc := bufio.NewScanner(f.IO.In)
		sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				texts = append(texts, line)
			}
		}
		if err := sc.Err(); err != nil {
			return usageErrorf("reading standard input: %v; give lines of at most 1 MiB", err)
		}
	}
	if len(texts) == 0 {
		return usageErrorf("give a text to analyze, or - to read lines from standard input")
	}
	out := make([]messages.Analysis, 0, len(texts))
	for _, t := range texts {
		out = append(out, messages.Analyze(t, messages.DetectOptions{Prior: strings.ToLower(opts.Prior), Allowed: opts.Languages}))
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, out, opts.JSON.JQ)
	}
	for i, a := range out {
		if i > 0 {
			fmt.Fprintln(f.IO.Out)
		}
		fmt.Fprintf(f.IO.Out, "text:       %s\n", clip(a.Text, 72))
		fmt.Fprintf(f.IO.Out, "language:   %s (confidence %.2f)\n", a.Language, a.Confidence)
		if a.Reason.Phrase != "" {
			fmt.Fprintf(f.IO.Out, "reason:     %s (%q)\n", a.Reason.Reason, a.Reason.Phrase)
		} else {
			fmt.Fprintf(f.IO.Out, "reason:     %s\n", a.Reason.Reason)
		}
		for _, s := range a.Signals {
			fmt.Fprintf(f.IO.Out, "%-11s %q\n", s.Kind+":", s.Phrase)
		}
		for _, t := range a.Tracking {
			fmt.Fprintf(f.IO.Out, "tracking:   %s (%s)\n", t.Number, t.CourierName)
		}
		for _, o := range a.Orders {
			fmt.Fprintf(f.IO.Out, "order:      %s (%s)\n", o.Number, o.Marketplace)
		}
	}
	return nil
}
