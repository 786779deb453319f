package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMissingFileGivesDefaults(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), FileName), false)
	if err != nil {
		t.Fatal(err)
	}
	if c.Thresholds.StalledDays != 5 || c.Thresholds.DueSoon.D() != 4*time.Hour {
		t.Fatalf("defaults not applied: %+v", c.Thresholds)
	}
}

func TestMissingFileNamedExplicitlyIsAnError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(p, true)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), p) {
		t.Fatalf("want an error naming %s, got %v", p, err)
	}
}

func TestParsesFullFile(t *testing.T) {
	src := `
carriers:
  ups:
    recipe: ups-sandbox
    api_base_url: https://onlinetools.ups.com
    stalled_days: 7
thresholds:
  due_soon: 6h
  track_max_age: 2d
claims:
  auto_file: true
  max_auto_amount: 80
schedules:
  - job: sync
    cron: "0 * * * *"
`
	c, err := Parse("config.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if c.Carriers["ups"].Recipe != "ups-sandbox" {
		t.Fatalf("carriers.ups.recipe: %+v", c.Carriers["ups"])
	}
	if c.StalledDays("ups") != 7 || c.StalledDays("dhl") != 5 {
		t.Fatalf("stalled days: ups %d dhl %d", c.StalledDays("ups"), c.StalledDays("dhl"))
	}
	if c.Thresholds.TrackMaxAge.D() != 48*time.Hour || c.Thresholds.DueSoon.D() != 6*time.Hour {
		t.Fatalf("durations: %+v", c.Thresholds)
	}
	if !c.Claims.AutoFile || c.Claims.MaxAutoAmount != "80" {
		t.Fatalf("claims: %+v", c.Claims)
	}
}

func TestErrorsNameFileKeyAndLine(t *testing.T) {
	cases := []struct {
		name, src, key string
		line           int
	}{
		{"unknown key", "thresholds:\n  stalled_dayz: 3\n", "stalled_dayz", 2},
		// Stores live in the database (`stores add`); a stores section, of
		// any marketplace (shopee has no adapter), is refused, not ignored.
		{"stores section", "thresholds:\n  stalled_days: 3\nstores:\n  - name: a\n    marketplace: amazon\n", "stores", 3},
		{"shopee store", "stores:\n  - name: b\n    marketplace: shopee\n", "stores", 1},
		// A stores entry adds the expected languages to a store by name.
		{"store language not ISO 639-1", "stores:\n  - name: b\n    languages: [en, german]\n", "stores[0].languages", 3},
		{"store languages empty", "stores:\n  - name: b\n    languages: []\n", "stores[0].languages", 3},
		{"store language twice", "stores:\n  - name: b\n    languages: [de, de]\n", "stores[0].languages", 3},
		{"store entry without a name", "stores:\n  - languages: [de]\n", "stores[0]", 2},
		{"store listed twice", "stores:\n  - name: b\n    languages: [de]\n  - name: b\n    languages: [fr]\n", "stores[1].name", 4},
		// An API store is no config either: its channel is in the database
		// and its credentials in the keyring.
		{"api store", "stores:\n  - name: c\n    marketplace: amazon\n    api: true\n", "stores", 1},
		{"marketplaces section", "marketplaces:\n  amazon:\n    refresh_token: x\n", "marketplaces", 1},
		{"bad recipe", "carriers:\n  ups:\n    recipe: \"UPS sandbox\"\n", "carriers.ups.recipe", 3},
		{"bad carrier", "carriers:\n  royalmail:\n    stalled_days: 3\n", "carriers.royalmail", 2},
		{"bad url", "carriers:\n  ups:\n    api_base_url: ftp://x\n", "carriers.ups.api_base_url", 3},
		{"bad duration", "thresholds:\n  due_soon: soon\n", "", 2},
		{"bad job", "schedules:\n  - job: dance\n    cron: '* * * * *'\n", "schedules[0].job", 2},
		{"bad rule", "claims:\n  rules:\n    - carrier: ups\n      kind: lost\n      opens_after_days: 9\n      closes_after_days: 3\n", "claims.rules[0]", 3},
		{"wrong type", "thresholds:\n  stalled_days: many\n", "", 2},
		// claims.max_auto_amount is money, parsed as a decimal in claims.currency (ISO 4217).
		{"amount exponent", "claims:\n  max_auto_amount: 1e3\n", "claims.max_auto_amount", 2},
		{"amount sign", "claims:\n  max_auto_amount: -5\n", "claims.max_auto_amount", 2},
		{"amount decimals", "claims:\n  currency: JPY\n  max_auto_amount: 100.5\n", "claims.max_auto_amount", 3},
		{"amount currency", "claims:\n  currency: XYZ\n  max_auto_amount: 100\n", "claims.currency", 2},
		{"translation provider", "translation:\n  provider: google\n", "translation.provider", 2},
		{"libretranslate without url", "translation:\n  provider: libretranslate\n", "translation.provider", 2},
		{"translation url", "translation:\n  provider: deepl\n  url: api.deepl.com\n", "translation.url", 3},
		// operator.language is an ISO 639-1 code.
		{"operator language", "operator:\n  language: English\n", "operator.language", 2},
		// proactive.auto_send is a YAML boolean; a misspelt key is refused.
		{"auto send type", "proactive:\n  auto_send: sometimes\n", "", 2},
		{"auto send key", "proactive:\n  autosend: true\n", "autosend", 2},
		// IMAP sizes are 32-bit numbers (RFC 3501); a negative size is no size.
		{"mail size negative", "mail:\n  max_message_mb: -1\n", "mail.max_message_mb", 2},
		{"mail size too large", "mail:\n  max_message_mb: 5000\n", "mail.max_message_mb", 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("/etc/sellerops.yaml", []byte(tc.src))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("want *config.Error, got %v", err)
			}
			if ce.Line != tc.line || ce.Key != tc.key || ce.File != "/etc/sellerops.yaml" {
				t.Fatalf("got file %q line %d key %q (%v); want line %d key %q", ce.File, ce.Line, ce.Key, err, tc.line, tc.key)
			}
			if !strings.HasPrefix(err.Error(), "/etc/sellerops.yaml:") {
				t.Fatalf("message should start with file:line: %v", err)
			}
		})
	}
}

// A stores entry that declares a store is refused with how to add each
// kind of store instead.
func TestStoresSectionNamesEveryChannel(t *testing.T) {
	_, err := Parse("c.yaml", []byte("stores:\n  - name: a\n    marketplace: amazon\n"))
	for _, want := range []string{"--marketplace amazon|ebay|tiktok", "--email", "--api --marketplace-id"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %q", err, want)
		}
	}
}

func TestUnreadableFile(t *testing.T) {
	if os.Geteuid() == 0 {
		// root reads anything; use a directory instead of a file to fail the read.
		dir := t.TempDir()
		_, err := Load(dir, true)
		if !errors.Is(err, ErrInvalid) {
			t.Fatalf("want ErrInvalid, got %v", err)
		}
		return
	}
	p := filepath.Join(t.TempDir(), FileName)
	if err := os.WriteFile(p, []byte("stores: []\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p, false); !errors.Is(err, ErrInvalid) {
		t.Fatalf("want ErrInvalid, got %v", err)
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{"3d": 72 * time.Hour, "90m": 90 * time.Minute, "0s": 0} {
		got, err := ParseDuration(in)
		if err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "-1d", "xd", "-5m"} {
		if _, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) accepted", in)
		}
	}
}

func TestOrDefaults(t *testing.T) {
	if got := OrDefaults(nil); got == nil || got.Thresholds.StalledDays != Defaults().Thresholds.StalledDays {
		t.Fatalf("OrDefaults(nil) = %+v, want the defaults", got)
	}
	c := Defaults()
	c.Claims.MaxAutoAmount = "42"
	if got := OrDefaults(c); got != c {
		t.Fatalf("OrDefaults(c) returned another config")
	}
}

func TestParsesTranslationSettings(t *testing.T) {
	c, err := Parse("/etc/sellerops.yaml", []byte("operator:\n  language: de\ntranslation:\n  provider: libretranslate\n  url: http://127.0.0.1:5000\nagents:\n  allow_translated_replies: true\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Operator.Language != "de" || c.Translation.Provider != "libretranslate" || c.Translation.URL != "http://127.0.0.1:5000" || !c.Agents.AllowTranslatedReplies {
		t.Fatalf("parsed %+v %+v %+v", c.Operator, c.Translation, c.Agents)
	}
}

func TestParsesBrowserEndpoints(t *testing.T) {
	c, err := Parse("/etc/sellerops.yaml", []byte("browser:\n  endpoints:\n    - ws://10.0.0.5:9222/devtools/browser/a\n    - url: wss://b.example:443/chrome\n      tabs: 4\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []BrowserEndpoint{{URL: "ws://10.0.0.5:9222/devtools/browser/a"}, {URL: "wss://b.example:443/chrome", Tabs: 4}}
	if len(c.Browser.Endpoints) != 2 || c.Browser.Endpoints[0] != want[0] || c.Browser.Endpoints[1] != want[1] {
		t.Fatalf("endpoints %+v, want %+v", c.Browser.Endpoints, want)
	}
	for src, wantMsg := range map[string]string{
		"browser:\n  endpoints:\n    - http://10.0.0.5:9222\n":                      "ws://host:port",
		"browser:\n  endpoints:\n    - wss://chrome.example/?token=s3cret\n":        "holds no secrets",
		"browser:\n  endpoints:\n    - ws://user:pw@chrome.example/\n":              "holds no secrets",
		"browser:\n  endpoints:\n    - url: ws://10.0.0.5:9222/x\n      tabs: -1\n": "tabs",
	} {
		_, err := Parse("/etc/sellerops.yaml", []byte(src))
		if err == nil || !strings.Contains(err.Error(), wantMsg) || strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "pw@") {
			t.Errorf("%q: error %v, want one saying %q without the secret", src, err, wantMsg)
		}
	}
}

func TestParsesProactive(t *testing.T) {
	c, err := Parse("/etc/sellerops.yaml", []byte("proactive:\n  auto_send: true\n"))
	if err != nil || !c.Proactive.AutoSend {
		t.Fatalf("parsed %+v, %v", c.Proactive, err)
	}
	if Defaults().Proactive.AutoSend {
		t.Error("notices are sent without a person by default")
	}
}

func TestStoreLanguages(t *testing.T) {
	c, err := Parse("c.yaml", []byte("stores:\n  - name: shop-de\n    languages: [de, en]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := c.StoreLanguages("shop-de"); len(got) != 2 || got[0] != "de" || got[1] != "en" {
		t.Errorf("shop-de: %v", got)
	}
	if got := c.StoreLanguages("other"); got != nil {
		t.Errorf("a store without an entry: %v", got)
	}
}

func TestParsesMailSettings(t *testing.T) {
	c, err := Parse("/etc/sellerops.yaml", []byte("mail:\n  max_message_mb: 60\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Mail.MaxMessageMB != 60 {
		t.Fatalf("parsed %+v", c.Mail)
	}
	if Defaults().Mail.MaxMessageMB != 0 {
		t.Errorf("the default is left to the mail channel (25 MiB), got %d", Defaults().Mail.MaxMessageMB)
	}
}
