package usps

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for USPS.
const Courier = "usps"

// Sources of the table's rows.
const (
	srcEvents   = "USPS Tracking v3 / Web Tools Track & Confirm event codes (trackingEvents[].eventCode)"
	srcCategory = "USPS Tracking v3 statusCategory values"
	srcSamples  = "USPS Tracking v3 samples (conformance usps/delivered, usps/in_transit)"
)

// statusTable is USPS's one mapping table: "event:CC" keys are tracking event
// codes (trackingEvents[].eventCode), "category:..." keys are the answer's
// statusCategory, lower case. USPS gives damage and delay no event code of
// their own; their words are read by the shared wording table.
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "event:01", Subtag: carriers.DeliveredOK, Source: srcEvents},
	{Code: "event:17", Subtag: carriers.DeliveredPickedUp, Source: srcEvents},  // picked up at the post office
	{Code: "event:02", Subtag: carriers.AttemptFailGeneric, Source: srcEvents}, // notice left
	{Code: "event:52", Subtag: carriers.AttemptFailGeneric, Source: srcEvents}, // notice left, receptacle full
	{Code: "event:53", Subtag: carriers.AttemptFailGeneric, Source: srcEvents}, // notice left, receptacle blocked
	{Code: "event:51", Subtag: carriers.AttemptFailClosed, Source: srcEvents},  // business closed
	{Code: "event:03", Subtag: carriers.InTransitAccepted, Source: srcEvents},  // USPS in possession / accepted
	{Code: "event:04", Subtag: carriers.ExceptionRefused, Source: srcEvents},
	{Code: "event:05", Subtag: carriers.ExceptionBadAddress, Source: srcEvents},   // undeliverable as addressed
	{Code: "event:21", Subtag: carriers.ExceptionBadAddress, Source: srcEvents},   // no such number
	{Code: "event:22", Subtag: carriers.ExceptionBadAddress, Source: srcEvents},   // insufficient address
	{Code: "event:25", Subtag: carriers.ExceptionBadAddress, Source: srcEvents},   // addressee unknown
	{Code: "event:26", Subtag: carriers.ExceptionBadAddress, Source: srcEvents},   // vacant
	{Code: "event:23", Subtag: carriers.ExceptionMoved, Source: srcEvents},        // moved, left no address
	{Code: "event:24", Subtag: carriers.ExceptionReturning, Source: srcEvents},    // forward expired, back to sender
	{Code: "event:27", Subtag: carriers.ExceptionPickupMissed, Source: srcEvents}, // unclaimed
	{Code: "event:28", Subtag: carriers.ExceptionGeneric, Source: srcEvents},      // deceased
	{Code: "event:29", Subtag: carriers.ExceptionReturning, Source: srcEvents},    // return to sender, other reason
	{Code: "event:31", Subtag: carriers.ExceptionReturning, Source: srcEvents},    // return to sender, not picked up
	{Code: "event:09", Subtag: carriers.ExceptionReturning, Source: srcEvents},    // return to sender
	{Code: "event:07", Subtag: carriers.InTransitArrival, Source: srcSamples},     // arrived at the post office
	{Code: "event:10", Subtag: carriers.InTransitArrival, Source: srcSamples},     // arrived at a USPS regional facility
	{Code: "event:A1", Subtag: carriers.InTransitArrival, Source: srcSamples},
	{Code: "event:SF", Subtag: carriers.InTransitDeparture, Source: srcSamples}, // departed the post office
	{Code: "event:T1", Subtag: carriers.InTransitDeparture, Source: srcSamples}, // departed a USPS regional facility
	{Code: "event:TL", Subtag: carriers.InTransitOnTheWay, Source: srcSamples},  // in transit to the next facility
	{Code: "event:OF", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcSamples},
	{Code: "event:14", Subtag: carriers.AvailableForPickupReady, Source: srcEvents}, // arrival at pickup point
	{Code: "event:16", Subtag: carriers.AvailableForPickupReady, Source: srcEvents},
	{Code: "event:GX", Subtag: carriers.InfoReceivedLabel, Source: srcSamples},      // shipping label created
	{Code: "event:MA", Subtag: carriers.InfoReceivedLabel, Source: srcSamples},      // pre-shipment, awaiting item
	{Code: "event:H0", Subtag: carriers.ExceptionCustomsDelay, Source: srcEvents},   // held in customs (international)
	{Code: "event:LO", Subtag: carriers.ExceptionLost, Source: srcEvents},           // item could not be located
	{Code: "event:80", Subtag: carriers.InTransitAccepted, Source: srcEvents},       // picked up by shipping partner, USPS awaiting item
	{Code: "event:81", Subtag: carriers.InTransitArrival, Source: srcEvents},        // arrived shipping partner facility, USPS awaiting item
	{Code: "event:82", Subtag: carriers.InTransitDeparture, Source: srcEvents},      // departed shipping partner facility, USPS awaiting item
	{Code: "event:OA", Subtag: carriers.InTransitAccepted, Source: srcEvents},       // origin acceptance
	{Code: "event:PC", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},       // sorting/processing complete
	{Code: "event:42", Subtag: carriers.InTransitForwarded, Source: srcEvents},      // USPS handoff to shipping partner
	{Code: "event:06", Subtag: carriers.InTransitOnTheWay, Source: srcEvents},       // forwarded to the addressee's new address
	{Code: "event:08", Subtag: carriers.ExceptionDelayed, Source: srcEvents},        // missent
	{Code: "event:43", Subtag: carriers.DeliveredPickedUp, Source: srcEvents},       // picked up by the addressee
	{Code: "event:56", Subtag: carriers.AttemptFailNotAvailable, Source: srcEvents}, // notice left, no authorised recipient available

	{Code: "category:pre-shipment", Subtag: carriers.InfoReceivedLabel, Source: srcCategory},
	{Code: "category:accepted", Subtag: carriers.InTransitAccepted, Source: srcCategory},
	{Code: "category:in transit", Subtag: carriers.InTransitOnTheWay, Source: srcCategory},
	{Code: "category:moving through network", Subtag: carriers.InTransitOnTheWay, Source: srcSamples},
	{Code: "category:out for delivery", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcCategory},
	{Code: "category:available for pickup", Subtag: carriers.AvailableForPickupReady, Source: srcCategory},
	{Code: "category:delivery attempt", Subtag: carriers.AttemptFailGeneric, Source: srcCategory},
	{Code: "category:delivered", Subtag: carriers.DeliveredOK, Source: srcSamples},
	{Code: "category:alert", Subtag: carriers.ExceptionGeneric, Source: srcCategory},
	{Code: "category:return to sender", Subtag: carriers.ExceptionReturning, Source: srcCategory},
})

// Table returns the USPS mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapEvent maps a tracking event code, then the event's text. A delivery
// whose words say it went back to the sender ("Delivered, To Original
// Sender") is the end of a return, not a delivery.
func MapEvent(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	if code = strings.TrimSpace(code); code != "" {
		if tag, sub, ok := statusTable.Lookup("event:" + code); ok {
			return refine(tag, sub, text)
		}
	}
	return carriers.ClassifyText(text)
}

func refine(tag carriers.Tag, sub carriers.Subtag, text string) (carriers.Tag, carriers.Subtag, bool) {
	ttag, tsub, ok := carriers.ClassifyText(text)
	switch {
	case !ok:
	case tag == carriers.Delivered && tsub == carriers.ExceptionReturned:
		return ttag, tsub, true
	case tag == carriers.Delivered && ttag == carriers.Delivered:
		// "Delivered, Individual Picked Up at Post Office": the words say how
		return ttag, tsub, true
	case sub == carriers.ExceptionGeneric && (ttag == carriers.Exception || ttag == carriers.AttemptFail):
		return ttag, tsub, true
	}
	return tag, sub, true
}

// MapCategory maps a statusCategory ("Delivered", "Moving Through Network", ...).
func MapCategory(category, status string) (carriers.Tag, carriers.Subtag, bool) {
	if tag, sub, ok := statusTable.Lookup("category:" + strings.ToLower(strings.TrimSpace(category))); ok {
		return refine(tag, sub, status)
	}
	return carriers.ClassifyText(status)
}

// MapStatus maps a code or a status category seen on the USPS public
// tracking page or in the API, and its text.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	if code != "" {
		if tag, sub, ok := statusTable.Lookup("event:" + strings.TrimSpace(code)); ok {
			return refine(tag, sub, text)
		}
		if tag, sub, ok := statusTable.Lookup("category:" + strings.ToLower(strings.TrimSpace(code))); ok {
			return refine(tag, sub, text)
		}
	}
	return carriers.ClassifyText(text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
