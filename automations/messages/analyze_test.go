package messages

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// previousDamageKeywords and previousReportsDamage are the rule the claims
// package had before ReportsDamage moved here: keywords in five languages,
// no negation. Kept only to print the "before" figure.
var previousDamageKeywords = []string{"damaged", "damage", "broken", "crushed", "cracked", "smashed", "shattered", "dented", "torn open",
	"beschädig", "kaputt", "zerbroch", "eingedrückt", "zerdrückt", "schaden", "gebrochen",
	"endommag", "cassé", "écrasé", "abîmé", "dégât", "brisé", "fissuré",
	"dañad", "daño", "roto", "rota", "aplastad", "rompi", "quebrad",
	"破損", "壊れ", "つぶれ", "潰れ", "割れ", "へこ", "傷"}

func previousReportsDamage(text string) bool {
	lower := strings.ToLower(text)
	for _, k := range previousDamageKeywords {
		for from := 0; ; {
			i := strings.Index(lower[from:], k)
			if i < 0 {
				break
			}
			at := from + i
			if !spaced(k) || at == 0 || !isWordRune(lastRune(lower[:at])) {
				return true
			}
			from = at + len(k)
		}
	}
	return false
}

type prf struct{ tp, fp, fn int }

func (c prf) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}
func (c prf) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}
func (c *prf) add(want, got bool) {
	switch {
	case want && got:
		c.tp++
	case got:
		c.fp++
	case want:
		c.fn++
	}
}

// testdata/damage.tsv (positives, negatives and negations in ten languages)
// is scored for damage, before and after, and for loss; targets: precision
// >= 0.95 and recall >= 0.90.
func TestSignalsLabelledSet(t *testing.T) {
	rows := readDamageTSV(t)
	var before, damage, loss prf
	perLang := map[string]*[2]int{}
	for _, r := range rows {
		_, gotDamage := ReportsDamage(r.text, nil)
		_, gotLoss := ReportsLoss(r.text)
		before.add(r.label == "damage", previousReportsDamage(r.text))
		damage.add(r.label == "damage", gotDamage)
		loss.add(r.label == "lost", gotLoss)
		c := perLang[r.lang]
		if c == nil {
			c = &[2]int{}
			perLang[r.lang] = c
		}
		c[1]++
		if gotDamage == (r.label == "damage") && gotLoss == (r.label == "lost") {
			c[0]++
		} else {
			t.Logf("miss (%s, labelled %s): damage %v loss %v: %s", r.lang, r.label, gotDamage, gotLoss, r.text)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "signal          precision  recall\n")
	fmt.Fprintf(&b, "damage before   %9.2f  %6.2f\n", before.precision(), before.recall())
	fmt.Fprintf(&b, "damage after    %9.2f  %6.2f\n", damage.precision(), damage.recall())
	fmt.Fprintf(&b, "loss            %9.2f  %6.2f\n", loss.precision(), loss.recall())
	langs := make([]string, 0, len(perLang))
	for l := range perLang {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		fmt.Fprintf(&b, "%s: %d of %d sentences read right\n", l, perLang[l][0], perLang[l][1])
	}
	t.Log("damage and loss on testdata/damage.tsv\n" + b.String())
	for name, c := range map[string]prf{"damage": damage, "loss": loss} {
		if c.precision() < 0.95 || c.recall() < 0.90 {
			t.Errorf("%s: precision %.2f recall %.2f; want >= 0.95 and >= 0.90", name, c.precision(), c.recall())
		}
	}
}

type damageRow struct{ lang, label, text string }

func readDamageTSV(t *testing.T) []damageRow {
	t.Helper()
	var out []damageRow
	for _, l := range readTSV(t, "testdata/damage.tsv") {
		label, text, ok := strings.Cut(l.text, "\t")
		if !ok || (label != "damage" && label != "lost" && label != "none") {
			t.Fatalf("damage.tsv: bad row %q", l.text)
		}
		out = append(out, damageRow{l.lang, label, text})
	}
	return out
}

func TestReportsDamageCustomWordsAndPhrase(t *testing.T) {
	if p, ok := ReportsDamage("The box was crushed", nil); !ok || p != "crush" {
		t.Errorf("built-in: %q %v", p, ok)
	}
	if _, ok := ReportsDamage("The box was crushed", []string{"zerquetscht"}); ok {
		t.Error("custom words do not replace the built-in ones")
	}
	if p, ok := ReportsDamage("Die Box wurde zerquetscht", []string{"zerquetscht"}); !ok || p != "zerquetscht" {
		t.Errorf("custom word: %q %v", p, ok)
	}
	if _, ok := ReportsDamage("Not damaged at all", nil); ok {
		t.Error("Not damaged at all is damage")
	}
	if _, ok := ReportsDamage("Nichts ist kaputt", nil); ok {
		t.Error("Nichts ist kaputt is damage")
	}
}

// A TikTok Shop order id written in the thread about that order is the
// order, not a parcel, even where it passes a FedEx check digit. The id is
// one of the sandbox's seed-4 TikTok orders (its world says so); the other
// number is UPS's published sample tracking number.
func TestParcelNumbersLeaveOutTheThreadsOwnOrder(t *testing.T) {
	text := "Hello, my order 571972685291400071 has not arrived. The label says 1Z999AA10123456784."
	all := TrackingNumbers(text)
	if len(all) != 2 {
		t.Fatalf("TrackingNumbers = %+v; the order id no longer passes a check digit, so this test shows nothing", all)
	}
	got := ParcelNumbers(text, "571972685291400071")
	if len(got) != 1 || got[0].Number != "1Z999AA10123456784" || got[0].Courier != "ups" {
		t.Fatalf("ParcelNumbers = %+v, want only the UPS number", got)
	}
	if n := len(ParcelNumbers(text, "")); n != 2 {
		t.Errorf("without an order id: %d numbers, want both", n)
	}
}

// The held-out damage set was written after the tables and not used to tune
// them; its precision and recall are logged beside the labelled set's, so a
// reader sees how the tables fare on sentences they were not written
// against. It fails only under 0.80, well below the labelled set's target.
func TestSignalsHeldOut(t *testing.T) {
	var damage, loss prf
	for _, l := range readTSV(t, "testdata/damage_holdout.tsv") {
		label, text, ok := strings.Cut(l.text, "\t")
		if !ok {
			t.Fatalf("damage_holdout.tsv: bad row %q", l.text)
		}
		_, gotDamage := ReportsDamage(text, nil)
		_, gotLoss := ReportsLoss(text)
		damage.add(label == "damage", gotDamage)
		loss.add(label == "lost", gotLoss)
		if gotDamage != (label == "damage") || gotLoss != (label == "lost") {
			t.Logf("held-out miss (%s, labelled %s): damage %v loss %v: %s", l.lang, label, gotDamage, gotLoss, text)
		}
	}
	t.Logf("held-out: damage precision %.2f recall %.2f; loss precision %.2f recall %.2f",
		damage.precision(), damage.recall(), loss.precision(), loss.recall())
	for name, c := range map[string]prf{"damage": damage, "loss": loss} {
		if c.precision() < 0.80 || c.recall() < 0.80 {
			t.Errorf("held-out %s: precision %.2f recall %.2f; want >= 0.80", name, c.precision(), c.recall())
		}
	}
}
