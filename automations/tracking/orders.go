package tracking

import (
	"context"
	"fmt"

	"github.com/sellerops/sellerops/automations/shipments"
	"github.com/sellerops/sellerops/localdb"
)

// AdoptOrders makes sure every shipped order in the database has a parcel to
// follow: an order with a tracking number gets a shipment row (see
// shipments.OfOrder), linked to the order. It
// never changes a parcel already known, so re-running it is harmless. It
// returns how many parcels were new.
func AdoptOrders(ctx context.Context, db *localdb.DB) (int, error) {
	orders, err := db.ListOrders(ctx, 0)
	if err != nil {
		return 0, fmt.Errorf("list orders: %w", err)
	}
	added := 0
	for _, o := range orders {
		created, err := shipments.EnsureForOrder(ctx, db, o)
		if err != nil {
			return added, err
		}
		if created {
			added++
		}
	}
	return added, nil
}
