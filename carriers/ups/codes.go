package ups

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for UPS.
const Courier = "ups"

// statusTable is UPS's one mapping table. Keys are prefixed by what they
// match, most specific first at lookup time:
//
//	"CODE/STATUS"  an activity code with its status code
//	"code:X"       an activity status code (MP, PU, AR, DP, ...)
//	"status:NNN"   a three-digit status code (also currentStatus.code)
//	"type:T"       the activity status type (M, P, I, X, D, RS, ...)
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	// customs holds and releases share the code RZ; the status code says which
	{Code: "RZ/012", Subtag: carriers.InTransitCustomsStarted},
	{Code: "RZ/014", Subtag: carriers.InTransitCustomsCleared},
	{Code: "BB/014", Subtag: carriers.InTransitCustomsStarted},
	{Code: "BB/058", Subtag: carriers.ExceptionCustomsDelay}, // UPS asked the sender for clearance information

	{Code: "code:MP", Subtag: carriers.InfoReceivedLabel},
	{Code: "code:PU", Subtag: carriers.InTransitAccepted},
	{Code: "code:OR", Subtag: carriers.InTransitAccepted},
	{Code: "code:AR", Subtag: carriers.InTransitArrival},
	{Code: "code:DP", Subtag: carriers.InTransitDeparture},
	{Code: "code:DA", Subtag: carriers.InTransitOnTheWay},
	{Code: "code:OT", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "code:F4", Subtag: carriers.DeliveredOK},
	{Code: "code:KB", Subtag: carriers.DeliveredOK},
	{Code: "code:FS", Subtag: carriers.DeliveredOK},

	{Code: "status:003", Subtag: carriers.InfoReceivedLabel},
	{Code: "status:005", Subtag: carriers.InTransitOnTheWay},
	{Code: "status:011", Subtag: carriers.DeliveredOK},
	{Code: "status:012", Subtag: carriers.InTransitCustomsStarted},
	{Code: "status:021", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "status:038", Subtag: carriers.InTransitAccepted},
	{Code: "status:092", Subtag: carriers.InTransitCustomsStarted}, // "Customs Clearance in Progress"

	{Code: "type:M", Subtag: carriers.InfoReceivedLabel},
	{Code: "type:MV", Subtag: carriers.ExceptionGeneric}, // label voided
	{Code: "type:P", Subtag: carriers.InTransitAccepted},
	{Code: "type:I", Subtag: carriers.InTransitOnTheWay},
	{Code: "type:O", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "type:D", Subtag: carriers.DeliveredOK},
	{Code: "type:X", Subtag: carriers.ExceptionGeneric},
	{Code: "type:RS", Subtag: carriers.ExceptionReturning},
})

// Table returns the UPS mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapActivity maps one UPS activity (status type, code and status code, any
// of which may be empty) to the taxonomy; the description decides only when
// no code is known.
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
			return tag, sub, true
		}
	}
	return carriers.ClassifyText(description)
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
			return tag, sub, true
		}
	}
	return carriers.ClassifyText(text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
