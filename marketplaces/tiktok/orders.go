package tiktok

import (
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/localdb/money"
)

// Field names below are those of TikTok Shop's order reference, version
// 202309: Get Order List (POST /order/202309/orders/search), as its
// response models in the official Node.js SDK name them
// (model/order/V202309/GetOrderListResponseDataOrders,
// ...OrdersLineItems, ...OrdersPayment, ...OrdersPackages,
// ...OrdersRecipientAddress), and Get Warehouse List (GET
// /logistics/202309/warehouses; model/logistics/V202309/
// GetWarehouseListResponseDataWarehouses).

// PageSize is Get Order List's largest page_size ("Valid range: [1-100]").
const PageSize = 100

// Order is one order with what the product keeps of it.
type Order struct {
	ID               string
	Status           string // UNPAID, ON_HOLD, AWAITING_SHIPMENT, ..., DELIVERED, COMPLETED, CANCELLED
	Created, Updated time.Time
	ShipTime         time.Time // rts_time: when the seller handed the parcel over
	Buyer            string    // recipient_address.name
	ShipToCountry    string    // recipient_address.region_code
	WarehouseID      string
	TrackingNumber   string // the order-level summary of its parcel
	ShippingProvider string
	Total            *money.Amount // payment.total_amount in payment.currency
	Items            []Item
	Packages         []Package
}

// Item is one line item: TikTok lists one line per unit sold.
type Item struct {
	ID, SKUID, SellerSKU, ProductName string
	SalePrice                         *money.Amount // sale_price in the line's currency
	PackageID                         string
}

// Package is one parcel of the order: its id from packages[], with the
// tracking number and shipping provider its line items carry.
type Package struct {
	ID, TrackingNumber, ShippingProvider string
	ShipTime                             time.Time
}

type wireOrder struct {
	ID               string `json:"id"`
	Status           string `json:"status"`
	CreateTime       *int64 `json:"create_time"`
	UpdateTime       *int64 `json:"update_time"`
	RTSTime          int64  `json:"rts_time"`
	WarehouseID      string `json:"warehouse_id"`
	TrackingNumber   string `json:"tracking_number"`
	ShippingProvider string `json:"shipping_provider"`
	RecipientAddress *struct {
		Name       string `json:"name"`
		RegionCode string `json:"region_code"`
	} `json:"recipient_address"`
	Payment *struct {
		Currency    string `json:"currency"`
		TotalAmount string `json:"total_amount"`
	} `json:"payment"`
	Packages []struct {
		ID string `json:"id"`
	} `json:"packages"`
	LineItems []struct {
		ID                   string `json:"id"`
		SKUID                string `json:"sku_id"`
		SellerSKU            string `json:"seller_sku"`
		ProductName          string `json:"product_name"`
		SalePrice            string `json:"sale_price"`
		Currency             string `json:"currency"`
		PackageID            string `json:"package_id"`
		TrackingNumber       string `json:"tracking_number"`
		ShippingProviderName string `json:"shipping_provider_name"`
		RTSTime              int64  `json:"rts_time"`
	} `json:"line_items"`
}

func unix(sec int64) time.Time {
	if sec <= 0 {
		return time.Time{}
	}
	return time.Unix(sec, 0).UTC()
}

func (w wireOrder) order(op string) (Order, error) {
	bad := func(msg string, err error) (Order, error) {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "order " + w.ID + ": " + msg, Err: err}
	}
	if w.ID == "" {
		return Order{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an order without id"}
	}
	if w.CreateTime == nil || w.UpdateTime == nil {
		return bad("no create_time or update_time", nil)
	}
	o := Order{ID: w.ID, Status: w.Status, Created: unix(*w.CreateTime), Updated: unix(*w.UpdateTime), ShipTime: unix(w.RTSTime),
		WarehouseID: w.WarehouseID, TrackingNumber: w.TrackingNumber, ShippingProvider: w.ShippingProvider}
	if w.RecipientAddress != nil {
		o.Buyer, o.ShipToCountry = w.RecipientAddress.Name, w.RecipientAddress.RegionCode
	}
	if w.Payment == nil || w.Payment.Currency == "" {
		return bad("no payment.currency", nil)
	}
	total, err := money.ParseDecimal(w.Payment.Currency, w.Payment.TotalAmount)
	if err != nil {
		return bad("payment.total_amount does not read as money", err)
	}
	o.Total = &total
	if len(w.LineItems) == 0 {
		return bad("no line_items", nil)
	}
	byPackage := map[string]int{}
	for _, p := range w.Packages {
		if p.ID == "" {
			return bad("a package without id", nil)
		}
		byPackage[p.ID] = len(o.Packages)
		o.Packages = append(o.Packages, Package{ID: p.ID})
	}
	for _, li := range w.LineItems {
		if li.ID == "" {
			return bad("a line item without id", nil)
		}
		it := Item{ID: li.ID, SKUID: li.SKUID, SellerSKU: li.SellerSKU, ProductName: li.ProductName, PackageID: li.PackageID}
		if li.SalePrice != "" {
			cur := li.Currency
			if cur == "" {
				cur = w.Payment.Currency // "refer to the currency of payment_info"
			}
			p, err := money.ParseDecimal(cur, li.SalePrice)
			if err != nil {
				return bad("line item "+li.ID+": sale_price does not read as money", err)
			}
			it.SalePrice = &p
		}
		o.Items = append(o.Items, it)
		if li.PackageID == "" {
			continue
		}
		i, ok := byPackage[li.PackageID]
		if !ok {
			return bad("line item "+li.ID+" names package "+li.PackageID+", which packages[] does not list", nil)
		}
		p := &o.Packages[i]
		if p.TrackingNumber == "" {
			p.TrackingNumber, p.ShippingProvider, p.ShipTime = li.TrackingNumber, li.ShippingProviderName, unix(li.RTSTime)
		}
	}
	return o, nil
}

// OrdersPage is one page of Get Order List.
type OrdersPage struct {
	Orders []Order
	Next   string // next_page_token; "" on the last page
	Total  int
}

type wireOrders struct {
	Orders        *[]wireOrder `json:"orders"`
	NextPageToken *string      `json:"next_page_token"`
	TotalCount    int          `json:"total_count"`
}

// SearchOrders asks Get Order List for one page of the orders updated at
// or after since, oldest update first.
func (c *Client) SearchOrders(ctx context.Context, since time.Time, pageSize int, pageToken string) (OrdersPage, error) {
	const op = "Get Order List"
	q := url.Values{"page_size": {strconv.Itoa(pageSize)}, "sort_field": {"update_time"}, "sort_order": {"ASC"}}
	if pageToken != "" {
		q.Set("page_token", pageToken)
	}
	var w wireOrders
	if err := c.call(ctx, op, "POST", "/order/202309/orders/search", q, map[string]int64{"update_time_ge": since.Unix()}, true, &w); err != nil {
		return OrdersPage{}, err
	}
	if w.Orders == nil || w.NextPageToken == nil {
		// An empty result still has both keys; without them the walk cannot
		// tell whether it ended.
		return OrdersPage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the data has no orders or next_page_token"}
	}
	p := OrdersPage{Next: *w.NextPageToken, Total: w.TotalCount}
	for _, wo := range *w.Orders {
		o, err := wo.order(op)
		if err != nil {
			return OrdersPage{}, err
		}
		p.Orders = append(p.Orders, o)
	}
	return p, nil
}

// OrdersUpdatedSince follows next_page_token from the first page to the
// last (at most maxPages) and returns every order updated at or after
// since.
func (c *Client) OrdersUpdatedSince(ctx context.Context, since time.Time, maxPages int) ([]Order, error) {
	var out []Order
	token := ""
	for page := 0; ; page++ {
		if page >= maxPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: "Get Order List", Message: "more pages than the limit"}
		}
		p, err := c.SearchOrders(ctx, since, PageSize, token)
		if err != nil {
			return out, err
		}
		out = append(out, p.Orders...)
		if p.Next == "" || p.Next == token || len(p.Orders) == 0 {
			return out, nil
		}
		token = p.Next
	}
}

// Warehouses maps the seller's warehouse ids to their countries
// (address.region_code): an order names only its warehouse.
func (c *Client) Warehouses(ctx context.Context) (map[string]string, error) {
	const op = "Get Warehouse List"
	var w struct {
		Warehouses *[]struct {
			ID      string `json:"id"`
			Address struct {
				RegionCode string `json:"region_code"`
			} `json:"address"`
		} `json:"warehouses"`
	}
	if err := c.call(ctx, op, "GET", "/logistics/202309/warehouses", nil, nil, true, &w); err != nil {
		return nil, err
	}
	if w.Warehouses == nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the data has no warehouses"}
	}
	out := map[string]string{}
	for _, x := range *w.Warehouses {
		out[x.ID] = x.Address.RegionCode
	}
	return out, nil
}
