// Package tui is the sellerops dashboard: a bubbletea program over the
// local database with six views (overview, inbox, shipments, claims,
// jobs, insights), a command palette and background jobs that stream progress.
package tui

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	autoclaims "github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/tui/claims"
	"github.com/sellerops/sellerops/tui/common"
	"github.com/sellerops/sellerops/tui/inbox"
	insightsview "github.com/sellerops/sellerops/tui/insights"
	"github.com/sellerops/sellerops/tui/jobs"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/overview"
	"github.com/sellerops/sellerops/tui/shipments"
	"github.com/sellerops/sellerops/tui/theme"
)

// RefreshTickedMsg reports that the live refresh interval has passed.
type RefreshTickedMsg struct{}

// Actions is what the dashboard can ask the rest of the product to do;
// cmd/sellerops wires real ones.
type Actions = common.Actions

// Progress is one report of a running action.
type Progress = common.Progress

// ErrNotAvailable is what an action returns when its automation is not
// wired yet; the dashboard then says so in its status line.
var ErrNotAvailable = common.ErrNotAvailable

// Options configure the dashboard.
type Options struct {
	DB *localdb.DB
	// Actions runs automations; nil means none are wired (every action
	// then reports ErrNotAvailable, except the local "no response needed").
	Actions Actions
	// Logger receives every log line; nil discards them. Nothing is
	// written to the terminal while the dashboard runs.
	Logger *slog.Logger
	// Now is the clock for countdowns; nil means time.Now.
	Now func() time.Time
	// Candidates finds the claim candidates the claims view lists, as
	// `sellerops claims candidates` does (cmd/sellerops passes
	// claims.Candidates with its configuration); nil means the same
	// rules with the built-in configuration.
	Candidates func(ctx context.Context, now time.Time) ([]autoclaims.Candidate, error)
	// Notices proposes the delay notices the shipments view lists, as
	// `sellerops notices list` does; nil means the same rules with the
	// built-in configuration and the templates of TemplateDir.
	Notices common.NoticesFunc
	// Demo labels the dashboard as running on demo data.
	Demo bool
	// TemplateDir holds the reply templates, NAME.txt each, beside the
	// built-in ones (normally <config dir>/templates, as for
	// `sellerops messages reply`); empty means the built-ins only.
	TemplateDir string
	// Config is the configuration of the command line, whose thresholds
	// (stalled parcels, due soon, claim alerts) the views apply; nil means
	// config.Defaults().
	Config *config.Config
	// Translation is the provider (behind its cache) and the operator's
	// language the thread pane translates with; a zero value is off.
	Translation messages.Translator
	// In and Out are the terminal; nil means stdin and stdout.
	In  io.Reader
	Out io.Writer
	// Width and Height, when both are set, are the terminal's size for an
	// Out that cannot report it (a pipe, a serial console); a real
	// terminal reports its own size and its resizes.
	Width, Height int
}

// View indexes, in tab order.
const (
	ViewOverview = iota
	ViewInbox
	ViewShipments
	ViewClaims
	ViewJobs
	ViewInsights
	viewCount
)

// Model is the root model: it owns the views, the tab bar, the status
// line, the help and the command palette, and routes messages.
type Model struct {
	c         common.Common
	demo      bool
	views     [viewCount]common.View
	Overview  *overview.Model
	Inbox     *inbox.Model
	Shipments *shipments.Model
	Claims    *claims.Model
	Jobs      *jobs.Model
	Insights  *insightsview.Model

	active        int
	width, height int
	help          help.Model
	showHelp      bool
	helpScroll    int
	palette       textinput.Model
	paletteOn     bool
	status        string
	level         common.Level
	statusView    int // 1 + the view that raised the status; 0 for all
	statusAge     int // refresh intervals the status has been shown
	quitting      bool
	quitNote      string
	noTick        bool // tests drive the refresh themselves
}

// New returns the root model, for tests; Run starts the program.
func New(opts Options) tea.Model { return newModel(context.Background(), opts) }

func newModel(ctx context.Context, opts Options) *Model {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Actions == nil {
		opts.Actions = common.Unavailable{DB: opts.DB}
	}
	opts.Config = config.OrDefaults(opts.Config)
	if opts.Candidates == nil {
		db, cfg := opts.DB, opts.Config
		opts.Candidates = func(ctx context.Context, now time.Time) ([]autoclaims.Candidate, error) {
			return autoclaims.Candidates(ctx, autoclaims.Deps{DB: db, Config: cfg}, now)
		}
	}
	if opts.Notices == nil {
		db, cfg, dir := opts.DB, opts.Config, opts.TemplateDir
		opts.Notices = func(ctx context.Context, now time.Time) ([]notices.Proposal, error) {
			set, err := messages.LoadTemplates(dir)
			if err != nil && set == nil {
				return nil, err
			}
			return notices.Propose(ctx, notices.Deps{DB: db, Config: cfg, Templates: set}, now)
		}
	}
	c := common.Common{
		Styles:      theme.NewStyles(theme.Default()),
		Keys:        keys.Default(),
		Logger:      opts.Logger,
		DB:          opts.DB,
		Actions:     opts.Actions,
		Now:         opts.Now,
		Candidates:  opts.Candidates,
		Notices:     opts.Notices,
		TemplateDir: opts.TemplateDir,
		Config:      opts.Config,
		Translation: opts.Translation,
	}
	m := &Model{c: c, demo: opts.Demo, help: help.New()}
	m.Overview = overview.New(c)
	m.Inbox = inbox.New(c)
	m.Shipments = shipments.New(c)
	m.Claims = claims.New(c)
	m.Jobs = jobs.New(c)
	m.Jobs.SetParent(ctx)
	m.Insights = insightsview.New(c)
	m.views = [viewCount]common.View{m.Overview, m.Inbox, m.Shipments, m.Claims, m.Jobs, m.Insights}
	m.palette = textinput.New()
	m.palette.Prompt = ":"
	m.palette.Cursor.SetMode(cursor.CursorStatic)
	m.palette.Placeholder = strings.Join(paletteCommands, " · ")
	m.help.Styles.ShortKey = c.Styles.Primary
	m.help.Styles.ShortDesc = c.Styles.Help
	m.help.Styles.FullKey = c.Styles.Primary
	m.help.Styles.FullDesc = c.Styles.Help
	return m
}

var paletteCommands = []string{"sync [store…]", "track stalled", "track ID…", "overview", "inbox", "shipments",
	"claims", "jobs", "insights", "refresh", "help", "quit"}

// Active returns the index of the view shown.
func (m *Model) Active() int { return m.active }

// Status returns the status line's text.
func (m *Model) Status() string { return m.status }

// QuitNote says which jobs quitting cancelled ("" when none were running).
func (m *Model) QuitNote() string { return m.quitNote }

// Init loads every view and starts the live refresh.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{}
	for _, v := range m.views {
		cmds = append(cmds, v.Init())
	}
	if !m.noTick {
		cmds = append(cmds, refreshTickCmd())
	}
	return tea.Batch(cmds...)
}

func refreshTickCmd() tea.Cmd {
	return tea.Tick(common.RefreshSeconds*time.Second, func(time.Time) tea.Msg { return RefreshTickedMsg{} })
}

func (m *Model) bodyHeight() int {
	return max(m.height-common.HeaderHeight-common.FooterHeight, 1)
}

// Update routes messages: the window size to every view, keys to the
// palette, then to a view's text input, then to the global bindings, then
// to the active view; data messages to every view.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.help.Width = msg.Width
		m.palette.Width = max(msg.Width-4, 10)
		for _, v := range m.views {
			v.SetSize(msg.Width, m.bodyHeight())
		}
		return m, m.reloadLists()
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	case common.JobRequestedMsg:
		m.setStatus(common.LevelInfo, "started: "+msg.Name)
		return m, m.Jobs.StartCounted(msg.Name, msg.Total, msg.Start)
	case common.StatusReportedMsg:
		m.setStatus(msg.Level, msg.Text)
		m.statusView = msg.View
		return m, nil
	case common.DataChangedMsg:
		return m, m.reloadAll()
	case RefreshTickedMsg:
		if m.quitting {
			return m, nil
		}
		m.statusAge++
		if m.noTick {
			return m, m.reloadAll()
		}
		return m, tea.Batch(m.reloadAll(), refreshTickCmd())
	}
	// Everything else (pages read, jobs' progress) goes to every view; each
	// takes only its own messages.
	var cmds []tea.Cmd
	for i, v := range m.views {
		_, cmd := v.Update(msg)
		cmds = append(cmds, m.owned(i, cmd))
	}
	return m, tea.Batch(cmds...)
}

// owned marks the status lines that view i's command reports as that
// view's, so that they are shown only in it. The jobs view reports on jobs
// started from anywhere, so its lines are for the whole dashboard.
func (m *Model) owned(i int, cmd tea.Cmd) tea.Cmd {
	if cmd == nil || i == ViewJobs {
		return cmd
	}
	return func() tea.Msg {
		switch msg := cmd().(type) {
		case common.StatusReportedMsg:
			msg.View = i + 1
			return msg
		case tea.BatchMsg:
			for j := range msg {
				msg[j] = m.owned(i, msg[j])
			}
			return msg
		default:
			return msg
		}
	}
}

// StatusShown returns the status line as the active view shows it: ""
// when it belongs to another view or has faded.
func (m *Model) StatusShown() string {
	if m.statusView != 0 && m.statusView != m.active+1 {
		return ""
	}
	fade := common.StatusFadeTicks
	if m.level == common.LevelError {
		fade = common.ErrorFadeTicks
	}
	if m.statusAge >= fade {
		return ""
	}
	return m.status
}

// reloadLists reads the list views again after a resize, which changes
// how many rows they show.
func (m *Model) reloadLists() tea.Cmd {
	return tea.Batch(m.Inbox.Reload(), m.Shipments.Reload(), m.Claims.Reload())
}

func (m *Model) reloadAll() tea.Cmd {
	var cmds []tea.Cmd
	for _, v := range m.views {
		cmds = append(cmds, v.Reload())
	}
	return tea.Batch(cmds...)
}

func (m *Model) setStatus(level common.Level, text string) {
	m.status, m.level, m.statusView, m.statusAge = text, level, 0, 0
	switch level {
	case common.LevelError:
		m.c.Logger.Error(text)
	case common.LevelWarning:
		m.c.Logger.Warn(text)
	default:
		m.c.Logger.Info(text)
	}
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.c.Keys
	if msg.Type == tea.KeyCtrlC {
		return m.quit()
	}
	// A terminal hands letters typed quickly to bubbletea in one read,
	// which it delivers as one message with several runes (":sync", "jjj");
	// each is a key of its own, handled in turn, so that ":" opens the
	// palette before "sync" is typed into it.
	if msg.Type == tea.KeyRunes && len(msg.Runes) > 1 && !msg.Paste {
		cmds := make([]tea.Cmd, 0, len(msg.Runes))
		for _, r := range msg.Runes {
			cmds = append(cmds, m.handleKey(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: msg.Alt}))
		}
		return tea.Batch(cmds...)
	}
	// A paste is text, never keys: it goes whole to the text input that
	// has the focus, and is dropped, saying so, when none has.
	if msg.Paste && !m.paletteOn && !m.views[m.active].Capturing() {
		m.setStatus(common.LevelWarning, "paste ignored: no text input has the focus (press / to search or : for a command)")
		return nil
	}
	if m.paletteOn {
		switch msg.Type {
		case tea.KeyEnter:
			m.paletteOn = false
			line := m.palette.Value()
			m.palette.Blur()
			m.palette.SetValue("")
			return m.runCommand(line)
		case tea.KeyEsc:
			m.paletteOn = false
			m.palette.Blur()
			m.palette.SetValue("")
			return nil
		}
		var cmd tea.Cmd
		m.palette, cmd = m.palette.Update(msg)
		return cmd
	}
	view := m.views[m.active]
	if view.Capturing() {
		_, cmd := view.Update(msg)
		return m.owned(m.active, cmd)
	}
	if m.showHelp {
		switch {
		case key.Matches(msg, k.Quit):
			return m.quit()
		case key.Matches(msg, k.Down):
			m.helpScroll++
			return nil
		case key.Matches(msg, k.Up):
			m.helpScroll--
			return nil
		}
		m.showHelp = false
		return nil
	}
	switch {
	case key.Matches(msg, k.Quit):
		return m.quit()
	case key.Matches(msg, k.Help):
		m.showHelp, m.helpScroll = true, 0
		return nil
	case key.Matches(msg, k.Palette):
		m.paletteOn = true
		return m.palette.Focus()
	case key.Matches(msg, k.NextView):
		return m.activate((m.active + 1) % viewCount)
	case key.Matches(msg, k.PrevView):
		return m.activate((m.active + viewCount - 1) % viewCount)
	case key.Matches(msg, k.Refresh):
		return m.reloadAll()
	}
	for i, b := range k.Views {
		if key.Matches(msg, b) {
			return m.activate(i)
		}
	}
	_, cmd := view.Update(msg)
	return m.owned(m.active, cmd)
}

// activate shows view i; a view that reads its data only when first shown
// (the insights, whose figures cost seconds on a large database) starts
// reading then.
func (m *Model) activate(i int) tea.Cmd {
	m.active = i
	if v, ok := m.views[i].(interface{ Activated() tea.Cmd }); ok {
		return m.owned(i, v.Activated())
	}
	return nil
}

// quit cancels every running job, notes which, and ends the program.
func (m *Model) quit() tea.Cmd {
	m.quitting = true
	if names := m.Jobs.CancelAll(); len(names) > 0 {
		m.quitNote = "cancelled running jobs: " + strings.Join(names, ", ")
		m.c.Logger.Warn("quit cancelled running jobs", "jobs", names)
	}
	return tea.Quit
}

// runCommand runs one line of the command palette.
func (m *Model) runCommand(line string) tea.Cmd {
	f := strings.Fields(line)
	if len(f) == 0 {
		return nil
	}
	actions, db := m.c.Actions, m.c.DB
	switch f[0] {
	case "overview", "inbox", "shipments", "claims", "jobs", "insights":
		return m.activate(map[string]int{"overview": ViewOverview, "inbox": ViewInbox, "shipments": ViewShipments,
			"claims": ViewClaims, "jobs": ViewJobs, "insights": ViewInsights}[f[0]])
	case "refresh":
		return m.reloadAll()
	case "help":
		m.showHelp = true
		return nil
	case "quit", "q":
		return m.quit()
	case "sync":
		stores := f[1:]
		name := "sync all stores"
		if len(stores) > 0 {
			name = "sync " + strings.Join(stores, ", ")
		}
		return common.RequestJobCmd(name, func(ctx context.Context) (<-chan common.Progress, error) {
			return actions.SyncStores(ctx, stores)
		})
	case "track":
		if len(f) == 2 && f[1] == "stalled" {
			rule := m.c.StallRule()
			return common.RequestJobCmd("re-track stalled parcels", func(ctx context.Context) (<-chan common.Progress, error) {
				p, err := db.PageShipments(ctx, localdb.ShipmentFilter{Stalled: &rule, Limit: 1000})
				if err != nil {
					return nil, err
				}
				ids := make([]int64, 0, len(p.Rows))
				for _, s := range p.Rows {
					ids = append(ids, s.ID)
				}
				return actions.TrackShipments(ctx, ids)
			})
		}
		var ids []int64
		for _, a := range f[1:] {
			id, err := strconv.ParseInt(a, 10, 64)
			if err != nil || id <= 0 {
				m.setStatus(common.LevelError, fmt.Sprintf("track: %q is not a shipment id; use :track stalled or :track 12 34", a))
				return nil
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			m.setStatus(common.LevelError, "track: name shipment ids (:track 12 34) or :track stalled")
			return nil
		}
		return common.RequestCountedJobCmd(fmt.Sprintf("re-track %d parcels", len(ids)), len(ids), func(ctx context.Context) (<-chan common.Progress, error) {
			return actions.TrackShipments(ctx, ids)
		})
	}
	m.setStatus(common.LevelError, fmt.Sprintf("unknown command %q; commands: %s", f[0], strings.Join(paletteCommands, ", ")))
	return nil
}

// View draws the tab bar, the active view (or the full help) and the
// footer.
func (m *Model) View() string {
	if m.width <= 0 || m.height <= 0 {
		return ""
	}
	if m.quitting {
		if m.quitNote != "" {
			return m.quitNote + "\n"
		}
		return ""
	}
	if m.width < common.MinWidth || m.height < common.MinHeight {
		return common.Fit(fmt.Sprintf("The terminal is %dx%d; the dashboard needs at least %dx%d.",
			m.width, m.height, common.MinWidth, common.MinHeight), m.width, m.height)
	}
	view := m.views[m.active]
	var b strings.Builder
	b.WriteString(m.header())
	b.WriteString("\n")
	if m.showHelp {
		b.WriteString(common.Fit(m.helpView(m.width, m.bodyHeight()), m.width, m.bodyHeight()))
	} else {
		b.WriteString(common.Fit(view.View(), m.width, m.bodyHeight()))
	}
	b.WriteString("\n")
	b.WriteString(common.Truncate(m.statusLine(), m.width))
	b.WriteString("\n")
	b.WriteString(common.Truncate(m.help.ShortHelpView(view.ShortHelp()), m.width))
	return b.String()
}

func (m *Model) header() string {
	s := m.c.Styles
	parts := []string{s.App.Render("sellerops")}
	if m.demo {
		parts = append(parts, s.Badge.Render("DEMO"))
	}
	running := 0
	for _, j := range m.Jobs.Jobs() {
		if j.Active() {
			running++
		}
	}
	badge := ""
	if running > 0 {
		badge = "  " + s.Warning.Render(fmt.Sprintf("⟳ %d running", running))
	}
	// Tabs with their titles; where the terminal is too narrow for them and
	// the running badge, the tabs not shown keep only their number.
	tabs := func(short bool) string {
		out := append([]string(nil), parts...)
		for i, v := range m.views {
			label := fmt.Sprintf("%d %s", i+1, v.Title())
			switch {
			case i == m.active:
				out = append(out, s.ActiveTab.Render(label))
			case short:
				out = append(out, s.Tab.Render(fmt.Sprint(i+1)))
			default:
				out = append(out, s.Tab.Render(label))
			}
		}
		return strings.Join(out, "  ")
	}
	line := tabs(false) + badge
	if ansi.StringWidth(line) > m.width {
		line = tabs(true) + badge
	}
	return common.Truncate(line, m.width)
}

func (m *Model) statusLine() string {
	s := m.c.Styles
	if m.paletteOn {
		return m.palette.View()
	}
	text := m.StatusShown()
	switch m.level {
	case common.LevelSuccess:
		return s.Success.Render(text)
	case common.LevelWarning:
		return s.Warning.Render(text)
	case common.LevelError:
		return s.Error.Render(text)
	}
	return s.Faint.Render(text)
}
