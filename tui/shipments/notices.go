package shipments

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/tui/common"
)

// NoticesLoadedMsg carries the proposed delay notices, as `sellerops
// notices list` proposes them.
type NoticesLoadedMsg struct {
	Seq   int
	Props []notices.Proposal
	Err   error
}

// NoticesSkippedMsg reports a skip the operator confirmed.
type NoticesSkippedMsg struct {
	Keys []string
	Err  error
}

// noticeList is the shipments view's list of proposed delay notices: the
// parcels that stalled, passed their estimate or met an exception before
// their buyer wrote. Rows are held by the notice's key, so the selection
// and the marks stay on the same notices when the list is read again.
type noticeList struct {
	on      bool
	seq     int
	loaded  bool
	err     error
	props   []notices.Proposal
	sel     string // the selected notice's key
	marks   []string
	marked  map[string]bool
	sending []notices.Proposal // the confirmation asks about these
	action  string             // "send" or "skip", while asking
}

func (n *noticeList) index() int {
	for i, p := range n.props {
		if p.Key == n.sel {
			return i
		}
	}
	return -1
}

func (n *noticeList) selected() (notices.Proposal, bool) {
	if i := n.index(); i >= 0 {
		return n.props[i], true
	}
	return notices.Proposal{}, false
}

func (n *noticeList) set(props []notices.Proposal) {
	old := n.index()
	n.props, n.loaded = props, true
	// A marked notice that left the list is unmarked: should it be
	// proposed again later, it is not marked without the operator.
	keep := n.marks[:0]
	for _, k := range n.marks {
		if n.has(k) {
			keep = append(keep, k)
		} else {
			delete(n.marked, k)
		}
	}
	n.marks = keep
	if n.index() >= 0 {
		return
	}
	// The selected notice left the list: its neighbour is selected.
	n.sel = ""
	if len(props) > 0 {
		n.sel = props[min(max(old, 0), len(props)-1)].Key
	}
}

func (n *noticeList) has(k string) bool {
	for _, p := range n.props {
		if p.Key == k {
			return true
		}
	}
	return false
}

func (n *noticeList) move(d int) {
	if len(n.props) == 0 {
		return
	}
	i := min(max(n.index()+d, 0), len(n.props)-1)
	n.sel = n.props[i].Key
}

func (n *noticeList) toggle() {
	if n.sel == "" {
		return
	}
	if n.marked == nil {
		n.marked = map[string]bool{}
	}
	if n.marked[n.sel] {
		delete(n.marked, n.sel)
		for i, k := range n.marks {
			if k == n.sel {
				n.marks = append(n.marks[:i:i], n.marks[i+1:]...)
				break
			}
		}
		return
	}
	n.marked[n.sel] = true
	n.marks = append(n.marks, n.sel)
}

// picked is what an action acts on: the marked notices in the order they
// were marked, else the selected one.
func (n *noticeList) picked() []notices.Proposal {
	var out []notices.Proposal
	for _, k := range n.marks {
		for _, p := range n.props {
			if p.Key == k {
				out = append(out, p)
			}
		}
	}
	if len(out) == 0 {
		if p, ok := n.selected(); ok {
			out = append(out, p)
		}
	}
	return out
}

func (m *Model) loadNoticesCmd() tea.Cmd {
	m.notices.seq++
	seq, propose, now := m.notices.seq, m.Notices, m.Now()
	if propose == nil {
		return func() tea.Msg { return NoticesLoadedMsg{Seq: seq, Err: common.ErrNotAvailable} }
	}
	return func() tea.Msg {
		props, err := propose(context.Background(), now)
		return NoticesLoadedMsg{Seq: seq, Props: props, Err: err}
	}
}

// NoticesShown reports whether the view lists the delay notices.
func (m *Model) NoticesShown() bool { return m.notices.on }

// NoticesAsking returns the notices the confirmation asks about, and
// whether it asks to send or to skip them.
func (m *Model) NoticesAsking() ([]notices.Proposal, string) {
	return m.notices.sending, m.notices.action
}

// SelectedNotice returns the key of the selected delay notice.
func (m *Model) SelectedNotice() string { return m.notices.sel }

func (m *Model) noticesUpdate(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case NoticesLoadedMsg:
		if msg.Seq != m.notices.seq {
			return nil, true
		}
		m.notices.err = msg.Err
		if msg.Err == nil {
			m.notices.set(msg.Props)
		}
		return nil, true
	case NoticesSkippedMsg:
		if msg.Err != nil {
			return common.StatusCmd(common.LevelError, fmt.Sprintf("skip notices: %v", msg.Err)), true
		}
		return tea.Batch(m.loadNoticesCmd(), common.StatusCmd(common.LevelInfo, noticesCount(len(msg.Keys))+" skipped; not proposed again")), true
	}
	return nil, false
}

func (m *Model) noticesKey(msg tea.KeyMsg) tea.Cmd {
	k, n := m.Keys, &m.notices
	if n.sending != nil {
		switch {
		case key.Matches(msg, k.Confirm):
			picked, action := n.sending, n.action
			n.sending, n.action = nil, ""
			keys := make([]string, len(picked))
			for i, p := range picked {
				keys[i] = p.Key
			}
			n.marks, n.marked = nil, nil
			actions := m.Actions
			if action == "skip" {
				return func() tea.Msg {
					return NoticesSkippedMsg{Keys: keys, Err: actions.SkipNotices(context.Background(), keys)}
				}
			}
			return common.RequestCountedJobCmd("send "+noticesCount(len(keys)), len(keys),
				func(ctx context.Context) (<-chan common.Progress, error) { return actions.SendNotices(ctx, keys) })
		case key.Matches(msg, k.Deny):
			n.sending, n.action = nil, ""
			return common.StatusCmd(common.LevelInfo, "nothing sent or skipped")
		}
		return nil
	}
	switch {
	case key.Matches(msg, k.Up):
		n.move(-1)
	case key.Matches(msg, k.Down):
		n.move(1)
	case key.Matches(msg, k.PageUp):
		n.move(-max(m.Height-4, 1))
	case key.Matches(msg, k.PageDown):
		n.move(max(m.Height-4, 1))
	case key.Matches(msg, k.Top):
		n.move(-len(n.props))
	case key.Matches(msg, k.Bottom):
		n.move(len(n.props))
	case key.Matches(msg, k.Mark):
		n.toggle()
	case key.Matches(msg, k.SendNotices), key.Matches(msg, k.SkipNotices):
		picked := n.picked()
		if len(picked) == 0 {
			return common.StatusCmd(common.LevelWarning, "no delay notice selected; nothing to do")
		}
		if key.Matches(msg, k.SendNotices) {
			for _, p := range picked {
				if p.Problem != "" {
					return common.StatusCmd(common.LevelError, fmt.Sprintf("parcel %s: %s; nothing sent", p.TrackingNumber, p.Problem))
				}
			}
			n.action = "send"
		} else {
			n.action = "skip"
		}
		n.sending = picked
	case key.Matches(msg, k.Refresh):
		return m.loadNoticesCmd()
	case key.Matches(msg, k.Back), key.Matches(msg, k.Notices):
		n.on = false
		return m.windowCmd()
	}
	return nil
}

// noticeColumns are the notice list's columns: the parcel number is never
// cut, the buyer and the reason get the room.
var noticeColumns = []common.Column{
	{Min: 1, Pref: 1, Keep: true},
	{Title: "PARCEL", Min: 12, Pref: 22, Keep: true},
	{Title: "STORE", Min: 6, Pref: 14},
	{Title: "BUYER", Min: 6, Pref: 20, Weight: 1},
	{Title: "LANG", Min: 4, Pref: 4, Keep: true},
	{Title: "WHY", Min: 8, Pref: 60, Weight: 2},
}

func (m *Model) viewNotices(w int) string {
	n := &m.notices
	var b strings.Builder
	if n.sending != nil {
		verb := "Send"
		if n.action == "skip" {
			verb = "Skip (never propose again)"
		}
		fmt.Fprintf(&b, "%s %s?\n\n", verb, noticesCount(len(n.sending)))
		for _, p := range n.sending {
			b.WriteString(common.Truncate(fmt.Sprintf("  %s %s → %s (%s, %s) · %s", p.Courier, p.TrackingNumber, common.Or(p.Buyer, "buyer"),
				p.Store, p.Language, p.Why), w) + "\n")
		}
		b.WriteString("\n" + m.Styles.Help.Render("y confirm · n/esc cancel"))
		return b.String()
	}
	head := fmt.Sprintf("Delay notices: %d proposed · space marks · S sends · X skips · esc back", len(n.props))
	b.WriteString(m.Styles.Heading.Render(common.Truncate(head, w)) + "\n")
	switch {
	case n.err != nil:
		return b.String() + m.Styles.Error.Render(common.Truncate("cannot read the notices: "+n.err.Error(), w))
	case !n.loaded:
		return b.String() + m.Styles.Faint.Render("loading…")
	case len(n.props) == 0:
		return b.String() + m.Styles.Faint.Render(common.Truncate("none: no open parcel has stalled, passed its estimate or met an exception without its buyer writing", w))
	}
	ws := common.Widths(noticeColumns, w)
	b.WriteString(m.Styles.Faint.Render(common.Cells(noticeColumns, ws, []string{"", "PARCEL", "STORE", "BUYER", "LANG", "WHY"})) + "\n")
	for _, p := range n.props {
		mark := " "
		if n.marked[p.Key] {
			mark = "*"
		}
		why := p.Why
		if p.Problem != "" {
			why = "cannot be written: " + p.Problem
		} else if p.State != "" && p.State != "proposed" {
			why = p.State + " · " + why
		}
		row := common.Cells(noticeColumns, ws, []string{mark, p.TrackingNumber, p.Store, common.Or(p.Buyer, "-"), p.Language, common.OneLine(why)})
		if p.Key == n.sel {
			row = m.Styles.Selected.Render(common.Fit(row, w, 1))
		}
		b.WriteString(row + "\n")
	}
	if p, ok := n.selected(); ok && p.Body != "" {
		b.WriteString("\n" + m.Styles.Faint.Render(common.Truncate("to "+common.Or(p.Buyer, "the buyer")+" in "+p.Language+":", w)) + "\n")
		for _, line := range strings.Split(p.Body, "\n") {
			b.WriteString(common.Truncate(line, w) + "\n")
		}
	}
	return b.String()
}

// noticesCount says how many delay notices: "this delay notice" or "3
// delay notices".
func noticesCount(n int) string {
	if n == 1 {
		return "this delay notice"
	}
	return fmt.Sprintf("these %d delay notices", n)
}
