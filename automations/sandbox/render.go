package sandbox

import (
	"embed"
	"encoding/json"
	"fmt"
	"html/template"
	"io/fs"
	"math"
	"mime"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/sellerops/sellerops/localdb/money"
)

//go:embed templates/*.html static/*
var assets embed.FS

// v2Classes renames classes, ids and data attributes in DOM variant 2.
// Names not listed stay the same in both variants.
var v2Classes = map[string]string{
	// amazon
	"a-login-form": "auth-form", "ap_email": "signin-email", "ap_password": "signin-pass", "signInSubmit": "continue-btn",
	"auth-mfa-otpcode": "otp-input", "auth-signin-button": "otp-submit",
	"thread-list": "conv-table", "thread-row": "conv-item", "thread-order": "conv-order", "thread-buyer": "conv-buyer",
	"thread-subject": "conv-title", "thread-received": "conv-time", "thread-link": "conv-open", "thread-due": "conv-due",
	"pagination": "pager", "pagination-next": "pager-fwd", "pagination-prev": "pager-back", "no-response-btn": "dismiss-btn",
	"message": "msg-bubble", "message-body": "msg-text", "message-time": "msg-ts", "message-from": "msg-author",
	"attachment": "msg-file", "reply-form": "composer", "reply-body": "composer-text", "reply-file": "composer-attach",
	"reply-ref": "composer-ref", "reply-send": "composer-send", "sent-reply": "outbound", "order-row": "ord-line",
	"order-id": "ord-num", "order-tracking": "ord-track", "order-shipdate": "ord-shipped", "order-carrier": "ord-carrier",
	"thread-header": "conv-head", "thread-state": "conv-state", "thread-no-response": "conv-dismiss",
	// ebay
	"conv-list": "m-list", "conv-item": "m-card", "conv-order": "m-ref", "conv-buyer": "m-user", "conv-subject": "m-title",
	"conv-time": "m-date", "conv-kind": "m-type", "conv-due": "m-deadline", "conv-sentinel": "m-more", "userid": "uid-field",
	"pass": "pwd-field", "sgnBt": "sign-in-btn", "otp-code": "code-field", "otp-submit": "code-btn",
	// tiktok
	"chat-list": "im-sessions", "chat-item": "im-session", "chat-pane": "im-window", "chat-msg": "im-msg",
	"chat-msg-text": "im-msg-content", "chat-input": "im-editor", "chat-send": "im-send", "chat-ref": "im-ref",
	"chat-due": "im-countdown", "login-email": "tt-account", "login-password": "tt-secret", "login-submit": "tt-go",
	"login-otp": "tt-otp", "login-otp-submit": "tt-otp-go",
	// carriers: tracking pages
	"trk-root": "trk-app", "trk-status": "trk-headline", "trk-eta": "trk-expected", "trk-event": "trk-row",
	"trk-event-time": "trk-row-when", "trk-event-desc": "trk-row-what", "trk-event-loc": "trk-row-where",
	"trk-notfound": "trk-missing", "trk-error": "trk-failed", "trk-loading": "trk-wait",
	// carriers: claims portal
	"claims-login": "cl-signin", "claims-user": "cl-user", "claims-pass": "cl-pass", "claims-submit": "cl-go",
	"claim-row": "cl-entry", "claim-number": "cl-ref", "claim-tracking": "cl-parcel", "claim-status": "cl-state",
	"claim-amount": "cl-sum", "claim-paid": "cl-payout", "claim-next": "cl-continue", "claim-confirm": "cl-done",
	"new-claim": "cl-start",
}

var (
	tmpls    map[int]*template.Template
	tmplOnce sync.Once
	tmplErr  error
)

func classFunc(v int) func(string) string {
	return func(name string) string {
		if v == 2 {
			if n, ok := v2Classes[name]; ok {
				return n
			}
		}
		return name
	}
}

var classTables = map[int]template.JS{1: buildClassTable(1), 2: buildClassTable(2)}

// classTable is the class map handed to a page's script.
func classTable(v int) template.JS { return classTables[v] }

func buildClassTable(v int) template.JS {
	m := map[string]string{}
	f := classFunc(v)
	for k := range v2Classes {
		m[k] = f(k)
	}
	b, _ := json.Marshal(m)
	return template.JS(b)
}

func loadTemplates() error {
	tmplOnce.Do(func() {
		tmpls = map[int]*template.Template{}
		for _, v := range []int{1, 2} {
			funcs := template.FuncMap{
				"c":       classFunc(v),
				"ts":      func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
				"human":   func(t time.Time) string { return t.UTC().Format("Jan 2, 2006 15:04 MST") },
				"date":    func(t time.Time) string { return t.UTC().Format("2006-01-02") },
				"money":   money.Format,
				"decimal": money.FormatDecimal,
				"add":     func(a, b int) int { return a + b },
				"json": func(v any) template.JS {
					b, _ := json.Marshal(v)
					return template.JS(b)
				},
			}
			t, err := template.New("").Funcs(funcs).ParseFS(assets, "templates/*.html")
			if err != nil {
				tmplErr = fmt.Errorf("sandbox templates: %w", err)
				return
			}
			tmpls[v] = t
		}
	})
	return tmplErr
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	name := path.Clean(r.PathValue("file"))
	b, err := fs.ReadFile(assets, "static/"+name)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	if strings.HasSuffix(name, ".js") {
		ct = "text/javascript; charset=utf-8"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "max-age=300")
	_, _ = w.Write(b)
}

// checkTOTP validates a code against the wall clock (authenticator apps use
// real time, not the sandbox clock), allowing one step of skew.
func checkTOTP(code, secret string) bool {
	ok, err := totp.ValidateCustom(strings.TrimSpace(code), secret, time.Now().UTC(),
		totp.ValidateOpts{Period: 30, Skew: 1, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	return err == nil && ok
}

// limiter is a per-client token bucket for carrier APIs.
type limiter struct {
	mu sync.Mutex
	b  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{b: map[string]*bucket{}} }

func (l *limiter) reset() {
	l.mu.Lock()
	clear(l.b)
	l.mu.Unlock()
}

// allow takes one token from key's bucket of rate per second (burst = rate).
// It returns the seconds to wait when none is left.
func (l *limiter) allow(key string, rate int) (bool, int) {
	if rate <= 0 {
		return true, 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := time.Now()
	b := l.b[key]
	if b == nil {
		b = &bucket{tokens: float64(rate), last: now}
		l.b[key] = b
	}
	b.tokens = math.Min(float64(rate), b.tokens+now.Sub(b.last).Seconds()*float64(rate))
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := int(math.Ceil((1 - b.tokens) / float64(rate)))
	if wait < 1 {
		wait = 1
	}
	return false, wait
}
