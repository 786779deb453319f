// Package common holds what every view of the dashboard shares: the
// actions interface to the rest of the product, the struct each view
// embeds, the messages views send to the root model, a paged list and text
// helpers.
package common

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/tui/keys"
	"github.com/sellerops/sellerops/tui/theme"
)

// JobRequestedMsg asks the root model to start a background job. Total,
// when known before it starts, is how many items it works through.
type JobRequestedMsg struct {
	Name  string
	Total int
	Start StartFunc
}

// StatusReportedMsg carries a line for the status bar. View is 1 + the
// index of the view that raised it, which the root model sets: the line is
// shown only in that view. 0 is a line for the whole dashboard.
type StatusReportedMsg struct {
	Text  string
	Level Level
	View  int
}

// DataChangedMsg tells the views that the database may have changed, so
// that they read their page again.
type DataChangedMsg struct{}

// ErrNotAvailable is returned by an action whose automation is not wired
// into the dashboard yet.
var ErrNotAvailable = errors.New("not available yet: this automation is not wired into the dashboard")

// Actions is what the dashboard can ask the rest of the product to do.
// The command line wires real ones.
type Actions interface {
	// Each starts work in the background and streams progress on the
	// returned channel, closed when done.
	SyncStores(ctx context.Context, stores []string) (<-chan Progress, error)
	TrackShipments(ctx context.Context, ids []int64) (<-chan Progress, error)
	SendReply(ctx context.Context, threadID int64, body string) (<-chan Progress, error)
	// SendTranslatedReply sends r.Text, keeping r.Original beside it;
	// provider names the translation provider.
	SendTranslatedReply(ctx context.Context, threadID int64, r messages.TranslatedReply, provider string) (<-chan Progress, error)
	MarkNoResponse(ctx context.Context, threadID int64) error
	FileClaim(ctx context.Context, claimID int64) (<-chan Progress, error)
	// SendNotices sends the proposed delay notices with these keys, each
	// through the outbox, as `sellerops notices send` does; a key that is
	// no longer proposed is a failed item, never another parcel's notice.
	SendNotices(ctx context.Context, keys []string) (<-chan Progress, error)
	// SkipNotices declines the proposed notices with these keys, as
	// `sellerops notices skip` does.
	SkipNotices(ctx context.Context, keys []string) error
}

// Progress is one report from a running action. A report with Err set is a
// failed item; FailureClass and EvidencePath say why and where its evidence
// is. Finished marks the last report of the job.
type Progress struct {
	Job          string
	Done, Total  int
	Line         string
	Err          error
	FailureClass string
	EvidencePath string
	Finished     bool
}

// StartFunc starts a job under ctx; cancelling ctx stops it.
type StartFunc func(ctx context.Context) (<-chan Progress, error)

// Level is how a status line is coloured.
type Level int

// Status levels.
const (
	LevelInfo Level = iota
	LevelSuccess
	LevelWarning
	LevelError
)

// Common is the state every view embeds: its size, the styles, the key
// map, the logger and the data it reads.
type Common struct {
	Width, Height int
	Styles        *theme.Styles
	Keys          *keys.KeyMap
	Logger        *slog.Logger
	DB            *localdb.DB
	Actions       Actions
	// Now is the dashboard's clock, for countdowns.
	Now func() time.Time
	// Candidates finds the parcels that may deserve a claim, as of now,
	// by the same rules as `sellerops claims candidates`.
	Candidates CandidatesFunc
	// Notices proposes the delay notices, as of now, by the same rules as
	// `sellerops notices list`.
	Notices NoticesFunc
	// TemplateDir holds the reply templates (<config dir>/templates), the
	// same folder `sellerops messages reply` reads; empty means the
	// built-in templates only.
	TemplateDir string
	// Config is the configuration the command line reads, for the rules
	// that several surfaces share (stalled parcels, due-soon threads, the
	// claim alert window); never nil.
	Config *config.Config
	// Translation shows buyers' messages in the operator's language, off
	// the UI goroutine and through the database cache; with no provider it
	// is off and says why.
	Translation messages.Translator
}

// StallRule is the config's stall rule, the one `sellerops shipments list
// --stalled` applies.
func (c *Common) StallRule() localdb.StallRule { return shipments.StallRule(c.Config) }

// StallText says the stall rule in a few words.
func (c *Common) StallText() string { return shipments.StallText(c.Config) }

// DueSoon is how close a reply deadline must come to count as due soon.
func (c *Common) DueSoon() time.Duration { return messages.DueSoonWithin(c.Config) }

// ClaimAlert is how close a claim window's end must come for the overview
// to count it as closing soon (thresholds.claim_alert_days).
func (c *Common) ClaimAlert() time.Duration {
	return time.Duration(config.OrDefaults(c.Config).Thresholds.ClaimAlertDays) * 24 * time.Hour
}

// NoticesFunc proposes delay notices as of now; notices.Propose with the
// command line's dependencies is the real one.
type NoticesFunc func(ctx context.Context, now time.Time) ([]notices.Proposal, error)

// CandidatesFunc finds claim candidates as of now; claims.Candidates with
// the command line's dependencies is the real one.
type CandidatesFunc func(ctx context.Context, now time.Time) ([]claims.Candidate, error)

// SetSize records the view's size.
func (c *Common) SetSize(w, h int) {
	c.Width, c.Height = w, h
}

// View is what the root model needs of each view.
type View interface {
	tea.Model
	help.KeyMap
	SetSize(w, h int)
	// Title names the view in the tab bar.
	Title() string
	// Capturing reports whether a text input has the focus, so that the
	// root passes every key to the view first.
	Capturing() bool
	// Reload reads the view's data again.
	Reload() tea.Cmd
}

// StatusCmd returns a command that reports a status line.
func StatusCmd(level Level, text string) tea.Cmd {
	return func() tea.Msg { return StatusReportedMsg{Text: text, Level: level} }
}

// RequestJobCmd returns a command that asks the root to start a job.
func RequestJobCmd(name string, start StartFunc) tea.Cmd {
	return RequestCountedJobCmd(name, 0, start)
}

// RequestCountedJobCmd asks the root to start a job over total items, so
// that its bar shows the real total from the start.
func RequestCountedJobCmd(name string, total int, start StartFunc) tea.Cmd {
	return func() tea.Msg { return JobRequestedMsg{Name: name, Total: total, Start: start} }
}

// Unavailable is the Actions used when none are wired: every automation
// answers ErrNotAvailable, and marking a thread "no response needed", a
// purely local change, is written to the database.
type Unavailable struct{ DB *localdb.DB }

// SendNotices reports ErrNotAvailable.
func (Unavailable) SendNotices(context.Context, []string) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// SkipNotices reports ErrNotAvailable.
func (Unavailable) SkipNotices(context.Context, []string) error { return ErrNotAvailable }

// SyncStores reports ErrNotAvailable.
func (Unavailable) SyncStores(context.Context, []string) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// TrackShipments reports ErrNotAvailable.
func (Unavailable) TrackShipments(context.Context, []int64) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// SendReply reports ErrNotAvailable.
func (Unavailable) SendReply(context.Context, int64, string) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// SendTranslatedReply reports ErrNotAvailable.
func (Unavailable) SendTranslatedReply(context.Context, int64, messages.TranslatedReply, string) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// FileClaim reports ErrNotAvailable.
func (Unavailable) FileClaim(context.Context, int64) (<-chan Progress, error) {
	return nil, ErrNotAvailable
}

// MarkNoResponse sets the thread's status in the database.
func (u Unavailable) MarkNoResponse(ctx context.Context, threadID int64) error {
	if u.DB == nil {
		return ErrNotAvailable
	}
	return u.DB.SetThreadStatus(ctx, threadID, localdb.StatusNoResponseNeeded)
}
