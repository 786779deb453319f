package carriers

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/internal/conformance"
)

type conformanceCase struct {
	Courier  string  `json:"courier"`
	Service  string  `json:"service"`
	FormatID *string `json:"format_id"`
	Number   string  `json:"number"`
	Valid    bool    `json:"valid"`
}

type conformanceFile struct {
	Cases   []conformanceCase `json:"cases"`
	Derived struct {
		Items []struct {
			Courier      string   `json:"courier"`
			Service      string   `json:"service"`
			Number       string   `json:"number"`
			ValidOwn     bool     `json:"valid_for_own_format"`
			AlsoValidFor []string `json:"also_valid_for"`
		} `json:"items"`
	} `json:"derived_cross_format_matches"`
}

func loadConformance(t *testing.T) conformanceFile {
	t.Helper()
	raw, err := os.ReadFile(conformance.File(t, "tracking_numbers.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f conformanceFile
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("tracking_numbers.json: %v", err)
	}
	if len(f.Cases) == 0 {
		t.Fatal("tracking_numbers.json has no cases")
	}
	return f
}

// TestConformanceCases walks every case of the public data set: a number's
// validity belongs to its own format, and a valid number must be among the
// valid matches Detect reports.
func TestConformanceCases(t *testing.T) {
	f := loadConformance(t)
	for i, c := range f.Cases {
		format, ok := FormatByName(c.Courier, c.Service)
		if !ok {
			t.Errorf("case %d: no format %s/%q in the table", i, c.Courier, c.Service)
			continue
		}
		if c.FormatID != nil && *c.FormatID != format.ID {
			t.Errorf("case %d: format id %q, table has %q", i, *c.FormatID, format.ID)
		}
		m, _ := format.Check(c.Number)
		if m.Valid != c.Valid {
			t.Errorf("case %d %s/%s %q: valid=%v, want %v (fields %v)", i, c.Courier, c.Service, c.Number, m.Valid, c.Valid, m.Fields)
			continue
		}
		if !c.Valid {
			continue
		}
		d := Detect(c.Number)
		found := false
		for _, vm := range d.ValidMatches() {
			if vm.Courier == c.Courier && vm.Format == c.Service {
				found = true
			}
		}
		if !found {
			t.Errorf("case %d %q: Detect did not report %s/%s among %+v", i, c.Number, c.Courier, c.Service, d)
		}
		// the same number inside a sentence is found by the free-text scan
		inText := FindInText("Tracking: " + c.Number + ". Thanks!")
		if len(inText) != 1 || inText[0].Number != Normalize(c.Number) {
			t.Errorf("case %d %q: FindInText found %+v", i, c.Number, inText)
		}
	}
}

// TestConformanceCrossMatches checks the overlaps the data set's notes list:
// Detect's valid matches are exactly the own format (when valid) plus the
// listed others.
func TestConformanceCrossMatches(t *testing.T) {
	f := loadConformance(t)
	if len(f.Derived.Items) == 0 {
		t.Fatal("no derived cross-format matches in the file")
	}
	for _, it := range f.Derived.Items {
		want := append([]string{}, it.AlsoValidFor...)
		if it.ValidOwn {
			want = append(want, it.Courier+"/"+it.Service)
		}
		var got []string
		for _, m := range Detect(it.Number).ValidMatches() {
			got = append(got, m.Courier+"/"+m.Format)
		}
		sort.Strings(want)
		sort.Strings(got)
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%q: valid matches %v, want %v", it.Number, got, want)
		}
	}
}

type vector struct {
	Number  string `json:"number"`
	Courier string `json:"courier"`
	Format  string `json:"format"`
	Valid   bool   `json:"valid"`
	Note    string `json:"note"`
	// AlsoValidFor lists the other formats ("courier/format") a valid
	// number passes; a valid vector's matches must be exactly its own
	// format plus these.
	AlsoValidFor []string `json:"also_valid_for"`
}

// TestOwnVectors runs the project's own vectors (numbers computed from the
// public check-digit rules), so detection is tested without the shared data.
func TestOwnVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "vectors.json"))
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 20 {
		t.Fatalf("only %d vectors", len(vs))
	}
	for _, v := range vs {
		d := Detect(v.Number)
		if d.Valid != v.Valid {
			t.Errorf("%q (%s): valid=%v, want %v; detection %+v", v.Number, v.Note, d.Valid, v.Valid, d)
			continue
		}
		if v.Valid && (d.Courier != v.Courier || d.Format != v.Format) {
			t.Errorf("%q (%s): detected %s/%s, want %s/%s (alternatives %+v)", v.Number, v.Note, d.Courier, d.Format, v.Courier, v.Format, d.Alternatives)
		}
		if v.Valid {
			want := append([]string{v.Courier + "/" + v.Format}, v.AlsoValidFor...)
			var got []string
			for _, m := range d.ValidMatches() {
				got = append(got, m.Courier+"/"+m.Format)
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, ",") != strings.Join(want, ",") {
				t.Errorf("%q (%s): valid matches %v, want %v", v.Number, v.Note, got, want)
			}
		}
		if !v.Valid && v.Format != "" {
			f, ok := FormatByName(v.Courier, v.Format)
			if !ok {
				t.Fatalf("vector names unknown format %s/%s", v.Courier, v.Format)
			}
			if m, shape := f.Check(v.Number); !shape || m.Valid {
				t.Errorf("%q (%s): want shape match with bad check digit for %s, got shape=%v valid=%v", v.Number, v.Note, v.Format, shape, m.Valid)
			}
		}
	}
}

func TestDetectNormalisesAndRanks(t *testing.T) {
	d := Detect("  1z 4y7a 2b03 9081 7263 ")
	if d.Number != "1Z4Y7A2B0390817263" || d.Courier != "ups" || !d.Valid {
		t.Fatalf("got %+v", d)
	}
	// 12 zeros pass FedEx Express (12) and Purolator (12); both have a
	// checksum and the same length, so load order decides: FedEx first.
	d = Detect("000000000000")
	if d.Courier != "fedex" || d.Format != "FedEx Express (12)" || !d.Valid {
		t.Fatalf("got %+v", d)
	}
	if len(d.Alternatives) == 0 || d.Alternatives[0].Courier != "purolator" || !d.Alternatives[0].Valid {
		t.Fatalf("alternatives %+v, want Purolator (12) first", d.Alternatives)
	}
	// A shape-only match reports Valid=false but still names the format.
	d = Detect("1Z4Y7A2B0390817264")
	if d.Valid || d.Courier != "ups" {
		t.Fatalf("got %+v", d)
	}
	if d := Detect(""); d.Valid || d.Courier != "" || d.Alternatives == nil {
		t.Fatalf("empty input: %+v", d)
	}
}

func TestFindInText(t *testing.T) {
	text := "Hi! my parcel 1Z 4Y7A 2B03 9081 7263 never came, and the other one (tba123456789012) is late. " +
		"Order 12-34, call 555 0100. Also 1zh5k2p90100000428."
	got := FindInText(text)
	var nums []string
	for _, d := range got {
		nums = append(nums, d.Courier+":"+d.Number)
	}
	want := []string{"ups:1Z4Y7A2B0390817263", "amazon:TBA123456789012", "ups:1ZH5K2P90100000428"}
	if strings.Join(nums, ",") != strings.Join(want, ",") {
		t.Fatalf("FindInText = %v, want %v", nums, want)
	}
	if got := FindInText("1Z4Y7A2B0390817263X"); len(got) != 0 {
		t.Fatalf("number glued to a letter must not be found: %+v", got)
	}
}

func FuzzDetect(f *testing.F) {
	for _, s := range []string{"", " ", "1Z4Y7A2B0390817263", "tba 123 456 789 012", "RR000000014GB",
		"4206061700429261190481357000316763", "1LS7204013482716-1", "C12046718352905", "\x00\xff", "JJD0048213750",
		"GM7A31905C64820917QX3B", "9400111202555842076310", strings.Repeat("9", 200)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Detect(s)
		if d.Valid && d.Courier == "" {
			t.Fatalf("valid without courier: %+v", d)
		}
		_ = FindInText(s)
	})
}

var benchNumbers = []string{
	"1Z4Y7A2B0390817263", "K8642097534", "9400111202555842076310", "4206061700429261190481357000316763",
	"RR000000014GB", "TBA123456789012", "771234567890", "1234567891", "not a number", "LX24819573",
}

// BenchmarkDetect reports detection throughput in numbers per second, beside
// a naive baseline that compiles every pattern for each number.
func BenchmarkDetect(b *testing.B) {
	b.Run("table", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			Detect(benchNumbers[i%len(benchNumbers)])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "numbers/s")
	})
	b.Run("naive-recompile-baseline", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			n := Normalize(benchNumbers[i%len(benchNumbers)])
			for _, f := range formats {
				re := mustCompileAnchored(f.Pattern)
				re.MatchString(n)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "numbers/s")
	})
}

func mustCompileAnchored(p string) *regexp.Regexp { return regexp.MustCompile(`^` + p + `$`) }

// TestDetectCleansPastedNumbers: every valid number of the public data set,
// pasted with a byte-order mark, zero-width characters, direction marks, a
// no-break space or in full-width forms, is detected exactly as the clean
// number. The characters are named by their Unicode code points.
func TestDetectCleansPastedNumbers(t *testing.T) {
	f := loadConformance(t)
	fullWidth := func(s string) string {
		var b strings.Builder
		for _, r := range s {
			if r >= '!' && r <= '~' {
				r += 0xFF01 - '!' // FULLWIDTH forms U+FF01..U+FF5E
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	dress := map[string]func(string) string{
		"bom":         func(s string) string { return "\uFEFF" + s },
		"zero-width":  func(s string) string { return s[:2] + "\u200B" + s[2:] + "\u200D" },
		"word joiner": func(s string) string { return "\u2060" + s[:3] + "\u2060" + s[3:] },
		"lrm/rlm":     func(s string) string { return "\u200E" + s + "\u200F" },
		"isolates":    func(s string) string { return "\u2067" + s + "\u2069" },
		"nbsp":        func(s string) string { return s[:4] + "\u00A0" + s[4:] + "\u3000" },
		"full-width":  fullWidth,
		"everything":  func(s string) string { return "\uFEFF\u200E" + fullWidth(strings.ToLower(s)) + "\u200B" },
	}
	n := 0
	for _, c := range f.Cases {
		if !c.Valid || len(c.Number) < 5 {
			continue
		}
		want := Detect(c.Number).ValidMatches()
		for name, fn := range dress {
			in := fn(c.Number)
			if got := Normalize(in); got != Normalize(c.Number) {
				t.Errorf("%s %q: Normalize gives %q, want %q", name, in, got, Normalize(c.Number))
				continue
			}
			got := Detect(in).ValidMatches()
			if len(got) != len(want) || (len(want) > 0 && got[0].Courier != want[0].Courier) {
				t.Errorf("%s %q: detected %+v, the clean number %+v", name, in, got, want)
			}
			n++
		}
	}
	if n == 0 {
		t.Fatal("no valid numbers to dress")
	}
}
