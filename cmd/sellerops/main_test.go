package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/testwait"
)

// cmdResult is what one command line produced.
type cmdResult struct {
	stdout, stderr string
	code           exitCode
}

// runCommand runs a command line with buffer IO, as a script or a person at a
// terminal would (isTTY), against a private data and config dir.
func runCommand(t *testing.T, args []string, isTTY bool, stdin string, setup ...func(*factory)) cmdResult {
	t.Helper()
	var out, errOut bytes.Buffer
	ios := &ioStreams{In: strings.NewReader(stdin), Out: &out, ErrOut: &errOut,
		stdinTTY: isTTY, stdoutTTY: isTTY, stderrTTY: isTTY}
	f := newFactory(ios)
	dir := t.TempDir()
	env := map[string]string{
		"SELLEROPS_DB":     dir + "/data/sellerops.db",
		"SELLEROPS_CONFIG": "",
		"SELLEROPS_LOG":    dir + "/data/logs/sellerops.log",
		"XDG_CONFIG_HOME":  dir + "/config",
		"XDG_DATA_HOME":    dir + "/data",
		// Where this machine's Dovecot is, when it is not in a usual place.
		"DOVECOT": os.Getenv("DOVECOT"),
	}
	f.Getenv = func(k string) string { return env[k] }
	for _, s := range setup {
		s(f)
	}
	ctx, cancel := context.WithDeadline(context.Background(), testwait.Deadline(t))
	defer cancel()
	code := execute(ctx, f, args)
	f.Close()
	return cmdResult{stdout: out.String(), stderr: errOut.String(), code: code}
}
