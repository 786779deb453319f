package marketplace

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/channel"
)

// NoticeKeyPrefix starts every notice's idempotency key (notices.Key).
// RecoverReplies leaves those intents alone: an unfinished notice is
// listed by notices.Propose as sending, and sending it again finishes it.
const NoticeKeyPrefix = "notice-"

// ErrNoConversation: a notice has nowhere to go on the site: its recipe
// names no order conversation and the buyer has no thread.
var ErrNoConversation = errors.New("no conversation with the buyer on the site")

// NoticeSender sends delay notices with the browser; it implements
// notices.Sender.
type NoticeSender struct {
	Deps     *Deps
	Progress func(Progress)
}

var _ notices.Sender = NoticeSender{}

type noticePayload struct {
	Store              string `json:"store"`
	MarketplaceOrderID string `json:"marketplace_order_id"`
	Conversation       string `json:"conversation"`
	Channel            string `json:"channel"`
	Body               string `json:"body"`
}

// Notice channels.
const (
	channelOrderConversation = "order conversation"
	channelThread            = "thread reply"
)

// SendNotice writes the notice's intent to the outbox under its key (the
// parcel and event) before the browser acts, and sends it into the order's
// own conversation, where the store's recipe names one
// (fields.order_conversation, a pattern with {order}), else as a reply in
// the buyer's thread. An intent an earlier run left in flight or unsure is
// first looked for on the site, by the key the site keeps beside the
// message; found, it is recorded and not sent again.
func (n NoticeSender) SendNotice(ctx context.Context, m notices.Message) (notices.SendResult, error) {
	deps := n.Deps
	if err := deps.check(); err != nil {
		return notices.SendResult{}, err
	}
	progress := n.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	body := strings.TrimSpace(m.Body)
	if body == "" || !strings.HasPrefix(m.Key, NoticeKeyPrefix) {
		return notices.SendResult{}, fmt.Errorf("%w: a notice needs a text and a notice key (got key %q)", ErrInvalidInput, m.Key)
	}
	db := deps.DB
	st, err := db.GetStore(ctx, m.StoreID)
	if err != nil {
		return notices.SendResult{}, err
	}
	// A store whose proactive messages go through Amazon's API sends the
	// notice there, as the "unexpected problem" message, through the same
	// outbox key; the browser is not used.
	switch a, err := db.GetAPIAccount(ctx, st.ID); {
	case err == nil && a.Channels.Proactive.UsesAPI() && a.API == channel.API("amazon"):
		return notices.APISender{DB: db, API: func(ctx context.Context, _ int64) (notices.ProblemMessenger, error) {
			return deps.apiClient(ctx, st, a)
		}}.SendNotice(ctx, m)
	case err != nil && !errors.Is(err, localdb.ErrNotFound):
		return notices.SendResult{}, err
	}
	// An intent stored by an earlier run keeps its conversation and text.
	if e, err := db.GetIntent(ctx, m.Key); err == nil {
		var p noticePayload
		if json.Unmarshal(e.Payload, &p) == nil && p.Conversation != "" {
			if e.State == localdb.OutboxDone {
				return notices.SendResult{AlreadySent: true, Channel: p.Channel}, nil
			}
			return n.send(ctx, st, m.Key, p, progress)
		}
	} else if !errors.Is(err, localdb.ErrNotFound) {
		return notices.SendResult{}, err
	}
	p := noticePayload{Store: st.Name, MarketplaceOrderID: m.MarketplaceOrderID, Body: body}
	r, err := recipeFor(deps.Recipes, st)
	if err != nil {
		return notices.SendResult{}, err
	}
	pattern := r.Fields["order_conversation"]
	switch {
	case pattern != "" && m.MarketplaceOrderID != "":
		p.Conversation, p.Channel = strings.ReplaceAll(pattern, "{order}", m.MarketplaceOrderID), channelOrderConversation
	case m.ThreadID != 0:
		th, err := db.GetThread(ctx, m.ThreadID)
		if err != nil {
			return notices.SendResult{}, err
		}
		p.Conversation, p.Channel = th.MarketplaceThreadID, channelThread
	default:
		return notices.SendResult{}, fmt.Errorf("store %s, order %s: %w: recipe %s names no order conversation (fields.order_conversation) "+
			"and the buyer has not written; write to the buyer on the site, then `sellerops notices skip`",
			st.Name, m.MarketplaceOrderID, ErrNoConversation, r.Site)
	}
	return n.send(ctx, st, m.Key, p, progress)
}

func (n NoticeSender) send(ctx context.Context, st localdb.Store, key string, p noticePayload, progress func(Progress)) (notices.SendResult, error) {
	payload, _ := json.Marshal(p)
	r, err := deliver(ctx, n.Deps, st, localdb.Intent{Key: key, Kind: localdb.OutboxReply,
		Target: fmt.Sprintf("order:%d/%s", st.ID, p.MarketplaceOrderID), Payload: payload}, p.Conversation, p.Body, progress)
	res := notices.SendResult{Channel: p.Channel, AlreadySent: r.AlreadySent, Recovered: r.Recovered}
	if err == nil && !r.AlreadySent {
		progress(Progress{Store: st.Name, Phase: "done", Message: "notice sent"})
	}
	return res, err
}
