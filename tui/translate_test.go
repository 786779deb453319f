package tui

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// deeplStub answers POST /v2/translate in the shape of DeepL's API
// reference (https://developers.deepl.com/docs/api-reference/translate):
// {"text": [...], "target_lang": "EN"} in, {"translations":
// [{"detected_source_language", "text"}]} out. Its table is written for the
// fixture's sentences; any other text comes back marked with the target.
type deeplStub struct {
	mu    sync.Mutex
	texts int
	table map[string]string
}

func (s *deeplStub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text       []string `json:"text"`
		TargetLang string   `json:"target_lang"`
		SourceLang string   `json:"source_lang"`
	}
	if r.URL.Path != "/v2/translate" || json.NewDecoder(r.Body).Decode(&in) != nil {
		http.Error(w, `{"message":"bad request"}`, http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	s.texts += len(in.Text)
	s.mu.Unlock()
	type tr struct {
		Source string `json:"detected_source_language"`
		Text   string `json:"text"`
	}
	out := struct {
		Translations []tr `json:"translations"`
	}{}
	for _, t := range in.Text {
		got, ok := s.table[t]
		if !ok {
			got = "[" + in.TargetLang + "] " + t
		}
		src := in.SourceLang
		if src == "" {
			src = "DE"
		}
		out.Translations = append(out.Translations, tr{Source: src, Text: got})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(out)
}

func (s *deeplStub) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.texts
}

func TestThreadPaneTranslationOffSaysSo(t *testing.T) {
	h := newHarness(t, 120, 40, nil)
	h.press("2", "down", "enter")
	if th := h.m.Inbox.OpenThread(); th == nil || th.Thread.ID != h.ids.Threads["soon"] {
		t.Fatalf("the German thread is not open: %+v", th)
	}
	h.press("T")
	if v := h.m.View(); !strings.Contains(v, "translation is off") {
		t.Fatalf("the pane does not say translation is off:\n%s", v)
	}
	// Sending in the buyer's language is refused the same way.
	h.press("r", "ctrl+l")
	if s := h.m.Status(); !strings.Contains(s, "translation is off") {
		t.Fatalf("ctrl+l without a provider: status %q", s)
	}
}

func TestThreadPaneTranslatesOnceAndComposerSendsBothTexts(t *testing.T) {
	const (
		buyer     = "Die Größe ist falsch. Ich möchte eine Rückerstattung."
		buyerEN   = "The size is wrong. I would like a refund."
		replyEN   = "We are sorry. The right size leaves tomorrow."
		replyDE   = "Das tut uns leid. Die richtige Größe geht morgen raus."
		more      = " Thank you."
		replyEN2  = replyEN + more
		replyDE2  = "Das tut uns leid. Die richtige Größe geht morgen raus. Vielen Dank."
		operator  = "en"
		buyerLang = "de"
	)
	stub := &deeplStub{table: map[string]string{buyer: buyerEN, replyEN: replyDE, replyEN2: replyDE2}}
	srv := httptest.NewServer(stub)
	defer srv.Close()
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	p, err := translate.NewDeepL("k:fx", srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	acts := &fixture.Actions{}
	tr := messages.Translator{P: &translate.Cached{P: p, Store: db}, Language: operator}
	h := startHarnessOpts(t, ids, 140, 40, Options{DB: db, Now: fixture.Clock, Actions: acts, Translation: tr})

	h.press("2", "down", "enter")
	if v := h.m.View(); strings.Contains(v, buyerEN) {
		t.Fatalf("translated before the key was pressed:\n%s", v)
	}
	h.press("T")
	v := h.m.View()
	orig, trans := strings.Index(v, "Die Größe ist falsch"), strings.Index(v, "The size is wrong")
	if orig < 0 || trans < orig || !strings.Contains(v, "in en (from de)") {
		t.Fatalf("want the original, then its translation:\n%s", v)
	}
	// Hidden, shown again, the thread left and opened again: never asked twice.
	h.press("T")
	if strings.Contains(h.m.View(), "The size is wrong") {
		t.Fatal("T did not hide the translation")
	}
	h.press("T", "esc", "enter")
	if !strings.Contains(h.m.View(), "The size is wrong") {
		t.Fatalf("the translation is not shown again after reopening:\n%s", h.m.View())
	}
	if n := stub.count(); n != 1 {
		t.Fatalf("the provider was asked for %d texts, want 1", n)
	}

	// A reply written in English, previewed beside its German, sent in German.
	h.press("r")
	h.typeText(replyEN)
	h.press("ctrl+l")
	v = h.m.View()
	if !strings.Contains(v, "you write ("+operator+")") || !strings.Contains(v, "the buyer gets ("+buyerLang+")") {
		t.Fatalf("no side-by-side preview:\n%s", v)
	}
	if !strings.Contains(v, "Das tut uns leid") || !strings.Contains(v, "We are sorry") {
		t.Fatalf("the preview lacks one of the texts:\n%s", v)
	}
	// The text changes after the preview: that translation is not sent;
	// the new one is shown first.
	h.typeText(more)
	h.press("ctrl+s")
	if calls := acts.Calls(); len(calls) != 0 {
		t.Fatalf("sent a translation of another text: %+v", calls)
	}
	if s := h.m.Status(); !strings.Contains(s, "not sent yet") || !strings.Contains(h.m.View(), "Vielen Dank") {
		t.Fatalf("status %q, want the send held for the new preview:\n%s", s, h.m.View())
	}
	// With the preview closed, ctrl+s opens it rather than sending.
	h.press("ctrl+p", "ctrl+s")
	if calls := acts.Calls(); len(calls) != 0 {
		t.Fatalf("sent with the preview closed: %+v", calls)
	}
	h.press("ctrl+s")
	calls := acts.Calls()
	if len(calls) != 1 || calls[0].Action != "translated_reply" || calls[0].Body != replyDE2 || calls[0].Original != replyEN2 {
		t.Fatalf("calls = %+v, want the German text sent with the English kept", calls)
	}
}
