package messages

import (
	"slices"
	"strings"
)

// TemplateLanguages are the languages of the built-in templates.
var TemplateLanguages = []string{"en", "de", "fr", "es", "it", "ja", "zh"}

// builtinTranslations are the built-in templates in the languages other
// than English, in a formal register. Japanese and Chinese address the
// buyer by the name as the marketplace gives it, family name first (高橋
// 結衣 様), with the honorific after it.
var builtinTranslations = map[string]map[string]string{
	"delay": delayTranslations,
	"tracking": {
		"de": "Guten Tag {{buyer}},\n\nvielen Dank für Ihre Nachricht zur Bestellung {{order}}. Ihr Paket ist mit {{carrier}} unter der Sendungsnummer {{tracking}} unterwegs; der aktuelle Status lautet: {{status}}.\n\nMit freundlichen Grüßen",
		"fr": "Bonjour {{buyer}},\n\nnous vous remercions de votre message concernant la commande {{order}}. Votre colis est acheminé par {{carrier}} sous le numéro de suivi {{tracking}} ; son statut actuel est : {{status}}.\n\nNous vous prions d'agréer nos salutations distinguées.",
		"es": "Estimado/a {{buyer}}:\n\nle agradecemos su mensaje sobre el pedido {{order}}. Su paquete viaja con {{carrier}} con el número de seguimiento {{tracking}}; su estado actual es: {{status}}.\n\nAtentamente",
		"it": "Gentile {{buyer}},\n\nla ringraziamo per il suo messaggio relativo all'ordine {{order}}. Il suo pacco viaggia con {{carrier}} con il numero di tracciamento {{tracking}}; lo stato attuale è: {{status}}.\n\nCordiali saluti",
		"ja": "{{buyer}} 様\n\nご注文 {{order}} についてお問い合わせいただき、誠にありがとうございます。お荷物は {{carrier}} にて追跡番号 {{tracking}} で配送中です。現在の状況：{{status}}\n\n今後ともよろしくお願い申し上げます。",
		"zh": "尊敬的{{buyer}}：\n\n感谢您就订单 {{order}} 与我们联系。您的包裹由 {{carrier}} 承运，运单号为 {{tracking}}，当前状态：{{status}}。\n\n此致\n敬礼",
	},
	"shipped": {
		"de": "Guten Tag {{buyer}},\n\nIhre Bestellung {{order}} wurde versandt. Sie können die Sendung bei {{carrier}} mit der Sendungsnummer {{tracking}} verfolgen.\n\nMit freundlichen Grüßen",
		"fr": "Bonjour {{buyer}},\n\nvotre commande {{order}} a été expédiée. Vous pouvez la suivre auprès de {{carrier}} avec le numéro de suivi {{tracking}}.\n\nNous vous prions d'agréer nos salutations distinguées.",
		"es": "Estimado/a {{buyer}}:\n\nsu pedido {{order}} ha sido enviado. Puede seguirlo con {{carrier}} mediante el número de seguimiento {{tracking}}.\n\nAtentamente",
		"it": "Gentile {{buyer}},\n\nil suo ordine {{order}} è stato spedito. Può seguirlo con {{carrier}} tramite il numero di tracciamento {{tracking}}.\n\nCordiali saluti",
		"ja": "{{buyer}} 様\n\nご注文 {{order}} の商品を発送いたしました。{{carrier}} の追跡番号 {{tracking}} で配送状況をご確認いただけます。\n\n今後ともよろしくお願い申し上げます。",
		"zh": "尊敬的{{buyer}}：\n\n您的订单 {{order}} 已发货。您可以通过 {{carrier}} 的运单号 {{tracking}} 查询物流信息。\n\n此致\n敬礼",
	},
	"damaged": {
		"de": "Guten Tag {{buyer}},\n\nes tut uns sehr leid, dass die Bestellung {{order}} beschädigt angekommen ist. Bitte senden Sie uns ein Foto des Pakets und des Artikels; wir kümmern uns umgehend darum.\n\nMit freundlichen Grüßen",
		"fr": "Bonjour {{buyer}},\n\nnous sommes désolés que la commande {{order}} soit arrivée endommagée. Pourriez-vous nous envoyer une photo du colis et de l'article ? Nous y remédierons sans délai.\n\nNous vous prions d'agréer nos salutations distinguées.",
		"es": "Estimado/a {{buyer}}:\n\nlamentamos mucho que el pedido {{order}} haya llegado dañado. Le rogamos que nos envíe una foto del paquete y del artículo; lo solucionaremos de inmediato.\n\nAtentamente",
		"it": "Gentile {{buyer}},\n\nci dispiace molto che l'ordine {{order}} sia arrivato danneggiato. La preghiamo di inviarci una foto del pacco e dell'articolo; provvederemo subito.\n\nCordiali saluti",
		"ja": "{{buyer}} 様\n\nご注文 {{order}} の商品が破損した状態で届きましたこと、誠に申し訳ございません。お手数ですが、梱包と商品の写真をお送りいただけますでしょうか。速やかに対応いたします。\n\n何卒よろしくお願い申し上げます。",
		"zh": "尊敬的{{buyer}}：\n\n订单 {{order}} 的商品到货时已损坏，我们深表歉意。烦请发送包裹和商品的照片，我们会立即为您处理。\n\n此致\n敬礼",
	},
	"thanks": {
		"de": "Guten Tag {{buyer}},\n\nvielen Dank für Ihre Nachricht zur Bestellung {{order}}. Wir prüfen Ihr Anliegen und melden uns in Kürze bei Ihnen.\n\nMit freundlichen Grüßen",
		"fr": "Bonjour {{buyer}},\n\nnous vous remercions de votre message concernant la commande {{order}}. Nous examinons votre demande et revenons vers vous très prochainement.\n\nNous vous prions d'agréer nos salutations distinguées.",
		"es": "Estimado/a {{buyer}}:\n\nle agradecemos su mensaje sobre el pedido {{order}}. Estamos revisando su consulta y le responderemos en breve.\n\nAtentamente",
		"it": "Gentile {{buyer}},\n\nla ringraziamo per il suo messaggio relativo all'ordine {{order}}. Stiamo verificando e le risponderemo a breve.\n\nCordiali saluti",
		"ja": "{{buyer}} 様\n\nご注文 {{order}} についてご連絡いただき、誠にありがとうございます。現在確認しておりますので、追ってご連絡いたします。\n\n今後ともよろしくお願い申し上げます。",
		"zh": "尊敬的{{buyer}}：\n\n感谢您就订单 {{order}} 与我们联系。我们正在核实，会尽快回复您。\n\n此致\n敬礼",
	},
}

// delayTranslations are the delay notice (see builtinTemplates) in the
// languages other than English.
var delayTranslations = map[string]string{
	"de": "Guten Tag {{buyer}},\n\nwir möchten Sie darüber informieren, dass die Zustellung Ihres Pakets zur Bestellung {{order}} länger dauert als vorgesehen. Die Sendung ist mit {{carrier}} unter der Sendungsnummer {{tracking}} unterwegs; der aktuelle Status lautet: {{status}}. Wir verfolgen die Sendung gemeinsam mit dem Zusteller und melden uns wieder bei Ihnen, sobald uns Neuigkeiten vorliegen. Sie müssen nichts weiter unternehmen.\n\nWir bitten die Verzögerung zu entschuldigen.\n\nMit freundlichen Grüßen",
	"fr": "Bonjour {{buyer}},\n\nnous tenons à vous informer que la livraison de votre colis pour la commande {{order}} prend plus de temps que prévu. Il est acheminé par {{carrier}} sous le numéro de suivi {{tracking}} ; son statut actuel est : {{status}}. Nous suivons ce colis de près avec le transporteur et reviendrons vers vous dès que nous aurons du nouveau. Vous n'avez aucune démarche à effectuer.\n\nNous vous prions de bien vouloir nous excuser pour ce retard et vous prions d'agréer nos salutations distinguées.",
	"es": "Estimado/a {{buyer}}:\n\nle informamos de que la entrega de su paquete del pedido {{order}} está tardando más de lo previsto. Viaja con {{carrier}} con el número de seguimiento {{tracking}}; su estado actual es: {{status}}. Estamos siguiendo el envío de cerca con el transportista y volveremos a escribirle en cuanto tengamos novedades. No es necesario que haga nada.\n\nLe pedimos disculpas por la espera.\n\nAtentamente",
	"it": "Gentile {{buyer}},\n\ndesideriamo informarla che la consegna del suo pacco relativo all'ordine {{order}} sta richiedendo più tempo del previsto. Il pacco viaggia con {{carrier}} con il numero di tracciamento {{tracking}}; lo stato attuale è: {{status}}. Stiamo seguendo la spedizione da vicino insieme al corriere e le scriveremo di nuovo non appena avremo aggiornamenti. Non è necessario che lei faccia nulla.\n\nCi scusiamo per l'attesa.\n\nCordiali saluti",
	"ja": "{{buyer}} 様\n\nご注文 {{order}} のお荷物のお届けが予定より遅れておりますことを、ご連絡申し上げます。お荷物は {{carrier}} にて追跡番号 {{tracking}} で配送中です。現在の状況：{{status}}\n\n配送業者と連携して状況を確認しており、新しい情報が入り次第、改めてご連絡いたします。お客様にお手続きいただく必要はございません。\n\nお待たせしており誠に申し訳ございません。何卒よろしくお願い申し上げます。",
	"zh": "尊敬的{{buyer}}：\n\n特此告知，您订单 {{order}} 的包裹配送时间比预期要长。包裹由 {{carrier}} 承运，运单号为 {{tracking}}，当前状态：{{status}}。我们正在与承运商密切跟进，一有新消息将立即通知您，您无需进行任何操作。\n\n给您带来不便，敬请谅解。\n\n此致\n敬礼",
}

// statusTexts are the parcel statuses in words a buyer reads, per template
// language; English is statusText.
var statusTexts = map[string]map[string]string{
	"de": {"Pending": "Versandetikett erstellt, wartet auf den Zusteller", "InfoReceived": "dem Zusteller liegen die Sendungsdaten vor",
		"InTransit": "unterwegs", "OutForDelivery": "in Zustellung", "AttemptFail": "ein Zustellversuch ist fehlgeschlagen",
		"Delivered": "zugestellt", "AvailableForPickup": "zur Abholung bereit", "Exception": "durch eine Störung aufgehalten; wir kümmern uns darum",
		"Expired": "keine neuen Angaben des Zustellers"},
	"fr": {"Pending": "étiquette créée, en attente du transporteur", "InfoReceived": "le transporteur a reçu les informations d'expédition",
		"InTransit": "en transit", "OutForDelivery": "en cours de livraison", "AttemptFail": "une tentative de livraison a échoué",
		"Delivered": "livré", "AvailableForPickup": "disponible en point de retrait", "Exception": "retenu par un incident ; nous nous en occupons",
		"Expired": "aucune nouvelle information du transporteur"},
	"es": {"Pending": "etiqueta creada, a la espera del transportista", "InfoReceived": "el transportista tiene los datos del envío",
		"InTransit": "en tránsito", "OutForDelivery": "en reparto", "AttemptFail": "ha fallado un intento de entrega",
		"Delivered": "entregado", "AvailableForPickup": "listo para recoger", "Exception": "retenido por una incidencia; nos estamos ocupando",
		"Expired": "sin novedades recientes del transportista"},
	"it": {"Pending": "etichetta creata, in attesa del corriere", "InfoReceived": "il corriere ha ricevuto i dati della spedizione",
		"InTransit": "in transito", "OutForDelivery": "in consegna", "AttemptFail": "un tentativo di consegna non è riuscito",
		"Delivered": "consegnato", "AvailableForPickup": "pronto per il ritiro", "Exception": "fermo per un'anomalia; ce ne stiamo occupando",
		"Expired": "nessun aggiornamento recente dal corriere"},
	"ja": {"Pending": "送り状作成済み、配送業者の集荷待ち", "InfoReceived": "配送業者が出荷情報を受領済み",
		"InTransit": "輸送中", "OutForDelivery": "配達中", "AttemptFail": "配達できませんでした（不在等）",
		"Delivered": "配達完了", "AvailableForPickup": "受け取り可能", "Exception": "配送に問題が発生しており、対応中です",
		"Expired": "配送業者からの最新情報がありません"},
	"zh": {"Pending": "已创建运单，等待承运商揽收", "InfoReceived": "承运商已收到发货信息",
		"InTransit": "运输中", "OutForDelivery": "派送中", "AttemptFail": "派送未成功",
		"Delivered": "已签收", "AvailableForPickup": "可自提", "Exception": "运输异常，我们正在处理",
		"Expired": "承运商暂无最新信息"},
}

// statusTagKey carries the parcel's status tag from TemplateValues to Fill,
// which words it in the template's language.
const statusTagKey = "status_tag"

// For returns the variant of t in the first of langs that it has (the
// thread's language, then the store's), else English, else t itself. A
// template file NAME.txt has no language; it is the fallback of its name.
func (t Template) For(langs ...string) Template {
	for _, l := range append(slices.Clone(langs), "en") {
		l = strings.ToLower(strings.TrimSpace(l))
		if l == "" {
			continue
		}
		if l == t.Lang {
			return t
		}
		if v, ok := t.Variants[l]; ok {
			return v
		}
	}
	return t
}

// Languages returns the languages t exists in, sorted.
func (t Template) Languages() []string {
	var out []string
	if t.Lang != "" {
		out = append(out, t.Lang)
	}
	for l := range t.Variants {
		out = append(out, l)
	}
	slices.Sort(out)
	return out
}
