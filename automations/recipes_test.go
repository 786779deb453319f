package automations

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeOverride(t *testing.T, dir, name, body string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEmbeddedRecipesLoadAndCheckClean(t *testing.T) {
	set, err := LoadRecipes("")
	if err != nil {
		t.Fatalf("embedded recipes: %v", err)
	}
	for _, site := range []string{"amazon-seller-central", "ebay", "tiktok-shop", "ups", "fedex", "usps", "dhl"} {
		r, err := set.Get(site)
		if err != nil {
			t.Errorf("Get(%q): %v", site, err)
			continue
		}
		if r.Verified {
			t.Errorf("%s claims verified: true, but no real site can be reached from here", site)
		}
		if !strings.Contains(r.Note, "never run against the real site") {
			t.Errorf("%s: the note must say it was never run against the real site, got %q", site, r.Note)
		}
	}
	if probs := set.Check(); len(probs) > 0 {
		t.Fatalf("embedded recipes have problems: %v", probs)
	}
}

func TestRecipeLookups(t *testing.T) {
	set, err := LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Get("amazon-seller-central")
	if err != nil {
		t.Fatal(err)
	}
	if s, err := r.Selector("login.username"); err != nil || s != "#ap_email" {
		t.Errorf("Selector(login.username) = %q, %v", s, err)
	}
	_, err = r.Selector("inbox.nope")
	if err == nil || !strings.Contains(err.Error(), "selectors.inbox.nope") || !strings.Contains(err.Error(), "amazon-seller-central.yaml") ||
		!strings.Contains(err.Error(), "login.username") {
		t.Errorf("missing selector error = %v; want the key, the override file and the keys that exist", err)
	}
	if u, err := r.URL("inbox"); err != nil || u != "https://sellercentral.amazon.com/messaging/inbox" {
		t.Errorf("URL(inbox) = %q, %v", u, err)
	}
	if _, err := r.URL("nope"); err == nil || !strings.Contains(err.Error(), "urls.nope") {
		t.Errorf("URL(nope) err = %v", err)
	}
	ups, _ := set.Get("ups")
	u, err := ups.Expand("track", map[string]string{"number": "1Z 999&AA1"})
	if err != nil || !strings.Contains(u, "tracknum=1Z+999%26AA1") || !strings.HasPrefix(u, "https://www.ups.com/track?") {
		t.Errorf("Expand(track) = %q, %v", u, err)
	}
	if _, err := ups.Expand("track", nil); err == nil || !strings.Contains(err.Error(), "number") {
		t.Errorf("Expand without the number: err = %v, want it named", err)
	}
	local := r.WithBaseURL("http://127.0.0.1:4321/")
	if u, _ := local.URL("inbox"); u != "http://127.0.0.1:4321/messaging/inbox" {
		t.Errorf("WithBaseURL: URL(inbox) = %q", u)
	}
	if u, _ := r.URL("inbox"); !strings.HasPrefix(u, "https://sellercentral") {
		t.Errorf("WithBaseURL changed the original recipe: %q", u)
	}
	if _, err := set.Get("nowhere"); err == nil || !strings.Contains(err.Error(), "ebay") {
		t.Errorf("Get(unknown) = %v; want the known sites listed", err)
	}
}

func TestOverrideReplacesKeysOneByOne(t *testing.T) {
	dir := t.TempDir()
	file := writeOverride(t, dir, "ebay.yaml", `
selectors:
  login.username: "input#new-user"
  home.overdue: "#late-count"
urls:
  inbox: /messages/new
`)
	set, err := LoadRecipes(dir)
	if err != nil {
		t.Fatal(err)
	}
	r, err := set.Get("ebay")
	if err != nil {
		t.Fatal(err)
	}
	if s, _ := r.Selector("login.username"); s != "input#new-user" {
		t.Errorf("overridden selector = %q", s)
	}
	if s, _ := r.Selector("login.password"); s != "#pass" {
		t.Errorf("a selector the override does not name must stay: %q", s)
	}
	if s, _ := r.Selector("home.overdue"); s != "#late-count" {
		t.Errorf("override may add a selector that the flows of its kind read: %q", s)
	}
	if u, _ := r.URL("inbox"); u != "https://www.ebay.com/messages/new" {
		t.Errorf("overridden url = %q", u)
	}
	if f, line := r.Where("selectors.login.username"); f != file || line != 3 {
		t.Errorf("Where(selectors.login.username) = %s:%d, want %s:3", f, line, file)
	}
	if f, _ := r.Where("selectors.login.password"); !strings.HasPrefix(f, "embedded:") {
		t.Errorf("Where of an embedded key = %q", f)
	}
	if len(r.Sources) != 2 || r.Sources[1] != file {
		t.Errorf("Sources = %v", r.Sources)
	}
	// Other sites are untouched.
	a, _ := set.Get("amazon-seller-central")
	if len(a.Sources) != 1 {
		t.Errorf("amazon recipe picked up an override: %v", a.Sources)
	}
}

func TestOverrideErrorsNameFileKeyAndLine(t *testing.T) {
	cases := []struct {
		name, body string
		key        string
		line       int
		msg        string
	}{
		{"unknown key", "site: ebay\nselectorz:\n  a: b\n", "selectorz", 2, "unknown key"},
		{"selector not text", "selectors:\n  login.username:\n    - a\n    - b\n", "selectors.login.username", 3, "single text value"},
		{"empty selector", "selectors:\n  ok: '#a'\n  login.username: ''\n", "selectors.login.username", 3, "empty"},
		{"broken selector", "selectors:\n  login.username: \"input[name='user'\"\n", "selectors.login.username", 2, "unclosed"},
		{"bad url", "urls:\n  inbox: ftp://example.com/x\n", "urls.inbox", 2, "http(s) URL"},
		{"bad kind", "kind: shop\n", "kind", 1, "marketplace or carrier"},
		{"bad base", "base_url: example.com\n", "base_url", 1, "absolute"},
		{"verified not bool", "verified: maybe\n", "verified", 1, "true or false"},
		{"site mismatch", "site: amazon\n", "site", 1, "file name"},
		{"duplicate", "selectors:\n  a: '#a'\n  a: '#b'\n", "", 0, ""},
		{"yaml syntax", "selectors:\n  a: '#a\n  b: c\n", "", 0, "not valid YAML"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			file := writeOverride(t, dir, "ebay.yaml", c.body)
			set, err := LoadRecipes(dir)
			if err == nil {
				t.Fatal("invalid override loaded without error")
			}
			var re *RecipeError
			if !errors.As(err, &re) {
				t.Fatalf("error %v is not a *RecipeError", err)
			}
			if re.File != file {
				t.Errorf("error names file %q, want %q", re.File, file)
			}
			if c.key != "" && re.Key != c.key {
				t.Errorf("error names key %q, want %q (%v)", re.Key, c.key, err)
			}
			if c.line != 0 && re.Line != c.line {
				t.Errorf("error names line %d, want %d (%v)", re.Line, c.line, err)
			}
			if !strings.Contains(err.Error(), c.msg) {
				t.Errorf("error %q lacks %q", err, c.msg)
			}
			if _, gerr := set.Get("ebay"); gerr == nil {
				t.Error("a site with an invalid override must not silently fall back to the embedded recipe")
			}
			if _, gerr := set.Get("ups"); gerr != nil {
				t.Errorf("other sites must still load: %v", gerr)
			}
			found := false
			for _, p := range set.Check() {
				if p.Site == "ebay" && p.Err.File == file {
					found = true
				}
			}
			if !found {
				t.Errorf("Check does not report the broken override: %v", set.Check())
			}
		})
	}
}

func TestCheckReportsMissingRequiredKeysAndNotes(t *testing.T) {
	dir := t.TempDir()
	file := writeOverride(t, dir, "shopify-lite.yaml", `site: shopify-lite
kind: marketplace
verified: false
base_url: https://shop.example
urls:
  login: /login
selectors:
  login.username: "#u"
  login.password: "#p"
`)
	set, err := LoadRecipes(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := set.Get("shopify-lite"); err != nil {
		t.Fatalf("a new site from an override: %v", err)
	}
	var got []string
	for _, p := range set.Check() {
		if p.Site != "shopify-lite" {
			t.Errorf("unexpected problem: %v", p)
			continue
		}
		if p.Err.File != file {
			t.Errorf("problem names %q, want %q", p.Err.File, file)
		}
		got = append(got, p.Err.Key)
		if p.Err.Key == "selectors.login.submit" && p.Err.Line != 7 {
			t.Errorf("missing selector should point at the selectors: line 7, got %d", p.Err.Line)
		}
	}
	if strings.Join(got, ",") != "note,selectors.login.submit" {
		t.Errorf("problems = %v, want the missing note and login.submit", got)
	}
}

func TestNewSiteOverrideNeedsKindAndBase(t *testing.T) {
	dir := t.TempDir()
	writeOverride(t, dir, "newshop.yaml", "selectors:\n  a: '#a'\n")
	_, err := LoadRecipes(dir)
	if err == nil || !strings.Contains(err.Error(), "kind") || !strings.Contains(err.Error(), "base_url") {
		t.Fatalf("err = %v, want kind and base_url reported missing", err)
	}
}

func TestRecipeYAMLRoundTrips(t *testing.T) {
	set, _ := LoadRecipes("")
	r, _ := set.Get("dhl")
	out, err := r.YAML()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	writeOverride(t, dir, "dhl.yaml", string(out))
	set2, err := LoadRecipes(dir)
	if err != nil {
		t.Fatalf("a shown recipe must load back as an override: %v", err)
	}
	r2, _ := set2.Get("dhl")
	if s1, _ := r.Selector("track.events"); s1 == "" {
		t.Fatal("dhl has no track.events")
	} else if s2, _ := r2.Selector("track.events"); s1 != s2 {
		t.Errorf("round trip changed track.events: %q vs %q", s1, s2)
	}
}

func TestSelectorProblem(t *testing.T) {
	for s, bad := range map[string]bool{
		"#a .b > c":                    false,
		"input[name='x']":              false,
		"a:not(.b)":                    false,
		`input[name="a]b"]`:            false,
		"input[name='x'":               true,
		"a:not(.b":                     true,
		"a)":                           true,
		"'abc":                         true,
		"a >":                          true,
		`a[title="x\"y"]`:              false,
		"[data-e2e='message-item'], b": false,
	} {
		if got := selectorProblem(s) != ""; got != bad {
			t.Errorf("selectorProblem(%q) = %q, want bad=%v", s, selectorProblem(s), bad)
		}
	}
}

// A name no flow of the recipe's kind reads is a typo: the override is an
// error at that line, and the site is not usable from it.
func TestOverrideWithUnknownNameIsAnError(t *testing.T) {
	dir := t.TempDir()
	file := writeOverride(t, dir, "ups-sandbox.yaml", `
selectors:
  track.evnts: "table .row"
attributes:
  event_tiem: data-when
`)
	set, err := LoadRecipes(dir)
	if err == nil {
		t.Fatal("an override with unknown names loaded without error")
	}
	for _, want := range []string{
		file + ":3: selectors.track.evnts: unknown selector name: no flow reads it; did you mean track.events?",
		file + ":5: attributes.event_tiem: unknown attribute name: no flow reads it; did you mean event_time?",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q\nlacks %q", err, want)
		}
	}
	if _, err := set.Get("ups-sandbox"); err == nil || !strings.Contains(err.Error(), "invalid") {
		t.Errorf("Get of the broken site = %v, want it reported invalid", err)
	}
	if !set.Has("ups-sandbox") {
		t.Error("Has must report a broken site, so that no caller passes over it to another recipe")
	}
	if _, err := set.Get("ups"); err != nil {
		t.Errorf("other sites stay usable: %v", err)
	}
	found := false
	for _, p := range set.Check() {
		if p.Site == "ups-sandbox" && p.Err.Key == "selectors.track.evnts" && p.Err.Line == 3 {
			found = true
		}
	}
	if !found {
		t.Errorf("Check does not report the unknown name: %v", set.Check())
	}
}
