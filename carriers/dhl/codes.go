package dhl

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the courier code for DHL.
const Courier = "dhl"

// statusTable is DHL's one mapping table, keyed by the unified API's
// statusCode (the same five values for the shipment and for each event).
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	{Code: "pre-transit", Subtag: carriers.InfoReceivedLabel},
	{Code: "transit", Subtag: carriers.InTransitOnTheWay},
	{Code: "delivered", Subtag: carriers.DeliveredOK},
	{Code: "failure", Subtag: carriers.ExceptionGeneric},
	{Code: "unknown", Subtag: carriers.PendingNoInfo},
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
		case tag == carriers.Delivered && ttag == carriers.Delivered:
			return ttag, tsub, true
		}
	}
	return tag, sub, true
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
