package marketplace

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/localdb/secrets"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

// apiHistory is how far back the first API sync of a store reaches: the
// Orders API shows no order older than two years (orders_2026-01-01.json,
// info.description; JP, AU and SG reach further, but two years is the
// window every marketplace serves).
const apiHistory = 730 * 24 * time.Hour

// apiMaxPages bounds one sync's searchOrders pages (100 orders each).
const apiMaxPages = 1000

// apiClient makes the store's SP-API client from its API account and the
// secrets in the keyring.
func (d *Deps) apiClient(ctx context.Context, st localdb.Store, a localdb.APIAccount) (*amazon.Client, error) {
	var cr amazon.Credentials
	for _, f := range secrets.StoreAPIFields {
		v, err := d.Secrets.Get(ctx, secrets.StoreAPIKey(st.Name, f))
		if err != nil {
			return nil, &automations.Failure{Class: automations.AuthFailed, Step: "api.credentials", Site: st.Marketplace,
				Err: fmt.Errorf("store %s: the API %s: %w; store it again with `sellerops stores update %s --api`", st.Name, strings.ReplaceAll(f, "_", " "), err, st.Name)}
		}
		switch f {
		case "client_id":
			cr.ClientID = v
		case "client_secret":
			cr.ClientSecret = v
		case "refresh_token":
			cr.RefreshToken = v
		}
	}
	return amazon.New(amazon.Config{Credentials: cr, MarketplaceID: a.MarketplaceIDs[0], BaseURL: a.Endpoint,
		TokenURL: a.TokenURL, Now: d.Now, Plans: d.APIPlans, MaxRetries: d.APIRetries})
}

// apiFailure classifies an SP-API error as a failure of the flows.
func apiFailure(step string, err error) error {
	class := automations.SiteError
	switch amazon.ClassOf(err) {
	case amazon.AuthFailed:
		class = automations.AuthFailed
	case amazon.RateLimited:
		class = automations.RateLimited
	case amazon.Timeout:
		class = automations.Timeout
		if errors.Is(err, context.Canceled) {
			class = automations.Canceled
		}
	}
	return &automations.Failure{Class: class, Step: step, Site: "amazon-sp-api", Err: err}
}

// remoteFromAPI turns an order the API gave into the record every channel
// stores. The first package is the order's parcel; the others are More.
func remoteFromAPI(o amazon.FullOrder) (remoteOrder, error) {
	r := remoteOrder{ID: o.OrderID, Buyer: o.BuyerName, ShipTo: o.ShipToCountry}
	if o.Total != nil {
		r.Value = decimalText(money.FormatDecimal(o.Total.Minor(), o.Total.Currency()))
		r.Currency = o.Total.Currency()
	}
	for _, it := range o.Items {
		li := localdb.OrderItem{SKU: it.SellerSKU, Title: it.Title, Quantity: it.Quantity}
		if it.UnitPrice != nil {
			if r.Currency != "" && it.UnitPrice.Currency() != r.Currency {
				return remoteOrder{}, fmt.Errorf("order %s: item %s is priced in %s, the order in %s", o.OrderID, it.OrderItemID, it.UnitPrice.Currency(), r.Currency)
			}
			li.UnitPrice = it.UnitPrice.Minor()
		}
		r.Items = append(r.Items, li)
	}
	for i, p := range o.Packages {
		if p.TrackingNumber == "" {
			continue // created, not handed over: no parcel to track yet
		}
		if i == 0 || r.Tracking == "" {
			r.Carrier, r.Service, r.Tracking, r.ShipDate, r.ShipFrom = p.Carrier, p.ShippingService, p.TrackingNumber, p.ShipTime, p.ShipFromCountry
			continue
		}
		r.More = append(r.More, parcelRef{Carrier: p.Carrier, Service: p.ShippingService, Tracking: p.TrackingNumber, ShipDate: p.ShipTime})
	}
	return r, nil
}

// apiOrders pulls the orders changed since the store's API cursor through
// searchOrders into the database, through the same record path as the
// browser's, and moves the cursor once they are stored. It returns how many
// orders it read and the client's request count.
func (y *storeSync) apiOrders(ctx context.Context, a localdb.APIAccount) (int, int64, error) {
	c, err := y.deps.apiClient(ctx, y.store, a)
	if err != nil {
		return 0, 0, err
	}
	since := y.deps.now().Add(-apiHistory)
	if a.OrdersCursor != "" {
		if since, err = time.Parse(time.RFC3339, a.OrdersCursor); err != nil {
			return 0, 0, fmt.Errorf("store %s: orders cursor %q: %w", y.store.Name, a.OrdersCursor, err)
		}
	}
	orders, err := c.AllSearchOrders(ctx, amazon.SearchQuery{MarketplaceIDs: a.MarketplaceIDs, LastUpdatedAfter: since}, apiMaxPages)
	requests := c.Stats().Requests
	if err != nil {
		return 0, requests, apiFailure("orders.api", err)
	}
	newest := since
	for _, o := range orders {
		r, err := remoteFromAPI(o)
		if err != nil {
			return 0, requests, &automations.Failure{Class: automations.SiteError, Step: "orders.api", Site: "amazon-sp-api", Err: err}
		}
		if _, _, err := y.saveOrder(ctx, r); err != nil {
			return 0, requests, err
		}
		if o.LastUpdated.After(newest) {
			newest = o.LastUpdated
		}
	}
	// The next sync asks from the newest change stored: the API answers
	// "at or after", so that order is read once more, and stored as it is.
	if err := y.deps.DB.SetAPIOrdersCursor(ctx, y.store.ID, newest.UTC().Format(time.RFC3339)); err != nil {
		return 0, requests, err
	}
	return len(orders), requests, nil
}

// TestAPI checks a store's API channel: the token exchange and one
// searchOrders call of a single order. It returns nil when both answer.
func TestAPI(ctx context.Context, deps *Deps, st localdb.Store) error {
	a, err := deps.DB.GetAPIAccount(ctx, st.ID)
	if err != nil {
		return err
	}
	c, err := deps.apiClient(ctx, st, a)
	if err != nil {
		return err
	}
	_, err = c.SearchOrders(ctx, amazon.SearchQuery{MarketplaceIDs: a.MarketplaceIDs, CreatedAfter: deps.now().Add(-24 * time.Hour), MaxResults: 1})
	if err != nil {
		return apiFailure("api.test", err)
	}
	return nil
}
