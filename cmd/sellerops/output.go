package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/itchyny/gojq"
	"github.com/spf13/cobra"
)

// jsonFlags are the --json and --jq flags every listing command carries.
type jsonFlags struct {
	JSON bool
	JQ   string
}

func addJSONFlags(cmd *cobra.Command, f *jsonFlags) {
	cmd.Flags().BoolVar(&f.JSON, "json", false, "Print JSON instead of a table")
	cmd.Flags().StringVar(&f.JQ, "jq", "", "Filter the JSON output with a jq `expression` (implies --json)")
}

func (f *jsonFlags) enabled() bool { return f.JSON || f.JQ != "" }

// writeJSON prints v as indented JSON, or each result of the jq filter on
// its own line. A nil slice prints [] so that "nothing" is still valid JSON.
func writeJSON(w io.Writer, v any, jq string) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if string(data) == "null" {
		data = []byte("[]")
	}
	if jq == "" {
		var out any
		if err := json.Unmarshal(data, &out); err != nil {
			return err
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(out)
	}
	query, err := gojq.Parse(jq)
	if err != nil {
		return usageErrorf("--jq %q: %v", jq, err)
	}
	code, err := gojq.Compile(query)
	if err != nil {
		return usageErrorf("--jq %q: %v", jq, err)
	}
	var input any
	if err := json.Unmarshal(data, &input); err != nil {
		return err
	}
	iter := code.Run(input)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	for {
		v, ok := iter.Next()
		if !ok {
			return nil
		}
		if err, isErr := v.(error); isErr {
			return usageErrorf("--jq %q: %v", jq, err)
		}
		if s, isStr := v.(string); isStr {
			// Plain strings print raw, like jq -r, which is what scripts want.
			fmt.Fprintln(w, s)
			continue
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	}
}

// table writes aligned columns; on a terminal the header is shown, in a pipe
// the rows are tab-separated so that cut and awk work.
type table struct {
	w   *tabwriter.Writer
	raw io.Writer
	tty bool
}

func newTable(w io.Writer, tty bool, header ...string) *table {
	t := &table{raw: w, tty: tty}
	if tty {
		t.w = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(t.w, strings.Join(header, "\t"))
	}
	return t
}

func (t *table) row(cols ...string) {
	if t.tty {
		fmt.Fprintln(t.w, strings.Join(cols, "\t"))
		return
	}
	fmt.Fprintln(t.raw, strings.Join(cols, "\t"))
}

func (t *table) flush() {
	if t.w != nil {
		t.w.Flush()
	}
}

// writeJSONLine prints v as one line of JSON, for commands that report a
// batch item by item.
func writeJSONLine(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
