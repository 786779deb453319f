package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// windDown is how long Run waits, after the dashboard closes, for cancelled
// jobs to stop.
const windDown = 3 * time.Second

// Run shows the dashboard until the user quits or ctx ends. Jobs still
// running are cancelled; once the terminal is restored, Run writes which
// ones to opts.Out and waits a moment for them to stop.
func Run(ctx context.Context, opts Options) error {
	if opts.DB == nil {
		return errors.New("dashboard: no database; open one with localdb.Open and pass it in Options.DB")
	}
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	m := newModel(ctx, opts)
	p := tea.NewProgram(m, tea.WithContext(ctx), tea.WithInput(opts.In), tea.WithOutput(opts.Out), tea.WithAltScreen())
	if opts.Width > 0 && opts.Height > 0 {
		go p.Send(tea.WindowSizeMsg{Width: opts.Width, Height: opts.Height})
	}
	_, err := p.Run()
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // the caller ended the dashboard
	}
	names := m.Jobs.CancelAll()
	if len(names) > 0 && m.quitNote == "" {
		m.quitNote = "cancelled running jobs: " + strings.Join(names, ", ")
	}
	if m.quitNote != "" {
		fmt.Fprintln(opts.Out, m.quitNote)
		stopped := waitChannels(m.Jobs.Channels(), windDown)
		if len(stopped) > 0 {
			fmt.Fprintln(opts.Out, "stopped: "+strings.Join(stopped, ", "))
		}
	}
	if err != nil {
		return fmt.Errorf("dashboard: %w", err)
	}
	return nil
}

// waitChannels drains each channel until it is closed or the time is up,
// and returns the names of those that closed.
func waitChannels[T any](chs map[string]<-chan T, d time.Duration) []string {
	deadline := time.After(d)
	var stopped []string
	for name, ch := range chs {
	drain:
		for {
			select {
			case _, ok := <-ch:
				if !ok {
					stopped = append(stopped, name)
					break drain
				}
			case <-deadline:
				return stopped
			}
		}
	}
	return stopped
}
