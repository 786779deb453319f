package messages

import (
	"strings"

	"github.com/abadojack/whatlanggo"
)

// DetectLanguage returns the ISO 639-1 code of the language text is written
// in, detected offline, or "" when the text is too short or unclear to say.
func DetectLanguage(text string) string {
	text = strings.TrimSpace(text)
	if len([]rune(text)) < 8 {
		return ""
	}
	info := whatlanggo.DetectWithOptions(text, detectOptions)
	if info.Lang < 0 || info.Confidence <= 0 {
		return ""
	}
	return info.Lang.Iso6391()
}

// detectOptions limit detection to the languages buyers on the supported
// marketplaces write in; short messages are otherwise often taken for a
// close cousin (English for Afrikaans, Spanish for Galician).
var detectOptions = whatlanggo.Options{Whitelist: map[whatlanggo.Lang]bool{
	whatlanggo.Eng: true, whatlanggo.Deu: true, whatlanggo.Fra: true, whatlanggo.Spa: true, whatlanggo.Ita: true,
	whatlanggo.Por: true, whatlanggo.Nld: true, whatlanggo.Pol: true, whatlanggo.Swe: true, whatlanggo.Dan: true,
	whatlanggo.Fin: true, whatlanggo.Ces: true, whatlanggo.Ron: true, whatlanggo.Hun: true, whatlanggo.Tur: true,
	whatlanggo.Rus: true, whatlanggo.Ukr: true, whatlanggo.Arb: true, whatlanggo.Heb: true, whatlanggo.Jpn: true,
	whatlanggo.Cmn: true, whatlanggo.Kor: true, whatlanggo.Tha: true, whatlanggo.Vie: true, whatlanggo.Ind: true,
	whatlanggo.Hin: true, whatlanggo.Ell: true,
}}
