package carriers_test

import (
	"testing"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/carriers/dhl"
	"github.com/sellerops/sellerops/carriers/fedex"
	"github.com/sellerops/sellerops/carriers/seventeen"
	"github.com/sellerops/sellerops/carriers/ups"
	"github.com/sellerops/sellerops/carriers/usps"
)

// publishedSubtags is AfterShip's list of delivery sub-statuses (docs
// "Delivery Sub-statuses"), written out by hand from that page.
var publishedSubtags = []string{
	"Pending_001", "Pending_002", "Pending_003", "Pending_004", "Pending_005", "Pending_006",
	"InfoReceived_001",
	"InTransit_001", "InTransit_002", "InTransit_003", "InTransit_004", "InTransit_005", "InTransit_006", "InTransit_007", "InTransit_008", "InTransit_009",
	"OutForDelivery_001", "OutForDelivery_002", "OutForDelivery_003", "OutForDelivery_004",
	"AttemptFail_001", "AttemptFail_002", "AttemptFail_003",
	"Delivered_001", "Delivered_002", "Delivered_003", "Delivered_004",
	"AvailableForPickup_001", "AvailableForPickup_002",
	"Exception_001", "Exception_002", "Exception_003", "Exception_004", "Exception_005", "Exception_006", "Exception_007",
	"Exception_008", "Exception_009", "Exception_010", "Exception_011", "Exception_012", "Exception_013",
	"Expired_001",
}

func TestEveryPublishedSubtagExists(t *testing.T) {
	for _, code := range publishedSubtags {
		if _, ok := carriers.LookupSubtag(carriers.Subtag(code)); !ok {
			t.Errorf("subtag %s of the published list is missing", code)
		}
	}
}

func TestEveryRowNamesItsSourceAndAKnownSubtag(t *testing.T) {
	for _, tbl := range []*carriers.StatusTable{ups.Table(), fedex.Table(), usps.Table(), dhl.Table(), seventeen.Table()} {
		for _, r := range tbl.Rules() {
			if r.Source == "" {
				t.Errorf("%s row %s names no source", tbl.Courier, r.Code)
			}
			if _, ok := carriers.LookupSubtag(r.Subtag); !ok || r.Subtag.Tag() != r.Tag {
				t.Errorf("%s row %s maps to %s/%s, not in the taxonomy", tbl.Courier, r.Code, r.Tag, r.Subtag)
			}
		}
	}
}

// carrierWords is a labelled set: what each carrier's documentation says a
// code (with its usual wording) means, against the subtag that meaning is in
// AfterShip's list. Written from the carriers' code lists, not from our tables.
var carrierWords = []struct {
	courier, code, text string
	want                carriers.Subtag
}{
	// UPS: status type / three-digit status code, and the words of a type X exception
	{"ups", "D", "DELIVERED", carriers.DeliveredOK},
	{"ups", "021", "Out For Delivery Today", carriers.OutForDeliveryOnVehicle},
	{"ups", "X", "The receiver was not available for delivery. We'll make a second attempt the next business day.", carriers.AttemptFailNotAvailable},
	{"ups", "017", "Held for customer pickup", carriers.AvailableForPickupReady},
	{"ups", "I", "Arrived at Facility", carriers.InTransitOnTheWay},
	{"ups", "X", "Held by customs: clearance delay", carriers.ExceptionCustomsDelay},
	{"ups", "014", "Clearance completed", carriers.InTransitCustomsCleared},
	{"ups", "032", "Adverse weather may cause delay", carriers.ExceptionDelayed},
	{"ups", "X", "The package was damaged in transit.", carriers.ExceptionDamaged},
	{"ups", "X", "We could not locate your package.", carriers.ExceptionLost},
	{"ups", "035", "Returning to sender", carriers.ExceptionReturning},
	{"ups", "034", "Returned to sender", carriers.ExceptionReturned},
	{"ups", "X", "The receiver refused the delivery.", carriers.ExceptionRefused},
	{"ups", "X", "The address is incorrect.", carriers.ExceptionBadAddress},
	// FedEx: event type (the page shows the derived code)
	{"fedex", "DL", "Delivered", carriers.DeliveredOK},
	{"fedex", "OD", "On FedEx vehicle for delivery", carriers.OutForDeliveryOnVehicle},
	{"fedex", "DE", "Delivery exception", carriers.AttemptFailGeneric},
	{"fedex", "HL", "Ready for pickup", carriers.AvailableForPickupReady},
	{"fedex", "IT", "In transit", carriers.InTransitOnTheWay},
	{"fedex", "CD", "Clearance delay - Import", carriers.ExceptionCustomsDelay},
	{"fedex", "CC", "International shipment release - Import", carriers.InTransitCustomsCleared},
	{"fedex", "DY", "Delay", carriers.ExceptionDelayed},
	{"fedex", "DE", "Package damaged", carriers.ExceptionDamaged},
	{"fedex", "SE", "Package could not be located", carriers.ExceptionLost},
	{"fedex", "RS", "Returning package to shipper", carriers.ExceptionReturning},
	{"fedex", "DL", "Delivered to shipper: returned to sender", carriers.ExceptionReturned},
	{"fedex", "DE", "Refused by recipient", carriers.ExceptionRefused},
	{"fedex", "DE", "Incorrect address", carriers.ExceptionBadAddress},
	// USPS: Tracking event codes
	{"usps", "01", "Delivered, In/At Mailbox", carriers.DeliveredOK},
	{"usps", "OF", "Out for Delivery", carriers.OutForDeliveryOnVehicle},
	{"usps", "02", "Notice Left (No Authorized Recipient Available)", carriers.AttemptFailGeneric},
	{"usps", "16", "Available for Pickup", carriers.AvailableForPickupReady},
	{"usps", "10", "Arrived at USPS Regional Facility", carriers.InTransitArrival},
	{"usps", "H0", "Held in Customs", carriers.ExceptionCustomsDelay},
	{"usps", "", "Customs Clearance Completed", carriers.InTransitCustomsCleared},
	{"usps", "", "In Transit, Arriving Late", carriers.ExceptionDelayed},
	{"usps", "", "Damaged Item", carriers.ExceptionDamaged},
	{"usps", "LO", "Item Could Not Be Located", carriers.ExceptionLost},
	{"usps", "09", "Return to Sender Processed", carriers.ExceptionReturning},
	{"usps", "01", "Delivered, To Original Sender", carriers.ExceptionReturned},
	{"usps", "04", "Refused", carriers.ExceptionRefused},
	{"usps", "05", "Undeliverable as Addressed", carriers.ExceptionBadAddress},
	// DHL: unified statusCode and description
	{"dhl", "delivered", "Delivered", carriers.DeliveredOK},
	{"dhl", "transit", "Shipment is out with courier for delivery", carriers.OutForDeliveryOnVehicle},
	{"dhl", "failure", "Delivery attempted; recipient not home", carriers.AttemptFailNotAvailable},
	{"dhl", "transit", "Shipment is available for pickup at the DHL ServicePoint", carriers.AvailableForPickupReady},
	{"dhl", "transit", "Arrived at DHL Sort Facility", carriers.InTransitArrival},
	{"dhl", "transit", "Shipment on hold at customs - clearance delay", carriers.ExceptionCustomsDelay},
	{"dhl", "transit", "Customs clearance completed", carriers.InTransitCustomsCleared},
	{"dhl", "transit", "Shipment delay", carriers.ExceptionDelayed},
	{"dhl", "failure", "Shipment damaged", carriers.ExceptionDamaged},
	{"dhl", "failure", "Shipment could not be located", carriers.ExceptionLost},
	{"dhl", "transit", "Shipment is being returned to shipper", carriers.ExceptionReturning},
	{"dhl", "delivered", "Returned shipment delivered to shipper", carriers.ExceptionReturned},
	{"dhl", "failure", "Delivery refused by recipient", carriers.ExceptionRefused},
	{"dhl", "failure", "Incorrect address", carriers.ExceptionBadAddress},
}

func TestCarrierCodesMapToTheirPublishedMeaning(t *testing.T) {
	for _, c := range carrierWords {
		_, got, ok := carriers.MapStatus(c.courier, c.code, c.text)
		if !ok || got != c.want {
			t.Errorf("%s %q %q -> %s (ok %v), want %s", c.courier, c.code, c.text, got, ok, c.want)
		}
	}
}

// Carrier pages in other languages: a labelled set of real-world phrasings.
func TestClassifyTextLanguages(t *testing.T) {
	cases := map[string]carriers.Subtag{
		"Package could not be located":           carriers.ExceptionLost,
		"Package cannot be located":              carriers.ExceptionLost,
		"Sendung ist beschädigt":                 carriers.ExceptionDamaged,
		"Die Sendung wurde zugestellt":           carriers.DeliveredOK,
		"Die Sendung ist in Zustellung":          carriers.OutForDeliveryOnVehicle,
		"Empfänger nicht angetroffen":            carriers.AttemptFailGeneric,
		"Colis livré":                            carriers.DeliveredOK,
		"Colis retourné à l'expéditeur":          carriers.ExceptionReturned,
		"Votre colis est retenu en douane":       carriers.ExceptionCustomsDelay,
		"Envío entregado":                        carriers.DeliveredOK,
		"El envío está en reparto":               carriers.OutForDeliveryOnVehicle,
		"Paquete extraviado":                     carriers.ExceptionLost,
		"お荷物は配達完了しました":                           carriers.DeliveredOK,
		"お客様が受取拒否されました":                          carriers.ExceptionRefused,
		"商品が破損しています":                             carriers.ExceptionDamaged,
		"包裹已签收":                                  carriers.DeliveredOK,
		"快件派送中":                                  carriers.OutForDeliveryOnVehicle,
		"包裹丢失":                                   carriers.ExceptionLost,
		"海关扣留":                                   carriers.ExceptionCustomsDelay,
		"Returned shipment delivered to shipper": carriers.ExceptionReturned,
		"Shipment is being returned to shipper":  carriers.ExceptionReturning,
	}
	for text, want := range cases {
		if _, got, ok := carriers.ClassifyText(text); !ok || got != want {
			t.Errorf("ClassifyText(%q) = %s (ok %v), want %s", text, got, ok, want)
		}
	}
}

// An event no table can read keeps its raw code, is flagged and counted,
// and is never read as some other status.
func TestUnknownEventIsCountedNotGuessed(t *testing.T) {
	body := []byte(`{"trackingNumber":"9400100000000000000000","statusCategory":"","status":"",
	"trackingEvents":[
	 {"eventType":"Zq7 status vx","eventTimestamp":"2026-03-02T10:00:00","eventCode":"Q9"},
	 {"eventType":"Arrived at USPS Regional Facility","eventTimestamp":"2026-03-01T10:00:00","eventCode":"10"}]}`)
	sh, err := usps.Parse(body, "9400100000000000000000")
	if err != nil {
		t.Fatal(err)
	}
	if sh.Unmapped != 1 || !sh.Events[0].Unmapped || sh.Events[0].RawCode != "Q9" || sh.Events[0].Tag != "" {
		t.Fatalf("unknown event not flagged: unmapped %d, %+v", sh.Unmapped, sh.Events[0])
	}
	if sh.Events[1].Unmapped || sh.Events[1].Subtag != carriers.InTransitArrival {
		t.Fatalf("known event: %+v", sh.Events[1])
	}
}
