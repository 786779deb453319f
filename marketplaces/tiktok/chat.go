package tiktok

import (
	"context"
	"encoding/json"
	"net/url"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/sellerops/sellerops/internal/apierr"
)

// Field names below are those of TikTok Shop's customer service reference,
// version 202309, as its response models in the official Node.js SDK name
// them: Get Conversations (GET /customer_service/202309/conversations;
// model/customerService/V202309/GetConversationsResponseData,
// ...DataConversations, ...DataConversationsParticipants,
// ...DataConversationsLatestMessage), Get Conversation Messages (GET
// /customer_service/202309/conversations/{conversation_id}/messages;
// ...GetConversationMessagesResponseData, ...DataMessages,
// ...DataMessagesSender) and Send Message (POST on the same path;
// SendMessageRequestBody {type, content}, SendMessageResponseData
// {message_id}).

// Page limits of the published reference: Get Conversations' page_size
// "Max 20", Get Conversation Messages' "Max 10"; Send Message's TEXT
// content "Max 2000 characters".
const (
	ConversationPage = 20
	MessagePage      = 10
	MaxText          = 2000
)

// Sender roles (sender.role, participants[].role).
const (
	RoleBuyer           = "BUYER"
	RoleShop            = "SHOP"
	RoleCustomerService = "CUSTOMER_SERVICE"
	RoleSystem          = "SYSTEM"
	RoleRobot           = "ROBOT"
)

// Message types the product reads (type).
const (
	TypeText                = "TEXT"
	TypeImage               = "IMAGE"
	TypeOrderCard           = "ORDER_CARD"
	TypeBuyerEnterFromOrder = "BUYER_ENTER_FROM_ORDER"
	TypeLogisticsCard       = "LOGISTICS_CARD"
)

// Conversation is one conversation between the shop and a buyer.
type Conversation struct {
	ID          string
	Created     time.Time
	Buyer       string // the BUYER participant's nickname
	BuyerUserID string // its user_id, which orders name
	LatestAt    time.Time
	Unread      int
	CanSend     bool
}

// Message is one message of a conversation, its content read by type.
type Message struct {
	ID       string
	Type     string
	Role     string // sender.role
	Nickname string
	Created  time.Time
	Visible  bool   // is_visible: false for messages not meant for the seller
	Text     string // TEXT: content.content
	ImageURL string // IMAGE: content.url
	OrderID  string // ORDER_CARD, BUYER_ENTER_FROM_ORDER, LOGISTICS_CARD: content.order_id
}

type wireConversations struct {
	Conversations *[]struct {
		ID             string `json:"id"`
		CreateTime     int64  `json:"create_time"`
		UnreadCount    int    `json:"unread_count"`
		CanSendMessage bool   `json:"can_send_message"`
		Participants   []struct {
			Role     string `json:"role"`
			Nickname string `json:"nickname"`
			UserID   string `json:"user_id"`
		} `json:"participants"`
		LatestMessage *struct {
			CreateTime int64 `json:"create_time"`
		} `json:"latest_message"`
	} `json:"conversations"`
	NextPageToken *string `json:"next_page_token"`
}

// Conversations returns every conversation of the shop, following
// next_page_token (at most maxPages pages).
func (c *Client) Conversations(ctx context.Context, maxPages int) ([]Conversation, error) {
	const op = "Get Conversations"
	var out []Conversation
	token := ""
	for page := 0; ; page++ {
		if page >= maxPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more pages than the limit"}
		}
		q := url.Values{"page_size": {strconv.Itoa(ConversationPage)}}
		if token != "" {
			q.Set("page_token", token)
		}
		var w wireConversations
		if err := c.call(ctx, op, "GET", "/customer_service/202309/conversations", q, nil, true, &w); err != nil {
			return out, err
		}
		if w.Conversations == nil || w.NextPageToken == nil {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the data has no conversations or next_page_token"}
		}
		for _, x := range *w.Conversations {
			if x.ID == "" {
				return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "a conversation without id"}
			}
			cv := Conversation{ID: x.ID, Created: unix(x.CreateTime), Unread: x.UnreadCount, CanSend: x.CanSendMessage}
			for _, p := range x.Participants {
				if p.Role == RoleBuyer {
					cv.Buyer, cv.BuyerUserID = p.Nickname, p.UserID
				}
			}
			if x.LatestMessage != nil {
				cv.LatestAt = unix(x.LatestMessage.CreateTime)
			}
			out = append(out, cv)
		}
		if *w.NextPageToken == "" || *w.NextPageToken == token || len(*w.Conversations) == 0 {
			return out, nil
		}
		token = *w.NextPageToken
	}
}

type wireMessage struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Content    string `json:"content"`
	CreateTime int64  `json:"create_time"`
	IsVisible  *bool  `json:"is_visible"`
	Sender     *struct {
		Role     string `json:"role"`
		Nickname string `json:"nickname"`
	} `json:"sender"`
}

func (w wireMessage) message(op, conv string) (Message, error) {
	bad := func(msg string, err error) (Message, error) {
		return Message{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "conversation " + conv + ", message " + w.ID + ": " + msg, Err: err}
	}
	if w.ID == "" || w.Type == "" || w.CreateTime <= 0 {
		return bad("no id, type or create_time", nil)
	}
	if w.Sender == nil || w.Sender.Role == "" {
		return bad("no sender.role", nil)
	}
	m := Message{ID: w.ID, Type: w.Type, Role: w.Sender.Role, Nickname: w.Sender.Nickname, Created: unix(w.CreateTime), Visible: w.IsVisible == nil || *w.IsVisible}
	// content is JSON serialised into a string, its keys by type.
	var body struct {
		Content *string `json:"content"`
		URL     string  `json:"url"`
		OrderID string  `json:"order_id"`
	}
	switch w.Type {
	case TypeText:
		if err := json.Unmarshal([]byte(w.Content), &body); err != nil || body.Content == nil {
			return bad("a TEXT message whose content is not {\"content\": text}", err)
		}
		m.Text = *body.Content
	case TypeImage:
		if err := json.Unmarshal([]byte(w.Content), &body); err != nil || body.URL == "" {
			return bad("an IMAGE message whose content has no url", err)
		}
		m.ImageURL = body.URL
	case TypeOrderCard, TypeBuyerEnterFromOrder, TypeLogisticsCard:
		if err := json.Unmarshal([]byte(w.Content), &body); err != nil || body.OrderID == "" {
			return bad("a "+w.Type+" message whose content has no order_id", err)
		}
		m.OrderID = body.OrderID
	}
	return m, nil
}

// Messages returns every message of a conversation, oldest first,
// following next_page_token (at most maxPages pages).
func (c *Client) Messages(ctx context.Context, conversationID string, maxPages int) ([]Message, error) {
	const op = "Get Conversation Messages"
	var out []Message
	token := ""
	path := "/customer_service/202309/conversations/" + url.PathEscape(conversationID) + "/messages"
	for page := 0; ; page++ {
		if page >= maxPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more pages than the limit"}
		}
		q := url.Values{"page_size": {strconv.Itoa(MessagePage)}, "sort_field": {"create_time"}, "sort_order": {"ASC"}}
		if token != "" {
			q.Set("page_token", token)
		}
		var w struct {
			Messages      *[]wireMessage `json:"messages"`
			NextPageToken *string        `json:"next_page_token"`
		}
		if err := c.call(ctx, op, "GET", path, q, nil, true, &w); err != nil {
			return out, err
		}
		if w.Messages == nil || w.NextPageToken == nil {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "conversation " + conversationID + ": the data has no messages or next_page_token"}
		}
		for _, x := range *w.Messages {
			m, err := x.message(op, conversationID)
			if err != nil {
				return out, err
			}
			out = append(out, m)
		}
		if *w.NextPageToken == "" || *w.NextPageToken == token || len(*w.Messages) == 0 {
			return out, nil
		}
		token = *w.NextPageToken
	}
}

// SendText sends a TEXT message to the buyer of a conversation and returns
// its message id. It is not retried after a 5xx or a lost answer: the
// message may have gone out, and the caller asks Messages before sending
// again. A refusal (a 429, an expired token) is retried, since nothing
// was sent.
func (c *Client) SendText(ctx context.Context, conversationID, text string) (string, error) {
	const op = "Send Message"
	if text == "" || utf8.RuneCountInString(text) > MaxText {
		return "", &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Message: "a TEXT message holds 1 to 2000 characters"}
	}
	content, _ := json.Marshal(map[string]string{"content": text})
	body := map[string]string{"type": TypeText, "content": string(content)}
	var w struct {
		MessageID string `json:"message_id"`
	}
	path := "/customer_service/202309/conversations/" + url.PathEscape(conversationID) + "/messages"
	if err := c.call(ctx, op, "POST", path, nil, body, false, &w); err != nil {
		return "", err
	}
	if w.MessageID == "" {
		return "", &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the data has no message_id"}
	}
	return w.MessageID, nil
}
