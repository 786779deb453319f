// Package insights is the dashboard's Insights view: the SLA per store
// against its marketplace's target, the first-response distribution as a
// bar chart, the contact reasons week by week as sparklines, the worst SKUs
// and carriers, and the alerts; enter lists the threads or parcels behind
// the selected row. The figures are automations/insights', the ones the
// insights command and the morning report print.
package insights

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/NimbleMarkets/ntcharts/barchart"
	"github.com/NimbleMarkets/ntcharts/sparkline"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	autoinsights "github.com/sellerops/sellerops/automations/insights"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/common"
)

// SectionLoadedMsg carries the insights read from the database.
type SectionLoadedMsg struct {
	Section *autoinsights.Section
	Err     error
}

// BehindLoadedMsg carries the threads or parcels behind a row.
type BehindLoadedMsg struct {
	Key   string
	Lines []string
	Err   error
}

// reloadAfter is how old the figures must be before a refresh reads them
// again: they cover 30 days, and reading them costs seconds on a large
// database.
const reloadAfter = time.Minute

// behindLimit caps the threads or parcels listed behind a row.
const behindLimit = 200

// row is one selectable line: a store, a SKU, a carrier or an alert.
type row struct {
	key  string // kind + ":" + group, the selection's id
	kind string
	text string
}

// Model is the Insights view.
type Model struct {
	common.Common
	data     *autoinsights.Section
	err      error
	loading  bool
	loadedAt time.Time
	selected string // the selected row's key
	behind   *behind
	scroll   int
}

// behind is the list shown after enter.
type behind struct {
	key    string
	title  string
	lines  []string
	err    error
	scroll int
}

// New returns the view. It reads nothing until it is first shown.
func New(c common.Common) *Model { return &Model{Common: c} }

// Title names the view.
func (m *Model) Title() string { return "Insights" }

// Capturing is always false: the view has no text input.
func (m *Model) Capturing() bool { return false }

// Data returns the figures last read, if any.
func (m *Model) Data() *autoinsights.Section { return m.data }

// Init reads nothing: the figures cost seconds on a large database, so
// they are read when the view is first shown (Activated).
func (m *Model) Init() tea.Cmd { return nil }

// Activated reads the figures the first time the view is shown.
func (m *Model) Activated() tea.Cmd {
	if m.data == nil && !m.loading {
		return m.load()
	}
	return nil
}

// Reload reads the figures again once they are reloadAfter old, and only
// once they have been shown.
func (m *Model) Reload() tea.Cmd {
	if m.loading || m.loadedAt.IsZero() || m.Now().Sub(m.loadedAt) < reloadAfter {
		return nil
	}
	return m.load()
}

func (m *Model) load() tea.Cmd {
	m.loading = true
	return loadSectionCmd(m.DB, m.Now())
}

func loadSectionCmd(db *localdb.DB, now time.Time) tea.Cmd {
	return func() tea.Msg {
		s, err := autoinsights.LoadSection(context.Background(), db, now)
		return SectionLoadedMsg{Section: s, Err: err}
	}
}

// Update handles the loaded figures, the rows behind a row, and keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case SectionLoadedMsg:
		m.loading = false
		if msg.Err != nil {
			m.err = msg.Err
			m.Logger.Error("insights: load", "err", msg.Err)
			return m, nil
		}
		m.data, m.err, m.loadedAt = msg.Section, nil, m.Now()
		m.keepSelection()
	case BehindLoadedMsg:
		if m.behind != nil && m.behind.key == msg.Key {
			m.behind.lines, m.behind.err = msg.Lines, msg.Err
		}
	case tea.KeyMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyMsg) tea.Cmd {
	k := m.Keys
	if m.behind != nil {
		switch {
		case key.Matches(msg, k.Back):
			m.behind = nil
		case key.Matches(msg, k.Up):
			m.behind.scroll = max(m.behind.scroll-1, 0)
		case key.Matches(msg, k.Down):
			m.behind.scroll++
		}
		return nil
	}
	rows := m.rows()
	at := m.index(rows)
	switch {
	case key.Matches(msg, k.Up):
		if at > 0 {
			m.selected = rows[at-1].key
		}
	case key.Matches(msg, k.Down):
		if at+1 < len(rows) {
			m.selected = rows[at+1].key
		}
	case key.Matches(msg, k.Top):
		if len(rows) > 0 {
			m.selected = rows[0].key
		}
	case key.Matches(msg, k.Bottom):
		if len(rows) > 0 {
			m.selected = rows[len(rows)-1].key
		}
	case key.Matches(msg, k.Open):
		if at >= 0 {
			return m.open(rows[at])
		}
	}
	return nil
}

// index is the selected row's place in rows, -1 when none.
func (m *Model) index(rows []row) int {
	for i, r := range rows {
		if r.key == m.selected {
			return i
		}
	}
	return -1
}

// keepSelection keeps the selected row by its id across a reload; when it
// has gone, the first row is selected.
func (m *Model) keepSelection() {
	rows := m.rows()
	if m.index(rows) < 0 {
		m.selected = ""
		if len(rows) > 0 {
			m.selected = rows[0].key
		}
	}
}

// rows are the selectable lines, in the order they are drawn.
func (m *Model) rows() []row {
	if m.data == nil {
		return nil
	}
	var out []row
	for _, s := range m.data.Stores {
		out = append(out, row{key: "store:" + s.Store, kind: "store", text: s.Store})
	}
	for _, s := range m.data.SKUs {
		out = append(out, row{key: "sku:" + s.SKU, kind: "sku", text: s.SKU})
	}
	for _, c := range m.data.Carriers {
		out = append(out, row{key: "carrier:" + c.Group, kind: "carrier", text: c.Group})
	}
	for i, a := range m.data.Alerts {
		out = append(out, row{key: fmt.Sprintf("alert:%d:%s:%s:%s", i, a.Kind, a.Group, a.Reason), kind: "alert", text: a.Group})
	}
	return out
}

// open lists what is behind a row: a store's threads of the window, a
// SKU's damage and where-is-my-order messages, a carrier's parcels (lost
// and damaged first), an alert's messages.
func (m *Model) open(r row) tea.Cmd {
	d := m.data
	b := &behind{key: r.key}
	m.behind = b
	q := localdb.ContactQuery{From: d.Since, By: localdb.ByStore}
	switch r.kind {
	case "store":
		b.title = "Buyer messages of " + r.text + " since " + d.Since.Format("2006-01-02")
	case "sku":
		b.title = "Damage and where-is-my-order messages about " + r.text
		q.By = localdb.BySKU
	case "carrier":
		b.title = "Parcels of " + r.text + " first scanned since " + d.Since.Format("2006-01-02") + ", lost and damaged first"
		return behindParcelsCmd(m.DB, r.key, localdb.DeliveryQuery{Since: d.Since, By: localdb.ByCarrier}, r.text)
	case "alert":
		for i, a := range d.Alerts {
			if r.key == fmt.Sprintf("alert:%d:%s:%s:%s", i, a.Kind, a.Group, a.Reason) {
				b.title = fmt.Sprintf("The %d %s messages behind the %s %s spike", a.Messages, a.Reason, a.Kind, a.Group)
				b.lines = messageLines(a.Behind)
			}
		}
		return nil
	}
	var reasons []string
	if r.kind == "sku" {
		reasons = []string{messages.ReasonDamaged, messages.ReasonWhereIsOrder}
	}
	return behindMessagesCmd(m.DB, r.key, q, r.text, reasons)
}

func behindMessagesCmd(db *localdb.DB, key string, q localdb.ContactQuery, group string, reasons []string) tea.Cmd {
	return func() tea.Msg {
		list, err := db.ContactMessages(context.Background(), q, group, reasons, behindLimit)
		return BehindLoadedMsg{Key: key, Lines: messageLines(list), Err: err}
	}
}

func behindParcelsCmd(db *localdb.DB, key string, q localdb.DeliveryQuery, group string) tea.Cmd {
	return func() tea.Msg {
		list, err := db.GroupParcels(context.Background(), q, group, behindLimit)
		lines := make([]string, 0, len(list))
		for _, p := range list {
			state := p.Tag
			switch {
			case p.Lost:
				state = "lost"
			case p.Damaged:
				state = "damaged"
			}
			delivered := "not delivered"
			if !p.DeliveredAt.IsZero() {
				delivered = fmt.Sprintf("delivered after %.0fh", p.DeliveredAt.Sub(p.FirstScan).Hours())
			}
			lines = append(lines, fmt.Sprintf("%-22s %-9s first scan %s  %s", p.TrackingNumber, state, common.Stamp(p.FirstScan), delivered))
		}
		return BehindLoadedMsg{Key: key, Lines: lines, Err: err}
	}
}

func messageLines(list []localdb.ContactMessage) []string {
	lines := make([]string, 0, len(list))
	for _, c := range list {
		lines = append(lines, fmt.Sprintf("%s  %-12s thread %-6d %-18s %s", common.Stamp(c.SentAt), common.Truncate(c.Store, 12),
			c.ThreadID, c.Reason, common.OneLine(c.Body)))
	}
	return lines
}

// View draws the view.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	if m.err != nil {
		return common.Fit(m.Styles.Error.Render("error: "+m.err.Error()), m.Width, m.Height)
	}
	if m.data == nil {
		return common.Fit(m.Styles.Faint.Render("reading the insights of the last 30 days…"), m.Width, m.Height)
	}
	if m.behind != nil {
		return m.behindView()
	}
	lines, at := m.render()
	// Keep the selected row in sight.
	if at >= 0 {
		if at < m.scroll {
			m.scroll = at
		}
		if at >= m.scroll+m.Height {
			m.scroll = at - m.Height + 1
		}
	}
	m.scroll = min(m.scroll, max(len(lines)-m.Height, 0))
	return common.Fit(strings.Join(lines[m.scroll:], "\n"), m.Width, m.Height)
}

func (m *Model) behindView() string {
	b, s := m.behind, m.Styles
	out := []string{s.Heading.Render(common.Truncate(b.title, m.Width))}
	switch {
	case b.err != nil:
		out = append(out, s.Error.Render("error: "+b.err.Error()))
	case b.lines == nil:
		out = append(out, s.Faint.Render("reading…"))
	case len(b.lines) == 0:
		out = append(out, s.Faint.Render("nothing in the window"))
	default:
		b.scroll = min(b.scroll, max(len(b.lines)-(m.Height-1), 0))
		for _, l := range b.lines[b.scroll:] {
			out = append(out, common.Truncate(l, m.Width))
		}
	}
	return common.Fit(strings.Join(out, "\n"), m.Width, m.Height)
}

// render draws every section; at is the line of the selected row.
func (m *Model) render() (lines []string, at int) {
	d, s, w := m.data, m.Styles, m.Width
	at = -1
	add := func(l string) { lines = append(lines, common.Truncate(l, w)) }
	pick := func(key, text string) {
		if key == m.selected {
			at = len(lines)
			add(s.Selected.Render(common.Pad("> "+text, w)))
			return
		}
		add("  " + text)
	}
	add(s.Heading.Render(fmt.Sprintf("SLA by store since %s: answered in time of due, against the marketplace's target", d.Since.Format("2006-01-02"))))
	add(s.Faint.Render("  " + common.Pad("STORE", 16) + " " + common.Pad("MARKET", 9) + " " + common.PadLeft("MET/DUE", 9) + " " +
		common.PadLeft("SHARE", 6) + " " + common.PadLeft("TARGET", 6)))
	if len(d.Stores) == 0 {
		add(s.Faint.Render("  no stores yet"))
	}
	for _, st := range d.Stores {
		share, target, verdict := "-", "-", ""
		if v, ok := st.Share(); ok {
			share = fmt.Sprintf("%.0f%%", v*100)
			if st.Target != nil {
				verdict = "  meets"
				if v < *st.Target {
					verdict = "  below target"
				}
			}
		}
		if st.Target != nil {
			target = fmt.Sprintf("%.0f%%", *st.Target*100)
		}
		pick("store:"+st.Store, common.Pad(st.Store, 16)+" "+common.Pad(st.Marketplace, 9)+" "+
			common.PadLeft(fmt.Sprintf("%d/%d", st.Met, st.Due), 9)+" "+common.PadLeft(share, 6)+" "+common.PadLeft(target, 6)+verdict)
	}
	add("")
	add(s.Heading.Render("First response time, threads of the last 30 days"))
	lines = append(lines, m.frtChart()...)
	add("")
	add(s.Heading.Render(fmt.Sprintf("Contact reasons, last %d weeks (oldest left)", autoinsights.DashboardWeeks)))
	for _, r := range messages.Reasons {
		line := d.Weekly[r]
		total := 0.0
		for _, v := range line {
			total += v
		}
		add("  " + common.Pad(r, 19) + " " + spark(line) + " " + common.PadLeft(fmt.Sprintf("%.0f", total), 5))
	}
	add("")
	add(s.Heading.Render("Worst SKUs: damage and where-is-my-order contacts"))
	if len(d.SKUs) == 0 {
		add(s.Faint.Render("  none"))
	}
	for _, k := range d.SKUs {
		pick("sku:"+k.SKU, common.Pad(k.SKU, 16)+fmt.Sprintf(" damaged %3d  where is my order %3d  of %d contacts, %d orders", k.Damaged, k.WISMO, k.Contacts, k.Orders))
	}
	add("")
	add(s.Heading.Render("Worst carriers: lost and damaged per 1,000 parcels, on time"))
	if len(d.Carriers) == 0 {
		add(s.Faint.Render("  no parcels scanned in the window"))
	}
	for _, c := range d.Carriers {
		onTime := "-"
		if c.Estimated > 0 {
			onTime = fmt.Sprintf("%.0f%%", c.OnTimeRate*100)
		}
		transit := "-"
		if c.TransitValues > 0 {
			transit = fmt.Sprintf("%.0fh", c.TransitP50Hours)
		}
		pick("carrier:"+c.Group, common.Pad(c.Group, 10)+fmt.Sprintf(" %6d parcels  lost %6.1f  damaged %6.1f  on time %4s  transit p50 %s",
			c.Parcels, c.LostPer1000, c.DamagedPer1000, onTime, transit))
	}
	add("")
	add(s.Heading.Render("Alerts: damage or where-is-my-order at more than twice the rate of the 4 weeks before"))
	if len(d.Alerts) == 0 {
		add(s.Faint.Render("  none"))
	}
	for i, a := range d.Alerts {
		pick(fmt.Sprintf("alert:%d:%s:%s:%s", i, a.Kind, a.Group, a.Reason), s.Warning.Render(fmt.Sprintf("%s %s: %d %s contacts in 7 days, %.2f a day against %.2f",
			a.Kind, a.Group, a.RecentContacts, a.Reason, a.RecentPerDay, a.PreviousPerDay)))
	}
	return lines, at
}

// frtChart draws the five buckets as horizontal bars with ntcharts.
func (m *Model) frtChart() []string {
	d := m.data
	var data []barchart.BarData
	total := 0
	for _, b := range localdb.FRTBuckets {
		n := d.Buckets[b]
		total += n
		data = append(data, barchart.BarData{Label: fmt.Sprintf("%-5s %5d", b, n),
			Values: []barchart.BarValue{{Name: b, Value: float64(n), Style: m.Styles.Primary}}})
	}
	if total == 0 {
		return []string{m.Styles.Faint.Render("  no seller reply in the window")}
	}
	w := min(max(m.Width-4, 20), 72)
	h := len(data)
	bc := barchart.New(w, h, barchart.WithHorizontalBars(), barchart.WithBarGap(0), barchart.WithDataSet(data))
	// Push does not move the axis past the labels; Resize lays the chart
	// out again with them.
	bc.Resize(w, h)
	bc.Draw()
	var out []string
	for _, l := range strings.Split(bc.View(), "\n") {
		out = append(out, "  "+l)
	}
	return out
}

// spark draws one reason's weeks as a one-line ntcharts sparkline.
func spark(values []float64) string {
	sl := sparkline.New(len(values), 1)
	sl.PushAll(values)
	sl.Draw()
	return sl.View()
}

// ShortHelp lists the view's keys.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	if m.behind != nil {
		return []key.Binding{k.Up, k.Down, k.Back, k.Help, k.Quit}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.NextView, k.Refresh, k.Help, k.Quit}
}

// FullHelp groups the view's keys.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	nav := append([]key.Binding{k.Up, k.Down, k.Top, k.Bottom, k.Open, k.Back, k.NextView, k.PrevView}, k.Views[:]...)
	return [][]key.Binding{nav, {k.Refresh}, {k.Quit}, {k.Help}}
}
