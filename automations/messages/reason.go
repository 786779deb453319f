package messages

import (
	"strings"
)

// Contact reasons: why a buyer writes, one per buyer message, from a fixed
// list. The list follows the contact-reason groups that marketplace help
// centres sort buyer messages into (Amazon's Buyer-Seller Messaging
// categories, eBay's "contact the seller" topics): delivery, damage or
// defect, return or refund, cancel or change, address, product question,
// invoice or paperwork, feedback or complaint, and other.
const (
	ReasonWhereIsOrder = "where_is_order"
	ReasonDamaged      = "damaged_defective"
	ReasonReturn       = "return_refund"
	ReasonCancel       = "cancel_change"
	ReasonAddress      = "address"
	ReasonProduct      = "product_question"
	ReasonInvoice      = "invoice_paperwork"
	ReasonFeedback     = "feedback_complaint"
	ReasonOther        = "other"
)

// ReasonRule is the version of the reason rule (the order below and the
// tables). The database keeps, with each buyer message's reason, the
// version that gave it; raise this when the rule changes so that stored
// reasons are read again.
const ReasonRule = 1

// Reasons is the fixed list, in the order the rules try them: the reason
// that names the root cause wins over the action the buyer asks for ("it
// arrived broken, I want a refund" is damage; "cancel it, it never came" is
// where-is-my-order only when no change is asked), and a change of address
// is an address contact, not an order change. The order is part of the
// rule and is scored on testdata/reasons.tsv.
var Reasons = []string{ReasonDamaged, ReasonReturn, ReasonAddress, ReasonCancel,
	ReasonWhereIsOrder, ReasonInvoice, ReasonFeedback, ReasonProduct, ReasonOther}

// reasonTables are the phrases that name each reason, per ISO 639-1 code,
// as data. A phrase matches at the start of a word in spaced scripts
// ("rembours" finds "remboursé"); a phrase ending in "$" must also end a
// word ("iva$" is not "ivan"); in Japanese a phrase matches anywhere.
// Damage reuses ReportsDamage and where-is-my-order reuses ReportsLoss, so
// their negations ("not damaged") apply here too; the phrases below add
// defects and delivery questions that are neither damage nor loss.
var reasonTables = map[string]map[string][]string{
	"en": {
		ReasonDamaged:      {"defective", "faulty", "doesn't work", "does not work", "not working", "stopped working", "won't switch on", "won't turn on", "dead on arrival"},
		ReasonReturn:       {"return", "refund", "send it back", "send this back", "money back", "exchange"},
		ReasonCancel:       {"cancel", "change the", "change my order", "change it to", "modify", "quantity", "ordered by mistake", "different size", "different colo"},
		ReasonAddress:      {"address", "house number", "postcode", "zip code", "ship to", "i have moved", "i've moved"},
		ReasonWhereIsOrder: {"where is my", "where's my", "tracking", "not arrived", "hasn't arrived", "when will my order", "when will it arrive", "be shipped", "been shipped", "dispatched", "still waiting for"},
		ReasonInvoice:      {"invoice", "receipt", "vat$", "tax number", "paperwork", "proof of purchase", "customs form"},
		ReasonFeedback:     {"worst", "disappoint", "unacceptable", "rude", "terrible", "awful", "complain", "nobody answer", "no one answer", "great product", "stars$", "excellent", "love it", "very happy"},
		ReasonProduct:      {"waterproof", "dimension", "size", "measure", "fit$", "fits$", "compatible", "material", "made of", "how big", "weight", "does this", "does it"},
	},
	"de": {
		ReasonDamaged:      {"defekt", "funktioniert nicht", "lässt sich nicht einschalten", "geht nicht mehr", "funktioniert der", "funktioniert die", "funktioniert das"},
		ReasonReturn:       {"zurücksend", "zurückschick", "zurückgeb", "rücksend", "retour", "erstatt", "geld zurück", "umtausch"},
		ReasonCancel:       {"storn", "widerruf", "ändern", "umändern", "abbestell", "menge"},
		ReasonAddress:      {"adresse", "anschrift", "lieferadresse", "hausnummer", "postleitzahl", "umgezogen"},
		ReasonWhereIsOrder: {"wo bleibt", "wo ist mein", "sendungsverfolgung", "tracking", "nicht angekommen", "noch nicht da", "wann kommt", "wann wird", "versendet"},
		ReasonInvoice:      {"rechnung", "handelsrechnung", "quittung", "beleg", "mehrwertsteuer", "mwst", "ust-id", "zolldokument"},
		ReasonFeedback:     {"enttäusch", "frechheit", "sterne$", "toll", "beschwer", "unfreundlich", "unverschämt", "zufrieden", "katastrophe"},
		ReasonProduct:      {"wasserdicht", "maße", "passt", "material", "größe", "kompatibel", "aus welchem", "wie groß", "gewicht"},
	},
	"fr": {
		ReasonDamaged:      {"défectueu", "ne fonctionne pas", "ne marche pas", "en panne"},
		ReasonReturn:       {"retour", "rembours", "renvoy", "renvoi", "échang"},
		ReasonCancel:       {"annul", "modifier", "changer", "par erreur"},
		ReasonAddress:      {"adresse", "déménag", "numéro de rue", "code postal"},
		ReasonWhereIsOrder: {"où est", "où en est", "suivi", "expédié", "pas encore arriv", "toujours pas", "quand vais-je recevoir"},
		ReasonInvoice:      {"facture", "tva$", "justificatif", "douane"},
		ReasonFeedback:     {"déçu", "inadmissible", "inacceptable", "étoiles", "plaindre", "plainte", "super$", "honte", "personne ne répond"},
		ReasonProduct:      {"imperméable", "dimension", "compatible", "matière", "taille", "mesure", "poids"},
	},
	"es": {
		ReasonDamaged:      {"defectuos", "no funciona", "dejó de funcionar", "no enciende", "averiad"},
		ReasonReturn:       {"devolver", "devolv", "devuelv", "devoluci", "reembols"},
		ReasonCancel:       {"cancel", "anular", "cambiar", "modificar", "me equivoqué"},
		ReasonAddress:      {"dirección", "direccion", "mudado", "código postal"},
		ReasonWhereIsOrder: {"dónde está", "donde esta", "no ha llegado", "no he recibido", "seguimiento", "cuándo llega", "enviarán", "todavía no"},
		ReasonInvoice:      {"factura", "nif$", "cif$", "iva$", "aduana", "recibo"},
		ReasonFeedback:     {"decepcion", "vergüenza", "queja", "estrellas", "excelente", "nadie contesta", "nadie responde", "horrible", "pésim"},
		ReasonProduct:      {"impermeable", "medidas", "compatible", "material", "talla", "tamaño"},
	},
	"it": {
		ReasonDamaged:      {"difettos", "non funziona", "smesso di funzionare", "non si accende", "guast"},
		ReasonReturn:       {"restitu", "rimbors", "reso$", "rendere"},
		ReasonCancel:       {"annull", "cambiare", "modificare", "ho sbagliato"},
		ReasonAddress:      {"indirizzo", "numero civico", "trasferit"},
		ReasonWhereIsOrder: {"dov'è", "dov’è", "dove è", "tracciamento", "tracking", "quando arriva", "spedito", "non è ancora"},
		ReasonInvoice:      {"fattura", "ricevuta", "partita iva", "iva$", "dogana", "scontrino"},
		ReasonFeedback:     {"delus", "vergogna", "reclamo", "stelle$", "fantastic", "nessuno risponde", "pessim", "ottimo"},
		ReasonProduct:      {"impermeabile", "dimensioni", "compatibile", "materiale", "taglia", "misure"},
	},
	"ja": {
		ReasonDamaged:      {"初期不良", "不良品", "動かな", "故障", "電源が入りません", "作動しません"},
		ReasonReturn:       {"返品", "返金", "返送", "交換"},
		ReasonCancel:       {"キャンセル", "変更", "取り消", "取消"},
		ReasonAddress:      {"住所", "お届け先", "配送先", "引っ越"},
		ReasonWhereIsOrder: {"いつ届", "追跡", "配送状況", "発送され", "いつ発送", "まだ届"},
		ReasonInvoice:      {"領収書", "請求書", "インボイス", "税関", "書類", "明細書"},
		ReasonFeedback:     {"がっかり", "不満", "クレーム", "素晴らしい", "最悪", "残念"},
		ReasonProduct:      {"防水", "サイズ", "対応して", "素材", "寸法", "重さ", "材質"},
	},
}

// reasonLangs makes the search over the tables deterministic.
var reasonLangs = []string{"en", "de", "fr", "es", "it", "ja"}

// ContactReason is the reason of one buyer message, with the phrase that
// decided it and the language of its table ("" for other).
type ContactReason struct {
	Reason string `json:"reason"`
	Phrase string `json:"phrase,omitempty"`
	Lang   string `json:"language,omitempty"`
}

// ClassifyReason returns the contact reason of a buyer text: the first
// reason in Reasons whose rule matches, or other. The text is read with
// every language's table, as Signals does, because buyers mix languages.
func ClassifyReason(text string) ContactReason {
	lower := strings.ToLower(text)
	for _, reason := range Reasons {
		switch reason {
		case ReasonOther:
			return ContactReason{Reason: ReasonOther}
		case ReasonDamaged:
			if s, ok := damageSignal(text, nil); ok {
				return ContactReason{Reason: reason, Phrase: s.Phrase, Lang: s.Lang}
			}
		case ReasonWhereIsOrder:
			if p, ok := ReportsLoss(text); ok {
				return ContactReason{Reason: reason, Phrase: p, Lang: lossLang(text)}
			}
		}
		for _, lang := range reasonLangs {
			for _, p := range reasonTables[lang][reason] {
				if hasPhrase(lower, p) {
					return ContactReason{Reason: reason, Phrase: strings.TrimSuffix(p, "$"), Lang: lang}
				}
			}
		}
	}
	return ContactReason{Reason: ReasonOther}
}

// hasPhrase reports whether phrase occurs in lower at the start of a word
// (and, with a trailing "$", ending one); unspaced scripts match anywhere.
func hasPhrase(lower, phrase string) bool {
	whole := strings.HasSuffix(phrase, "$")
	phrase = strings.TrimSuffix(phrase, "$")
	if !spaced(phrase) {
		return strings.Contains(lower, phrase)
	}
	for from := 0; from < len(lower); {
		i := strings.Index(lower[from:], phrase)
		if i < 0 {
			return false
		}
		at := from + i
		from = at + len(phrase)
		if at > 0 && isWordRune(lastRune(lower[:at])) {
			continue
		}
		if whole && from < len(lower) && isWordRune(firstRune(lower[from:])) {
			continue
		}
		return true
	}
	return false
}

func firstRune(s string) rune {
	for _, r := range s {
		return r
	}
	return 0
}
