package seventeen

import (
	"testing"

	"github.com/sellerops/sellerops/carriers"
)

// published is 17TRACK's list of the nine main statuses and thirty
// sub-statuses (API v2.2 docs, "Package status"; help.17track.net
// "Understanding Tracking Status"), each with the AfterShip subtag its
// description means, written from the two published lists.
var published = []struct {
	code string
	want carriers.Subtag
}{
	{"NotFound", carriers.PendingNoInfo},
	{"InfoReceived", carriers.InfoReceivedLabel},
	{"InTransit", carriers.InTransitOnTheWay},
	{"Expired", carriers.ExpiredNoRecentActivity},
	{"AvailableForPickup", carriers.AvailableForPickupReady},
	{"OutForDelivery", carriers.OutForDeliveryOnVehicle},
	{"DeliveryFailure", carriers.AttemptFailGeneric},
	{"Delivered", carriers.DeliveredOK},
	{"Exception", carriers.ExceptionGeneric},

	{"NotFound_Other", carriers.PendingNoInfo},              // the carrier gave no information
	{"NotFound_InvalidCode", carriers.PendingNotRecognised}, // the number is invalid
	{"InTransit_PickedUp", carriers.InTransitAccepted},      // collected from the sender
	{"InTransit_Other", carriers.InTransitOnTheWay},         // in transit, nothing finer
	{"InTransit_Departure", carriers.InTransitDeparture},    // left the origin country's port
	{"InTransit_Arrival", carriers.InTransitDestCountry},    // reached the destination country's port
	{"InTransit_CustomsProcessing", carriers.InTransitCustomsStarted},
	{"InTransit_CustomsReleased", carriers.InTransitCustomsCleared},
	{"InTransit_CustomsRequiringInformation", carriers.ExceptionCustomsDelay}, // clearance waits on information
	{"Expired_Other", carriers.ExpiredNoRecentActivity},
	{"AvailableForPickup_Other", carriers.AvailableForPickupReady},
	{"OutForDelivery_Other", carriers.OutForDeliveryOnVehicle},
	{"DeliveryFailure_Other", carriers.AttemptFailGeneric},
	{"DeliveryFailure_NoBody", carriers.AttemptFailNotAvailable}, // recipient could not be reached
	{"DeliveryFailure_Security", carriers.AttemptFailGeneric},    // security, customs or fees at delivery
	{"DeliveryFailure_Rejected", carriers.ExceptionRefused},      // recipient refused
	{"DeliveryFailure_InvalidAddress", carriers.ExceptionBadAddress},
	{"Delivered_Other", carriers.DeliveredOK},
	{"Exception_Other", carriers.ExceptionGeneric},
	{"Exception_Returning", carriers.ExceptionReturning},
	{"Exception_Returned", carriers.ExceptionReturned},
	{"Exception_NoBody", carriers.ExceptionPickupMissed}, // recipient not found, parcel not collected
	{"Exception_Security", carriers.ExceptionCustomsDelay},
	{"Exception_Damage", carriers.ExceptionDamaged},
	{"Exception_Rejected", carriers.ExceptionRefused},
	{"Exception_Delayed", carriers.ExceptionDelayed},
	{"Exception_Lost", carriers.ExceptionLost},
	{"Exception_Destroyed", carriers.ExceptionGeneric},
	{"Exception_Cancel", carriers.ExceptionGeneric},
}

func TestEveryPublishedStatusIsMapped(t *testing.T) {
	if n := len(published); n != 9+30-1 { // InfoReceived is both a status and its own sub-status
		t.Fatalf("the published list has %d codes, want 38", n)
	}
	for _, p := range published {
		tag, sub, ok := Table().Lookup(p.code)
		if !ok {
			t.Errorf("%s: not in the table", p.code)
			continue
		}
		if sub != p.want || tag != p.want.Tag() {
			t.Errorf("%s: maps to %s/%s, want %s", p.code, tag, sub, p.want)
		}
	}
	if got := len(Table().Rules()); got != len(published) {
		t.Errorf("the table has %d rows, the published list %d: a row without a published code", got, len(published))
	}
}

func TestMapStatusFallsBackToWords(t *testing.T) {
	tag, sub, ok := MapStatus("", "Item could not be located")
	if !ok || sub != carriers.ExceptionLost || tag != carriers.Exception {
		t.Fatalf("words: %s/%s %v", tag, sub, ok)
	}
	if _, _, ok := MapStatus("Exception_Teleported", "zzz"); ok {
		t.Fatal("an unknown code with no words was mapped")
	}
	if _, sub, _ := carriers.MapStatus(Courier, "exception_lost", ""); sub != carriers.ExceptionLost {
		t.Fatalf("the registered mapper is not used (or not case-blind): %s", sub)
	}
}
