package usps

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for USPS.
const Courier = "usps"

// statusTable is USPS's one mapping table: "event:CC" keys are tracking event
// codes (trackingEvents[].eventCode), "category:..." keys are the answer's
// statusCategory, lower case.
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "event:01", Subtag: carriers.DeliveredOK},
	{Code: "event:17", Subtag: carriers.DeliveredPickedUp},  // picked up at the post office
	{Code: "event:02", Subtag: carriers.AttemptFailGeneric}, // notice left
	{Code: "event:52", Subtag: carriers.AttemptFailGeneric}, // notice left, receptacle full
	{Code: "event:53", Subtag: carriers.AttemptFailGeneric}, // notice left, receptacle blocked
	{Code: "event:51", Subtag: carriers.AttemptFailClosed},  // business closed
	{Code: "event:03", Subtag: carriers.InTransitAccepted},  // USPS in possession / accepted
	{Code: "event:04", Subtag: carriers.ExceptionRefused},
	{Code: "event:05", Subtag: carriers.ExceptionBadAddress}, // undeliverable as addressed
	{Code: "event:21", Subtag: carriers.ExceptionBadAddress}, // no such number
	{Code: "event:22", Subtag: carriers.ExceptionBadAddress}, // insufficient address
	{Code: "event:23", Subtag: carriers.ExceptionMoved},      // moved, left no address
	{Code: "event:09", Subtag: carriers.ExceptionReturning},  // return to sender
	{Code: "event:07", Subtag: carriers.InTransitArrival},    // arrived at the post office
	{Code: "event:10", Subtag: carriers.InTransitArrival},    // arrived at a USPS regional facility
	{Code: "event:A1", Subtag: carriers.InTransitArrival},
	{Code: "event:SF", Subtag: carriers.InTransitDeparture}, // departed the post office
	{Code: "event:T1", Subtag: carriers.InTransitDeparture}, // departed a USPS regional facility
	{Code: "event:TL", Subtag: carriers.InTransitOnTheWay},  // in transit to the next facility
	{Code: "event:OF", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "event:16", Subtag: carriers.AvailableForPickupReady},
	{Code: "event:GX", Subtag: carriers.InfoReceivedLabel}, // shipping label created
	{Code: "event:MA", Subtag: carriers.InfoReceivedLabel}, // pre-shipment, awaiting item

	{Code: "category:pre-shipment", Subtag: carriers.InfoReceivedLabel},
	{Code: "category:accepted", Subtag: carriers.InTransitAccepted},
	{Code: "category:in transit", Subtag: carriers.InTransitOnTheWay},
	{Code: "category:moving through network", Subtag: carriers.InTransitOnTheWay},
	{Code: "category:out for delivery", Subtag: carriers.OutForDeliveryOnVehicle},
	{Code: "category:available for pickup", Subtag: carriers.AvailableForPickupReady},
	{Code: "category:delivery attempt", Subtag: carriers.AttemptFailGeneric},
	{Code: "category:delivered", Subtag: carriers.DeliveredOK},
	{Code: "category:alert", Subtag: carriers.ExceptionGeneric},
	{Code: "category:return to sender", Subtag: carriers.ExceptionReturning},
})

// Table returns the USPS mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapEvent maps a tracking event code, then the event's text.
func MapEvent(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	if code = strings.TrimSpace(code); code != "" {
		if tag, sub, ok := statusTable.Lookup("event:" + code); ok {
			return tag, sub, true
		}
	}
	return carriers.ClassifyText(text)
}

// MapCategory maps a statusCategory ("Delivered", "Moving Through Network", ...).
func MapCategory(category, status string) (carriers.Tag, carriers.Subtag, bool) {
	if tag, sub, ok := statusTable.Lookup("category:" + strings.ToLower(strings.TrimSpace(category))); ok {
		return tag, sub, true
	}
	return carriers.ClassifyText(status)
}

// MapStatus maps a code or a status category seen on the USPS public
// tracking page or in the API, and its text.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	if code != "" {
		if tag, sub, ok := statusTable.Lookup("event:" + strings.TrimSpace(code)); ok {
			return tag, sub, true
		}
		if tag, sub, ok := statusTable.Lookup("category:" + strings.ToLower(strings.TrimSpace(code))); ok {
			return tag, sub, true
		}
	}
	return carriers.ClassifyText(text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
