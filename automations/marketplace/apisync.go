package marketplace

import (
	"context"
	"errors"
	"fmt"
	"github.com/sellerops/sellerops/internal/apierr"
	"strings"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/localdb/secrets"
	"github.com/sellerops/sellerops/marketplaces/amazon"
	"github.com/sellerops/sellerops/marketplaces/ebay"
)

// apiHistory is how far back the first API sync of a store reaches: the
// Orders API shows no order older than two years (orders_2026-01-01.json,
// info.description; JP, AU and SG reach further, but two years is the
// window every marketplace serves).
const apiHistory = 730 * 24 * time.Hour

// apiMaxPages bounds one sync's searchOrders pages (100 orders each).
const apiMaxPages = 1000

// apiCredentials reads a store's API secrets from the keyring.
func (d *Deps) apiCredentials(ctx context.Context, st localdb.Store) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range secrets.StoreAPIFields {
		v, err := d.Secrets.Get(ctx, secrets.StoreAPIKey(st.Name, f))
		if err != nil {
			return nil, &automations.Failure{Class: automations.AuthFailed, Step: "api.credentials", Site: st.Marketplace,
				Err: fmt.Errorf("store %s: the API %s: %w; store it again with `sellerops stores update %s --api`", st.Name, strings.ReplaceAll(f, "_", " "), err, st.Name)}
		}
		out[f] = v
	}
	return out, nil
}

// apiClient makes the store's SP-API client from its API account and the
// secrets in the keyring.
func (d *Deps) apiClient(ctx context.Context, st localdb.Store, a localdb.APIAccount) (*amazon.Client, error) {
	cr, err := d.apiCredentials(ctx, st)
	if err != nil {
		return nil, err
	}
	return amazon.New(amazon.Config{Credentials: amazon.Credentials{ClientID: cr["client_id"], ClientSecret: cr["client_secret"],
		RefreshToken: cr["refresh_token"]}, MarketplaceID: a.MarketplaceIDs[0], BaseURL: a.Endpoint,
		TokenURL: a.TokenURL, Now: d.Now, Plans: d.APIPlans, MaxRetries: d.APIRetries})
}

// ebayClient makes the store's Sell Fulfillment API client.
func (d *Deps) ebayClient(ctx context.Context, st localdb.Store, a localdb.APIAccount) (*ebay.Client, error) {
	cr, err := d.apiCredentials(ctx, st)
	if err != nil {
		return nil, err
	}
	return ebay.New(ebay.Config{ClientID: cr["client_id"], ClientSecret: cr["client_secret"], RefreshToken: cr["refresh_token"],
		BaseURL: a.Endpoint, TokenURL: a.TokenURL, Now: d.Now, MaxRetries: d.APIRetries})
}

// apiFailure classifies an SP-API error as a failure of the flows.
func apiFailure(step string, err error) error {
	class := automations.SiteError
	switch apierr.ClassOf(err) {
	case apierr.AuthFailed:
		class = automations.AuthFailed
	case apierr.RateLimited:
		class = automations.RateLimited
	case apierr.Timeout:
		class = automations.Timeout
		if errors.Is(err, context.Canceled) {
			class = automations.Canceled
		}
	}
	return &automations.Failure{Class: class, Step: step, Site: "api", Err: err}
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

// remoteFromEbay turns an eBay order into the record every channel
// stores; the first fulfilment with a tracking number is the order's
// parcel, the others are More.
func remoteFromEbay(o ebay.Order) (remoteOrder, error) {
	r := remoteOrder{ID: o.OrderID, Buyer: o.Buyer, ShipTo: o.ShipToCountry, ShipFrom: o.ShipFromCountry}
	if o.Total != nil {
		r.Value = decimalText(money.FormatDecimal(o.Total.Minor(), o.Total.Currency()))
		r.Currency = o.Total.Currency()
	}
	for _, it := range o.Items {
		li := localdb.OrderItem{SKU: it.SKU, Title: it.Title, Quantity: it.Quantity}
		if it.Cost != nil && it.Quantity > 0 {
			if r.Currency != "" && it.Cost.Currency() != r.Currency {
				return remoteOrder{}, fmt.Errorf("order %s: line item %s costs %s, the order is in %s", o.OrderID, it.LineItemID, it.Cost.Currency(), r.Currency)
			}
			if it.Cost.Minor()%int64(it.Quantity) != 0 {
				return remoteOrder{}, fmt.Errorf("order %s: line item %s: %d minor units do not divide into %d units", o.OrderID, it.LineItemID, it.Cost.Minor(), it.Quantity)
			}
			li.UnitPrice = it.Cost.Minor() / int64(it.Quantity)
		}
		r.Items = append(r.Items, li)
	}
	for _, f := range o.Fulfillments {
		if f.TrackingNumber == "" {
			continue
		}
		if r.Tracking == "" {
			r.Carrier, r.Tracking, r.ShipDate = f.Carrier, f.TrackingNumber, f.Shipped
			continue
		}
		r.More = append(r.More, parcelRef{Carrier: f.Carrier, Tracking: f.TrackingNumber, ShipDate: f.Shipped})
	}
	return r, nil
}

// apiOrders pulls the orders changed since the store's API cursor through
// searchOrders into the database, through the same record path as the
// browser's, and moves the cursor once they are stored. It returns how many
// orders it read and the client's request count.
func (y *storeSync) apiOrders(ctx context.Context, a localdb.APIAccount) (int, int64, error) {
	since := y.deps.now().Add(-apiHistory)
	if a.OrdersCursor != "" {
		var err error
		if since, err = time.Parse(time.RFC3339, a.OrdersCursor); err != nil {
			return 0, 0, fmt.Errorf("store %s: orders cursor %q: %w", y.store.Name, a.OrdersCursor, err)
		}
	}
	type pulled struct {
		r       remoteOrder
		changed time.Time
		err     error
	}
	var got []pulled
	var requests int64
	switch a.API {
	case "tiktok-shop-api":
		orders, n, err := y.tiktokOrders(ctx, a, since)
		requests = n
		if err != nil {
			return 0, requests, err
		}
		for _, o := range orders {
			got = append(got, pulled{o.r, o.changed, nil})
		}
	case "ebay-sell-api":
		c, err := y.deps.ebayClient(ctx, y.store, a)
		if err != nil {
			return 0, 0, err
		}
		orders, err := c.OrdersModifiedSince(ctx, since, apiMaxPages)
		requests = c.Requests()
		if err != nil {
			return 0, requests, apiFailure("orders.api", err)
		}
		y.ebayItems = ebayItemOrders{}
		y.ebayItems.add(orders)
		for _, o := range orders {
			r, err := remoteFromEbay(o)
			got = append(got, pulled{r, o.Modified, err})
		}
	default:
		c, err := y.deps.apiClient(ctx, y.store, a)
		if err != nil {
			return 0, 0, err
		}
		orders, err := c.AllSearchOrders(ctx, amazon.SearchQuery{MarketplaceIDs: a.MarketplaceIDs, LastUpdatedAfter: since}, apiMaxPages)
		requests = c.Stats().Requests
		if err != nil {
			return 0, requests, apiFailure("orders.api", err)
		}
		for _, o := range orders {
			r, err := remoteFromAPI(o)
			got = append(got, pulled{r, o.LastUpdated, err})
		}
	}
	newest := since
	for _, p := range got {
		if p.err != nil {
			return 0, requests, &automations.Failure{Class: automations.SiteError, Step: "orders.api", Site: a.API, Err: p.err}
		}
		if _, _, err := y.saveOrder(ctx, p.r); err != nil {
			return 0, requests, err
		}
		if p.changed.After(newest) {
			newest = p.changed
		}
	}
	// The next sync asks from the newest change stored: the API answers
	// "at or after", so that order is read once more, and stored as it is.
	if err := y.deps.DB.SetAPIOrdersCursor(ctx, y.store.ID, newest.UTC().Format(time.RFC3339)); err != nil {
		return 0, requests, err
	}
	return len(got), requests, nil
}

// TestAPI checks a store's API channel: the token exchange and one order
// search (Amazon's searchOrders of a single order, eBay's getOrders of the
// last hour, and its last hour's member messages when they go through the
// Trading API, TikTok's Get Order List of the last hour). It returns nil
// when all answer.
func TestAPI(ctx context.Context, deps *Deps, st localdb.Store) error {
	a, err := deps.DB.GetAPIAccount(ctx, st.ID)
	if err != nil {
		return err
	}
	if a.API == "tiktok-shop-api" {
		c, err := deps.tiktokClient(ctx, st, a)
		if err != nil {
			return err
		}
		if _, err := c.SearchOrders(ctx, deps.now().Add(-time.Hour), 1, ""); err != nil {
			return apiFailure("api.test", err)
		}
		return nil
	}
	if a.API == "ebay-sell-api" {
		c, err := deps.ebayClient(ctx, st, a)
		if err != nil {
			return err
		}
		if _, err := c.CountModifiedSince(ctx, deps.now().Add(-time.Hour)); err != nil {
			return apiFailure("api.test", err)
		}
		return testEbayTrading(ctx, deps, st, a)
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
