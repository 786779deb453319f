package sandbox

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// TranslateSite is the stand-in translation service. It answers both the
// DeepL API v2 shape (POST /v2/translate, header "Authorization:
// DeepL-Auth-Key KEY", JSON {text[], target_lang, source_lang}; reply
// {translations: [{detected_source_language, text}]}, 403 for a bad key;
// https://developers.deepl.com/docs/api-reference/translate) and the
// LibreTranslate shape (POST /translate, JSON {q, source, target, format,
// api_key}; reply {translatedText} plus detectedLanguage when source is
// "auto"; https://docs.libretranslate.com/guides/api_usage/). It translates
// the sentences of its own world exactly, by matching a sentence against the
// world's templates in every language and rendering the same template in the
// target language with the same buyer name and order id. Any other text comes
// back marked "[target] text", so a test can tell the two apart.
const TranslateSite = "translate"

// translateAccount is the stand-in's key: a DeepL free-plan shaped key (it
// ends in ":fx"), from a stream of its own.
func translateAccount(seed int64) Account {
	r := rand.New(rand.NewPCG(uint64(seed)^0x7a4e, 0xacc7))
	const hex = "0123456789abcdef"
	b := make([]byte, 32)
	for i := range b {
		b[i] = hex[r.IntN(len(hex))]
	}
	k := string(b[:8]) + "-" + string(b[8:12]) + "-" + string(b[12:16]) + "-" + string(b[16:20]) + "-" + string(b[20:]) + ":fx"
	return Account{Name: TranslateSite, Site: TranslateSite, APIKey: k}
}

// phrase is one template of the world in one language, compiled to a
// pattern that captures its arguments in template order.
type phrase struct {
	lang, id string // id names the template across languages: kind/part/index
	format   string
	re       *regexp.Regexp
	argIdx   []int // for each capture, the 1-based argument it fills
}

var verbRe = regexp.MustCompile(`%(\[(\d+)\])?s`)

func compilePhrase(lang, id, format string) phrase {
	var pat strings.Builder
	pat.WriteString("^")
	var idx []int
	next, last := 1, 0
	for _, m := range verbRe.FindAllStringSubmatchIndex(format, -1) {
		pat.WriteString(regexp.QuoteMeta(format[last:m[0]]))
		n := next
		if m[4] >= 0 {
			n, _ = strconv.Atoi(format[m[4]:m[5]])
		}
		next = n + 1
		idx = append(idx, n)
		pat.WriteString("(.+?)")
		last = m[1]
	}
	pat.WriteString(regexp.QuoteMeta(format[last:]))
	pat.WriteString("$")
	return phrase{lang: lang, id: id, format: format, re: regexp.MustCompile(pat.String()), argIdx: idx}
}

// phrasebook holds every template of the world by language and id.
type phrasebook struct {
	all  []phrase
	byID map[string]map[string]phrase // id -> lang -> phrase
}

func newPhrasebook() *phrasebook {
	pb := &phrasebook{byID: map[string]map[string]phrase{}}
	add := func(lang, id, format string) {
		p := compilePhrase(lang, id, format)
		pb.all = append(pb.all, p)
		if pb.byID[id] == nil {
			pb.byID[id] = map[string]phrase{}
		}
		pb.byID[id][lang] = p
	}
	langs := make([]string, 0, len(texts))
	for l := range texts {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		kinds := make([]string, 0, len(texts[l]))
		for k := range texts[l] {
			kinds = append(kinds, k)
		}
		sort.Strings(kinds)
		for _, k := range kinds {
			tt := texts[l][k]
			add(l, k+"/subject", tt.subject)
			for i, b := range tt.bodies {
				add(l, fmt.Sprintf("%s/body/%d", k, i), b)
			}
		}
		if s, ok := sellerTexts[l]; ok {
			add(l, "seller", s)
		}
		for i, f := range followUps[l] {
			add(l, fmt.Sprintf("followup/%d", i), f)
		}
	}
	// Longer templates first, so a sentence matches its most specific one.
	sort.SliceStable(pb.all, func(i, j int) bool { return len(pb.all[i].format) > len(pb.all[j].format) })
	return pb
}

// translate renders text in lang to; it reports the language the text was
// read as ("" when it matched no template) and whether it was translated.
func (pb *phrasebook) translate(text, from, to string) (out, detected string, ok bool) {
	for _, p := range pb.all {
		if from != "" && p.lang != from {
			continue
		}
		m := p.re.FindStringSubmatch(text)
		if m == nil {
			continue
		}
		target, has := pb.byID[p.id][to]
		if !has {
			return "", p.lang, false
		}
		args := map[int]string{}
		for i, n := range p.argIdx {
			args[n] = m[i+1]
		}
		ordered := make([]any, 0, len(args))
		for n := 1; n <= len(args); n++ {
			ordered = append(ordered, args[n])
		}
		return fmt.Sprintf(target.format, ordered...), p.lang, true
	}
	return "", "", false
}

// render gives the stand-in's answer for one text.
func (pb *phrasebook) render(text, from, to string) (string, string) {
	if out, det, ok := pb.translate(text, from, to); ok {
		return out, det
	}
	det := from
	if det == "" {
		det = "en"
	}
	return "[" + to + "] " + text, det
}

var worldPhrases = newPhrasebook()

func mountTranslate(s *site) {
	s.handle("POST /v2/translate", kindAPI, s.deeplTranslate)
	s.handle("POST /translate", kindAPI, s.libreTranslate)
}

func (s *site) deeplTranslate(w http.ResponseWriter, r *http.Request) {
	key, ok := strings.CutPrefix(r.Header.Get("Authorization"), "DeepL-Auth-Key ")
	if !ok || key != s.sb.accounts[TranslateSite].APIKey {
		s.sb.st.count("api.translate.unauthorized")
		writeJSON(w, http.StatusForbidden, map[string]any{"message": "Wrong endpoint or invalid authentication key"})
		return
	}
	var in struct {
		Text       []string `json:"text"`
		TargetLang string   `json:"target_lang"`
		SourceLang string   `json:"source_lang"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 128<<10)).Decode(&in); err != nil || len(in.Text) == 0 || in.TargetLang == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Value for 'text' and 'target_lang' expected"})
		return
	}
	to, from := strings.ToLower(in.TargetLang), strings.ToLower(in.SourceLang)
	to, _, _ = strings.Cut(to, "-") // EN-GB, PT-BR: the world has one variant per language
	out := make([]map[string]string, len(in.Text))
	for i, t := range in.Text {
		s.sb.st.count("api.translate.texts")
		text, det := worldPhrases.render(t, from, to)
		out[i] = map[string]string{"detected_source_language": strings.ToUpper(det), "text": text}
	}
	writeJSON(w, http.StatusOK, map[string]any{"translations": out})
}

func (s *site) libreTranslate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Q      string `json:"q"`
		Source string `json:"source"`
		Target string `json:"target"`
		Format string `json:"format"`
		APIKey string `json:"api_key"`
	}
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 128<<10)).Decode(&in); err != nil || in.Q == "" || in.Target == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "Invalid request: q and target are required"})
		return
	}
	if in.APIKey != s.sb.accounts[TranslateSite].APIKey {
		s.sb.st.count("api.translate.unauthorized")
		writeJSON(w, http.StatusForbidden, map[string]any{"error": "Invalid API key"})
		return
	}
	s.sb.st.count("api.translate.texts")
	from := strings.ToLower(in.Source)
	if from == "auto" {
		from = ""
	}
	text, det := worldPhrases.render(in.Q, from, strings.ToLower(in.Target))
	out := map[string]any{"translatedText": text}
	if from == "" {
		out["detectedLanguage"] = map[string]any{"language": det, "confidence": 90.0}
	}
	writeJSON(w, http.StatusOK, out)
}
