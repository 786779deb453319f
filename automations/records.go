package automations

import (
	_ "embed"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"gopkg.in/yaml.v3"
)

// The record schemas sit beside the recipes: recipes say where a value is
// on a page, the schema says what the value must look like before a flow
// trusts it.
//
//go:embed recipes/schema/records.yaml
var recordSchemaYAML []byte

// Record is one record a flow read from a page or a site's JSON, field by
// field. A value is a string, a time.Time, a float64, a []string or nil.
type Record map[string]any

// Sources says, per field, where a flow read it: recipe keys such as
// "selectors.inbox.thread_subject" or "attributes.time", or "json:subject"
// for a key of a JSON answer; several, tried in order, separated by "|".
type Sources map[string]string

// FieldSchema is what one field of a record must hold.
type FieldSchema struct {
	Format   string   `yaml:"format"`
	Optional bool     `yaml:"optional"`
	Or       string   `yaml:"or"`
	Codes    []string `yaml:"codes"`
}

// RecordSchema is what a flow needs from one kind of record.
type RecordSchema struct {
	Key    []string               `yaml:"key"`
	Fields map[string]FieldSchema `yaml:"fields"`
}

var recordFormats = []string{"text", "id", "time", "code", "money", "currency", "country"}

var loadRecordSchemas = sync.OnceValues(func() (map[string]RecordSchema, error) {
	var out map[string]RecordSchema
	if err := yaml.Unmarshal(recordSchemaYAML, &out); err != nil {
		return nil, fmt.Errorf("record schemas: %w", err)
	}
	for kind, s := range out {
		if len(s.Fields) == 0 {
			return nil, fmt.Errorf("record schema %s: no fields", kind)
		}
		for name, f := range s.Fields {
			if !slices.Contains(recordFormats, f.Format) {
				return nil, fmt.Errorf("record schema %s.%s: format %q is not one of %s", kind, name, f.Format, strings.Join(recordFormats, ", "))
			}
			if f.Format == "code" && len(f.Codes) == 0 {
				return nil, fmt.Errorf("record schema %s.%s: a code field needs its codes", kind, name)
			}
		}
		for _, k := range s.Key {
			if _, ok := s.Fields[k]; !ok {
				return nil, fmt.Errorf("record schema %s: key field %q is not a field", kind, k)
			}
		}
	}
	return out, nil
})

// RecordSchemas returns every declared record schema by kind ("thread",
// "message", "tracking_event", ...).
func RecordSchemas() (map[string]RecordSchema, error) { return loadRecordSchemas() }

// FieldProblem is one field of one record that does not fit its schema.
type FieldProblem struct {
	Row    int    // 1-based, in page order
	Field  string // the schema's field name
	Format string
	From   string // where the flow read it, with the selectors it used
	Value  string // what was read, shortened
	Msg    string
}

func (p FieldProblem) String() string {
	from := ""
	if p.From != "" {
		from = " from " + p.From
	}
	got := ""
	if p.Value != "" {
		got = fmt.Sprintf(" (read %q)", p.Value)
	}
	return fmt.Sprintf("row %d: %s%s: %s%s", p.Row, p.Field, from, p.Msg, got)
}

// RecordError says that records a flow read do not fit their schema: the
// page matched the recipe's row selector but not what the rows must hold.
// It classifies as page_changed.
type RecordError struct {
	Kind     string // the record kind, such as "tracking_event"
	Site     string
	URL      string
	Rows     int // records read
	Failed   int // records that do not fit
	Problems []FieldProblem
}

// maxProblems is how many field problems an error keeps; the first few say
// what changed, the rest repeat it.
const maxProblems = 4

func (e *RecordError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d %s records", e.Failed, e.Rows, e.Kind)
	if e.URL != "" {
		b.WriteString(" on ")
		b.WriteString(redactURLSecrets(e.URL))
	}
	b.WriteString(" do not fit what the flow needs: ")
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(p.String())
	}
	if e.Failed > len(e.Problems) {
		fmt.Fprintf(&b, "; and %d more", e.Failed-len(e.Problems))
	}
	b.WriteString("; if the site changed its page, fix the selectors named here in the site's recipe file")
	return b.String()
}

// Most reports whether most of the records failed: then the page as a
// whole no longer fits, and nothing read from it may be stored.
func (e *RecordError) Most() bool { return e.Rows > 0 && e.Failed*2 > e.Rows }

// RecordCheck says which records to check and how to name their sources.
type RecordCheck struct {
	Kind   string
	Recipe *Recipe // names the selectors behind Sources; may be nil
	From   Sources
	URL    string
	Now    time.Time // for the "not in the future" rule; zero is the wall clock
}

// CheckRecords checks rows against the schema of c.Kind. It returns the
// indexes of the rows that fit, in order, with a row read twice kept once,
// and a *RecordError when any row does not fit (nil otherwise).
func CheckRecords(c RecordCheck, rows []Record) ([]int, error) {
	all, err := loadRecordSchemas()
	if err != nil {
		return nil, err
	}
	s, ok := all[c.Kind]
	if !ok {
		return nil, fmt.Errorf("no record schema %q", c.Kind)
	}
	now := c.Now
	if now.IsZero() {
		now = time.Now()
	}
	names := make([]string, 0, len(s.Fields))
	for n := range s.Fields {
		names = append(names, n)
	}
	sort.Strings(names)

	var (
		problems []FieldProblem
		bad      = make([]bool, len(rows))
		keep     []int
		byKey    = map[string]int{}
	)
	for i, r := range rows {
		for _, name := range names {
			f := s.Fields[name]
			msg := fieldProblem(f, r[name], now)
			if msg == "empty" && (f.Optional || (f.Or != "" && present(r[f.Or]))) {
				msg = ""
			}
			if msg == "empty" {
				msg = "empty, and the flow needs " + formatNeeds[f.Format]
			}
			if slices.Contains(multiOf(r), name) {
				msg = "the selector matched more than one element in the row, so the value is ambiguous"
			}
			if msg == "" {
				continue
			}
			bad[i] = true
			if len(problems) < maxProblems {
				problems = append(problems, FieldProblem{Row: i + 1, Field: name, Format: f.Format,
					From: c.describe(name), Value: shortValue(r[name]), Msg: msg})
			}
		}
		if bad[i] || len(s.Key) == 0 {
			continue
		}
		key := recordKey(s.Key, r)
		first, seen := byKey[key]
		switch {
		case !seen:
			byKey[key] = i
			keep = append(keep, i)
		case reflect.DeepEqual(rows[first], r):
			// The same record twice: a page that repeats a row says nothing new.
		default:
			bad[i], bad[first] = true, true
			keep = slices.DeleteFunc(keep, func(k int) bool { return k == first })
			if len(problems) < maxProblems {
				problems = append(problems, FieldProblem{Row: i + 1, Field: strings.Join(s.Key, "+"),
					From: c.describe(s.Key[0]), Value: shortValue(key),
					Msg: fmt.Sprintf("row %d has the same key with other values", first+1)})
			}
		}
	}
	if len(s.Key) == 0 {
		for i := range rows {
			if !bad[i] {
				keep = append(keep, i)
			}
		}
	}
	failed := 0
	for _, b := range bad {
		if b {
			failed++
		}
	}
	if failed == 0 {
		return keep, nil
	}
	site := ""
	if c.Recipe != nil {
		site = c.Recipe.Site
	}
	return keep, &RecordError{Kind: c.Kind, Site: site, URL: c.URL, Rows: len(rows), Failed: failed, Problems: problems}
}

// MultiField is the key under which a page script lists the fields whose
// selector matched more than one element inside one row.
const MultiField = "_multi"

func multiOf(r Record) []string {
	m, _ := r[MultiField].([]string)
	return m
}

var formatNeeds = map[string]string{
	"text": "some text", "id": "an id", "time": "a time", "code": "a known code",
	"money": "an amount", "currency": "a currency code", "country": "a country code",
}

func recordKey(fields []string, r Record) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = fmt.Sprint(r[f])
	}
	return strings.Join(parts, "\x1f")
}

// describe names where a field came from, with the recipe's selector or
// attribute for each recipe key.
func (c RecordCheck) describe(field string) string {
	src := c.From[field]
	if src == "" {
		return ""
	}
	var out []string
	for _, key := range strings.Split(src, "|") {
		key = strings.TrimSpace(key)
		v := ""
		if c.Recipe != nil {
			section, name, _ := strings.Cut(key, ".")
			switch section {
			case "selectors":
				v = c.Recipe.Selectors[name]
			case "attributes":
				v = c.Recipe.Attrs[name]
			}
		}
		if v != "" {
			out = append(out, fmt.Sprintf("%s %q", key, v))
		} else {
			out = append(out, key)
		}
	}
	return strings.Join(out, " or ")
}

// plain turns a value of a named string type (a decimal read as text, say)
// into a string, so that the checks see what was read, not its Go type.
func plain(v any) any {
	if v == nil {
		return nil
	}
	if _, ok := v.(string); ok {
		return v
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String {
		return rv.String()
	}
	return v
}

func present(v any) bool {
	switch x := plain(v).(type) {
	case nil:
		return false
	case string:
		return strings.TrimSpace(x) != ""
	case time.Time:
		return !x.IsZero()
	case []string:
		return len(x) > 0
	}
	return true
}

var currencyShape = regexp.MustCompile(`^[A-Z]{3}$`)

// countryShape is the shape of an ISO 3166-1 alpha-2 code (two capital
// letters); that the code is assigned is not checked here.
var countryShape = regexp.MustCompile(`^[A-Z]{2}$`)

// decimalShape is a non-negative amount written in digits, with at most
// four decimals (ISO 4217's largest minor unit).
var decimalShape = regexp.MustCompile(`^[0-9]{1,15}(\.[0-9]{1,4})?$`)

// minRecordTime is the earliest time a record may carry: no marketplace or
// carrier page shows events from before it, and a parser that failed gives
// the zero time or the Unix epoch.
var minRecordTime = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// fieldProblem says what is wrong with one value, "empty" when there is
// none, or "" when it fits.
func fieldProblem(f FieldSchema, v any, now time.Time) string {
	if !present(v) {
		return "empty"
	}
	v = plain(v)
	switch f.Format {
	case "text":
		if _, ok := v.(string); !ok {
			return fmt.Sprintf("a %T, not text", v)
		}
	case "id":
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("a %T, not an id", v)
		}
		if strings.IndexFunc(strings.TrimSpace(s), unicode.IsSpace) >= 0 {
			return "has white space inside, not an id"
		}
	case "code":
		s, ok := v.(string)
		if !ok || !slices.Contains(f.Codes, strings.TrimSpace(s)) {
			return fmt.Sprintf("not one of %s", strings.Join(f.Codes, ", "))
		}
	case "currency":
		s, ok := v.(string)
		if !ok || !currencyShape.MatchString(strings.TrimSpace(s)) {
			return "not a three-letter currency code"
		}
	case "country":
		s, ok := v.(string)
		if !ok || !countryShape.MatchString(strings.TrimSpace(s)) {
			return "not a two-letter country code"
		}
	case "money":
		// Pages show amounts as decimal text in the currency's major units
		// ("49.90", "4900", "12.345"); the currency, if the row has one,
		// is its own field, so only the shape is checked here.
		switch n := v.(type) {
		case string:
			if !decimalShape.MatchString(strings.TrimSpace(n)) {
				return "not an amount of money"
			}
		case float64:
			if math.IsNaN(n) || math.IsInf(n, 0) || n < 0 {
				return "not an amount of money"
			}
		case int64:
			if n < 0 {
				return "not an amount of money"
			}
		default:
			return fmt.Sprintf("a %T, not an amount of money", v)
		}
	case "time":
		t, ok := v.(time.Time)
		if !ok {
			return fmt.Sprintf("a %T, not a time", v)
		}
		if t.Before(minRecordTime) {
			return "not a time that parsed (" + t.UTC().Format(time.RFC3339) + ")"
		}
		if t.After(now.Add(48 * time.Hour)) {
			return "more than two days ahead of now (" + t.UTC().Format(time.RFC3339) + ")"
		}
	}
	return ""
}

func shortValue(v any) string {
	var s string
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		s = x
	case time.Time:
		if x.IsZero() {
			return ""
		}
		s = x.UTC().Format(time.RFC3339)
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	default:
		s = fmt.Sprint(x)
	}
	if len(s) > 40 {
		s = s[:40] + "..."
	}
	return s
}
