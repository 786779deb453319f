package translate

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The request and reply shapes below follow the providers' published
// references: DeepL API v2 "translate"
// (https://developers.deepl.com/docs/api-reference/translate) and
// LibreTranslate "API usage" (https://docs.libretranslate.com/guides/api_usage/).

func TestDeepLHostFollowsKeySuffix(t *testing.T) {
	if got := DeepLHost("279a2e9d-83b3-c416-7e2d-f721593e42a0:fx"); got != DeepLFreeURL {
		t.Errorf("free key -> %s", got)
	}
	if got := DeepLHost("279a2e9d-83b3-c416-7e2d-f721593e42a0"); got != DeepLProURL {
		t.Errorf("pro key -> %s", got)
	}
	if _, err := NewDeepL("", "", nil); err == nil {
		t.Error("a DeepL client without a key was made")
	}
}

func TestDeepLSendsDocumentedRequestAndReadsReply(t *testing.T) {
	var gotAuth, gotPath string
	var gotBody map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotPath = r.Header.Get("Authorization"), r.URL.Path
		_ = json.NewDecoder(r.Body).Decode(&gotBody)
		_, _ = w.Write([]byte(`{"translations":[{"detected_source_language":"JA","text":"The parcel has not arrived"},{"detected_source_language":"JA","text":"The box was broken"}]}`))
	}))
	defer srv.Close()
	d, err := NewDeepL("k-123:fx", srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.Translate(context.Background(), []string{"荷物が届きません", "箱が壊れていました"}, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	if gotAuth != "DeepL-Auth-Key k-123:fx" || gotPath != "/v2/translate" {
		t.Errorf("auth %q path %q", gotAuth, gotPath)
	}
	if gotBody["target_lang"] != "EN" || len(gotBody["text"].([]any)) != 2 {
		t.Errorf("body %v", gotBody)
	}
	if _, ok := gotBody["source_lang"]; ok {
		t.Errorf("source_lang sent although detection was asked: %v", gotBody)
	}
	if got[0].Text != "The parcel has not arrived" || got[0].Source != "ja" || got[1].Text != "The box was broken" {
		t.Errorf("got %+v", got)
	}
}

func TestDeepLStatusesAreClassified(t *testing.T) {
	for _, tc := range []struct {
		status int
		want   Class
	}{{403, AuthFailed}, {429, RateLimited}, {456, RateLimited}, {500, SiteError}, {503, SiteError}, {400, BadRequest}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(`{"message":"refused"}`))
		}))
		d, _ := NewDeepL("secret-key-value", srv.URL, srv.Client())
		_, err := d.Translate(context.Background(), []string{"x"}, "de", "en")
		srv.Close()
		if ClassOf(err) != tc.want {
			t.Errorf("HTTP %d: class %q (%v), want %q", tc.status, ClassOf(err), err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "secret-key-value") {
			t.Errorf("HTTP %d: the key is in the error: %v", tc.status, err)
		}
	}
}

func TestDeepLReplyThatDoesNotFitIsSiteError(t *testing.T) {
	for name, body := range map[string]string{
		"one short":   `{"translations":[{"detected_source_language":"JA","text":"a"}]}`,
		"not json":    `<html>maintenance</html>`,
		"no language": `{"translations":[{"text":"a"},{"text":"b"}]}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(body)) }))
		d, _ := NewDeepL("k", srv.URL, srv.Client())
		got, err := d.Translate(context.Background(), []string{"x", "y"}, "", "en")
		srv.Close()
		if ClassOf(err) != SiteError || got != nil {
			t.Errorf("%s: %+v %v, want site_error", name, got, err)
		}
	}
}

func TestTimeoutIsClassified(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	d, _ := NewDeepL("k", srv.URL, srv.Client())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := d.Translate(ctx, []string{"x"}, "", "en")
	if ClassOf(err) != Timeout {
		t.Fatalf("class %q (%v), want timeout", ClassOf(err), err)
	}
}

func TestLibreTranslateRequestAndDetection(t *testing.T) {
	var bodies []map[string]any
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/translate" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		var b map[string]any
		_ = json.NewDecoder(r.Body).Decode(&b)
		bodies = append(bodies, b)
		if b["source"] == "auto" {
			_, _ = w.Write([]byte(`{"detectedLanguage":{"confidence":90.0,"language":"fr"},"translatedText":"Hello!"}`))
			return
		}
		_, _ = w.Write([]byte(`{"translatedText":"¡Hola!"}`))
	}))
	defer srv.Close()
	l, err := NewLibreTranslate(srv.URL+"/", "lt-key", srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Translate(context.Background(), []string{"Bonjour!"}, "", "en")
	if err != nil || got[0].Text != "Hello!" || got[0].Source != "fr" {
		t.Fatalf("auto: %+v %v", got, err)
	}
	got, err = l.Translate(context.Background(), []string{"Hello!"}, "en", "es")
	if err != nil || got[0].Text != "¡Hola!" || got[0].Source != "en" {
		t.Fatalf("en->es: %+v %v", got, err)
	}
	b := bodies[1]
	if b["q"] != "Hello!" || b["source"] != "en" || b["target"] != "es" || b["format"] != "text" || b["api_key"] != "lt-key" {
		t.Errorf("body %v", b)
	}
}

func TestLibreTranslateErrors(t *testing.T) {
	for _, tc := range []struct {
		status int
		body   string
		want   Class
	}{
		{400, `{"error":"Invalid API key"}`, AuthFailed},
		{403, `{"error":"Visit https://portal.libretranslate.com to get an API key"}`, AuthFailed},
		{400, `{"error":"xx is not supported"}`, BadRequest},
		{429, `{"error":"Too many request limits violations"}`, RateLimited},
		{500, `{"error":"boom"}`, SiteError},
		{200, `{"detectedLanguage":{"confidence":1,"language":"fr"}}`, SiteError},
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(tc.status)
			_, _ = w.Write([]byte(tc.body))
		}))
		l, _ := NewLibreTranslate(srv.URL, "k", srv.Client())
		_, err := l.Translate(context.Background(), []string{"x"}, "fr", "en")
		srv.Close()
		if ClassOf(err) != tc.want {
			t.Errorf("%d %s: class %q (%v), want %q", tc.status, tc.body, ClassOf(err), err, tc.want)
		}
	}
	// source=auto without detectedLanguage does not fit the documented reply.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(`{"translatedText":"Hello"}`)) }))
	defer srv.Close()
	l, _ := NewLibreTranslate(srv.URL, "", srv.Client())
	if _, err := l.Translate(context.Background(), []string{"x"}, "", "en"); ClassOf(err) != SiteError {
		t.Errorf("auto without detectedLanguage: %v", err)
	}
}

func TestNewPicksConfiguredProvider(t *testing.T) {
	if _, err := New(Settings{}, nil); !errors.Is(err, ErrOff) {
		t.Errorf("no provider: %v, want ErrOff", err)
	}
	if p, err := New(Settings{Provider: "deepl", Key: "k:fx"}, nil); err != nil || p.Name() != "deepl" || p.(*DeepL).baseURL != DeepLFreeURL {
		t.Errorf("deepl: %v %v", p, err)
	}
	if p, err := New(Settings{Provider: "libretranslate", URL: "http://127.0.0.1:5000"}, nil); err != nil || p.Name() != "libretranslate" {
		t.Errorf("libretranslate: %v %v", p, err)
	}
	if _, err := New(Settings{Provider: "libretranslate"}, nil); err == nil {
		t.Error("libretranslate without a URL was made")
	}
	if _, err := New(Settings{Provider: "google"}, nil); err == nil {
		t.Error("an unknown provider was made")
	}
}
