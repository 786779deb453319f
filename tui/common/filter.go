package common

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// Filter is the text a list is narrowed by and the input line it is typed
// into. What is typed takes effect only on enter.
type Filter struct {
	Input textinput.Model
	// Text is the filter in force.
	Text string
	// Typing is set while the input has the focus.
	Typing bool
}

// NewFilter returns an empty filter whose input line starts with prompt.
func NewFilter(prompt string) Filter {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Cursor.SetMode(cursor.CursorStatic)
	return Filter{Input: ti}
}

// Start focuses the input, holding the filter in force to edit.
func (f *Filter) Start() tea.Cmd {
	f.Typing = true
	f.Input.SetValue(f.Text)
	return f.Input.Focus()
}

// Key handles a key while typing. Enter puts the typed text, trimmed, in
// force and reports applied, so that the list is read again; esc leaves
// the input and keeps the filter as it was; any other key edits.
func (f *Filter) Key(msg tea.KeyMsg) (applied bool, cmd tea.Cmd) {
	switch msg.Type {
	case tea.KeyEnter:
		f.Typing = false
		f.Input.Blur()
		f.Text = strings.TrimSpace(f.Input.Value())
		return true, nil
	case tea.KeyEsc:
		f.Typing = false
		f.Input.Blur()
		return false, nil
	}
	f.Input, cmd = f.Input.Update(msg)
	return false, cmd
}

// Update passes a message that is not a key to the input while typing.
func (f *Filter) Update(msg tea.Msg) tea.Cmd {
	if !f.Typing {
		return nil
	}
	var cmd tea.Cmd
	f.Input, cmd = f.Input.Update(msg)
	return cmd
}

// Clear drops the filter in force and reports whether there was one.
func (f *Filter) Clear() bool {
	if f.Text == "" {
		return false
	}
	f.Text = ""
	f.Input.SetValue("")
	return true
}
