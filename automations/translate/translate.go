// Package translate turns buyer messages into the operator's language and
// replies into the buyer's, through one small Provider interface. It has two
// clients, DeepL API v2 and LibreTranslate, and a cache in front of either so
// that a text is fetched once per language pair and provider. It does not use
// the browser.
package translate

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// Provider translates texts. from may be "" to let the provider detect the
// source language; to is required. The result has one Translation per text,
// in order.
type Provider interface {
	Name() string
	Translate(ctx context.Context, texts []string, from, to string) ([]Translation, error)
}

// Translation is one translated text and the source language the provider
// read it as (the one asked for, or the one it detected).
type Translation struct {
	Text   string
	Source string
}

// Class names what to do about a failed call, with the same words as the
// browser and carrier failures.
type Class string

// The classes of a failed translation call.
const (
	AuthFailed  Class = "auth_failed"  // the key was refused (DeepL 403, LibreTranslate 400/403 naming the key)
	RateLimited Class = "rate_limited" // 429, or DeepL's 456 quota exceeded
	SiteError   Class = "site_error"   // 5xx, a reply that does not fit, a connection failure
	Timeout     Class = "timeout"      // the call ran out of its budget
	BadRequest  Class = "bad_request"  // the provider refused the request itself (unsupported language)
)

// Error is a failed translation call. It never carries the key.
type Error struct {
	Provider string
	Class    Class
	Status   int // HTTP status, 0 when none
	Message  string
	Err      error
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "translation (%s): %s", e.Provider, e.Class)
	if e.Status != 0 {
		fmt.Fprintf(&b, " (HTTP %d)", e.Status)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	switch e.Class {
	case AuthFailed:
		b.WriteString("; store a valid key in the keyring under translation/<provider>/api_key")
	case RateLimited:
		b.WriteString("; wait and retry, or check the plan's quota")
	}
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether trying again later may succeed.
func (e *Error) Retryable() bool {
	return e.Class == RateLimited || e.Class == SiteError || e.Class == Timeout
}

// ClassOf returns the class of err, or "" when err is not a translation error.
func ClassOf(err error) Class {
	var te *Error
	if errors.As(err, &te) {
		return te.Class
	}
	return ""
}

// transportError classifies an error from http.Client.Do.
func transportError(provider string, ctx context.Context, err error) *Error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || ctx.Err() == context.DeadlineExceeded || (errors.As(err, &ne) && ne.Timeout()) {
		return &Error{Provider: provider, Class: Timeout, Err: err}
	}
	return &Error{Provider: provider, Class: SiteError, Err: err}
}

// DefaultTimeout bounds one call when the caller's context has no deadline.
const DefaultTimeout = 20 * time.Second

func withBudget(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, DefaultTimeout)
}

func httpClient(c *http.Client) *http.Client {
	if c != nil {
		return c
	}
	return &http.Client{}
}

// Settings choose and reach a provider: the config's translation.provider
// and translation.url, and the key read from the keyring.
type Settings struct {
	Provider string // "deepl" or "libretranslate"; "" means translation is off
	URL      string
	Key      string
}

// ErrOff is returned by New when no provider is configured: callers show the
// text untranslated and say that translation is off.
var ErrOff = errors.New("translation is off: set translation.provider in the config file (deepl or libretranslate)")

// New makes the configured provider.
func New(s Settings, client *http.Client) (Provider, error) {
	switch s.Provider {
	case "":
		return nil, ErrOff
	case "deepl":
		return NewDeepL(s.Key, s.URL, client)
	case "libretranslate":
		return NewLibreTranslate(s.URL, s.Key, client)
	}
	return nil, fmt.Errorf("translation: unknown provider %q; use deepl or libretranslate", s.Provider)
}
