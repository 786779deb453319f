package messages

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/sellerops/sellerops/carriers"
)

// signalTable is what reports damage or loss in one language, as data.
//
//   - damage: words and stems that report the goods or parcel damaged.
//     In scripts written with spaces they match at the start of a word
//     ("beschädig" finds "beschädigte"); in Japanese and Chinese anywhere.
//   - negators: words that deny a damage word when they stand within the
//     three words before it in the same clause ("not damaged", "nichts ist
//     kaputt", "pas abîmé"); for Chinese, characters just before it (没有损坏).
//   - negAfter: endings that deny a damage word right after it (Japanese:
//     壊れていません, 破損はありません).
//   - fine: "no problem" phrases (intact, in perfect condition). The last
//     word of a message wins: a fine phrase after every damage word means
//     the buyer says the goods are fine ("the box was dented, but the item
//     is intact").
//   - loss: patterns that report the parcel not arrived or lost.
type signalTable struct {
	damage   []string
	negators []string
	negAfter []string
	fine     []string
	loss     []*regexp.Regexp
}

func re(s string) *regexp.Regexp { return regexp.MustCompile(s) }

// gap allows up to two words between a negation and its verb
// ("n'ai toujours pas reçu", "non ho ancora ricevuto").
const gap = `(?:\s+\S+){0,2}?\s+`

// signalTables are the built-in tables, per ISO 639-1 code. A message is
// read with every table, since buyers mix languages and the detected
// language may be wrong.
var signalTables = map[string]signalTable{
	"en": {
		damage:   []string{"damag", "broken", "broke", "crack", "shatter", "smash", "crush", "squash", "dented", "bent", "scratch", "torn", "ripped", "in pieces", "leak"},
		negators: []string{"not", "no", "never", "nothing", "none", "without", "isn't", "wasn't", "aren't", "weren't", "hasn't", "didn't", "nor"},
		fine:     []string{"perfect condition", "good condition", "intact", "undamaged", "in one piece", "no damage", "without damage"},
		loss:     []*regexp.Regexp{re(`(?:\bnot|\bnever|n't)` + gap + `(?:arrived?|received?|delivered|come|came|turned up|shown up)\b`), re(`\b(?:was|been|got|is|are|were) lost\b`), re(`\blost in (?:transit|the post|the mail)\b`)},
	},
	"de": {
		damage:   []string{"beschädig", "kaputt", "zerbroch", "gebrochen", "zerdrückt", "eingedrückt", "zerkratzt", "verbogen", "gesprungen", "sprung", "riss", "zersplittert", "defekt angekommen"},
		negators: []string{"nicht", "kein", "keine", "keinen", "keiner", "nichts", "nix", "nie", "ohne"},
		fine:     []string{"unbeschädigt", "einwandfrei", "intakt", "bestens", "in ordnung", "ohne schäden", "heil angekommen"},
		loss:     []*regexp.Regexp{re(`\b(?:nicht|nichts|nix|nie|niemals)` + gap + `(?:angekommen|erhalten|bekommen|zugestellt|geliefert)\b`), re(`\bverloren\b`), re(`\bverschollen\b`)},
	},
	"fr": {
		damage:   []string{"endommag", "cassé", "cassée", "écrasé", "abîmé", "fêlé", "brisé", "fissuré", "tordu", "rayé", "en morceaux", "dégât"},
		negators: []string{"pas", "aucun", "aucune", "rien", "jamais", "sans", "ni"},
		fine:     []string{"parfait état", "bon état", "intact", "intacte", "sans dommage", "sans dégât"},
		loss:     []*regexp.Regexp{re(`\b(?:pas|jamais)` + gap + `(?:arrivée?|reçue?|livrée?)`), re(`\b(?:perdu|perdue|égaré|égarée)\b`)},
	},
	"es": {
		damage:   []string{"dañad", "daño", "roto", "rota", "aplastad", "rompi", "quebrad", "grieta", "agrietad", "doblad", "rayad", "pedazos", "abollad"},
		negators: []string{"no", "nada", "ningún", "ninguna", "ninguno", "nunca", "sin", "ni"},
		fine:     []string{"perfecto estado", "buen estado", "intacto", "intacta", "sin daños", "todo perfecto"},
		loss:     []*regexp.Regexp{re(`\b(?:no|nunca)` + gap + `(?:llegado|llegó|llego|recibido|recibí|entregado)`), re(`\b(?:perdi|perdió|extravi)`)},
	},
	"it": {
		damage:   []string{"danneggiat", "rotto", "rotta", "rotti", "schiacciat", "crepat", "incrinat", "piegat", "graffiat", "ammaccat", "a pezzi", "frantumat"},
		negators: []string{"non", "niente", "nulla", "nessun", "nessuna", "mai", "senza", "né"},
		fine:     []string{"perfette condizioni", "integro", "integra", "intatto", "intatta", "tutto a posto", "senza danni"},
		loss:     []*regexp.Regexp{re(`\b(?:non|mai)` + gap + `(?:arrivato|arrivata|ricevuto|ricevuta|consegnato|consegnata)\b`), re(`\b(?:smarrit[oa]|pers[oa])\b`)},
	},
	"pt": {
		damage:   []string{"danificad", "partid", "quebrad", "amassad", "rachad", "estragad", "torta", "torto", "riscad", "em pedaços", "amolgad"},
		negators: []string{"não", "nada", "nenhum", "nenhuma", "nunca", "sem", "nem"},
		fine:     []string{"perfeito estado", "bom estado", "intacto", "intacta", "sem danos", "tudo bem"},
		loss:     []*regexp.Regexp{re(`(?:^|\s)(?:não|nunca)` + gap + `(?:chegou|chegaram|recebi|recebido|entregue)`), re(`\b(?:extraviad|perdid)`)},
	},
	"nl": {
		damage:   []string{"beschadigd", "kapot", "gebroken", "barst", "gebarsten", "geplet", "gedeukt", "ingedeukt", "verbogen", "bekrast", "deuk", "kras", "in stukken", "stuk aangekomen"},
		negators: []string{"niet", "geen", "niets", "niks", "nooit", "zonder"},
		fine:     []string{"onbeschadigd", "heel aangekomen", "in orde", "perfecte staat", "goede staat", "intact"},
		loss:     []*regexp.Regexp{re(`\b(?:niet|niks|nooit)` + gap + `(?:aangekomen|ontvangen|bezorgd|geleverd)\b`), re(`\b(?:kwijt|zoekgeraakt|verloren)\b`)},
	},
	"pl": {
		damage:   []string{"uszkodz", "pęknię", "pękł", "rozbit", "zgniecion", "zniszczon", "zepsut", "połaman", "wygięt", "porysowan", "w kawałkach", "stłuczon"},
		negators: []string{"nie", "nic", "żaden", "żadna", "żadnych", "nigdy", "bez"},
		fine:     []string{"nienaruszon", "idealnym stanie", "dobrym stanie", "w porządku", "bez uszkodzeń"},
		loss:     []*regexp.Regexp{re(`(?:^|\s)(?:nie|nigdy)` + gap + `(?:dotarł[aoy]?|otrzymał(?:em|am)|doszł[aoy]|dostał(?:em|am)|przyszł[aoy])`), re(`(?:zaginęł[aoy]|zaginął|zgubion|zgubił)`)},
	},
	"ja": {
		damage:   []string{"破損", "壊れ", "こわれ", "割れ", "われて", "ひび", "つぶれ", "潰れ", "へこ", "凹", "粉々", "曲が", "傷", "欠け", "破れ"},
		negAfter: []string{"ていません", "ていない", "てない", "てはいません", "はありません", "はありませんでした", "はない", "はなかった", "はございません", "もありません", "なし"},
		fine:     []string{"無事", "問題ありません", "問題なく", "問題はありません", "きれいな状態", "異常なし"},
		loss:     []*regexp.Regexp{re(`届いていません|届いていない|届きません|届かない|届いてない|まだ届|未着|紛失|行方不明`)},
	},
	"zh": {
		damage:   []string{"破损", "损坏", "坏", "碎", "裂", "压扁", "压坏", "变形了", "弯", "划痕", "刮花", "凹"},
		negators: []string{"没有", "没", "不", "未", "无"},
		fine:     []string{"完好无损", "完好", "没问题", "没有问题", "无损"},
		loss:     []*regexp.Regexp{re(`没有到|没到|还没有到|没有收到|没收到|未收到|还没收到|丢失|丢了|弄丢|寄丢`)},
	},
}

// Signal is one finding in a text: damage or loss, with the phrase that
// matched and the language of the table it came from.
type Signal struct {
	Kind   string `json:"kind"` // "damage" or "loss"
	Phrase string `json:"phrase"`
	Lang   string `json:"language"`
}

// Signal kinds.
const (
	SignalDamage = "damage"
	SignalLoss   = "loss"
)

// ReportsDamage returns the damage word of the first place in text where
// the buyer reports damage, not denied by a negation ("not damaged") and
// not followed by a "no problem" phrase ("the box was dented but the item
// is intact"). custom, when not empty, replaces the built-in damage words
// (the config's claims.damage_keywords); negations and "no problem"
// phrases of every language still apply.
func ReportsDamage(text string, custom []string) (string, bool) {
	s, ok := damageSignal(text, custom)
	return s.Phrase, ok
}

// ReportsLoss returns the phrase where the buyer says the parcel has not
// arrived or is lost.
func ReportsLoss(text string) (string, bool) {
	lower := strings.ToLower(text)
	best, at := Signal{}, -1
	for _, lang := range tableOrder {
		for _, rx := range signalTables[lang].loss {
			if loc := rx.FindStringIndex(lower); loc != nil && (at < 0 || loc[0] < at) {
				best, at = Signal{Kind: SignalLoss, Phrase: strings.TrimSpace(lower[loc[0]:loc[1]]), Lang: lang}, loc[0]
			}
		}
	}
	return best.Phrase, at >= 0
}

// Signals returns the damage and loss signals in text, damage first.
func Signals(text string) []Signal {
	var out []Signal
	if s, ok := damageSignal(text, nil); ok {
		out = append(out, s)
	}
	if p, ok := ReportsLoss(text); ok {
		out = append(out, Signal{Kind: SignalLoss, Phrase: p, Lang: lossLang(text)})
	}
	return out
}

func lossLang(text string) string {
	lower := strings.ToLower(text)
	for _, lang := range tableOrder {
		for _, rx := range signalTables[lang].loss {
			if rx.MatchString(lower) {
				return lang
			}
		}
	}
	return ""
}

// tableOrder makes every search over the tables deterministic.
var tableOrder = []string{"en", "de", "fr", "es", "it", "pt", "nl", "pl", "ja", "zh"}

// negatorSet holds every table's negators: "no" is a negation in English
// and Spanish alike, and a buyer's language may be detected wrongly.
var negatorSet, negAfterAll, fineAll = func() (map[string]bool, []string, []string) {
	set := map[string]bool{}
	var after, fine []string
	for _, lang := range tableOrder {
		t := signalTables[lang]
		for _, n := range t.negators {
			set[n] = true
		}
		after = append(after, t.negAfter...)
		fine = append(fine, t.fine...)
	}
	return set, after, fine
}()

func damageSignal(text string, custom []string) (Signal, bool) {
	lower := strings.ToLower(text)
	// The last "no problem" phrase: damage words before it are overruled.
	lastFine := -1
	for _, f := range fineAll {
		if i := lastWordIndex(lower, f); i > lastFine {
			lastFine = i
		}
	}
	type term struct{ word, lang string }
	var terms []term
	if len(custom) > 0 {
		for _, w := range custom {
			if w = strings.ToLower(strings.TrimSpace(w)); w != "" {
				terms = append(terms, term{w, ""})
			}
		}
	} else {
		for _, lang := range tableOrder {
			for _, w := range signalTables[lang].damage {
				terms = append(terms, term{w, lang})
			}
		}
	}
	var found Signal
	foundAt := -1
	for _, tm := range terms {
		for from := 0; from < len(lower); {
			i := strings.Index(lower[from:], tm.word)
			if i < 0 {
				break
			}
			at := from + i
			from = at + len(tm.word)
			if spaced(tm.word) && at > 0 && isWordRune(lastRune(lower[:at])) {
				continue // inside a word: "unbeschädigt", "abroken"
			}
			if insideFine(lower, at, len(tm.word)) || negated(lower, at, len(tm.word)) || at < lastFine {
				continue
			}
			if foundAt < 0 || at < foundAt {
				found, foundAt = Signal{Kind: SignalDamage, Phrase: tm.word, Lang: tm.lang}, at
			}
			break
		}
	}
	return found, foundAt >= 0
}

// insideFine reports whether the match at [at, at+n) is part of a "no
// problem" phrase (完好无损 holds 损, "sans dommage" holds "dommage").
func insideFine(lower string, at, n int) bool {
	for _, f := range fineAll {
		for from := 0; ; {
			i := strings.Index(lower[from:], f)
			if i < 0 {
				break
			}
			s := from + i
			if s <= at && at+n <= s+len(f) {
				return true
			}
			from = s + len(f)
		}
	}
	return false
}

// negated reports whether the damage word at [at, at+n) is denied: by a
// negator among the three words before it in its clause, by a Chinese
// negator right before it, or by a Japanese negating ending right after.
func negated(lower string, at, n int) bool {
	clause := lower[clauseStart(lower, at):at]
	after := lower[at+n:]
	for _, end := range negAfterAll {
		// The ending may follow the stem's rest: 壊れ|ていません, 割れて|いません.
		if j := strings.Index(after, end); j >= 0 && utf8.RuneCountInString(after[:j]) <= 2 {
			return true
		}
	}
	// Chinese: 没有损坏, 没坏, 不破 — the negator within two characters before.
	tail := []rune(clause)
	if len(tail) > 3 {
		tail = tail[len(tail)-3:]
	}
	for _, neg := range []string{"没有", "没", "不", "未", "无"} {
		if strings.Contains(string(tail), neg) {
			return true
		}
	}
	words := strings.FieldsFunc(clause, func(r rune) bool { return !isWordRune(r) && r != '\'' && r != '’' })
	if len(words) > 3 {
		words = words[len(words)-3:]
	}
	for _, w := range words {
		w = strings.ReplaceAll(w, "’", "'")
		if negatorSet[w] || strings.HasSuffix(w, "n't") {
			return true
		}
		// French "n'est", "n'était": the ne of ne ... pas.
		if strings.HasPrefix(w, "n'") && len(w) > 2 {
			return true
		}
	}
	return false
}

// clauseStart is where the clause holding byte offset at begins: after the
// last sentence mark, comma or contrast word ("but", "aber", "mais", ...).
func clauseStart(lower string, at int) int {
	start := 0
	for i, r := range lower[:at] {
		if strings.ContainsRune(".!?;:,。！？、，；\n", r) {
			start = i + utf8.RuneLen(r)
		}
	}
	for _, but := range []string{" but ", " aber ", " mais ", " pero ", " ma ", " mas ", " maar ", " ale ", "但", "が、"} {
		if i := strings.LastIndex(lower[:at], but); i >= 0 && i+len(but) > start {
			start = i + len(but)
		}
	}
	return start
}

// lastWordIndex is the offset of the last occurrence of phrase in lower
// that starts a word (for phrases of spaced scripts), or -1.
func lastWordIndex(lower, phrase string) int {
	for end := len(lower); ; {
		i := strings.LastIndex(lower[:end], phrase)
		if i < 0 {
			return -1
		}
		if !spaced(phrase) || i == 0 || !isWordRune(lastRune(lower[:i])) {
			return i
		}
		end = i
	}
}

func spaced(w string) bool {
	for _, r := range w {
		if unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) {
			return false
		}
	}
	return true
}

func lastRune(s string) rune {
	r, _ := utf8.DecodeLastRuneInString(s)
	return r
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// TrackingRef is a tracking number found in a text, with its courier.
type TrackingRef struct {
	Number      string `json:"number"`
	Courier     string `json:"courier"`
	CourierName string `json:"courier_name"`
}

// OrderRef is a marketplace order number found in a text.
type OrderRef struct {
	Number      string `json:"number"`
	Marketplace string `json:"marketplace"`
}

// orderFormats are the shapes of the marketplaces' order numbers: Amazon
// 3-7-7 digits (Seller Central's order ID), eBay 2-5-5 digits (eBay's order
// number since 2019), TikTok Shop 18 or 19 digits.
var orderFormats = []struct {
	marketplace string
	re          *regexp.Regexp
}{
	{"amazon", re(`(?:^|[^0-9-])([0-9]{3}-[0-9]{7}-[0-9]{7})(?:$|[^0-9-])`)},
	{"ebay", re(`(?:^|[^0-9-])([0-9]{2}-[0-9]{5}-[0-9]{5})(?:$|[^0-9-])`)},
	{"tiktok", re(`(?:^|[^0-9])(57[0-9]{16,17})(?:$|[^0-9])`)},
}

// TrackingNumbers returns the tracking numbers in text whose check digits
// pass (carriers.FindInText), each once, in text order.
func TrackingNumbers(text string) []TrackingRef {
	out := []TrackingRef{}
	for _, d := range carriers.FindInText(text) {
		m, _ := d.Best()
		out = append(out, TrackingRef{Number: d.Number, Courier: d.Courier, CourierName: m.CourierName})
	}
	return out
}

// ParcelNumbers returns the tracking numbers a buyer wrote in a thread about
// the order orderID (the marketplace's order number; "" when none): those of
// TrackingNumbers, less the thread's own order number. A TikTok Shop order
// id (18 digits from 57) can pass a FedEx check digit; written in a thread
// about that very order it names the order, never a parcel.
func ParcelNumbers(text, orderID string) []TrackingRef {
	all := TrackingNumbers(text)
	own := carriers.Normalize(orderID)
	if own == "" {
		return all
	}
	out := all[:0]
	for _, t := range all {
		if t.Number != own {
			out = append(out, t)
		}
	}
	return out
}

// OrderNumbers returns the marketplace order numbers in text, each once, in
// text order; a number that is also a valid tracking number is left out.
func OrderNumbers(text string) []OrderRef {
	tracking := map[string]bool{}
	for _, t := range TrackingNumbers(text) {
		tracking[t.Number] = true
	}
	type hit struct {
		at  int
		ref OrderRef
	}
	var hits []hit
	seen := map[string]bool{}
	for _, f := range orderFormats {
		for _, loc := range f.re.FindAllStringSubmatchIndex(text, -1) {
			n := text[loc[2]:loc[3]]
			if seen[n] || tracking[n] {
				continue
			}
			seen[n] = true
			hits = append(hits, hit{loc[2], OrderRef{Number: n, Marketplace: f.marketplace}})
		}
	}
	sort.Slice(hits, func(i, j int) bool { return hits[i].at < hits[j].at })
	out := []OrderRef{}
	for _, h := range hits {
		out = append(out, h.ref)
	}
	return out
}

// Analysis is how sellerops reads one buyer text.
type Analysis struct {
	Text       string        `json:"text"`
	Language   string        `json:"language"`
	Confidence float64       `json:"confidence"`
	Signals    []Signal      `json:"signals"`
	Tracking   []TrackingRef `json:"tracking_numbers"`
	Orders     []OrderRef    `json:"order_numbers"`
	Reason     ContactReason `json:"contact_reason"`
}

// Analyze reads text as sync and the claims do: its language, damage and
// loss signals, tracking numbers, order numbers and contact reason.
func Analyze(text string, opts DetectOptions) Analysis {
	d := Detect(text, opts)
	sig := Signals(text)
	if sig == nil {
		sig = []Signal{}
	}
	return Analysis{Text: text, Language: d.Lang, Confidence: d.Confidence, Signals: sig,
		Tracking: TrackingNumbers(text), Orders: OrderNumbers(text), Reason: ClassifyReason(text)}
}
