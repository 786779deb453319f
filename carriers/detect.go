package carriers

import (
	"regexp"
	"sort"
	"strings"
	"unicode"

	"golang.org/x/text/width"
)

// Match is one format a number fits.
type Match struct {
	Courier     string `json:"courier"`
	CourierName string `json:"courier_name"`
	Format      string `json:"format"`
	FormatID    string `json:"format_id,omitempty"`
	// Valid is true when the shape, the check digit and any required lookup
	// all pass; false means only the shape matched.
	Valid bool `json:"valid"`
	// Fields holds the pattern's named groups that matched (SerialNumber,
	// CheckDigit, ServiceType, CountryCode, ...), with the serial as the
	// checksum saw it (after any rewrite).
	Fields map[string]string `json:"fields,omitempty"`

	score float64
	order int
}

// Detection is the answer for one input.
type Detection struct {
	Input  string `json:"input"`
	Number string `json:"number"` // normalised: trimmed, spaces removed, upper case
	// Courier, Format and FormatID name the best match; they are empty when
	// no format fits even the shape.
	Courier  string `json:"courier"`
	Format   string `json:"format"`
	FormatID string `json:"format_id,omitempty"`
	// Valid is true when the best match passes every check.
	Valid bool `json:"valid"`
	// Alternatives are the other formats the number fits, valid ones first,
	// each group ranked as the reference ranks.
	Alternatives []Match `json:"alternatives"`

	best *Match
}

// Best returns the best match, if any.
func (d Detection) Best() (Match, bool) {
	if d.best == nil {
		return Match{}, false
	}
	return *d.best, true
}

// Normalize cleans a number as people paste it: full-width letters and
// digits (U+FF01..U+FF5E, from a Japanese or Chinese input method) become
// ASCII by Unicode's width mapping (golang.org/x/text/width's fold, built
// from the Unicode Character Database); every format character (Unicode
// category Cf: a byte-order mark, zero-width spaces and joiners, left-to-right
// and right-to-left marks and embeddings, word joiners) and every space,
// ASCII or not, is deleted; letters are upper-cased.
func Normalize(input string) string {
	s := width.Fold.String(input)
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, s)
	return strings.ToUpper(s)
}

// Check runs one format's full check on an input (normalised first).
// ok reports whether the shape matched at all; m.Valid whether every check passed.
func (f *Format) Check(input string) (m Match, ok bool) {
	return f.check(Normalize(input))
}

func (f *Format) check(n string) (Match, bool) {
	idx := f.re.FindStringSubmatchIndex(n)
	if idx == nil {
		return Match{}, false
	}
	fields := map[string]string{}
	for i, name := range f.re.SubexpNames() {
		if name == "" || idx[2*i] < 0 {
			continue
		}
		if _, seen := fields[name]; seen {
			continue
		}
		fields[name] = n[idx[2*i]:idx[2*i+1]]
	}
	m := Match{
		Courier:     f.Courier,
		CourierName: f.CourierName,
		Format:      f.Name,
		FormatID:    f.ID,
		Fields:      fields,
		Valid:       true,
	}
	if f.Checksum != nil {
		serial := fields["SerialNumber"]
		if p := f.Prepend; p != nil && !strings.HasPrefix(serial, p.UnlessPrefix) {
			serial = p.Prefix + serial
			fields["SerialNumber"] = serial
		}
		m.Valid = f.Checksum.check(serial, fields["CheckDigit"])
	}
	if m.Valid && f.CountryRequired {
		m.Valid = s10Countries[fields["CountryCode"]]
	}
	// The reference scores a passing format 5 for a checksum plus 0.1 per
	// character matched; the highest score wins.
	if f.Checksum != nil {
		m.score = 5
	}
	m.score += 0.1 * float64(len(n))
	return m, true
}

// Detect finds every format the input fits and ranks them: valid before
// shape-only, then by the reference's score, then by load order.
func Detect(input string) Detection {
	n := Normalize(input)
	d := Detection{Input: input, Number: n, Alternatives: []Match{}}
	if n == "" || len(n) > maxNumberLen {
		return d
	}
	var matches []Match
	for i, f := range formats {
		m, ok := f.check(n)
		if !ok {
			continue
		}
		m.order = i
		matches = append(matches, m)
	}
	if len(matches) == 0 {
		return d
	}
	sort.SliceStable(matches, func(i, j int) bool {
		a, b := matches[i], matches[j]
		if a.Valid != b.Valid {
			return a.Valid
		}
		if a.score != b.score {
			return a.score > b.score
		}
		return a.order < b.order
	})
	best := matches[0]
	d.best = &best
	d.Courier, d.Format, d.FormatID, d.Valid = best.Courier, best.Format, best.FormatID, best.Valid
	d.Alternatives = append(d.Alternatives, matches[1:]...)
	return d
}

// ValidMatches returns every valid match, best first.
func (d Detection) ValidMatches() []Match {
	var out []Match
	if d.best != nil && d.best.Valid {
		out = append(out, *d.best)
	}
	for _, m := range d.Alternatives {
		if m.Valid {
			out = append(out, m)
		}
	}
	return out
}

// maxNumberLen bounds the normalised input Detect looks at; the longest
// format (DHL E-Commerce) has 41 characters.
const maxNumberLen = 64

// runRE finds runs of letters and digits joined by spaces or hyphens: the
// places in free text where a tracking number may sit.
var runRE = regexp.MustCompile(`[0-9A-Za-z]+(?:[ -]+[0-9A-Za-z]+)*`)

// minNumberLen is the shortest format's length (DHL Express, LaserShip LX).
const minNumberLen = 10

// maxSpanLen bounds a candidate span in free text (after normalisation).
const maxSpanLen = 48

// FindInText scans free text (a buyer message, an e-mail) for tracking
// numbers, word-bounded, and returns each valid one once, in text order.
// Numbers written with spaces between groups are found as well.
func FindInText(text string) []Detection {
	var out []Detection
	seen := map[string]bool{}
	for _, loc := range runRE.FindAllStringIndex(text, -1) {
		run := text[loc[0]:loc[1]]
		// token boundaries within the run
		var starts, ends []int
		inTok := false
		for i := 0; i < len(run); i++ {
			sep := run[i] == ' ' || run[i] == '-'
			if !sep && !inTok {
				starts = append(starts, i)
			}
			if sep && inTok {
				ends = append(ends, i)
			}
			inTok = !sep
		}
		ends = append(ends, len(run))
		for si := 0; si < len(starts); {
			found := false
			// try the longest span first, so that "1Z 999 ..." is taken whole
			last := si
			for last+1 < len(ends) && ends[last+1]-starts[si] <= maxSpanLen*2 {
				last++
			}
			for ei := last; ei >= si; ei-- {
				span := run[starts[si]:ends[ei]]
				if !hasDigit(span) {
					continue
				}
				n := Normalize(span)
				if len(n) > maxSpanLen || len(n) < minNumberLen {
					continue
				}
				det := Detect(span)
				if !det.Valid {
					continue
				}
				if !seen[det.Number] {
					seen[det.Number] = true
					out = append(out, det)
				}
				si = ei + 1
				found = true
				break
			}
			if !found {
				si++
			}
		}
	}
	return out
}

func hasDigit(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			return true
		}
	}
	return false
}
