package messages

import (
	"context"

	"github.com/sellerops/sellerops/localdb"
)

// ThreadReply is a template filled for one thread: the text to send, the
// language version of the template used, and the languages it was chosen
// by.
type ThreadReply struct {
	Body       string
	Template   Template
	ThreadLang string // the thread's language, "" when not known
	StoreLang  string // the store's site's language, "" when not known
}

// FillForThread fills tpl for one thread: the version in the thread's
// language, else in the store's site's language, else English (by the
// rule of Template.For), with the thread's own placeholder values. A
// placeholder without a value is a *MissingValueError and no body: a
// reply is never sent half-filled.
func FillForThread(ctx context.Context, db *localdb.DB, tpl Template, threadID int64) (ThreadReply, error) {
	values, why, err := TemplateValues(ctx, db, threadID)
	if err != nil {
		return ThreadReply{}, err
	}
	var r ThreadReply
	if r.ThreadLang, r.StoreLang, err = ReplyLanguages(ctx, db, threadID); err != nil {
		return ThreadReply{}, err
	}
	r.Template = tpl.For(r.ThreadLang, r.StoreLang)
	body, err := r.Template.Fill(values, why)
	if err != nil {
		return ThreadReply{}, err
	}
	r.Body = body
	return r, nil
}

// ReplyLanguages are the languages a reply to a thread is chosen by: the
// thread's own ("" when not known) and its store's site's ("" when the
// site's address names none). Template.For takes them in this order.
func ReplyLanguages(ctx context.Context, db *localdb.DB, threadID int64) (threadLang, storeLang string, err error) {
	th, err := db.GetThread(ctx, threadID)
	if err != nil {
		return "", "", err
	}
	st, err := db.GetStore(ctx, th.StoreID)
	if err != nil {
		return "", "", err
	}
	return th.Language, LocalePrior(st.BaseURL), nil
}

// WhyLang says which rule chose a template's language, for the command
// line, the dashboard and MCP alike.
func WhyLang(used, thread, store string) string {
	switch {
	case used != "" && used == thread:
		return "the thread's language"
	case used != "" && used == store:
		return "the store's language"
	case used == "en":
		return "English, as no template matches the thread's or the store's language"
	}
	return "the only version of this template"
}
