// Package claims is the dashboard's claims view: claims with their windows
// and states, drafts with their evidence, and filing behind a confirmation
// dialog.
package claims

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	autoclaims "github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/tui/common"
)

// ClaimsLoadedMsg carries a window of the claim list.
type ClaimsLoadedMsg struct {
	Seq  int
	Page localdb.Page[localdb.ClaimRow]
	Err  error
}

// EvidenceLoadedMsg carries the evidence of one claim.
type EvidenceLoadedMsg struct {
	ClaimID  int64
	Evidence []localdb.ClaimEvidence
	Err      error
}

// CandidatesLoadedMsg carries every claim candidate, as
// `sellerops claims candidates` lists them.
type CandidatesLoadedMsg struct {
	Seq        int
	Candidates []autoclaims.Candidate
	Err        error
}

// States is the cycle of the state filter; "" is every state.
var States = []localdb.ClaimState{"", localdb.ClaimDraft, localdb.ClaimFiling, localdb.ClaimSubmitted,
	localdb.ClaimUnderReview, localdb.ClaimApproved, localdb.ClaimPaid, localdb.ClaimDenied, localdb.ClaimCancelled}

// Model is the claims view.
type Model struct {
	common.Common

	list       common.List[localdb.ClaimRow]
	cands      common.List[autoclaims.Candidate]
	candidates bool // the candidates list is shown
	err        error
	stateIdx   int

	// finding is set while candidates are being found; refind asks for
	// another search once it ends, so that refreshes never stack up.
	finding, refind bool

	filter common.Filter // by the start of the parcel number

	// open is set while the detail pane is shown; it always shows the
	// selected claim, whose evidence is evidence (read for evidenceID).
	open       bool
	evidenceID int64
	evidence   []localdb.ClaimEvidence
	confirming *localdb.ClaimRow
}

// New returns the claims view.
func New(c common.Common) *Model {
	m := &Model{Common: c, filter: common.NewFilter("parcel number starts with: ")}
	m.list.Key = func(r localdb.ClaimRow) int64 { return r.ID }
	// A parcel has at most one live claim of each kind; the candidates
	// list is keyed by its parcel and kind.
	m.cands.Key = func(c autoclaims.Candidate) int64 { return c.ShipmentID<<1 | candKind(c) }
	return m
}

func candKind(c autoclaims.Candidate) int64 {
	if c.Kind == localdb.ClaimDamaged {
		return 1
	}
	return 0
}

// Title names the view.
func (m *Model) Title() string { return "Claims" }

// Capturing reports whether the view takes every key: the confirmation
// dialog and the filter input do.
func (m *Model) Capturing() bool { return m.confirming != nil || m.filter.Typing }

// Confirming returns the claim the dialog asks about, if any.
func (m *Model) Confirming() *localdb.ClaimRow { return m.confirming }

// Rows returns the loaded claims and the total that pass the filter.
func (m *Model) Rows() ([]localdb.ClaimRow, int) { return m.list.Rows, m.list.Total }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.Common.SetSize(w, h)
	m.list.SetHeight(h - 2)
	m.cands.SetHeight(h - 3) // the summary, the heading and the reason line
	m.filter.Input.Width = max(w-30, 10)
}

// Init loads the first window of claims. Candidates are read when they
// are first shown.
func (m *Model) Init() tea.Cmd { return m.loadWindowCmd() }

// Candidates returns the loaded candidates and their total.
func (m *Model) Candidates() ([]autoclaims.Candidate, int) { return m.cands.Rows, m.cands.Total }

// loadCandidatesCmd finds every candidate, as the command line does, when
// they are not loaded yet. The rules read each parcel's history, so the
// whole list is found at once and kept; only the visible rows are drawn.
func (m *Model) loadCandidatesCmd() tea.Cmd {
	if _, _, ok := m.cands.NeedWindow(); !ok {
		return nil
	}
	if m.finding {
		m.refind = true
		return nil
	}
	m.finding = true
	find, seq := m.Common.Candidates, m.cands.Requested()
	if find == nil {
		db := m.DB
		find = func(ctx context.Context, now time.Time) ([]autoclaims.Candidate, error) {
			return autoclaims.Candidates(ctx, autoclaims.Deps{DB: db}, now)
		}
	}
	now := m.Now()
	return func() tea.Msg {
		cands, err := find(context.Background(), now)
		return CandidatesLoadedMsg{Seq: seq, Candidates: cands, Err: err}
	}
}

// Reload reads the visible claims again.
func (m *Model) Reload() tea.Cmd {
	m.list.Invalidate()
	cmds := []tea.Cmd{m.loadWindowCmd()}
	m.cands.Invalidate() // read again now if shown, else when next shown
	if m.candidates {
		cmds = append(cmds, m.loadCandidatesCmd())
	}
	if m.open && m.evidenceID != 0 {
		cmds = append(cmds, loadEvidenceCmd(m.DB, m.evidenceID))
	}
	return tea.Batch(cmds...)
}

// followCmd reads the evidence of the selected claim when the pane is
// open and shows another one, so that the pane never shows a claim other
// than the one f files.
func (m *Model) followCmd() tea.Cmd {
	if !m.open {
		return nil
	}
	id := m.list.SelectedID()
	if id == m.evidenceID {
		return nil
	}
	m.evidenceID, m.evidence = id, nil
	if id == 0 {
		return nil
	}
	return loadEvidenceCmd(m.DB, id)
}

// windowCmd reads the rows the list still needs and follows the selection.
func (m *Model) windowCmd() tea.Cmd {
	return tea.Batch(m.loadWindowCmd(), m.followCmd())
}

// Detail returns the claim in the detail pane, if it is open: always the
// selected claim.
func (m *Model) Detail() *localdb.ClaimRow {
	if !m.open {
		return nil
	}
	if c, ok := m.list.Selected(); ok {
		return &c
	}
	return nil
}

// SelectedID is the id of the selected claim, 0 when none is.
func (m *Model) SelectedID() int64 { return m.list.SelectedID() }

func (m *Model) loadWindowCmd() tea.Cmd {
	return m.list.Request(func(seq, offset, limit int) tea.Cmd {
		q := localdb.ClaimFilter{Search: m.filter.Text, Offset: offset, Limit: limit}
		if state := States[m.stateIdx]; state != "" {
			q.States = []localdb.ClaimState{state}
		}
		return loadClaimsCmd(m.DB, seq, q)
	})
}

func loadClaimsCmd(db *localdb.DB, seq int, q localdb.ClaimFilter) tea.Cmd {
	return func() tea.Msg {
		p, err := db.PageClaims(context.Background(), q)
		return ClaimsLoadedMsg{Seq: seq, Page: p, Err: err}
	}
}

func loadEvidenceCmd(db *localdb.DB, id int64) tea.Cmd {
	return func() tea.Msg {
		ev, err := db.ListClaimEvidence(context.Background(), id)
		return EvidenceLoadedMsg{ClaimID: id, Evidence: ev, Err: err}
	}
}

// Update handles loaded data and keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ClaimsLoadedMsg:
		if m.list.PageLoaded(m.Logger, "claims: load", &m.err, msg.Seq, msg.Page, msg.Err) {
			return m, m.windowCmd()
		}
	case CandidatesLoadedMsg:
		m.finding = false
		if msg.Err != nil {
			m.cands.Failed(msg.Seq)
			m.err = msg.Err
			m.Logger.Error("claims: load candidates", "err", msg.Err)
		} else if m.cands.SetWindow(msg.Seq, 0, msg.Candidates, len(msg.Candidates)) {
			m.err = nil
		}
		if m.refind {
			// The data changed while these were found: find them again.
			m.refind = false
			m.cands.Invalidate()
			if m.candidates {
				return m, m.loadCandidatesCmd()
			}
		}
	case EvidenceLoadedMsg:
		if !m.open || msg.ClaimID != m.evidenceID {
			return m, nil
		}
		if msg.Err != nil {
			return m, common.StatusCmd(common.LevelError, fmt.Sprintf("evidence of claim %d: %v", msg.ClaimID, msg.Err))
		}
		m.evidence = msg.Evidence
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	default:
		return m, m.filter.Update(msg)
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.Keys
	if c := m.confirming; c != nil {
		switch {
		case key.Matches(msg, k.Confirm):
			m.confirming = nil
			actions, id := m.Actions, c.ID
			return common.RequestJobCmd(fmt.Sprintf("file claim %d (%s %s)", c.ID, c.Courier, c.TrackingNumber),
				func(ctx context.Context) (<-chan common.Progress, error) { return actions.FileClaim(ctx, id) })
		case key.Matches(msg, k.Deny):
			m.confirming = nil
			return common.StatusCmd(common.LevelInfo, fmt.Sprintf("claim %d not filed", c.ID))
		}
		return nil
	}
	if m.filter.Typing {
		applied, cmd := m.filter.Key(msg)
		if applied {
			m.list.Reset()
			return m.windowCmd()
		}
		return cmd
	}
	if key.Matches(msg, k.Candidates) {
		m.candidates = !m.candidates
		m.open, m.evidenceID, m.evidence = false, 0, nil
		if m.candidates {
			return m.loadCandidatesCmd()
		}
		return nil
	}
	if m.candidates {
		m.cands.Navigate(msg, k)
		return m.loadCandidatesCmd()
	}
	if m.list.Navigate(msg, k) {
		return m.windowCmd()
	}
	switch {
	case key.Matches(msg, k.Filter):
		return m.filter.Start()
	case key.Matches(msg, k.Open):
		if _, ok := m.list.Selected(); ok {
			m.open, m.evidenceID = true, 0
			return m.followCmd()
		}
	case key.Matches(msg, k.Back):
		if !m.open && m.filter.Clear() {
			m.list.Reset()
			return m.windowCmd()
		}
		m.open, m.evidenceID, m.evidence = false, 0, nil
		return nil
	case key.Matches(msg, k.CycleState):
		m.stateIdx = (m.stateIdx + 1) % len(States)
		m.list.Reset()
	case key.Matches(msg, k.File):
		// The selected claim, which the pane shows when it is open.
		c, ok := m.list.Selected()
		if !ok {
			return common.StatusCmd(common.LevelWarning, "no claim selected yet; nothing filed")
		}
		if c.State != localdb.ClaimDraft {
			return common.StatusCmd(common.LevelWarning, fmt.Sprintf("claim %d is %s; only a draft can be filed", c.ID, c.State))
		}
		if !c.WindowCloses.IsZero() && c.WindowCloses.Before(m.Now()) {
			return common.StatusCmd(common.LevelError, fmt.Sprintf("claim %d: the carrier's window closed %s; it can no longer be filed",
				c.ID, common.Ago(c.WindowCloses, m.Now())))
		}
		m.confirming = &c
		return nil
	}
	return m.windowCmd()
}

// View draws the list, the detail pane and the dialog.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	if m.candidates {
		return common.Fit(m.viewCandidates(m.Width), m.Width, m.Height)
	}
	var out string
	switch {
	case !m.open:
		out = common.Fit(m.viewList(m.Width), m.Width, m.Height)
	case m.Width < common.SplitWidth:
		out = common.Fit(m.viewDetail(m.Width), m.Width, m.Height)
	default:
		out = common.Split(m.Styles, m.Width, m.Height, m.viewList, m.viewDetail)
	}
	if m.confirming != nil {
		return lipgloss.Place(m.Width, m.Height, lipgloss.Center, lipgloss.Center, m.viewDialog())
	}
	return out
}

func (m *Model) viewDialog() string {
	c := m.confirming
	w := min(common.DialogWidth, m.Width-4)
	text := fmt.Sprintf("File claim %d with %s?\n\n%s claim for parcel %s\namount %s · %d evidence items",
		c.ID, common.Or(c.Portal, c.Courier), c.Kind, c.TrackingNumber, money.FormatOr(c.Amount, c.Currency, "no amount"), c.Evidence)
	if !c.WindowCloses.IsZero() {
		text += "\nwindow closes in " + common.Countdown(c.WindowCloses.Sub(m.Now()))
	}
	text += "\n\nThe claim is submitted on the carrier's portal and cannot be taken back.\n\ny file · n or esc cancel"
	return m.Styles.Dialog.Width(w).Render(ansi.Wrap(text, w-4, ""))
}

func (m *Model) viewList(w int) string {
	var b strings.Builder
	state := "all"
	if States[m.stateIdx] != "" {
		state = string(States[m.stateIdx])
	}
	line := fmt.Sprintf("state:%s  %s", state, m.list.Count("claims"))
	if m.filter.Text != "" {
		line += fmt.Sprintf("  parcel:%s*", m.filter.Text)
	}
	if m.filter.Typing {
		b.WriteString(m.filter.Input.View() + "\n")
	} else {
		b.WriteString(m.Styles.Faint.Render(line))
		if id := m.list.Left; id != 0 && !m.open {
			b.WriteString(m.Styles.Warning.Render(fmt.Sprintf("  claim %d left the list", id)))
		}
		b.WriteString("\n")
	}
	// Ids and amounts are never cut: their columns are as wide as the
	// widest on screen, and the parcel narrows first.
	var ids, amounts []string
	for _, c := range m.list.VisibleRows() {
		ids = append(ids, fmt.Sprint(c.ID))
		amounts = append(amounts, money.FormatOr(c.Amount, c.Currency, "-"))
	}
	cols := []common.Column{
		{Title: "ID", Min: common.WidestOf(2, ids...), Keep: true, Right: true},
		{Title: "KIND", Min: 7, Pref: 8},
		{Title: "STATE", Min: 9, Pref: 12},
		{Title: "AMOUNT", Min: common.WidestOf(6, amounts...), Keep: true, Right: true},
		{Title: "WINDOW", Min: 6, Pref: 10},
		{Title: "PARCEL", Min: 12, Pref: 34, Weight: 1},
	}
	ws := common.Widths(cols, w-2)
	b.WriteString(m.Styles.Heading.Render(common.Pad("  "+common.Heading(cols, ws), w)))
	now := m.Now()
	b.WriteString(m.list.Body(m.Styles, w, m.err, "No claims. Drafts appear here when a parcel is lost or damaged.", func(c localdb.ClaimRow) string {
		window := "-"
		if !c.WindowCloses.IsZero() && (c.State == localdb.ClaimDraft || c.State == localdb.ClaimFiling) {
			left := c.WindowCloses.Sub(now)
			window = common.Countdown(left)
			switch {
			case left < 0:
				window = m.Styles.Error.Render("closed")
			case left < closingSoon:
				window = m.Styles.Warning.Render(window)
			}
		}
		st := string(c.State)
		switch c.State {
		case localdb.ClaimPaid:
			st = m.Styles.Success.Render(st)
		case localdb.ClaimDenied:
			st = m.Styles.Error.Render(st)
		}
		return common.Cells(cols, ws, []string{fmt.Sprint(c.ID), string(c.Kind), st, money.FormatOr(c.Amount, c.Currency, "-"),
			window, c.Courier + " " + c.TrackingNumber})
	}))
	return b.String()
}

func (m *Model) viewCandidates(w int) string {
	var b strings.Builder
	total := m.cands.Count("lost or damaged, as `sellerops claims candidates` lists them")
	b.WriteString(m.Styles.Faint.Render(common.Truncate("candidates: "+total+" (c shows claims)", w)) + "\n")
	numW := max(w-49, 6) // the other columns and their gaps take 49 cells
	b.WriteString(m.Styles.Heading.Render(common.Pad("  "+common.Pad("KIND", 7)+" "+common.Pad("PARCEL", numW)+" "+
		common.Pad("CLAIM", 11)+" "+common.Pad("WINDOW", 15)+" "+common.PadLeft("VALUE", 10), w)))
	if m.cands.Empty() && m.err == nil {
		b.WriteString("\n" + m.Styles.Faint.Render("No parcel needs a claim."))
		return b.String()
	}
	now := m.Now()
	b.WriteString(m.cands.View(m.Styles, w, func(c autoclaims.Candidate) string {
		value := "-"
		if c.DeclaredValue > 0 {
			value = money.Format(c.DeclaredValue, c.Currency)
		}
		claim := "-"
		if c.ClaimID != 0 {
			claim = fmt.Sprintf("%d %s", c.ClaimID, c.ClaimState)
		}
		return common.Pad(string(c.Kind), 7) + " " + common.Pad(c.Courier+" "+c.TrackingNumber, numW) + " " +
			common.Pad(claim, 11) + " " + m.windowCell(c, now) + " " + common.PadLeft(value, 10)
	}))
	// The last line says why the selected parcel is listed, or what went
	// wrong finding the candidates.
	top, end := m.cands.Visible()
	b.WriteString(strings.Repeat("\n", max(m.cands.Height-(end-top), 0)+1))
	if m.err != nil {
		b.WriteString(m.Styles.Error.Render(common.Truncate("error: "+m.err.Error(), w)))
	} else if c, ok := m.cands.Selected(); ok {
		b.WriteString(m.Styles.Faint.Render(common.Truncate(candidateDetail(c), w)))
	}
	return b.String()
}

// candidateDetail says why the selected parcel is a candidate: the first
// reason, how many more there are, and what is amiss with its window.
func candidateDetail(c autoclaims.Candidate) string {
	why := "why: -"
	if len(c.Reasons) > 0 {
		why = "why: " + common.OneLine(c.Reasons[0])
	}
	if n := len(c.Reasons) - 1; n > 0 {
		why += fmt.Sprintf(" (+%d more)", n)
	}
	if c.Window.State == "" && c.Window.Problem != "" {
		why += " · window unknown: " + c.Window.Problem
	}
	return why
}

// windowCell says, in 15 cells, where the carrier's claim window stands.
func (m *Model) windowCell(c autoclaims.Candidate, now time.Time) string {
	win := c.Window
	switch win.State {
	case autoclaims.WindowNotYetOpen:
		return common.Pad("opens in "+common.Countdown(win.Opens.Sub(now)), 15)
	case autoclaims.WindowClosed:
		return m.Styles.Error.Render(common.Pad("closed", 15))
	case autoclaims.WindowOpen:
		left := win.Closes.Sub(now)
		if left < closingSoon {
			return m.Styles.Warning.Render(common.Pad("closes "+common.Countdown(left), 15))
		}
		return common.Pad("closes "+common.Countdown(left), 15)
	}
	if c.ShipDate.IsZero() {
		return m.Styles.Faint.Render(common.Pad("ship date?", 15))
	}
	return m.Styles.Faint.Render(common.Pad("no rule", 15))
}

// closingSoon is when a claim window turns to a warning.
const closingSoon = 7 * 24 * time.Hour

func (m *Model) viewDetail(w int) string {
	var b strings.Builder
	if id := m.list.Left; id != 0 {
		b.WriteString(m.Styles.Warning.Render(common.Truncate(fmt.Sprintf("claim %d left the list; its neighbour is selected", id), w)) + "\n")
	}
	c := m.Detail()
	if c == nil {
		if m.list.Empty() {
			return b.String() + m.Styles.Faint.Render("no claim selected: the list is empty (esc closes)")
		}
		return b.String() + m.Styles.Faint.Render("loading…")
	}
	b.WriteString(m.Styles.Heading.Render(common.Truncate(fmt.Sprintf("Claim %d · %s · %s", c.ID, c.Kind, c.State), w)) + "\n")
	b.WriteString(common.Truncate(fmt.Sprintf("parcel %s %s", c.Courier, c.TrackingNumber), w) + "\n")
	b.WriteString(common.Truncate(fmt.Sprintf("amount %s · paid %s", money.FormatOr(c.Amount, c.Currency, "none yet"), money.Format(c.PaidAmount, c.Currency)), w) + "\n")
	if !c.WindowCloses.IsZero() {
		b.WriteString(common.Truncate("window closes "+common.Stamp(c.WindowCloses), w) + "\n")
	}
	if c.ConfirmationNumber != "" {
		b.WriteString(m.Styles.Success.Render(common.Truncate("confirmation "+c.ConfirmationNumber+" · filed "+common.Stamp(c.FiledAt), w)) + "\n")
	}
	if c.Description != "" {
		b.WriteString(ansi.Wrap(c.Description, max(w, 1), "") + "\n")
	}
	b.WriteString(m.Styles.Heading.Render("Evidence"))
	switch {
	case m.evidence == nil:
		b.WriteString("\n" + m.Styles.Faint.Render("loading…"))
	case len(m.evidence) == 0:
		b.WriteString("\n" + m.Styles.Warning.Render("no evidence yet"))
	}
	for _, e := range m.evidence {
		what := e.Path
		if what == "" {
			what = common.OneLine(e.Note)
		}
		b.WriteString("\n" + common.Truncate(common.Pad(string(e.Kind), 18)+" "+what, w))
	}
	if c.State == localdb.ClaimDraft {
		b.WriteString("\n\n" + m.Styles.Faint.Render("f files this claim (asks first) · esc closes"))
	}
	return b.String()
}

// ShortHelp lists the main keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	if m.confirming != nil {
		return []key.Binding{k.Confirm, k.Deny}
	}
	if m.candidates {
		return []key.Binding{k.Up, k.Down, k.Candidates, k.Help}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.File, k.CycleState, k.Candidates, k.Filter, k.Help}
}

// FullHelp lists every key: navigation, actions, then quit and help.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	return [][]key.Binding{k.Navigation(), k.Actions(k.File, k.Confirm, k.Deny, k.CycleState, k.Candidates), k.QuitHelp()}
}
