package automations

import (
	"bytes"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/testwait"
)

const secretForm = `<!doctype html><html><head><title>Sign in</title>
<meta name="csrf-token" content="META-CSRF-7781">
</head><body>
<form id="f">
  <input name="email" id="email">
  <input type="password" name="pw" id="pw">
  <input name="code" autocomplete="one-time-code" id="code">
  <input type="hidden" name="csrf_token" value="HIDDEN-CSRF-5521">
  <input id="api_token" value="ATTR-TOKEN-3390">
  <input name="totp" id="totp">
  <textarea name="secret_note" id="note"></textarea>
  <input name="search" id="search">
  <textarea name="message" id="msg"></textarea>
</form></body></html>`

func TestEvidenceEmptiesSecrets(t *testing.T) {
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, secretForm)
	}))
	pool := testPool(t, PoolOptions{Size: 1})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)

	const (
		password = "hunter2-PASSWORD-xyz"
		otp      = "918273"
		totp     = "445566"
		note     = "my-SECRET-note"
	)
	typed := map[string]string{
		"#email": "alice@example.com", "#pw": password, "#code": otp, "#totp": totp,
		"#note": note, "#search": "where is my parcel", "#msg": "hello buyer",
	}
	err = pg.Step(testCtx(t), "fill", testwait.Budget(t), func(p *rodPage) error {
		if err := Navigate(p, srv.URL); err != nil {
			return err
		}
		for sel, text := range typed {
			el, err := Find(p, sel, sel)
			if err != nil {
				return err
			}
			if err := el.Input(text); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	root := filepath.Join(t.TempDir(), "evidence")
	dir, err := SaveEvidence(testCtx(t), pg.Rod(), root, "login/submit", []string{"step login.submit failed"})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(dir) != root {
		t.Errorf("evidence folder %s is not under %s", dir, root)
	}
	for _, d := range []string{root, dir} {
		st, err := os.Stat(d)
		if err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s mode = %v (%v), want 0700", d, st.Mode().Perm(), err)
		}
	}
	html, err := os.ReadFile(filepath.Join(dir, EvidenceHTML))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{password, otp, totp, note, "HIDDEN-CSRF-5521", "ATTR-TOKEN-3390", "META-CSRF-7781"} {
		if bytes.Contains(html, []byte(secret)) {
			t.Errorf("saved HTML contains the secret %q", secret)
		}
	}
	// The capture keeps what is not secret, so the check above has teeth.
	for _, kept := range []string{"alice@example.com", "where is my parcel", "hello buyer", `name="pw"`, "<title>Sign in</title>"} {
		if !bytes.Contains(html, []byte(kept)) {
			t.Errorf("saved HTML lacks %q", kept)
		}
	}
	png, err := os.ReadFile(filepath.Join(dir, EvidenceScreenshot))
	if err != nil || !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("screenshot is not a PNG (%v)", err)
	}
	log, err := os.ReadFile(filepath.Join(dir, EvidenceLog))
	if err != nil || !strings.Contains(string(log), "step login.submit failed") || !strings.Contains(string(log), "url: "+srv.URL) {
		t.Errorf("step log = %q, %v", log, err)
	}
	for _, f := range []string{EvidenceHTML, EvidenceScreenshot, EvidenceLog} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode = %v, want 0600 (%v)", f, st.Mode().Perm(), err)
		}
	}
	// The live page is left as it was.
	res, err := pg.Rod().Timeout(testwait.Budget(t)).Eval(`() => document.getElementById('pw').value`)
	if err != nil || res.Value.Str() != password {
		t.Errorf("the live password field changed: %q, %v", res.Value.Str(), err)
	}
}

func TestEvidenceWithoutPageStillKeepsLog(t *testing.T) {
	root := t.TempDir()
	dir, err := SaveEvidence(testCtx(t), nil, root, "", []string{"line one"})
	if err != nil {
		t.Fatal(err)
	}
	log, err := os.ReadFile(filepath.Join(dir, EvidenceLog))
	if err != nil || !strings.Contains(string(log), "line one") || !strings.Contains(string(log), "no page") {
		t.Errorf("log = %q, %v", log, err)
	}
	if _, err := SaveEvidence(testCtx(t), nil, "", "x", nil); err == nil {
		t.Error("evidence without a folder must fail")
	}
}

// TestEvidenceBlanksSessionValues plants the page's session values (its
// cookies: a session id and a CSRF token, as the sandbox's sites and eBay's
// and TikTok's sign-in pages echo them) in a hidden field under a name no
// pattern knows, in a JSON config script, in attributes and in text, and a
// secret the process has read in the page and the step log; none of them
// may be left in the saved HTML or step log.
func TestEvidenceBlanksSessionValues(t *testing.T) {
	const (
		sid      = "SESSIONID-83a1f0c2d4"
		csrf     = "CSRFTOKEN-5be9d7a1"
		password = "process-secret-Pa55w0rd"
	)
	ProcessSecrets().Add(password)
	page := `<!doctype html><html><head><title>Verify</title></head><body>
<form id="otp-form"><input type="hidden" name="srt" value="` + csrf + `"><input name="otp" id="otp"></form>
<div id="app" data-session="` + sid + `" data-echo="` + password + `">signed in as ` + sid + `</div>
<a href="/next?t=` + csrf + `">next</a>
<script id="tt-config" type="application/json">{"csrf": "` + csrf + `", "sid": "` + sid + `"}</script>
<p id="kept">parcel 1Z999AA10123456784 is late</p>
</body></html>`
	srv := serve(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.SetCookie(w, &http.Cookie{Name: "sid", Value: sid, Path: "/", HttpOnly: true})
		http.SetCookie(w, &http.Cookie{Name: "csrf-ebay", Value: csrf, Path: "/"})
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, page)
	}))
	pool := testPool(t, PoolOptions{Size: 1, Isolated: true})
	pg, err := pool.Get(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Put(pg)
	if err := pg.Step(testCtx(t), "open", testwait.Budget(t), func(p *rodPage) error { return Navigate(p, srv.URL) }); err != nil {
		t.Fatal(err)
	}
	dir, err := SaveEvidence(testCtx(t), pg.Rod(), t.TempDir(), "otp", []string{"typed into #otp after reading " + csrf + " and " + password})
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, name := range []string{EvidenceHTML, EvidenceLog} {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		files++
		for _, v := range []string{sid, csrf, password} {
			if bytes.Contains(data, []byte(v)) {
				t.Errorf("%s keeps the value %q:\n%s", name, v, data)
			}
		}
	}
	html, _ := os.ReadFile(filepath.Join(dir, EvidenceHTML))
	for _, kept := range []string{"parcel 1Z999AA10123456784 is late", `name="srt"`, "tt-config", "[redacted]"} {
		if !bytes.Contains(html, []byte(kept)) {
			t.Errorf("saved HTML lacks %q", kept)
		}
	}
	if files != 2 {
		t.Fatalf("scanned %d files", files)
	}
}
