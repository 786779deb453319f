package automations

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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
		if (type === 'password') return true;
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
// HTML with every password and secret field emptied, and the step log. It
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
	if page != nil {
		p := page.Context(ectx)
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
			err = os.WriteFile(filepath.Join(dir, EvidenceHTML), []byte(html), 0o600)
		}
		if err != nil {
			notes = append(notes, "html not saved: "+err.Error())
		}
	} else {
		notes = append(notes, "no page: screenshot and html not saved")
	}
	body := strings.Join(notes, "\n")
	if body != "" {
		body += "\n"
	}
	if err := os.WriteFile(filepath.Join(dir, EvidenceLog), []byte(body), 0o600); err != nil {
		return dir, fmt.Errorf("save evidence: write step log in %q: %w", dir, err)
	}
	return dir, nil
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
