package messages

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTemplatesPerLanguage(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("thanks.pl.txt", "Dzień dobry {{buyer}}, dziękujemy za wiadomość w sprawie zamówienia {{order}}.")
	write("custom.de.txt", "Guten Tag {{buyer}}, Ihre Bestellung {{order}}.")
	write("custom.txt", "Hello {{buyer}}, order {{order}}.")
	write("gone.de.txt", "Guten Tag {{buyer}}, Ihr Paket {{tracking}}.")
	set, err := LoadTemplates(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Every built-in is there in the seven languages, formal, with the same
	// placeholders as the English one.
	for _, name := range []string{"tracking", "shipped", "damaged", "thanks", "delay"} {
		en := set[name]
		for _, lang := range TemplateLanguages {
			v := en.For(lang)
			if v.Lang != lang {
				t.Errorf("%s has no %s version (got %s)", name, lang, v.Lang)
				continue
			}
			if got, want := placeholdersOf(v.Body), placeholdersOf(en.Body); got != want {
				t.Errorf("%s.%s uses %s, English %s", name, lang, got, want)
			}
		}
	}
	if b := set["thanks"].For("ja").Body; !strings.HasPrefix(b, "{{buyer}} 様") {
		t.Errorf("Japanese thanks does not address the buyer as NAME 様: %q", b)
	}
	// Thread language first, then the store's, then English.
	for _, c := range []struct{ thread, store, want string }{
		{"de", "fr", "de"}, {"", "fr", "fr"}, {"sv", "it", "it"}, {"sv", "", "en"}, {"pl", "de", "pl"},
	} {
		if got := set["thanks"].For(c.thread, c.store).Lang; got != c.want {
			t.Errorf("thanks for thread %q store %q = %s, want %s", c.thread, c.store, got, c.want)
		}
	}
	// A NAME.txt is the fallback of its name; NAME.LANG.txt beside it.
	if got := set["custom"].For("de"); got.Lang != "de" || !strings.HasPrefix(got.Body, "Guten Tag") {
		t.Errorf("custom.de = %+v", got)
	}
	if got := set["custom"].For("fr"); got.Lang != "" || !strings.HasPrefix(got.Body, "Hello") {
		t.Errorf("custom for fr = %+v, want custom.txt", got)
	}
	// A language file alone is a template of its own.
	if got := set["gone"].For("en"); got.Lang != "de" {
		t.Errorf("gone = %+v", got)
	}
	// A placeholder missing in one language is the same refusal.
	_, err = set["gone"].For("de").Fill(map[string]string{"buyer": "Jonas"}, map[string]string{"tracking": "no tracking"})
	var miss *MissingValueError
	if !errors.As(err, &miss) || miss.Placeholder != "tracking" || !errors.Is(err, ErrInvalidInput) {
		t.Errorf("missing value in a language file: %v", err)
	}
	// The parcel's status is worded in the template's language.
	vals := map[string]string{"buyer": "高橋 結衣", "order": "111-1", "carrier": "UPS", "tracking": "1Z", "status": "in transit", statusTagKey: "InTransit"}
	body, err := set["tracking"].For("ja").Fill(vals, nil)
	if err != nil || !strings.Contains(body, "輸送中") || !strings.HasPrefix(body, "高橋 結衣 様") {
		t.Errorf("ja tracking = %q, %v", body, err)
	}
	// A bad language suffix is named.
	write("x.deu.txt", "Hallo {{buyer}}")
	if _, err := LoadTemplates(dir); err == nil || !strings.Contains(err.Error(), "x.deu.txt") {
		t.Errorf("bad language suffix: %v", err)
	}
}

func placeholdersOf(body string) string {
	seen := map[string]bool{}
	for _, m := range placeholderRE.FindAllStringSubmatch(body, -1) {
		seen[m[1]] = true
	}
	var out []string
	for _, p := range Placeholders {
		if seen[p] {
			out = append(out, p)
		}
	}
	return strings.Join(out, ",")
}
