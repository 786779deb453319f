package messages

import (
	"fmt"
	"strings"
	"testing"
)

type reasonRow struct{ lang, reason, text string }

// readReasonsTSV reads a labelled file of lang<TAB>reason<TAB>sentence.
func readReasonsTSV(tb testing.TB, path string) []reasonRow {
	tb.Helper()
	known := map[string]bool{}
	for _, r := range Reasons {
		known[r] = true
	}
	var out []reasonRow
	for _, l := range readTSV(tb, path) {
		reason, text, ok := strings.Cut(l.text, "\t")
		if !ok || !known[reason] {
			tb.Fatalf("%s: bad row %q", path, l.text)
		}
		out = append(out, reasonRow{l.lang, reason, text})
	}
	return out
}

// reasonScores prints the share read right per reason and per language.
func reasonScores(rows []reasonRow) string {
	per, _ := scoreReasons(rows)
	var b strings.Builder
	fmt.Fprintf(&b, "%-20s %8s %9s\n", "reason", "accuracy", "sentences")
	for _, r := range Reasons {
		fmt.Fprintf(&b, "%-20s %8.2f %9d\n", r, float64(per[r][0])/float64(per[r][1]), per[r][1])
	}
	lang := map[string]*[2]int{}
	for _, r := range rows {
		if lang[r.lang] == nil {
			lang[r.lang] = &[2]int{}
		}
		lang[r.lang][1]++
		if ClassifyReason(r.text).Reason == r.reason {
			lang[r.lang][0]++
		}
	}
	fmt.Fprintf(&b, "%-20s %8s %9s\n", "language", "accuracy", "sentences")
	for _, l := range tableOrder {
		if c := lang[l]; c != nil {
			fmt.Fprintf(&b, "%-20s %8.2f %9d\n", l, float64(c[0])/float64(c[1]), c[1])
		}
	}
	return b.String()
}

// scoreReasons returns, per reason, how many labelled sentences
// ClassifyReason read right and how many there are, and the misses.
func scoreReasons(rows []reasonRow) (map[string]*[2]int, []string) {
	per := map[string]*[2]int{}
	for _, r := range Reasons {
		per[r] = &[2]int{}
	}
	var misses []string
	for _, r := range rows {
		got := ClassifyReason(r.text)
		per[r.reason][1]++
		if got.Reason == r.reason {
			per[r.reason][0]++
		} else {
			misses = append(misses, fmt.Sprintf("%s labelled %s, read %s (%q): %s", r.lang, r.reason, got.Reason, got.Phrase, r.text))
		}
	}
	return per, misses
}

// testdata/reasons.tsv was written before the rules; the target is at
// least 90% of each reason's sentences read right.
func TestClassifyReasonLabelledSet(t *testing.T) {
	rows := readReasonsTSV(t, "testdata/reasons.tsv")
	langs := map[string]map[string]bool{}
	for _, r := range rows {
		if langs[r.reason] == nil {
			langs[r.reason] = map[string]bool{}
		}
		langs[r.reason][r.lang] = true
	}
	per, misses := scoreReasons(rows)
	for _, m := range misses {
		t.Log("miss: " + m)
	}
	for _, r := range Reasons {
		c := per[r]
		if c[1] < 20 || len(langs[r]) < 6 {
			t.Errorf("%s: %d sentences in %d languages; the set needs >= 20 in >= 6", r, c[1], len(langs[r]))
		}
		if float64(c[0]) < 0.9*float64(c[1]) {
			t.Errorf("%s: %d of %d read right; want >= 90%%", r, c[0], c[1])
		}
	}
	t.Log("contact reasons on testdata/reasons.tsv\n" + reasonScores(rows))
}

func TestClassifyReasonRules(t *testing.T) {
	for _, c := range []struct{ text, want string }{
		// Damage is the root cause even when a refund is asked for.
		{"The mug arrived broken, I want a refund", ReasonDamaged},
		// A denied damage is not damage: the buyer asks something else.
		{"Not damaged, but I would like to return it", ReasonReturn},
		// "iva$" must end a word: "Ivan" is a name, not VAT.
		{"Hello, this is Ivan", ReasonOther},
		{"", ReasonOther},
	} {
		if got := ClassifyReason(c.text); got.Reason != c.want {
			t.Errorf("%q: %+v, want %s", c.text, got, c.want)
		}
	}
}

// BenchmarkClassifyReason reads the labelled set and reports the accuracy
// per reason beside the all-"other" baseline (what the product had before:
// no reason at all), measured in the same run.
func BenchmarkClassifyReason(b *testing.B) {
	rows := readReasonsTSV(b, "testdata/reasons.tsv")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, r := range rows {
			ClassifyReason(r.text)
		}
	}
	b.StopTimer()
	per, _ := scoreReasons(rows)
	right, all := 0, 0
	for _, r := range Reasons {
		right += per[r][0]
		all += per[r][1]
		b.ReportMetric(float64(per[r][0])/float64(per[r][1]), "acc_"+r)
	}
	b.ReportMetric(float64(right)/float64(all), "acc_overall")
	b.ReportMetric(float64(per[ReasonOther][1])/float64(all), "acc_baseline_other")
}

// The held-out sets were not used to tune the rules: reasons_holdout.tsv
// was written after them, reasons_blind.tsv by a writer who never saw
// them. Their scores are logged so a reader sees how the rules fare on
// sentences they were not written against; each fails only below 75%,
// far under the labelled set's target.
func TestClassifyReasonHeldOut(t *testing.T) {
	for _, path := range []string{"testdata/reasons_holdout.tsv", "testdata/reasons_blind.tsv"} {
		rows := readReasonsTSV(t, path)
		per, misses := scoreReasons(rows)
		for _, m := range misses {
			t.Log(path + " miss: " + m)
		}
		right := 0
		for _, r := range Reasons {
			right += per[r][0]
		}
		t.Logf("%s: %d of %d read right\n%s", path, right, len(rows), reasonScores(rows))
		if float64(right) < 0.75*float64(len(rows)) {
			t.Errorf("%s: %d of %d read right; want >= 75%%", path, right, len(rows))
		}
	}
}
