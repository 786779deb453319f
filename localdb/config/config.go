// Package config reads the one sellerops configuration file: schedules,
// carrier endpoints and recipes, thresholds and the unattended-filing
// policy. Stores are not declared here: `sellerops stores add` keeps them
// in the database and their secrets in the keyring; the stores section only
// adds settings to a store by its name (the languages its buyers write in).
// It lives in YAML so that an operator can edit it by hand, and every error
// names the file, the key and the line to fix.
//
// The file never holds a secret. Passwords, TOTP seeds and API keys live in
// the keyring (see package secrets).
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
	"gopkg.in/yaml.v3"
)

// FileName is the configuration file's name inside the config directory.
const FileName = "config.yaml"

// Config is the whole file. Every field is optional; Defaults fills the rest.
type Config struct {
	Carriers   map[string]Carrier `yaml:"carriers"`
	Thresholds Thresholds         `yaml:"thresholds"`
	Claims     Claims             `yaml:"claims"`
	Schedules  []Schedule         `yaml:"schedules"`
	Agents     Agents             `yaml:"agents"`
	Report     Report             `yaml:"report"`
	// Translation picks the translation provider; empty means off.
	Translation Translation `yaml:"translation"`
	Operator    Operator    `yaml:"operator"`
	// Browser names remote browsers to work with instead of the local one.
	Browser   Browser   `yaml:"browser"`
	Proactive Proactive `yaml:"proactive"`
	// Stores adds settings to stores kept in the database, by name.
	Stores []StoreSettings `yaml:"stores"`
	// Mail tunes the email channel of stores added with --email.
	Mail Mail `yaml:"mail"`

	// Path is where the file was read from ("" when built from defaults).
	Path string `yaml:"-"`
}

// Carrier holds one carrier's endpoints, limits and recipe.
type Carrier struct {
	// Recipe names the recipe its tracking page and claim portal are
	// driven with, such as "ups-sandbox" for the sandbox's stand-in; empty
	// means the recipe named as the carrier (the real site's).
	Recipe      string  `yaml:"recipe"`
	APIBaseURL  string  `yaml:"api_base_url"`
	WebBaseURL  string  `yaml:"web_base_url"`
	PortalURL   string  `yaml:"portal_url"`
	StalledDays int     `yaml:"stalled_days"`
	RatePerSec  float64 `yaml:"rate_per_second"`
	DisableAPI  bool    `yaml:"disable_api"`
	// Use17Track sends the carrier's numbers to the 17TRACK API even when
	// the carrier has an API client of its own (a 17TRACK key must be set).
	Use17Track   bool   `yaml:"use_17track"`
	ClaimAccount string `yaml:"claim_account"`
}

// Browser says which browsers the browser flows use.
type Browser struct {
	// Endpoints are remote browsers' CDP websocket addresses (Chromium
	// started with --remote-debugging-port, Browserless, Selenium Grid);
	// tracking pages are spread over all of them, the other flows use the
	// first that answers. Empty means the local browser. A config file
	// holds no secrets: an address with a token (in its query or user
	// info) is refused here and belongs in --browser or SELLEROPS_BROWSER.
	Endpoints []BrowserEndpoint `yaml:"endpoints"`
}

// BrowserEndpoint is one remote browser: its address and, optionally, the
// most tabs it should hold at once.
type BrowserEndpoint struct {
	URL  string `yaml:"url"`
	Tabs int    `yaml:"tabs"`
}

// UnmarshalYAML takes an endpoint as a bare address or as {url, tabs}.
func (e *BrowserEndpoint) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		e.URL = n.Value
		return nil
	}
	type plain BrowserEndpoint
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*e = BrowserEndpoint(p)
	return nil
}

// Thresholds tune what the product calls stalled, due soon or urgent.
type Thresholds struct {
	StalledDays    int      `yaml:"stalled_days"`
	PastETADays    int      `yaml:"past_eta_days"`
	DueSoon        Duration `yaml:"due_soon"`
	ClaimAlertDays int      `yaml:"claim_alert_days"`
	TrackMaxAge    Duration `yaml:"track_max_age"`
}

// Claims sets the unattended-filing policy and any rule overrides.
type Claims struct {
	AutoFile       bool           `yaml:"auto_file"`
	MaxAutoAmount  string         `yaml:"max_auto_amount"` // a decimal in Currency, "49.90"; empty is 0
	Currency       string         `yaml:"currency"`        // ISO 4217 code of MaxAutoAmount; USD when empty
	RuleOverrides  []RuleOverride `yaml:"rules"`
	DamageKeywords []string       `yaml:"damage_keywords"`
}

// AutoLimit is claims.max_auto_amount in claims.currency (USD when unset),
// parsed as money: a plain decimal with at most the currency's decimals.
func (c Claims) AutoLimit() (money.Amount, error) {
	cur := c.Currency
	if cur == "" {
		cur = "USD"
	}
	if strings.TrimSpace(c.MaxAutoAmount) == "" {
		return money.New(0, cur)
	}
	return money.ParseDecimal(cur, c.MaxAutoAmount)
}

// RuleOverride replaces one claim window from the built-in rules table.
type RuleOverride struct {
	Carrier   string `yaml:"carrier"`
	Service   string `yaml:"service"`
	Kind      string `yaml:"kind"`
	OpensDay  int    `yaml:"opens_after_days"`
	ClosesDay int    `yaml:"closes_after_days"`
	Source    string `yaml:"source"`
}

// Schedule runs a job on a cron expression.
type Schedule struct {
	Job     string   `yaml:"job"`
	Cron    string   `yaml:"cron"`
	Stores  []string `yaml:"stores"`
	Enabled *bool    `yaml:"enabled"`
}

// Agents governs what scripts and the MCP server may do on their own.
type Agents struct {
	AllowSendReplies bool `yaml:"allow_send_replies"`
	AllowFileClaims  bool `yaml:"allow_file_claims"`
	// AllowTranslatedReplies lets scripts and agents send a reply in a
	// machine translation (with --translate-reply) without a person seeing
	// the preview.
	AllowTranslatedReplies bool `yaml:"allow_translated_replies"`
}

// StoreSettings are a store's settings, the store itself being added with
// `sellerops stores add`.
type StoreSettings struct {
	Name string `yaml:"name"`
	// Languages are the ISO 639-1 codes the store's buyers are expected
	// to write in: language detection answers only these (or "und").
	// Empty means any language detection knows.
	Languages []string `yaml:"languages"`
}

// StoreSettingKeys are the keys a stores entry may hold.
var StoreSettingKeys = []string{"name", "languages"}

// StoreLanguages returns the expected languages of the named store, nil
// when the config names none.
func (c *Config) StoreLanguages(store string) []string {
	if c == nil {
		return nil
	}
	for _, s := range c.Stores {
		if s.Name == store {
			return s.Languages
		}
	}
	return nil
}

// TranslationProviders are the accepted values of translation.provider.
var TranslationProviders = []string{"deepl", "libretranslate"}

// Translation configures the translation provider. Its key is in the
// keyring, never here.
type Translation struct {
	Provider string `yaml:"provider"` // "", "deepl" or "libretranslate"
	URL      string `yaml:"url"`      // API root; required for libretranslate
}

// Proactive configures the delay notices sent before a buyer asks.
type Proactive struct {
	// AutoSend lets the overnight run send the proposed notices; without
	// it they wait for a person (`sellerops notices send`).
	AutoSend bool `yaml:"auto_send"`
}

// Operator describes the person answering buyers.
type Operator struct {
	// Language is the ISO 639-1 code buyer messages are translated into.
	Language string `yaml:"language"`
}

// Mail tunes how email stores are read.
type Mail struct {
	// MaxMessageMB is the size in MiB above which a mail is not fetched
	// whole: its header and text parts are read, and its attachments
	// recorded by name and not downloaded. 0 means the default, 25.
	MaxMessageMB int `yaml:"max_message_mb"`
}

// MaxMailMB is the most max_message_mb accepts: IMAP gives a mail's size
// in 32 bits (RFC 3501 RFC822.SIZE, a number up to 4 GiB).
const MaxMailMB = 4095

// Report configures the morning report.
type Report struct {
	Dir     string `yaml:"dir"`
	Webhook string `yaml:"webhook"`
}

// Duration reads "36h", "90m" or "2d" (days are a convenience the standard
// parser lacks).
type Duration time.Duration

func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := ParseDuration(n.Value)
	if err != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %v", n.Line, err)}}
	}
	*d = Duration(v)
	return nil
}

// D returns the value as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// ParseDuration accepts Go durations plus a whole number of days ("3d").
func ParseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if strings.HasSuffix(s, "d") {
		n, err := strconv.Atoi(strings.TrimSuffix(s, "d"))
		if err != nil || n < 0 {
			return 0, fmt.Errorf("duration %q: want a whole number of days such as 3d, or a Go duration such as 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("duration %q: want a duration such as 36h, 90m or 3d", s)
	}
	return d, nil
}

// OrDefaults returns c, or Defaults() when c is nil: for dependencies whose
// config is optional.
func OrDefaults(c *Config) *Config {
	if c == nil {
		return Defaults()
	}
	return c
}

// Defaults returns the configuration used when no file exists.
func Defaults() *Config {
	c := &Config{}
	c.applyDefaults()
	return c
}

func (c *Config) applyDefaults() {
	if c.Thresholds.StalledDays == 0 {
		c.Thresholds.StalledDays = 5
	}
	if c.Thresholds.PastETADays == 0 {
		c.Thresholds.PastETADays = 3
	}
	if c.Thresholds.DueSoon == 0 {
		c.Thresholds.DueSoon = Duration(4 * time.Hour)
	}
	if c.Thresholds.ClaimAlertDays == 0 {
		c.Thresholds.ClaimAlertDays = 7
	}
	if c.Thresholds.TrackMaxAge == 0 {
		c.Thresholds.TrackMaxAge = Duration(time.Hour)
	}
	if c.Claims.Currency == "" {
		c.Claims.Currency = "USD"
	}
	if c.Carriers == nil {
		c.Carriers = map[string]Carrier{}
	}
}

// StalledDays returns the stalled threshold for a carrier: its own setting,
// else the global one.
func (c *Config) StalledDays(carrier string) int {
	if cc, ok := c.Carriers[carrier]; ok && cc.StalledDays > 0 {
		return cc.StalledDays
	}
	return c.Thresholds.StalledDays
}

// Error is a problem in the file, located by key path and line.
type Error struct {
	File string
	Line int
	Key  string
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": %s", e.Key)
	}
	fmt.Fprintf(&b, ": %s", e.Msg)
	return b.String()
}

// ErrInvalid is matched by every *Error with errors.Is.
var ErrInvalid = errors.New("invalid configuration")

func (e *Error) Is(target error) bool { return target == ErrInvalid }

// Load reads the file at path. A missing file is not an error: it yields the
// defaults, so a new user needs no config to start. Set mustExist when the
// user named the file explicitly.
func Load(path string, mustExist bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && !mustExist {
		c := Defaults()
		return c, nil
	}
	if err != nil {
		return nil, &Error{File: path, Msg: fmt.Sprintf("cannot read: %v", errors.Unwrap(err))}
	}
	c, err := Parse(path, data)
	if err != nil {
		return nil, err
	}
	return c, nil
}

var lineRe = regexp.MustCompile(`line (\d+): (.*)`)

// Parse decodes and validates data; path is used in messages only.
func Parse(path string, data []byte) (*Config, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlError(path, err)
	}
	c := &Config{}
	if err := checkStoresNode(path, &root); err != nil {
		return nil, err
	}
	if len(bytes.TrimSpace(data)) > 0 {
		dec := yaml.NewDecoder(bytes.NewReader(data))
		dec.KnownFields(true)
		if err := dec.Decode(c); err != nil {
			return nil, yamlError(path, err)
		}
	}
	c.Path = path
	if err := c.validate(path, &root); err != nil {
		return nil, err
	}
	c.applyDefaults()
	return c, nil
}

func yamlError(path string, err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "yaml: unmarshal errors:\n")
	msg = strings.TrimPrefix(msg, "yaml: ")
	first := strings.TrimSpace(strings.SplitN(msg, "\n", 2)[0])
	if m := lineRe.FindStringSubmatch(first); m != nil {
		line, _ := strconv.Atoi(m[1])
		detail := m[2]
		key := ""
		if f := regexp.MustCompile(`field (\S+) not found in type`).FindStringSubmatch(detail); f != nil {
			key = f[1]
			detail = "unknown key (check its spelling against the README's configuration section)"
		}
		return &Error{File: path, Line: line, Key: key, Msg: detail}
	}
	return &Error{File: path, Msg: first}
}

// Known carrier and job names.
var (
	CarrierNames = []string{"ups", "fedex", "usps", "dhl"}
	// TrackingServices are the multi-carrier tracking APIs that may have a
	// carriers.<name> section (api_base_url, rate_per_second, disable_api).
	TrackingServices = []string{"17track"}
	JobNames         = []string{"sync", "track", "notices", "claims-draft", "claims-file", "claims-status", "report"}
)

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

var recipeNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

func (c *Config) validate(path string, root *yaml.Node) error {
	at := func(key string, msg string, args ...any) error {
		return &Error{File: path, Line: lineOf(root, key), Key: key, Msg: fmt.Sprintf(msg, args...)}
	}
	seenStore := map[string]bool{}
	for i, st := range c.Stores {
		k := fmt.Sprintf("stores[%d]", i)
		if strings.TrimSpace(st.Name) == "" {
			return at(k, "a stores entry needs the name of a store added with `sellerops stores add` (see `sellerops stores list`)")
		}
		if seenStore[st.Name] {
			return at(k+".name", "store %q has two entries; keep one", st.Name)
		}
		seenStore[st.Name] = true
		if len(st.Languages) == 0 {
			return at(k+".languages", "list the languages %s's buyers write in, such as [en, de], or remove the entry", st.Name)
		}
		seenLang := map[string]bool{}
		for _, l := range st.Languages {
			if !operatorLangRe.MatchString(l) {
				return at(k+".languages", "%q is not a two-letter ISO 639-1 language code such as en, de or ja", l)
			}
			if seenLang[l] {
				return at(k+".languages", "%q is listed twice", l)
			}
			seenLang[l] = true
		}
	}
	for i, ep := range c.Browser.Endpoints {
		k := fmt.Sprintf("browser.endpoints[%d]", i)
		u, err := url.Parse(ep.URL)
		switch {
		case err != nil || u.Host == "" || (u.Scheme != "ws" && u.Scheme != "wss"):
			return at("browser", "%s: give a remote browser's CDP address, ws://host:port/... or wss://host:port/...", k)
		case u.User != nil || u.RawQuery != "":
			return at("browser", "%s (%s://%s): the address carries a credential (user info or a query); the config file holds no secrets, "+
				"so give it with --browser or SELLEROPS_BROWSER instead", k, u.Scheme, u.Host)
		case ep.Tabs < 0:
			return at("browser", "%s.tabs: must be zero (no limit of its own) or more", k)
		}
	}
	for name, cc := range c.Carriers {
		k := "carriers." + name
		if !contains(CarrierNames, name) && !contains(TrackingServices, name) {
			return at(k, "unknown carrier %q; use one of %s", name, strings.Join(append(append([]string{}, CarrierNames...), TrackingServices...), ", "))
		}
		for field, u := range map[string]string{"api_base_url": cc.APIBaseURL, "web_base_url": cc.WebBaseURL, "portal_url": cc.PortalURL} {
			if u == "" {
				continue
			}
			if err := checkURL(u); err != nil {
				return at(k+"."+field, "%v", err)
			}
		}
		if cc.Recipe != "" && !recipeNameRe.MatchString(cc.Recipe) {
			return at(k+".recipe", "recipe %q: give a recipe's site name as `sellerops recipes list` shows it, such as %s-sandbox", cc.Recipe, name)
		}
		if cc.StalledDays < 0 {
			return at(k+".stalled_days", "must be zero (use the global threshold) or more")
		}
		if cc.RatePerSec < 0 {
			return at(k+".rate_per_second", "must be zero (the carrier's default) or more")
		}
	}
	if c.Thresholds.StalledDays < 0 {
		return at("thresholds.stalled_days", "must be 0 or more")
	}
	if c.Claims.Currency != "" && !money.Known(c.Claims.Currency) {
		return at("claims.currency", "%q is not an ISO 4217 currency code; use one such as USD, EUR or JPY", c.Claims.Currency)
	}
	if _, err := c.Claims.AutoLimit(); err != nil {
		return at("claims.max_auto_amount", "%v", err)
	}
	for i, r := range c.Claims.RuleOverrides {
		k := fmt.Sprintf("claims.rules[%d]", i)
		if !contains(CarrierNames, r.Carrier) {
			return at(k+".carrier", "unknown carrier %q; use one of %s", r.Carrier, strings.Join(CarrierNames, ", "))
		}
		if r.Kind != "lost" && r.Kind != "damaged" {
			return at(k+".kind", "kind %q must be lost or damaged", r.Kind)
		}
		if r.ClosesDay <= 0 || r.OpensDay < 0 || r.OpensDay >= r.ClosesDay {
			return at(k, "want 0 <= opens_after_days < closes_after_days")
		}
	}
	for i, s := range c.Schedules {
		k := fmt.Sprintf("schedules[%d]", i)
		if !contains(JobNames, s.Job) {
			return at(k+".job", "unknown job %q; use one of %s", s.Job, strings.Join(JobNames, ", "))
		}
		if strings.TrimSpace(s.Cron) == "" {
			return at(k+".cron", "a cron expression is required, such as \"0 * * * *\" for hourly")
		}
	}
	if c.Report.Webhook != "" {
		if err := checkURL(c.Report.Webhook); err != nil {
			return at("report.webhook", "%v", err)
		}
	}
	if p := c.Translation.Provider; p != "" && !contains(TranslationProviders, p) {
		return at("translation.provider", "unknown translation provider %q; use one of %s, or leave it unset to keep translation off", p, strings.Join(TranslationProviders, ", "))
	}
	if c.Translation.URL != "" {
		if err := checkURL(c.Translation.URL); err != nil {
			return at("translation.url", "%v", err)
		}
	}
	if c.Translation.Provider == "libretranslate" && c.Translation.URL == "" {
		return at("translation.provider", "libretranslate needs translation.url, the server's address (such as http://127.0.0.1:5000)")
	}
	if n := c.Mail.MaxMessageMB; n < 0 || n > MaxMailMB {
		return at("mail.max_message_mb", "%d: give a size in MiB from 1 to %d, or leave it unset for 25", n, MaxMailMB)
	}
	if l := c.Operator.Language; l != "" && !operatorLangRe.MatchString(l) {
		return at("operator.language", "%q is not a two-letter ISO 639-1 language code such as en, de or ja", l)
	}
	return nil
}

var operatorLangRe = regexp.MustCompile(`^[a-z]{2}$`)

// checkStoresNode refuses a stores entry that declares a store (a
// marketplace, a user name, a password) instead of adding settings to one:
// stores are kept in the database, with their secrets in the keyring.
func checkStoresNode(path string, root *yaml.Node) error {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value != "stores" {
			continue
		}
		list := n.Content[i+1]
		for _, entry := range list.Content {
			if entry.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(entry.Content); j += 2 {
				if key := entry.Content[j].Value; !contains(StoreSettingKeys, key) {
					return &Error{File: path, Line: n.Content[i].Line, Key: "stores", Msg: fmt.Sprintf("a stores entry holds only %s; "+
						"%q declares a store, and stores are not declared in the config: add each with "+
						"`sellerops stores add NAME --marketplace amazon|ebay|tiktok ...`, or for a store read by email "+
						"`sellerops stores add NAME --marketplace amazon|ebay|shop --email ...`, or for a store reached through Amazon's API "+
						"`sellerops stores add NAME --marketplace amazon --api --marketplace-id US` (it keeps the store in the database and its "+
						"secrets in the keyring), then remove that key", strings.Join(StoreSettingKeys, " and "), key)}
				}
			}
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q is not an http(s) URL", s)
	}
	return nil
}

// lineOf finds the line of a dotted key path such as "stores[1].name" in the
// parsed document; 0 when it cannot be found.
func lineOf(root *yaml.Node, path string) int {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := 0
	for _, part := range strings.Split(path, ".") {
		name, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			name = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		if n == nil || n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for j := 0; j+1 < len(n.Content); j += 2 {
			if n.Content[j].Value == name {
				line = n.Content[j].Line
				next = n.Content[j+1]
				break
			}
		}
		if next == nil {
			return line
		}
		n = next
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n = n.Content[idx]
			line = n.Line
		}
	}
	return line
}
