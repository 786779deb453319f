package amazon

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/sellerops/sellerops/localdb/money"
)

// Orders v0 (ordersV0.json). The model's date-time values are ISO 8601
// (RFC 3339 profile); amounts are Money {CurrencyCode, Amount} with Amount a
// decimal string, read here exactly into ISO 4217 minor units.

// Order is the part of an Orders v0 Order the product uses.
type Order struct {
	AmazonOrderID          string
	MarketplaceID          string
	OrderStatus            string // Pending, Unshipped, PartiallyShipped, Shipped, Canceled, ...
	FulfillmentChannel     string // MFN or AFN
	SalesChannel           string
	ShipServiceLevel       string
	PurchaseDate           time.Time
	LastUpdateDate         time.Time
	LatestShipDate         time.Time // zero when absent
	LatestDeliveryDate     time.Time // zero when absent
	OrderTotal             *money.Amount
	NumberOfItemsShipped   int
	NumberOfItemsUnshipped int
	IsPrime                bool
	IsBusinessOrder        bool
}

// OrdersPage is one page of getOrders.
type OrdersPage struct {
	Orders    []Order
	NextToken string // "" on the last page
}

// OrdersQuery selects orders for getOrders. Exactly one of CreatedAfter and
// LastUpdatedAfter is needed, as the model requires.
type OrdersQuery struct {
	MarketplaceIDs   []string // "" entries are refused; empty means the client's marketplace
	CreatedAfter     time.Time
	LastUpdatedAfter time.Time
	OrderStatuses    []string
	NextToken        string
}

// isoTime formats a time as SP-API expects (ISO 8601, UTC).
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// GetOrders fetches one page of orders.
func (c *Client) GetOrders(ctx context.Context, q OrdersQuery) (OrdersPage, error) {
	if q.CreatedAfter.IsZero() == q.LastUpdatedAfter.IsZero() {
		return OrdersPage{}, badInput("getOrders", "give exactly one of CreatedAfter and LastUpdatedAfter")
	}
	p := ordersParams{marketplaceIDs: q.MarketplaceIDs, orderStatuses: q.OrderStatuses, nextToken: q.NextToken}
	if len(p.marketplaceIDs) == 0 && c.cfg.MarketplaceID != "" {
		p.marketplaceIDs = []string{c.cfg.MarketplaceID}
	}
	if !q.CreatedAfter.IsZero() {
		p.createdAfter = isoTime(q.CreatedAfter)
	} else {
		p.lastUpdatedAfter = isoTime(q.LastUpdatedAfter)
	}
	return c.getOrders(ctx, p)
}

// AllOrders follows NextToken until the last page, bounded by maxPages.
func (c *Client) AllOrders(ctx context.Context, q OrdersQuery, maxPages int) ([]Order, error) {
	var all []Order
	for page := 0; ; page++ {
		if page >= maxPages {
			return all, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "getOrders", Message: "more pages than the limit; narrow the date range"}
		}
		p, err := c.GetOrders(ctx, q)
		if err != nil {
			return all, err
		}
		all = append(all, p.Orders...)
		if p.NextToken == "" {
			return all, nil
		}
		q.NextToken = p.NextToken
	}
}

// ordersParams are getOrders' query parameters as the wire carries them.
type ordersParams struct {
	marketplaceIDs                 []string
	createdAfter, lastUpdatedAfter string
	orderStatuses                  []string
	nextToken                      string
}

func (c *Client) getOrders(ctx context.Context, p ordersParams) (OrdersPage, error) {
	const op = "getOrders"
	if len(p.marketplaceIDs) == 0 {
		return OrdersPage{}, badInput(op, "MarketplaceIds is required: name the store's marketplace id")
	}
	for _, m := range p.marketplaceIDs {
		if m == "" {
			return OrdersPage{}, badInput(op, "an empty marketplace id")
		}
	}
	if p.createdAfter == "" && p.lastUpdatedAfter == "" {
		return OrdersPage{}, badInput(op, "CreatedAfter or LastUpdatedAfter is required")
	}
	q := url.Values{}
	// Array parameters are comma-separated (collectionFormat csv in the model).
	q.Set("MarketplaceIds", strings.Join(p.marketplaceIDs, ","))
	if p.createdAfter != "" {
		q.Set("CreatedAfter", p.createdAfter)
	}
	if p.lastUpdatedAfter != "" {
		q.Set("LastUpdatedAfter", p.lastUpdatedAfter)
	}
	if len(p.orderStatuses) > 0 {
		q.Set("OrderStatuses", strings.Join(p.orderStatuses, ","))
	}
	if p.nextToken != "" {
		q.Set("NextToken", p.nextToken)
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: "/orders/v0/orders", query: q})
	if err != nil {
		return OrdersPage{}, err
	}
	var w struct {
		Payload *struct {
			Orders    []wireOrder `json:"Orders"`
			NextToken string      `json:"NextToken"`
		} `json:"payload"`
	}
	if err := decode(op, body, &w); err != nil {
		return OrdersPage{}, err
	}
	if w.Payload == nil || w.Payload.Orders == nil {
		return OrdersPage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no payload.Orders"}
	}
	page := OrdersPage{NextToken: w.Payload.NextToken}
	for _, wo := range w.Payload.Orders {
		o, err := wo.order(op)
		if err != nil {
			return OrdersPage{}, err
		}
		page.Orders = append(page.Orders, o)
	}
	return page, nil
}

// GetOrder fetches one order.
func (c *Client) GetOrder(ctx context.Context, orderID string) (Order, error) {
	const op = "getOrder"
	path, err := orderPath(op, "/orders/v0/orders/", orderID, "")
	if err != nil {
		return Order{}, err
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return Order{}, err
	}
	var w struct {
		Payload *wireOrder `json:"payload"`
	}
	if err := decode(op, body, &w); err != nil {
		return Order{}, err
	}
	if w.Payload == nil {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no payload"}
	}
	return w.Payload.order(op)
}

// OrderItem is the part of an Orders v0 OrderItem the product uses.
type OrderItem struct {
	OrderItemID       string
	ASIN              string
	SellerSKU         string
	Title             string
	QuantityOrdered   int
	QuantityShipped   int
	ItemPrice         *money.Amount
	ItemTax           *money.Amount
	PromotionDiscount *money.Amount
}

// GetOrderItems fetches every item of an order, following NextToken.
func (c *Client) GetOrderItems(ctx context.Context, orderID string) ([]OrderItem, error) {
	const op = "getOrderItems"
	path, err := orderPath(op, "/orders/v0/orders/", orderID, "/orderItems")
	if err != nil {
		return nil, err
	}
	var items []OrderItem
	next := ""
	for page := 0; page < 100; page++ {
		var q url.Values
		if next != "" {
			q = url.Values{"NextToken": {next}}
		}
		_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
		if err != nil {
			return nil, err
		}
		var w struct {
			Payload *struct {
				AmazonOrderID string     `json:"AmazonOrderId"`
				OrderItems    []wireItem `json:"OrderItems"`
				NextToken     string     `json:"NextToken"`
			} `json:"payload"`
		}
		if err := decode(op, body, &w); err != nil {
			return nil, err
		}
		if w.Payload == nil || w.Payload.OrderItems == nil {
			return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no payload.OrderItems"}
		}
		for _, wi := range w.Payload.OrderItems {
			it, err := wi.item(op)
			if err != nil {
				return nil, err
			}
			items = append(items, it)
		}
		if next = w.Payload.NextToken; next == "" {
			return items, nil
		}
	}
	return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more than 100 pages of items"}
}

// Address is a shipping address (Orders v0 Address).
type Address struct {
	Name, AddressLine1, AddressLine2, AddressLine3 string
	City, County, District, StateOrRegion          string
	PostalCode, CountryCode, Phone, AddressType    string
}

// GetOrderAddress fetches the shipping address; it needs the restricted
// role for personal data, and without it Amazon answers 403 (auth_failed).
func (c *Client) GetOrderAddress(ctx context.Context, orderID string) (Address, error) {
	const op = "getOrderAddress"
	path, err := orderPath(op, "/orders/v0/orders/", orderID, "/address")
	if err != nil {
		return Address{}, err
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return Address{}, err
	}
	var w struct {
		Payload *struct {
			AmazonOrderID   string   `json:"AmazonOrderId"`
			ShippingAddress *Address `json:"ShippingAddress"`
		} `json:"payload"`
	}
	if err := decode(op, body, &w); err != nil {
		return Address{}, err
	}
	if w.Payload == nil {
		return Address{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no payload"}
	}
	if w.Payload.ShippingAddress == nil {
		// The model makes ShippingAddress optional: absent means Amazon
		// does not share it for this order, which is not an empty address.
		return Address{}, &apierr.Error{API: apiName, Class: apierr.NotFound, Op: op, Message: "Amazon gives no shipping address for order " + orderID}
	}
	return *w.Payload.ShippingAddress, nil
}

// BuyerInfo is the buyer part of an order (Orders v0 OrderBuyerInfo).
type BuyerInfo struct {
	AmazonOrderID string `json:"AmazonOrderId"`
	BuyerEmail    string `json:"BuyerEmail"` // an anonymised relay address
	BuyerName     string `json:"BuyerName"`
	BuyerCounty   string `json:"BuyerCounty"`
	PurchaseOrder string `json:"PurchaseOrderNumber"`
}

// GetOrderBuyerInfo fetches the buyer's (relay) e-mail and name, where the
// app's role allows.
func (c *Client) GetOrderBuyerInfo(ctx context.Context, orderID string) (BuyerInfo, error) {
	const op = "getOrderBuyerInfo"
	path, err := orderPath(op, "/orders/v0/orders/", orderID, "/buyerInfo")
	if err != nil {
		return BuyerInfo{}, err
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path})
	if err != nil {
		return BuyerInfo{}, err
	}
	var w struct {
		Payload *BuyerInfo `json:"payload"`
	}
	if err := decode(op, body, &w); err != nil {
		return BuyerInfo{}, err
	}
	if w.Payload == nil || w.Payload.AmazonOrderID == "" {
		return BuyerInfo{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no payload.AmazonOrderId"}
	}
	return *w.Payload, nil
}

// orderPath builds a path with the order id as one escaped segment.
func orderPath(op, prefix, id, suffix string) (string, error) {
	if strings.TrimSpace(id) == "" {
		return "", badInput(op, "an order id is needed, such as 123-1234567-1234567")
	}
	return prefix + url.PathEscape(id) + suffix, nil
}

type wireMoney struct {
	CurrencyCode string `json:"CurrencyCode"`
	Amount       string `json:"Amount"`
}

func (m *wireMoney) amount(op, field string) (*money.Amount, error) {
	if m == nil {
		return nil, nil
	}
	a, err := money.ParseDecimal(m.CurrencyCode, m.Amount)
	if err != nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: field + " does not read as money", Err: err}
	}
	return &a, nil
}

type wireOrder struct {
	AmazonOrderID          string     `json:"AmazonOrderId"`
	MarketplaceID          string     `json:"MarketplaceId"`
	OrderStatus            string     `json:"OrderStatus"`
	FulfillmentChannel     string     `json:"FulfillmentChannel"`
	SalesChannel           string     `json:"SalesChannel"`
	ShipServiceLevel       string     `json:"ShipServiceLevel"`
	PurchaseDate           string     `json:"PurchaseDate"`
	LastUpdateDate         string     `json:"LastUpdateDate"`
	LatestShipDate         string     `json:"LatestShipDate"`
	LatestDeliveryDate     string     `json:"LatestDeliveryDate"`
	OrderTotal             *wireMoney `json:"OrderTotal"`
	NumberOfItemsShipped   int        `json:"NumberOfItemsShipped"`
	NumberOfItemsUnshipped int        `json:"NumberOfItemsUnshipped"`
	IsPrime                bool       `json:"IsPrime"`
	IsBusinessOrder        bool       `json:"IsBusinessOrder"`
}

func (w wireOrder) order(op string) (Order, error) {
	o := Order{AmazonOrderID: w.AmazonOrderID, MarketplaceID: w.MarketplaceID, OrderStatus: w.OrderStatus,
		FulfillmentChannel: w.FulfillmentChannel, SalesChannel: w.SalesChannel, ShipServiceLevel: w.ShipServiceLevel,
		NumberOfItemsShipped: w.NumberOfItemsShipped, NumberOfItemsUnshipped: w.NumberOfItemsUnshipped,
		IsPrime: w.IsPrime, IsBusinessOrder: w.IsBusinessOrder}
	// AmazonOrderId, PurchaseDate, LastUpdateDate and OrderStatus are
	// required in the model.
	if o.AmazonOrderID == "" || o.OrderStatus == "" {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an order without AmazonOrderId or OrderStatus"}
	}
	var err error
	for _, f := range []struct {
		name     string
		raw      string
		dst      *time.Time
		required bool
	}{
		{"PurchaseDate", w.PurchaseDate, &o.PurchaseDate, true},
		{"LastUpdateDate", w.LastUpdateDate, &o.LastUpdateDate, true},
		{"LatestShipDate", w.LatestShipDate, &o.LatestShipDate, false},
		{"LatestDeliveryDate", w.LatestDeliveryDate, &o.LatestDeliveryDate, false},
	} {
		if f.raw == "" {
			if f.required {
				return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + o.AmazonOrderID + " has no " + f.name}
			}
			continue
		}
		if *f.dst, err = time.Parse(time.RFC3339, f.raw); err != nil {
			return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + o.AmazonOrderID + ": " + f.name + " is not an ISO 8601 time", Err: err}
		}
	}
	if o.OrderTotal, err = w.OrderTotal.amount(op, "OrderTotal of "+o.AmazonOrderID); err != nil {
		return Order{}, err
	}
	return o, nil
}

type wireItem struct {
	OrderItemID       string     `json:"OrderItemId"`
	ASIN              string     `json:"ASIN"`
	SellerSKU         string     `json:"SellerSKU"`
	Title             string     `json:"Title"`
	QuantityOrdered   *int       `json:"QuantityOrdered"`
	QuantityShipped   int        `json:"QuantityShipped"`
	ItemPrice         *wireMoney `json:"ItemPrice"`
	ItemTax           *wireMoney `json:"ItemTax"`
	PromotionDiscount *wireMoney `json:"PromotionDiscount"`
}

func (w wireItem) item(op string) (OrderItem, error) {
	if w.OrderItemID == "" || w.ASIN == "" || w.QuantityOrdered == nil {
		return OrderItem{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an order item without OrderItemId, ASIN or QuantityOrdered"}
	}
	it := OrderItem{OrderItemID: w.OrderItemID, ASIN: w.ASIN, SellerSKU: w.SellerSKU, Title: w.Title,
		QuantityOrdered: *w.QuantityOrdered, QuantityShipped: w.QuantityShipped}
	var err error
	if it.ItemPrice, err = w.ItemPrice.amount(op, "ItemPrice of "+w.OrderItemID); err != nil {
		return OrderItem{}, err
	}
	if it.ItemTax, err = w.ItemTax.amount(op, "ItemTax of "+w.OrderItemID); err != nil {
		return OrderItem{}, err
	}
	if it.PromotionDiscount, err = w.PromotionDiscount.amount(op, "PromotionDiscount of "+w.OrderItemID); err != nil {
		return OrderItem{}, err
	}
	return it, nil
}
