package fedex

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for FedEx.
const Courier = "fedex"

// Sources of the table's rows.
const (
	srcEvents  = "FedEx Track API: scan event type codes (scanEvents[].eventType)"
	srcDerived = "FedEx Track API: derived status codes (derivedStatusCode)"
	srcExcept  = "FedEx Track API: delivery exception codes (exceptionCode with eventType DE)"
)

// statusTable is FedEx's one mapping table. Keys:
//
//	"EV/EXC"     a scan event type with its exception code
//	"event:EV"   a scan event type (scanEvents[].eventType, latestStatusDetail.code)
//	"derived:D"  a derived status code (derivedStatusCode, latestStatusDetail.derivedCode)
//
// Delivery and shipment exceptions (DE, SE) carry their reason in words
// when no exception code below names it; MapEvent reads those words.
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "DE/08", Subtag: carriers.AttemptFailNotAvailable, Source: srcExcept}, // customer not available or business closed
	{Code: "DE/07", Subtag: carriers.ExceptionRefused, Source: srcExcept},
	{Code: "DE/03", Subtag: carriers.ExceptionBadAddress, Source: srcExcept},
	{Code: "DE/A47", Subtag: carriers.InTransitForwarded, Source: srcExcept}, // redirected to a nearby FedEx location

	{Code: "event:OC", Subtag: carriers.InfoReceivedLabel, Source: srcEvents}, // shipment information sent to FedEx
	{Code: "event:PU", Subtag: carriers.InTransitAccepted, Source: srcEvents},
	{Code: "event:PX", Subtag: carriers.InTransitAccepted, Source: srcEvents},
	{Code: "event:AR", Subtag: carriers.InTransitArrival, Source: srcEvents},
	{Code: "event:AF", Subtag: carriers.InTransitArrival, Source: srcEvents},
	{Code: "event:FD", Subtag: carriers.InTransitArrival, Source: srcEvents},
	{Code: "event:OF", Subtag: carriers.InTransitArrival, Source: srcEvents},
	{Code: "event:SF", Subtag: carriers.InTransitArrival, Source: srcEvents},
	{Code: "event:AA", Subtag: carriers.InTransitArrival, Source: srcEvents}, // at airport
	{Code: "event:DP", Subtag: carriers.InTransitDeparture, Source: srcEvents},
	{Code: "event:LO", Subtag: carriers.InTransitDeparture, Source: srcEvents}, // left origin
	{Code: "event:IT", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:IX", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:AE", Subtag: carriers.InTransitOnTheWay, Source: srcEvents}, // shipment arriving early
	{Code: "event:AO", Subtag: carriers.InTransitOnTheWay, Source: srcEvents}, // shipment arriving on time
	{Code: "event:EA", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:ED", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:EO", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:PF", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:PL", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:TR", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},
	{Code: "event:CH", Subtag: carriers.InTransitForwarded, Source: srcEvents}, // location changed
	{Code: "event:CC", Subtag: carriers.InTransitCustomsCleared, Source: srcEvents},
	{Code: "event:CP", Subtag: carriers.InTransitCustomsStarted, Source: srcEvents},
	{Code: "event:CD", Subtag: carriers.ExceptionCustomsDelay, Source: srcEvents},
	{Code: "event:OD", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcEvents},
	{Code: "event:DL", Subtag: carriers.DeliveredOK, Source: srcEvents},
	{Code: "event:HP", Subtag: carriers.AvailableForPickupReady, Source: srcEvents},
	{Code: "event:HL", Subtag: carriers.AvailableForPickupReady, Source: srcEvents}, // hold at location
	{Code: "event:DE", Subtag: carriers.AttemptFailGeneric, Source: srcEvents},
	{Code: "event:DY", Subtag: carriers.ExceptionDelayed, Source: srcEvents},
	{Code: "event:DD", Subtag: carriers.ExceptionDelayed, Source: srcEvents},
	{Code: "event:PD", Subtag: carriers.ExceptionDelayed, Source: srcEvents},
	{Code: "event:SE", Subtag: carriers.ExceptionGeneric, Source: srcEvents},
	{Code: "event:CA", Subtag: carriers.ExceptionGeneric, Source: srcEvents}, // shipment cancelled
	{Code: "event:RS", Subtag: carriers.ExceptionReturning, Source: srcEvents},
	{Code: "event:OX", Subtag: carriers.InTransitForwarded, Source: srcEvents}, // shipment information sent to USPS: handed to the post for the last leg

	{Code: "derived:IN", Subtag: carriers.InfoReceivedLabel, Source: srcDerived},
	{Code: "derived:PU", Subtag: carriers.InTransitAccepted, Source: srcDerived},
	{Code: "derived:IT", Subtag: carriers.InTransitOnTheWay, Source: srcDerived},
	{Code: "derived:OD", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcDerived},
	{Code: "derived:DL", Subtag: carriers.DeliveredOK, Source: srcDerived},
	{Code: "derived:HP", Subtag: carriers.AvailableForPickupReady, Source: srcDerived},
	{Code: "derived:DE", Subtag: carriers.AttemptFailGeneric, Source: srcDerived},
	{Code: "derived:DY", Subtag: carriers.ExceptionDelayed, Source: srcDerived},
	{Code: "derived:RL", Subtag: carriers.ExceptionDelayed, Source: srcDerived}, // running late
	{Code: "derived:SE", Subtag: carriers.ExceptionGeneric, Source: srcDerived},
	{Code: "derived:CA", Subtag: carriers.ExceptionGeneric, Source: srcDerived},
	{Code: "derived:RS", Subtag: carriers.ExceptionReturning, Source: srcDerived},
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
		for _, text := range []string{exceptionDescription, description} {
			if tag, sub, ok := carriers.ClassifyText(text); ok && tag == carriers.Exception && sub != carriers.ExceptionGeneric {
				return tag, sub, true
			}
		}
	case "DL":
		// a return leg ends with a delivery to the shipper
		for _, text := range []string{exceptionDescription, description} {
			if _, sub, ok := carriers.ClassifyText(text); ok && sub == carriers.ExceptionReturned {
				return carriers.Exception, sub, true
			}
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
