package secrets

import (
	"context"
	"log/slog"
	"strings"
	"sync"
)

// Redactor remembers secret values seen in this process and blanks them out
// of any text, so that a value that slips into a log line or an error never
// leaves the process. It is a second line of defence: code must still never
// log a secret on purpose.
type Redactor struct {
	mu     sync.RWMutex
	values map[string]struct{}
}

// NewRedactor returns an empty redactor.
func NewRedactor() *Redactor { return &Redactor{values: map[string]struct{}{}} }

// Add remembers a value. Values shorter than four characters are ignored:
// blanking every "a" would make logs unreadable and protect nothing.
func (r *Redactor) Add(v string) {
	if len(v) < 4 {
		return
	}
	r.mu.Lock()
	r.values[v] = struct{}{}
	r.mu.Unlock()
}

// Redact returns s with every remembered value replaced by [redacted].
func (r *Redactor) Redact(s string) string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	for v := range r.values {
		if strings.Contains(s, v) {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// Tracking wraps a Store so that every value it reads or writes is added to
// the redactor.
type Tracking struct {
	Store
	R *Redactor
}

func (t Tracking) Get(ctx context.Context, key string) (string, error) {
	v, err := t.Store.Get(ctx, key)
	if err == nil {
		t.R.Add(v)
	}
	return v, err
}

func (t Tracking) Set(ctx context.Context, key, value string) error {
	t.R.Add(value)
	return t.Store.Set(ctx, key, value)
}

// Handler is a slog.Handler that redacts remembered values from the message
// and from string attributes before passing the record on.
type Handler struct {
	Next slog.Handler
	R    *Redactor
}

func (h Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.Next.Enabled(ctx, l) }

func (h Handler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, h.R.Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.redactAttr(a))
		return true
	})
	return h.Next.Handle(ctx, out)
}

func (h Handler) redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, h.R.Redact(v.String()))
	case slog.KindGroup:
		attrs := v.Group()
		out := make([]any, 0, len(attrs))
		for _, g := range attrs {
			out = append(out, h.redactAttr(g))
		}
		return slog.Group(a.Key, out...)
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, h.R.Redact(err.Error()))
		}
		return a
	default:
		return a
	}
}

func (h Handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		red[i] = h.redactAttr(a)
	}
	return Handler{Next: h.Next.WithAttrs(red), R: h.R}
}

func (h Handler) WithGroup(name string) slog.Handler {
	return Handler{Next: h.Next.WithGroup(name), R: h.R}
}
