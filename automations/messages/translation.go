package messages

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
)

// Translator is what every surface (command line, dashboard, MCP) needs to
// show buyers' messages in the operator's language and to put the
// operator's replies into the buyer's: a provider, normally behind the
// database cache, and the operator's language. A nil P means translation is
// off, and Off says why in words a user can act on.
type Translator struct {
	P        translate.Provider
	Language string // the operator's language, ISO 639-1
	Off      string // why translation is off; "" when P is set
}

// On reports whether a provider is set.
func (t Translator) On() bool { return t.P != nil }

// OffText is the line shown where a translation would be.
func (t Translator) OffText() string {
	if t.Off != "" {
		return t.Off
	}
	return translate.ErrOff.Error()
}

// MessageTranslation is one buyer message in the operator's language; the
// original stays in the message.
type MessageTranslation struct {
	Language string `json:"language"` // the operator's language
	Source   string `json:"source"`   // the language the provider read the original as
	Text     string `json:"text"`
}

// TranslateThread translates the buyer messages of a thread that is not
// already in the operator's language, in one call, and returns them by
// message id. A thread in the operator's language, or without buyer text,
// gives an empty map. With translation off it returns translate.ErrOff.
func TranslateThread(ctx context.Context, tr Translator, th localdb.Thread, msgs []localdb.Message) (map[int64]MessageTranslation, error) {
	if !tr.On() {
		return nil, translate.ErrOff
	}
	from := knownLang(th.Language)
	if from != "" && from == tr.Language {
		return map[int64]MessageTranslation{}, nil
	}
	var texts []string
	var ids []int64
	for _, m := range msgs {
		if m.Direction == localdb.DirectionIn && strings.TrimSpace(m.Body) != "" {
			texts = append(texts, m.Body)
			ids = append(ids, m.ID)
		}
	}
	out := make(map[int64]MessageTranslation, len(ids))
	if len(texts) == 0 {
		return out, nil
	}
	got, err := tr.P.Translate(ctx, texts, from, tr.Language)
	if err != nil {
		return nil, err
	}
	if len(got) != len(texts) {
		return nil, &translate.Error{Provider: tr.P.Name(), Class: translate.SiteError,
			Message: fmt.Sprintf("%d translations for %d texts", len(got), len(texts))}
	}
	for i, id := range ids {
		out[id] = MessageTranslation{Language: tr.Language, Source: strings.ToLower(got[i].Source), Text: got[i].Text}
	}
	return out, nil
}

// TranslatedReply is a reply written in the operator's language and its
// translation into the buyer's. Text is what the buyer receives; Original
// is kept beside it.
type TranslatedReply struct {
	Original     string `json:"original"`
	OriginalLang string `json:"original_language"`
	Text         string `json:"text"`
	Lang         string `json:"language"`
}

// ErrNoBuyerLanguage refuses a translated reply to a thread whose buyer's
// language is not known, or is the operator's own.
var ErrNoBuyerLanguage = errors.New("no language to translate the reply into")

// TranslateReply translates body, written in the operator's language, into
// the thread's language. It refuses (ErrNoBuyerLanguage) when that language
// is not known ("und" or empty) or is the operator's, and an empty
// translation is a provider's failure, never a reply.
func TranslateReply(ctx context.Context, tr Translator, th localdb.Thread, body string) (TranslatedReply, error) {
	if !tr.On() {
		return TranslatedReply{}, translate.ErrOff
	}
	to := knownLang(th.Language)
	switch {
	case to == "":
		return TranslatedReply{}, fmt.Errorf("%w: thread %d's language is not known (%q); write the reply in the buyer's language and send it without translation",
			ErrNoBuyerLanguage, th.ID, th.Language)
	case to == tr.Language:
		return TranslatedReply{}, fmt.Errorf("%w: thread %d is already in %s, the operator's language; send the reply without translation",
			ErrNoBuyerLanguage, th.ID, to)
	}
	body = strings.TrimSpace(body)
	got, err := tr.P.Translate(ctx, []string{body}, tr.Language, to)
	if err != nil {
		return TranslatedReply{}, err
	}
	if len(got) != 1 || strings.TrimSpace(got[0].Text) == "" {
		return TranslatedReply{}, &translate.Error{Provider: tr.P.Name(), Class: translate.SiteError, Message: "an empty translation of the reply"}
	}
	return TranslatedReply{Original: body, OriginalLang: tr.Language, Text: strings.TrimSpace(got[0].Text), Lang: to}, nil
}

// knownLang is a thread's language, or "" when detection did not know it.
func knownLang(l string) string {
	l = strings.ToLower(strings.TrimSpace(l))
	if l == "und" {
		return ""
	}
	return l
}
