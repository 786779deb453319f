package carriers

import (
	"sort"
	"strings"
	"time"
)

// Tag is a delivery status, compatible with AfterShip's nine tags.
type Tag string

// The tags, in the order a parcel usually meets them.
const (
	Pending            Tag = "Pending"
	InfoReceived       Tag = "InfoReceived"
	InTransit          Tag = "InTransit"
	OutForDelivery     Tag = "OutForDelivery"
	AttemptFail        Tag = "AttemptFail"
	Delivered          Tag = "Delivered"
	AvailableForPickup Tag = "AvailableForPickup"
	Exception          Tag = "Exception"
	Expired            Tag = "Expired"
)

// Tags lists every tag.
func Tags() []Tag {
	return []Tag{Pending, InfoReceived, InTransit, OutForDelivery, AttemptFail, Delivered, AvailableForPickup, Exception, Expired}
}

// Valid reports whether t is one of the nine tags.
func (t Tag) Valid() bool {
	for _, x := range Tags() {
		if x == t {
			return true
		}
	}
	return false
}

// Subtag refines a tag, e.g. Exception_013 (lost). Its prefix is its tag.
type Subtag string

// Subtags used by the carrier tables and the claims rules.
const (
	PendingNoInfo           Subtag = "Pending_001"
	PendingNoCarrierAccount Subtag = "Pending_002"
	PendingLabelCreated     Subtag = "Pending_003"
	PendingWrongCarrier     Subtag = "Pending_004"
	PendingNoRecentUpdate   Subtag = "Pending_005"
	PendingNotRecognised    Subtag = "Pending_006"

	InfoReceivedLabel Subtag = "InfoReceived_001"

	InTransitOnTheWay        Subtag = "InTransit_001"
	InTransitAccepted        Subtag = "InTransit_002"
	InTransitArrival         Subtag = "InTransit_003"
	InTransitDestCountry     Subtag = "InTransit_004"
	InTransitCustomsCleared  Subtag = "InTransit_005"
	InTransitCustomsStarted  Subtag = "InTransit_006"
	InTransitDeparture       Subtag = "InTransit_007"
	InTransitProblemResolved Subtag = "InTransit_008"
	InTransitForwarded       Subtag = "InTransit_009"

	OutForDeliveryOnVehicle Subtag = "OutForDelivery_001"
	OutForDeliveryOnTheWay  Subtag = "OutForDelivery_002"
	OutForDeliveryContacted Subtag = "OutForDelivery_003"
	OutForDeliveryScheduled Subtag = "OutForDelivery_004"

	AttemptFailGeneric      Subtag = "AttemptFail_001"
	AttemptFailNotAvailable Subtag = "AttemptFail_002"
	AttemptFailClosed       Subtag = "AttemptFail_003"

	DeliveredOK        Subtag = "Delivered_001"
	DeliveredPickedUp  Subtag = "Delivered_002"
	DeliveredSigned    Subtag = "Delivered_003"
	DeliveredCOD       Subtag = "Delivered_004"
	DeliveredNeighbour Subtag = "Delivered_005"

	AvailableForPickupReady  Subtag = "AvailableForPickup_001"
	AvailableForPickupLocker Subtag = "AvailableForPickup_002"

	ExceptionGeneric        Subtag = "Exception_001"
	ExceptionMoved          Subtag = "Exception_002"
	ExceptionRefused        Subtag = "Exception_003"
	ExceptionCustomsDelay   Subtag = "Exception_004"
	ExceptionDelayed        Subtag = "Exception_005"
	ExceptionHeldPayment    Subtag = "Exception_006"
	ExceptionBadAddress     Subtag = "Exception_007"
	ExceptionPickupMissed   Subtag = "Exception_008"
	ExceptionRejected       Subtag = "Exception_009"
	ExceptionReturning      Subtag = "Exception_010"
	ExceptionReturned       Subtag = "Exception_011"
	ExceptionDamaged        Subtag = "Exception_012"
	ExceptionLost           Subtag = "Exception_013"
	ExpiredNoRecentActivity Subtag = "Expired_001"
)

// SubtagInfo describes a subtag.
type SubtagInfo struct {
	Code        Subtag
	Tag         Tag
	Message     string
	Description string
}

// subtags is the taxonomy, after AfterShip's public list of delivery
// sub-statuses (docs "Delivery Sub-statuses"), described in our own words.
// Pending_002, _003 and _005 follow that list's names ("Carrier account not
// connected", "Label created", "No recent updates"); the names of Pending_004
// and _006 are our reading of it and worth checking against the current list.
var subtags = []SubtagInfo{
	{PendingNoInfo, Pending, "Pending", "The carrier has no information yet, or the number has not been looked up"},
	{PendingNoCarrierAccount, Pending, "Carrier account not connected", "The carrier shares tracking only with a connected account, and none is set up"},
	{PendingLabelCreated, Pending, "Label created", "A label exists but the carrier has reported nothing else yet"},
	{PendingWrongCarrier, Pending, "Wrong carrier", "The number may belong to another carrier than the one asked"},
	{PendingNoRecentUpdate, Pending, "No recent updates", "The carrier has said nothing new for a while"},
	{PendingNotRecognised, Pending, "Not yet recognised", "The carrier does not recognise the number yet"},
	{InfoReceivedLabel, InfoReceived, "Info received", "The shipper created a label; the carrier has not taken the parcel yet"},
	{InTransitOnTheWay, InTransit, "In transit", "The parcel is moving through the carrier's network"},
	{InTransitAccepted, InTransit, "Acceptance scan", "The carrier accepted or picked up the parcel"},
	{InTransitArrival, InTransit, "Arrival scan", "The parcel arrived at a hub or sorting facility"},
	{InTransitDestCountry, InTransit, "Arrived in destination country", "An international parcel reached the destination country"},
	{InTransitCustomsCleared, InTransit, "Customs clearance completed", "Customs released the parcel"},
	{InTransitCustomsStarted, InTransit, "Customs clearance started", "The parcel was handed to customs for clearance"},
	{InTransitDeparture, InTransit, "Departure scan", "The parcel left a facility"},
	{InTransitProblemResolved, InTransit, "Problem resolved", "An earlier problem was resolved and the parcel moves again"},
	{InTransitForwarded, InTransit, "Forwarded", "The parcel was redirected to another delivery address or location"},
	{OutForDeliveryOnVehicle, OutForDelivery, "Out for delivery", "The parcel is on the vehicle for delivery today"},
	{OutForDeliveryOnTheWay, OutForDelivery, "Out for delivery (on the way)", "The courier is on the way to the recipient"},
	{OutForDeliveryContacted, OutForDelivery, "Customer contacted", "The carrier contacted the recipient before delivery"},
	{OutForDeliveryScheduled, OutForDelivery, "Delivery appointment scheduled", "A delivery appointment was set"},
	{AttemptFailGeneric, AttemptFail, "Failed attempt", "Delivery was attempted and failed; the carrier usually tries again"},
	{AttemptFailNotAvailable, AttemptFail, "Addressee not available", "Nobody was available to receive the parcel"},
	{AttemptFailClosed, AttemptFail, "Business closed", "The business was closed at the delivery attempt"},
	{DeliveredOK, Delivered, "Delivered", "The parcel was delivered"},
	{DeliveredPickedUp, Delivered, "Picked up by the customer", "The recipient collected the parcel"},
	{DeliveredSigned, Delivered, "Signed by the customer", "The parcel was delivered against a signature"},
	{DeliveredCOD, Delivered, "Delivered, cash collected", "Delivered and cash on delivery collected"},
	{DeliveredNeighbour, Delivered, "Delivered to a neighbour", "The parcel was left with a neighbour"},
	{AvailableForPickupReady, AvailableForPickup, "Available for pickup", "The parcel waits at a pickup point or post office"},
	{AvailableForPickupLocker, AvailableForPickup, "Available for pickup (locker)", "The parcel waits in a parcel locker or at a collection point with a code"},
	{ExceptionGeneric, Exception, "Exception", "Something went wrong in shipping"},
	{ExceptionMoved, Exception, "Customer moved", "The recipient moved away"},
	{ExceptionRefused, Exception, "Refused", "The recipient refused the parcel"},
	{ExceptionCustomsDelay, Exception, "Delayed (customs)", "Customs clearance is held up"},
	{ExceptionDelayed, Exception, "Delayed (external factors)", "The parcel is delayed by weather, volume or another outside cause"},
	{ExceptionHeldPayment, Exception, "Held for payment", "The parcel is held until duties or charges are paid"},
	{ExceptionBadAddress, Exception, "Incorrect address", "The address is wrong or incomplete"},
	{ExceptionPickupMissed, Exception, "Pickup missed", "The parcel was not collected from the pickup point in time"},
	{ExceptionRejected, Exception, "Rejected by carrier", "The carrier refused to carry the parcel"},
	{ExceptionReturning, Exception, "Returning to sender", "The parcel is on its way back to the sender"},
	{ExceptionReturned, Exception, "Returned to sender", "The sender received the parcel back"},
	{ExceptionDamaged, Exception, "Damaged", "The parcel was damaged"},
	{ExceptionLost, Exception, "Lost", "The parcel was lost"},
	{ExpiredNoRecentActivity, Expired, "Expired", "No tracking update for a long time"},
}

// Subtags lists the taxonomy.
func Subtags() []SubtagInfo {
	out := make([]SubtagInfo, len(subtags))
	copy(out, subtags)
	return out
}

// LookupSubtag describes a subtag code.
func LookupSubtag(code Subtag) (SubtagInfo, bool) {
	for _, s := range subtags {
		if s.Code == code {
			return s, true
		}
	}
	return SubtagInfo{}, false
}

// Tag returns the tag a subtag belongs to (the part before the underscore).
func (s Subtag) Tag() Tag {
	if i := strings.IndexByte(string(s), '_'); i > 0 {
		return Tag(s[:i])
	}
	return ""
}

// DefaultSubtag is the generic subtag of a tag (its _001).
func DefaultSubtag(t Tag) Subtag {
	if t == "" {
		return ""
	}
	return Subtag(string(t) + "_001")
}

// Event is one checkpoint in a parcel's history.
type Event struct {
	Time        time.Time `json:"time"`
	Location    string    `json:"location,omitempty"`
	Description string    `json:"description"`
	RawCode     string    `json:"raw_code,omitempty"`
	Tag         Tag       `json:"tag"`
	Subtag      Subtag    `json:"subtag"`
	// Unmapped is true when neither the carrier's code nor its wording fits
	// any table: Tag and Subtag stay empty and RawCode keeps what came.
	Unmapped bool `json:"unmapped,omitempty"`
}

// Shipment is a parcel's normalised status.
type Shipment struct {
	Number  string  `json:"number"`
	Courier string  `json:"courier"`
	Tag     Tag     `json:"tag"`
	Subtag  Subtag  `json:"subtag"`
	Events  []Event `json:"events"` // newest first
	// EstimatedDelivery is the carrier's current estimate, or its
	// standard-transit commitment when it gives no estimate.
	EstimatedDelivery *time.Time `json:"estimated_delivery,omitempty"`
	Service           string     `json:"service,omitempty"`
	ShipDate          *time.Time `json:"ship_date,omitempty"`
	// Found is false when the carrier does not know the number (yet).
	Found bool `json:"found"`
	// Unmapped counts the events no table could read (see Event.Unmapped).
	Unmapped int `json:"unmapped,omitempty"`
}

// LastEvent returns the newest event.
func (s Shipment) LastEvent() (Event, bool) {
	if len(s.Events) == 0 {
		return Event{}, false
	}
	return s.Events[0], true
}

// StatusRule maps one raw carrier code to the taxonomy. Source names the
// published code list the row was read from.
type StatusRule struct {
	Code   string
	Tag    Tag
	Subtag Subtag
	Source string
}

// StatusTable is a carrier's one table from raw codes to tags and subtags.
// Codes match case-insensitively after trimming.
type StatusTable struct {
	Courier string
	rules   map[string]StatusRule
	order   []StatusRule
}

// NewStatusTable builds a table. A rule without a subtag gets its tag's _001;
// a rule without a tag takes it from its subtag.
func NewStatusTable(courier string, rules []StatusRule) *StatusTable {
	t := &StatusTable{Courier: courier, rules: map[string]StatusRule{}}
	for _, r := range rules {
		if r.Subtag == "" {
			r.Subtag = DefaultSubtag(r.Tag)
		}
		if r.Tag == "" {
			r.Tag = r.Subtag.Tag()
		}
		key := strings.ToUpper(strings.TrimSpace(r.Code))
		t.rules[key] = r
		t.order = append(t.order, r)
	}
	return t
}

// Lookup maps a raw code.
func (t *StatusTable) Lookup(code string) (Tag, Subtag, bool) {
	r, ok := t.rules[strings.ToUpper(strings.TrimSpace(code))]
	return r.Tag, r.Subtag, ok
}

// Rules returns the table's rules in their declared order.
func (t *StatusTable) Rules() []StatusRule {
	out := make([]StatusRule, len(t.order))
	copy(out, t.order)
	return out
}

// textRule is one row of the wording table: any of its phrases, in any of
// the languages carriers write in, gives the subtag.
type textRule struct {
	subtag Subtag
	words  []string
}

// textRules classify free status text, first match wins, so the narrower
// meaning comes first (returned before returning, out for delivery before
// delivered). Phrases are lower case; en, de, fr, es, pl, ja and zh, as the
// carriers' own tracking pages and event descriptions in those languages
// word them.
var textRules = []textRule{
	{ExceptionDamaged, []string{"damaged", "damage", "beschädigt", "beschaedigt", "endommagé", "abîmé", "dañado", "averiado", "破損", "破损", "损坏", "損傷"}},
	{ExceptionLost, []string{"investigation to locate", "begun an investigation", "could not be located", "cannot be located", "can not be located", "unable to locate", "could not locate", "not located", "lost", "missing",
		"verloren", "nicht auffindbar", "perdu", "introuvable", "perdido", "extraviado", "紛失", "行方不明", "丢失", "遗失", "丢件"}},
	// a return under way, worded with "returned" (before the returned row)
	{ExceptionReturning, []string{"zurückgesandt", "an den absender zurück", "route to shipper", "en route to the shipper", "being returned", "returning to", "return in progress", "wird zurückgesendet", "en cours de retour", "en devolución", "返送中", "退回中", "正在退回"}},
	{ExceptionReturned, []string{"delivered at shipper", "returned to sender", "returned to shipper", "return to sender delivered", "delivered to shipper", "delivered back to the shipper", "delivered to sender", "to original sender",
		"an absender zurückgesendet", "an den absender zugestellt", "retourné à l'expéditeur", "livré à l'expéditeur", "devuelto al remitente", "entregado al remitente",
		"差出人に返送済み", "差出人へ返送しました", "已退回发件人", "已退回寄件人", "退件签收"}},
	{ExceptionReturning, []string{"return to sender", "returning to sender", "return to shipper", "returning package to shipper", "being returned", "returning",
		"rücksendung", "wird an den absender zurückgesendet", "retour à l'expéditeur", "en cours de retour", "devolución al remitente", "en devolución",
		"返送中", "差出人に返送", "退回中", "正在退回", "退件"}},
	{ExceptionRefused, []string{"refused", "verweigert", "refusé", "rechazado", "rehusado", "受取拒否", "受取辞退", "拒收", "拒签"}},
	{ExceptionMoved, []string{"receiver has moved", "recipient has moved", "moved, left no address", "customer moved", "recipient moved", "verzogen", "a déménagé", "se ha mudado", "転居", "收件人已搬迁"}},
	{ExceptionBadAddress, []string{"address is incomplete", "incomplete address", "name is incorrect", "incorrect address", "insufficient address", "address unknown", "addressee unknown", "undeliverable as addressed", "no such number", "address problem", "wrong address", "address is incorrect", "address incorrect",
		"adresse unbekannt", "empfänger unbekannt", "unzureichende adresse", "adresse incorrecte", "adresse incomplète", "destinataire inconnu", "dirección incorrecta", "dirección incompleta",
		"住所不明", "宛所不明", "宛先不明", "地址错误", "地址不详", "地址有误"}},
	{ExceptionCustomsDelay, []string{"pending release from a government agency", "pending release", "clearance delay", "customs delay", "held by customs", "held in customs", "on hold at customs", "customs hold",
		"vom zoll zurückgehalten", "zollverzögerung", "retenu en douane", "bloqué en douane", "retenido en aduana", "税関で保留", "通関保留", "海关扣留", "清关延误"}},
	{ExceptionHeldPayment, []string{"held for payment", "awaiting payment of duties", "zoll zu zahlen", "en attente de paiement", "pendiente de pago", "支払待ち", "待缴税"}},
	// a delay the carrier names before it says no attempt was made
	{ExceptionDelayed, []string{"local delivery restriction", "missent"}},
	// the end of a pickup point's or locker's holding time: not collected
	{ExceptionPickupMissed, []string{"storage period ended", "maximum days to hold", "lagerfrist abgelaufen", "not collected", "unclaimed"}},
	{AttemptFailNotAvailable, []string{"customer was not available", "not home", "no authorized recipient", "nie było w domu", "niemand angetroffen", "not available for delivery", "receiver was not available", "recipient not available", "customer not available", "recipient not home"}},
	// after the not-available row: FedEx words its code 08 "customer not
	// available or business closed", which its API maps to not available
	{AttemptFailClosed, []string{"business was closed", "business closed", "but it was closed", "geschäft geschlossen"}},
	{AttemptFailGeneric, []string{"konnte nicht zugestellt werden", "próba doręczenia", "delivery attempt", "attempted", "notice left", "no access to delivery location",
		"zustellversuch", "nicht angetroffen", "tentative de livraison", "avis de passage", "intento de entrega", "ausente", "不在", "持ち戻り", "投递失败", "派送失败", "派送不成功"}},
	// accepted at a locker or counter by the sender: before the locker row
	{InTransitAccepted, []string{"posted by the sender", "handed over by the sender", "dropped off by the sender"}},
	{AvailableForPickupLocker, []string{"packstation", "paczkomat", "abholstation", "ready in the locker"}},
	{AvailableForPickupReady, []string{"access point", "parcelshop", "parcel shop", "awaiting customer pickup", "oczekuje na odbiór", "available for pickup", "ready for pickup", "ready for recipient pickup", "held at post office", "awaiting collection", "at ups access point",
		"abholbereit", "zur abholung", "disponible au retrait", "disponible en point relais", "disponible para recoger", "listo para recoger", "受取可能", "窓口でお預かり", "待取件", "待自提", "已到达自提点"}},
	{DeliveredPickedUp, []string{"picked up at post office", "picked up at the post office", "picked up by", "collected by", "vom empfänger abgeholt", "retiré par", "recogido por el destinatario", "受取済み", "已自提"}},
	{OutForDeliveryOnVehicle, []string{"loaded on delivery vehicle", "loaded onto the delivery vehicle", "out for delivery", "on fedex vehicle for delivery", "with delivery courier", "on vehicle for delivery", "out with courier",
		"in zustellung", "zustellfahrzeug", "en cours de livraison", "en reparto", "配達中", "配達に出", "派送中", "正在派件", "派件中"}},
	{DeliveredOK, []string{"delivered", "zugestellt", "livré", "entregado", "配達完了", "お届け済み", "配達済み", "已签收", "已妥投", "妥投"}},
	{InTransitCustomsCleared, []string{"released by", "cleared customs", "clearance completed", "customs clearance complete", "verzollt", "zollabfertigung abgeschlossen", "dédouané",
		"despachado de aduana", "liberado por aduana", "通関完了", "清关完成", "已清关"}},
	{InTransitCustomsStarted, []string{"for clearance", "clearance in progress", "clearing agency", "submitted for clearance", "customs clearance", "zollabfertigung", "dédouanement", "despacho de aduana",
		"en aduana", "通関手続", "清关中"}},
	{ExceptionDelayed, []string{"delay", "running late", "arriving late", "weather", "verzögerung", "verspätet", "retard", "retraso", "demora", "遅延", "遅れ", "延误", "延迟"}},
	{ExceptionGeneric, []string{"exception", "ausnahme", "incident", "incidencia", "異常", "异常"}},
	{InfoReceivedLabel, []string{"label created", "shipment information sent", "shipment information received", "shipping label", "pre-shipment", "awaiting item", "order processed", "shipper created a label",
		"elektronisch angekündigt", "sendungsdaten übermittelt", "étiquette créée", "informations reçues", "etiqueta creada", "información recibida", "ラベル作成", "伝票番号登録", "已下单", "电子信息已收到"}},
	{InTransitAccepted, []string{"picked up", "pickup scan", "accepted", "in possession", "we have your package", "eingeliefert", "abgeholt", "pris en charge", "admitido", "recogido",
		"引受", "集荷", "已揽收", "揽收"}},
	{InTransitDeparture, []string{"depart facility", "depart", "departed", "left fedex", "departure", "has left", "abgegangen", "verlassen", "parti", "a quitté", "salió", "ha salido", "発送", "出発", "已离开", "离开"}},
	{InTransitArrival, []string{"arrived", "arrival", "angekommen", "eingetroffen", "arrivé", "llegada", "llegó", "到着", "已到达", "到达"}},
	{InTransitForwarded, []string{"tendered to", "handoff to shipping partner", "handed to a partner"}},
	{InTransitDestCountry, []string{"import scan", "arrived in the destination country", "im zielland"}},
	{InTransitOnTheWay, []string{"in transit", "on the way", "moving through network", "processed", "unterwegs", "en transit", "en cours d'acheminement", "en tránsito", "輸送中", "運送中",
		"运输中", "转运中"}},
}

// ClassifyText maps free status text (a public tracking page's status line,
// an event description) to the taxonomy by its wording. ok is false when no
// phrase matched.
func ClassifyText(text string) (Tag, Subtag, bool) {
	// Status names written as identifiers (OUT_FOR_DELIVERY) read as words.
	s := strings.ToLower(strings.ReplaceAll(text, "_", " "))
	if strings.TrimSpace(s) == "" {
		return "", "", false
	}
	for _, r := range textRules {
		for _, w := range r.words {
			if strings.Contains(s, w) {
				return r.subtag.Tag(), r.subtag, true
			}
		}
	}
	return "", "", false
}

// MarkUnmapped flags the events that no table could read and counts them on
// the shipment, so that a caller sees them instead of an older status
// standing in silently.
func MarkUnmapped(s *Shipment) {
	s.Unmapped = 0
	for i := range s.Events {
		if s.Events[i].Tag == "" {
			s.Events[i].Unmapped = true
			s.Unmapped++
		}
	}
}

// StatusMapper maps a carrier's raw code and status text to the taxonomy.
type StatusMapper func(code, text string) (Tag, Subtag, bool)

var mappers = map[string]StatusMapper{}

// RegisterStatusMapper makes a carrier's mapping available through MapStatus.
// Each carrier package registers its own at init.
func RegisterStatusMapper(courier string, m StatusMapper) { mappers[courier] = m }

// MapStatus maps a carrier's status code and text (from its API or its public
// tracking page) to a tag and subtag: the carrier's table first, then the
// wording. Import the carrier's package (e.g. carriers/ups) to register it.
func MapStatus(courier, code, text string) (Tag, Subtag, bool) {
	if m, ok := mappers[courier]; ok {
		if tag, sub, ok := m(code, text); ok {
			return tag, sub, true
		}
	}
	return ClassifyText(text)
}

// Summarise sets a shipment's tag and subtag from its newest event that has
// one, falling back to the given shipment-level status, and counts the
// events that have none (MarkUnmapped).
func Summarise(s *Shipment, fallbackTag Tag, fallbackSub Subtag) {
	MarkUnmapped(s)
	for _, e := range s.Events {
		if e.Tag != "" {
			s.Tag, s.Subtag = e.Tag, e.Subtag
			return
		}
	}
	if fallbackTag != "" {
		s.Tag, s.Subtag = fallbackTag, fallbackSub
		if s.Subtag == "" {
			s.Subtag = DefaultSubtag(fallbackTag)
		}
		return
	}
	s.Tag, s.Subtag = Pending, PendingNoInfo
}

// FirstEventTime returns the time of the oldest event with the given subtag,
// e.g. the acceptance scan that starts a claim window.
func FirstEventTime(events []Event, sub Subtag) *time.Time {
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Subtag == sub && !events[i].Time.IsZero() {
			t := events[i].Time
			return &t
		}
	}
	return nil
}

// JoinLocation joins the non-empty parts of a location with ", ".
func JoinLocation(parts ...string) string {
	var kept []string
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

// SortEventsNewestFirst orders events newest first, keeping the carrier's
// order among equal times.
func SortEventsNewestFirst(events []Event) {
	sort.SliceStable(events, func(i, j int) bool { return events[i].Time.After(events[j].Time) })
}
