package automations

import (
	"context"
	"log/slog"

	"github.com/go-rod/rod"
)

type rodPage = rod.Page

// captureHandler hands the "line" attribute of each record to fn.
type captureHandler struct{ fn func(string) }

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "line" {
			h.fn(a.Value.String())
		}
		return true
	})
	return nil
}
func (h *captureHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureHandler) WithGroup(string) slog.Handler      { return h }

func newSlog(h slog.Handler) *slog.Logger { return slog.New(h) }
