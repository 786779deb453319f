package amazon

import (
	"github.com/sellerops/sellerops/internal/apierr"

	"context"
	"net/http"
	"net/url"
	"strings"
)

// Messaging v1 (messaging.json). Amazon has no API to read or answer buyer
// messages; these are the seller-initiated messages an order allows.

// The message actions the product sends, by their names in
// getMessagingActionsForOrder's _links.actions.
const (
	ActionConfirmDeliveryDetails = "confirmDeliveryDetails"
	ActionUnexpectedProblem      = "unexpectedProblem"
)

// MaxMessageText is the longest text the model allows in these messages
// (CreateUnexpectedProblemRequest and CreateConfirmDeliveryDetailsRequest,
// text maxLength 2000).
const MaxMessageText = 2000

// GetMessagingActionsForOrder lists the names of the message actions
// Amazon allows for an order now, such as "unexpectedProblem".
func (c *Client) GetMessagingActionsForOrder(ctx context.Context, orderID string) ([]string, error) {
	const op = "getMessagingActionsForOrder"
	path, q, err := c.messagingPath(op, orderID, "")
	if err != nil {
		return nil, err
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return nil, err
	}
	var w struct {
		Links *struct {
			Actions []struct {
				Href string `json:"href"`
				Name string `json:"name"`
			} `json:"actions"`
		} `json:"_links"`
		Errors []any `json:"errors"`
	}
	if err := decode(op, body, &w); err != nil {
		return nil, err
	}
	if w.Links == nil || w.Links.Actions == nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no _links.actions"}
	}
	names := make([]string, 0, len(w.Links.Actions))
	for _, a := range w.Links.Actions {
		if a.Name == "" {
			return nil, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an action without a name"}
		}
		names = append(names, a.Name)
	}
	return names, nil
}

// CreateUnexpectedProblem tells the buyer about an unexpected problem with
// the order (the unexpectedProblem action).
func (c *Client) CreateUnexpectedProblem(ctx context.Context, orderID, text string) error {
	return c.sendText(ctx, "createUnexpectedProblem", orderID, "/messages/unexpectedProblem", text)
}

// CreateConfirmDeliveryDetails asks the buyer to confirm delivery details
// (the confirmDeliveryDetails action).
func (c *Client) CreateConfirmDeliveryDetails(ctx context.Context, orderID, text string) error {
	return c.sendText(ctx, "createConfirmDeliveryDetails", orderID, "/messages/confirmDeliveryDetails", text)
}

func (c *Client) sendText(ctx context.Context, op, orderID, suffix, text string) error {
	if strings.TrimSpace(text) == "" {
		return badInput(op, "the message text is empty")
	}
	if n := len([]rune(text)); n > MaxMessageText {
		return badInput(op, "the message text has %d characters; Amazon takes at most %d", n, MaxMessageText)
	}
	path, q, err := c.messagingPath(op, orderID, suffix)
	if err != nil {
		return err
	}
	status, _, err := c.do(ctx, call{op: op, method: http.MethodPost, path: path, query: q, body: map[string]string{"text": text}})
	if err != nil {
		return err
	}
	// The model documents 201 for a message sent.
	if status != http.StatusCreated {
		return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Status: status, Message: "expected HTTP 201 for a sent message"}
	}
	return nil
}

// Attributes are the buyer's preferences for an order (GetAttributes).
type Attributes struct {
	BuyerLocale string // such as "en-US"; the language to write in
}

// GetAttributes returns the buyer's attributes for an order.
func (c *Client) GetAttributes(ctx context.Context, orderID string) (Attributes, error) {
	const op = "GetAttributes"
	path, q, err := c.messagingPath(op, orderID, "/attributes")
	if err != nil {
		return Attributes{}, err
	}
	_, body, err := c.do(ctx, call{op: op, method: http.MethodGet, path: path, query: q})
	if err != nil {
		return Attributes{}, err
	}
	var w struct {
		Buyer *struct {
			Locale string `json:"locale"`
		} `json:"buyer"`
	}
	if err := decode(op, body, &w); err != nil {
		return Attributes{}, err
	}
	if w.Buyer == nil || w.Buyer.Locale == "" {
		return Attributes{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no buyer.locale"}
	}
	return Attributes{BuyerLocale: w.Buyer.Locale}, nil
}

// messagingPath builds a Messaging path; every Messaging operation takes
// the required marketplaceIds query parameter.
func (c *Client) messagingPath(op, orderID, suffix string) (string, url.Values, error) {
	path, err := orderPath(op, "/messaging/v1/orders/", orderID, suffix)
	if err != nil {
		return "", nil, err
	}
	if c.cfg.MarketplaceID == "" {
		return "", nil, badInput(op, "the store has no marketplace id; Messaging needs one")
	}
	return path, url.Values{"marketplaceIds": {c.cfg.MarketplaceID}}, nil
}
