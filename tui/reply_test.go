package tui

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// writeTemplates makes a template folder with the given NAME.txt files.
func writeTemplates(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "templates")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestComposerOffersTheCommandLinesTemplates(t *testing.T) {
	dir := writeTemplates(t, map[string]string{
		"tracking.txt": "Dear {{buyer}}, {{carrier}} has parcel {{tracking}}: {{status}}.\n",
		"note.txt":     "Hi {{buyer}}, about your {{store}} order {{order}}.",
		"coupon.txt":   "Use {{coupon}} next time.",
	})
	set, loadErr := messages.LoadTemplates(dir)
	if loadErr == nil {
		t.Fatal("LoadTemplates accepted coupon.txt; the test needs a file it refuses")
	}
	acts := &fixture.Actions{}
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	h := startHarnessOpts(t, ids, 120, 40, Options{DB: db, Now: fixture.Clock, Actions: acts, TemplateDir: dir})
	if s := h.m.Status(); !strings.Contains(s, "coupon.txt") || !strings.Contains(s, "unknown placeholder {{coupon}}") {
		t.Fatalf("status = %q, want a warning naming the refused file", s)
	}

	h.press("2", "enter", "r")
	var offered []string
	for range len(set) {
		h.press("ctrl+t")
		name, lang, _ := strings.Cut(strings.TrimPrefix(h.m.Status(), "template: "), " (")
		offered = append(offered, name)
		// The thread's language picks the version, as on the command line.
		tpl := set[name].For(h.m.Inbox.OpenThread().Thread.Language)
		if tpl.Lang != "" && lang != tpl.Lang+")" {
			t.Errorf("template %q: status names %q, want %s", name, lang, tpl.Lang)
		}
		if got, want := h.m.Inbox.ComposerValue(), tpl.Body; got != want {
			t.Errorf("template %q: composer = %q, want %q", name, got, want)
		}
	}
	if got, want := strings.Join(offered, ","), strings.Join(messages.TemplateNames(set), ","); got != want {
		t.Fatalf("ctrl+t offered %s, want the command line's set %s", got, want)
	}
	if !strings.HasPrefix(set["tracking"].Source, dir) {
		t.Fatalf("tracking comes from %q, want the file to replace the built-in", set["tracking"].Source)
	}

	h.chooseTemplate("note")
	h.press("ctrl+s")
	calls := acts.Calls()
	if len(calls) != 1 || calls[0].Body != "Hi Ana Lima, about your amz-us order 111-0001." {
		t.Fatalf("calls = %+v, want the note filled with the buyer, store and order", calls)
	}
}

func TestMissingValueIsNamedAsTheCommandLineNamesIt(t *testing.T) {
	for _, tc := range []struct{ thread, placeholder, why string }{
		{"soon", "carrier", "order 111-0002 has no carrier"},
		{"quiet", "order", "the thread names no order"},
	} {
		t.Run(tc.thread, func(t *testing.T) {
			acts := &fixture.Actions{}
			h := newHarness(t, 80, 24, acts)
			id := h.ids.Threads[tc.thread]

			// What `sellerops messages reply --template tracking` says.
			set, err := messages.LoadTemplates("")
			if err != nil {
				t.Fatal(err)
			}
			values, why, err := messages.TemplateValues(t.Context(), h.db, id)
			if err != nil {
				t.Fatal(err)
			}
			_, fillErr := set["tracking"].Fill(values, why)
			var mv *messages.MissingValueError
			if !errors.As(fillErr, &mv) || mv.Placeholder != tc.placeholder || mv.Why != tc.why {
				t.Fatalf("command line: %v, want {{%s}} missing because %s", fillErr, tc.placeholder, tc.why)
			}
			cli, _, _ := strings.Cut(fillErr.Error(), " — ")

			h.press("2", "t", "t", "t") // all statuses, so every thread is listed
			rows, _ := h.m.Inbox.Rows()
			for i := range rows {
				if rows[i].ID == id {
					break
				}
				h.press("down")
			}
			h.press("r")
			if tcx := h.m.Inbox.OpenThread(); tcx == nil || tcx.Thread.ID != id {
				t.Fatalf("open thread = %+v, want thread %d", tcx, id)
			}
			h.chooseTemplate("tracking")
			h.press("ctrl+s")
			if calls := acts.Calls(); len(calls) != 0 {
				t.Fatalf("calls = %+v, want nothing sent", calls)
			}
			if s := h.m.Status(); !strings.HasPrefix(s, cli+" — ") {
				t.Fatalf("status = %q, want it to start as the command line does: %q", s, cli)
			}
		})
	}
}

func TestDraftWithUnknownPlaceholderIsRefused(t *testing.T) {
	acts := &fixture.Actions{}
	h := newHarness(t, 80, 24, acts)
	h.press("2", "r")
	h.typeText("Hello {{buyer}}, here is {{coupon}}")
	h.press("ctrl+s")
	if calls := acts.Calls(); len(calls) != 0 {
		t.Fatalf("calls = %+v, want nothing sent", calls)
	}
	if s := h.m.Status(); !strings.Contains(s, "unknown placeholder {{coupon}}") || !strings.Contains(s, "{{buyer}}, {{order}}") {
		t.Fatalf("status = %q, want it to name {{coupon}} and the placeholders to use", s)
	}
	if !h.m.Inbox.Capturing() {
		t.Fatal("the composer closed; it should stay open with the draft")
	}
}

// A thread whose language is not known gets its store's site's language,
// as `messages reply --template` gives it (messages.FillForThread), not
// English.
func TestComposerFallsBackToTheStoresLanguage(t *testing.T) {
	db := fixture.Open(t)
	ids := fixture.Fill(t, db)
	ctx := t.Context()
	if _, err := db.SQL().ExecContext(ctx, `UPDATE stores SET base_url = 'https://sellercentral.amazon.de' WHERE id = ?`, ids.Stores["amz-us"]); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE threads SET language = '' WHERE id = ?`, ids.Threads["late"]); err != nil {
		t.Fatal(err)
	}
	set, err := messages.LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	want, err := messages.FillForThread(ctx, db, set["thanks"], ids.Threads["late"])
	if err != nil {
		t.Fatal(err)
	}
	if want.Template.Lang != "de" {
		t.Fatalf("the command line's rule chose %q for a thread of amazon.de; the test needs German", want.Template.Lang)
	}
	h := startHarnessOpts(t, ids, 120, 40, Options{DB: db, Now: fixture.Clock, Actions: &fixture.Actions{}})
	h.press("2", "enter")
	if th := h.m.Inbox.OpenThread(); th == nil || th.Thread.ID != ids.Threads["late"] {
		t.Fatalf("opened %+v, want the thread without a language", th)
	}
	h.press("r")
	h.chooseTemplate("thanks")
	if s := h.m.Status(); !strings.Contains(s, "(de)") {
		t.Errorf("status %q does not name German", s)
	}
	if got := h.m.Inbox.ComposerValue(); got != want.Template.Body {
		t.Errorf("composer = %q, want the German template %q", got, want.Template.Body)
	}
}
