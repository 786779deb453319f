package messages

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/abadojack/whatlanggo"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

type labelled struct{ lang, text string }

// readTSV reads lang<TAB>text lines, skipping blank lines and # comments.
func readTSV(t testing.TB, name string) []labelled {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []labelled
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		lang, text, ok := strings.Cut(line, "\t")
		if !ok {
			t.Fatalf("%s:%d: want lang<TAB>text", name, n)
		}
		out = append(out, labelled{lang, text})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// previousDetect is the detector this package had before Detect: whatlanggo
// over 27 languages, never "unknown" for a text of eight characters or
// more. It is kept here only to print the "before" figure beside Detect's.
func previousDetect(text string) string {
	text = strings.TrimSpace(text)
	if len([]rune(text)) < 8 {
		return Undetermined
	}
	wl := map[whatlanggo.Lang]bool{}
	for _, l := range []whatlanggo.Lang{whatlanggo.Eng, whatlanggo.Deu, whatlanggo.Fra, whatlanggo.Spa, whatlanggo.Ita,
		whatlanggo.Por, whatlanggo.Nld, whatlanggo.Pol, whatlanggo.Swe, whatlanggo.Dan, whatlanggo.Fin, whatlanggo.Ces,
		whatlanggo.Ron, whatlanggo.Hun, whatlanggo.Tur, whatlanggo.Rus, whatlanggo.Ukr, whatlanggo.Arb, whatlanggo.Heb,
		whatlanggo.Jpn, whatlanggo.Cmn, whatlanggo.Kor, whatlanggo.Tha, whatlanggo.Vie, whatlanggo.Ind, whatlanggo.Hin,
		whatlanggo.Ell} {
		wl[l] = true
	}
	info := whatlanggo.DetectWithOptions(text, whatlanggo.Options{Whitelist: wl})
	if info.Lang < 0 || info.Confidence <= 0 {
		return Undetermined
	}
	return info.Lang.Iso6391()
}

// scoreLanguages returns accuracy per label and overall, and the misses.
func scoreLanguages(set []labelled, detect func(string) string) (per map[string][2]int, right, total int, misses []string) {
	per = map[string][2]int{}
	for _, s := range set {
		got := detect(s.text)
		c := per[s.lang]
		c[1]++
		if got == s.lang {
			c[0]++
			right++
		} else {
			misses = append(misses, fmt.Sprintf("%s taken for %s: %s", s.lang, got, s.text))
		}
		per[s.lang] = c
		total++
	}
	return per, right, total, misses
}

// The labelled set in testdata/languages.tsv (22 buyer-style sentences in
// each of the 15 supported languages, and sentences in languages outside
// them, labelled und) is scored per language, before and after; targets:
// 97% overall and no language under 90%.
func TestDetectLabelledSet(t *testing.T) {
	set := readTSV(t, "testdata/languages.tsv")
	perOld, rightOld, _, _ := scoreLanguages(set, previousDetect)
	per, right, total, misses := scoreLanguages(set, func(s string) string { return Detect(s, DetectOptions{}).Lang })
	langs := make([]string, 0, len(per))
	for l := range per {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	var b strings.Builder
	fmt.Fprintf(&b, "%-4s %5s %8s %8s\n", "lang", "n", "before", "after")
	for _, l := range langs {
		c, o := per[l], perOld[l]
		fmt.Fprintf(&b, "%-4s %5d %7.1f%% %7.1f%%\n", l, c[1], 100*float64(o[0])/float64(o[1]), 100*float64(c[0])/float64(c[1]))
		if l != Undetermined && float64(c[0]) < 0.9*float64(c[1]) {
			t.Errorf("%s: %d of %d right, under 90%%", l, c[0], c[1])
		}
	}
	fmt.Fprintf(&b, "all  %5d %7.1f%% %7.1f%%\n", total, 100*float64(rightOld)/float64(total), 100*float64(right)/float64(total))
	t.Log("language detection on testdata/languages.tsv\n" + b.String())
	for _, m := range misses {
		t.Log("miss: " + m)
	}
	if float64(right) < 0.97*float64(total) {
		t.Errorf("overall %d of %d right, under 97%%", right, total)
	}
}

func TestDetectShortAndPrior(t *testing.T) {
	cases := []struct {
		text, prior string
		allowed     []string
		want        string
	}{
		{"", "", nil, Undetermined},
		{"ok", "", nil, Undetermined},
		{"12345 !!!", "", nil, Undetermined},
		{"Danke!", "de", nil, "de"},
		{"Merci !", "fr", nil, "fr"},
		{"Gracias", "es", nil, "es"},
		{"Grazie mille", "it", nil, "it"},
		// Han alone: Chinese, unless the store is Japanese.
		{"到着済", "ja", nil, "ja"},
		{"谢谢你们的帮助", "", nil, "zh"},
		// A clear text in another language beats the prior.
		{"Where is my parcel? It has not arrived yet and the tracking is stuck.", "de", nil, "en"},
		// The allow-list: a German store that expects German and English.
		{"Hallo, mein Paket ist noch nicht da.", "", []string{"de", "en"}, "de"},
		{"Bonjour, mon colis n'est pas arrivé.", "", []string{"de", "en"}, Undetermined},
		// Languages outside the supported set are und, not a neighbour.
		{"Добрий день, моя посилка ще не прийшла, коли її чекати?", "", nil, Undetermined},
		{"سلام، بسته من هنوز نرسیده است. کی می‌رسد؟", "", nil, Undetermined},
	}
	for _, c := range cases {
		got := Detect(c.text, DetectOptions{Prior: c.prior, Allowed: c.allowed})
		if got.Lang != c.want {
			t.Errorf("Detect(%q, prior %q, allowed %v) = %+v, want %s", c.text, c.prior, c.allowed, got, c.want)
		}
		if got.Confidence < 0 || got.Confidence > 1 {
			t.Errorf("Detect(%q) confidence %v outside 0..1", c.text, got.Confidence)
		}
	}
	if DetectLanguage("ok") != "" {
		t.Error(`DetectLanguage of an undetermined text is not ""`)
	}
}

// The sandbox's threads carry the language their buyer writes in; Detect
// over the buyer's messages must give it back (the issue counted 6% wrong
// before, English as Danish or Dutch, Japanese as Chinese).
func TestDetectSandboxThreads(t *testing.T) {
	sb, err := sandbox.Start(context.Background(), sandbox.Options{Seed: 3, Orders: 60})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	wrong, total := 0, 0
	for _, th := range sb.World().Threads {
		var buyer []string
		for _, m := range th.Messages {
			if m.From == "buyer" {
				buyer = append(buyer, m.Body)
			}
		}
		total++
		if got := Detect(strings.Join(buyer, "\n"), DetectOptions{}); got.Lang != th.Lang {
			wrong++
			t.Errorf("thread %s (%s): detected %+v in %q", th.ID, th.Lang, got, buyer)
		}
	}
	t.Logf("sandbox threads: %d of %d wrong", wrong, total)
}

func TestLocalePrior(t *testing.T) {
	for in, want := range map[string]string{
		"https://www.amazon.co.jp/": "ja", "https://sellercentral.amazon.de/home": "de", "https://www.ebay.co.uk": "en",
		"https://www.amazon.com.br": "pt", "https://www.amazon.com": "", "http://127.0.0.1:8080": "", "": "",
		"https://www.amazon.com.tr/x": "tr", "www.ebay.fr": "fr", "https://seller.example.se:8443/a": "sv",
	} {
		if got := LocalePrior(in); got != want {
			t.Errorf("LocalePrior(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCountryLanguage(t *testing.T) {
	// ISO 3166-1 alpha-2 codes; GB is the one whose domain (.uk) differs.
	for c, want := range map[string]string{"DE": "de", "jp": "ja", "GB": "en", "US": "en", "FR": "fr", "CN": "zh", "XX": "", "": ""} {
		if got := CountryLanguage(c); got != want {
			t.Errorf("CountryLanguage(%q) = %q, want %q", c, got, want)
		}
	}
}

// A store's expected languages (stores[].languages) narrow detection: a
// clear text in another language is "und", never one of the store's codes,
// and the one expected language of a store whose site suggests none is its
// prior.
func TestStoreDetectOptionsUseTheConfigsLanguages(t *testing.T) {
	cfg, err := config.Parse("c.yaml", []byte("stores:\n  - name: shop-de\n    languages: [de]\n  - name: shop-eu\n    languages: [de, fr]\n"))
	if err != nil {
		t.Fatal(err)
	}
	de := localdb.Store{Name: "shop-de", Marketplace: "shop"}
	eu := localdb.Store{Name: "shop-eu", Marketplace: "shop"}
	free := localdb.Store{Name: "other", Marketplace: "shop"}
	if o := StoreDetectOptions(cfg, de); o.Prior != "de" || len(o.Allowed) != 1 {
		t.Fatalf("shop-de: %+v", o)
	}
	english := "Where is my parcel? It has not arrived yet and the tracking page shows nothing."
	if got := Detect(english, StoreDetectOptions(cfg, free)).Lang; got != "en" {
		t.Fatalf("without an allow-list: %s, want en", got)
	}
	if got := Detect(english, StoreDetectOptions(cfg, eu)).Lang; got != Undetermined {
		t.Errorf("English to a store expecting de and fr: %s, want %s", got, Undetermined)
	}
	if got := Detect("Bonjour, mon colis n'est toujours pas arrivé. Pouvez-vous vérifier ?", StoreDetectOptions(cfg, eu)).Lang; got != "fr" {
		t.Errorf("French to shop-eu: %s, want fr", got)
	}
	if got := StoreDetectOptions(nil, free); got.Allowed != nil {
		t.Errorf("no config: %+v", got)
	}
}

// The held-out language set was written after the detector and not used to
// tune it; its score is logged beside the labelled set's. It fails only
// under 90% overall.
func TestDetectHeldOut(t *testing.T) {
	set := readTSV(t, "testdata/languages_holdout.tsv")
	_, right, total, misses := scoreLanguages(set, func(s string) string { return Detect(s, DetectOptions{}).Lang })
	for _, m := range misses {
		t.Log("held-out miss: " + m)
	}
	t.Logf("held-out: %d of %d right (%.1f%%)", right, total, 100*float64(right)/float64(total))
	if float64(right) < 0.9*float64(total) {
		t.Errorf("held-out: %d of %d right; want >= 90%%", right, total)
	}
}
