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
		ReasonDamaged:      {"defective", "faulty", "doesn't work", "does not work", "not working", "stopped working", "won't switch on", "won't turn on", "dead on arrival", "missing part", "missing piece", "parts missing", "pieces missing", "malfunction", "won't work", "isn't working", "doesn't turn on", "defect", "died", "won't even", "won't light up", "came without", "arrived without", "showed up without", "didn't include", "not included"},
		ReasonReturn:       {"return", "refund", "send it back", "send this back", "ship it back", "get reimbursed", "money back", "exchange", "my money", "swap it", "return policy"},
		ReasonCancel:       {"cancel", "change the", "change my order", "change it to", "modify", "quantity", "ordered by mistake", "different size", "different colo", "instead of", "upgrade the shipping", "switch my order", "scrap", "by accident", "upgrade to", "next-day", "add another", "add one more"},
		ReasonAddress:      {"address", "house number", "postcode", "zip code", "ship to", "i have moved", "i've moved", "apartment number", "flat number", "apt number", "deliver it to", "deliver to my", "relocat", "wrong street", "have it delivered to", "workplace", "my office", "pickup point", "pick-up point", "parcel locker", "locker"},
		ReasonWhereIsOrder: {"where is my", "where's my", "tracking", "not arrived", "hasn't arrived", "when will my order", "when will it arrive", "be shipped", "been shipped", "dispatched", "still waiting for", "status of my order", "shipping status", "any update on my", "eta$", "when can i expect", "says delivered", "marked as delivered", "shipped yet", "when will you ship", "delivery date", "delayed", "late$", "says it was delivered", "claims it was", "shows delivered", "shows as delivered", "dropped off", "nothing on my", "nothing at my door"},
		ReasonInvoice:      {"invoice", "receipt", "vat$", "tax number", "paperwork", "proof of purchase", "customs form", "tax invoice", "gst", "warranty card", "bill$", "billing document"},
		ReasonFeedback:     {"worst", "disappoint", "unacceptable", "rude", "terrible", "awful", "complain", "nobody answer", "no one answer", "great product", "stars$", "excellent", "love it", "very happy", "thank you for the fast", "thanks for the fast", "thanks for the quick", "thank you for the quick", "great seller", "amazing", "bad review", "negative feedback", "poor service", "horrible", "ridiculous", "never again", "never buy"},
		ReasonProduct:      {"waterproof", "dimension", "size", "measure", "fit$", "fits$", "compatible", "material", "made of", "how big", "weight", "does this", "does it", "how do i use", "how to use", "can i use", "wash", "battery", "batteries", "charger", "instructions", "manual", "fabric", "cotton", "tumble dry", "shrink", "assemble", "warranty last"},
	},
	"de": {
		ReasonDamaged:      {"defekt", "funktioniert nicht", "lässt sich nicht einschalten", "geht nicht mehr", "funktioniert der", "funktioniert die", "funktioniert das", "fehlt ein teil", "teile fehlen", "läuft aus", "undicht", "geht nicht an", "mangelhaft", "nicht mehr an", "schrott", "geht nicht"},
		ReasonReturn:       {"zurücksend", "zurückschick", "zurückgeb", "rücksend", "retour", "erstatt", "geld zurück", "umtausch", "rückgabe", "gutschrift", "zurückzahl"},
		ReasonCancel:       {"storn", "widerruf", "ändern", "umändern", "abbestell", "menge", "andere größe", "andere farbe", "versehentlich", "aus versehen", "dazupack", "dazulegen", "zusätzlich", "expressversand"},
		ReasonAddress:      {"adresse", "anschrift", "lieferadresse", "hausnummer", "postleitzahl", "umgezogen", "wohnungsnummer", "neue wohnung", "zustelladresse", "packstation", "abholstation", "paketshop", "statt nach hause", "arbeitsstelle", "büro"},
		ReasonWhereIsOrder: {"wo bleibt", "wo ist mein", "sendungsverfolgung", "tracking", "nicht angekommen", "noch nicht da", "wann kommt", "wann wird", "versendet", "lieferstatus", "sendungsnummer", "trackingnummer", "wann kann ich", "verspät", "lieferzeit", "wann erhalte"},
		ReasonInvoice:      {"rechnung", "handelsrechnung", "quittung", "beleg", "mehrwertsteuer", "mwst", "ust-id", "zolldokument", "steuernummer", "ust$"},
		ReasonFeedback:     {"enttäusch", "frechheit", "sterne$", "toll", "beschwer", "unfreundlich", "unverschämt", "zufrieden", "katastrophe", "schlechte bewertung", "negative bewertung", "super service", "vielen dank für die schnelle", "hervorragend", "klasse$", "nie wieder", "schlecht"},
		ReasonProduct:      {"wasserdicht", "maße", "passt", "material", "größe", "kompatibel", "aus welchem", "wie groß", "gewicht", "wie benutz", "bedienungsanleitung", "waschbar", "waschen", "batterie", "akku", "geeignet für", "stoff", "baumwolle", "spülmaschine", "aufbau", "montage", "garantie"},
	},
	"fr": {
		ReasonDamaged:      {"défectueu", "ne fonctionne pas", "ne marche pas", "en panne", "pièce manquante", "il manque une pièce", "il manque un élément", "fuit", "fuite", "ne s'allume pas", "défaut", "ne fonctionne plus", "ne marche plus", "plus aucun son", "ne s'allume plus"},
		ReasonReturn:       {"retour", "rembours", "renvoy", "renvoi", "échang", "rétract"},
		ReasonCancel:       {"annul", "modifier", "changer", "par erreur", "autre taille", "autre couleur", "quantité", "au lieu de", "rajouter", "ajouter", "passer en"},
		ReasonAddress:      {"adresse", "déménag", "numéro de rue", "code postal", "appartement", "livrer chez", "point relais", "point retrait", "consigne", "à mon travail", "au bureau"},
		ReasonWhereIsOrder: {"où est", "où en est", "suivi", "expédié", "pas encore arriv", "toujours pas", "quand vais-je recevoir", "toujours rien", "numéro de suivi", "date de livraison", "retard", "quand sera", "quand arrive", "comme livré", "indiqué livré", "rien dans ma boîte", "rien dans ma boite"},
		ReasonInvoice:      {"facture", "tva$", "justificatif", "douane"},
		ReasonFeedback:     {"déçu", "inadmissible", "inacceptable", "étoiles", "plaindre", "plainte", "super$", "honte", "personne ne répond", "merci pour la rapidité", "parfait$", "excellent", "nul$", "arnaque", "mauvais avis", "plus jamais", "bravo", "injoignable", "n'importe quoi", "super bien", "merci beaucoup pour"},
		ReasonProduct:      {"imperméable", "dimension", "compatible", "matière", "taille", "mesure", "poids", "comment utiliser", "comment ça marche", "lavable", "laver", "piles$", "batterie", "convient", "entretien", "entretient", "en machine", "nettoyage", "tissu", "coton", "montage"},
	},
	"es": {
		ReasonDamaged:      {"defectuos", "no funciona", "dejó de funcionar", "no enciende", "averiad", "falta una pieza", "faltan piezas", "gotea", "fuga", "defecto", "no prende", "pierde líquido", "manchad", "empapad", "mojad", "dejó de ir"},
		ReasonReturn:       {"devolver", "devolv", "devuelv", "devoluci", "reembols", "mi dinero"},
		ReasonCancel:       {"cancel", "anular", "cambiar", "modificar", "me equivoqué", "otra talla", "otro color", "cantidad", "por error", "añadir", "agregar", "pasar el envío", "envío urgente", "envío express"},
		ReasonAddress:      {"dirección", "direccion", "mudado", "código postal", "domicilio", "vecin", "punto de recogida", "a mi trabajo", "a la oficina", "consigna"},
		ReasonWhereIsOrder: {"dónde está", "donde esta", "no ha llegado", "no he recibido", "seguimiento", "cuándo llega", "enviarán", "cuándo llegará", "cuando llega", "cuando llegara", "número de seguimiento", "rastreo", "retraso"},
		ReasonInvoice:      {"factura", "nif$", "cif$", "iva$", "aduana", "recibo", "comprobante", "rfc$"},
		ReasonFeedback:     {"decepcion", "vergüenza", "queja", "estrellas", "excelente", "nadie contesta", "nadie responde", "horrible", "pésim", "gracias por la rapidez", "muy buen", "genial", "estafa", "mala reseña", "nunca más", "recomiendo", "todo perfecto", "rapidísimo", "rapidisimo", "mil gracias"},
		ReasonProduct:      {"impermeable", "medidas", "compatible", "material", "talla", "tamaño", "cómo se usa", "como se usa", "se puede lavar", "lavar", "pilas$", "batería", "sirve para", "armar", "montar", "taladro", "tela", "algodón", "garantía"},
	},
	"it": {
		ReasonDamaged:      {"difettos", "non funziona", "smesso di funzionare", "non si accende", "guast", "manca un pezzo", "mancano", "perde$", "perdita", "difetto", "non va", "macchiat", "bagnat"},
		ReasonReturn:       {"restitu", "rimbors", "reso$", "rendere", "recesso", "sostitu"},
		ReasonCancel:       {"annull", "cambiare", "modificare", "ho sbagliato", "altra taglia", "altro colore", "quantità", "per errore", "aggiunger", "aggiunge", "spedizione express", "spedizione espressa"},
		ReasonAddress:      {"indirizzo", "numero civico", "trasferit", "citofono", "codice postale", "in ufficio", "punto di ritiro", "fermo deposito", "locker", "vicin", "sul lavoro"},
		ReasonWhereIsOrder: {"dov'è", "dov’è", "dove è", "tracciamento", "tracking", "quando arriva", "spedito", "non è ancora", "quando arriverà", "numero di tracking", "ritardo", "stato dell'ordine"},
		ReasonInvoice:      {"fattura", "ricevuta", "partita iva", "iva$", "dogana", "scontrino", "codice fiscale"},
		ReasonFeedback:     {"delus", "vergogna", "reclamo", "stelle$", "fantastic", "nessuno risponde", "pessim", "ottimo", "grazie per la velocità", "bravissim", "complimenti", "truffa", "recensione negativa", "mai più", "tutto perfetto", "velocissim", "grazie mille"},
		ReasonProduct:      {"impermeabile", "dimensioni", "compatibile", "materiale", "taglia", "misure", "come si usa", "lavabile", "lavare", "batteri", "pile$", "adatto", "quanto è alt", "quanto è lung", "quanto è larg", "tessuto", "cotone", "montaggio", "garanzia"},
	},
	"pt": {
		ReasonDamaged:      {"defeituos", "com defeito", "não funciona", "nao funciona", "parou de funcionar", "não liga", "nao liga", "avariad", "falta uma peça", "faltando peça", "faltam peças", "faltou peça", "vazando", "vazou", "vaza$"},
		ReasonReturn:       {"devolver", "devoluç", "devolu", "reembols", "estorno", "dinheiro de volta", "troca$", "trocar por", "trocar o", "trocar a", "de volta", "meu dinheiro"},
		ReasonCancel:       {"cancel", "alterar", "mudar o tamanho", "mudar a cor", "quantidade", "por engano", "modificar", "outro tamanho", "outra cor", "mudar o", "mudar a", "mudar para", "adicionar", "acrescentar", "frete expresso"},
		ReasonAddress:      {"endereço", "endereco", "morada", "cep$", "código postal", "número da casa", "mudei de casa", "mudei-me", "apartamento", "entregar no meu", "entregar na minha", "mandar para o meu", "ponto de retirada", "cacifo", "ponto de recolha", "ponto de coleta", "vizinh", "no meu trabalho"},
		ReasonWhereIsOrder: {"onde está", "onde esta", "rastreio", "rastreamento", "código de rastreio", "quando chega", "quando vai chegar", "foi enviad", "prazo de entrega", "atrasad", "será entregue", "previsão de entrega"},
		ReasonInvoice:      {"nota fiscal", "fatura", "factura", "recibo", "nif$", "cpf$", "cnpj", "comprovante", "iva$", "alfândega"},
		ReasonFeedback:     {"péssim", "horrível", "decepcion", "reclamação", "vergonha", "ninguém responde", "excelente", "adorei", "recomendo", "estrelas", "satisfeit", "parabéns", "nunca mais", "obrigado pela", "obrigada pela", "avaliação negativa", "reclame aqui", "reclamar", "chegou rápido", "chegou super", "muito obrigad", "amei"},
		ReasonProduct:      {"tamanho", "medidas", "dimens", "material", "compatível", "compativel", "serve para", "serve no", "impermeável", "quanto pesa", "como usar", "como se usa", "lavar", "bateria", "pilhas", "algodão", "poliéster", "tecido", "carregador", "como carrego", "montar", "garantia"},
	},
	"nl": {
		ReasonDamaged:      {"defect", "werkt niet", "doet het niet", "gaat niet aan", "lekt", "lekkend", "onderdeel ontbreekt", "onderdelen ontbreken", "ermee gestopt", "onderdelen ontbreken", "ontbreken onderdelen", "zit geen", "zat geen", "werkt nog maar"},
		ReasonReturn:       {"retour", "terugsturen", "terug sturen", "terugbetal", "geld terug", "ruilen", "omruilen", "restitutie", "terugstort"},
		ReasonCancel:       {"annuleer", "annuler", "wijzigen", "veranderen", "aanpassen", "aantal", "per ongeluk", "andere maat", "andere kleur", "in plaats van", "overstappen", "erbij doen", "bij doen", "extra set", "toevoegen", "bijbestellen"},
		ReasonAddress:      {"adres", "huisnummer", "postcode", "verhuisd", "bezorgadres", "afleveradres", "werkadres", "afhaalpunt", "ophaalpunt", "pakketpunt", "bij de buren afge", "buren op nummer", "op mijn werk", "naar mijn werk"},
		ReasonWhereIsOrder: {"waar blijft", "waar is mijn", "track", "trace", "volgnummer", "nog niet binnen", "nog steeds niet", "wanneer komt", "wanneer wordt", "wanneer kan ik", "verzonden", "volgens postnl", "volgens bpost", "volgens dhl", "volgens de track"},
		ReasonInvoice:      {"factuur", "kassabon", "bonnetje", "btw", "douane", "aankoopbewijs"},
		ReasonFeedback:     {"teleurgesteld", "slecht", "klacht", "schandalig", "niemand reageert", "sterren", "tevreden", "geweldig", "bedankt voor de snelle", "aanrader", "nooit meer", "top$", "review", "vriendelijk", "snel geleverd"},
		ReasonProduct:      {"maat", "afmeting", "formaat", "materiaal", "geschikt voor", "compatibel", "waterdicht", "gewicht", "hoe groot", "past dit", "wasbaar", "wassen", "batterij", "wasmachine", "handleiding", "hoe werkt", "hoe stel", "instellen", "vaatwasser", "stof", "katoen", "montage", "garantie"},
	},
	"pl": {
		ReasonDamaged:      {"wadliw", "nie działa", "przestał działać", "przestała działać", "przestało działać", "nie włącza", "usterk", "brakuje części", "brak części", "cieknie", "przecieka", "przestały działać", "przeciekł", "padł", "nie gra", "reklamacj", "w zestawie brak", "nie ładuje"},
		ReasonReturn:       {"zwrot", "zwróci", "odesłać", "odeślę", "zwracam", "wymian", "wymienić", "pieniądze z powrotem", "oddać pieniądze", "odesłał", "kasy"},
		ReasonCancel:       {"anul", "zmienić", "zmiana zamówienia", "ilość", "przez pomyłkę", "rezygn", "inny rozmiar", "inny kolor", "pomyłkowo", "skasow", "przerobić", "dodać", "dorzucić", "dopisać"},
		ReasonAddress:      {"adres", "numer domu", "numer mieszkania", "kod pocztowy", "przeprowadz", "paczkomat", "punkt odbioru", "do pracy", "u sąsiad", "do sąsiad"},
		ReasonWhereIsOrder: {"gdzie jest", "gdzie moja", "gdzie moje", "śledzen", "numer przesyłki", "kiedy dotrze", "kiedy przyjdzie", "kiedy wyśl", "wysłan", "nadal nie", "status przesyłki"},
		ReasonInvoice:      {"faktur", "paragon", "nip$", "vat$", "dowód zakupu", "celn", "dowodu zakupu", "karta gwarancyjna", "karty gwarancyjnej"},
		ReasonFeedback:     {"rozczarow", "skarg", "skandal", "nikt nie odpowiada", "gwiazdk", "polecam", "świetn", "najgorsz", "fataln", "zadowolon", "dziękuję za szybk", "nigdy więcej", "negatywn", "miła obsługa", "obsług", "wrócę"},
		ReasonProduct:      {"rozmiar", "wymiar", "materiał", "pasuje", "kompatybiln", "wodoodporn", "waga", "ile waży", "jak używać", "prać", "bateri", "podłącz", "jak się używa", "instrukcj", "złożyć", "montaż", "materiał", "bawełn", "gwarancja"},
	},
	"ja": {
		ReasonDamaged:      {"初期不良", "不良品", "動かな", "故障", "電源が入りません", "作動しません", "不具合", "使えません", "動作しません", "点きません", "部品が足りな", "足りません", "入っていません", "漏れ"},
		ReasonReturn:       {"返品", "返金", "返送", "交換", "払い戻し", "送り返"},
		ReasonCancel:       {"キャンセル", "変更", "取り消", "取消", "間違えて注文", "色違い", "追加"},
		ReasonAddress:      {"住所", "お届け先", "配送先", "引っ越", "郵便番号", "番地", "部屋番号", "転居", "コンビニ受け取り", "受け取りに変え", "営業所止め", "勤務先", "会社に届け", "宅配ボックス"},
		ReasonWhereIsOrder: {"いつ届", "追跡", "配送状況", "発送され", "いつ発送", "まだ届", "到着", "いつ頃", "出荷", "発送予定", "受け取っていません", "配達完了", "受け取れていません"},
		ReasonInvoice:      {"領収書", "請求書", "インボイス", "税関", "書類", "明細書", "納品書", "保証書"},
		ReasonFeedback:     {"がっかり", "不満", "クレーム", "素晴らしい", "最悪", "残念", "迅速な対応", "対応が悪", "二度と", "評価", "満足", "ありがとうございました", "丁寧な梱包", "返信が遅", "すぐに届きました"},
		ReasonProduct:      {"防水", "サイズ", "対応して", "素材", "寸法", "重さ", "材質", "使い方", "洗濯", "電池", "互換", "何センチ", "使えますか", "保証期間", "対応していますか", "組み立て"},
	},
	"zh": {
		ReasonDamaged:      {"质量问题", "不能用", "用不了", "不工作", "故障", "失灵", "开不了机", "打不开", "没反应", "漏", "缺少零件", "缺件", "少了"},
		ReasonReturn:       {"退货", "退款", "退钱", "换货", "退回", "寄回", "退换", "换一个", "换个"},
		ReasonCancel:       {"取消", "修改订单", "改成", "数量", "拍错", "下错单", "变更", "换成", "再加", "加一件", "多买一件"},
		ReasonAddress:      {"地址", "门牌号", "邮编", "搬家", "快递柜", "寄到我", "送到我", "改地址", "菜鸟驿站", "放驿站", "送到驿站", "寄到驿站", "改到驿站", "寄到公司", "送到公司", "放门口"},
		ReasonWhereIsOrder: {"什么时候到", "什么时候发货", "单号", "发货了吗", "到哪了", "到哪里了", "追踪", "几天能到", "还没发货", "物流信息", "物流状态", "查物流", "物流显示", "物流没有更新", "物流一直", "显示已签收", "已签收"},
		ReasonInvoice:      {"发票", "收据", "税号", "报关", "凭证"},
		ReasonFeedback:     {"差评", "投诉", "太差", "失望", "好评", "满意", "服务态度", "没人回复", "五星", "非常好", "垃圾", "服务", "下次还", "包装很好", "包装很仔细"},
		ReasonProduct:      {"尺寸", "尺码", "大小", "材质", "材料", "防水", "重量", "适用于", "兼容", "怎么用", "电池", "纯棉", "棉的", "机洗", "手洗", "怎么连", "说明书", "什么材", "适合", "适用", "保修", "安装"},
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
	order := Reasons
	if p, lang, ok := firstPhrase(lower, beforeShipping); ok {
		// A change asked for before the parcel leaves is an order change,
		// even when it is worded as an exchange ("swap the colour before
		// you ship") or mentions that it has not left yet.
		if r := classifyIn(text, lower, []string{ReasonDamaged, ReasonAddress, ReasonCancel}); r.Reason != ReasonOther {
			return r
		}
		return ContactReason{Reason: ReasonCancel, Phrase: p, Lang: lang}
	}
	if r := classifyIn(text, lower, order); r.Reason != ReasonOther {
		return r
	}
	// A message that only thanks the shop is feedback.
	if p, lang, ok := firstPhrase(lower, thanks); ok {
		return ContactReason{Reason: ReasonFeedback, Phrase: p, Lang: lang}
	}
	return ContactReason{Reason: ReasonOther}
}

// classifyIn tries the reasons in order and returns the first that
// matches, or other.
func classifyIn(text, lower string, order []string) ContactReason {
	for _, reason := range order {
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

// firstPhrase returns the first phrase of table (by language) found in lower.
func firstPhrase(lower string, table map[string][]string) (string, string, bool) {
	for _, lang := range reasonLangs {
		for _, p := range table[lang] {
			if hasPhrase(lower, p) {
				return strings.TrimSuffix(p, "$"), lang, true
			}
		}
	}
	return "", "", false
}

// beforeShipping are the phrases that place a request before the parcel
// leaves: what is asked then changes the order.
var beforeShipping = map[string][]string{
	"en": {"before it ships", "before it goes out", "before shipping", "before you ship", "before dispatch", "before you send", "before it's sent", "before it is sent"},
	"de": {"vor dem versand", "bevor sie versenden", "bevor ihr versendet", "bevor es versendet", "bevor sie es verschicken"},
	"fr": {"avant l'expédition", "avant l'envoi", "avant expédition", "pas encore partie", "pas encore parti", "avant de l'envoyer"},
	"es": {"antes del envío", "antes de enviar", "antes de que salga", "todavía no ha salido", "aún no ha salido"},
	"it": {"prima della spedizione", "prima di spedire", "prima che parta", "non è ancora partit"},
	"pt": {"antes de enviar", "antes do envio", "antes de despachar"},
	"nl": {"voor het verstuurd", "voordat het verstuurd", "voor verzending", "voordat jullie verzenden"},
	"pl": {"przed wysyłką", "przed wysłaniem", "zanim wyślecie"},
	"ja": {"発送前"},
	"zh": {"发货前", "发货之前"},
}

// thanks are the words of a message that thanks the shop; they decide
// only when no reason does, since most requests end with a thank-you.
var thanks = map[string][]string{
	"en": {"thank you", "thanks", "thx$"},
	"de": {"danke", "vielen dank"},
	"fr": {"merci"},
	"es": {"gracias"},
	"it": {"grazie"},
	"pt": {"obrigad", "valeu"},
	"nl": {"bedankt", "dank je", "dank u"},
	"pl": {"dziękuję", "dzięki", "dziekuje"},
	"ja": {"ありがとう"},
	"zh": {"谢谢", "感谢", "多谢"},
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
