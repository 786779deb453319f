package shipments_test

import (
	"testing"

	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/localdb"
)

// TestOfOrder: the courier comes from the marketplace's carrier name when
// it names a courier, else from the number (UPS 1Z numbers carry a mod-10
// check digit; 1Z999AA10123456784 is UPS's own published example).
func TestOfOrder(t *testing.T) {
	cases := []struct {
		carrier, number string
		courier         string
		ok              bool
	}{
		{"UPS", "1Z999AA10123456784", "ups", true},
		{"DHL Express", " 1z999aa1 0123456784", "ups", true}, // not a courier name: the number decides
		{"", "1Z999AA10123456784", "ups", true},
		{"", "not a number", "", false},
		{"USPS", "", "", false},
	}
	for _, c := range cases {
		s, ok := shipments.OfOrder(localdb.Order{ID: 7, Carrier: c.carrier, TrackingNumber: c.number})
		if ok != c.ok || s.Courier != c.courier {
			t.Errorf("OfOrder(%q, %q) = %q, %v; want %q, %v", c.carrier, c.number, s.Courier, ok, c.courier, c.ok)
		}
		if ok && (s.TrackingNumber != "1Z999AA10123456784" || s.OrderID != 7) {
			t.Errorf("OfOrder(%q, %q) = %+v", c.carrier, c.number, s)
		}
	}
}
