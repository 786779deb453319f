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
const ReasonRule = 2

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
		ReasonDamaged:      {"defective", "faulty", "doesn't work", "does not work", "not working", "stopped working", "won't switch on", "won't turn on", "dead on arrival", "missing part", "missing piece", "parts missing", "pieces missing", "malfunction", "won't work", "isn't working", "doesn't turn on", "defect"},
		ReasonReturn:       {"return", "refund", "send it back", "send this back", "money back", "exchange", "reimburs", "my money", "swap it", "return policy"},
		ReasonCancel:       {"cancel", "change the", "change my order", "change it to", "modify", "quantity", "ordered by mistake", "different size", "different colo", "instead of", "upgrade the shipping", "switch my order"},
		ReasonAddress:      {"address", "house number", "postcode", "zip code", "ship to", "i have moved", "i've moved", "apartment number", "flat number", "apt number", "deliver it to", "deliver to my", "relocat", "wrong street"},
		ReasonWhereIsOrder: {"where is my", "where's my", "tracking", "not arrived", "hasn't arrived", "when will my order", "when will it arrive", "be shipped", "been shipped", "dispatched", "still waiting for", "status of my order", "shipping status", "any update on my", "eta$", "when can i expect", "says delivered", "marked as delivered", "shipped yet", "when will you ship", "delivery date", "delayed", "late$"},
		ReasonInvoice:      {"invoice", "receipt", "vat$", "tax number", "paperwork", "proof of purchase", "customs form", "tax invoice", "gst", "warranty card", "bill$", "billing document"},
		ReasonFeedback:     {"worst", "disappoint", "unacceptable", "rude", "terrible", "awful", "complain", "nobody answer", "no one answer", "great product", "stars$", "excellent", "love it", "very happy", "thank you for the fast", "thanks for the fast", "thanks for the quick", "thank you for the quick", "great seller", "amazing", "bad review", "negative feedback", "poor service", "horrible", "ridiculous", "never again", "never buy"},
		ReasonProduct:      {"waterproof", "dimension", "size", "measure", "fit$", "fits$", "compatible", "material", "made of", "how big", "weight", "does this", "does it", "how do i use", "how to use", "can i use", "wash", "battery", "batteries", "charger", "instructions", "manual"},
	},
	"de": {
		ReasonDamaged:      {"defekt", "funktioniert nicht", "lässt sich nicht einschalten", "geht nicht mehr", "funktioniert der", "funktioniert die", "funktioniert das", "fehlt ein teil", "teile fehlen", "läuft aus", "undicht", "geht nicht an", "mangelhaft"},
		ReasonReturn:       {"zurücksend", "zurückschick", "zurückgeb", "rücksend", "retour", "erstatt", "geld zurück", "umtausch", "rückgabe", "gutschrift", "zurückzahl"},
		ReasonCancel:       {"storn", "widerruf", "ändern", "umändern", "abbestell", "menge", "andere größe", "andere farbe", "versehentlich", "aus versehen"},
		ReasonAddress:      {"adresse", "anschrift", "lieferadresse", "hausnummer", "postleitzahl", "umgezogen", "wohnungsnummer", "neue wohnung", "zustelladresse"},
		ReasonWhereIsOrder: {"wo bleibt", "wo ist mein", "sendungsverfolgung", "tracking", "nicht angekommen", "noch nicht da", "wann kommt", "wann wird", "versendet", "lieferstatus", "sendungsnummer", "trackingnummer", "wann kann ich", "verspät", "lieferzeit", "wann erhalte"},
		ReasonInvoice:      {"rechnung", "handelsrechnung", "quittung", "beleg", "mehrwertsteuer", "mwst", "ust-id", "zolldokument", "steuernummer", "ust$"},
		ReasonFeedback:     {"enttäusch", "frechheit", "sterne$", "toll", "beschwer", "unfreundlich", "unverschämt", "zufrieden", "katastrophe", "schlechte bewertung", "negative bewertung", "super service", "vielen dank für die schnelle", "hervorragend", "klasse$", "nie wieder", "schlecht"},
		ReasonProduct:      {"wasserdicht", "maße", "passt", "material", "größe", "kompatibel", "aus welchem", "wie groß", "gewicht", "wie benutz", "bedienungsanleitung", "waschbar", "waschen", "batterie", "akku", "geeignet für"},
	},
	"fr": {
		ReasonDamaged:      {"défectueu", "ne fonctionne pas", "ne marche pas", "en panne", "pièce manquante", "il manque une pièce", "il manque un élément", "fuit", "fuite", "ne s'allume pas", "défaut"},
		ReasonReturn:       {"retour", "rembours", "renvoy", "renvoi", "échang", "rétract"},
		ReasonCancel:       {"annul", "modifier", "changer", "par erreur", "autre taille", "autre couleur", "quantité"},
		ReasonAddress:      {"adresse", "déménag", "numéro de rue", "code postal", "appartement", "livrer chez"},
		ReasonWhereIsOrder: {"où est", "où en est", "suivi", "expédié", "pas encore arriv", "toujours pas", "quand vais-je recevoir", "toujours rien", "numéro de suivi", "date de livraison", "retard", "quand sera", "quand arrive"},
		ReasonInvoice:      {"facture", "tva$", "justificatif", "douane", "reçu$"},
		ReasonFeedback:     {"déçu", "inadmissible", "inacceptable", "étoiles", "plaindre", "plainte", "super$", "honte", "personne ne répond", "merci pour la rapidité", "parfait$", "excellent", "nul$", "arnaque", "mauvais avis", "plus jamais", "bravo"},
		ReasonProduct:      {"imperméable", "dimension", "compatible", "matière", "taille", "mesure", "poids", "comment utiliser", "comment ça marche", "lavable", "laver", "piles$", "batterie", "convient"},
	},
	"es": {
		ReasonDamaged:      {"defectuos", "no funciona", "dejó de funcionar", "no enciende", "averiad", "falta una pieza", "faltan piezas", "gotea", "fuga", "defecto", "no prende"},
		ReasonReturn:       {"devolver", "devolv", "devuelv", "devoluci", "reembols", "mi dinero"},
		ReasonCancel:       {"cancel", "anular", "cambiar", "modificar", "me equivoqué", "otra talla", "otro color", "cantidad", "por error"},
		ReasonAddress:      {"dirección", "direccion", "mudado", "código postal", "domicilio"},
		ReasonWhereIsOrder: {"dónde está", "donde esta", "no ha llegado", "no he recibido", "seguimiento", "cuándo llega", "enviarán", "todavía no", "cuándo llegará", "cuando llega", "cuando llegara", "número de seguimiento", "rastreo", "retraso"},
		ReasonInvoice:      {"factura", "nif$", "cif$", "iva$", "aduana", "recibo", "comprobante", "rfc$"},
		ReasonFeedback:     {"decepcion", "vergüenza", "queja", "estrellas", "excelente", "nadie contesta", "nadie responde", "horrible", "pésim", "gracias por la rapidez", "muy buen", "genial", "estafa", "mala reseña", "nunca más", "recomiendo"},
		ReasonProduct:      {"impermeable", "medidas", "compatible", "material", "talla", "tamaño", "cómo se usa", "como se usa", "se puede lavar", "lavar", "pilas$", "batería", "sirve para"},
	},
	"it": {
		ReasonDamaged:      {"difettos", "non funziona", "smesso di funzionare", "non si accende", "guast", "manca un pezzo", "mancano", "perde$", "perdita", "difetto"},
		ReasonReturn:       {"restitu", "rimbors", "reso$", "rendere", "recesso", "sostitu"},
		ReasonCancel:       {"annull", "cambiare", "modificare", "ho sbagliato", "altra taglia", "altro colore", "quantità", "per errore"},
		ReasonAddress:      {"indirizzo", "numero civico", "trasferit", "citofono", "codice postale"},
		ReasonWhereIsOrder: {"dov'è", "dov’è", "dove è", "tracciamento", "tracking", "quando arriva", "spedito", "non è ancora", "quando arriverà", "numero di tracking", "ritardo", "stato dell'ordine"},
		ReasonInvoice:      {"fattura", "ricevuta", "partita iva", "iva$", "dogana", "scontrino", "codice fiscale"},
		ReasonFeedback:     {"delus", "vergogna", "reclamo", "stelle$", "fantastic", "nessuno risponde", "pessim", "ottimo", "grazie per la velocità", "bravissim", "complimenti", "truffa", "recensione negativa", "mai più"},
		ReasonProduct:      {"impermeabile", "dimensioni", "compatibile", "materiale", "taglia", "misure", "come si usa", "lavabile", "lavare", "batteri", "pile$", "adatto"},
	},
	"pt": {
		ReasonDamaged:      {"defeituos", "com defeito", "não funciona", "nao funciona", "parou de funcionar", "não liga", "nao liga", "avariad", "falta uma peça", "faltando peça", "faltam peças", "faltou peça", "vazando", "vazou", "vaza$"},
		ReasonReturn:       {"devolver", "devoluç", "devolu", "reembols", "estorno", "dinheiro de volta", "troca$", "trocar por", "trocar o", "trocar a", "de volta", "meu dinheiro"},
		ReasonCancel:       {"cancel", "alterar", "mudar o tamanho", "mudar a cor", "quantidade", "por engano", "modificar", "outro tamanho", "outra cor", "mudar o", "mudar a", "mudar para"},
		ReasonAddress:      {"endereço", "endereco", "morada", "cep$", "código postal", "número da casa", "mudei de casa", "mudei-me", "apartamento", "entregar no meu", "entregar na minha", "mandar para o meu", "ponto de retirada"},
		ReasonWhereIsOrder: {"onde está", "onde esta", "rastreio", "rastreamento", "código de rastreio", "quando chega", "quando vai chegar", "foi enviad", "prazo de entrega", "atrasad", "será entregue", "previsão de entrega"},
		ReasonInvoice:      {"nota fiscal", "fatura", "factura", "recibo", "nif$", "cpf$", "cnpj", "comprovante", "iva$", "alfândega"},
		ReasonFeedback:     {"péssim", "horrível", "decepcion", "reclamação", "vergonha", "ninguém responde", "excelente", "adorei", "recomendo", "estrelas", "satisfeit", "parabéns", "nunca mais", "obrigado pela", "obrigada pela", "avaliação negativa", "reclame aqui", "reclamar"},
		ReasonProduct:      {"tamanho", "medidas", "dimens", "material", "compatível", "compativel", "serve para", "serve no", "impermeável", "quanto pesa", "como usar", "como se usa", "lavar", "bateria", "pilhas", "algodão", "poliéster", "tecido"},
	},
	"nl": {
		ReasonDamaged:      {"defect", "werkt niet", "doet het niet", "gaat niet aan", "lekt", "lekkend", "onderdeel ontbreekt", "onderdelen ontbreken", "ermee gestopt", "onderdelen ontbreken", "ontbreken onderdelen"},
		ReasonReturn:       {"retour", "terugsturen", "terug sturen", "terugbetal", "geld terug", "ruilen", "omruilen", "restitutie", "terugstort"},
		ReasonCancel:       {"annuleer", "annuler", "wijzigen", "veranderen", "aanpassen", "aantal", "per ongeluk", "andere maat", "andere kleur", "in plaats van", "overstappen"},
		ReasonAddress:      {"adres", "huisnummer", "postcode", "verhuisd", "bezorgadres", "afleveradres", "werkadres", "afhaalpunt", "ophaalpunt", "pakketpunt"},
		ReasonWhereIsOrder: {"waar blijft", "waar is mijn", "track", "trace", "volgnummer", "nog niet binnen", "nog steeds niet", "wanneer komt", "wanneer wordt", "wanneer kan ik", "verzonden"},
		ReasonInvoice:      {"factuur", "kassabon", "bonnetje", "btw", "douane", "aankoopbewijs"},
		ReasonFeedback:     {"teleurgesteld", "slecht", "klacht", "schandalig", "niemand reageert", "sterren", "tevreden", "geweldig", "bedankt voor de snelle", "aanrader", "nooit meer", "top$", "review", "vriendelijk", "snel geleverd"},
		ReasonProduct:      {"maat", "afmeting", "formaat", "materiaal", "geschikt voor", "compatibel", "waterdicht", "gewicht", "hoe groot", "past dit", "wasbaar", "wassen", "batterij", "wasmachine", "handleiding", "hoe werkt", "hoe stel", "instellen"},
	},
	"pl": {
		ReasonDamaged:      {"wadliw", "nie działa", "przestał działać", "przestała działać", "przestało działać", "nie włącza", "usterk", "brakuje części", "brak części", "cieknie", "przecieka", "przestały działać", "przeciekł"},
		ReasonReturn:       {"zwrot", "zwróci", "odesłać", "odeślę", "zwracam", "wymian", "wymienić", "pieniądze z powrotem", "oddać pieniądze", "odesłał", "kasy"},
		ReasonCancel:       {"anul", "zmienić", "zmiana zamówienia", "ilość", "przez pomyłkę", "rezygn", "inny rozmiar", "inny kolor", "pomyłkowo", "skasow"},
		ReasonAddress:      {"adres", "numer domu", "numer mieszkania", "kod pocztowy", "przeprowadz", "paczkomat", "punkt odbioru"},
		ReasonWhereIsOrder: {"gdzie jest", "gdzie moja", "gdzie moje", "śledzen", "numer przesyłki", "kiedy dotrze", "kiedy przyjdzie", "kiedy wyśl", "wysłan", "nadal nie", "status przesyłki"},
		ReasonInvoice:      {"faktur", "paragon", "nip$", "vat$", "dowód zakupu", "celn", "dowodu zakupu", "karta gwarancyjna", "karty gwarancyjnej"},
		ReasonFeedback:     {"rozczarow", "skarg", "skandal", "nikt nie odpowiada", "gwiazdk", "polecam", "świetn", "najgorsz", "fataln", "zadowolon", "dziękuję za szybk", "nigdy więcej", "negatywn", "miła obsługa", "obsług", "wrócę"},
		ReasonProduct:      {"rozmiar", "wymiar", "materiał", "pasuje", "kompatybiln", "wodoodporn", "waga", "ile waży", "jak używać", "prać", "bateri", "podłącz", "jak się używa", "instrukcj"},
	},
	"ja": {
		ReasonDamaged:      {"初期不良", "不良品", "動かな", "故障", "電源が入りません", "作動しません", "不具合", "使えません", "動作しません", "点きません", "部品が足りな", "足りません", "入っていません", "漏れ"},
		ReasonReturn:       {"返品", "返金", "返送", "交換", "払い戻し", "送り返"},
		ReasonCancel:       {"キャンセル", "変更", "取り消", "取消", "間違えて注文", "色違い"},
		ReasonAddress:      {"住所", "お届け先", "配送先", "引っ越", "郵便番号", "番地", "部屋番号", "転居"},
		ReasonWhereIsOrder: {"いつ届", "追跡", "配送状況", "発送され", "いつ発送", "まだ届", "到着", "いつ頃", "出荷", "発送予定"},
		ReasonInvoice:      {"領収書", "請求書", "インボイス", "税関", "書類", "明細書", "納品書", "保証書"},
		ReasonFeedback:     {"がっかり", "不満", "クレーム", "素晴らしい", "最悪", "残念", "迅速な対応", "対応が悪", "二度と", "評価", "満足", "ありがとうございました"},
		ReasonProduct:      {"防水", "サイズ", "対応して", "素材", "寸法", "重さ", "材質", "使い方", "洗濯", "電池", "互換", "何センチ"},
	},
	"zh": {
		ReasonDamaged:      {"质量问题", "不能用", "用不了", "不工作", "故障", "失灵", "开不了机", "打不开", "没反应", "漏", "缺少零件", "缺件", "少了"},
		ReasonReturn:       {"退货", "退款", "退钱", "换货", "退回", "寄回", "退换", "换一个", "换个"},
		ReasonCancel:       {"取消", "修改订单", "改成", "数量", "拍错", "下错单", "变更", "换成"},
		ReasonAddress:      {"地址", "门牌号", "邮编", "搬家", "驿站", "快递柜", "寄到我", "送到我", "改地址"},
		ReasonWhereIsOrder: {"什么时候到", "什么时候发货", "单号", "发货了吗", "到哪了", "到哪里了", "追踪", "几天能到", "还没发货", "物流信息", "物流状态", "查物流", "物流显示", "物流没有更新", "物流一直"},
		ReasonInvoice:      {"发票", "收据", "税号", "报关", "凭证"},
		ReasonFeedback:     {"差评", "投诉", "太差", "失望", "好评", "满意", "服务态度", "没人回复", "五星", "非常好", "垃圾", "服务", "下次还", "包装很好", "包装很仔细"},
		ReasonProduct:      {"尺寸", "尺码", "大小", "材质", "材料", "防水", "重量", "适用于", "兼容", "怎么用", "电池", "纯棉", "棉的", "机洗", "手洗", "怎么连", "说明书", "什么材"},
	},
}

// trackingTerms name the tracking number or its page. A defect phrase in
// a message that names one is about the tracking ("the tracking number
// does not work"), not the goods, so it does not make the message a
// defect; damage words still do.
var trackingTerms = []string{"tracking", "track", "sendungsverfolgung", "sendungsnummer", "suivi", "seguimiento", "rastreo",
	"tracciamento", "rastreio", "rastreamento", "volgnummer", "śledzen", "numer przesyłki", "追跡", "单号", "追踪", "物流"}

func namesTracking(lower string) bool {
	for _, t := range trackingTerms {
		if hasPhrase(lower, t) {
			return true
		}
	}
	return false
}

// reasonLangs makes the search over the tables deterministic.
var reasonLangs = tableOrder

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
		if reason == ReasonDamaged && namesTracking(lower) {
			continue
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
