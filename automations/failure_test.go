package automations

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-rod/rod"
)

type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

var _ net.Error = netTimeout{}

func TestClassify(t *testing.T) {
	cases := []struct {
		err  error
		want Class
	}{
		{nil, ""},
		{fmt.Errorf("step: %w", &rod.ElementNotFoundError{}), PageChanged},
		{&SelectorError{Selector: "#x", URL: "http://127.0.0.1/"}, PageChanged},
		{fmt.Errorf("wrap: %w", &rod.ObjectNotFoundError{}), PageChanged},
		{&rod.NotInteractableError{}, PageChanged},
		{context.DeadlineExceeded, Timeout},
		{fmt.Errorf("click: %w", context.DeadlineExceeded), Timeout},
		{context.Canceled, Canceled},
		{&HTTPError{Status: 403}, Blocked},
		{&HTTPError{Status: 429}, RateLimited},
		{&HTTPError{Status: 500}, SiteError},
		{&HTTPError{Status: 503}, SiteError},
		{&HTTPError{Status: 401}, LoggedOut},
		{&HTTPError{Status: 404}, PageChanged},
		{&HTTPError{Status: 504}, Timeout},
		{&rod.NavigationError{Reason: "net::ERR_CONNECTION_REFUSED"}, SiteError},
		{&rod.NavigationError{Reason: "net::ERR_TIMED_OUT"}, Timeout},
		{&rod.NavigationError{Reason: "net::ERR_BLOCKED_BY_RESPONSE"}, Blocked},
		{fmt.Errorf("dial: %w", netTimeout{}), Timeout},
		{Fail(NeedsHuman, "captcha on %s", "login"), NeedsHuman},
		{fmt.Errorf("outer: %w", Fail(AuthFailed, "password rejected")), AuthFailed},
		{errors.New("something odd"), SiteError},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestRetryableClasses(t *testing.T) {
	want := map[Class]bool{RateLimited: true, SiteError: true, Timeout: true}
	for _, c := range Classes {
		if c.Retryable() != want[c] {
			t.Errorf("%s.Retryable() = %v", c, c.Retryable())
		}
	}
}

func TestFailureMessage(t *testing.T) {
	f := &Failure{Class: PageChanged, Step: "inbox.list", Site: "ebay", Err: errors.New("no rows"), Evidence: "ev/1"}
	for _, want := range []string{"ebay", `"inbox.list"`, "page_changed", "no rows", "ev/1"} {
		if !strings.Contains(f.Error(), want) {
			t.Errorf("%q lacks %q", f.Error(), want)
		}
	}
	if !errors.Is(fmt.Errorf("x: %w", f), f.Err) {
		t.Error("Failure does not unwrap to its cause")
	}
}

func TestRetryStopsOnNonRetryable(t *testing.T) {
	for _, class := range []Class{AuthFailed, NeedsHuman, PageChanged, Blocked, LoggedOut} {
		calls := 0
		err := Retry(context.Background(), RetryPolicy{Attempts: 5, Base: time.Millisecond}, func(context.Context, int) error {
			calls++
			return Fail(class, "nope")
		})
		if calls != 1 || Classify(err) != class {
			t.Errorf("%s: %d calls, err %v; want exactly one try", class, calls, err)
		}
	}
}

func TestRetryRetriesRetryable(t *testing.T) {
	for _, class := range []Class{RateLimited, SiteError, Timeout} {
		calls := 0
		err := Retry(context.Background(), RetryPolicy{Attempts: 4, Base: time.Millisecond}, func(_ context.Context, try int) error {
			calls++
			if try != calls {
				t.Errorf("try = %d on call %d", try, calls)
			}
			if calls < 3 {
				return Fail(class, "flaky")
			}
			return nil
		})
		if err != nil || calls != 3 {
			t.Errorf("%s: %d calls, err %v; want success on the third", class, calls, err)
		}
		calls = 0
		err = Retry(context.Background(), RetryPolicy{Attempts: 4, Base: time.Millisecond}, func(context.Context, int) error {
			calls++
			return &HTTPError{Status: 503, URL: "u"}
		})
		if calls != 4 || Classify(err) != SiteError {
			t.Errorf("exhausted: %d calls, err %v; want 4 tries and the last error", calls, err)
		}
	}
}

func TestRetryHonoursContextAndRetryAfter(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	calls := 0
	start := time.Now()
	err := Retry(ctx, RetryPolicy{Attempts: 10, Base: time.Hour}, func(context.Context, int) error {
		calls++
		return &HTTPError{Status: 429, URL: "u"}
	})
	if calls != 1 || time.Since(start) > 5*time.Second {
		t.Fatalf("%d calls in %v; a canceled wait must stop retrying", calls, time.Since(start))
	}
	if Classify(err) != RateLimited || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Errorf("err = %v; want the site's class, and the context's reason in the message", err)
	}

	// Retry-After longer than the backoff wins.
	calls = 0
	start = time.Now()
	_ = Retry(context.Background(), RetryPolicy{Attempts: 2, Base: time.Millisecond}, func(context.Context, int) error {
		calls++
		return &HTTPError{Status: 429, URL: "u", RetryAfter: 80 * time.Millisecond}
	})
	if took := time.Since(start); calls != 2 || took < 80*time.Millisecond {
		t.Errorf("%d calls in %v; want the second after Retry-After (80ms)", calls, took)
	}
}

func TestBackoff(t *testing.T) {
	p := RetryPolicy{Base: 100 * time.Millisecond, Max: time.Second}
	want := []time.Duration{100, 200, 400, 800, 1000, 1000, 1000}
	for i, w := range want {
		if got := p.Backoff(i + 1); got != w*time.Millisecond {
			t.Errorf("Backoff(%d) = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	if got := p.Backoff(200); got != time.Second {
		t.Errorf("Backoff(200) = %v, want the cap", got)
	}
	p.Jitter = true
	for i := 0; i < 100; i++ {
		if d := p.Backoff(3); d < 200*time.Millisecond || d > 400*time.Millisecond {
			t.Fatalf("jittered Backoff(3) = %v, want within [200ms, 400ms]", d)
		}
	}
}

func TestURLSecretsRedacted(t *testing.T) {
	e := &HTTPError{Status: 403, URL: "https://u:pw-123@site.example/x?session_id=S3CR3T&page=2&otp=778899"}
	msg := e.Error()
	for _, leak := range []string{"S3CR3T", "778899", "pw-123"} {
		if strings.Contains(msg, leak) {
			t.Errorf("%q leaks %q", msg, leak)
		}
	}
	if !strings.Contains(msg, "page=2") || !strings.Contains(msg, "site.example/x") {
		t.Errorf("%q lost the harmless parts", msg)
	}
}

// JSON of another shape than the reader's (a text where a number was, an
// object where a text was) means the site changed what it sends.
func TestClassifyJSONShapeIsPageChanged(t *testing.T) {
	var v struct {
		At int64 `json:"create_time"`
	}
	err := json.Unmarshal([]byte(`{"create_time": "2026-03-04 09:00"}`), &v)
	if err == nil {
		t.Fatal("decoding a text into a number should fail")
	}
	if got := Classify(fmt.Errorf("read messages: %w", err)); got != PageChanged {
		t.Errorf("Classify = %s, want page_changed", got)
	}
	se := &SelectorError{Name: "json:conversations", URL: "http://127.0.0.1/api"}
	if !strings.Contains(se.Error(), "selector json:conversations matched nothing") {
		t.Errorf("SelectorError without a selector: %q", se.Error())
	}
}
