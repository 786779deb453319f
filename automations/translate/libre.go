package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// LibreTranslate calls a LibreTranslate server's POST /translate with a JSON
// body {q, source, target, format, api_key}; the reply is {translatedText},
// plus detectedLanguage {language, confidence} when source is "auto"
// (LibreTranslate documentation, "API usage",
// https://docs.libretranslate.com/guides/api_usage/). A self-hosted server
// may need no key. q is sent one text per request so that the reply shape is
// the same on every server version.
type LibreTranslate struct {
	key     string
	baseURL string
	client  *http.Client
}

// NewLibreTranslate makes a client for the server at baseURL.
func NewLibreTranslate(baseURL, key string, client *http.Client) (*LibreTranslate, error) {
	if strings.TrimSpace(baseURL) == "" {
		return nil, errors.New("translation (libretranslate): no server URL; set translation.url in the config file")
	}
	return &LibreTranslate{key: key, baseURL: strings.TrimRight(baseURL, "/"), client: httpClient(client)}, nil
}

// Name returns "libretranslate".
func (l *LibreTranslate) Name() string { return "libretranslate" }

type libreRequest struct {
	Q      string `json:"q"`
	Source string `json:"source"`
	Target string `json:"target"`
	Format string `json:"format"`
	APIKey string `json:"api_key,omitempty"`
}

type libreResponse struct {
	TranslatedText   *string `json:"translatedText"`
	DetectedLanguage *struct {
		Language   string  `json:"language"`
		Confidence float64 `json:"confidence"`
	} `json:"detectedLanguage"`
	Error string `json:"error"`
}

// Translate sends one request per text.
func (l *LibreTranslate) Translate(ctx context.Context, texts []string, from, to string) ([]Translation, error) {
	if to == "" {
		return nil, &Error{Provider: l.Name(), Class: BadRequest, Message: "no target language"}
	}
	res := make([]Translation, 0, len(texts))
	for _, t := range texts {
		tr, err := l.one(ctx, t, from, to)
		if err != nil {
			return nil, err
		}
		res = append(res, tr)
	}
	return res, nil
}

func (l *LibreTranslate) one(ctx context.Context, text, from, to string) (Translation, error) {
	src := strings.ToLower(from)
	if src == "" {
		src = "auto"
	}
	body, err := json.Marshal(libreRequest{Q: text, Source: src, Target: strings.ToLower(to), Format: "text", APIKey: l.key})
	if err != nil {
		return Translation{}, err
	}
	ctx, cancel := withBudget(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, l.baseURL+"/translate", bytes.NewReader(body))
	if err != nil {
		return Translation{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := l.client.Do(req)
	if err != nil {
		return Translation{}, transportError(l.Name(), ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return Translation{}, transportError(l.Name(), ctx, err)
	}
	var out libreResponse
	jsonErr := json.Unmarshal(raw, &out)
	if resp.StatusCode != http.StatusOK {
		e := statusError(l.Name(), resp.StatusCode, out.Error)
		// LibreTranslate answers a missing or wrong key with 400 or 403 and
		// an error naming the key.
		if e.Class == BadRequest && strings.Contains(strings.ToLower(out.Error), "api key") {
			e.Class = AuthFailed
		}
		return Translation{}, e
	}
	if jsonErr != nil || out.TranslatedText == nil {
		return Translation{}, &Error{Provider: l.Name(), Class: SiteError, Status: resp.StatusCode, Message: "reply has no translatedText", Err: jsonErr}
	}
	if src == "auto" {
		if out.DetectedLanguage == nil || out.DetectedLanguage.Language == "" {
			return Translation{}, &Error{Provider: l.Name(), Class: SiteError, Status: resp.StatusCode, Message: "source was auto but the reply has no detectedLanguage"}
		}
		src = strings.ToLower(out.DetectedLanguage.Language)
	}
	return Translation{Text: *out.TranslatedText, Source: src}, nil
}
