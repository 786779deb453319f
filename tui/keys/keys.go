// Package keys holds the dashboard's key bindings. Views pick the bindings
// they use from one KeyMap, so that a key means the same thing everywhere.
package keys

import "github.com/charmbracelet/bubbles/key"

// KeyMap is every binding of the dashboard.
type KeyMap struct {
	// Navigation.
	Up, Down, PageUp, PageDown, Top, Bottom key.Binding
	Open, Back                              key.Binding
	NextView, PrevView                      key.Binding
	Views                                   [6]key.Binding

	// Global.
	Help, Filter, Palette, Quit, Refresh key.Binding

	// Inbox.
	Reply, NoResponse, CycleStore, CycleLanguage, CycleStatus key.Binding
	NextTemplate, Preview, Send                               key.Binding
	// Translate shows the thread's buyer messages in the operator's
	// language; TranslateReply sends the composer's reply in the buyer's.
	Translate, TranslateReply key.Binding
	// Bulk work: marks for an action on several rows.
	Mark, MarkRange key.Binding

	// Shipments.
	CycleTag, Stalled, Retrack key.Binding
	// Notices lists the proposed delay notices in the shipments view;
	// SendNotices and SkipNotices act on the marked ones, else the selected.
	Notices, SendNotices, SkipNotices key.Binding

	// Claims.
	File, CycleState, Confirm, Deny, Candidates key.Binding

	// Jobs.
	Cancel, Retry key.Binding
}

func b(help string, desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(help, desc))
}

// Default returns the dashboard's bindings.
func Default() *KeyMap {
	return &KeyMap{
		Up:       b("↑/k", "up", "up", "k"),
		Down:     b("↓/j", "down", "down", "j"),
		PageUp:   b("pgup", "page up", "pgup", "ctrl+b"),
		PageDown: b("pgdn", "page down", "pgdown", "ctrl+f"),
		Top:      b("g/home", "first", "g", "home"),
		Bottom:   b("G/end", "last", "G", "end"),
		Open:     b("enter", "open", "enter"),
		Back:     b("esc", "back", "esc"),
		NextView: b("tab", "next view", "tab"),
		PrevView: b("shift+tab", "previous view", "shift+tab"),
		Views: [6]key.Binding{
			b("1", "overview", "1"),
			b("2", "inbox", "2"),
			b("3", "shipments", "3"),
			b("4", "claims", "4"),
			b("5", "jobs", "5"),
			b("6", "insights", "6"),
		},

		Help:    b("?", "help", "?"),
		Filter:  b("/", "filter", "/"),
		Palette: b(":", "commands", ":"),
		Quit:    b("q", "quit", "q", "ctrl+c"),
		Refresh: b("ctrl+r", "refresh", "ctrl+r"),

		Reply:          b("r", "reply", "r"),
		NoResponse:     b("n", "no response needed", "n"),
		CycleStore:     b("s", "store filter", "s"),
		CycleLanguage:  b("l", "language filter", "l"),
		CycleStatus:    b("t", "status filter", "t"),
		NextTemplate:   b("ctrl+t", "next template", "ctrl+t"),
		Preview:        b("ctrl+p", "preview", "ctrl+p"),
		Send:           b("ctrl+s", "send", "ctrl+s"),
		Translate:      b("T", "show / hide translations", "T"),
		TranslateReply: b("ctrl+l", "send in the buyer's language", "ctrl+l"),
		Mark:           b("space", "mark / unmark", " "),
		MarkRange:      b("V", "mark from the last mark to here", "V"),

		CycleTag: b("t", "tag filter", "t"),
		Stalled:  b("s", "stalled only", "s"),
		Retrack:  b("r", "re-track", "r"),

		Notices:     b("N", "delay notices", "N"),
		SendNotices: b("S", "send notices", "S"),
		SkipNotices: b("X", "skip notices", "X"),

		File:       b("f", "file claim", "f"),
		CycleState: b("t", "state filter", "t"),
		Confirm:    b("y", "confirm", "y"),
		Deny:       b("n/esc", "cancel", "n", "esc"),
		Candidates: b("c", "candidates / claims", "c"),

		Cancel: b("x", "cancel job", "x"),
		Retry:  b("R", "retry job", "R"),
	}
}

// The full help shows three groups: navigation, actions (the view's own
// followed by Actions' shared ones), then quit and help.

// Navigation is the group of movement bindings.
func (k *KeyMap) Navigation() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back, k.NextView, k.PrevView}
}

// Actions appends the actions every view shares to a view's own.
func (k *KeyMap) Actions(own ...key.Binding) []key.Binding {
	return append(own, k.Filter, k.Palette, k.Refresh)
}

// QuitHelp is the last group.
func (k *KeyMap) QuitHelp() []key.Binding {
	return []key.Binding{k.Help, k.Quit}
}

// Everywhere is the group of bindings that mean the same in every view:
// movement, switching views, the palette, refresh, help and quit. The full
// help lists it once, beside each view's own keys.
func (k *KeyMap) Everywhere() []key.Binding {
	views := key.NewBinding(key.WithKeys("1", "2", "3", "4", "5", "6"), key.WithHelp("1…6", "go to a view"))
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Open, k.Back,
		k.NextView, k.PrevView, views, k.Palette, k.Refresh, k.Help, k.Quit}
}

// Own returns the bindings of groups that are not in Everywhere, each
// once, in order: a view's own keys, taken from its full help.
func (k *KeyMap) Own(groups [][]key.Binding) []key.Binding {
	seen := map[string]bool{}
	for _, b := range k.Everywhere() {
		seen[b.Help().Key] = true
	}
	for _, b := range k.Views {
		seen[b.Help().Key] = true
	}
	var out []key.Binding
	for _, g := range groups {
		for _, b := range g {
			h := b.Help()
			if !b.Enabled() || seen[h.Key] {
				continue
			}
			seen[h.Key] = true
			out = append(out, b)
		}
	}
	return out
}
