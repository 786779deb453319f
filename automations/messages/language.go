package messages

import (
	"slices"
	"strings"
	"unicode"

	"github.com/abadojack/whatlanggo"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

// Undetermined is the ISO 639-2 code for "language not known": the answer
// when the text is too short, too mixed, or in a language outside
// SupportedLanguages.
const Undetermined = "und"

// SupportedLanguages are the ISO 639-1 codes the detector answers with:
// the languages buyers write in on the marketplaces sellerops serves.
var SupportedLanguages = []string{"en", "de", "fr", "es", "it", "pt", "nl", "pl", "sv", "tr", "ru", "ar", "ja", "zh", "ko"}

// MinConfidence is the confidence below which Detect answers Undetermined.
// It was set on the labelled set in testdata/languages.tsv, which the
// package's tests score.
const MinConfidence = 0.3

// Detection is the language of a text and how sure the detector is of it.
type Detection struct {
	Lang       string  `json:"language"`   // ISO 639-1, or "und"
	Confidence float64 `json:"confidence"` // 0..1
}

// DetectOptions narrow a detection.
type DetectOptions struct {
	// Prior is the language the store's country or marketplace locale
	// suggests (ISO 639-1). It decides short or unclear texts written in
	// its script; a clear text in another language still wins.
	Prior string
	// Allowed, when not empty, is the store's list of expected languages:
	// only those (and Undetermined) are answered.
	Allowed []string
}

// DetectLanguage returns the ISO 639-1 code of the language text is written
// in, detected offline, or "" when Detect cannot tell (Undetermined). opts,
// when given, is a store's prior and allow-list.
func DetectLanguage(text string, opts ...DetectOptions) string {
	var o DetectOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	d := Detect(text, o)
	if d.Lang == Undetermined {
		return ""
	}
	return d.Lang
}

// Detect returns the language of text with a confidence. The script decides
// first (kana: Japanese; Hangul: Korean; Han alone: Chinese; Cyrillic and
// Arabic with the letters of their other languages ruled out); Latin-script
// text is scored by the function words and letters of each language in
// latinProfiles, with whatlanggo's trigram guess as one more vote. A winner
// outside SupportedLanguages (or opts.Allowed), or below MinConfidence, is
// Undetermined.
func Detect(text string, opts DetectOptions) Detection {
	d := detect(text, opts)
	if d.Confidence < MinConfidence || !slices.Contains(SupportedLanguages, d.Lang) ||
		(len(opts.Allowed) > 0 && !slices.Contains(opts.Allowed, d.Lang)) {
		return Detection{Lang: Undetermined, Confidence: d.Confidence}
	}
	return d
}

// scriptCounts counts the letters of text per script.
type scriptCounts struct {
	latin, kana, hangul, han, cyrillic, arabic, other, total int
}

func countScripts(text string) scriptCounts {
	var c scriptCounts
	for _, r := range text {
		if !unicode.IsLetter(r) {
			continue
		}
		c.total++
		switch {
		case unicode.Is(unicode.Latin, r):
			c.latin++
		case unicode.In(r, unicode.Hiragana, unicode.Katakana) || r == 'ー':
			c.kana++
		case unicode.Is(unicode.Hangul, r):
			c.hangul++
		case unicode.Is(unicode.Han, r):
			c.han++
		case unicode.Is(unicode.Cyrillic, r):
			c.cyrillic++
		case unicode.Is(unicode.Arabic, r):
			c.arabic++
		default:
			c.other++
		}
	}
	return c
}

func detect(text string, opts DetectOptions) Detection {
	c := countScripts(text)
	if c.total < 2 {
		return Detection{Lang: Undetermined}
	}
	share := func(n int) float64 { return float64(n) / float64(c.total) }
	cjk := c.kana + c.han
	switch {
	case c.hangul > 0 && c.hangul >= cjk && c.hangul*2 >= c.total:
		return Detection{Lang: "ko", Confidence: share(c.hangul)}
	case cjk*2 >= c.total:
		// Japanese text almost always carries kana; Chinese has none.
		// Han alone is Chinese unless the store says Japanese.
		conf := share(cjk)
		if c.kana > 0 {
			return Detection{Lang: "ja", Confidence: conf}
		}
		if opts.Prior == "ja" {
			return Detection{Lang: "ja", Confidence: conf * 0.75}
		}
		if c.han < 4 { // too few characters to tell zh from ja
			conf *= 0.5
		}
		return Detection{Lang: "zh", Confidence: conf}
	case c.cyrillic*2 >= c.total:
		// Letters of Ukrainian, Belarusian, Serbian and Macedonian that
		// Russian does not use.
		if strings.ContainsAny(strings.ToLower(text), "іїєґўђјљњћџѓќѕ") {
			return Detection{Lang: Undetermined, Confidence: share(c.cyrillic)}
		}
		return Detection{Lang: "ru", Confidence: share(c.cyrillic)}
	case c.arabic*2 >= c.total:
		// Letters of Persian and Urdu that Arabic does not use.
		if strings.ContainsAny(text, "پچژگکیٹڈڑںے") {
			return Detection{Lang: Undetermined, Confidence: share(c.arabic)}
		}
		return Detection{Lang: "ar", Confidence: share(c.arabic)}
	case c.latin*2 >= c.total:
		d := detectLatin(text, opts)
		d.Confidence *= share(c.latin)
		return d
	}
	return Detection{Lang: Undetermined}
}

// detectLatin scores Latin-script text against every profile.
func detectLatin(text string, opts DetectOptions) Detection {
	lower := strings.ToLower(text)
	words := strings.FieldsFunc(lower, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' })
	scores := map[string]float64{}
	for lang, p := range latinProfiles {
		var s float64
		for _, w := range words {
			w = strings.Trim(w, "'’")
			if p.words[w] {
				s++
			}
			// French and Italian elisions: l'adresse, dell'ordine.
			if i := strings.IndexAny(w, "'’"); i > 0 && p.words[w[:i+1]] {
				s++
			}
		}
		for _, r := range lower {
			if strings.ContainsRune(p.letters, r) {
				s += 0.5
			}
		}
		scores[lang] = s
	}
	// whatlanggo's trigram profiles, over the same languages, add a vote.
	if info := whatlanggo.DetectWithOptions(text, latinWhitelist); info.Lang >= 0 {
		if code := info.Lang.Iso6391(); latinProfiles[code] != nil {
			scores[code] += 1.5
		}
	}
	if opts.Prior != "" && latinProfiles[opts.Prior] != nil && len(words) <= 4 {
		scores[opts.Prior] += 1.5
	}
	best, second := "", ""
	for lang, s := range scores {
		if len(opts.Allowed) > 0 && !slices.Contains(opts.Allowed, lang) && slices.Contains(SupportedLanguages, lang) {
			continue
		}
		switch {
		case best == "" || s > scores[best] || (s == scores[best] && lang < best):
			best, second = lang, best
		case second == "" || s > scores[second] || (s == scores[second] && lang < second):
			second = lang
		}
	}
	if best == "" || scores[best] < 1.5 {
		return Detection{Lang: Undetermined}
	}
	// The confidence grows with the winner's lead: a lead of one function
	// word is 0.5, of three 0.75.
	lead := scores[best] - scores[second]
	return Detection{Lang: best, Confidence: lead / (lead + 1)}
}

// latinProfile is what marks one Latin-script language: its commonest
// function words (articles, pronouns, prepositions, auxiliaries, and the
// words buyers use most: thanks, please, order) and the letters that it
// uses and its neighbours do not.
type latinProfile struct {
	words   map[string]bool
	letters string
}

func profile(letters, words string) *latinProfile {
	p := &latinProfile{words: map[string]bool{}, letters: letters}
	for _, w := range strings.Fields(words) {
		p.words[w] = true
	}
	return p
}

// latinProfiles holds the supported Latin-script languages and, so that
// their text is answered Undetermined instead of a neighbour's code, the
// Latin-script languages buyers most often write in that sellerops does
// not support.
var latinProfiles = map[string]*latinProfile{
	"en": profile("", "the a an and or but is are was were be been has have had do does did not no my your our it its this that these those there here to of in on at for with from by about into after before as if so can could would should will please thanks thank you i me we they he she hi hello still yet what when where why how which any some one all never nothing order parcel package item instead back"),
	"de": profile("äöüß", "der die das den dem des ein eine einen einem einer und oder aber ist sind war waren sein hat haben hatte ich mich mir mein meine meinen meiner sie ihr ihnen wir uns es nicht kein keine noch schon auch nur mit von zu zum zur bei nach aus für auf im in an um wie wo wann was warum bitte danke vielen hallo sehr gut leider soll sollte kann können könnten möchte wurde wird bestellung paket sendung"),
	"fr": profile("çœèêëàâîïùû", "le la les l' un une des du de d' et ou mais est sont était été a ai avez avons ont je j' me m' mon ma mes vous votre vos nous notre il elle ils ce c' cette ces qui que qu' quoi ne n' pas plus rien toujours encore déjà avec pour par sur dans chez en au aux où quand comment pourquoi merci bonjour s'il svp beaucoup très peut pouvez pourriez voudrais dois colis commande"),
	"es": profile("ñ¿¡", "el la los las un una unos unas y o pero es son era fue ha he han hay estoy está están mi mis su sus tu nosotros yo me te se le lo no ni más todavía ya aún con para por sin sobre en del al de que qué cuándo dónde cómo por qué gracias hola favor muchas muy puedo puede podría quiero pedido paquete llegó"),
	"it": profile("ìò", "è il lo la i gli le un uno una e o ma è sono era stato stata ho hai ha abbiamo avete hanno mi ti ci vi si mio mia miei mie suo sua non più ancora già con per tra fra su in del dello della dei degli delle al allo alla ai agli alle dal dalla di da che chi cosa quando dove come perché grazie buongiorno ciao favore molto posso potete potreste vorrei ordine pacco arrivato l' dell' all' c'è"),
	"pt": profile("ãõ", "é o a os as um uma uns umas e ou mas é são era foi tem têm tenho há estou está estão meu minha meus minhas seu sua você vocês nós eu me se lhe não nem mais ainda já com para por sem sobre em no na nos nas do da dos das de que quando onde como porque obrigado obrigada olá favor muito posso pode podem quero encomenda pedido chegou"),
	"nl": profile("ĳ", "de het een en of maar is zijn was waren ben bent heb hebt heeft hebben had ik mij me mijn jij je jullie u uw wij we ons onze hij zij ze het dit dat deze die er hier niet geen nog al ook alleen met van voor naar op in aan bij uit om over wat wanneer waar waarom hoe dank bedankt alstublieft graag hallo goed kan kunt kunnen wil moet zou wordt bestelling pakket pakje"),
	"pl": profile("ąćęłńśźż", "i a w we z ze na do od o u za po przez dla jest są był była było byli mam ma mają jestem nie tak już jeszcze tylko też że czy co kiedy gdzie jak dlaczego mój moja moje mojego mojej mi mnie się pan pani państwo dziękuję proszę dzień dobry bardzo może mogę można zamówienie paczka przesyłka"),
	"sv": profile("åäö", "efter två en ett den det de och eller men är var varit har hade jag mig min mitt mina du dig din ditt ni er ert vi oss vår han hon inte ingen inget ännu redan också bara med av till från på i om för hos vad när var varför hur tack hej snälla bra kan kunde vill ska skulle blev beställning paket leverans"),
	"tr": profile("ğışıİ", "bir ve veya ama fakat bu şu o da de ile için gibi daha çok hiç hâlâ hala henüz mi mı mu mü ne neden nasıl nerede zaman ben sen biz siz benim sizin bana size var yok değil evet hayır lütfen teşekkürler teşekkür merhaba ederim sipariş kargo paket ürün"),
	// Not supported: answered Undetermined when they win.
	"da": profile("æø", "og ikke jeg mig hvad hvornår hvor hvorfor hvordan venligst tak af fra været havde endnu også stadig kommet pakke pakken sporingen bestilling jer vores ingen intet"),
	"no": profile("æø", "og ikke jeg meg hva når hvor hvorfor hvordan vennligst takk av fra vært hadde ennå også fortsatt kommet pakke pakken sporingen bestilling dere vår ingen"),
	"fi": profile("", "ja tai mutta on ovat oli olen olet ei en et emme minä sinä hän me te he minun sinun meidän se tämä tuo mitä milloin missä miksi miten kiitos hei vielä jo myös vain kanssa paketti pakettini tilaus tilaukseni vieläkään saapunut perille"),
	"cs": profile("ěřůčšžý", "a i v ve z ze na do od o u za po pro je jsou byl byla bylo mám má mají jsem nie ne ano už ještě jen také že co kdy kde jak proč můj moje mi mně se děkuji prosím dobrý den velmi může můžu objednávka balík stále nedorazil"),
	"hu": profile("őű", "a az egy és vagy de van volt nem is már még csak hogy mi mit mikor hol hogyan miért én te ő mi ti ők az enyém köszönöm kérem jó napot nagyon rendelés csomag csomagom megérkezett"),
	"ro": profile("ășț", "și sau dar este sunt era am ai au eu tu el ea noi voi ei meu mea mei mele nu mai încă deja cu pentru pe în la de din că ce când unde cum mulțumesc bună ziua vă rog foarte comanda coletul ajuns"),
	"id": profile("", "dan atau tetapi tapi adalah ini itu saya aku kamu anda kami kita mereka dia tidak belum sudah juga hanya dengan untuk dari ke di pada yang apa kapan mana bagaimana mengapa terima kasih tolong halo sangat bisa mau paket pesanan sampai padahal seminggu batalkan salah beli"),
	"vi": profile("ăđơư", "và hoặc nhưng là của tôi bạn chúng anh chị em không chưa đã cũng chỉ với cho từ đến ở trong cái gì khi nào đâu sao cảm ơn xin chào vui lòng rất có thể muốn gói hàng đơn được giao trả lại này vì nó quá"),
}

// latinWhitelist limits whatlanggo to the languages of latinProfiles.
var latinWhitelist = func() whatlanggo.Options {
	o := whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{}}
	for code := range latinProfiles {
		for l := range whatlanggo.Langs {
			if l.Iso6391() == code {
				o.Whitelist[l] = true
			}
		}
	}
	return o
}()

// StoreDetectOptions are the detection options for a store's buyers: the
// language its site's locale suggests as the prior, and the config's
// expected languages for it (stores[].languages) as the allow-list. A store
// that expects one language only has it as the prior when its site
// suggests none.
func StoreDetectOptions(cfg *config.Config, st localdb.Store) DetectOptions {
	o := DetectOptions{Prior: LocalePrior(st.BaseURL), Allowed: cfg.StoreLanguages(st.Name)}
	if o.Prior == "" && len(o.Allowed) == 1 {
		o.Prior = o.Allowed[0]
	}
	return o
}

// LocalePrior returns the language that a marketplace site's address
// suggests, from its country-code top-level domain (IANA root zone; the
// country's main language for buyers), or "" for generic domains such as
// .com, loopback addresses and anything it cannot read. amazon.co.jp gives
// "ja", www.ebay.de "de".
func LocalePrior(siteURL string) string {
	host := siteURL
	if i := strings.Index(host, "://"); i >= 0 {
		host = host[i+3:]
	}
	if i := strings.IndexAny(host, "/:?#"); i >= 0 {
		host = host[:i]
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	i := strings.LastIndexByte(host, '.')
	if i < 0 {
		return ""
	}
	return tldLanguage[host[i+1:]]
}

// tldLanguage maps country-code top-level domains of marketplace sites to
// the language most of their buyers write in.
var tldLanguage = map[string]string{
	"uk": "en", "us": "en", "au": "en", "ca": "en", "ie": "en", "nz": "en", "in": "en",
	"de": "de", "at": "de", "ch": "de",
	"fr": "fr", "be": "fr",
	"es": "es", "mx": "es", "cl": "es", "co": "es", "pe": "es",
	"it": "it",
	"pt": "pt", "br": "pt",
	"nl": "nl",
	"pl": "pl",
	"se": "sv",
	"tr": "tr",
	"ru": "ru",
	"sa": "ar", "ae": "ar", "eg": "ar",
	"jp": "ja",
	"cn": "zh", "tw": "zh", "hk": "zh",
	"kr": "ko",
}

// CountryLanguage returns the language most buyers in a country write in,
// from its ISO 3166-1 alpha-2 code (the same table as LocalePrior: country
// code top-level domains follow ISO 3166-1, except the United Kingdom's
// .uk for GB), or "" when the country is unknown.
func CountryLanguage(country string) string {
	c := strings.ToLower(strings.TrimSpace(country))
	if c == "gb" {
		c = "uk"
	}
	return tldLanguage[c]
}
