package amazon

// Orders API v2026-01-01, searchOrders: one call returns each order with
// its items, buyer, delivery address, fulfilment and, for merchant-fulfilled
// orders, its packages with carrier and tracking number, which Orders v0
// does not carry. Shapes from the published model orders_2026-01-01.json
// (amzn/selling-partner-api-models, models/orders-api-model), announced in
// "New: Introducing the Orders API v2026-01-01" (developer-docs.amazon.com).

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// SearchIncluded are the includedData sets the product asks for: who
// bought, where it goes, what it is worth, how it ships, and its packages.
var SearchIncluded = []string{"BUYER", "RECIPIENT", "PROCEEDS", "FULFILLMENT", "PACKAGES"}

// SearchQuery selects orders for searchOrders. Exactly one of CreatedAfter
// and LastUpdatedAfter is given.
type SearchQuery struct {
	MarketplaceIDs   []string // empty means the client's marketplace
	CreatedAfter     time.Time
	LastUpdatedAfter time.Time
	MaxResults       int // 1-100; 0 means 100
	PaginationToken  string
}

// FullOrder is one order as searchOrders gives it.
type FullOrder struct {
	OrderID           string
	MarketplaceID     string
	Created           time.Time
	LastUpdated       time.Time
	BuyerName         string
	ShipToCountry     string        // recipient.deliveryAddress.countryCode, ISO 3166-1
	FulfillmentStatus string        // PENDING, UNSHIPPED, PARTIALLY_SHIPPED, SHIPPED, CANCELLED, ...
	FulfilledBy       string        // MERCHANT or AMAZON
	Total             *money.Amount // proceeds.grandTotal
	Items             []FullItem
	Packages          []Package
}

// FullItem is one order item.
type FullItem struct {
	OrderItemID string
	ASIN        string
	SellerSKU   string
	Title       string
	Quantity    int
	UnitPrice   *money.Amount // product.price.unitPrice
}

// Package is one shipped parcel of a merchant-fulfilled order.
type Package struct {
	ReferenceID     string
	Carrier         string
	ShippingService string
	TrackingNumber  string
	ShipTime        time.Time // zero when not handed over yet
	ShipFromCountry string
}

// SearchPage is one page of searchOrders.
type SearchPage struct {
	Orders    []FullOrder
	NextToken string // "" on the last page
}

// SearchOrders calls searchOrders once.
func (c *Client) SearchOrders(ctx context.Context, q SearchQuery) (SearchPage, error) {
	const op = "searchOrders"
	if q.CreatedAfter.IsZero() == q.LastUpdatedAfter.IsZero() {
		return SearchPage{}, badInput(op, "give exactly one of createdAfter and lastUpdatedAfter")
	}
	ids := q.MarketplaceIDs
	if len(ids) == 0 && c.cfg.MarketplaceID != "" {
		ids = []string{c.cfg.MarketplaceID}
	}
	for _, m := range ids {
		if m == "" {
			return SearchPage{}, badInput(op, "an empty marketplace id")
		}
	}
	if q.MaxResults < 0 || q.MaxResults > 100 {
		return SearchPage{}, badInput(op, "maxResultsPerPage %d: the model allows 1 to 100", q.MaxResults)
	}
	v := url.Values{}
	if !q.CreatedAfter.IsZero() {
		v.Set("createdAfter", isoTime(q.CreatedAfter))
	} else {
		v.Set("lastUpdatedAfter", isoTime(q.LastUpdatedAfter))
	}
	// Array parameters without a collectionFormat are comma-separated
	// (Swagger 2.0's default, csv).
	if len(ids) > 0 {
		v.Set("marketplaceIds", strings.Join(ids, ","))
	}
	v.Set("includedData", strings.Join(SearchIncluded, ","))
	if q.MaxResults > 0 {
		v.Set("maxResultsPerPage", strconv.Itoa(q.MaxResults))
	}
	if q.PaginationToken != "" {
		v.Set("paginationToken", q.PaginationToken)
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/2026-01-01/orders", query: v})
	if err != nil {
		return SearchPage{}, err
	}
	var w struct {
		Orders     []wireFullOrder `json:"orders"`
		Pagination *struct {
			NextToken string `json:"nextToken"`
		} `json:"pagination"`
	}
	if err := decode(op, body, &w); err != nil {
		return SearchPage{}, err
	}
	if w.Orders == nil {
		return SearchPage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no orders array (required by the model)"}
	}
	var page SearchPage
	if w.Pagination != nil {
		page.NextToken = w.Pagination.NextToken
	}
	for _, wo := range w.Orders {
		o, err := wo.order(op)
		if err != nil {
			return SearchPage{}, err
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}

// AllSearchOrders follows the pagination token to the last page, bounded
// by maxPages.
func (c *Client) AllSearchOrders(ctx context.Context, q SearchQuery, maxPages int) ([]FullOrder, error) {
	var all []FullOrder
	for page := 0; ; page++ {
		if page >= maxPages {
			return all, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "searchOrders", Message: "more pages than the limit; narrow the date range"}
		}
		p, err := c.SearchOrders(ctx, q)
		if err != nil {
			return all, err
		}
		all = append(all, p.Orders...)
		if p.NextToken == "" {
			return all, nil
		}
		q.PaginationToken = p.NextToken
	}
}

// wireAmount is the v2026 Money shape: {"amount": "49.99", "currencyCode": "USD"}.
type wireAmount struct {
	Amount       string `json:"amount"`
	CurrencyCode string `json:"currencyCode"`
}

func (m *wireAmount) money(op, field string) (*money.Amount, error) {
	if m == nil {
		return nil, nil
	}
	return (&wireMoney{CurrencyCode: m.CurrencyCode, Amount: m.Amount}).amount(op, field)
}

type wireFullOrder struct {
	OrderID         string `json:"orderId"`
	CreatedTime     string `json:"createdTime"`
	LastUpdatedTime string `json:"lastUpdatedTime"`
	SalesChannel    *struct {
		MarketplaceID string `json:"marketplaceId"`
	} `json:"salesChannel"`
	Buyer *struct {
		BuyerName string `json:"buyerName"`
	} `json:"buyer"`
	Recipient *struct {
		DeliveryAddress *struct {
			CountryCode string `json:"countryCode"`
		} `json:"deliveryAddress"`
	} `json:"recipient"`
	Proceeds *struct {
		GrandTotal *wireAmount `json:"grandTotal"`
	} `json:"proceeds"`
	Fulfillment *struct {
		FulfillmentStatus string `json:"fulfillmentStatus"`
		FulfilledBy       string `json:"fulfilledBy"`
	} `json:"fulfillment"`
	OrderItems []struct {
		OrderItemID     string `json:"orderItemId"`
		QuantityOrdered *int   `json:"quantityOrdered"`
		Product         *struct {
			ASIN      string `json:"asin"`
			Title     string `json:"title"`
			SellerSKU string `json:"sellerSku"`
			Price     *struct {
				UnitPrice *wireAmount `json:"unitPrice"`
			} `json:"price"`
		} `json:"product"`
	} `json:"orderItems"`
	Packages []struct {
		PackageReferenceID string `json:"packageReferenceId"`
		Carrier            string `json:"carrier"`
		ShipTime           string `json:"shipTime"`
		ShippingService    string `json:"shippingService"`
		TrackingNumber     string `json:"trackingNumber"`
		ShipFromAddress    *struct {
			CountryCode string `json:"countryCode"`
		} `json:"shipFromAddress"`
	} `json:"packages"`
}

// order checks the fields the model requires (orderId, createdTime,
// lastUpdatedTime, salesChannel, orderItems; per item orderItemId,
// quantityOrdered and product; per package packageReferenceId) and reads
// the rest; an order that does not fit is a site_error naming it.
func (w wireFullOrder) order(op string) (FullOrder, error) {
	bad := func(msg string, err error) (FullOrder, error) {
		return FullOrder{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + w.OrderID + ": " + msg, Err: err}
	}
	if w.OrderID == "" {
		return FullOrder{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an order without orderId"}
	}
	if w.SalesChannel == nil || w.OrderItems == nil {
		return bad("no salesChannel or orderItems (required by the model)", nil)
	}
	o := FullOrder{OrderID: w.OrderID, MarketplaceID: w.SalesChannel.MarketplaceID}
	var err error
	if o.Created, err = time.Parse(time.RFC3339, w.CreatedTime); err != nil {
		return bad("createdTime is not an ISO 8601 time", err)
	}
	if o.LastUpdated, err = time.Parse(time.RFC3339, w.LastUpdatedTime); err != nil {
		return bad("lastUpdatedTime is not an ISO 8601 time", err)
	}
	if w.Buyer != nil {
		o.BuyerName = w.Buyer.BuyerName
	}
	if w.Recipient != nil && w.Recipient.DeliveryAddress != nil {
		o.ShipToCountry = w.Recipient.DeliveryAddress.CountryCode
	}
	if w.Fulfillment != nil {
		o.FulfillmentStatus, o.FulfilledBy = w.Fulfillment.FulfillmentStatus, w.Fulfillment.FulfilledBy
	}
	if w.Proceeds != nil {
		if o.Total, err = w.Proceeds.GrandTotal.money(op, "proceeds.grandTotal of "+w.OrderID); err != nil {
			return FullOrder{}, err
		}
	}
	for _, wi := range w.OrderItems {
		if wi.OrderItemID == "" || wi.QuantityOrdered == nil || wi.Product == nil {
			return bad("an item without orderItemId, quantityOrdered or product (required by the model)", nil)
		}
		it := FullItem{OrderItemID: wi.OrderItemID, Quantity: *wi.QuantityOrdered, ASIN: wi.Product.ASIN,
			Title: wi.Product.Title, SellerSKU: wi.Product.SellerSKU}
		if wi.Product.Price != nil {
			if it.UnitPrice, err = wi.Product.Price.UnitPrice.money(op, "unitPrice of item "+wi.OrderItemID); err != nil {
				return FullOrder{}, err
			}
		}
		o.Items = append(o.Items, it)
	}
	for _, wp := range w.Packages {
		if wp.PackageReferenceID == "" {
			return bad("a package without packageReferenceId (required by the model)", nil)
		}
		p := Package{ReferenceID: wp.PackageReferenceID, Carrier: wp.Carrier, ShippingService: wp.ShippingService,
			TrackingNumber: wp.TrackingNumber}
		if wp.ShipTime != "" {
			if p.ShipTime, err = time.Parse(time.RFC3339, wp.ShipTime); err != nil {
				return bad("package "+wp.PackageReferenceID+": shipTime is not an ISO 8601 time", err)
			}
		}
		if wp.ShipFromAddress != nil {
			p.ShipFromCountry = wp.ShipFromAddress.CountryCode
		}
		o.Packages = append(o.Packages, p)
	}
	return o, nil
}
