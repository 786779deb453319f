package shipments

import (
	"context"
	"fmt"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// OfOrder returns the parcel an order was shipped with: its tracking
// number (normalised), its courier from the order's carrier name when that
// names a known courier ("UPS", "ups", "FedEx"), else from the number's
// own format and check digits, and the order's service and ship date. ok
// is false when the order has no tracking number, or neither its carrier
// nor its number says which courier carries it.
func OfOrder(o localdb.Order) (s localdb.Shipment, ok bool) {
	if o.TrackingNumber == "" {
		return localdb.Shipment{}, false
	}
	d := carriers.Detect(o.TrackingNumber)
	courier, known := carriers.CourierByName(o.Carrier)
	if !known {
		if !d.Valid {
			return localdb.Shipment{}, false
		}
		courier = d.Courier
	}
	number := d.Number
	if number == "" {
		number = carriers.Normalize(o.TrackingNumber)
	}
	return localdb.Shipment{Courier: courier, TrackingNumber: number, OrderID: o.ID, Service: o.Service,
		ShipDate: o.ShipDate}, true
}

// EnsureForOrder stores the parcel of a stored order (see OfOrder) so that
// it is tracked; a parcel already known keeps its status. created is false
// when the parcel was known or the order names none.
func EnsureForOrder(ctx context.Context, db *localdb.DB, o localdb.Order) (created bool, err error) {
	s, ok := OfOrder(o)
	if !ok {
		return false, nil
	}
	if _, created, err = db.EnsureShipment(ctx, s); err != nil {
		return false, fmt.Errorf("order %s: parcel %s: %w", o.MarketplaceOrderID, o.TrackingNumber, err)
	}
	return created, nil
}
