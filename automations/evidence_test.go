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
