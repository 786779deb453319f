package sandbox

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var hiddenToken = regexp.MustCompile(`name="appActionToken" value="([^"]+)"`)
var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// amazonLogin logs in over plain HTTP and returns the client.
func amazonLogin(t *testing.T, sb *Sandbox, otp string) (*http.Client, *http.Response) {
	t.Helper()
	c := jarClient(true)
	base := sb.URL("amazon")
	_, body := get(t, c, base+"/login")
	m := hiddenToken.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("login page has no CSRF token:\n%s", body)
	}
	acct := sb.Account("amazon")
	resp, err := c.PostForm(base+"/login", url.Values{"appActionToken": {m[1]}, "email": {acct.Username}, "password": {acct.Password}})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m = csrfField.FindStringSubmatch(string(b))
	if m == nil {
		t.Fatalf("no TOTP step after password (status %d):\n%s", resp.StatusCode, b)
	}
	if otp == "" {
		otp = totpNow(t, acct.TOTPSecret)
	}
	resp, err = c.PostForm(base+"/login/mfa", url.Values{"csrf": {m[1]}, "otpCode": {otp}})
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

func TestAmazonLoginHTTP(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 1})
	c, resp := amazonLogin(t, sb, "")
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Request.URL.Path != "/home" || !strings.Contains(string(b), `id="dashboard"`) {
		t.Fatalf("after TOTP want dashboard, got %s status %d", resp.Request.URL, resp.StatusCode)
	}
	code, body := get(t, c, sb.URL("amazon")+"/messages")
	if code != 200 || !strings.Contains(body, `data-thread-id=`) {
		t.Fatalf("messages page: %d\n%s", code, body[:min(len(body), 2000)])
	}
	if got := sb.State().Logins["amazon"].Succeeded; got != 1 {
		t.Fatalf("logins succeeded = %d, want 1", got)
	}
	_, resp = amazonLogin(t, sb, "000000")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong TOTP: status %d, want 401", resp.StatusCode)
	}
	resp.Body.Close()
}

func TestAmazonNoResponseNeeded(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 2})
	c, resp := amazonLogin(t, sb, "")
	resp.Body.Close()
	_, body := get(t, c, sb.URL("amazon")+"/messages")
	m := regexp.MustCompile(`data-thread-id="([^"]+)" data-status="awaiting_reply"`).FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no thread awaiting reply on the first page")
	}
	tok := csrfField.FindStringSubmatch(body)[1]
	r, err := c.PostForm(sb.URL("amazon")+"/messages/thread/"+m[1]+"/no-response", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	st := sb.State()
	if len(st.NoResponse) != 1 || st.NoResponse[0] != m[1] {
		t.Fatalf("NoResponse = %v, want [%s]", st.NoResponse, m[1])
	}
	_, body = get(t, c, sb.URL("amazon")+"/messages/thread/"+m[1])
	if !strings.Contains(body, `data-status="no_response_needed"`) {
		t.Fatal("thread page does not show no_response_needed")
	}
	// A forged form without the session's token changes nothing.
	r, _ = c.PostForm(sb.URL("amazon")+"/messages/thread/"+m[1]+"/reply", url.Values{"csrf": {"forged"}, "body": {"hi"}})
	r.Body.Close()
	if r.StatusCode != 400 || len(sb.State().Replies) != 0 {
		t.Fatalf("forged reply: %d, replies %v", r.StatusCode, sb.State().Replies)
	}
}

func TestTiktokSessionExpiryOnXHR(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 2, Faults: "tiktok.expire=1h"})
	c := jarClient(false)
	_, _ = get(t, c, sb.URL("tiktok")+"/login")
	u, _ := url.Parse(sb.URL("tiktok"))
	var csrf string
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "csrf-tiktok" {
			csrf = ck.Value
		}
	}
	acct := sb.Account("tiktok")
	post := func(path, body string) (int, string) {
		req, _ := http.NewRequest("POST", sb.URL("tiktok")+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", csrf)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := post("/api/passport/login", `{"email":"`+acct.Username+`","password":"`+acct.Password+`"}`); code != 200 || !strings.Contains(body, `"otp"`) {
		t.Fatalf("login: %d %s", code, body)
	}
	if code, body := post("/api/passport/otp", `{"code":"`+totpNow(t, acct.TOTPSecret)+`"}`); code != 200 {
		t.Fatalf("otp: %d %s", code, body)
	}
	if code, _ := get(t, c, sb.URL("tiktok")+"/api/im/conversations"); code != 200 {
		t.Fatalf("conversations: %d", code)
	}
	sb.Advance(61 * time.Minute)
	code, body := get(t, c, sb.URL("tiktok")+"/api/im/conversations")
	if code != 401 || !strings.Contains(body, "40101") {
		t.Fatalf("after expiry: %d %s", code, body)
	}
}
