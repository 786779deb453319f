package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
)

func newMessagesCmd(f *factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "messages",
		Short: "The buyer-message inbox: list, show, reply, mark done",
		Long: strings.TrimSpace(`
Work through the buyer messages that 'sellerops sync' pulled in. list and
show read the local database only; reply, and done on Amazon, act on the
marketplace through its seller portal. Threads are listed overdue first, then by reply deadline: Amazon counts 24 h
of calendar time after the buyer's last message (weekends included), TikTok
Shop 12 h, eBay 3 business days for returns and cases and none otherwise.`),
	}
	cmd.AddCommand(newMessagesListCmd(f), newMessagesShowCmd(f), newMessagesReplyCmd(f), newMessagesDoneCmd(f), newMessagesTemplatesCmd(f), newMessagesAnalyzeCmd(f))
	return cmd
}

type messagesListOptions struct {
	Overdue bool
	DueSoon bool
	Stores  []string
	Lang    string
	Search  string
	Status  string
	Limit   int
	JSON    jsonFlags
}

func newMessagesListCmd(f *factory) *cobra.Command {
	var opts messagesListOptions
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List threads, overdue first, with their reply deadlines",
		Example: strings.Join([]string{
			"  sellerops messages list --overdue",
			"  sellerops messages list --due-soon",
			"  sellerops messages list --lang de --search refund",
			"  sellerops messages list --json --jq '.[] | [.id, .store, .reply_deadline] | @tsv'",
		}, "\n"),
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return messagesListRun(cmd.Context(), f, &opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Overdue, "overdue", false, "Only open threads past their reply deadline")
	fl.BoolVar(&opts.DueSoon, "due-soon", false, "Only open threads whose reply deadline is closer than thresholds.due_soon (default 4h)")
	fl.StringSliceVar(&opts.Stores, "store", nil, "Only this `store` (repeatable)")
	fl.StringVar(&opts.Lang, "lang", "", "Only threads in this `language` (ISO 639-1, such as de)")
	fl.StringVar(&opts.Search, "search", "", "Only threads with a message matching these `words` (every word; Japanese, Chinese and Korean words match inside the text)")
	fl.StringVar(&opts.Status, "status", "", "Only threads in this `status`: open, replied or no_response_needed")
	fl.IntVar(&opts.Limit, "limit", 0, "At most this many threads (0: all)")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func messagesListRun(ctx context.Context, f *factory, opts *messagesListOptions) error {
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	dueSoon := messages.DueSoonWithin(cfg)
	filter := localdb.ThreadFilter{Language: strings.ToLower(opts.Lang), Overdue: opts.Overdue, Search: opts.Search, Limit: opts.Limit}
	if opts.DueSoon {
		filter.DueWithin = dueSoon
	}
	if opts.Lang != "" && len(opts.Lang) != 2 {
		return usageErrorf("--lang %q: give a two-letter ISO 639-1 code such as en, de or ja", opts.Lang)
	}
	if opts.Status != "" {
		switch s := localdb.ThreadStatus(opts.Status); s {
		case localdb.StatusOpen, localdb.StatusReplied, localdb.StatusNoResponseNeeded:
			filter.Statuses = []localdb.ThreadStatus{s}
		default:
			return usageErrorf("--status %q: use open, replied or no_response_needed", opts.Status)
		}
	}
	for _, n := range opts.Stores {
		// A store removed with its history kept is still there to read.
		st, err := db.GetStoreRecord(ctx, n)
		if err != nil {
			return err
		}
		filter.StoreIDs = append(filter.StoreIDs, st.ID)
	}
	threads, err := db.ListThreads(ctx, filter)
	if err != nil {
		return err
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, threads, opts.JSON.JQ)
	}
	if len(threads) == 0 {
		fmt.Fprintln(f.IO.ErrOut, "no threads match")
		return nil
	}
	now := f.Now()
	t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "ID", "STORE", "BUYER", "SUBJECT", "LANG", "STATUS", "REPLY BY")
	for _, th := range threads {
		t.row(strconv.FormatInt(th.ID, 10), th.StoreName, th.BuyerName, clip(th.Subject, 48), th.Language, string(th.Status), dueText(th, now, dueSoon))
	}
	t.flush()
	return nil
}

// dueText says when a thread must be answered, relative to now, and marks
// it due soon by the config's thresholds.due_soon.
func dueText(th localdb.Thread, now time.Time, dueSoon time.Duration) string {
	if th.Status != localdb.StatusOpen || th.ReplyDeadline.IsZero() {
		return "-"
	}
	d := th.ReplyDeadline.Sub(now)
	when := th.ReplyDeadline.Format("2006-01-02 15:04")
	if d < 0 {
		return when + " (overdue " + roundDur(-d) + ")"
	}
	if messages.DueSoon(th, now, dueSoon) {
		return when + " (in " + roundDur(d) + ", due soon)"
	}
	return when + " (in " + roundDur(d) + ")"
}

func roundDur(d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf("%dd", int(d.Hours()/24))
	case d >= time.Hour:
		return fmt.Sprintf("%dh", int(d.Hours()))
	}
	return fmt.Sprintf("%dm", int(d.Minutes()))
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// threadArg reads a THREAD argument: the local thread id.
func threadArg(arg string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(arg, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, usageErrorf("THREAD %q: give the thread's id from `sellerops messages list`", arg)
	}
	return id, nil
}

// withThread is the RunE of a command whose one argument is THREAD.
func withThread(run func(ctx context.Context, id int64) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		id, err := threadArg(args[0])
		if err != nil {
			return err
		}
		return run(cmd.Context(), id)
	}
}

type threadView struct {
	localdb.Thread
	Messages []localdb.Message `json:"messages"`
	Order    *localdb.Order    `json:"order,omitempty"`
	// Shipment is the order's parcel as last tracked, with its events
	// newest first.
	Shipment *localdb.Shipment       `json:"shipment,omitempty"`
	Events   []localdb.TrackingEvent `json:"events,omitempty"`
	// Translations, with --translate, maps a buyer message's id to its text
	// in the operator's language; the original stays in messages.
	Translations map[int64]messages.MessageTranslation `json:"translations,omitempty"`
}

// shownEvents is how many of the parcel's latest events messages show
// prints; --json carries them all.
const shownEvents = 3

func newMessagesShowCmd(f *factory) *cobra.Command {
	var jf jsonFlags
	var translateOn bool
	cmd := &cobra.Command{
		Use:   "show THREAD",
		Short: "Show a thread with its messages, order, parcel and attachments",
		Long: `Show a thread with its messages, order, parcel and attachments.

--translate shows each buyer message in operator.language (English when unset)
under the original, through translation.provider; translations are kept in the
database and never fetched twice. Without a provider the thread is shown as
usual with a line saying that translation is off.`,
		Example: "  sellerops messages show 42\n  sellerops messages show 42 --json --jq '.messages[-1].body'\n  sellerops messages show 42 --translate",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id, err := threadArg(args[0])
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			db, err := f.DB(ctx)
			if err != nil {
				return err
			}
			tc, err := db.GetThreadContext(ctx, id)
			if err != nil {
				return err
			}
			th, msgs := tc.Thread, tc.Messages
			v := threadView{Thread: th, Messages: msgs, Order: tc.Order, Shipment: tc.Shipment, Events: tc.Events}
			translationNote := ""
			if translateOn {
				tr, note, err := translateThread(ctx, f, th, msgs)
				if err != nil {
					return err
				}
				v.Translations, translationNote = tr, note
			}
			if jf.enabled() {
				return writeJSON(f.IO.Out, v, jf.JQ)
			}
			cfg, err := f.Config()
			if err != nil {
				return err
			}
			w := f.IO.Out
			fmt.Fprintf(w, "#%d %s\n", th.ID, th.Subject)
			fmt.Fprintf(w, "store %s (%s), buyer %s, language %s, %s, status %s, reply by %s\n",
				th.StoreName, th.Marketplace, th.BuyerName, orDash(th.Language), th.Kind, th.Status, dueText(th, f.Now(), messages.DueSoonWithin(cfg)))
			if v.Order != nil {
				o := v.Order
				fmt.Fprintf(w, "order %s: %s %s, tracking %s\n", o.MarketplaceOrderID, orDash(o.Carrier), money.FormatOr(o.DeclaredValue, o.Currency, "value not known"), orDash(o.TrackingNumber))
			} else if th.MarketplaceOrderID != "" {
				fmt.Fprintf(w, "order %s (not synced)\n", th.MarketplaceOrderID)
			}
			if sh := v.Shipment; sh != nil {
				status := sh.Tag
				if sh.Subtag != "" {
					status += "/" + sh.Subtag
				}
				checked := "never tracked"
				if !sh.CheckedAt.IsZero() {
					checked = "tracked " + sh.CheckedAt.Local().Format("2006-01-02 15:04")
				}
				fmt.Fprintf(w, "parcel %s %s: %s (%s)\n", sh.Courier, sh.TrackingNumber, orDash(status), checked)
				for i, e := range v.Events {
					if i == shownEvents {
						fmt.Fprintf(w, "  ... %d earlier events (--json has them all)\n", len(v.Events)-shownEvents)
						break
					}
					where := ""
					if e.Location != "" {
						where = " (" + e.Location + ")"
					}
					fmt.Fprintf(w, "  %s %s%s\n", e.Time.Local().Format("2006-01-02 15:04"), e.Description, where)
				}
			}
			if translationNote != "" {
				fmt.Fprintln(w, translationNote)
			}
			for _, m := range msgs {
				who := m.Sender
				if m.Direction == localdb.DirectionOut {
					who = "you"
				}
				if m.Automatic {
					who += " (automatic: neither asks nor answers)"
				}
				fmt.Fprintf(w, "\n--- %s, %s\n%s\n", who, m.SentAt.Format("2006-01-02 15:04"), m.Body)
				if tr, ok := v.Translations[m.ID]; ok {
					fmt.Fprintf(w, "[translated from %s to %s]\n%s\n", tr.Source, tr.Language, tr.Text)
				}
				if o := m.Original; o != nil {
					fmt.Fprintf(w, "[sent in %s; you wrote, in %s]\n%s\n", o.SentIn, o.Language, o.Text)
				}
				for _, a := range m.Attachments {
					fmt.Fprintf(w, "[attachment %s %s]\n", a.FileName, orDash(a.LocalPath))
				}
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&translateOn, "translate", false, "show each buyer message in operator.language under the original")
	addJSONFlags(cmd, &jf)
	return cmd
}

// translateThread translates the thread's buyer messages by the shared
// rule. With no provider it returns a note saying translation is off and no
// error.
func translateThread(ctx context.Context, f *factory, th localdb.Thread, msgs []localdb.Message) (map[int64]messages.MessageTranslation, string, error) {
	tr, err := f.Translation(ctx)
	if err != nil {
		return nil, "", err
	}
	if !tr.On() {
		return nil, tr.OffText(), nil
	}
	got, err := messages.TranslateThread(ctx, tr, th, msgs)
	if err != nil {
		return nil, "", err
	}
	return got, "", nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

type messagesReplyOptions struct {
	Thread   int64
	Template string
	BodyFile string
	DryRun   bool
	// TranslateReply sends the text, written in the operator's language,
	// in the buyer's, keeping both.
	TranslateReply bool
	JSON           jsonFlags
}

func newMessagesReplyCmd(f *factory) *cobra.Command {
	var opts messagesReplyOptions
	cmd := &cobra.Command{
		Use:   "reply THREAD (--template NAME | --body-file FILE)",
		Short: "Answer a buyer through the outbox, never twice",
		Long: strings.TrimSpace(`
Send a reply in the marketplace's own message page. The text comes from a
template, whose placeholders ({{buyer}}, {{order}}, {{tracking}}, {{carrier}},
{{status}}, {{store}}) are filled from the local data, or from a file ("-"
for standard input). A template with a value missing is refused (exit 4),
naming the placeholder: nothing is sent with a blank.

The reply is first written to the outbox under an idempotency key; the site
keeps the key beside the reply. If sellerops stops half-way, running the same
command again looks for the reply on the site before sending anything. The
same text to the same thread is sent once.

--translate-reply takes a reply written in operator.language (English when
unset) from --body-file, translates it into the thread's language through
translation.provider and sends the translation; the stored reply keeps both
texts. At a terminal both are shown and nothing is sent until you answer y.
Without a terminal (scripts, cron) it also needs the policy key
agents.allow_translated_replies: true, else it refuses with exit 11 and sends
nothing. A thread whose language is not known, or is already the operator's,
is refused with exit 4.`),
		Example: strings.Join([]string{
			"  sellerops messages reply 42 --template tracking",
			"  sellerops messages reply 42 --body-file answer.txt",
			"  sellerops messages reply 42 --template tracking --dry-run",
			"  sellerops messages reply 42 --body-file answer.txt --translate-reply --dry-run",
		}, "\n"),
		Args: cobra.ExactArgs(1),
		RunE: withThread(func(ctx context.Context, id int64) error {
			opts.Thread = id
			return messagesReplyRun(ctx, f, &opts)
		}),
	}
	cmd.Flags().StringVar(&opts.Template, "template", "", "Reply with the template `NAME` (see `sellerops messages templates`)")
	cmd.Flags().StringVar(&opts.BodyFile, "body-file", "", "Reply with the text of `FILE` (\"-\" for standard input)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "Print the reply and send nothing")
	cmd.Flags().BoolVar(&opts.TranslateReply, "translate-reply", false, "Send the reply, written in operator.language, translated into the buyer's language")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func templateDir(f *factory) string {
	path, _, err := f.ConfigPath()
	if err != nil {
		return ""
	}
	return filepath.Join(filepath.Dir(path), "templates")
}

// replyBody builds the reply text from a template or a file.
func replyBody(ctx context.Context, f *factory, db *localdb.DB, opts *messagesReplyOptions) (string, error) {
	switch {
	case (opts.Template == "") == (opts.BodyFile == ""):
		return "", usageErrorf("give exactly one of --template NAME or --body-file FILE")
	case opts.BodyFile != "":
		var data []byte
		var err error
		if opts.BodyFile == "-" {
			data, err = readAll(f)
		} else {
			data, err = os.ReadFile(opts.BodyFile)
		}
		if err != nil {
			return "", badInput(fmt.Errorf("--body-file %s: %w", opts.BodyFile, err))
		}
		body := strings.TrimSpace(string(data))
		if body == "" {
			return "", badInput(fmt.Errorf("--body-file %s is empty; write the reply in it", opts.BodyFile))
		}
		return body, nil
	}
	set, err := messages.LoadTemplates(templateDir(f))
	if err != nil {
		fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
	}
	tpl, ok := set[opts.Template]
	if !ok {
		return "", badInput(fmt.Errorf("--template %q: no such template; known: %s (add one as %s)",
			opts.Template, strings.Join(messages.TemplateNames(set), ", "), filepath.Join(templateDir(f), opts.Template+".txt")))
	}
	r, err := messages.FillForThread(ctx, db, tpl, opts.Thread)
	if err != nil {
		return "", err
	}
	fmt.Fprintf(f.IO.ErrOut, "template %s in %s (%s)\n", r.Template.Name, langName(r.Template.Lang), messages.WhyLang(r.Template.Lang, r.ThreadLang, r.StoreLang))
	return r.Body, nil
}

func langName(l string) string {
	if l == "" {
		return "the file's language"
	}
	return l
}

func readAll(f *factory) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f.IO.In, 1<<20+1))
	if err == nil && len(data) > 1<<20 {
		return nil, fmt.Errorf("the reply is over 1 MB")
	}
	return data, err
}

func messagesReplyRun(ctx context.Context, f *factory, opts *messagesReplyOptions) error {
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	if _, err := db.GetThread(ctx, opts.Thread); err != nil {
		return err
	}
	if opts.TranslateReply {
		return translatedReplyRun(ctx, f, db, opts)
	}
	body, err := replyBody(ctx, f, db, opts)
	if err != nil {
		return err
	}
	if opts.DryRun {
		fmt.Fprintln(f.IO.Out, body)
		return nil
	}
	deps, err := marketplaceDeps(ctx, f, true)
	if err != nil {
		return err
	}
	res, err := marketplace.SendReplyResult(ctx, deps, opts.Thread, body, func(p marketplace.Progress) {
		fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", p.Store, p.Phase)
	})
	if err != nil {
		return err
	}
	return printReplyResult(f, opts, res)
}

// translatedReplyRun sends a reply written in the operator's language in
// the buyer's. Without a terminal the policy key must allow it; at one the
// person sees both texts and says yes first. Nothing is sent otherwise.
func translatedReplyRun(ctx context.Context, f *factory, db *localdb.DB, opts *messagesReplyOptions) error {
	if opts.Template != "" {
		return usageErrorf("--translate-reply takes the reply from --body-file; templates come in the buyer's language already (send them without --translate-reply)")
	}
	cfg, err := f.Config()
	if err != nil {
		return err
	}
	interactive := f.IO.IsStdinTTY() && opts.BodyFile != "-"
	if !interactive && !opts.DryRun && !cfg.Agents.AllowTranslatedReplies {
		return &classError{class: automations.NeedsHuman, err: fmt.Errorf(
			"thread %d: not sent: a machine-translated reply without a person to check it needs agents.allow_translated_replies: true in the config; or run the command at a terminal to see the translation first", opts.Thread)}
	}
	th, err := db.GetThread(ctx, opts.Thread)
	if err != nil {
		return err
	}
	body, err := replyBody(ctx, f, db, opts)
	if err != nil {
		return err
	}
	tr, err := f.Translation(ctx)
	if err != nil {
		return err
	}
	if !tr.On() {
		return &configNeededError{err: fmt.Errorf("--translate-reply: %s", tr.OffText())}
	}
	rep, err := messages.TranslateReply(ctx, tr, th, body)
	if errors.Is(err, messages.ErrNoBuyerLanguage) {
		return badInput(err)
	}
	if err != nil {
		return err
	}
	if opts.DryRun && opts.JSON.enabled() {
		return writeJSON(f.IO.Out, rep, opts.JSON.JQ)
	}
	preview := f.IO.Out
	if !opts.DryRun {
		preview = f.IO.ErrOut
	}
	fmt.Fprintf(preview, "--- you wrote (%s)\n%s\n--- the buyer gets (%s)\n%s\n", rep.OriginalLang, rep.Original, rep.Lang, rep.Text)
	if opts.DryRun {
		return nil
	}
	if interactive {
		fmt.Fprintf(f.IO.ErrOut, "Send the %s text to thread %d? [y/N] ", rep.Lang, th.ID)
		answer, _ := bufio.NewReader(f.IO.In).ReadString('\n')
		if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
			fmt.Fprintln(f.IO.ErrOut, "not sent")
			return nil
		}
	}
	deps, err := marketplaceDeps(ctx, f, true)
	if err != nil {
		return err
	}
	res, err := marketplace.SendTranslatedReply(ctx, deps, th.ID, rep.Text,
		localdb.ReplyOriginal{Text: rep.Original, Language: rep.OriginalLang, SentIn: rep.Lang, Provider: tr.P.Name()},
		func(p marketplace.Progress) { fmt.Fprintf(f.IO.ErrOut, "%s: %s\n", p.Store, p.Phase) })
	if err != nil {
		return err
	}
	return printReplyResult(f, opts, res)
}

func printReplyResult(f *factory, opts *messagesReplyOptions, res marketplace.ReplyResult) error {
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, res, opts.JSON.JQ)
	}
	switch {
	case res.AlreadySent:
		fmt.Fprintf(f.IO.Out, "thread %d: this reply was already sent (%s); nothing sent again\n", opts.Thread, res.Key)
	case res.Recovered:
		fmt.Fprintf(f.IO.Out, "thread %d: an earlier attempt had reached the site; recorded, not sent again (%s)\n", opts.Thread, res.Key)
	default:
		fmt.Fprintf(f.IO.Out, "thread %d: reply sent (%s)\n", opts.Thread, res.Key)
	}
	return nil
}

type messagesDoneOptions struct {
	Thread int64
	Local  bool
	JSON   jsonFlags
}

func newMessagesDoneCmd(f *factory) *cobra.Command {
	var opts messagesDoneOptions
	cmd := &cobra.Command{
		Use:   "done THREAD [--local]",
		Short: "Mark a thread \"no response needed\", on the marketplace and locally",
		Long: strings.TrimSpace(`
Mark a thread "no response needed": it leaves the overdue list. A new buyer
message opens it again.

On Amazon an unanswered buyer message counts against the store's response
time until Seller Central itself is told, so the store signs in, opens the
thread and takes the site's "No response needed" action, then marks the
thread locally. When the site already shows the thread so, nothing is sent
again. eBay and TikTok Shop have no such action: the thread is marked in the
local inbox only, and the output says so.

--local marks the local inbox only, without opening the site (for offline
use); on Amazon the thread then still counts as unanswered there.`),
		Example: strings.Join([]string{
			"  sellerops messages done 42",
			"  sellerops messages done 42 --local",
			"  sellerops messages done 42 --json --jq .on_site",
		}, "\n"),
		Args: cobra.ExactArgs(1),
		RunE: withThread(func(ctx context.Context, id int64) error {
			opts.Thread = id
			return messagesDoneRun(ctx, f, &opts)
		}),
	}
	cmd.Flags().BoolVar(&opts.Local, "local", false, "Mark the local inbox only; do not open the marketplace")
	addJSONFlags(cmd, &opts.JSON)
	return cmd
}

func messagesDoneRun(ctx context.Context, f *factory, opts *messagesDoneOptions) error {
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	th, err := db.GetThread(ctx, opts.Thread)
	if err != nil {
		return err
	}
	var res marketplace.NoResponseResult
	if opts.Local {
		if err := db.SetThreadStatus(ctx, th.ID, localdb.StatusNoResponseNeeded); err != nil {
			return err
		}
		res = marketplace.NoResponseResult{ThreadID: th.ID, Store: th.StoreName, Marketplace: th.Marketplace,
			MarketplaceThreadID: th.MarketplaceThreadID, LocalOnly: "--local: the marketplace was not asked"}
	} else {
		deps, err := marketplaceDeps(ctx, f, marketplace.HasNoResponseAction(th.Marketplace))
		if err != nil {
			return err
		}
		if res, err = marketplace.MarkNoResponse(ctx, deps, th.ID); err != nil {
			return err
		}
	}
	switch {
	case res.Already:
		fmt.Fprintf(f.IO.ErrOut, "thread %d: no response needed (already so on %s; marked locally)\n", res.ThreadID, res.Marketplace)
	case res.OnSite:
		fmt.Fprintf(f.IO.ErrOut, "thread %d: no response needed, marked on %s and locally\n", res.ThreadID, res.Marketplace)
	default:
		fmt.Fprintf(f.IO.ErrOut, "thread %d: no response needed, marked locally only: %s\n", res.ThreadID, res.LocalOnly)
	}
	if opts.JSON.enabled() {
		return writeJSON(f.IO.Out, res, opts.JSON.JQ)
	}
	return nil
}

func newMessagesTemplatesCmd(f *factory) *cobra.Command {
	var jf jsonFlags
	cmd := &cobra.Command{
		Use:     "templates",
		Short:   "List the reply templates: built-in ones and <config dir>/templates/NAME.txt and NAME.LANG.txt",
		Example: "  sellerops messages templates\n  sellerops messages templates --jq '.[].name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := messages.LoadTemplates(templateDir(f))
			if err != nil {
				fmt.Fprintf(f.IO.ErrOut, "warning: %v\n", err)
			}
			list := []messages.Template{}
			for _, n := range messages.TemplateNames(set) {
				list = append(list, set[n])
			}
			if jf.enabled() {
				return writeJSON(f.IO.Out, list, jf.JQ)
			}
			t := newTable(f.IO.Out, f.IO.IsStdoutTTY(), "NAME", "LANGUAGES", "SOURCE", "FIRST LINE")
			for _, tp := range list {
				first, _, _ := strings.Cut(tp.Body, "\n")
				t.row(tp.Name, strings.Join(tp.Languages(), ","), tp.Source, clip(first, 50))
			}
			t.flush()
			return nil
		},
	}
	addJSONFlags(cmd, &jf)
	return cmd
}
