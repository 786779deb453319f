// Package mcpserver serves sellerops to AI agents over the Model Context
// Protocol, with the official Go SDK. Its tools detect carriers, track
// parcels, list overdue buyer threads, read a thread, list claim candidates
// and draft a claim. Two tools act on the outside world, send_reply and
// file_claim; they are offered only when the config allows them
// (agents.allow_send_replies, agents.allow_file_claims), and a call to
// either while it is not allowed is refused with a message that says which
// setting turns it on.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// Deps are what the tools work with. Each flow's dependencies are made on
// first use.
type Deps struct {
	DB     *localdb.DB
	Config *config.Config
	// Tracking returns the tracker's dependencies (track_parcels).
	Tracking func(ctx context.Context) (tracking.Deps, error)
	// Claims returns the claim flows' dependencies (candidates, drafts,
	// filing).
	Claims func(ctx context.Context) (filing.Deps, error)
	// Marketplace returns the marketplace flows' dependencies with a
	// browser (send_reply).
	Marketplace func(ctx context.Context) (*marketplace.Deps, error)
	// Translation returns the translation provider and the operator's
	// language (read_thread); nil or one that is off means read_thread
	// says translation is off.
	Translation func(ctx context.Context) (messages.Translator, error)
	// TemplateDir holds the reply templates beside the built-ins
	// (fill_template), as `sellerops messages reply` reads them.
	TemplateDir string
	// Version is reported to clients.
	Version string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (d Deps) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d Deps) cfg() *config.Config { return config.OrDefaults(d.Config) }

// Tool names.
const (
	ToolDetect      = "detect_carrier"
	ToolTrack       = "track_parcels"
	ToolOverdue     = "list_overdue_threads"
	ToolReadThread  = "read_thread"
	ToolFill        = "fill_template"
	ToolCandidates  = "list_claim_candidates"
	ToolDraftClaim  = "draft_claim"
	ToolSendReply   = "send_reply"
	ToolFileClaim   = "file_claim"
	maxTrackNumbers = 200
)

// Refusals name the setting that allows a guarded tool.
var refusals = map[string]string{
	ToolSendReply: "send_reply is not allowed: sending buyer replies from an agent is off. A person can send it with `sellerops messages reply`, or allow agents to with agents.allow_send_replies: true in the config",
	ToolFileClaim: "file_claim is not allowed: filing claims from an agent is off. A person can file it with `sellerops claims file`, or allow agents to with agents.allow_file_claims: true in the config",
}

// New builds the server with its tools.
func New(d Deps) *mcp.Server {
	version := d.Version
	if version == "" {
		version = "dev"
	}
	s := mcp.NewServer(&mcp.Implementation{Name: "sellerops", Title: "sellerops seller operations", Version: version},
		&mcp.ServerOptions{Instructions: "Tools over the seller's local sellerops database: buyer messages, parcels and carrier claims. " +
			"Reads are safe; send_reply and file_claim act on marketplaces and carrier portals and exist only when the owner allowed them."})
	h := &handlers{d: d}
	readOnly := &mcp.ToolAnnotations{ReadOnlyHint: true}
	mcp.AddTool(s, &mcp.Tool{Name: ToolDetect, Annotations: readOnly,
		Description: "Detect the carrier (ups, fedex, usps, dhl, ...) and format of tracking numbers from their check digits. No network."}, h.detect)
	mcp.AddTool(s, &mcp.Tool{Name: ToolTrack,
		Description: "Look parcels up by tracking number (carrier API when keys are set, else the public tracking page) and store the results. " +
			"Returns one result per number with status tag, last event, estimated delivery, or an error with its class."}, h.track)
	mcp.AddTool(s, &mcp.Tool{Name: ToolOverdue, Annotations: readOnly,
		Description: "List open buyer threads past their marketplace reply deadline, most overdue first."}, h.overdue)
	mcp.AddTool(s, &mcp.Tool{Name: ToolReadThread, Annotations: readOnly,
		Description: "Read one buyer thread: its messages, order and parcel with tracking events; with a translation provider set, " +
			"each buyer message in the operator's language (translation.state says on or off)."}, h.readThread)
	mcp.AddTool(s, &mcp.Tool{Name: ToolFill, Annotations: readOnly,
		Description: "Fill a reply template for a thread (nothing is sent): the text, and which language version was used and why. " +
			"A placeholder without a value is refused, naming it."}, h.fillTemplate)
	mcp.AddTool(s, &mcp.Tool{Name: ToolCandidates, Annotations: readOnly,
		Description: "List parcels that qualify for a lost or damaged claim, with the carrier's claim window and why they qualify."}, h.candidates)
	mcp.AddTool(s, &mcp.Tool{Name: ToolDraftClaim,
		Description: "Draft a claim for a parcel (stored locally as a draft with its evidence; nothing is sent to the carrier)."}, h.draft)
	cfg := d.cfg()
	if cfg.Agents.AllowSendReplies {
		mcp.AddTool(s, &mcp.Tool{Name: ToolSendReply, Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true)},
			Description: "Send a reply to a buyer thread through the marketplace's seller portal, exactly once."}, h.sendReply)
	}
	if cfg.Agents.AllowFileClaims {
		mcp.AddTool(s, &mcp.Tool{Name: ToolFileClaim, Annotations: &mcp.ToolAnnotations{DestructiveHint: ptr(true)},
			Description: "File a drafted claim through the carrier's claim portal, exactly once, and record its confirmation number."}, h.fileClaim)
	}
	// A guarded tool that is off is not listed; a client that calls it
	// anyway gets the reason, not a bare "unknown tool".
	s.AddReceivingMiddleware(func(next mcp.MethodHandler) mcp.MethodHandler {
		return func(ctx context.Context, method string, req mcp.Request) (mcp.Result, error) {
			if method == "tools/call" {
				if p, ok := req.GetParams().(*mcp.CallToolParamsRaw); ok {
					if msg, guarded := refusals[p.Name]; guarded && !allowed(cfg, p.Name) {
						return &mcp.CallToolResult{IsError: true, Content: []mcp.Content{&mcp.TextContent{Text: msg}}}, nil
					}
				}
			}
			return next(ctx, method, req)
		}
	})
	return s
}

func ptr[T any](v T) *T { return &v }

func allowed(cfg *config.Config, tool string) bool {
	switch tool {
	case ToolSendReply:
		return cfg.Agents.AllowSendReplies
	case ToolFileClaim:
		return cfg.Agents.AllowFileClaims
	}
	return true
}

// Serve runs the server on a transport (mcp.StdioTransport for `sellerops
// mcp`) until the client leaves or ctx ends.
func Serve(ctx context.Context, d Deps, t mcp.Transport) error {
	err := New(d).Run(ctx, t)
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil
	}
	return err
}

type handlers struct{ d Deps }

// DetectInput is detect_carrier's input.
type DetectInput struct {
	Numbers []string `json:"numbers" jsonschema:"tracking numbers, spaces and lower case allowed"`
}

// Detection is one number's carrier.
type Detection struct {
	Input        string   `json:"input"`
	Number       string   `json:"number"`
	Courier      string   `json:"courier"`
	Format       string   `json:"format"`
	Valid        bool     `json:"valid"`
	Alternatives []string `json:"alternatives"`
}

func (h *handlers) detect(_ context.Context, _ *mcp.CallToolRequest, in DetectInput) (*mcp.CallToolResult, any, error) {
	if len(in.Numbers) == 0 {
		return nil, nil, errors.New("numbers is empty; give one or more tracking numbers")
	}
	out := make([]Detection, 0, len(in.Numbers))
	for _, n := range in.Numbers {
		d := carriers.Detect(n)
		det := Detection{Input: n, Number: d.Number, Courier: d.Courier, Format: d.Format, Valid: d.Valid, Alternatives: []string{}}
		for _, a := range d.Alternatives {
			if a.Valid {
				det.Alternatives = append(det.Alternatives, a.Courier+" "+a.Format)
			}
		}
		out = append(out, det)
	}
	return nil, map[string]any{"results": out}, nil
}

// TrackInput is track_parcels's input.
type TrackInput struct {
	Numbers []string `json:"numbers" jsonschema:"tracking numbers to look up (at most 200)"`
	MaxAge  string   `json:"max_age,omitempty" jsonschema:"use a stored result younger than this duration (e.g. 30m, 6h; 0 always looks up); default 1h"`
}

func (h *handlers) track(ctx context.Context, _ *mcp.CallToolRequest, in TrackInput) (*mcp.CallToolResult, any, error) {
	if len(in.Numbers) == 0 {
		return nil, nil, errors.New("numbers is empty; give one or more tracking numbers")
	}
	if len(in.Numbers) > maxTrackNumbers {
		return nil, nil, fmt.Errorf("%d numbers given; give at most %d per call", len(in.Numbers), maxTrackNumbers)
	}
	maxAge := h.d.cfg().Thresholds.TrackMaxAge.D()
	if in.MaxAge != "" {
		if in.MaxAge == "0" {
			maxAge = 0
		} else {
			d, err := config.ParseDuration(in.MaxAge)
			if err != nil {
				return nil, nil, fmt.Errorf("max_age: %v", err)
			}
			maxAge = d
		}
	}
	if h.d.Tracking == nil {
		return nil, nil, errors.New("tracking is not available in this server")
	}
	td, err := h.d.Tracking(ctx)
	if err != nil {
		return nil, nil, err
	}
	ch, err := tracking.TrackAll(ctx, td, in.Numbers, tracking.Options{MaxAge: maxAge})
	if err != nil {
		return nil, nil, err
	}
	lines := make([]tracking.Line, len(in.Numbers))
	got := 0
	for l := range ch {
		if l.Index >= 0 && l.Index < len(lines) {
			lines[l.Index] = l
			got++
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	failed := 0
	for _, l := range lines {
		if l.Failed() {
			failed++
		}
	}
	return nil, map[string]any{"results": lines, "tracked": got, "failed": failed}, nil
}

// OverdueInput is list_overdue_threads's input.
type OverdueInput struct {
	Store string `json:"store,omitempty" jsonschema:"only this store's threads (its sellerops name)"`
	Limit int    `json:"limit,omitempty" jsonschema:"at most this many threads; default 50"`
}

// ThreadLine is a thread in a list.
type ThreadLine struct {
	ID            int64     `json:"thread_id"`
	Store         string    `json:"store"`
	Marketplace   string    `json:"marketplace"`
	Buyer         string    `json:"buyer"`
	Subject       string    `json:"subject"`
	Order         string    `json:"order,omitempty"`
	Language      string    `json:"language,omitempty"`
	LastMessageAt time.Time `json:"last_message_at,omitzero"`
	ReplyDeadline time.Time `json:"reply_deadline,omitzero"`
	OverdueBy     string    `json:"overdue_by,omitempty"`
}

func (h *handlers) overdue(ctx context.Context, _ *mcp.CallToolRequest, in OverdueInput) (*mcp.CallToolResult, any, error) {
	f := localdb.ThreadFilter{Overdue: true, Limit: in.Limit}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	if in.Store != "" {
		st, err := h.d.DB.GetStoreRecord(ctx, in.Store)
		if err != nil {
			return nil, nil, fmt.Errorf("store %q: %w; list stores with `sellerops stores list`", in.Store, err)
		}
		f.StoreIDs = []int64{st.ID}
	}
	list, err := h.d.DB.ListThreads(ctx, f)
	if err != nil {
		return nil, nil, err
	}
	now := h.d.now()
	out := make([]ThreadLine, 0, len(list))
	for _, t := range list {
		tl := ThreadLine{ID: t.ID, Store: t.StoreName, Marketplace: t.Marketplace, Buyer: t.BuyerName, Subject: t.Subject,
			Order: t.MarketplaceOrderID, Language: t.Language, LastMessageAt: t.LastMessageAt, ReplyDeadline: t.ReplyDeadline}
		if !t.ReplyDeadline.IsZero() && now.After(t.ReplyDeadline) {
			tl.OverdueBy = now.Sub(t.ReplyDeadline).Round(time.Minute).String()
		}
		out = append(out, tl)
	}
	return nil, map[string]any{"threads": out}, nil
}

// ThreadInput names a thread.
type ThreadInput struct {
	ThreadID int64 `json:"thread_id" jsonschema:"the thread's sellerops id, as list_overdue_threads gives it"`
}

func (h *handlers) readThread(ctx context.Context, _ *mcp.CallToolRequest, in ThreadInput) (*mcp.CallToolResult, any, error) {
	if in.ThreadID <= 0 {
		return nil, nil, errors.New("thread_id must be a thread's id from list_overdue_threads")
	}
	tc, err := h.d.DB.GetThreadContext(ctx, in.ThreadID)
	if err != nil {
		return nil, nil, fmt.Errorf("thread %d: %w", in.ThreadID, err)
	}
	if tc.Messages == nil {
		tc.Messages = []localdb.Message{}
	}
	if tc.Events == nil {
		tc.Events = []localdb.TrackingEvent{}
	}
	out := ThreadOutput{ThreadContext: tc, Translation: TranslationState{State: "off"}}
	tr := messages.Translator{}
	if h.d.Translation != nil {
		if tr, err = h.d.Translation(ctx); err != nil {
			tr = messages.Translator{Language: tr.Language, Off: "translation is off: " + err.Error()}
		}
	}
	out.Translation.Language = tr.Language
	if !tr.On() {
		out.Translation.Note = tr.OffText()
		return nil, out, nil
	}
	out.Translation.State = "on"
	got, err := messages.TranslateThread(ctx, tr, tc.Thread, tc.Messages)
	if err != nil {
		// The thread is still read; the translation's failure is said,
		// with its class, not hidden behind missing fields.
		out.Translation.State, out.Translation.Note = "failed", err.Error()
		out.Translation.Class = string(translate.ClassOf(err))
		return nil, out, nil
	}
	out.Translations = got
	return nil, out, nil
}

// ThreadOutput is read_thread's answer: the thread, and its buyer
// messages in the operator's language when a provider is set.
type ThreadOutput struct {
	localdb.ThreadContext
	Translation TranslationState `json:"translation"`
	// Translations maps a buyer message's id to its translation; the
	// original stays in messages.
	Translations map[int64]messages.MessageTranslation `json:"translations,omitempty"`
}

// TranslationState says whether read_thread translated: "on", "off" (no
// provider; Note says how to set one) or "failed" (Note and Class say why).
type TranslationState struct {
	State    string `json:"state"`
	Language string `json:"language,omitempty"` // the operator's language
	Note     string `json:"note,omitempty"`
	Class    string `json:"class,omitempty"`
}

// FillInput is fill_template's input.
type FillInput struct {
	ThreadID int64  `json:"thread_id" jsonschema:"the thread's sellerops id"`
	Template string `json:"template" jsonschema:"the template's name, such as tracking"`
}

// FillOutput is a filled template and the language version used.
type FillOutput struct {
	Template string `json:"template"`
	Language string `json:"language"` // the version's language; "" for a file without one
	Why      string `json:"why"`      // which rule chose it
	Body     string `json:"body"`
}

func (h *handlers) fillTemplate(ctx context.Context, _ *mcp.CallToolRequest, in FillInput) (*mcp.CallToolResult, any, error) {
	if in.ThreadID <= 0 || strings.TrimSpace(in.Template) == "" {
		return nil, nil, errors.New("give thread_id and template")
	}
	set, _ := messages.LoadTemplates(h.d.TemplateDir)
	tpl, ok := set[in.Template]
	if !ok {
		return nil, nil, fmt.Errorf("no template %q; known: %s", in.Template, strings.Join(messages.TemplateNames(set), ", "))
	}
	r, err := messages.FillForThread(ctx, h.d.DB, tpl, in.ThreadID)
	if err != nil {
		return nil, nil, err
	}
	return nil, FillOutput{Template: r.Template.Name, Language: r.Template.Lang, Why: messages.WhyLang(r.Template.Lang, r.ThreadLang, r.StoreLang), Body: r.Body}, nil
}

// CandidatesInput is list_claim_candidates's input.
type CandidatesInput struct {
	OpenOnly bool `json:"open_only,omitempty" jsonschema:"only candidates whose claim window is open now"`
}

func (h *handlers) candidates(ctx context.Context, _ *mcp.CallToolRequest, in CandidatesInput) (*mcp.CallToolResult, any, error) {
	cd, err := h.claimsDeps(ctx)
	if err != nil {
		return nil, nil, err
	}
	list, err := claims.Candidates(ctx, cd.Deps, h.d.now())
	if err != nil {
		return nil, nil, err
	}
	out := make([]claims.Candidate, 0, len(list))
	for _, c := range list {
		if in.OpenOnly && c.Window.State != claims.WindowOpen {
			continue
		}
		out = append(out, c)
	}
	return nil, map[string]any{"candidates": out}, nil
}

func (h *handlers) claimsDeps(ctx context.Context) (filing.Deps, error) {
	if h.d.Claims == nil {
		return filing.Deps{Deps: claims.Deps{DB: h.d.DB, Config: h.d.cfg(), Now: h.d.Now}}, nil
	}
	return h.d.Claims(ctx)
}

// DraftInput is draft_claim's input.
type DraftInput struct {
	Parcel string `json:"parcel" jsonschema:"the parcel's tracking number (or sellerops shipment id)"`
	Kind   string `json:"kind,omitempty" jsonschema:"lost or damaged; empty takes the kind the parcel qualifies for"`
}

func (h *handlers) draft(ctx context.Context, _ *mcp.CallToolRequest, in DraftInput) (*mcp.CallToolResult, any, error) {
	if strings.TrimSpace(in.Parcel) == "" {
		return nil, nil, errors.New("parcel is empty; give a tracking number from list_claim_candidates")
	}
	kind := localdb.ClaimKind(in.Kind)
	if in.Kind != "" && kind != localdb.ClaimLost && kind != localdb.ClaimDamaged {
		return nil, nil, fmt.Errorf("kind %q: use lost or damaged, or leave it empty", in.Kind)
	}
	cd, err := h.claimsDeps(ctx)
	if err != nil {
		return nil, nil, err
	}
	d, err := claims.Draft(ctx, cd.Deps, in.Parcel, kind)
	if err != nil {
		return nil, nil, err
	}
	if d.Evidence == nil {
		d.Evidence = []localdb.ClaimEvidence{}
	}
	return nil, d, nil
}

// ReplyInput is send_reply's input.
type ReplyInput struct {
	ThreadID int64  `json:"thread_id" jsonschema:"the thread's sellerops id"`
	Body     string `json:"body" jsonschema:"the reply's text, complete (no placeholders)"`
}

func (h *handlers) sendReply(ctx context.Context, _ *mcp.CallToolRequest, in ReplyInput) (*mcp.CallToolResult, any, error) {
	if !h.d.cfg().Agents.AllowSendReplies {
		return nil, nil, errors.New(refusals[ToolSendReply])
	}
	if in.ThreadID <= 0 || strings.TrimSpace(in.Body) == "" {
		return nil, nil, errors.New("give thread_id and a non-empty body")
	}
	if h.d.Marketplace == nil {
		return nil, nil, errors.New("sending replies is not available in this server")
	}
	md, err := h.d.Marketplace(ctx)
	if err != nil {
		return nil, nil, err
	}
	res, err := marketplace.SendReplyResult(ctx, md, in.ThreadID, in.Body, nil)
	if err != nil {
		return nil, nil, err
	}
	return nil, res, nil
}

// FileInput is file_claim's input.
type FileInput struct {
	ClaimID int64 `json:"claim_id" jsonschema:"the drafted claim's id, as draft_claim gives it"`
}

func (h *handlers) fileClaim(ctx context.Context, _ *mcp.CallToolRequest, in FileInput) (*mcp.CallToolResult, any, error) {
	if !h.d.cfg().Agents.AllowFileClaims {
		return nil, nil, errors.New(refusals[ToolFileClaim])
	}
	if in.ClaimID <= 0 {
		return nil, nil, errors.New("claim_id must be a drafted claim's id")
	}
	// An agent files with nobody at the keyboard: the same policy as the
	// scheduler (claims.auto_file, the amount cap, an open window) applies.
	// A claim already filed passes, so that a filing cut short is finished.
	c, err := h.d.DB.GetClaim(ctx, in.ClaimID)
	if err != nil {
		return nil, nil, fmt.Errorf("claim %d: %w", in.ClaimID, err)
	}
	if c.State == localdb.ClaimDraft || c.State == localdb.ClaimFiling {
		if ok, why := claims.PolicyAllows(h.d.cfg(), c, h.d.now()); !ok {
			return nil, nil, fmt.Errorf("claim %d not filed: %s", in.ClaimID, why)
		}
	}
	cd, err := h.claimsDeps(ctx)
	if err != nil {
		return nil, nil, err
	}
	f := filing.NewFiler(cd, false)
	defer f.Close()
	res, err := f.File(ctx, in.ClaimID, nil)
	if err != nil {
		return nil, nil, err
	}
	return nil, res, nil
}
