package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/carriers"
)

// Every tracking number in a --help example passes its carrier's check
// digit: a user who copies an example must not be told it has a typo.
func TestHelpExampleNumbersAreValid(t *testing.T) {
	t.Parallel()
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
