package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// example is one `sellerops …` command line found in a --help text or the
// README, split as a POSIX shell would split it.
type example struct {
	where  string   // "sellerops track --help" or "README"
	line   string   // the text as written, continuations joined
	args   []string // the words after "sellerops"
	feed   string   // shell text whose output is piped in ("cut … |"), or ""
	stdin  string   // a file redirected in with "<", or ""
	piped  bool     // the output goes on to another program
	silent bool     // stdout is redirected to a file
}

// shellToken is one word or operator of a command line.
type shellToken struct {
	word     string
	op       string // "|", "&&", ";", "&", "<", ">", "2>" ; "" for a word
	from, to int    // byte offsets in the line
}

// shellTokens splits a line into words and operators, honouring single and
// double quotes (no expansion) and dropping an unquoted "# comment".
func shellTokens(line string) []shellToken {
	var out []shellToken
	var cur strings.Builder
	in, quote, start := false, byte(0), 0
	flush := func(end int) {
		if in {
			out = append(out, shellToken{word: cur.String(), from: start, to: end})
			cur.Reset()
			in = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '\'' || c == '"':
			if !in {
				start = i
			}
			quote, in = c, true
		case c == ' ' || c == '\t':
			flush(i)
		case c == '#' && !in:
			flush(i)
			return out
		case c == '|' || c == ';' || c == '<' || c == '>' || c == '&':
			if c == '>' && in && cur.String() == "2" {
				cur.Reset()
				in = false
				out = append(out, shellToken{op: "2>", from: i - 1, to: i + 1})
				continue
			}
			flush(i)
			op := string(c)
			if c == '&' && i+1 < len(line) && line[i+1] == '&' {
				op = "&&"
				i++
			}
			out = append(out, shellToken{op: op, from: i - len(op) + 1, to: i + 1})
		default:
			if !in {
				start = i
			}
			cur.WriteByte(c)
			in = true
		}
	}
	flush(len(line))
	return out
}

// parseExamples returns every `sellerops …` command line in text. A line
// ending in "\" goes on on the next line, as in a shell.
func parseExamples(where, text string) []example {
	var out []example
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		for strings.HasSuffix(line, `\`) && i+1 < len(lines) {
			i++
			line = strings.TrimSpace(strings.TrimSuffix(line, `\`)) + " " + strings.TrimSpace(lines[i])
		}
		if ex, ok := parseExample(where, line); ok {
			out = append(out, ex)
		}
	}
	return out
}

func parseExample(where, line string) (example, bool) {
	toks := shellTokens(line)
	at := -1
	for i, t := range toks {
		if t.word == "sellerops" && (i == 0 || toks[i-1].op == "|") {
			at = i
			break
		}
	}
	if at < 0 {
		return example{}, false
	}
	ex := example{where: where}
	if at > 0 {
		// Only a plain pipeline feeds the command: "printf … | sellerops …".
		for _, t := range toks[:at-1] {
			if t.op != "" && t.op != "|" {
				return example{}, false
			}
		}
		ex.feed = strings.TrimSpace(line[:toks[at-1].from])
	}
	end := len(toks)
	for i := at + 1; i < len(toks); i++ {
		t := toks[i]
		if t.op == "" {
			continue
		}
		if end == len(toks) {
			end = i
		}
		switch t.op {
		case "<":
			if i+1 < len(toks) && toks[i+1].op == "" {
				ex.stdin = toks[i+1].word
			}
		case "|":
			ex.piped = true
		case ">":
			ex.silent = true
		}
		if t.op == "|" || t.op == "&&" || t.op == ";" || t.op == "&" {
			break
		}
	}
	for _, t := range toks[at+1 : end] {
		ex.args = append(ex.args, t.word)
	}
	from, to := toks[at].from, toks[end-1].to
	if ex.feed != "" {
		from = 0
	}
	ex.line = strings.TrimSpace(line[from:to])
	return ex, true
}

// allExamples reads every example of every --help text and every
// `sellerops …` line of the README's code blocks.
func allExamples(t *testing.T) []example {
	t.Helper()
	var out []example
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		out = append(out, parseExamples(c.CommandPath()+" --help", c.Example)...)
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
	out = append(out, parseExamples("README", block.String())...)
	if len(out) < 20 {
		t.Fatalf("only %d example lines found; the reader is broken", len(out))
	}
	return out
}

func TestParseExample(t *testing.T) {
	t.Parallel()
	cases := []struct {
		line string
		want example
	}{
		{`sellerops track 1Z999AA10123456784`, example{args: []string{"track", "1Z999AA10123456784"}, line: "sellerops track 1Z999AA10123456784"}},
		{`sellerops doctor --json --jq '.[] | select(.ok == false)'`,
			example{args: []string{"doctor", "--json", "--jq", ".[] | select(.ok == false)"}}},
		{`cut -d, -f4 orders.csv | sellerops track - --json  # the failures`,
			example{feed: "cut -d, -f4 orders.csv", args: []string{"track", "-", "--json"}, line: "cut -d, -f4 orders.csv | sellerops track - --json"}},
		{`sellerops track --max-age 0 < numbers.txt`, example{args: []string{"track", "--max-age", "0"}, stdin: "numbers.txt"}},
		{`sellerops report --format json --out - | jq .threads`, example{args: []string{"report", "--format", "json", "--out", "-"}, piped: true}},
		{`sellerops claims export --csv > claims.csv`, example{args: []string{"claims", "export", "--csv"}, silent: true}},
		{`sellerops sandbox &`, example{args: []string{"sandbox"}}},
		{`sellerops sync 2>/dev/null && sellerops track`, example{args: []string{"sync"}}},
		{`echo hi`, example{}},
	}
	for _, c := range cases {
		got, ok := parseExample("x", c.line)
		if !ok {
			if c.want.args != nil {
				t.Errorf("%q: not found", c.line)
			}
			continue
		}
		if strings.Join(got.args, "\x00") != strings.Join(c.want.args, "\x00") || got.feed != c.want.feed ||
			got.stdin != c.want.stdin || got.piped != c.want.piped || got.silent != c.want.silent ||
			c.want.line != "" && got.line != c.want.line {
			t.Errorf("%q:\n got %+v\nwant %+v", c.line, got, c.want)
		}
	}
	if got := parseExamples("x", "printf '%s\\n' \"$PW\" | sellerops stores add a \\\n   --password-stdin\n"); len(got) != 1 ||
		strings.Join(got[0].args, " ") != "stores add a --password-stdin" || got[0].feed != `printf '%s\n' "$PW"` {
		t.Errorf("continued line: %+v", got)
	}
}

// checkExampleParses finds the example's command in a fresh command tree
// and parses its flags, as running it would before doing anything.
func checkExampleParses(t *testing.T, ex example) {
	t.Helper()
	root := newRootCmd(newFactory(&ioStreams{}))
	cmd, rest, err := root.Find(ex.args)
	if err != nil {
		t.Errorf("%s: %q: %v", ex.where, ex.line, err)
		return
	}
	if err := cmd.ParseFlags(rest); err != nil {
		t.Errorf("%s: %q: %v", ex.where, ex.line, err)
		return
	}
	if cmd.Args != nil {
		if err := cmd.Args(cmd, cmd.Flags().Args()); err != nil {
			t.Errorf("%s: %q: %v", ex.where, ex.line, err)
		}
	}
}

// TestExamplesNameRealCommandsAndFlags checks that every example names a
// command that exists with flags and arguments it accepts: a user who
// copies one is not told it is unknown.
func TestExamplesNameRealCommandsAndFlags(t *testing.T) {
	t.Parallel()
	exs := allExamples(t)
	for _, ex := range exs {
		checkExampleParses(t, ex)
	}
	t.Logf("%d example lines parsed", len(exs))
}
