package automations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-rod/rod"
)

// Class sorts a failed step by what to do about it.
type Class string

// The failure classes of the product design, plus Canceled for work the operator
// or the process stopped on purpose.
const (
	AuthFailed  Class = "auth_failed"  // the site refused the credentials
	NeedsHuman  Class = "needs_human"  // CAPTCHA, unknown second factor: a person must act
	PageChanged Class = "page_changed" // the page is not what the recipe expects
	Blocked     Class = "blocked"      // 403 or an anti-bot wall
	LoggedOut   Class = "logged_out"   // the session ended
	RateLimited Class = "rate_limited" // 429 or the site asked to slow down
	Timeout     Class = "timeout"      // the step ran out of its budget
	SiteError   Class = "site_error"   // 5xx, connection failures, anything unexplained
	Canceled    Class = "canceled"     // the context was canceled
)

// Classes lists every class, in a stable order for reports.
var Classes = []Class{AuthFailed, NeedsHuman, PageChanged, Blocked, LoggedOut, RateLimited, Timeout, SiteError, Canceled}

// Retryable reports whether a failure of this class may go away by itself,
// so that trying again after a pause makes sense. auth_failed and
// needs_human are never retried blindly.
func (c Class) Retryable() bool {
	return c == RateLimited || c == SiteError || c == Timeout
}

// Failure is a failed step of a flow, classified, with the folder of its
// evidence when some was saved.
type Failure struct {
	Class    Class
	Step     string // the flow step, such as "login.submit"
	Site     string // the recipe's site name
	Err      error
	Evidence string // folder with screenshot, HTML and step log; "" if none
}

// Fail makes a Failure of an explicit class, for flows that recognise a
// situation themselves (a CAPTCHA page, a rejected password).
func Fail(class Class, format string, args ...any) *Failure {
	return &Failure{Class: class, Err: fmt.Errorf(format, args...)}
}

func (f *Failure) Error() string {
	var b strings.Builder
	if f.Site != "" {
		b.WriteString(f.Site)
		b.WriteString(": ")
	}
	if f.Step != "" {
		fmt.Fprintf(&b, "step %q: ", f.Step)
	}
	b.WriteString(string(f.Class))
	if f.Err != nil {
		b.WriteString(": ")
		b.WriteString(f.Err.Error())
	}
	if f.Evidence != "" {
		b.WriteString(" (evidence in ")
		b.WriteString(f.Evidence)
		b.WriteString(")")
	}
	return b.String()
}

func (f *Failure) Unwrap() error { return f.Err }

// HTTPError is a page or API answer with an error status.
type HTTPError struct {
	Status     int
	URL        string
	RetryAfter time.Duration // from a Retry-After header, when the site sent one
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("%s answered %d %s", redactURLSecrets(e.URL), e.Status, http.StatusText(e.Status))
}

// SelectorError says that a selector from a recipe matched nothing on a page
// that had finished loading.
type SelectorError struct {
	Name     string // the recipe key, such as "inbox.row"; may be empty
	Selector string
	URL      string
}

func (e *SelectorError) Error() string {
	name := e.Selector
	if e.Name != "" && e.Selector == "" {
		name = e.Name
	} else if e.Name != "" {
		name = fmt.Sprintf("%s (%s)", e.Name, e.Selector)
	}
	return fmt.Sprintf("selector %s matched nothing on %s; if the site changed its page, override the selector in the site's recipe file",
		name, redactURLSecrets(e.URL))
}

// Unwrap lets errors.As find rod's own not-found error.
func (e *SelectorError) Unwrap() error { return &rod.ElementNotFoundError{} }

// Classify sorts an error into a failure class. It looks, in order, for an
// explicit *Failure, context errors, rod's typed errors, an HTTP status and
// network errors; anything else is a site_error. Classify(nil) is "".
func Classify(err error) Class {
	if err == nil {
		return ""
	}
	var f *Failure
	if errors.As(err, &f) && f.Class != "" {
		return f.Class
	}
	if errors.Is(err, context.Canceled) {
		return Canceled
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return Timeout
	}
	var (
		notFound   *rod.ElementNotFoundError
		expectEl   *rod.ExpectElementError
		expectEls  *rod.ExpectElementsError
		objMissing *rod.ObjectNotFoundError
		notInter   *rod.NotInteractableError
		invisible  *rod.InvisibleShapeError
		covered    *rod.CoveredError
		noPointer  *rod.NoPointerEventsError
	)
	switch {
	case errors.As(err, &notFound), errors.As(err, &expectEl), errors.As(err, &expectEls),
		errors.As(err, &objMissing), errors.As(err, &notInter), errors.As(err, &invisible),
		errors.As(err, &covered), errors.As(err, &noPointer):
		return PageChanged
	}
	var (
		re  *RecordError
		ute *json.UnmarshalTypeError
	)
	if errors.As(err, &re) || errors.As(err, &ute) {
		// Records that do not fit, or JSON of another shape than the
		// reader's: the site changed what it sends.
		return PageChanged
	}
	var he *HTTPError
	if errors.As(err, &he) {
		return classifyStatus(he.Status)
	}
	var nav *rod.NavigationError
	if errors.As(err, &nav) {
		if strings.Contains(nav.Reason, "TIMED_OUT") {
			return Timeout
		}
		if strings.Contains(nav.Reason, "BLOCKED_BY") {
			return Blocked
		}
		return SiteError
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return Timeout
	}
	return SiteError
}

func classifyStatus(status int) Class {
	switch {
	case status == http.StatusUnauthorized:
		return LoggedOut
	case status == http.StatusForbidden:
		return Blocked
	case status == http.StatusTooManyRequests:
		return RateLimited
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout:
		return Timeout
	case status == http.StatusNotFound || status == http.StatusGone:
		return PageChanged
	case status >= 500:
		return SiteError
	}
	return SiteError
}

// RetryPolicy says how often and how patiently to try again.
type RetryPolicy struct {
	Attempts int           // total tries, including the first; < 1 means 1
	Base     time.Duration // pause before the second try
	Max      time.Duration // longest pause; zero means no cap
	Jitter   bool          // spread pauses randomly over [pause/2, pause]
}

// DefaultRetry is a policy suited to a page step: three tries, one then two
// seconds apart.
var DefaultRetry = RetryPolicy{Attempts: 3, Base: time.Second, Max: 30 * time.Second, Jitter: true}

// Backoff returns the pause after the given failed try (1 for the first).
func (p RetryPolicy) Backoff(try int) time.Duration {
	if try < 1 {
		try = 1
	}
	d := p.Base
	for i := 1; i < try; i++ {
		d *= 2
		if p.Max > 0 && d >= p.Max {
			d = p.Max
			break
		}
	}
	if p.Max > 0 && d > p.Max {
		d = p.Max
	}
	if p.Jitter && d > 1 {
		d = d/2 + rand.N(d/2+1)
	}
	return d
}

// Retry runs fn until it succeeds, fails with a class that is not
// retryable, runs out of tries, or ctx ends. Between tries it waits the
// policy's backoff, or longer when the site sent Retry-After. fn gets the
// try number, starting at 1. The last error is returned as it came.
func Retry(ctx context.Context, policy RetryPolicy, fn func(ctx context.Context, try int) error) error {
	attempts := max(policy.Attempts, 1)
	var err error
	for try := 1; ; try++ {
		if cerr := ctx.Err(); cerr != nil {
			if err == nil {
				return cerr
			}
			// Keep the site's error as the cause: it says more than "out of
			// time" about what to do.
			return fmt.Errorf("%w (gave up after try %d: %v)", err, try-1, cerr)
		}
		err = fn(ctx, try)
		if err == nil {
			return nil
		}
		if !Classify(err).Retryable() || try >= attempts {
			return err
		}
		wait := policy.Backoff(try)
		var he *HTTPError
		if errors.As(err, &he) && he.RetryAfter > wait {
			wait = he.RetryAfter
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
}
