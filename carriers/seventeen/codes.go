package seventeen

import (
	"strings"

	"github.com/sellerops/sellerops/carriers"
)

// Courier is the code under which the 17TRACK client and its keys are
// kept (keyring carrier/17track/api_key, config carriers.17track).
const Courier = "17track"

// Sources of the table rows.
const (
	srcStatus = "17TRACK API v2.2 docs (asset.17track.net/api/document/v2.2_en), package status: main status"
	srcSub    = "17TRACK API v2.2 docs, package status: sub-status; help.17track.net \"Understanding Tracking Status (Main Status / Substatus)\""
)

// statusTable is 17TRACK's one mapping table. It holds the nine main
// statuses (used when an answer gives no sub-status) and the thirty
// sub-statuses. The main status decides the tag except where AfterShip
// files the same meaning under Exception (a refused parcel, a wrong
// address); the sub-status picks the subtag.
var statusTable = carriers.NewStatusTable(Courier, []carriers.StatusRule{
	// main statuses
	{Code: "NotFound", Subtag: carriers.PendingNoInfo, Source: srcStatus},
	{Code: "InfoReceived", Subtag: carriers.InfoReceivedLabel, Source: srcStatus + "; also its only sub-status"},
	{Code: "InTransit", Subtag: carriers.InTransitOnTheWay, Source: srcStatus},
	{Code: "Expired", Subtag: carriers.ExpiredNoRecentActivity, Source: srcStatus},
	{Code: "AvailableForPickup", Subtag: carriers.AvailableForPickupReady, Source: srcStatus},
	{Code: "OutForDelivery", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcStatus},
	{Code: "DeliveryFailure", Subtag: carriers.AttemptFailGeneric, Source: srcStatus},
	{Code: "Delivered", Subtag: carriers.DeliveredOK, Source: srcStatus},
	{Code: "Exception", Subtag: carriers.ExceptionGeneric, Source: srcStatus},

	// NotFound: the inquiry worked but the carrier has nothing, or the
	// number is not one (AfterShip "not yet recognised").
	{Code: "NotFound_Other", Subtag: carriers.PendingNoInfo, Source: srcSub},
	{Code: "NotFound_InvalidCode", Subtag: carriers.PendingNotRecognised, Source: srcSub},

	// InTransit
	{Code: "InTransit_PickedUp", Subtag: carriers.InTransitAccepted, Source: srcSub},
	{Code: "InTransit_Other", Subtag: carriers.InTransitOnTheWay, Source: srcSub},
	// "left the port of the originating country"
	{Code: "InTransit_Departure", Subtag: carriers.InTransitDeparture, Source: srcSub},
	// "arrived at the port of the destination country"
	{Code: "InTransit_Arrival", Subtag: carriers.InTransitDestCountry, Source: srcSub},
	{Code: "InTransit_CustomsProcessing", Subtag: carriers.InTransitCustomsStarted, Source: srcSub},
	{Code: "InTransit_CustomsReleased", Subtag: carriers.InTransitCustomsCleared, Source: srcSub},
	// customs wants more information before it releases the parcel: the
	// clearance is held up, AfterShip's "Delayed (customs clearance)"
	{Code: "InTransit_CustomsRequiringInformation", Subtag: carriers.ExceptionCustomsDelay, Source: srcSub},

	{Code: "Expired_Other", Subtag: carriers.ExpiredNoRecentActivity, Source: srcSub},
	{Code: "AvailableForPickup_Other", Subtag: carriers.AvailableForPickupReady, Source: srcSub},
	{Code: "OutForDelivery_Other", Subtag: carriers.OutForDeliveryOnVehicle, Source: srcSub},

	// DeliveryFailure
	{Code: "DeliveryFailure_Other", Subtag: carriers.AttemptFailGeneric, Source: srcSub},
	{Code: "DeliveryFailure_NoBody", Subtag: carriers.AttemptFailNotAvailable, Source: srcSub},
	// security, customs or fee problems at the door: an attempt that failed
	{Code: "DeliveryFailure_Security", Subtag: carriers.AttemptFailGeneric, Source: srcSub},
	{Code: "DeliveryFailure_Rejected", Subtag: carriers.ExceptionRefused, Source: srcSub},
	{Code: "DeliveryFailure_InvalidAddress", Subtag: carriers.ExceptionBadAddress, Source: srcSub},

	{Code: "Delivered_Other", Subtag: carriers.DeliveredOK, Source: srcSub},

	// Exception
	{Code: "Exception_Other", Subtag: carriers.ExceptionGeneric, Source: srcSub},
	{Code: "Exception_Returning", Subtag: carriers.ExceptionReturning, Source: srcSub},
	{Code: "Exception_Returned", Subtag: carriers.ExceptionReturned, Source: srcSub},
	// the recipient could not be found or did not collect the parcel
	{Code: "Exception_NoBody", Subtag: carriers.ExceptionPickupMissed, Source: srcSub},
	// held for security, customs or fees
	{Code: "Exception_Security", Subtag: carriers.ExceptionCustomsDelay, Source: srcSub},
	{Code: "Exception_Damage", Subtag: carriers.ExceptionDamaged, Source: srcSub},
	{Code: "Exception_Rejected", Subtag: carriers.ExceptionRefused, Source: srcSub},
	{Code: "Exception_Delayed", Subtag: carriers.ExceptionDelayed, Source: srcSub},
	{Code: "Exception_Lost", Subtag: carriers.ExceptionLost, Source: srcSub},
	// destroyed (by customs, usually) and cancelled have no subtag of their
	// own in AfterShip's list; neither is a loss a carrier would pay for
	{Code: "Exception_Destroyed", Subtag: carriers.ExceptionGeneric, Source: srcSub},
	{Code: "Exception_Cancel", Subtag: carriers.ExceptionGeneric, Source: srcSub},
})

// Table returns the 17TRACK mapping table.
func Table() *carriers.StatusTable { return statusTable }

// MapStatus maps a 17TRACK status or sub-status; without a known code the
// text decides.
func MapStatus(code, text string) (carriers.Tag, carriers.Subtag, bool) {
	if tag, sub, ok := statusTable.Lookup(strings.TrimSpace(code)); ok {
		return tag, sub, true
	}
	return carriers.ClassifyText(text)
}

func init() { carriers.RegisterStatusMapper(Courier, MapStatus) }
