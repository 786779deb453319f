package notices

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/sellerops/sellerops/internal/apierr"
	"slices"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

// ProblemMessenger is a marketplace API that lets a seller tell a buyer
// about an unexpected problem with an order: Amazon's Messaging API
// (marketplaces/amazon.Client: getMessagingActionsForOrder lists
// "unexpectedProblem" when the order allows it; createUnexpectedProblem
// sends it).
type ProblemMessenger interface {
	GetMessagingActionsForOrder(ctx context.Context, orderID string) ([]string, error)
	CreateUnexpectedProblem(ctx context.Context, orderID, text string) error
}

var _ ProblemMessenger = (*amazon.Client)(nil)

// ErrUnsure: an earlier attempt may have reached the API, and the API has
// no way to read back what was sent; a person looks before anything is
// sent again.
var ErrUnsure = errors.New("an earlier attempt may have reached the marketplace, which cannot be asked")

// APISender sends notices through a marketplace API, for stores connected
// by API: Amazon's "unexpected problem" message. It implements Sender.
type APISender struct {
	DB *localdb.DB
	// API returns the messaging API of a store.
	API func(ctx context.Context, storeID int64) (ProblemMessenger, error)
}

var _ Sender = APISender{}

type apiPayload struct {
	StoreID int64  `json:"store_id"`
	OrderID string `json:"marketplace_order_id"`
	Channel string `json:"channel"`
	Body    string `json:"body"`
}

// SendNotice writes the notice's intent to the outbox under its key before
// the call, and marks it done when the API answers that it took it. The
// Messaging API cannot list what was sent, so an intent an earlier run
// left in flight, or unsure after a timeout, is never sent again here: it
// is reported as ErrUnsure for a person to look at the order's messages.
func (a APISender) SendNotice(ctx context.Context, m Message) (SendResult, error) {
	const channel = "sp-api unexpectedProblem"
	res := SendResult{Channel: channel}
	if len([]rune(m.Body)) > amazon.MaxMessageText {
		return res, fmt.Errorf("%w: the notice has %d characters; Amazon takes at most %d", ErrCannotWrite, len([]rune(m.Body)), amazon.MaxMessageText)
	}
	payload, _ := json.Marshal(apiPayload{StoreID: m.StoreID, OrderID: m.MarketplaceOrderID, Channel: channel, Body: m.Body})
	e, _, err := a.DB.WriteIntent(ctx, localdb.Intent{Key: m.Key, Kind: localdb.OutboxReply,
		Target: fmt.Sprintf("order:%d/%s", m.StoreID, m.MarketplaceOrderID), Payload: payload})
	if err != nil {
		return res, err
	}
	switch {
	case e.State == localdb.OutboxDone:
		res.AlreadySent = true
		return res, nil
	case e.State == localdb.OutboxInFlight || e.State == localdb.OutboxNeedsCheck:
		return res, fmt.Errorf("order %s: %w; look at the order's buyer messages in Seller Central, then record what you found with `sellerops notices settle %s --sent` (or --not-sent)", m.MarketplaceOrderID, ErrUnsure, m.Key)
	}
	api, err := a.API(ctx, m.StoreID)
	if err != nil {
		return res, err
	}
	acts, err := api.GetMessagingActionsForOrder(ctx, m.MarketplaceOrderID)
	if err != nil {
		_, _ = a.DB.MarkFailed(context.WithoutCancel(ctx), e.ID, failClass(err))
		return res, err
	}
	if !slices.Contains(acts, amazon.ActionUnexpectedProblem) {
		_, _ = a.DB.MarkFailed(context.WithoutCancel(ctx), e.ID, "site_error")
		return res, fmt.Errorf("order %s: Amazon allows no %s message for it now (actions: %v)", m.MarketplaceOrderID, amazon.ActionUnexpectedProblem, acts)
	}
	if e, err = a.DB.MarkInFlight(ctx, e.ID); err != nil {
		return res, err
	}
	if err := api.CreateUnexpectedProblem(ctx, m.MarketplaceOrderID, m.Body); err != nil {
		var ae *apierr.Error
		// A refusal (bad input, credentials, 429, 404) means Amazon did not
		// take it; anything else (a timeout, a 5xx) may have gone through.
		if errors.As(err, &ae) && ae.Class.Refused() {
			_, _ = a.DB.MarkFailed(context.WithoutCancel(ctx), e.ID, string(ae.Class))
		} else {
			_, _ = a.DB.MarkNeedsCheck(context.WithoutCancel(ctx), e.ID, failClass(err))
		}
		return res, err
	}
	done, _ := json.Marshal(map[string]any{"channel": channel, "order": m.MarketplaceOrderID})
	if _, err := a.DB.MarkDone(ctx, e.ID, done); err != nil {
		return res, err
	}
	return res, nil
}

func failClass(err error) string {
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Class != "" {
		return string(ae.Class)
	}
	return "site_error"
}
