package sandbox

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestBlockedFaultAnswersAccessDenied(t *testing.T) {
	if _, err := ParseFaults("blocked=2"); err == nil || !strings.Contains(err.Error(), "blocked=2") {
		t.Fatalf("ParseFaults(blocked=2) error %v; want one naming the term", err)
	}
	sb := startSandbox(t, Options{Seed: 3, Orders: 20, Faults: "ups.blocked=1"})
	get := func(u string) (int, string) {
		t.Helper()
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	code, body := get(sb.URL("ups") + "/track?n=1Z999AA10123456784")
	if code != http.StatusForbidden || !strings.Contains(body, `id="access-denied"`) || !strings.Contains(body, "Access Denied") {
		t.Fatalf("ups page with blocked=1: %d %q; want 403 with the access-denied page", code, body)
	}
	if n := sb.State().Requests["fault.ups.blocked"]; n != 1 {
		t.Errorf("fault.ups.blocked counted %d, want 1", n)
	}
	// Only page views are refused: the site's own data and other sites work.
	if code, _ := get(sb.URL("ups") + "/track/data?n=1Z999AA10123456784"); code != http.StatusOK {
		t.Errorf("ups track data with blocked=1: %d, want 200", code)
	}
	if code, _ := get(sb.URL("fedex") + "/track?n=123456789012"); code != http.StatusOK {
		t.Errorf("fedex page with ups.blocked=1: %d, want 200", code)
	}
}
