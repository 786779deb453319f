// Package theme holds the dashboard's colour roles and the one set of
// styles built from them. Views use these styles and never a raw colour.
package theme

import "github.com/charmbracelet/lipgloss"

// Theme names the colour roles. Each role is an adaptive pair, picked by
// the terminal's background, so that text reads on dark and light
// terminals alike.
type Theme struct {
	Primary lipgloss.AdaptiveColor
	Faint   lipgloss.AdaptiveColor
	Success lipgloss.AdaptiveColor
	Warning lipgloss.AdaptiveColor
	Error   lipgloss.AdaptiveColor
	// Text is the colour of ordinary text on a selected row's background.
	Text lipgloss.AdaptiveColor
	// Highlight is the background of the selected row.
	Highlight lipgloss.AdaptiveColor
}

// Default is the theme of the dashboard.
func Default() Theme {
	return Theme{
		Primary:   lipgloss.AdaptiveColor{Light: "#1D4ED8", Dark: "#7AA2F7"},
		Faint:     lipgloss.AdaptiveColor{Light: "#6B7280", Dark: "#8B90A0"},
		Success:   lipgloss.AdaptiveColor{Light: "#047857", Dark: "#9ECE6A"},
		Warning:   lipgloss.AdaptiveColor{Light: "#B45309", Dark: "#E0AF68"},
		Error:     lipgloss.AdaptiveColor{Light: "#B91C1C", Dark: "#F7768E"},
		Text:      lipgloss.AdaptiveColor{Light: "#111827", Dark: "#E5E7EB"},
		Highlight: lipgloss.AdaptiveColor{Light: "#DBEAFE", Dark: "#2A3355"},
	}
}

// Styles is every style the dashboard draws with.
type Styles struct {
	Theme Theme

	App       lipgloss.Style // the product name in the header
	Tab       lipgloss.Style
	ActiveTab lipgloss.Style
	Badge     lipgloss.Style // "DEMO" and similar labels

	Heading   lipgloss.Style // a section or column heading
	Selected  lipgloss.Style // the row under the cursor
	Faint     lipgloss.Style
	Primary   lipgloss.Style
	Success   lipgloss.Style
	Warning   lipgloss.Style
	Error     lipgloss.Style
	Separator lipgloss.Style // the rule between panes

	Dialog lipgloss.Style // a confirmation box
	Help   lipgloss.Style
}

// NewStyles builds the styles of t.
func NewStyles(t Theme) *Styles {
	return &Styles{
		Theme:     t,
		App:       lipgloss.NewStyle().Bold(true).Foreground(t.Primary),
		Tab:       lipgloss.NewStyle().Foreground(t.Faint),
		ActiveTab: lipgloss.NewStyle().Bold(true).Underline(true).Foreground(t.Primary),
		Badge:     lipgloss.NewStyle().Bold(true).Foreground(t.Warning),
		Heading:   lipgloss.NewStyle().Bold(true).Foreground(t.Primary),
		Selected:  lipgloss.NewStyle().Bold(true).Foreground(t.Text).Background(t.Highlight),
		Faint:     lipgloss.NewStyle().Foreground(t.Faint),
		Primary:   lipgloss.NewStyle().Foreground(t.Primary),
		Success:   lipgloss.NewStyle().Foreground(t.Success),
		Warning:   lipgloss.NewStyle().Foreground(t.Warning),
		Error:     lipgloss.NewStyle().Bold(true).Foreground(t.Error),
		Separator: lipgloss.NewStyle().Foreground(t.Faint),
		Dialog:    lipgloss.NewStyle().Border(lipgloss.NormalBorder()).BorderForeground(t.Warning).Padding(0, 1),
		Help:      lipgloss.NewStyle().Foreground(t.Faint),
	}
}
