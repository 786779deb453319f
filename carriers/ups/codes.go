package ups

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for UPS.
const Courier = "ups"

// Sources of the table's rows.
const (
	srcTypes   = "UPS Track API v1 OpenAPI (Tracking.yaml): activity status.type enum"
	srcStatus  = "UPS Track API v1 status.statusCode / currentStatus.code list"
	srcSamples = "UPS Track API samples (conformance ups/delivered, ups/in_transit_customs_exception)"
)

// statusTable is UPS's one mapping table. Keys are prefixed by what they
// match, most specific first at lookup time:
//
//	"CODE/STATUS"  an activity code with its status code
//	"code:X"       an activity status code (MP, PU, AR, DP, ...)
//	"status:NNN"   a three-digit status code (also currentStatus.code)
//	"type:T"       the activity status type (M, P, I, X, D, RS, ...)
//
// UPS reports damage, loss, refusal and address trouble as type X with the
// reason in words; MapActivity reads those words (see exceptionByText).
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	// customs holds and releases share the code RZ; the status code says which
	{Code: "RZ/012", Subtag: carriers.InTransitCustomsStarted, Source: srcSamples},
	{Code: "RZ/014", Subtag: carriers.InTransitCustomsCleared, Source: srcSamples},
	{Code: "BB/014", Subtag: carriers.InTransitCustomsStarted, Source: srcSamples},
	{Code: "BB/058", Subtag: carriers.ExceptionCustomsDelay, Source: srcSamples}, // UPS asked the sender for clearance information

	{Code: "code:MP", Subtag: carriers.InfoReceivedLabel, Source: srcSamples},
	{Code: "code:PU", Subtag: carriers.InTransitAccepted, Source: srcSamples},
	{Code: "code:OR", Subtag: carriers.InTransitAccepted, Source: srcSamples},
	{Code: "code:AR", Subtag: carriers.InTransitArrival, Source: srcSamples},
	{Code: "code:DP", Subtag: carriers.InTransitDeparture, Source: srcSamples},
	{Code: "code:DA", Subtag: carriers.InTransitOnTheWay, Source: srcSamples},
	{Code: "code:OT", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcStatus},
	{Code: "code:F4", Subtag: carriers.DeliveredOK, Source: srcSamples},
	{Code: "code:KB", Subtag: carriers.DeliveredOK, Source: srcStatus},
	{Code: "code:FS", Subtag: carriers.DeliveredOK, Source: srcStatus},

	{Code: "status:003", Subtag: carriers.InfoReceivedLabel, Source: srcStatus},        // order processed, ready for UPS
	{Code: "status:005", Subtag: carriers.InTransitOnTheWay, Source: srcStatus},        // in transit
	{Code: "status:011", Subtag: carriers.DeliveredOK, Source: srcSamples},             // delivered
	{Code: "status:012", Subtag: carriers.InTransitCustomsStarted, Source: srcStatus},  // clearance in progress
	{Code: "status:014", Subtag: carriers.InTransitCustomsCleared, Source: srcStatus},  // clearance completed
	{Code: "status:017", Subtag: carriers.AvailableForPickupReady, Source: srcStatus},  // held for customer pickup
	{Code: "status:021", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcStatus},  // on vehicle for delivery
	{Code: "status:022", Subtag: carriers.AttemptFailGeneric, Source: srcStatus},       // first attempt made
	{Code: "status:023", Subtag: carriers.AttemptFailGeneric, Source: srcStatus},       // second attempt made
	{Code: "status:024", Subtag: carriers.AttemptFailGeneric, Source: srcStatus},       // final attempt made
	{Code: "status:027", Subtag: carriers.ExceptionBadAddress, Source: srcStatus},      // delivery address change requested
	{Code: "status:032", Subtag: carriers.ExceptionDelayed, Source: srcStatus},         // adverse weather may cause delay
	{Code: "status:034", Subtag: carriers.ExceptionReturned, Source: srcStatus},        // returned to sender
	{Code: "status:035", Subtag: carriers.ExceptionReturning, Source: srcStatus},       // returning to sender
	{Code: "status:036", Subtag: carriers.ExceptionReturning, Source: srcStatus},       // returning to sender: in transit
	{Code: "status:038", Subtag: carriers.InTransitAccepted, Source: srcStatus},        // picked up
	{Code: "status:040", Subtag: carriers.AvailableForPickupReady, Source: srcStatus},  // delivered to UPS Access Point, awaiting pickup
	{Code: "status:092", Subtag: carriers.InTransitCustomsStarted, Source: srcSamples}, // "Customs Clearance in Progress"

	{Code: "type:M", Subtag: carriers.InfoReceivedLabel, Source: srcTypes}, // billing information received
	{Code: "type:MV", Subtag: carriers.ExceptionGeneric, Source: srcTypes}, // billing information voided
	{Code: "type:P", Subtag: carriers.InTransitAccepted, Source: srcTypes}, // pickup
	{Code: "type:I", Subtag: carriers.InTransitOnTheWay, Source: srcTypes}, // in transit
	{Code: "type:O", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcTypes},
	{Code: "type:D", Subtag: carriers.DeliveredOK, Source: srcTypes},
	{Code: "type:DO", Subtag: carriers.DeliveredOK, Source: srcTypes},      // delivered, origin CFS (freight)
	{Code: "type:DD", Subtag: carriers.DeliveredOK, Source: srcTypes},      // delivered, destination CFS (freight)
	{Code: "type:W", Subtag: carriers.InTransitOnTheWay, Source: srcTypes}, // warehousing
	{Code: "type:X", Subtag: carriers.ExceptionGeneric, Source: srcTypes},
	{Code: "type:RS", Subtag: carriers.ExceptionReturning, Source: srcTypes}, // returned to shipper: the return leg
})

// Table returns the UPS mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapActivity maps one UPS activity (status type, code and status code, any
// of which may be empty) to the taxonomy; the description decides only when
// no code is known, or refines a generic exception.
func MapActivity(typ, code, statusCode, description string) (carriers.Tag, carriers.Subtag, bool) {
	typ, code, statusCode = strings.TrimSpace(typ), strings.TrimSpace(code), strings.TrimSpace(statusCode)
	keys := []string{}
	if code != "" && statusCode != "" {
		keys = append(keys, code+"/"+statusCode)
	}
	if code != "" {
		keys = append(keys, "code:"+code)
	}
	if statusCode != "" {
		keys = append(keys, "status:"+statusCode)
	}
	if typ != "" {
		keys = append(keys, "type:"+typ)
	}
	for _, k := range keys {
		if tag, sub, ok := statusTable.Lookup(k); ok {
			if strings.HasPrefix(k, "type:") {
				return byTypeAndText(tag, sub, description)
			}
			return exceptionByText(tag, sub, description)
		}
	}
	return carriers.ClassifyText(description)
}

// byTypeAndText refines a status type, which is coarse (every exception is
// type X, every scan on the way type I), by its words: an exception takes
// whatever its words name but the plain "on the way" (UPS files an Access
// Point delivery, a clearance step or a closed business under X); a scan on
// the way takes the more precise in-transit or out-for-delivery step its
// words name ("Import Scan", "Out For Delivery").
func byTypeAndText(tag carriers.Tag, sub carriers.Subtag, text string) (carriers.Tag, carriers.Subtag, bool) {
	ttag, tsub, ok := carriers.ClassifyText(text)
	switch {
	case !ok:
	case sub == carriers.ExceptionGeneric && tsub != carriers.InTransitOnTheWay && ttag != carriers.InfoReceived && ttag != carriers.Pending:
		return ttag, tsub, true
	case tag == carriers.InTransit && (ttag == carriers.InTransit || ttag == carriers.OutForDelivery):
		return ttag, tsub, true
	case tag == carriers.Delivered && ttag == carriers.Delivered:
		return ttag, tsub, true
	}
	return tag, sub, true
}

// exceptionByText gives a generic exception the reason its words name
// (damaged, lost, refused, a failed attempt, a customs hold ...).
func exceptionByText(tag carriers.Tag, sub carriers.Subtag, text string) (carriers.Tag, carriers.Subtag, bool) {
	if sub != carriers.ExceptionGeneric {
		return tag, sub, true
	}
	if ttag, tsub, ok := carriers.ClassifyText(text); ok && (ttag == carriers.Exception || ttag == carriers.AttemptFail) {
		return ttag, tsub, true
	}
	return tag, sub, true
}

// MapStatus maps a code seen on the UPS public tracking page or in the API
// (an activity code such as "DP", a status code such as "011", or a status
// type such as "D") and its text.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	code = strings.TrimSpace(code)
	for _, k := range []string{"code:" + code, "status:" + code, "type:" + code} {
		if code == "" {
			break
		}
		if tag, sub, ok := statusTable.Lookup(k); ok {
			return exceptionByText(tag, sub, text)
		}
	}
	return carriers.ClassifyText(text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
