package fedex

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for FedEx.
const Courier = "fedex"

// statusTable is FedEx's one mapping table. Keys:
//
//	"EV/EXC"     a scan event type with its exception code
//	"event:EV"   a scan event type (scanEvents[].eventType, latestStatusDetail.code)
//	"derived:D"  a derived status code (derivedStatusCode, latestStatusDetail.derivedCode)
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "DE/08", Subtag: carriers.AttemptFailNotAvailable}, // customer not available or business closed
	{Code: "DE/07", Subtag: carriers.ExceptionRefused},
	{Code: "DE/03", Subtag: carriers.ExceptionBadAddress},
	{Code: "DE/A47", Subtag: carriers.InTransitForwarded}, // redirected to a nearby FedEx location

	{Code: "event:OC", Subtag: carriers.InfoReceivedLabel}, // shipment information sent to FedEx
	{Code: "event:PU", Subtag: carriers.InTransitAccepted},
	{Code: "event:PX", Subtag: carriers.InTransitAccepted},
	{Code: "event:AR", Subtag: carriers.InTransitArrival},
	{Code: "event:AF", Subtag: carriers.InTransitArrival},
	{Code: "event:FD", Subtag: carriers.InTransitArrival},
	{Code: "event:OF", Subtag: carriers.InTransitArrival},
	{Code: "event:SF", Subtag: carriers.InTransitArrival},
	{Code: "event:DP", Subtag: carriers.InTransitDeparture},
	{Code: "event:LO", Subtag: carriers.InTransitDeparture},
	{Code: "event:IT", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:IX", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:AE", Subtag: carriers.InTransitOnTheWay}, // shipment arriving early
	{Code: "event:AO", Subtag: carriers.InTransitOnTheWay}, // shipment arriving on time
	{Code: "event:EA", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:ED", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:EO", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:PF", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:PL", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:TR", Subtag: carriers.InTransitOnTheWay},
	{Code: "event:CC", Subtag: carriers.InTransitCustomsCleared},
	{Code: "event:CP", Subtag: carriers.InTransitCustomsStarted},
	{Code: "event:CD", Subtag: carriers.ExceptionCustomsDelay},
	{Code: "event:OD", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "event:DL", Subtag: carriers.DeliveredOK},
	{Code: "event:HP", Subtag: carriers.AvailableForPickupReady},
	{Code: "event:HL", Subtag: carriers.AvailableForPickupReady},
	{Code: "event:DE", Subtag: carriers.AttemptFailGeneric},
	{Code: "event:DY", Subtag: carriers.ExceptionDelayed},
	{Code: "event:DD", Subtag: carriers.ExceptionDelayed},
	{Code: "event:PD", Subtag: carriers.ExceptionDelayed},
	{Code: "event:SE", Subtag: carriers.ExceptionGeneric},
	{Code: "event:CA", Subtag: carriers.ExceptionGeneric},
	{Code: "event:RS", Subtag: carriers.ExceptionReturning},

	{Code: "derived:IN", Subtag: carriers.InfoReceivedLabel},
	{Code: "derived:PU", Subtag: carriers.InTransitAccepted},
	{Code: "derived:IT", Subtag: carriers.InTransitOnTheWay},
	{Code: "derived:OD", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "derived:DL", Subtag: carriers.DeliveredOK},
	{Code: "derived:HP", Subtag: carriers.AvailableForPickupReady},
	{Code: "derived:DE", Subtag: carriers.AttemptFailGeneric},
	{Code: "derived:DY", Subtag: carriers.ExceptionDelayed},
	{Code: "derived:RL", Subtag: carriers.ExceptionDelayed}, // running late
	{Code: "derived:SE", Subtag: carriers.ExceptionGeneric},
	{Code: "derived:CA", Subtag: carriers.ExceptionGeneric},
	{Code: "derived:RS", Subtag: carriers.ExceptionReturning},
})

// Table returns the FedEx mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapEvent maps one scan event. A delivery or shipment exception whose
// description names damage, loss, a return or a refusal takes that subtag.
func MapEvent(eventType, exceptionCode, derived, description, exceptionDescription string) (carriers.Tag, carriers.Subtag, bool) {
	eventType, exceptionCode, derived = strings.TrimSpace(eventType), strings.TrimSpace(exceptionCode), strings.TrimSpace(derived)
	if eventType != "" && exceptionCode != "" {
		if tag, sub, ok := statusTable.Lookup(eventType + "/" + exceptionCode); ok {
			return tag, sub, true
		}
	}
	switch eventType {
	case "DE", "SE", "DY", "CD":
		if tag, sub, ok := carriers.ClassifyText(exceptionDescription); ok && tag == carriers.Exception && sub != carriers.ExceptionGeneric {
			return tag, sub, true
		}
	}
	if eventType != "" {
		if tag, sub, ok := statusTable.Lookup("event:" + eventType); ok {
			return tag, sub, true
		}
	}
	if derived != "" {
		if tag, sub, ok := statusTable.Lookup("derived:" + derived); ok {
			return tag, sub, true
		}
	}
	return carriers.ClassifyText(description)
}

// MapStatus maps a code seen on the FedEx public tracking page or in the API
// (an event type or a derived status code) and its text.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	return MapEvent(code, "", code, text, text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
