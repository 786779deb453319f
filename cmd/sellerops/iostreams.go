package main

import (
	"io"
	"os"

	"github.com/mattn/go-isatty"
)

// ioStreams are the process's standard streams, replaced by buffers in tests.
// Data goes to Out; progress, warnings and errors go to ErrOut.
type ioStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY  bool
	stdoutTTY bool
	stderrTTY bool
}

func systemIO() *ioStreams {
	return &ioStreams{
		In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr,
		stdinTTY:  isTerminal(os.Stdin),
		stdoutTTY: isTerminal(os.Stdout),
		stderrTTY: isTerminal(os.Stderr),
	}
}

func isTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}

// IsStdoutTTY says whether tables and colour may be used on stdout.
func (s *ioStreams) IsStdoutTTY() bool { return s.stdoutTTY && os.Getenv("NO_COLOR") == "" }

// IsStdinTTY says whether a person can answer a prompt.
func (s *ioStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStderrTTY says whether progress may redraw lines on stderr.
func (s *ioStreams) IsStderrTTY() bool { return s.stderrTTY }
