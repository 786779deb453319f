// Package jobs is the dashboard's jobs view: the automations started from
// the dashboard with progress bars, item counts and live log lines, cancel
// and retry, their failures with class and evidence path, and the runs
// recorded in the database.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
)

// JobStartedMsg reports that a job's action is running and streaming on Ch.
type JobStartedMsg struct {
	ID int
	Ch <-chan common.Progress
}

// JobStartFailedMsg reports that a job's action refused to start.
type JobStartFailedMsg struct {
	ID  int
	Err error
}

// ProgressReceivedMsg carries one progress report of a job.
type ProgressReceivedMsg struct {
	ID       int
	Progress common.Progress
}

// JobFinishedMsg reports that a job's progress channel was closed.
type JobFinishedMsg struct {
	ID int
}

// RunsLoadedMsg carries the recorded runs and the items that failed.
type RunsLoadedMsg struct {
	Page     localdb.Page[localdb.RunSummary]
	Failures localdb.Page[localdb.AttentionItem]
	Err      error
}

// State is where a job started from the dashboard stands.
type State string

// Job states.
const (
	Starting    State = "starting"
	Running     State = "running"
	Done        State = "done"
	Failed      State = "failed"
	Cancelled   State = "cancelled"
	Unavailable State = "not available"
)

// Job is one automation started from the dashboard.
type Job struct {
	ID          int
	Name        string
	State       State
	Done, Total int
	Lines       []string
	Failures    []common.Progress
	Err         error
	Started     time.Time
	Ended       time.Time

	start  common.StartFunc
	cancel context.CancelFunc
	ch     <-chan common.Progress
}

// Active reports whether the job may still be working.
func (j *Job) Active() bool { return j.State == Starting || j.State == Running }

// runsShown and failuresShown are how many recorded runs and failed items
// the view reads.
const (
	runsShown     = 20
	failuresShown = 20
)

// Model is the jobs view.
type Model struct {
	common.Common
	parent context.Context
	jobs   []*Job
	nextID int
	// sel is the id of the selected job: x and R act on it. A job started
	// from the dashboard (a key the operator pressed) becomes selected.
	sel      int
	runs     localdb.Page[localdb.RunSummary]
	failures localdb.Page[localdb.AttentionItem]
	loaded   bool
}

// New returns the jobs view. Its jobs run under context.Background until
// SetParent gives them another parent.
func New(c common.Common) *Model {
	return &Model{Common: c, parent: context.Background(), nextID: 1}
}

// SetParent sets the context jobs started from now on run under:
// cancelling it stops them all.
func (m *Model) SetParent(ctx context.Context) { m.parent = ctx }

// Title names the view.
func (m *Model) Title() string { return "Jobs" }

// Capturing is always false: the view has no text input.
func (m *Model) Capturing() bool { return false }

// Jobs returns the jobs started from the dashboard, oldest first.
func (m *Model) Jobs() []*Job { return m.jobs }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.Common.SetSize(w, h) }

// Init loads the recorded runs.
func (m *Model) Init() tea.Cmd { return loadRunsCmd(m.DB) }

// Reload reads the recorded runs again.
func (m *Model) Reload() tea.Cmd { return loadRunsCmd(m.DB) }

func loadRunsCmd(db *localdb.DB) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		p, err := db.PageRuns(ctx, 0, runsShown)
		if err != nil {
			return RunsLoadedMsg{Err: err}
		}
		f, err := db.PageAttentionItems(ctx, 0, failuresShown)
		return RunsLoadedMsg{Page: p, Failures: f, Err: err}
	}
}

// Start adds a job and returns the command that starts it.
func (m *Model) Start(name string, start common.StartFunc) tea.Cmd {
	return m.StartCounted(name, 0, start)
}

// StartCounted adds a job over total items (0 when not known before it
// runs) and returns the command that starts it.
func (m *Model) StartCounted(name string, total int, start common.StartFunc) tea.Cmd {
	ctx, cancel := context.WithCancel(m.parent)
	j := &Job{ID: m.nextID, Name: name, State: Starting, Total: total, start: start, cancel: cancel, Started: m.Now()}
	m.nextID++
	m.jobs = append(m.jobs, j)
	m.sel = j.ID
	return startJobCmd(j.ID, ctx, start)
}

func startJobCmd(id int, ctx context.Context, start common.StartFunc) tea.Cmd {
	return func() tea.Msg {
		ch, err := start(ctx)
		if err != nil {
			return JobStartFailedMsg{ID: id, Err: err}
		}
		if ch == nil {
			return JobStartFailedMsg{ID: id, Err: errors.New("the action returned no progress channel")}
		}
		return JobStartedMsg{ID: id, Ch: ch}
	}
}

// waitForProgress reads one report from ch; the model re-arms it after
// each report until the channel is closed.
func waitForProgress(id int, ch <-chan common.Progress) tea.Cmd {
	return func() tea.Msg {
		p, ok := <-ch
		if !ok {
			return JobFinishedMsg{ID: id}
		}
		return ProgressReceivedMsg{ID: id, Progress: p}
	}
}

func (m *Model) job(id int) *Job {
	for _, j := range m.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// CancelAll cancels every active job and returns their names.
func (m *Model) CancelAll() []string {
	var names []string
	for _, j := range m.jobs {
		if j.Active() {
			j.cancel()
			j.State = Cancelled
			j.Ended = m.Now()
			names = append(names, j.Name)
		}
	}
	return names
}

// Channels returns the progress channels of the jobs that were running
// when they were cancelled, so that a caller can wait for them to wind
// down.
func (m *Model) Channels() map[string]<-chan common.Progress {
	out := map[string]<-chan common.Progress{}
	for _, j := range m.jobs {
		if j.ch != nil && j.State == Cancelled {
			out[j.Name] = j.ch
		}
	}
	return out
}

// Update handles job lifecycle messages and keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case RunsLoadedMsg:
		if msg.Err != nil {
			m.Logger.Error("jobs: load runs", "err", msg.Err)
			return m, nil
		}
		m.runs, m.failures, m.loaded = msg.Page, msg.Failures, true
	case JobStartedMsg:
		j := m.job(msg.ID)
		if j == nil {
			return m, nil
		}
		j.ch = msg.Ch
		if j.State == Starting {
			j.State = Running
		}
		return m, waitForProgress(j.ID, j.ch)
	case JobStartFailedMsg:
		j := m.job(msg.ID)
		if j == nil {
			return m, nil
		}
		j.Err, j.Ended = msg.Err, m.Now()
		j.cancel()
		if errors.Is(msg.Err, common.ErrNotAvailable) {
			j.State = Unavailable
			return m, common.StatusCmd(common.LevelWarning, fmt.Sprintf("%s: %v", j.Name, msg.Err))
		}
		j.State = Failed
		m.Logger.Error("job failed to start", "job", j.Name, "err", msg.Err)
		return m, common.StatusCmd(common.LevelError, fmt.Sprintf("%s failed to start: %v", j.Name, msg.Err))
	case ProgressReceivedMsg:
		j := m.job(msg.ID)
		if j == nil {
			return m, nil
		}
		p := msg.Progress
		if p.Total > 0 {
			j.Done, j.Total = p.Done, p.Total
		}
		if p.Line != "" {
			j.Lines = append(j.Lines, p.Line)
		}
		if p.Err != nil {
			j.Failures = append(j.Failures, p)
			j.Lines = append(j.Lines, fmt.Sprintf("failed: %v", p.Err))
			m.Logger.Warn("job item failed", "job", j.Name, "class", p.FailureClass, "evidence", p.EvidencePath, "err", p.Err)
		}
		if len(j.Lines) > common.LogLines {
			j.Lines = j.Lines[len(j.Lines)-common.LogLines:]
		}
		return m, waitForProgress(j.ID, j.ch)
	case JobFinishedMsg:
		j := m.job(msg.ID)
		if j == nil {
			return m, nil
		}
		j.Ended = m.Now()
		j.cancel()
		var status tea.Cmd
		switch {
		case j.State == Cancelled:
			status = common.StatusCmd(common.LevelWarning, j.Name+": cancelled")
		case len(j.Failures) > 0:
			j.State = Failed
			status = common.StatusCmd(common.LevelError, fmt.Sprintf("%s: finished with %d failures (see Jobs)", j.Name, len(j.Failures)))
		default:
			j.State = Done
			status = common.StatusCmd(common.LevelSuccess, j.Name+": done")
		}
		return m, tea.Batch(status, func() tea.Msg { return common.DataChangedMsg{} })
	case tea.KeyMsg:
		k := m.Keys
		switch {
		case key.Matches(msg, k.Up):
			m.move(-1)
		case key.Matches(msg, k.Down):
			m.move(1)
		case key.Matches(msg, k.Cancel):
			if j := m.selected(); j != nil && j.Active() {
				j.cancel()
				j.State = Cancelled
				return m, common.StatusCmd(common.LevelWarning, "cancelling "+j.Name)
			}
		case key.Matches(msg, k.Retry):
			if j := m.selected(); j != nil && !j.Active() {
				return m, m.StartCounted(j.Name, j.Total, j.start)
			}
		}
	}
	return m, nil
}

// index is the row of the selected job, -1 when none is.
func (m *Model) index() int {
	for i, j := range m.jobs {
		if j.ID == m.sel {
			return i
		}
	}
	return -1
}

// move selects the job delta rows away, clamped to the list.
func (m *Model) move(delta int) {
	if len(m.jobs) == 0 {
		return
	}
	i := min(max(m.index()+delta, 0), len(m.jobs)-1)
	m.sel = m.jobs[i].ID
}

func (m *Model) selected() *Job { return m.job(m.sel) }

// Selected returns the selected job, nil when there is none.
func (m *Model) Selected() *Job { return m.selected() }

// View draws the jobs, the selected job's log and failures, and the runs.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	s, w := m.Styles, m.Width
	var b strings.Builder
	b.WriteString(s.Heading.Render("Started here") + "\n")
	if len(m.jobs) == 0 {
		b.WriteString(s.Faint.Render("No jobs yet. Start one with :sync, :track stalled, a reply or a claim.") + "\n")
	}
	barW := max(min(w/4, 30), 8)
	for _, j := range m.jobs {
		marker := "  "
		if j.ID == m.sel {
			marker = "› "
		}
		ratio, counts := jobProgress(j)
		state := string(j.State)
		switch j.State {
		case Done:
			state = s.Success.Render(state)
		case Failed:
			state = s.Error.Render(state)
		case Cancelled, Unavailable:
			state = s.Warning.Render(state)
		}
		if len(j.Failures) > 0 {
			counts += s.Error.Render(fmt.Sprintf(" %d failed", len(j.Failures)))
		}
		b.WriteString(common.Truncate(marker+common.Pad(j.Name, max(w-barW-32, 10))+" "+m.progressBar(ratio, barW)+" "+counts+" "+state, w) + "\n")
	}
	if j := m.selected(); j != nil {
		if j.Err != nil {
			b.WriteString(s.Warning.Render(common.Truncate("  "+j.Err.Error(), w)) + "\n")
		}
		for _, f := range j.Failures {
			line := fmt.Sprintf("  ✗ %s: %v", common.Or(f.FailureClass, "failed"), f.Err)
			if f.EvidencePath != "" {
				line += " · evidence " + f.EvidencePath
			}
			b.WriteString(s.Error.Render(common.Truncate(line, w)) + "\n")
		}
		logH := max(m.Height/4, 3)
		lines := j.Lines
		if len(lines) > logH {
			lines = lines[len(lines)-logH:]
		}
		for _, l := range lines {
			b.WriteString(s.Faint.Render(common.Truncate("  │ "+l, w)) + "\n")
		}
	}
	b.WriteString("\n" + s.Heading.Render("Recorded runs"))
	if !m.loaded {
		b.WriteString("\n" + s.Faint.Render("loading…"))
		return common.Fit(b.String(), m.Width, m.Height)
	}
	b.WriteString(s.Faint.Render(fmt.Sprintf("  %d in all", m.runs.Total)) + "\n")
	if len(m.runs.Rows) == 0 {
		b.WriteString(s.Faint.Render("No runs recorded yet (sellerops run writes them).") + "\n")
	}
	for _, r := range m.runs.Rows {
		line := fmt.Sprintf("%s  %-14s %-11s %d/%d done", common.Stamp(r.StartedAt), r.JobName, r.State, r.Done, r.Items)
		if r.Failed+r.NeedsHuman > 0 {
			line += s.Error.Render(fmt.Sprintf("  %d failed, %d need a person", r.Failed, r.NeedsHuman))
		}
		if r.Error != "" {
			line += s.Faint.Render("  " + common.OneLine(r.Error))
		}
		b.WriteString(common.Truncate(line, w) + "\n")
	}
	if len(m.failures.Rows) > 0 {
		b.WriteString("\n" + s.Heading.Render("Needs attention") + s.Faint.Render(fmt.Sprintf("  %d items failed or need a person", m.failures.Total)) + "\n")
	}
	for _, f := range m.failures.Rows {
		line := fmt.Sprintf("%s  %s %s: %s", common.Stamp(f.UpdatedAt), f.JobName, f.ItemKey, common.Or(f.FailureClass, "failed"))
		if f.EvidencePath != "" {
			line += " · evidence " + f.EvidencePath
		}
		if f.Error != "" {
			line += " · " + common.OneLine(f.Error)
		}
		b.WriteString(s.Error.Render(common.Truncate(line, w)) + "\n")
	}
	return common.Fit(strings.TrimSuffix(b.String(), "\n"), m.Width, m.Height)
}

// ShortHelp lists the main keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	return []key.Binding{k.Up, k.Down, k.Cancel, k.Retry, k.Palette, k.Help}
}

// FullHelp lists every key: navigation, actions, then quit and help.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	return [][]key.Binding{{k.Up, k.Down, k.NextView, k.PrevView}, {k.Cancel, k.Retry, k.Palette, k.Refresh}, k.QuitHelp()}
}

// jobProgress is how far a job's bar is filled and the counts beside it.
// Counts are shown only when the job's total is known: a running job
// without one shows "…", and a finished one a full bar. A job that ended
// with items unreported says how many, rather than a bar that stops short
// without a word.
func jobProgress(j *Job) (ratio float64, counts string) {
	if j.Total <= 0 {
		if j.Active() {
			return 0, "…"
		}
		if j.State == Done {
			return 1, ""
		}
		return 0, ""
	}
	ratio = float64(j.Done) / float64(j.Total)
	counts = fmt.Sprintf("%d/%d", j.Done, j.Total)
	if !j.Active() && j.Done < j.Total && j.State != Cancelled {
		counts += fmt.Sprintf(" (%d not reported)", j.Total-j.Done)
	}
	return ratio, counts
}

// progressBar draws a bar of w cells, filled to ratio.
func (m *Model) progressBar(ratio float64, w int) string {
	ratio = min(max(ratio, 0), 1)
	full := int(ratio * float64(w-2))
	return "[" + m.Styles.Primary.Render(strings.Repeat("#", full)) + m.Styles.Faint.Render(strings.Repeat("-", w-2-full)) + "]"
}
