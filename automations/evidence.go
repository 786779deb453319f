package automations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/go-rod/rod"
	"github.com/go-rod/rod/lib/proto"

	"github.com/sellerops/sellerops/localdb/secrets"
)

// Names of the files in an evidence folder.
const (
	EvidenceScreenshot = "screenshot.png"
	EvidenceHTML       = "page.html"
	EvidenceLog        = "steps.log"
)

// evidenceBudget bounds the capture: it runs after a failure, often on a
// page whose own step budget is spent.
const evidenceBudget = 15 * time.Second

// sanitizedHTML serialises a clone of the document after emptying every
// field that may hold a secret. The live page is left alone. Non-secret
// fields keep their current values, which helps to see what a flow typed.
const sanitizedHTML = `() => {
	const secretName = /otp|totp|secret|token|passw|csrf|xsrf|2fa|mfa/i;
	const isSecret = (el) => {
		const type = (el.getAttribute('type') || '').toLowerCase();
		// A hidden field is never typed by a flow: it carries what the server
		// put there, often a token under a name no pattern knows (eBay's srt).
		if (type === 'password' || type === 'hidden') return true;
		const ac = (el.getAttribute('autocomplete') || '').toLowerCase();
		if (ac.includes('one-time-code') || ac.includes('password')) return true;
		return secretName.test(el.getAttribute('name') || '') || secretName.test(el.id || '');
	};
	const live = document.documentElement;
	const copy = live.cloneNode(true);
	const liveFields = live.querySelectorAll('input, textarea, select');
	const copyFields = copy.querySelectorAll('input, textarea, select');
	for (let i = 0; i < copyFields.length; i++) {
		const c = copyFields[i], l = liveFields[i];
		const secret = isSecret(c);
		if (c.tagName === 'TEXTAREA') {
			c.textContent = secret ? '' : (l ? l.value : c.textContent);
			continue;
		}
		if (c.tagName === 'SELECT') continue;
		const type = (c.getAttribute('type') || '').toLowerCase();
		if (secret) {
			c.setAttribute('value', '');
			c.value = '';
		} else if (l && type !== 'file' && type !== 'checkbox' && type !== 'radio') {
			c.setAttribute('value', l.value);
		}
	}
	for (const m of copy.querySelectorAll('meta[name]')) {
		if (secretName.test(m.getAttribute('name'))) m.setAttribute('content', '');
	}
	const dt = document.doctype ? '<!DOCTYPE ' + document.doctype.name + '>\n' : '';
	return dt + copy.outerHTML;
}`

// SaveEvidence keeps what a failed step saw: a PNG screenshot, the page's
// HTML with every password and secret field emptied, and the step log. In
// the HTML and the log every value of the page's session (its cookies) and
// every secret the process has read is blanked wherever it appears: in
// hidden fields, scripts, attributes or text. It
// makes a new folder under root (created 0700) and returns its path. Each
// part is captured on its own; a part that cannot be had is noted in the
// log, and an error is returned only when nothing could be written.
func SaveEvidence(ctx context.Context, page *rod.Page, root, step string, log []string) (string, error) {
	if root == "" {
		return "", errors.New("save evidence: no evidence folder configured")
	}
	if err := os.MkdirAll(root, 0o700); err != nil {
		return "", fmt.Errorf("save evidence: create %q: %w", root, err)
	}
	var suffix [4]byte
	_, _ = rand.Read(suffix[:])
	name := fmt.Sprintf("%s-%s-%s", time.Now().UTC().Format("20060102T150405.000Z"), safeName(step), hex.EncodeToString(suffix[:]))
	dir := filepath.Join(root, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("save evidence: create %q: %w", dir, err)
	}

	// The step's context may already be spent; evidence gets its own budget
	// but still stops when the caller is canceled outright.
	ectx, cancel := context.WithTimeout(context.WithoutCancel(ctx), evidenceBudget)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		if errors.Is(ctx.Err(), context.Canceled) {
			cancel()
		}
	})
	defer stop()

	notes := append([]string(nil), log...)
	var values []string
	if page != nil {
		p := page.Context(ectx)
		values = sessionValues(p)
		// A step that timed out may have left a navigation in flight, and a
		// screenshot would wait for it; keep what is on screen now.
		_ = proto.PageStopLoading{}.Call(p)
		if info, err := p.Info(); err == nil {
			notes = append(notes, "url: "+redactURLSecrets(info.URL), "title: "+info.Title)
		}
		png, err := p.Screenshot(false, &proto.PageCaptureScreenshot{Format: proto.PageCaptureScreenshotFormatPng})
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, EvidenceScreenshot), png, 0o600)
		}
		if err != nil {
			notes = append(notes, "screenshot not saved: "+err.Error())
		}
		html, err := pageHTML(p)
		if err == nil {
			html = redactValues(html, values)
			err = os.WriteFile(filepath.Join(dir, EvidenceHTML), []byte(html), 0o600)
		}
		if err != nil {
			notes = append(notes, "html not saved: "+err.Error())
		}
	} else {
		notes = append(notes, "no page: screenshot and html not saved")
	}
	body := redactValues(strings.Join(notes, "\n"), values)
	if body != "" {
		body += "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, EvidenceLog), []byte(body), 0o600); err != nil {
		return dir, fmt.Errorf("save evidence: write step log in %q: %w", dir, err)
	}
	return dir, nil
}

// processSecrets holds every secret this process has read (passwords, TOTP
// seeds, kept session cookies, API keys), for evidence to blank by value.
var processSecrets = secrets.NewRedactor()

// ProcessSecrets is the process's one redactor: the command line's secret
// store adds every value it reads or writes to it, its logs are filtered
// through it, and evidence blanks what it remembers.
func ProcessSecrets() *secrets.Redactor { return processSecrets }

// sessionValues returns the values of the page's cookies: the session a
// store keeps, whose values (session ids, CSRF tokens that sites echo in
// hidden fields and script JSON, such as eBay's srt and TikTok's tt-config)
// may appear anywhere in the markup under any name.
func sessionValues(p *rod.Page) []string {
	res, err := proto.NetworkGetCookies{}.Call(p)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		out = append(out, c.Value)
	}
	return out
}

// minSecretLen is the shortest value blanked by value: shorter ones (a
// cookie "1", a flag "en") would blank ordinary text and protect nothing.
const minSecretLen = 6

// redactValues blanks every value in values, as typed and as a URL or
// JSON would encode it, and every secret the process has read.
func redactValues(s string, values []string) string {
	for _, v := range values {
		if len(v) < minSecretLen {
			continue
		}
		for _, form := range []string{v, url.QueryEscape(v), jsonEscaped(v)} {
			s = strings.ReplaceAll(s, form, "[redacted]")
		}
	}
	return processSecrets.Redact(s)
}

func jsonEscaped(v string) string {
	b, _ := json.Marshal(v)
	return strings.Trim(string(b), `"`)
}

// pageHTML returns the page's markup with secret fields emptied, made inside
// the page from a clone of the document.
func pageHTML(p *rod.Page) (string, error) {
	res, err := p.Eval(sanitizedHTML)
	if err != nil {
		return "", err
	}
	return res.Value.Str(), nil
}

var secretParam = regexp.MustCompile(`(?i)otp|totp|secret|token|passw|csrf|xsrf|session|sid|auth|key|code|sig`)

// redactURLSecrets blanks query values whose names suggest a secret, and
// any user info, so that a URL can go into a log or an error.
func redactURLSecrets(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	if u.User != nil {
		u.User = url.User("redacted")
	}
	if u.RawQuery == "" {
		return u.String()
	}
	q := u.Query()
	changed := false
	for k := range q {
		if secretParam.MatchString(k) {
			q[k] = []string{"redacted"}
			changed = true
		}
	}
	if changed {
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// safeName turns a step name into a short file-name-safe word.
func safeName(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
		if b.Len() >= 40 {
			break
		}
	}
	if b.Len() == 0 {
		return "step"
	}
	return b.String()
}
