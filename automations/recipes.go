package automations

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

//go:embed recipes/*.yaml
var embeddedRecipes embed.FS

// Kind says what a site is, and so which keys its recipe needs.
type Kind string

// Recipe kinds.
const (
	KindMarketplace Kind = "marketplace" // a seller portal: login, messages, orders
	KindCarrier     Kind = "carrier"     // a carrier's public tracking page and claims portal
)

// requiredKeys are the keys every recipe of a kind must have; Check reports
// the missing ones.
var requiredKeys = map[Kind][]string{
	KindMarketplace: {"urls.login", "selectors.login.username", "selectors.login.password", "selectors.login.submit"},
	KindCarrier:     {"urls.track", "selectors.track.events"},
}

// Recipe is the data a flow needs about one site: where its pages are, how
// to find things on them and what its form fields are called. Selectors are
// data so that an operator can fix one in an override file when a site
// changes, without a new release.
type Recipe struct {
	Site      string
	Kind      Kind
	Verified  bool   // false: written from public knowledge, never run against the real site
	Note      string // why it is unverified, or anything an operator should know
	BaseURL   string
	URLs      map[string]string // name -> absolute URL or path under BaseURL; may hold {placeholders}
	Selectors map[string]string // name -> CSS selector
	Fields    map[string]string // name -> form field name on the site
	Attrs     map[string]string // name -> attribute that carries a value, such as the thread id

	// Sources lists the files the recipe was read from, the embedded one
	// first and then the override, if any.
	Sources []string

	override string         // where an operator would put the override file
	pos      map[string]pos // key ("selectors.inbox.row") -> where it was set
}

type pos struct {
	file string
	line int
}

// RecipeError is a problem in a recipe file, placed at a key and a line.
type RecipeError struct {
	File string
	Key  string // such as "selectors.login.submit"; "" for the whole file
	Line int    // 0 when unknown
	Msg  string
}

func (e *RecipeError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":")
		b.WriteString(strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Key != "" {
		b.WriteString(e.Key)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Problem is one finding of Check, for one site.
type Problem struct {
	Site string
	Err  *RecipeError
}

func (p Problem) String() string { return p.Site + ": " + p.Err.Error() }

// RecipeSet holds every known recipe: the embedded ones with any overrides
// applied.
type RecipeSet struct {
	recipes     map[string]*Recipe
	broken      map[string][]*RecipeError
	overrideDir string
}

// LoadRecipes reads the embedded recipes and then every <site>.yaml in
// overrideDir (normally <config dir>/recipes; "" or a missing folder means
// no overrides). An override replaces the embedded recipe's keys one by one:
// a selector it names replaces that selector, the others stay. An override
// for a site with no embedded recipe adds a site.
//
// The returned set is never nil. When some file is invalid the error lists
// every problem (file, key and line); the sites those files describe are
// left out of the set and Get reports why, while the other sites work.
func LoadRecipes(overrideDir string) (*RecipeSet, error) {
	set := &RecipeSet{recipes: map[string]*Recipe{}, broken: map[string][]*RecipeError{}, overrideDir: overrideDir}
	var all []error
	note := func(site string, errs []*RecipeError) {
		for _, e := range errs {
			set.broken[site] = append(set.broken[site], e)
			all = append(all, e)
		}
	}

	names, err := fs.Glob(embeddedRecipes, "recipes/*.yaml")
	if err != nil {
		return set, fmt.Errorf("list embedded recipes: %w", err)
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := embeddedRecipes.ReadFile(name)
		if err != nil {
			return set, fmt.Errorf("read embedded recipe %s: %w", name, err)
		}
		file := "embedded:" + name
		site := strings.TrimSuffix(path.Base(name), ".yaml")
		l, errs := parseLayer(file, site, data)
		if len(errs) > 0 {
			note(site, errs)
			continue
		}
		r := &Recipe{URLs: map[string]string{}, Selectors: map[string]string{}, Fields: map[string]string{}, Attrs: map[string]string{}, pos: map[string]pos{}}
		r.apply(l)
		r.override = overridePath(overrideDir, site)
		if errs := r.validateWhole(file); len(errs) > 0 {
			note(site, errs)
			continue
		}
		set.recipes[site] = r
	}

	vocab := vocabulary(set.recipes)
	if overrideDir != "" {
		entries, err := os.ReadDir(overrideDir)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return set, fmt.Errorf("read recipe overrides in %s: %w", overrideDir, err)
		}
		for _, e := range entries {
			if e.IsDir() || !(strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml")) {
				continue
			}
			file := filepath.Join(overrideDir, e.Name())
			site := strings.TrimSuffix(strings.TrimSuffix(e.Name(), ".yaml"), ".yml")
			data, err := os.ReadFile(file)
			if err != nil {
				note(site, []*RecipeError{{File: file, Msg: "cannot read: " + err.Error()}})
				delete(set.recipes, site)
				continue
			}
			l, errs := parseLayer(file, site, data)
			if len(errs) > 0 {
				note(site, errs)
				delete(set.recipes, site)
				continue
			}
			base := set.recipes[site]
			if base == nil {
				base = &Recipe{URLs: map[string]string{}, Selectors: map[string]string{}, Fields: map[string]string{}, Attrs: map[string]string{}, pos: map[string]pos{}, override: file}
			} else {
				base = base.clone()
			}
			base.apply(l)
			errs = append(base.validateWhole(file), unknownNames(l, vocab[base.Kind])...)
			if len(errs) > 0 {
				note(site, errs)
				delete(set.recipes, site)
				continue
			}
			set.recipes[site] = base
		}
	}
	return set, errors.Join(all...)
}

// names is, per section ("selectors", "urls", ...), the names that the
// embedded recipes of one kind use: the names the flows read.
type names map[string]map[string]bool

// vocabulary gathers the names of the embedded recipes, per kind. An
// override may only set names from its kind's vocabulary, so that a typo
// such as track.evnts is an error at its line instead of a selector that
// nothing reads.
func vocabulary(recipes map[string]*Recipe) map[Kind]names {
	out := map[Kind]names{}
	for _, r := range recipes {
		v := out[r.Kind]
		if v == nil {
			v = names{}
			out[r.Kind] = v
		}
		for section, m := range map[string]map[string]string{"urls": r.URLs, "selectors": r.Selectors, "fields": r.Fields, "attributes": r.Attrs} {
			if v[section] == nil {
				v[section] = map[string]bool{}
			}
			for k := range m {
				v[section][k] = true
			}
		}
	}
	return out
}

// unknownNames reports each name an override file sets that no flow of
// the recipe's kind reads.
func unknownNames(l *layer, known names) []*RecipeError {
	if known == nil {
		return nil
	}
	var errs []*RecipeError
	for _, sec := range []struct {
		section, noun string
		m             map[string]string
	}{{"urls", "URL", l.urls}, {"selectors", "selector", l.selectors}, {"fields", "field", l.fields}, {"attributes", "attribute", l.attrs}} {
		for _, name := range slices.Sorted(maps.Keys(sec.m)) {
			if known[sec.section][name] {
				continue
			}
			key := sec.section + "." + name
			msg := fmt.Sprintf("unknown %s name: no flow reads it", sec.noun)
			if near := nearest(name, known[sec.section]); near != "" {
				msg += fmt.Sprintf("; did you mean %s?", near)
			} else {
				msg += "; `sellerops recipes show SITE` lists the names in use"
			}
			errs = append(errs, &RecipeError{File: l.file, Key: key, Line: l.pos[key].line, Msg: msg})
		}
	}
	return errs
}

// nearest returns the known name closest to name by edit distance, when it
// is close enough to be a typo.
func nearest(name string, known map[string]bool) string {
	best, bestD := "", 0
	for k := range known {
		d := editDistance(name, k)
		if best == "" || d < bestD || (d == bestD && k < best) {
			best, bestD = k, d
		}
	}
	if best == "" || bestD > max(2, len(name)/4) {
		return ""
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Has reports whether the set knows the site at all, usable or broken: a
// caller choosing between recipes must not pass over a broken one.
func (s *RecipeSet) Has(site string) bool {
	_, ok := s.recipes[site]
	_, broken := s.broken[site]
	return ok || broken
}

func overridePath(dir, site string) string {
	if dir == "" {
		return filepath.Join("<config dir>", "recipes", site+".yaml")
	}
	return filepath.Join(dir, site+".yaml")
}

// Get returns the recipe of a site.
func (s *RecipeSet) Get(site string) (*Recipe, error) {
	if r, ok := s.recipes[site]; ok {
		return r, nil
	}
	if errs, ok := s.broken[site]; ok {
		return nil, fmt.Errorf("recipe %q is invalid: %w", site, errors.Join(asErrors(errs)...))
	}
	return nil, fmt.Errorf("no recipe for site %q; known sites: %s (or add %s)",
		site, strings.Join(s.Sites(), ", "), overridePath(s.overrideDir, site))
}

// Sites returns the names of the usable recipes, sorted.
func (s *RecipeSet) Sites() []string {
	return slices.Sorted(maps.Keys(s.recipes))
}

// Check reports, per site, every problem found while loading and every key
// that a recipe of its kind needs but lacks, plus unverified recipes that do
// not say why. An empty result means every recipe is usable.
func (s *RecipeSet) Check() []Problem {
	var out []Problem
	for site, errs := range s.broken {
		for _, e := range errs {
			out = append(out, Problem{Site: site, Err: e})
		}
	}
	for site, r := range s.recipes {
		file := r.Sources[len(r.Sources)-1]
		for _, key := range requiredKeys[r.Kind] {
			if !r.has(key) {
				section, _, _ := strings.Cut(key, ".")
				out = append(out, Problem{Site: site, Err: &RecipeError{File: file, Key: key, Line: r.pos[section].line,
					Msg: fmt.Sprintf("missing; a %s recipe needs it", r.Kind)}})
			}
		}
		if !r.Verified && strings.TrimSpace(r.Note) == "" {
			out = append(out, Problem{Site: site, Err: &RecipeError{File: file, Key: "note", Line: r.pos["verified"].line,
				Msg: "an unverified recipe must say why in note"}})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Site != out[j].Site {
			return out[i].Site < out[j].Site
		}
		if out[i].Err.Line != out[j].Err.Line {
			return out[i].Err.Line < out[j].Err.Line
		}
		return out[i].Err.Key < out[j].Err.Key
	})
	return out
}

func (r *Recipe) has(key string) bool {
	section, name, _ := strings.Cut(key, ".")
	switch section {
	case "urls":
		_, ok := r.URLs[name]
		return ok
	case "selectors":
		_, ok := r.Selectors[name]
		return ok
	case "fields":
		_, ok := r.Fields[name]
		return ok
	case "attributes":
		_, ok := r.Attrs[name]
		return ok
	}
	return false
}

// Selector returns the CSS selector the recipe names name.
func (r *Recipe) Selector(name string) (string, error) {
	if s, ok := r.Selectors[name]; ok {
		return s, nil
	}
	return "", r.missing("selectors", name)
}

// Field returns the site's form field name for name.
func (r *Recipe) Field(name string) (string, error) {
	if s, ok := r.Fields[name]; ok {
		return s, nil
	}
	return "", r.missing("fields", name)
}

// Attr returns the name of the attribute that carries the value named name
// (such as "data-thread-id" for "thread_id").
func (r *Recipe) Attr(name string) (string, error) {
	if s, ok := r.Attrs[name]; ok {
		return s, nil
	}
	return "", r.missing("attributes", name)
}

// URL returns the absolute URL the recipe names name, resolved against
// BaseURL. Placeholders such as {number} are left as they are; use Expand
// to fill them.
func (r *Recipe) URL(name string) (string, error) {
	raw, ok := r.URLs[name]
	if !ok {
		return "", r.missing("urls", name)
	}
	return r.resolve(name, raw)
}

var placeholder = regexp.MustCompile(`\{([a-zA-Z0-9_]+)\}`)

// Expand returns the URL named name with each {placeholder} replaced by the
// query-escaped value from vars. A placeholder without a value is an error,
// never an empty string.
func (r *Recipe) Expand(name string, vars map[string]string) (string, error) {
	raw, ok := r.URLs[name]
	if !ok {
		return "", r.missing("urls", name)
	}
	var missing []string
	out := placeholder.ReplaceAllStringFunc(raw, func(m string) string {
		key := m[1 : len(m)-1]
		v, ok := vars[key]
		if !ok {
			missing = append(missing, key)
			return m
		}
		return url.QueryEscape(v)
	})
	if len(missing) > 0 {
		return "", fmt.Errorf("recipe %s: url %s needs a value for %s", r.Site, name, strings.Join(missing, ", "))
	}
	return r.resolve(name, out)
}

func (r *Recipe) resolve(name, raw string) (string, error) {
	ref, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("recipe %s: url %s %q: %w", r.Site, name, raw, err)
	}
	if ref.IsAbs() {
		return raw, nil
	}
	base, err := url.Parse(r.BaseURL)
	if err != nil {
		return "", fmt.Errorf("recipe %s: base_url %q: %w", r.Site, r.BaseURL, err)
	}
	return base.ResolveReference(ref).String(), nil
}

// WithBaseURL returns a copy of the recipe whose relative URLs resolve
// against base: the sandbox's sites live on ports chosen at start.
func (r *Recipe) WithBaseURL(base string) *Recipe {
	c := r.clone()
	c.BaseURL = strings.TrimRight(base, "/")
	return c
}

func (r *Recipe) missing(section, name string) error {
	have := "none"
	var m map[string]string
	switch section {
	case "urls":
		m = r.URLs
	case "selectors":
		m = r.Selectors
	case "fields":
		m = r.Fields
	case "attributes":
		m = r.Attrs
	}
	if len(m) > 0 {
		have = strings.Join(slices.Sorted(maps.Keys(m)), ", ")
	}
	return fmt.Errorf("recipe %s has no %s.%s (it has: %s); add it to %s", r.Site, section, name, have, r.override)
}

// Where returns the file and line where key ("selectors.inbox.row") was set,
// for messages that point an operator at the line to edit.
func (r *Recipe) Where(key string) (string, int) {
	p, ok := r.pos[key]
	if !ok {
		return "", 0
	}
	return p.file, p.line
}

// OverridePath is where an operator puts a file to override this recipe.
func (r *Recipe) OverridePath() string { return r.override }

type recipeYAML struct {
	Site      string            `yaml:"site"`
	Kind      Kind              `yaml:"kind"`
	Verified  bool              `yaml:"verified"`
	Note      string            `yaml:"note,omitempty"`
	BaseURL   string            `yaml:"base_url"`
	URLs      map[string]string `yaml:"urls,omitempty"`
	Selectors map[string]string `yaml:"selectors,omitempty"`
	Fields    map[string]string `yaml:"fields,omitempty"`
	Attrs     map[string]string `yaml:"attributes,omitempty"`
}

// YAML renders the merged recipe in the file format, for `recipes show`
// and as a starting point for an override file.
func (r *Recipe) YAML() ([]byte, error) {
	return yaml.Marshal(recipeYAML{r.Site, r.Kind, r.Verified, r.Note, r.BaseURL, r.URLs, r.Selectors, r.Fields, r.Attrs})
}

func (r *Recipe) clone() *Recipe {
	c := *r
	c.URLs = maps.Clone(r.URLs)
	c.Selectors = maps.Clone(r.Selectors)
	c.Fields = maps.Clone(r.Fields)
	c.Attrs = maps.Clone(r.Attrs)
	c.Sources = slices.Clone(r.Sources)
	c.pos = maps.Clone(r.pos)
	return &c
}

// layer is what one file says; nil fields were not in it.
type layer struct {
	file      string
	site      *string
	kind      *Kind
	verified  *bool
	note      *string
	baseURL   *string
	urls      map[string]string
	selectors map[string]string
	fields    map[string]string
	attrs     map[string]string
	pos       map[string]pos
}

func (r *Recipe) apply(l *layer) {
	if l.site != nil {
		r.Site = *l.site
	}
	if l.kind != nil {
		r.Kind = *l.kind
	}
	if l.verified != nil {
		r.Verified = *l.verified
	}
	if l.note != nil {
		r.Note = *l.note
	}
	if l.baseURL != nil {
		r.BaseURL = *l.baseURL
	}
	maps.Copy(r.URLs, l.urls)
	maps.Copy(r.Selectors, l.selectors)
	maps.Copy(r.Fields, l.fields)
	maps.Copy(r.Attrs, l.attrs)
	maps.Copy(r.pos, l.pos)
	r.Sources = append(r.Sources, l.file)
}

// validateWhole checks what only the merged recipe can tell: that the
// required top-level keys are set somewhere.
func (r *Recipe) validateWhole(file string) []*RecipeError {
	var errs []*RecipeError
	if r.Kind == "" {
		errs = append(errs, &RecipeError{File: file, Key: "kind", Msg: "missing; say marketplace or carrier"})
	}
	if r.BaseURL == "" {
		errs = append(errs, &RecipeError{File: file, Key: "base_url", Msg: "missing; give the site's https:// address"})
	}
	return errs
}

var (
	siteName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	keyName  = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)
)

// parseLayer reads one recipe file and checks each key where it stands, so
// that every error carries its line.
func parseLayer(file, site string, data []byte) (*layer, []*RecipeError) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		line := 0
		msg := err.Error()
		if m := regexp.MustCompile(`line (\d+)`).FindStringSubmatch(msg); m != nil {
			line, _ = strconv.Atoi(m[1])
		}
		return nil, []*RecipeError{{File: file, Line: line, Msg: "not valid YAML: " + strings.TrimPrefix(msg, "yaml: ")}}
	}
	if len(doc.Content) == 0 {
		return nil, []*RecipeError{{File: file, Msg: "empty file; a recipe needs at least site and the keys it overrides"}}
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return nil, []*RecipeError{{File: file, Line: root.Line, Msg: "a recipe is a mapping of keys (site, kind, urls, selectors, ...)"}}
	}
	l := &layer{file: file, pos: map[string]pos{}}
	var errs []*RecipeError
	bad := func(n *yaml.Node, key, format string, args ...any) {
		errs = append(errs, &RecipeError{File: file, Key: key, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
	}
	str := func(k, v *yaml.Node) (string, bool) {
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			bad(v, k.Value, "must be a single text value")
			return "", false
		}
		return v.Value, true
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if seen[k.Value] {
			bad(k, k.Value, "set twice in this file")
			continue
		}
		seen[k.Value] = true
		l.pos[k.Value] = pos{file, k.Line}
		switch k.Value {
		case "site":
			if s, ok := str(k, v); ok {
				switch {
				case !siteName.MatchString(s):
					bad(v, "site", "%q is not a site name (lower-case letters, digits and dashes)", s)
				case s != site:
					bad(v, "site", "%q does not match the file name; name the file %s.yaml or set site: %s", s, s, site)
				default:
					l.site = &s
				}
			}
		case "kind":
			if s, ok := str(k, v); ok {
				kd := Kind(s)
				if _, known := requiredKeys[kd]; !known {
					bad(v, "kind", "%q is not a kind; use marketplace or carrier", s)
				} else {
					l.kind = &kd
				}
			}
		case "verified":
			var b bool
			if v.Kind != yaml.ScalarNode || v.Decode(&b) != nil {
				bad(v, "verified", "must be true or false")
			} else {
				l.verified = &b
			}
		case "note":
			if s, ok := str(k, v); ok {
				l.note = &s
			}
		case "base_url":
			if s, ok := str(k, v); ok {
				u, err := url.Parse(s)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
					bad(v, "base_url", "%q is not an absolute http(s) URL", s)
				} else {
					l.baseURL = &s
				}
			}
		case "urls", "selectors", "fields", "attributes":
			m, merrs := parseSection(file, k, v)
			errs = append(errs, merrs...)
			for name, val := range m {
				l.pos[k.Value+"."+name] = val.pos
				switch k.Value {
				case "urls":
					if l.urls == nil {
						l.urls = map[string]string{}
					}
					l.urls[name] = val.s
				case "selectors":
					if l.selectors == nil {
						l.selectors = map[string]string{}
					}
					l.selectors[name] = val.s
				case "fields":
					if l.fields == nil {
						l.fields = map[string]string{}
					}
					l.fields[name] = val.s
				case "attributes":
					if l.attrs == nil {
						l.attrs = map[string]string{}
					}
					l.attrs[name] = val.s
				}
			}
		default:
			bad(k, k.Value, "unknown key; a recipe has site, kind, verified, note, base_url, urls, selectors, fields and attributes")
		}
	}
	if l.site == nil && !seen["site"] {
		s := site
		l.site = &s
	}
	return l, errs
}

type posValue struct {
	s   string
	pos pos
}

func parseSection(file string, k, v *yaml.Node) (map[string]posValue, []*RecipeError) {
	section := k.Value
	if v.Kind != yaml.MappingNode {
		return nil, []*RecipeError{{File: file, Key: section, Line: v.Line, Msg: "must be a mapping of name: value"}}
	}
	out := map[string]posValue{}
	var errs []*RecipeError
	for i := 0; i+1 < len(v.Content); i += 2 {
		nk, nv := v.Content[i], v.Content[i+1]
		key := section + "." + nk.Value
		bad := func(n *yaml.Node, format string, args ...any) {
			errs = append(errs, &RecipeError{File: file, Key: key, Line: n.Line, Msg: fmt.Sprintf(format, args...)})
		}
		if !keyName.MatchString(nk.Value) {
			bad(nk, "is not a valid name (letters, digits, dots, dashes, underscores)")
			continue
		}
		if _, dup := out[nk.Value]; dup {
			bad(nk, "set twice in this file")
			continue
		}
		if nv.Kind != yaml.ScalarNode || nv.Tag == "!!null" {
			bad(nv, "must be a single text value")
			continue
		}
		s := strings.TrimSpace(nv.Value)
		if s == "" {
			bad(nv, "is empty")
			continue
		}
		if strings.ContainsAny(s, "\n\r") {
			bad(nv, "must fit on one line")
			continue
		}
		switch section {
		case "urls":
			u, err := url.Parse(s)
			if err != nil || (!u.IsAbs() && !strings.HasPrefix(s, "/")) || (u.IsAbs() && u.Scheme != "http" && u.Scheme != "https") {
				bad(nv, "%q must be an http(s) URL or a path starting with /", s)
				continue
			}
		case "selectors":
			if msg := selectorProblem(s); msg != "" {
				bad(nv, "%q: %s", s, msg)
				continue
			}
		}
		out[nk.Value] = posValue{s: s, pos: pos{file, nk.Line}}
	}
	return out, errs
}

// selectorProblem catches the selector typos that a browser would reject:
// unbalanced brackets, parentheses and quotes. The browser has the last
// word; this only makes the common mistakes fail at load time, with a line.
func selectorProblem(s string) string {
	var stack []rune
	var quote rune
	escaped := false
	for _, c := range s {
		if escaped {
			escaped = false
			continue
		}
		if c == '\\' {
			escaped = true
			continue
		}
		if quote != 0 {
			if c == quote {
				quote = 0
			}
			continue
		}
		switch c {
		case '"', '\'':
			quote = c
		case '[', '(':
			stack = append(stack, c)
		case ']', ')':
			want := '['
			if c == ')' {
				want = '('
			}
			if len(stack) == 0 || stack[len(stack)-1] != want {
				return fmt.Sprintf("unexpected %q", c)
			}
			stack = stack[:len(stack)-1]
		}
	}
	if quote != 0 {
		return "unclosed quote"
	}
	if len(stack) > 0 {
		return fmt.Sprintf("unclosed %q", stack[len(stack)-1])
	}
	if strings.HasSuffix(s, ",") || strings.HasPrefix(s, ",") || strings.HasSuffix(s, ">") {
		return "ends or starts with a combinator"
	}
	return ""
}

func asErrors(errs []*RecipeError) []error {
	out := make([]error, len(errs))
	for i, e := range errs {
		out[i] = e
	}
	return out
}
