package dhl

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for DHL.
const Courier = "dhl"

const srcStatusCode = "DHL Shipment Tracking - Unified API (OpenAPI): statusCode enum pre-transit, transit, delivered, failure, unknown"

// statusTable is DHL's one mapping table, keyed by the unified API's
// statusCode (the same five values for the shipment and for each event).
// The unified API says everything finer (out for delivery, a customs hold,
// damage, loss, a return) only in the event's words, which MapStatus reads.
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "pre-transit", Subtag: carriers.InfoReceivedLabel, Source: srcStatusCode},
	{Code: "transit", Subtag: carriers.InTransitOnTheWay, Source: srcStatusCode},
	{Code: "delivered", Subtag: carriers.DeliveredOK, Source: srcStatusCode},
	{Code: "failure", Subtag: carriers.ExceptionGeneric, Source: srcStatusCode},
	{Code: "unknown", Subtag: carriers.PendingNoInfo, Source: srcStatusCode},
})

// Table returns the DHL mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapStatus maps a statusCode and its text. statusCode decides the tag; the
// text only refines it (a "failure" that says damaged is Exception_012; a
// "transit" that says out for delivery is OutForDelivery). Without a known
// code the text decides.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	tag, sub, ok := statusTable.Lookup(strings.ToLower(strings.TrimSpace(code)))
	if !ok {
		return carriers.ClassifyText(text)
	}
	if ttag, tsub, tok := carriers.ClassifyText(text); tok {
		switch {
		case tag == carriers.Exception && (ttag == carriers.Exception || ttag == carriers.AttemptFail):
			return ttag, tsub, true
		case tag == carriers.InTransit && (ttag == carriers.InTransit || ttag == carriers.OutForDelivery || ttag == carriers.AvailableForPickup):
			return ttag, tsub, true
		case tag == carriers.InTransit && (tsub == carriers.ExceptionReturning || tsub == carriers.ExceptionReturned ||
			tsub == carriers.ExceptionCustomsDelay || tsub == carriers.ExceptionDelayed):
			// still moving, but back to the shipper, or waiting on customs;
			// DHL Parcel NL files its delivery back to the shipper
			// (DELIVERED_AT_SHIPPER) under transit
			return ttag, tsub, true
		case tag == carriers.Delivered && (ttag == carriers.Delivered || tsub == carriers.ExceptionReturned):
			// a delivery to the shipper ends a return
			return ttag, tsub, true
		}
	}
	return tag, sub, true
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
