package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/carriers"
)

// Every tracking number in a --help example passes its carrier's check
// digit: a user who copies an example must not be told it has a typo.
func TestHelpExampleNumbersAreValid(t *testing.T) {
	root := newRootCmd(newFactory(&ioStreams{}))
	checked := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, tok := range strings.Fields(c.Example) {
			tok = strings.Trim(tok, `"',`)
			if len(tok) < 10 {
				continue
			}
			d := carriers.Detect(tok)
			if d.Courier == "" {
				continue
			}
			checked++
			if !d.Valid {
				t.Errorf("%s --help: example number %s has the shape of a %s number but fails its check digit", c.CommandPath(), tok, d.Courier)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	if checked == 0 {
		t.Fatal("no tracking number found in any --help example; the test proves nothing")
	}
}

// exampleLines returns the `sellerops …` command lines in text: the part
// of each line from "sellerops " on (after a pipe, or at the start), with
// a trailing "# comment", "\" continuation and "&" dropped.
func exampleLines(text string) []string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if i := strings.LastIndex(line, "| sellerops "); i >= 0 {
			line = line[i+2:]
		}
		if !strings.HasPrefix(line, "sellerops ") {
			continue
		}
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		for _, sep := range []string{" | ", " && ", " > ", " 2>", " ; "} {
			if i := strings.Index(line, sep); i >= 0 {
				line = line[:i]
			}
		}
		line = strings.TrimSuffix(strings.TrimSpace(line), `\`)
		line = strings.TrimSuffix(strings.TrimSpace(line), " &") // started in the background
		out = append(out, strings.TrimSpace(line))
	}
	return out
}

// shellWords splits a command line as a POSIX shell does for the quoting
// the examples use: single and double quotes, no expansion.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	in, quote := false, rune(0)
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '\'' || r == '"':
			quote, in = r, true
		case r == ' ' || r == '\t':
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// checkExampleParses finds line's command in a fresh command tree and
// parses its flags, as running it would before doing anything.
func checkExampleParses(t *testing.T, where, line string) {
	t.Helper()
	args := shellWords(line)[1:]
	root := newRootCmd(newFactory(&ioStreams{}))
	cmd, rest, err := root.Find(args)
	if err != nil {
		t.Errorf("%s: %q: %v", where, line, err)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %q: %v", where, line, err)
		return
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: %q: %v", where, line, err)
		}
	}
}

// TestExamplesNameRealCommandsAndFlags reads every example of every
// --help text and every `sellerops …` line of the README's code blocks,
// and checks that each names a command that exists with flags and
// arguments it accepts: a user who copies one is not told it is unknown.
func TestExamplesNameRealCommandsAndFlags(t *testing.T) {
	n := 0
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, line := range exampleLines(c.Example) {
			n++
			checkExampleParses(t, c.CommandPath()+" --help", line)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(newFactory(&ioStreams{})))
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	fenced := false
	var block strings.Builder
	for _, line := range strings.Split(string(readme), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "```") {
			fenced = !fenced
			continue
		}
		if fenced {
			block.WriteString(line + "\n")
		}
	}
	for _, line := range exampleLines(block.String()) {
		n++
		checkExampleParses(t, "README", line)
	}
	if n < 20 {
		t.Fatalf("only %d example lines found; the reader is broken", n)
	}
	t.Logf("%d example lines parsed", n)
}
