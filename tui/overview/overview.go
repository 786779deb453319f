// Package overview is the dashboard's first page: per store the last sync,
// session state and threads due; parcels by status and stalled; claim
// windows closing; money claimed and paid; the last runs.
package overview

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/tui/common"
)

// OverviewLoadedMsg carries the overview's counts.
type OverviewLoadedMsg struct {
	Overview localdb.Overview
	Err      error
}

// Model is the overview.
type Model struct {
	common.Common
	data   *localdb.Overview
	err    error
	scroll int
}

// New returns the overview.
func New(c common.Common) *Model { return &Model{Common: c} }

// Title names the view.
func (m *Model) Title() string { return "Overview" }

// Capturing is always false: the overview has no text input.
func (m *Model) Capturing() bool { return false }

// Data returns the last counts read, if any.
func (m *Model) Data() *localdb.Overview { return m.data }

// Init loads the counts.
func (m *Model) Init() tea.Cmd { return loadOverviewCmd(m.DB, m.query()) }

// Reload reads the counts again.
func (m *Model) Reload() tea.Cmd { return loadOverviewCmd(m.DB, m.query()) }

// query takes the overview's thresholds from the config.
func (m *Model) query() localdb.OverviewQuery {
	return localdb.OverviewQuery{DueSoon: m.DueSoon(), Stall: m.StallRule(), ClosingSoon: m.ClaimAlert()}
}

func loadOverviewCmd(db *localdb.DB, q localdb.OverviewQuery) tea.Cmd {
	return func() tea.Msg {
		o, err := db.GetOverview(context.Background(), q)
		return OverviewLoadedMsg{Overview: o, Err: err}
	}
}

// Update handles the loaded counts and scrolling.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case OverviewLoadedMsg:
		if msg.Err != nil {
			m.err = msg.Err
			m.Logger.Error("overview: load", "err", msg.Err)
			return m, nil
		}
		o := msg.Overview
		m.data, m.err = &o, nil
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, m.Keys.Up):
			m.scroll = max(m.scroll-1, 0)
		case key.Matches(msg, m.Keys.Down):
			m.scroll++
		}
	}
	return m, nil
}

// View draws the overview.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	if m.err != nil {
		return common.Fit(m.Styles.Error.Render("error: "+m.err.Error()), m.Width, m.Height)
	}
	if m.data == nil {
		return common.Fit(m.Styles.Faint.Render("loading…"), m.Width, m.Height)
	}
	lines := strings.Split(m.render(), "\n")
	if m.scroll > max(len(lines)-m.Height, 0) {
		m.scroll = max(len(lines)-m.Height, 0)
	}
	return common.Fit(strings.Join(lines[m.scroll:], "\n"), m.Width, m.Height)
}

func (m *Model) render() string {
	o, s, w := m.data, m.Styles, m.Width
	now := m.Now()
	var b strings.Builder
	b.WriteString(s.Heading.Render("Stores") + "\n")
	if len(o.Stores) == 0 {
		b.WriteString(s.Faint.Render("No stores yet: connect a store, or try `sellerops demo` on the sandbox.") + "\n")
	} else {
		b.WriteString(s.Faint.Render(common.Pad(common.Pad("STORE", 14)+" "+common.Pad("MARKET", 9)+" "+common.Pad("SESSION", 12)+" "+
			common.Pad("SYNCED", 10)+" "+common.PadLeft("OPEN", 5)+" "+common.PadLeft("LATE", 5)+" "+common.PadLeft("SOON", 5), w)) + "\n")
	}
	for _, st := range o.Stores {
		name := st.Name
		if st.Demo {
			name += " (demo)"
		}
		session := common.Pad(string(st.SessionState), 12)
		switch {
		case st.Orders == localdb.ChannelAPI && !st.ReadMessages.UsesBrowser():
			// Reached through its API alone: no portal session to show.
			session = common.Pad("api", 12)
		case st.SessionState == localdb.SessionOK:
			session = s.Success.Render(session)
		case st.SessionState == localdb.SessionUnknown:
		default:
			session = s.Error.Render(session)
		}
		late := common.PadLeft(fmt.Sprint(st.Overdue), 5)
		if st.Overdue > 0 {
			late = s.Error.Render(late)
		}
		soon := common.PadLeft(fmt.Sprint(st.DueSoon), 5)
		if st.DueSoon > 0 {
			soon = s.Warning.Render(soon)
		}
		b.WriteString(common.Truncate(common.Pad(name, 14)+" "+common.Pad(st.Marketplace, 9)+" "+session+" "+
			common.Pad(common.Ago(st.LastSyncAt, now), 10)+" "+common.PadLeft(fmt.Sprint(st.Open), 5)+" "+late+" "+soon, w) + "\n")
	}

	b.WriteString("\n" + s.Heading.Render("Parcels") + s.Faint.Render(fmt.Sprintf("  %d in all", o.Parcels)) + "\n")
	var tags []string
	for _, t := range o.ByTag {
		tags = append(tags, fmt.Sprintf("%s %d", t.Tag, t.Count))
	}
	if len(tags) == 0 {
		tags = []string{"none tracked yet"}
	}
	b.WriteString(wrapWords(tags, w) + "\n")
	stalled := fmt.Sprintf("%d stalled (%s)", o.Stalled, m.StallText())
	if o.Stalled > 0 {
		stalled = s.Warning.Render(stalled)
	}
	b.WriteString(stalled + "\n")

	b.WriteString("\n" + s.Heading.Render("Claims") + "\n")
	closing := fmt.Sprintf("%d open · drafts whose window closes within %d days: %d", o.ClaimsOpen, int(m.ClaimAlert().Hours()/24), o.ClaimsClosingSoon)
	if o.ClaimsClosingSoon > 0 {
		closing = s.Warning.Render(closing)
	}
	b.WriteString(common.Truncate(closing, w) + "\n")
	for _, mt := range o.Money {
		b.WriteString(common.Truncate(fmt.Sprintf("claimed %s · paid %s",
			money.Format(mt.Claimed, mt.Currency), money.Format(mt.Paid, mt.Currency)), w) + "\n")
	}

	b.WriteString("\n" + s.Heading.Render("Last runs") + "\n")
	if len(o.Runs) == 0 {
		b.WriteString(s.Faint.Render("No runs yet.") + "\n")
	}
	for _, r := range o.Runs {
		line := fmt.Sprintf("%s  %-14s %-11s %d/%d done", common.Stamp(r.StartedAt), r.JobName, r.State, r.Done, r.Items)
		if r.Failed+r.NeedsHuman > 0 {
			line += s.Error.Render(fmt.Sprintf("  %d failed, %d need a person", r.Failed, r.NeedsHuman))
		}
		b.WriteString(common.Truncate(line, w) + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func wrapWords(words []string, w int) string {
	var lines []string
	cur := ""
	for _, wd := range words {
		if cur != "" && len(cur)+3+len(wd) > w {
			lines = append(lines, cur)
			cur = ""
		}
		if cur != "" {
			cur += " · "
		}
		cur += wd
	}
	return strings.Join(append(lines, cur), "\n")
}

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) { m.Common.SetSize(w, h) }

// ShortHelp lists the main keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	return []key.Binding{k.NextView, k.Palette, k.Refresh, k.Help, k.Quit}
}

// FullHelp lists every key: navigation, actions, then quit and help.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	nav := append([]key.Binding{k.Up, k.Down, k.NextView, k.PrevView}, k.Views[:]...)
	return [][]key.Binding{nav, {k.Palette, k.Refresh}, k.QuitHelp()}
}
