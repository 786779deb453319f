// Package inbox is the dashboard's inbox: buyer threads ordered by reply
// deadline, filters, full-text search, a thread pane with the order and the
// parcel beside the messages, and a reply composer with templates.
package inbox

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textarea"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/tui/common"
)

// ThreadsLoadedMsg carries a window of the thread list.
type ThreadsLoadedMsg struct {
	Seq  int
	Page localdb.Page[localdb.Thread]
	Err  error
}

// FacetsLoadedMsg carries the stores and languages the filters cycle
// through.
type FacetsLoadedMsg struct {
	Stores    []localdb.Store
	Languages []string
	Err       error
}

// ThreadOpenedMsg carries a thread with its messages, order and parcel,
// and the values its reply's placeholders take, with why for each missing
// one (as messages.TemplateValues gives them).
type ThreadOpenedMsg struct {
	ThreadID int64
	Context  localdb.ThreadContext
	Values   map[string]string
	Why      map[string]string
	// StoreLang is the language of the thread's store's site, the second
	// choice of a template's language (messages.ReplyLanguages).
	StoreLang string
	Err       error
}

// TemplatesLoadedMsg carries the reply templates: the built-ins and the
// files of the template folder. Err names the files that were skipped.
type TemplatesLoadedMsg struct {
	Set map[string]messages.Template
	Err error
}

// SearchFinishedMsg carries the messages found by a full-text search.
type SearchFinishedMsg struct {
	Query string
	Hits  []localdb.MessageHit
	Err   error
}

// NoResponseMarkedMsg reports that a thread was marked "no response
// needed", or why not.
type NoResponseMarkedMsg struct {
	ThreadID int64
	Err      error
}

// ThreadTranslatedMsg carries the open thread's buyer messages in the
// operator's language, by message id, or why they could not be had.
type ThreadTranslatedMsg struct {
	ThreadID     int64
	Translations map[int64]messages.MessageTranslation
	Err          error
}

// ReplyTranslatedMsg carries the composer's reply, as filled, in the
// buyer's language, or why it could not be translated.
type ReplyTranslatedMsg struct {
	ThreadID int64
	Reply    messages.TranslatedReply
	Original string
	Err      error
}

type mode int

const (
	modeList mode = iota
	modeThread
	modeCompose
	modeSearch // typing a search
	modeHits   // reading search results
)

// searchLimit caps the hits of one search.
const searchLimit = 200

var statusCycle = []localdb.ThreadStatus{"", localdb.StatusOpen, localdb.StatusReplied, localdb.StatusNoResponseNeeded}

// Model is the inbox view.
type Model struct {
	common.Common

	list   common.List[localdb.Thread]
	mode   mode
	back   mode // where esc goes from the thread pane
	err    error
	stores []localdb.Store
	langs  []string

	storeIdx, langIdx, statusIdx int // 0 means "all"

	search    textinput.Model
	query     string
	hits      []localdb.MessageHit
	hitsFor   string // the query hits answer; query while its search runs
	hitCursor int

	openID int64
	thread *localdb.ThreadContext
	values map[string]string // the open thread's placeholder values
	// storeLang is the open thread's store's site language, the template
	// language when the thread's own is not known.
	storeLang string
	why       map[string]string // why a placeholder has no value
	loading   bool
	scroll    int

	composer  textarea.Model
	templates map[string]messages.Template
	tplNames  []string
	tplName   string // the template the draft started from; "" for none
	tplErr    string // the last template folder problem reported
	preview   bool
	bulkTpl   string // the template chosen for the marked threads; "" for none
	// skipped names the marked threads the last bulk send left out; it
	// stays above the list, whatever the status line says, until esc.
	skipped string

	// Translations of the open thread's buyer messages, shown under each
	// original while showTr is on.
	showTr    bool
	trThread  int64 // the thread trs belong to
	trs       map[int64]messages.MessageTranslation
	trLoading bool
	trErr     string

	// A reply sent in the buyer's language: trReply is on, and trOut is
	// the translation of the filled text the preview shows. Only a
	// translation of the very text in the composer is ever sent.
	trReply      bool
	trOut        *messages.TranslatedReply
	trOutLoading bool
	trOutErr     string
}

// BulkFilledMsg carries the replies filled for marked threads: one body
// per thread whose template could be filled, and the threads skipped with
// why. Nothing is sent for a skipped thread.
type BulkFilledMsg struct {
	Template string
	Replies  []BulkReply
	Skipped  []BulkSkip
}

// BulkReply is one marked thread's filled reply.
type BulkReply struct {
	Thread localdb.Thread
	Body   string
}

// BulkSkip is a marked thread whose reply was not sent, and why.
type BulkSkip struct {
	ThreadID int64
	Why      string
}

// New returns the inbox view.
func New(c common.Common) *Model {
	ti := textinput.New()
	ti.Prompt = "search: "
	ti.Placeholder = "words in messages or subjects"
	ta := textarea.New()
	ta.Placeholder = "Write a reply, or ctrl+t for a template. Placeholders: {{" + strings.Join(messages.Placeholders, "}} {{") + "}}"
	ta.ShowLineNumbers = false
	ta.CharLimit = 5000
	// A steady cursor: no blink timer, and frames that only change on input.
	ti.Cursor.SetMode(cursor.CursorStatic)
	ta.Cursor.SetMode(cursor.CursorStatic)
	m := &Model{Common: c, search: ti, composer: ta}
	// The built-ins until the template folder has been read; without a
	// folder this reads no file.
	builtins, _ := messages.LoadTemplates("")
	m.setTemplates(builtins)
	m.statusIdx = 1 // open threads first: that is the work
	m.list.Height = 1
	m.list.Key = func(t localdb.Thread) int64 { return t.ID }
	return m
}

// Title names the view.
func (m *Model) Title() string { return "Inbox" }

// Capturing reports whether a text input has the focus.
func (m *Model) Capturing() bool { return m.mode == modeCompose || m.mode == modeSearch }

// SetSize sets the view's size.
func (m *Model) SetSize(w, h int) {
	m.Common.SetSize(w, h)
	m.list.SetHeight(h - 2)
	m.composer.SetWidth(max(m.paneWidth()-2, 10))
	m.composer.SetHeight(max(h/3, 3))
	m.search.Width = max(w-12, 10)
}

func (m *Model) split() bool { return m.Width >= common.SplitWidth }

func (m *Model) listWidth() int {
	if m.split() {
		if m.mode == modeThread || m.mode == modeCompose {
			// A thread being read or answered takes the larger part.
			return m.Width * common.ListShareReading / 100
		}
		return common.ListWidth(m.Width)
	}
	return m.Width
}

func (m *Model) paneWidth() int {
	if m.split() {
		return m.Width - m.listWidth() - 1
	}
	return m.Width
}

// Init loads the filters' choices, the first window of threads and the
// reply templates.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(loadFacetsCmd(m.DB), m.loadWindowCmd(), loadTemplatesCmd(m.TemplateDir))
}

// Reload reads the visible threads, the open thread and the reply
// templates again.
func (m *Model) Reload() tea.Cmd {
	m.list.Invalidate()
	cmds := []tea.Cmd{m.loadWindowCmd(), loadTemplatesCmd(m.TemplateDir)}
	if m.openID != 0 && m.mode != modeCompose {
		cmds = append(cmds, openThreadCmd(m.DB, m.openID))
	}
	return tea.Batch(cmds...)
}

// threadQuery is the inbox's filter, in the terms the command line's
// `messages list` uses: one query serves both.
func (m *Model) threadQuery() localdb.ThreadFilter {
	var q localdb.ThreadFilter
	if s := statusCycle[m.statusIdx]; s != "" {
		q.Statuses = []localdb.ThreadStatus{s}
	}
	if m.storeIdx > 0 && m.storeIdx <= len(m.stores) {
		q.StoreIDs = []int64{m.stores[m.storeIdx-1].ID}
	}
	if m.langIdx > 0 && m.langIdx <= len(m.langs) {
		q.Language = m.langs[m.langIdx-1]
	}
	return q
}

// selectedID is the thread the keys act on in the list and in the search
// results: the selected thread or hit, 0 when none is.
func (m *Model) selectedID() int64 {
	switch m.mode {
	case modeList:
		return m.list.SelectedID()
	case modeHits:
		if m.hitCursor < len(m.hits) {
			return m.hits[m.hitCursor].ThreadID
		}
		return 0
	}
	return m.openID
}

// followCmd makes the pane beside the list (or the search results) show
// the selected thread, reading it when another one is shown, so that the
// pane never shows a thread other than the one r and n act on. Once a
// thread is opened (enter), the keys act on it and the pane stays on it.
func (m *Model) followCmd() tea.Cmd {
	if m.mode != modeList && m.mode != modeHits {
		return nil
	}
	id := m.selectedID()
	if !m.split() {
		// No pane is shown beside the list: forget the one shown last.
		m.openID, m.thread, m.values, m.why, m.storeLang = 0, nil, nil, nil, ""
		return nil
	}
	if id == m.openID {
		return nil
	}
	m.openID, m.scroll = id, 0
	m.thread, m.values, m.why, m.storeLang, m.loading = nil, nil, nil, "", id != 0
	if id == 0 {
		return nil
	}
	return openThreadCmd(m.DB, id)
}

// windowCmd reads the rows the list still needs and follows the selection.
func (m *Model) windowCmd() tea.Cmd {
	return tea.Batch(m.loadWindowCmd(), m.followCmd())
}

func (m *Model) loadWindowCmd() tea.Cmd {
	return m.list.Request(func(seq, offset, limit int) tea.Cmd {
		q := m.threadQuery()
		q.Offset, q.Limit = offset, limit
		return loadThreadsCmd(m.DB, seq, q)
	})
}

func loadThreadsCmd(db *localdb.DB, seq int, q localdb.ThreadFilter) tea.Cmd {
	return func() tea.Msg {
		p, err := db.PageThreads(context.Background(), q)
		return ThreadsLoadedMsg{Seq: seq, Page: p, Err: err}
	}
}

func loadFacetsCmd(db *localdb.DB) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		stores, err := db.ListAllStores(ctx)
		if err != nil {
			return FacetsLoadedMsg{Err: err}
		}
		langs, err := db.ThreadLanguages(ctx)
		return FacetsLoadedMsg{Stores: stores, Languages: langs, Err: err}
	}
}

func openThreadCmd(db *localdb.DB, id int64) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		tc, err := db.GetThreadContext(ctx, id)
		if err != nil {
			return ThreadOpenedMsg{ThreadID: id, Err: err}
		}
		values, why, err := messages.TemplateValues(ctx, db, id)
		if err != nil {
			return ThreadOpenedMsg{ThreadID: id, Context: tc, Err: err}
		}
		_, storeLang, err := messages.ReplyLanguages(ctx, db, id)
		return ThreadOpenedMsg{ThreadID: id, Context: tc, Values: values, Why: why, StoreLang: storeLang, Err: err}
	}
}

// translateBudget bounds one translation call from the dashboard.
const translateBudget = translate.DefaultTimeout

// translateThreadCmd translates a thread's buyer messages off the UI
// goroutine, through the provider's database cache.
func translateThreadCmd(tr messages.Translator, th localdb.Thread, msgs []localdb.Message) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), translateBudget)
		defer cancel()
		got, err := messages.TranslateThread(ctx, tr, th, msgs)
		return ThreadTranslatedMsg{ThreadID: th.ID, Translations: got, Err: err}
	}
}

// translateReplyCmd translates the filled reply into the buyer's language.
func translateReplyCmd(tr messages.Translator, th localdb.Thread, body string) tea.Cmd {
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), translateBudget)
		defer cancel()
		r, err := messages.TranslateReply(ctx, tr, th, body)
		return ReplyTranslatedMsg{ThreadID: th.ID, Reply: r, Original: body, Err: err}
	}
}

// loadTemplatesCmd reads the templates the command line's
// `messages reply --template` uses: the built-ins and dir's NAME.txt files.
func loadTemplatesCmd(dir string) tea.Cmd {
	return func() tea.Msg {
		set, err := messages.LoadTemplates(dir)
		return TemplatesLoadedMsg{Set: set, Err: err}
	}
}

// setTemplates replaces the template set, keeping the draft's template
// if the new set still has it.
func (m *Model) setTemplates(set map[string]messages.Template) {
	m.templates, m.tplNames = set, messages.TemplateNames(set)
	if _, ok := set[m.tplName]; !ok {
		m.tplName = ""
	}
}

// nextTemplate is the template name after name, in name order.
func (m *Model) nextTemplate(name string) string {
	if len(m.tplNames) == 0 {
		return ""
	}
	for i, n := range m.tplNames {
		if n == name {
			return m.tplNames[(i+1)%len(m.tplNames)]
		}
	}
	return m.tplNames[0]
}

func searchCmd(db *localdb.DB, text string) tea.Cmd {
	return func() tea.Msg {
		hits, err := db.SearchMessages(context.Background(), text, searchLimit)
		return SearchFinishedMsg{Query: text, Hits: hits, Err: err}
	}
}

func markNoResponseCmd(a common.Actions, id int64) tea.Cmd {
	return func() tea.Msg {
		return NoResponseMarkedMsg{ThreadID: id, Err: a.MarkNoResponse(context.Background(), id)}
	}
}

// markEachNoResponseCmd marks the threads one after the other (one
// browser at a time, as a single mark uses it), then reports each
// thread's result as its own NoResponseMarkedMsg.
func markEachNoResponseCmd(a common.Actions, ids []int64) tea.Cmd {
	return func() tea.Msg {
		out := make(tea.BatchMsg, 0, len(ids))
		for _, id := range ids {
			res := NoResponseMarkedMsg{ThreadID: id, Err: a.MarkNoResponse(context.Background(), id)}
			out = append(out, func() tea.Msg { return res })
		}
		return out
	}
}

// fillEachCmd fills template tpl for each thread on its own, with that
// thread's language and values (the rule `messages reply --template`
// uses). A thread whose reply cannot be filled is skipped with why.
func fillEachCmd(db *localdb.DB, tpl messages.Template, ids []int64) tea.Cmd {
	return func() tea.Msg {
		ctx := context.Background()
		out := BulkFilledMsg{Template: tpl.Name}
		for _, id := range ids {
			r, err := messages.FillForThread(ctx, db, tpl, id)
			if err != nil {
				why := err.Error()
				var mv *messages.MissingValueError
				if errors.As(err, &mv) {
					why = fmt.Sprintf("needs {{%s}}: %s", mv.Placeholder, mv.Why)
				}
				out.Skipped = append(out.Skipped, BulkSkip{ThreadID: id, Why: why})
				continue
			}
			th, err := db.GetThread(ctx, id)
			if err != nil {
				out.Skipped = append(out.Skipped, BulkSkip{ThreadID: id, Why: err.Error()})
				continue
			}
			out.Replies = append(out.Replies, BulkReply{Thread: th, Body: r.Body})
		}
		return out
	}
}

// sendEach asks the root for one reply job per filled thread, each
// through the same send path as a single reply, and lists the skipped.
func (m *Model) sendEach(msg BulkFilledMsg) tea.Cmd {
	actions := m.Actions
	cmds := make([]tea.Cmd, 0, len(msg.Replies)+1)
	for _, r := range msg.Replies {
		id, body := r.Thread.ID, r.Body
		cmds = append(cmds, common.RequestJobCmd(replyJobName(r.Thread), func(ctx context.Context) (<-chan common.Progress, error) {
			return actions.SendReply(ctx, id, body)
		}))
	}
	if len(msg.Skipped) == 0 {
		cmds = append(cmds, common.StatusCmd(common.LevelSuccess, fmt.Sprintf("template %s: %d replies queued", msg.Template, len(msg.Replies))))
		return tea.Batch(cmds...)
	}
	parts := make([]string, 0, len(msg.Skipped))
	for _, s := range msg.Skipped {
		parts = append(parts, fmt.Sprintf("thread %d %s", s.ThreadID, s.Why))
	}
	// Above the list, the short reason first (the status line and the
	// log have the whole of it).
	short := make([]string, 0, len(msg.Skipped))
	for _, s := range msg.Skipped {
		why, _, _ := strings.Cut(s.Why, ":")
		short = append(short, fmt.Sprintf("thread %d %s", s.ThreadID, why))
	}
	m.skipped = fmt.Sprintf("not sent: %s (esc dismisses)", strings.Join(short, "; "))
	cmds = append(cmds, common.StatusCmd(common.LevelWarning, fmt.Sprintf("template %s: %d replies queued; %d skipped, nothing sent to them: %s",
		msg.Template, len(msg.Replies), len(msg.Skipped), strings.Join(parts, "; "))))
	return tea.Batch(cmds...)
}

// Update handles loaded data and keys.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case ThreadsLoadedMsg:
		if m.list.PageLoaded(m.Logger, "inbox: load threads", &m.err, msg.Seq, msg.Page, msg.Err) {
			return m, m.windowCmd()
		}
		return m, nil
	case FacetsLoadedMsg:
		if msg.Err != nil {
			m.Logger.Error("inbox: load filters", "err", msg.Err)
			return m, nil
		}
		m.stores, m.langs = msg.Stores, msg.Languages
		return m, nil
	case ThreadOpenedMsg:
		if msg.ThreadID != m.openID {
			return m, nil
		}
		m.loading = false
		if msg.Err != nil {
			m.err = msg.Err
			return m, common.StatusCmd(common.LevelError, fmt.Sprintf("open thread %d: %v", msg.ThreadID, msg.Err))
		}
		tc := msg.Context
		m.thread, m.values, m.why, m.storeLang = &tc, msg.Values, msg.Why, msg.StoreLang
		if m.showTr && m.Translation.On() {
			return m, m.translateThread()
		}
		return m, nil
	case ThreadTranslatedMsg:
		if m.thread == nil || msg.ThreadID != m.thread.Thread.ID {
			return m, nil
		}
		m.trLoading = false
		if msg.Err != nil {
			m.trErr = "translation failed: " + msg.Err.Error()
			return m, common.StatusCmd(common.LevelError, m.trErr)
		}
		m.trThread, m.trs, m.trErr = msg.ThreadID, msg.Translations, ""
		return m, nil
	case ReplyTranslatedMsg:
		if m.thread == nil || msg.ThreadID != m.thread.Thread.ID {
			return m, nil
		}
		m.trOutLoading = false
		if msg.Err != nil {
			m.trOut, m.trOutErr = nil, msg.Err.Error()
			return m, common.StatusCmd(common.LevelError, "translate the reply: "+msg.Err.Error())
		}
		r := msg.Reply
		m.trOut, m.trOutErr = &r, ""
		return m, nil
	case TemplatesLoadedMsg:
		m.setTemplates(msg.Set)
		if msg.Err == nil {
			m.tplErr = ""
			return m, nil
		}
		m.Logger.Warn("inbox: load templates", "dir", m.TemplateDir, "err", msg.Err)
		if text := msg.Err.Error(); text != m.tplErr {
			m.tplErr = text
			return m, common.StatusCmd(common.LevelWarning, "templates: "+strings.ReplaceAll(text, "\n", "; "))
		}
		return m, nil
	case SearchFinishedMsg:
		if msg.Query != m.query {
			return m, nil
		}
		if msg.Err != nil {
			return m, common.StatusCmd(common.LevelError, msg.Err.Error())
		}
		m.hits, m.hitsFor, m.hitCursor, m.mode = msg.Hits, msg.Query, 0, modeHits
		return m, tea.Batch(m.followCmd(), common.StatusCmd(common.LevelInfo, fmt.Sprintf("%d messages match %q (esc clears the search)", len(msg.Hits), msg.Query)))
	case NoResponseMarkedMsg:
		if msg.Err != nil {
			if errors.Is(msg.Err, common.ErrNotAvailable) {
				return m, common.StatusCmd(common.LevelWarning, "marking \"no response needed\" is not available yet: no messages automation is wired in")
			}
			return m, common.StatusCmd(common.LevelError, fmt.Sprintf("mark thread %d: %v", msg.ThreadID, msg.Err))
		}
		return m, tea.Batch(common.StatusCmd(common.LevelSuccess, fmt.Sprintf("thread %d marked \"no response needed\"", msg.ThreadID)),
			func() tea.Msg { return common.DataChangedMsg{} })
	case BulkFilledMsg:
		return m, m.sendEach(msg)
	case tea.KeyMsg:
		return m, m.handleKey(msg)
	}
	if m.mode == modeCompose {
		var cmd tea.Cmd
		m.composer, cmd = m.composer.Update(msg)
		return m, cmd
	}
	if m.mode == modeSearch {
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(msg)
		return m, cmd
	}
	return m, nil
}

func (m *Model) handleKey(msg tea.KeyMsg) tea.Cmd {
	k := m.Keys
	switch m.mode {
	case modeSearch:
		switch msg.Type {
		case tea.KeyEnter:
			m.query = strings.TrimSpace(m.search.Value())
			m.search.Blur()
			if m.query == "" {
				m.mode, m.hits = modeList, nil
				return m.followCmd()
			}
			// The last results stay on screen until the new ones come.
			m.mode = modeHits
			return searchCmd(m.DB, m.query)
		case tea.KeyEsc:
			// Back to what was shown: the last results, or the list.
			m.search.Blur()
			m.mode = modeList
			if m.hits != nil {
				m.mode = modeHits
			}
			return m.followCmd()
		}
		var cmd tea.Cmd
		m.search, cmd = m.search.Update(msg)
		return cmd
	case modeCompose:
		switch {
		case msg.Type == tea.KeyEsc:
			m.composer.Blur()
			m.mode = modeThread
			m.preview = false
			return nil
		case key.Matches(msg, k.TranslateReply):
			if !m.Translation.On() {
				m.trReply = false
				return common.StatusCmd(common.LevelWarning, m.Translation.OffText())
			}
			m.trReply = !m.trReply
			if !m.trReply {
				return common.StatusCmd(common.LevelInfo, "the reply is sent as written")
			}
			m.preview = true
			return tea.Batch(m.translateReply(), common.StatusCmd(common.LevelInfo,
				fmt.Sprintf("the reply is sent in the buyer's language: check both texts in the preview, then ctrl+s (ctrl+l sends it as written)")))
		case key.Matches(msg, k.NextTemplate):
			m.tplName = m.nextTemplate(m.tplName)
			if m.tplName == "" {
				return common.StatusCmd(common.LevelWarning, "no reply templates")
			}
			tpl := m.template()
			m.composer.SetValue(tpl.Body)
			lang := tpl.Lang
			if lang == "" {
				lang = "language of the file"
			}
			return common.StatusCmd(common.LevelInfo, "template: "+m.tplName+" ("+lang+")")
		case key.Matches(msg, k.Preview):
			m.preview = !m.preview
			if m.preview && m.trReply {
				return m.translateReply()
			}
			return nil
		case key.Matches(msg, k.Send):
			return m.send()
		}
		var cmd tea.Cmd
		m.composer, cmd = m.composer.Update(msg)
		return cmd
	case modeHits:
		switch {
		case msg.Type == tea.KeyEsc:
			m.mode, m.hits, m.query = modeList, nil, ""
			return m.followCmd()
		case key.Matches(msg, k.Up):
			m.hitCursor = max(m.hitCursor-1, 0)
			return m.followCmd()
		case key.Matches(msg, k.Down):
			m.hitCursor = min(m.hitCursor+1, max(len(m.hits)-1, 0))
			return m.followCmd()
		case key.Matches(msg, k.Filter):
			return m.startSearch()
		case key.Matches(msg, k.Open):
			if m.hitCursor < len(m.hits) {
				return m.open(m.hits[m.hitCursor].ThreadID, modeHits)
			}
		}
		return nil
	case modeThread:
		switch {
		case key.Matches(msg, k.Back):
			m.mode, m.openID, m.thread = m.back, 0, nil
			return m.followCmd()
		case key.Matches(msg, k.Up):
			m.scroll = max(m.scroll-1, 0)
		case key.Matches(msg, k.Down):
			m.scroll++
		case key.Matches(msg, k.Reply):
			return m.compose()
		case key.Matches(msg, k.NoResponse):
			return markNoResponseCmd(m.Actions, m.openID)
		case key.Matches(msg, k.Translate):
			return m.toggleTranslations()
		}
		return nil
	}
	// modeList
	if m.list.Navigate(msg, k) {
		return m.windowCmd()
	}
	switch {
	case key.Matches(msg, k.Open):
		if t, ok := m.list.Selected(); ok {
			return m.open(t.ID, modeList)
		}
	case key.Matches(msg, k.Reply):
		if t, ok := m.list.Selected(); ok {
			cmd := m.open(t.ID, modeList)
			return tea.Batch(cmd, m.compose())
		}
	case key.Matches(msg, k.Mark):
		if !m.list.ToggleMark() {
			return common.StatusCmd(common.LevelWarning, "no thread is selected to mark")
		}
		return m.markedStatus()
	case key.Matches(msg, k.MarkRange):
		if _, err := m.list.MarkRange(); err != nil {
			return common.StatusCmd(common.LevelWarning, "mark range: "+err.Error())
		}
		return m.markedStatus()
	case msg.Type == tea.KeyEsc && m.skipped != "" && len(m.list.Marked()) == 0:
		m.skipped = ""
		return nil
	case msg.Type == tea.KeyEsc && len(m.list.Marked()) > 0:
		m.list.ClearMarks()
		m.bulkTpl = ""
		return common.StatusCmd(common.LevelInfo, "marks cleared")
	case key.Matches(msg, k.NextTemplate) && len(m.list.Marked()) > 0:
		m.bulkTpl = m.nextTemplate(m.bulkTpl)
		if m.bulkTpl == "" {
			return common.StatusCmd(common.LevelWarning, "no reply templates")
		}
		return m.markedStatus()
	case key.Matches(msg, k.Send) && len(m.list.Marked()) > 0:
		if m.bulkTpl == "" {
			return common.StatusCmd(common.LevelWarning, "choose a template for the marked threads with ctrl+t first; nothing sent")
		}
		tpl, ok := m.templates[m.bulkTpl]
		if !ok {
			return common.StatusCmd(common.LevelWarning, fmt.Sprintf("template %s is gone from the template folder; choose another with ctrl+t", m.bulkTpl))
		}
		ids := m.list.Marked()
		m.list.ClearMarks()
		m.bulkTpl = ""
		return fillEachCmd(m.DB, tpl, ids)
	case key.Matches(msg, k.NoResponse):
		if ids := m.list.Marked(); len(ids) > 0 {
			// The marked threads, each through the same path as one.
			m.list.ClearMarks()
			return markEachNoResponseCmd(m.Actions, ids)
		}
		if t, ok := m.list.Selected(); ok {
			return markNoResponseCmd(m.Actions, t.ID)
		}
	case key.Matches(msg, k.CycleStore):
		m.storeIdx = (m.storeIdx + 1) % (len(m.stores) + 1)
		return m.refilter()
	case key.Matches(msg, k.CycleLanguage):
		m.langIdx = (m.langIdx + 1) % (len(m.langs) + 1)
		return m.refilter()
	case key.Matches(msg, k.CycleStatus):
		m.statusIdx = (m.statusIdx + 1) % len(statusCycle)
		return m.refilter()
	case key.Matches(msg, k.Filter):
		return m.startSearch()
	case key.Matches(msg, k.Translate) && m.split():
		return m.toggleTranslations()
	}
	return m.windowCmd()
}

// toggleTranslations shows or hides the buyer messages in the operator's
// language under the originals; without a provider it says translation is
// off.
func (m *Model) toggleTranslations() tea.Cmd {
	m.showTr = !m.showTr
	if !m.showTr {
		return nil
	}
	if !m.Translation.On() {
		return common.StatusCmd(common.LevelWarning, m.Translation.OffText())
	}
	return m.translateThread()
}

// translateThread asks for the open thread's translations unless they are
// held already.
func (m *Model) translateThread() tea.Cmd {
	if m.thread == nil || m.trLoading {
		return nil
	}
	if m.trThread == m.thread.Thread.ID && m.trs != nil && !m.missingTranslation() {
		return nil
	}
	m.trLoading, m.trErr = true, ""
	return translateThreadCmd(m.Translation, m.thread.Thread, m.thread.Messages)
}

// missingTranslation reports whether a buyer message of the open thread
// has no translation held (new messages since the last one).
func (m *Model) missingTranslation() bool {
	if m.thread.Thread.Language == m.Translation.Language {
		return false
	}
	for _, msg := range m.thread.Messages {
		if msg.Direction == localdb.DirectionIn && strings.TrimSpace(msg.Body) != "" {
			if _, ok := m.trs[msg.ID]; !ok {
				return true
			}
		}
	}
	return false
}

// translateReply asks for the filled reply in the buyer's language, unless
// the translation held is of the same text.
func (m *Model) translateReply() tea.Cmd {
	if m.thread == nil || !m.trReply {
		return nil
	}
	body, err := m.fill()
	if err != nil || strings.TrimSpace(body) == "" {
		return nil
	}
	if m.trOut != nil && m.trOut.Original == strings.TrimSpace(body) {
		return nil
	}
	m.trOut, m.trOutErr, m.trOutLoading = nil, "", true
	return translateReplyCmd(m.Translation, m.thread.Thread, body)
}

// markedStatus says how many threads are marked and what the keys do
// with them.
func (m *Model) markedStatus() tea.Cmd {
	n := len(m.list.Marked())
	if n == 0 {
		return common.StatusCmd(common.LevelInfo, "no thread marked")
	}
	if m.bulkTpl != "" {
		return common.StatusCmd(common.LevelInfo, fmt.Sprintf("%d threads marked, template %s: ctrl+s fills and sends it to each, ctrl+t another template, esc clears", n, m.bulkTpl))
	}
	return common.StatusCmd(common.LevelInfo, fmt.Sprintf("%d threads marked: n marks each \"no response needed\", ctrl+t picks a template to send to each, esc clears the marks", n))
}

// Marked returns the ids of the threads marked for a bulk action.
func (m *Model) Marked() []int64 { return m.list.Marked() }

func (m *Model) startSearch() tea.Cmd {
	m.mode = modeSearch
	m.search.SetValue(m.query)
	return m.search.Focus()
}

func (m *Model) refilter() tea.Cmd {
	m.list.Reset()
	return m.windowCmd()
}

func (m *Model) open(id int64, back mode) tea.Cmd {
	m.openID, m.back, m.mode, m.scroll, m.loading = id, back, modeThread, 0, true
	if m.thread != nil && m.thread.Thread.ID != id {
		m.thread, m.values, m.why, m.storeLang = nil, nil, nil, ""
	}
	m.composer.Reset()
	m.tplName, m.preview = "", false
	m.trReply, m.trOut, m.trOutErr, m.trOutLoading = false, nil, "", false
	if m.trThread != id {
		m.trs, m.trErr, m.trLoading = nil, "", false
	}
	return openThreadCmd(m.DB, id)
}

func (m *Model) compose() tea.Cmd {
	m.mode = modeCompose
	m.composer.SetWidth(max(m.paneWidth()-2, 10)) // the pane is wider while answering
	return m.composer.Focus()
}

// draft is the composer's text as a template, named after the template it
// started from, so that it fills by the command line's rule.
func (m *Model) draft() messages.Template {
	t := messages.Template{Name: "reply", Body: strings.TrimSpace(m.composer.Value()), Source: "the composer"}
	if m.tplName != "" {
		tpl := m.template()
		t.Name, t.Source, t.Lang = m.tplName, tpl.Source, tpl.Lang
	}
	return t
}

// template is the chosen template in the open thread's language, else its
// store's, else English: the languages of messages.ReplyLanguages, by the
// rule of messages.Template.For, as `messages reply --template` chooses.
func (m *Model) template() messages.Template {
	lang := ""
	if m.thread != nil {
		lang = m.thread.Thread.Language
	}
	return m.templates[m.tplName].For(lang, m.storeLang)
}

// fill fills the draft's placeholders from the open thread's values.
func (m *Model) fill() (string, error) {
	return m.draft().Fill(m.values, m.why)
}

// refusal says why the draft cannot be sent. A missing value is named as
// `sellerops messages reply` names it, with the fix the dashboard offers.
func (m *Model) refusal(err error) string {
	var mv *messages.MissingValueError
	if !errors.As(err, &mv) {
		return "cannot send: " + err.Error()
	}
	what := "the reply"
	if m.tplName != "" {
		what = fmt.Sprintf("template %q", mv.Template)
	}
	return fmt.Sprintf("%s needs {{%s}}, which is not known for this thread (%s); nothing was sent — "+
		"sync or track first, or edit the reply", what, mv.Placeholder, mv.Why)
}

// send fills the reply's placeholders and asks the root to send it. A
// placeholder without a value refuses the send and says which.
func (m *Model) send() tea.Cmd {
	if m.thread == nil {
		return common.StatusCmd(common.LevelWarning, "the thread is still loading; try again in a moment")
	}
	text := strings.TrimSpace(m.composer.Value())
	if text == "" {
		return common.StatusCmd(common.LevelWarning, "the reply is empty; write something or press ctrl+t for a template")
	}
	body, err := m.fill()
	if err != nil {
		m.preview = true
		return common.StatusCmd(common.LevelError, m.refusal(err))
	}
	id := m.thread.Thread.ID
	actions := m.Actions
	var translated *messages.TranslatedReply
	if m.trReply {
		// Only what the preview shows is sent: a translation of this very
		// text, after the operator has seen both.
		if m.trOut == nil || m.trOut.Original != strings.TrimSpace(body) || !m.preview {
			m.preview = true
			if m.trOutErr != "" && !m.trOutLoading {
				return common.StatusCmd(common.LevelError, "not sent: "+m.trOutErr+" (ctrl+l sends the reply as written)")
			}
			return tea.Batch(m.translateReply(), common.StatusCmd(common.LevelWarning,
				"not sent yet: check the translation in the preview, then press ctrl+s again"))
		}
		r := *m.trOut
		translated = &r
	}
	provider := ""
	if m.Translation.On() {
		provider = m.Translation.P.Name()
	}
	m.composer.Blur()
	m.composer.Reset()
	m.mode, m.preview, m.tplName = modeThread, false, ""
	m.trReply, m.trOut = false, nil
	return common.RequestJobCmd(replyJobName(m.thread.Thread), func(ctx context.Context) (<-chan common.Progress, error) {
		if translated != nil {
			return actions.SendTranslatedReply(ctx, id, *translated, provider)
		}
		return actions.SendReply(ctx, id, body)
	})
}

// SearchValue returns the text in the search input.
func (m *Model) SearchValue() string { return m.search.Value() }

// ComposerValue returns the text in the reply composer.
func (m *Model) ComposerValue() string { return m.composer.Value() }

// OpenThread returns the thread shown in the pane, if any.
func (m *Model) OpenThread() *localdb.ThreadContext { return m.thread }

// Rows returns the loaded threads and the total that pass the filters.
func (m *Model) Rows() ([]localdb.Thread, int) { return m.list.Rows, m.list.Total }

// Cursor returns the index of the selected thread.
func (m *Model) Cursor() int { return m.list.Cursor }

// Hits returns the results of the current search.
func (m *Model) Hits() []localdb.MessageHit { return m.hits }

// View draws the inbox.
func (m *Model) View() string {
	if m.Width <= 0 || m.Height <= 0 {
		return ""
	}
	var left string
	// While a search is typed, the results (or the list) it started from
	// stay on screen below the input.
	switch {
	case m.mode == modeHits, m.mode == modeSearch && m.hits != nil:
		left = m.viewHits(m.listWidth())
	default:
		left = m.viewList(m.listWidth())
	}
	showPane := m.mode == modeThread || m.mode == modeCompose
	if !m.split() {
		if showPane {
			return common.Fit(m.viewThread(m.Width), m.Width, m.Height)
		}
		return common.Fit(left, m.Width, m.Height)
	}
	return common.SplitAt(m.Styles, m.Width, m.Height, m.listWidth(), func(int) string { return left }, func(w int) string {
		if showPane {
			return m.viewThread(w)
		}
		// Beside the list the pane shows the selected thread.
		note := ""
		if id := m.list.Left; id != 0 && m.mode == modeList {
			note = m.Styles.Warning.Render(common.Truncate(fmt.Sprintf("thread %d left the list; its neighbour is selected", id), w)) + "\n"
		}
		if m.openID == 0 {
			return note + m.Styles.Faint.Render("no thread selected")
		}
		return note + m.Styles.Faint.Render(common.Truncate("enter reads · r replies · n no response needed", w)) + "\n" + m.viewThread(w)
	})
}

func (m *Model) filterLine() string {
	store, lang, status := "all", "all", "all"
	if m.storeIdx > 0 && m.storeIdx <= len(m.stores) {
		store = m.stores[m.storeIdx-1].Name
	}
	if m.langIdx > 0 && m.langIdx <= len(m.langs) {
		lang = m.langs[m.langIdx-1]
	}
	if s := statusCycle[m.statusIdx]; s != "" {
		status = string(s)
	}
	return m.Styles.Faint.Render(fmt.Sprintf("store:%s  lang:%s  status:%s  %s", store, lang, status, m.list.Count("threads")))
}

func (m *Model) viewList(w int) string {
	var b strings.Builder
	switch {
	case m.mode == modeSearch:
		b.WriteString(m.search.View())
	case m.skipped != "":
		b.WriteString(m.Styles.Warning.Render(common.Truncate(m.skipped, w)))
	default:
		b.WriteString(m.filterLine())
	}
	b.WriteString("\n")
	// The subject and the buyer take the room the short columns leave.
	cols := []common.Column{
		{Title: "DUE", Min: 8, Pref: 8, Keep: true},
		{Title: "STORE", Min: 6, Pref: 10},
		{Title: "LG", Min: 2, Pref: 2, Keep: true},
		{Title: "BUYER", Min: 8, Pref: 14, Weight: 1},
		{Title: "SUBJECT", Min: 10, Pref: 32, Weight: 3},
	}
	ws := common.Widths(cols, w-2)
	b.WriteString(m.Styles.Heading.Render(common.Pad("  "+common.Heading(cols, ws), w)))
	now := m.Now()
	b.WriteString(m.list.Body(m.Styles, w, m.err, "No threads match. Press t, s or l to change the filters, or sync with :sync.", func(t localdb.Thread) string {
		return common.Cells(cols, ws, []string{m.dueCell(t, now), t.StoreName, t.Language, t.BuyerName, common.OneLine(t.Subject)})
	}))
	return b.String()
}

// dueCell is the 8-cell countdown of a thread, coloured by urgency.
func (m *Model) dueCell(t localdb.Thread, now time.Time) string {
	switch {
	case t.Status == localdb.StatusReplied:
		return m.Styles.Success.Render(common.Pad("replied", 8))
	case t.Status == localdb.StatusNoResponseNeeded:
		return m.Styles.Faint.Render(common.Pad("no-resp", 8))
	case t.ReplyDeadline.IsZero():
		return common.Pad("-", 8)
	}
	left := t.ReplyDeadline.Sub(now)
	cell := common.PadLeft(common.Countdown(left), 7) + " "
	switch {
	case left < 0:
		return m.Styles.Error.Render(cell)
	case left < m.DueSoon():
		return m.Styles.Warning.Render(cell)
	}
	return cell
}

func replyJobName(t localdb.Thread) string {
	who := t.BuyerName
	if who == "" {
		who = fmt.Sprintf("thread %d", t.ID)
	}
	return "reply to " + who
}

func (m *Model) viewHits(w int) string {
	var b strings.Builder
	if m.mode == modeSearch {
		b.WriteString(m.search.View())
	} else {
		line := fmt.Sprintf("search %q: %d messages  (enter opens, / searches again, esc clears)", m.query, len(m.hits))
		if m.hitsFor != m.query {
			line = fmt.Sprintf("searching %q…  (the results of %q stay until then)", m.query, m.hitsFor)
		}
		b.WriteString(m.Styles.Faint.Render(common.Truncate(line, w)))
	}
	b.WriteString("\n")
	b.WriteString(m.Styles.Heading.Render(common.Pad("  "+common.Pad("SENT", 11)+" "+common.Pad("STORE", 10)+" MATCH", w)))
	h := max(m.Height-2, 1)
	top := 0
	if m.hitCursor >= h {
		top = m.hitCursor - h + 1
	}
	for i := top; i < min(top+h, len(m.hits)); i++ {
		hit := m.hits[i]
		marker := "  "
		if i == m.hitCursor {
			marker = "› "
		}
		line := marker + common.Pad(common.Stamp(hit.SentAt), 11) + " " + common.Pad(hit.StoreName, 10) + " " +
			common.OneLine(hit.Snippet)
		line = common.Pad(line, w)
		if i == m.hitCursor {
			line = m.Styles.Selected.Render(line)
		}
		b.WriteString("\n" + line)
	}
	return b.String()
}

func (m *Model) viewThread(w int) string {
	if m.thread == nil {
		if m.loading {
			return m.Styles.Faint.Render("loading thread…")
		}
		return ""
	}
	tc := m.thread
	t := tc.Thread
	now := m.Now()
	var head strings.Builder
	head.WriteString(m.Styles.Heading.Render(common.Truncate(common.OneLine(t.Subject), w)) + "\n")
	due := "no deadline"
	if !t.ReplyDeadline.IsZero() && t.Status == localdb.StatusOpen {
		due = "reply within " + common.Countdown(t.ReplyDeadline.Sub(now))
		if t.Overdue {
			due = "overdue by " + common.Countdown(now.Sub(t.ReplyDeadline))
		}
	} else if t.Status != localdb.StatusOpen {
		due = string(t.Status)
	}
	head.WriteString(m.Styles.Faint.Render(common.Truncate(fmt.Sprintf("%s · %s · %s · %s", t.StoreName, common.Or(t.BuyerName, "-"), common.Or(t.MarketplaceOrderID, "-"), due), w)))

	sideW := common.SideWidth
	if w < 2*sideW {
		sideW = w / 3
	}
	msgW := w - sideW - 1
	bodyH := m.Height - 2
	var lower string
	if m.mode == modeCompose {
		lower = m.viewComposer(w)
		bodyH -= lipgloss.Height(lower)
	}
	msgs := m.viewMessages(msgW)
	lines := strings.Split(msgs, "\n")
	if m.scroll > max(len(lines)-bodyH, 0) {
		m.scroll = max(len(lines)-bodyH, 0)
	}
	msgs = strings.Join(lines[m.scroll:], "\n")
	side := m.viewSide(sideW)
	sep := common.Rule(m.Styles, max(bodyH, 1))
	body := lipgloss.JoinHorizontal(lipgloss.Top, common.Fit(msgs, msgW, max(bodyH, 1)), sep, common.Fit(side, sideW, max(bodyH, 1)))
	out := head.String() + "\n" + body
	if lower != "" {
		out += "\n" + lower
	}
	return out
}

func (m *Model) viewMessages(w int) string {
	if len(m.thread.Messages) == 0 {
		return m.Styles.Faint.Render("no messages stored yet")
	}
	var b strings.Builder
	if m.showTr {
		switch {
		case !m.Translation.On():
			b.WriteString(m.Styles.Warning.Render(ansi.Wrap(m.Translation.OffText(), max(w, 1), "")) + "\n\n")
		case m.trLoading:
			b.WriteString(m.Styles.Faint.Render("translating into "+m.Translation.Language+"…") + "\n\n")
		case m.trErr != "":
			b.WriteString(m.Styles.Error.Render(ansi.Wrap(m.trErr, max(w, 1), "")) + "\n\n")
		}
	}
	for i, msg := range m.thread.Messages {
		if i > 0 {
			b.WriteString("\n")
		}
		who := msg.Sender
		if who == "" {
			who = "buyer"
			if msg.Direction == localdb.DirectionOut {
				who = "you"
			}
		}
		st := m.Styles.Primary
		if msg.Direction == localdb.DirectionOut {
			st = m.Styles.Success
		}
		if msg.Automatic {
			// No person wrote it: shown faint, and it does not count as an answer.
			st = m.Styles.Faint
			who += " · automatic"
		}
		b.WriteString(st.Render(common.Truncate(fmt.Sprintf("%s · %s", who, common.Stamp(msg.SentAt)), w)) + "\n")
		b.WriteString(ansi.Wrap(strings.TrimSpace(msg.Body), max(w, 1), ""))
		if tr, ok := m.trs[msg.ID]; ok && m.showTr && m.trThread == m.thread.Thread.ID {
			b.WriteString("\n" + m.Styles.Faint.Render(common.Truncate(fmt.Sprintf("↳ in %s (from %s):", tr.Language, tr.Source), w)))
			b.WriteString("\n" + ansi.Wrap(strings.TrimSpace(tr.Text), max(w, 1), ""))
		}
		if o := msg.Original; o != nil && m.showTr {
			b.WriteString("\n" + m.Styles.Faint.Render(common.Truncate(fmt.Sprintf("↳ you wrote, in %s (sent in %s):", o.Language, o.SentIn), w)))
			b.WriteString("\n" + ansi.Wrap(strings.TrimSpace(o.Text), max(w, 1), ""))
		}
		for _, a := range msg.Attachments {
			b.WriteString("\n" + m.Styles.Faint.Render(common.Truncate("📎 "+a.FileName, w)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func (m *Model) viewSide(w int) string {
	tc := m.thread
	var b strings.Builder
	b.WriteString(m.Styles.Heading.Render("Order") + "\n")
	if o := tc.Order; o != nil {
		b.WriteString(common.Truncate(o.MarketplaceOrderID, w) + "\n")
		b.WriteString(common.Truncate(common.Or(o.BuyerName, "-"), w) + "\n")
		// The amount is never cut: when it does not fit beside the item
		// count, it takes a line of its own.
		items, value := fmt.Sprintf("%d items", len(o.Items)), money.FormatOr(o.DeclaredValue, o.Currency, "value not known")
		if line := items + " · " + value; ansi.StringWidth(line) <= w {
			b.WriteString(line + "\n")
		} else {
			b.WriteString(common.Truncate(items, w) + "\n" + value + "\n")
		}
	} else {
		b.WriteString(m.Styles.Faint.Render("not synced yet") + "\n")
	}
	b.WriteString(m.Styles.Heading.Render("Parcel") + "\n")
	s := tc.Shipment
	if s == nil {
		b.WriteString(m.Styles.Faint.Render("no parcel known"))
		return b.String()
	}
	b.WriteString(common.Truncate(s.Courier+" "+s.TrackingNumber, w) + "\n")
	status := s.Tag
	if s.Subtag != "" {
		status += " (" + s.Subtag + ")"
	}
	b.WriteString(common.Truncate(status, w) + "\n")
	if !s.EstimatedDelivery.IsZero() {
		b.WriteString(common.Truncate("ETA "+common.Stamp(s.EstimatedDelivery), w) + "\n")
	}
	b.WriteString(m.Styles.Heading.Render("Timeline"))
	for _, e := range tc.Events {
		b.WriteString("\n" + m.Styles.Faint.Render(common.Stamp(e.Time)) + " " + common.Truncate(e.Tag, max(w-12, 1)))
		if e.Description != "" {
			b.WriteString("\n  " + common.Truncate(common.OneLine(e.Description), max(w-2, 1)))
		}
	}
	return b.String()
}

func (m *Model) viewComposer(w int) string {
	title := "Reply"
	if m.tplName != "" {
		title += " · template: " + m.tplName
	}
	if m.trReply {
		title += " · sent in " + common.Or(m.thread.Thread.Language, "?")
	}
	title += "  (ctrl+s send · ctrl+t template · ctrl+p preview · ctrl+l buyer's language · esc close)"
	out := m.Styles.Heading.Render(common.Truncate(title, w)) + "\n"
	if m.preview {
		if strings.TrimSpace(m.composer.Value()) == "" {
			return out + common.Fit(m.Styles.Faint.Render("nothing to preview: write a reply or press ctrl+t for a template"), w, m.composer.Height())
		}
		body, err := m.fill()
		if err != nil {
			return out + m.Styles.Error.Render(ansi.Wrap(m.refusal(err), max(w, 1), ""))
		}
		if m.trReply {
			return out + m.viewTranslatedPreview(body, w)
		}
		return out + common.Fit(ansi.Wrap(body, max(w, 1), ""), w, m.composer.Height())
	}
	return out + m.composer.View()
}

// viewTranslatedPreview shows the reply as written beside what the buyer
// receives.
func (m *Model) viewTranslatedPreview(body string, w int) string {
	colW := max((w-3)/2, 1)
	h := m.composer.Height()
	left := m.Styles.Heading.Render(common.Truncate("you write ("+m.Translation.Language+")", colW)) + "\n" + ansi.Wrap(body, colW, "")
	right := m.Styles.Heading.Render(common.Truncate("the buyer gets ("+common.Or(m.thread.Thread.Language, "?")+")", colW)) + "\n"
	switch {
	case m.trOutLoading:
		right += m.Styles.Faint.Render("translating…")
	case m.trOutErr != "":
		right += m.Styles.Error.Render(ansi.Wrap(m.trOutErr, colW, ""))
	case m.trOut != nil && m.trOut.Original == strings.TrimSpace(body):
		right += ansi.Wrap(m.trOut.Text, colW, "")
	default:
		right += m.Styles.Faint.Render(ansi.Wrap("the text changed: ctrl+p twice translates it again", colW, ""))
	}
	return lipgloss.JoinHorizontal(lipgloss.Top, common.Fit(left, colW, h), " ", common.Rule(m.Styles, h), " ", common.Fit(right, colW, h))
}

// ShortHelp lists the main keys of the current mode.
func (m *Model) ShortHelp() []key.Binding {
	k := m.Keys
	switch m.mode {
	case modeCompose:
		return []key.Binding{k.Send, k.NextTemplate, k.Preview, k.TranslateReply, k.Back}
	case modeThread:
		return []key.Binding{k.Reply, k.NoResponse, k.Translate, k.Back, k.Help}
	case modeSearch, modeHits:
		return []key.Binding{k.Open, k.Back, k.Help}
	}
	return []key.Binding{k.Up, k.Down, k.Open, k.Reply, k.NoResponse, k.Filter, k.Help, k.Quit}
}

// FullHelp lists every key: navigation, actions, then quit and help.
func (m *Model) FullHelp() [][]key.Binding {
	k := m.Keys
	return [][]key.Binding{
		k.Navigation(),
		k.Actions(k.Reply, k.NoResponse, k.Mark, k.MarkRange, k.CycleStore, k.CycleLanguage, k.CycleStatus, k.Translate, k.NextTemplate, k.Preview, k.TranslateReply, k.Send),
		k.QuitHelp(),
	}
}
