package tui

import (
	"context"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// harness drives the root model the way bubbletea does: it runs each
// command, feeds its message back into Update, and follows batches. It
// waits for every command to return, however slow the machine, except one
// that park says is blocked by the test (a held job's progress wait, which
// only ends on cancel): that one is left running and its message arrives
// on late. A command still running at the test's deadline fails the test.
type harness struct {
	t    testing.TB
	m    *Model
	db   *localdb.DB
	ids  fixture.IDs
	late chan tea.Msg
	quit bool
	// park reports whether the running command, named as the runtime
	// names its function, is blocked on something the test holds.
	park func(name string) bool
}

// parkHeldJobs parks a job's progress wait while a held fixture job waits
// for its cancel: nothing comes on its channel until then.
func parkHeldJobs(actions common.Actions) func(string) bool {
	held, ok := actions.(interface{ Holding() int })
	return func(name string) bool {
		return ok && strings.Contains(name, "waitForProgress") && held.Holding() > 0
	}
}

// cmdName is the name of the function behind a command.
func cmdName(c tea.Cmd) string {
	if f := runtime.FuncForPC(reflect.ValueOf(c).Pointer()); f != nil {
		return f.Name()
	}
	return ""
}

func newHarness(t testing.TB, w, h int, actions common.Actions) *harness {
	t.Helper()
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	return startHarness(t, db, ids, w, h, actions)
}

func startHarness(t testing.TB, db *localdb.DB, ids fixture.IDs, w, h int, actions common.Actions) *harness {
	t.Helper()
	opts := Options{DB: db, Now: fixture.Clock}
	if actions != nil {
		opts.Actions = actions
	}
	return startHarnessOpts(t, ids, w, h, opts)
}

func startHarnessOpts(t testing.TB, ids fixture.IDs, w, h int, opts Options) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db := opts.DB
	m := newModel(ctx, opts)
	m.noTick = true
	hs := &harness{t: t, m: m, db: db, ids: ids, late: make(chan tea.Msg, 16), park: parkHeldJobs(opts.Actions)}
	hs.run(m.Init())
	hs.send(tea.WindowSizeMsg{Width: w, Height: h})
	return hs
}

func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	_, cmd := h.m.Update(msg)
	h.run(cmd)
}

func (h *harness) run(cmd tea.Cmd) {
	h.t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		done := make(chan tea.Msg, 1)
		go func() { done <- c() }()
		msg, parked := h.wait(c, done)
		if parked {
			go func() { h.late <- <-done }()
			continue
		}
		switch msg := msg.(type) {
		case nil:
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case tea.QuitMsg:
			h.quit = true
		default:
			_, next := h.m.Update(msg)
			queue = append(queue, next)
		}
	}
}

// wait waits for a command's message until it comes, or until park says
// the command is blocked by the test; the test's deadline bounds it.
func (h *harness) wait(c tea.Cmd, done <-chan tea.Msg) (tea.Msg, bool) {
	h.t.Helper()
	name := cmdName(c)
	end := testwait.Deadline(h.t)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case msg := <-done:
			return msg, false
		case <-tick.C:
			if h.park != nil && h.park(name) {
				return nil, true
			}
			if time.Now().After(end) {
				h.t.Fatalf("command %s still running at the test's deadline", name)
			}
		}
	}
}

// awaitLate feeds the next late message into the model.
func (h *harness) awaitLate() {
	h.t.Helper()
	select {
	case msg := <-h.late:
		h.send(msg)
	case <-time.After(testwait.Budget(h.t)):
		h.t.Fatal("no late message before the test's deadline")
	}
}

var specialKeys = map[string]tea.KeyType{
	"enter": tea.KeyEnter, "esc": tea.KeyEsc, "tab": tea.KeyTab, "shift+tab": tea.KeyShiftTab,
	"up": tea.KeyUp, "down": tea.KeyDown, "pgdown": tea.KeyPgDown, "pgup": tea.KeyPgUp,
	"ctrl+s": tea.KeyCtrlS, "ctrl+t": tea.KeyCtrlT, "ctrl+l": tea.KeyCtrlL, "ctrl+p": tea.KeyCtrlP, "ctrl+c": tea.KeyCtrlC, "ctrl+r": tea.KeyCtrlR,
	"space": tea.KeySpace,
}

func keyMsg(k string) tea.KeyMsg {
	if t, ok := specialKeys[k]; ok {
		return tea.KeyMsg{Type: t}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends each key in turn.
func (h *harness) press(keys ...string) {
	h.t.Helper()
	for _, k := range keys {
		h.send(keyMsg(k))
	}
}

// typeText sends s one rune at a time.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func resize(w, h int) tea.WindowSizeMsg { return tea.WindowSizeMsg{Width: w, Height: h} }

// chooseTemplate presses ctrl+t until the composer holds the named
// template, failing if a full round of the templates never reaches it.
func (h *harness) chooseTemplate(name string) {
	h.t.Helper()
	for range 20 {
		h.press("ctrl+t")
		if strings.HasPrefix(h.m.Status(), "template: "+name+" (") {
			return
		}
	}
	h.t.Fatalf("ctrl+t never chose template %q; status %q", name, h.m.Status())
}
