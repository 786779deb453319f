package inbox

import (
	"errors"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/localdb"
)

func TestFillReplacesEveryPlaceholder(t *testing.T) {
	got, err := Fill("Hi {{buyer}}, order {{ order }}: {{tracking}} is {{STATUS}}.", map[string]string{
		"buyer": "Ana", "order": "111-1", "tracking": "1Z9", "status": "in transit"})
	if err != nil {
		t.Fatal(err)
	}
	if got != "Hi Ana, order 111-1: 1Z9 is in transit." {
		t.Fatalf("Fill = %q", got)
	}
}

func TestFillRefusesMissingValues(t *testing.T) {
	_, err := Fill("Hi {{buyer}}, {{tracking}} is {{status}}; {{tracking}}", map[string]string{
		"buyer": "Ana", "order": "1", "tracking": "", "status": "  "})
	var me *MissingError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want *MissingError", err)
	}
	if strings.Join(me.Names, ",") != "status,tracking" {
		t.Fatalf("missing = %v, want status and tracking once each", me.Names)
	}
	if !strings.Contains(err.Error(), "{{status}}, {{tracking}}") {
		t.Fatalf("message %q does not name the placeholders", err)
	}
}

func TestFillRefusesUnknownPlaceholders(t *testing.T) {
	_, err := Fill("Hi {{buyer}} {{coupon}}", map[string]string{"buyer": "Ana"})
	var ue *UnknownError
	if !errors.As(err, &ue) || ue.Names[0] != "coupon" {
		t.Fatalf("err = %v, want *UnknownError for coupon", err)
	}
	if got, err := Fill("no placeholders {single}", nil); err != nil || got != "no placeholders {single}" {
		t.Fatalf("plain text: %q, %v", got, err)
	}
}

func TestValuesComeFromThreadOrderAndParcel(t *testing.T) {
	tc := localdb.ThreadContext{
		Thread:   localdb.Thread{MarketplaceOrderID: "111-1"},
		Order:    &localdb.Order{MarketplaceOrderID: "111-1", BuyerName: "Ana", TrackingNumber: ""},
		Shipment: &localdb.Shipment{TrackingNumber: "1Z9", Tag: "OutForDelivery"},
	}
	v := Values(tc)
	if v[PlaceBuyer] != "Ana" || v[PlaceOrder] != "111-1" || v[PlaceTracking] != "1Z9" || v[PlaceStatus] != "out for delivery" {
		t.Fatalf("values = %v", v)
	}
	bare := Values(localdb.ThreadContext{Thread: localdb.Thread{BuyerName: "Ben"}})
	if bare[PlaceBuyer] != "Ben" || bare[PlaceTracking] != "" || bare[PlaceStatus] != "" {
		t.Fatalf("thread without order: %v", bare)
	}
	for _, tmpl := range DefaultTemplates() {
		if _, err := Fill(tmpl.Body, v); err != nil {
			t.Errorf("template %q does not fill from full data: %v", tmpl.Name, err)
		}
	}
}
