package tracking

import (
	"context"
	"fmt"

	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
)

// AdoptOrders makes sure every shipped order in the database has a parcel to
// follow: an order with a tracking number gets a shipment row (courier from
// the order, else from the number's check digits), linked to the order. It
// never changes a parcel already known, so re-running it is harmless. It
// returns how many parcels were new.
func AdoptOrders(ctx context.Context, db *localdb.DB) (int, error) {
	orders, err := db.ListOrders(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("list orders: %w", err)
	}
	added := 0
	for _, o := range orders {
		if o.TrackingNumber == "" {
			continue
		}
		d := carriers.Detect(o.TrackingNumber)
		courier := o.Carrier
		if courier == "" {
			if !d.Valid {
				continue
			}
			courier = d.Courier
		}
		_, created, err := db.EnsureShipment(ctx, localdb.Shipment{
			Courier: courier, TrackingNumber: d.Number, OrderID: o.ID,
			Service: o.Service, ShipDate: o.ShipDate,
		})
		if err != nil {
			return added, fmt.Errorf("order %s: parcel %s: %w", o.MarketplaceOrderID, o.TrackingNumber, err)
		}
		if created {
			added++
		}
	}
	return added, nil
}
