// Package shipments is the dashboard's parcel table: tag and stalled
// filters, a detail pane with the event timeline, and re-tracking.
package shipments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
)

// ShipmentsLoadedMsg carries a window of the parcel table.
type ShipmentsLoadedMsg struct {
	Seq  int
	Page localdb.Page[localdb.Shipment]
	Err  error
}

// EventsLoadedMsg carries the timeline of one parcel.
type EventsLoadedMsg struct {
	ShipmentID int64
	Events     []localdb.TrackingEvent
	Err        error
}

// compactWidth is the table width below which the time columns are left
// out.
const compactWidth = 70

// Tags is the cycle of the tag filter; "" is every tag.
var Tags = []string{"", "Pending", "InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered",
	"AvailableForPickup", "Exception", "Expired"}

// Model is the shipments view.
type Model struct {
	common.Common

	list    common.List[localdb.Shipment]
	err     error
	tagIdx  int
	stalled bool

	filter common.Filter // by the start of the tracking number

	// open is set while the detail pane is shown; it always shows the
	// selected parcel, whose timeline is events (read for eventsID).
	open     bool
	eventsID int64
	events   []localdb.TrackingEvent

	// notices lists the proposed delay notices instead of the parcels (N).
	notices noticeList
}

// New returns the shipments view.
func New(c common.Common) *Model {
	m := &Model{Common: c, filter: common.NewFilter("tracking number starts with: ")}
	m.list.Key = func(s localdb.Shipment) int64 { return s.ID }
	return m
}

// Title names the view.
func (m *Model) Title() string { return "Shipments" }

// Capturing reports whether the filter input has the focus.
func (m *Model) Capturing() bool { return m.filter.Typing || m.notices.sending != nil }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.Common.SetSize(w, h)
	m.list.SetHeight(h - 2)
	m.filter.Input.Width = max(w-32, 10)
}

// Init loads the first window.
func (m *Model) Init() tea.Cmd { return m.loadWindowCmd() }

// Reload reads the visible parcels (and the open timeline) again.
func (m *Model) Reload() tea.Cmd {
	m.list.Invalidate()
	cmds := []tea.Cmd{m.loadWindowCmd()}
	if m.open && m.eventsID != 0 {
		cmds = append(cmds, loadEventsCmd(m.DB, m.eventsID))
	}
	if m.notices.on {
		cmds = append(cmds, m.loadNoticesCmd())
	}
	return tea.Batch(cmds...)
}

// followCmd reads the timeline of the selected parcel when the pane is
// open and shows another one, so that the pane never shows a parcel other
// than the one the keys act on.
func (m *Model) followCmd() tea.Cmd {
	if !m.open {
		return nil
	}
	id := m.list.SelectedID()
	if id == m.eventsID {
		return nil
	}
	m.eventsID, m.events = id, nil
	if id == 0 {
		return nil
	}
	return loadEventsCmd(m.DB, id)
}

// windowCmd reads the rows the list still needs and follows the selection.
func (m *Model) windowCmd() tea.Cmd {
	return tea.Batch(m.loadWindowCmd(), m.followCmd())
}

func (m *Model) loadWindowCmd() tea.Cmd {
	return m.list.Request(func(seq, offset, limit int) tea.Cmd {
		q := localdb.ShipmentFilter{Search: m.filter.Text, Offset: offset, Limit: limit}
		if tag := Tags[m.tagIdx]; tag != "" {
			q.Tags = []string{tag}
		}
		if m.stalled {
			rule := m.StallRule()
			q.Stalled = &rule
		}
		return loadShipmentsCmd(m.DB, seq, q)
	})
}

func loadShipmentsCmd(db *localdb.DB, seq int, q localdb.ShipmentFilter) tea.Cmd {
	return func() tea.Msg {
		p, err := db.PageShipments(context.Background(), q)
		return ShipmentsLoadedMsg{Seq: seq, Page: p, Err: err}
	}
}

func loadEventsCmd(db *localdb.DB, id int64) tea.Cmd {
	return func() tea.Msg {
		ev, err := db.ShipmentEvents(context.Background(), id)
		return EventsLoadedMsg{ShipmentID: id, Events: ev, Err: err}
	}
}

// Update handles loaded data and keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if cmd, ok := m.noticesUpdate(msg); ok {
		return m, cmd
	}
	switch msg := msg.(type) {
	case ShipmentsLoadedMsg:
		if m.list.PageLoaded(m.Logger, "shipments: load", &m.err, msg.Seq, msg.Page, msg.Err) {
			return m, m.windowCmd()
		}
	case EventsLoadedMsg:
		if !m.open || msg.ShipmentID != m.eventsID {
			return m, nil
		}
		if msg.Err != nil {
			return m, common.StatusCmd(common.LevelError, fmt.Sprintf("timeline of shipment %d: %v", msg.ShipmentID, msg.Err))
		}
		m.events = msg.Events
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	default:
		return m, m.filter.Update(msg)
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.Keys
	if m.filter.Typing {
		applied, cmd := m.filter.Key(msg)
		if applied {
			return m.refilter()
		}
		return cmd
	}
	if m.notices.on {
		return m.noticesKey(msg)
	}
	if m.list.Navigate(msg, k) {
		return m.windowCmd()
	}
	switch {
	case key.Matches(msg, k.Notices):
		m.notices.on = true
		return m.loadNoticesCmd()
	case key.Matches(msg, k.Open):
		if _, ok := m.list.Selected(); ok {
			m.open, m.eventsID = true, 0
			return m.followCmd()
		}
	case key.Matches(msg, k.Back):
		if m.open {
			m.open, m.eventsID, m.events = false, 0, nil
			return nil
		}
		if m.filter.Clear() {
			return m.refilter()
		}
	case key.Matches(msg, k.CycleTag):
		m.tagIdx = (m.tagIdx + 1) % len(Tags)
		return m.refilter()
	case key.Matches(msg, k.Stalled):
		m.stalled = !m.stalled
		return m.refilter()
	case key.Matches(msg, k.Filter):
		return m.filter.Start()
	case key.Matches(msg, k.Retrack):
		// The selected parcel, which the pane shows when it is open.
		s, ok := m.list.Selected()
		if !ok {
			return common.StatusCmd(common.LevelWarning, "no parcel selected yet; nothing re-tracked")
		}
		actions, id := m.Actions, s.ID
		return common.RequestCountedJobCmd("re-track "+s.TrackingNumber, 1, func(ctx context.Context) (<-chan common.Progress, error) {
			return actions.TrackShipments(ctx, []int64{id})
		})
	}
	return m.windowCmd()
}

func (m *Model) refilter() tea.Cmd {
	m.list.Reset()
	return m.windowCmd()
}

// Rows returns the loaded parcels and the total that pass the filters.
func (m *Model) Rows() ([]localdb.Shipment, int) { return m.list.Rows, m.list.Total }

// Detail returns the parcel in the detail pane, if it is open: always the
// selected parcel.
func (m *Model) Detail() *localdb.Shipment {
	if !m.open {
		return nil
	}
	if s, ok := m.list.Selected(); ok {
		return &s
	}
	return nil
}

// SelectedID is the id of the selected parcel, 0 when none is.
func (m *Model) SelectedID() int64 { return m.list.SelectedID() }

// View draws the table and, when a parcel is open, its timeline.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	if m.notices.on {
		return common.Fit(m.viewNotices(m.Width), m.Width, m.Height)
	}
	if !m.open {
		return common.Fit(m.viewTable(m.Width), m.Width, m.Height)
	}
	if m.Width < common.SplitWidth {
		return common.Fit(m.viewDetail(m.Width), m.Width, m.Height)
	}
	return common.Split(m.Styles, m.Width, m.Height, m.viewTable, m.viewDetail)
}

func (m *Model) viewTable(w int) string {
	var b strings.Builder
	if m.filter.Typing {
		b.WriteString(m.filter.Input.View())
	} else {
		tag := "all"
		if Tags[m.tagIdx] != "" {
			tag = Tags[m.tagIdx]
		}
		stalled := "off"
		if m.stalled {
			stalled = "on (" + m.StallText() + ")"
		}
		line := fmt.Sprintf("tag:%s  stalled:%s  %s", tag, stalled, m.list.Count("parcels"))
		if m.filter.Text != "" {
			line += fmt.Sprintf("  number:%s*", m.filter.Text)
		}
		b.WriteString(m.Styles.Faint.Render(line))
		if id := m.list.Left; id != 0 && !m.open {
			b.WriteString(m.Styles.Warning.Render(fmt.Sprintf("  parcel %d left the list", id)))
		}
	}
	b.WriteString("\n")
	// Narrow (beside the detail pane) the table drops its two time
	// columns. Tracking numbers are never cut: the column is as wide as
	// the widest on screen.
	compact := w < compactWidth
	var nums []string
	for _, s := range m.list.VisibleRows() {
		nums = append(nums, s.TrackingNumber)
	}
	cols := []common.Column{
		{Title: "CARR", Min: 4, Pref: 6},
		{Title: "TRACKING", Min: common.WidestOf(8, nums...), Pref: 22, Keep: true},
		{Title: "STATUS", Min: 11, Pref: 15},
	}
	if !compact {
		cols = append(cols, common.Column{Title: "LAST EVT", Min: 8, Pref: 9}, common.Column{Title: "CHECKED", Min: 8, Pref: 9})
	}
	ws := common.Widths(cols, w-2)
	b.WriteString(m.Styles.Heading.Render(common.Pad("  "+common.Heading(cols, ws), w)))
	now := m.Now()
	b.WriteString(m.list.Body(m.Styles, w, m.err, "No parcels match. Press t or s to change the filters.", func(s localdb.Shipment) string {
		status := s.Tag
		switch {
		case s.ErrorClass != "":
			status = m.Styles.Error.Render("! " + s.ErrorClass)
		case s.Tag == "Exception" || s.Tag == "AttemptFail" || s.Tag == "Expired":
			status = m.Styles.Warning.Render(status)
		case s.Tag == localdb.TagDelivered:
			status = m.Styles.Success.Render(status)
		}
		values := []string{s.Courier, s.TrackingNumber, status}
		if !compact {
			values = append(values, common.Ago(lastActivity(s), now), common.Ago(s.CheckedAt, now))
		}
		return common.Cells(cols, ws, values)
	}))
	return b.String()
}

func lastActivity(s localdb.Shipment) time.Time {
	switch {
	case !s.LastEventAt.IsZero():
		return s.LastEventAt
	case !s.ShipDate.IsZero():
		return s.ShipDate
	}
	return s.CreatedAt
}

func (m *Model) viewDetail(w int) string {
	var b strings.Builder
	if id := m.list.Left; id != 0 {
		b.WriteString(m.Styles.Warning.Render(common.Truncate(fmt.Sprintf("parcel %d left the list; its neighbour is selected", id), w)) + "\n")
	}
	s := m.Detail()
	if s == nil {
		if m.list.Empty() {
			return b.String() + m.Styles.Faint.Render("no parcel selected: the list is empty (esc closes)")
		}
		return b.String() + m.Styles.Faint.Render("loading…")
	}
	b.WriteString(m.Styles.Heading.Render(common.Truncate(s.Courier+" "+s.TrackingNumber, w)) + "\n")
	status := s.Tag
	if s.Subtag != "" {
		status += " (" + s.Subtag + ")"
	}
	b.WriteString(common.Truncate(fmt.Sprintf("%s · checked %s via %s", status, common.Ago(s.CheckedAt, m.Now()), common.Or(string(s.Source), "-")), w) + "\n")
	if s.ErrorClass != "" {
		b.WriteString(m.Styles.Error.Render(common.Truncate("last lookup failed: "+s.ErrorClass+" (r re-tracks)", w)) + "\n")
	}
	if !s.EstimatedDelivery.IsZero() {
		b.WriteString(common.Truncate("estimated delivery "+common.Stamp(s.EstimatedDelivery), w) + "\n")
	}
	b.WriteString(m.Styles.Heading.Render("Timeline") + m.Styles.Faint.Render("  (r re-tracks · esc closes)"))
	if m.events == nil {
		b.WriteString("\n" + m.Styles.Faint.Render("loading…"))
	} else if len(m.events) == 0 {
		b.WriteString("\n" + m.Styles.Faint.Render("no events yet"))
	}
	for _, e := range m.events {
		line := common.Stamp(e.Time) + "  " + common.Pad(e.Tag, 14) + " " + common.OneLine(e.Description)
		if e.Location != "" {
			line += " · " + e.Location
		}
		b.WriteString("\n" + common.Truncate(line, w))
	}
	return b.String()
}

// ShortHelp lists the main keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	if m.notices.on {
		return []key.Binding{k.Up, k.Down, k.Mark, k.SendNotices, k.SkipNotices, k.Back, k.Help}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.CycleTag, k.Stalled, k.Retrack, k.Notices, k.Help}
}

// FullHelp lists every key: navigation, actions, then quit and help.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	return [][]key.Binding{k.Navigation(), k.Actions(k.CycleTag, k.Stalled, k.Retrack, k.Notices, k.Mark, k.SendNotices, k.SkipNotices), k.QuitHelp()}
}
