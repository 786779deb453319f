package notices

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sellerops/sellerops/localdb"
)

// ErrNoNotice: no notice is proposed for the parcel named.
var ErrNoNotice = errors.New("no delay notice is proposed for this parcel")

// ErrCannotWrite: the notice's template lacks a value (see Proposal.Problem).
var ErrCannotWrite = errors.New("the notice cannot be written")

// Message is a notice handed to a store's site.
type Message struct {
	Key                string // the outbox idempotency key: parcel + event
	StoreID            int64
	MarketplaceOrderID string
	// ThreadID is the order's local thread (0 when none), for a site that
	// offers no order contact form.
	ThreadID int64
	Body     string
}

// SendResult says how a site took a notice.
type SendResult struct {
	// AlreadySent: the outbox held the notice as done; nothing was sent.
	AlreadySent bool `json:"already_sent"`
	// Recovered: an earlier attempt had reached the site; found there.
	Recovered bool `json:"recovered"`
	// Channel names where the notice went ("order contact form",
	// "thread reply", ...).
	Channel string `json:"channel,omitempty"`
}

// Sender sends a notice through the outbox: it writes the intent under
// Message.Key before acting, looks on the site first when an earlier
// attempt may have reached it, and marks the intent done once the site
// confirms. Package marketplace implements it for the browser.
type Sender interface {
	SendNotice(ctx context.Context, m Message) (SendResult, error)
}

// Find returns the proposal a reference names: its key, the parcel's local
// id, or its tracking number.
func Find(props []Proposal, ref string) (Proposal, error) {
	ref = strings.TrimSpace(ref)
	id, _ := strconv.ParseInt(ref, 10, 64)
	for _, p := range props {
		if p.Key == ref || (id != 0 && p.ShipmentID == id) || strings.EqualFold(p.TrackingNumber, ref) {
			return p, nil
		}
	}
	return Proposal{}, fmt.Errorf("parcel %q: %w; `sellerops notices list` shows the proposed ones", ref, ErrNoNotice)
}

// Send records the decision to send p, then hands it to sender. The
// decision is recorded before anything reaches the site, under the key
// parcel + event, so that a notice already sent or skipped is never sent
// (again), and one left half-way by a crash is finished with the text
// first decided.
func Send(ctx context.Context, db *localdb.DB, sender Sender, p Proposal) (SendResult, error) {
	if p.Problem != "" {
		return SendResult{}, fmt.Errorf("parcel %s: %w: %s", p.TrackingNumber, ErrCannotWrite, p.Problem)
	}
	if strings.TrimSpace(p.Body) == "" {
		return SendResult{}, fmt.Errorf("parcel %s: %w: the notice is empty", p.TrackingNumber, ErrCannotWrite)
	}
	n, _, err := db.RecordNotice(ctx, localdb.Notice{Key: p.Key, ShipmentID: p.ShipmentID, OrderID: p.OrderID, Event: p.Event,
		Since: p.Since, State: localdb.NoticeSending, Language: p.Language, Body: p.Body})
	if err != nil {
		return SendResult{}, err
	}
	switch n.State {
	case localdb.NoticeSent:
		return SendResult{AlreadySent: true}, nil
	case localdb.NoticeSkipped:
		return SendResult{}, fmt.Errorf("parcel %s: the notice was skipped: %w", p.TrackingNumber, ErrNoNotice)
	}
	res, err := sender.SendNotice(ctx, Message{Key: n.Key, StoreID: p.StoreID, MarketplaceOrderID: p.MarketplaceOrderID,
		ThreadID: p.ThreadID, Body: n.Body})
	if err != nil {
		return res, fmt.Errorf("notice for parcel %s: %w", p.TrackingNumber, err)
	}
	if _, err := db.MarkNoticeSent(ctx, n.Key); err != nil {
		return res, err
	}
	return res, nil
}

// Skip records that a person declined p: it is not proposed again, nor is
// a notice for an event of the same parcel that began before now.
func Skip(ctx context.Context, db *localdb.DB, p Proposal) error {
	if p.State == StateSending {
		return fmt.Errorf("parcel %s: the notice is being sent already (a run stopped half-way); `sellerops notices send %d` finishes it: %w",
			p.TrackingNumber, p.ShipmentID, ErrNoNotice)
	}
	_, _, err := db.RecordNotice(ctx, localdb.Notice{Key: p.Key, ShipmentID: p.ShipmentID, OrderID: p.OrderID, Event: p.Event,
		Since: p.Since, State: localdb.NoticeSkipped, Language: p.Language})
	return err
}
