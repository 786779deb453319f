package translate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// DeepL API v2 hosts. Keys of the free plan end in ":fx" and only work on the
// free host (DeepL API documentation, "Authentication",
// https://developers.deepl.com/docs/getting-started/auth).
const (
	DeepLFreeURL = "https://api-free.deepl.com"
	DeepLProURL  = "https://api.deepl.com"
)

// DeepL calls POST /v2/translate with a JSON body {text[], target_lang,
// source_lang} and the header "Authorization: DeepL-Auth-Key KEY"; the reply
// is {translations: [{detected_source_language, text}]}, one per text, in
// order. Status 403 is a refused key, 429 too many requests, 456 the quota
// used up (https://developers.deepl.com/docs/api-reference/translate).
type DeepL struct {
	key     string
	baseURL string
	client  *http.Client
}

// NewDeepL makes a DeepL client. baseURL "" picks the free or pro host from
// the key's suffix.
func NewDeepL(key, baseURL string, client *http.Client) (*DeepL, error) {
	if strings.TrimSpace(key) == "" {
		return nil, errors.New("translation (deepl): no API key; store one in the keyring under translation/deepl/api_key")
	}
	if baseURL == "" {
		baseURL = DeepLHost(key)
	}
	return &DeepL{key: key, baseURL: strings.TrimRight(baseURL, "/"), client: httpClient(client)}, nil
}

// DeepLHost returns the API host a key belongs to.
func DeepLHost(key string) string {
	if strings.HasSuffix(key, ":fx") {
		return DeepLFreeURL
	}
	return DeepLProURL
}

// Name returns "deepl".
func (d *DeepL) Name() string { return "deepl" }

type deeplRequest struct {
	Text       []string `json:"text"`
	TargetLang string   `json:"target_lang"`
	SourceLang string   `json:"source_lang,omitempty"`
}

type deeplResponse struct {
	Translations []struct {
		DetectedSourceLanguage string `json:"detected_source_language"`
		Text                   string `json:"text"`
	} `json:"translations"`
}

// Translate sends all texts in one request.
func (d *DeepL) Translate(ctx context.Context, texts []string, from, to string) ([]Translation, error) {
	if len(texts) == 0 {
		return nil, nil
	}
	if to == "" {
		return nil, &Error{Provider: d.Name(), Class: BadRequest, Message: "no target language"}
	}
	body, err := json.Marshal(deeplRequest{Text: texts, TargetLang: strings.ToUpper(to), SourceLang: strings.ToUpper(from)})
	if err != nil {
		return nil, err
	}
	ctx, cancel := withBudget(ctx)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.baseURL+"/v2/translate", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "DeepL-Auth-Key "+d.key)
	resp, err := d.client.Do(req)
	if err != nil {
		return nil, transportError(d.Name(), ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return nil, transportError(d.Name(), ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, statusError(d.Name(), resp.StatusCode, deeplMessage(raw))
	}
	var out deeplResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, &Error{Provider: d.Name(), Class: SiteError, Status: resp.StatusCode, Message: "reply is not the translate JSON", Err: err}
	}
	if len(out.Translations) != len(texts) {
		return nil, &Error{Provider: d.Name(), Class: SiteError, Status: resp.StatusCode,
			Message: fmt.Sprintf("asked for %d translations, got %d", len(texts), len(out.Translations))}
	}
	res := make([]Translation, len(texts))
	for i, t := range out.Translations {
		src := strings.ToLower(t.DetectedSourceLanguage)
		if from != "" {
			src = strings.ToLower(from)
		}
		if src == "" {
			return nil, &Error{Provider: d.Name(), Class: SiteError, Status: resp.StatusCode, Message: fmt.Sprintf("translation %d has no source language", i)}
		}
		res[i] = Translation{Text: t.Text, Source: src}
	}
	return res, nil
}

// deeplMessage reads the {"message": ...} body DeepL sends with an error.
func deeplMessage(raw []byte) string {
	var m struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(raw, &m) == nil && m.Message != "" {
		return m.Message
	}
	return ""
}

// statusError classifies a non-200 status shared by both providers.
func statusError(provider string, status int, msg string) *Error {
	e := &Error{Provider: provider, Status: status, Message: msg}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Class = AuthFailed
	case status == http.StatusTooManyRequests || status == 456:
		e.Class = RateLimited
		if status == 456 && msg == "" {
			e.Message = "quota exceeded"
		}
	case status >= 500:
		e.Class = SiteError
	case status >= 400:
		e.Class = BadRequest
	default:
		e.Class = SiteError
	}
	return e
}
