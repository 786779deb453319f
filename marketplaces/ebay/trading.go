package ebay

// The Trading API's member messages: an XML POST to /ws/api.dll per call,
// authorised with the OAuth user token of the same refresh flow as the
// Sell Fulfillment client.
//
// Shapes follow eBay's published Trading API reference
// (developer.ebay.com/devzone/xml/docs/reference/ebay/):
//   - "Using OAuth with the eBay traditional APIs" (api-docs/static/
//     oauth-trad-apis.html): the user token goes in the
//     X-EBAY-API-IAF-TOKEN header, beside X-EBAY-API-CALL-NAME,
//     X-EBAY-API-SITEID and X-EBAY-API-COMPATIBILITY-LEVEL.
//   - GetMyMessages.html and types/MyMessagesMessageType.html: DetailLevel
//     ReturnHeaders lists a folder's messages (FolderID 0 the inbox, 1 the
//     sent items) between StartTime and EndTime, page by page (Pagination
//     EntriesPerPage, PageNumber); ReturnMessages with MessageIDs gives
//     their text, "only 10 unique message ID values per request". Each
//     Message has MessageID, ExternalMessageID, Sender, RecipientUserID,
//     Subject, ItemID, ReceiveDate, Folder.FolderID, Text (HTML), Content
//     (plain text) and MessageMedia (MediaURL, MediaName).
//   - GetMemberMessages.html: MailMessageType (AskSellerQuestion or All),
//     MessageStatus (Answered, Unanswered), StartCreationTime and
//     EndCreationTime, Pagination with EntriesPerPage 25, 50, 100 or 200;
//     the answer's MemberMessage.MemberMessageExchange (Item.ItemID,
//     Question with MessageID, SenderID, Subject and Body, Response,
//     MessageStatus, CreationDate), PaginationResult.TotalNumberOfPages and
//     HasMoreItems.
//   - AddMemberMessageRTQ.html: ItemID and MemberMessage (Body,
//     ParentMessageID, RecipientID); "no more than 75 AddMemberMessageRTQ
//     calls can be executed within any 60-second interval" per seller, and
//     a blocked seller waits 100 seconds.
//   - "Application-level errors" (api-docs/user-guides/static/make-a-call/
//     error-handling-app.html): Ack is Success, Warning, PartialFailure or
//     Failure; Errors carries ErrorCode, ShortMessage, LongMessage and
//     SeverityCode (Error or Warning). Error codes: 931 "Auth token is
//     invalid" (knowledge base article 630), 932 "Auth token is hard
//     expired", 518 "call usage limit has been reached", 20957 "Service is
//     not available" when member messaging limits are exceeded (knowledge
//     base article 666).
//   - Knowledge base article 2092 ("How can I track messages between the
//     buyer and seller?"): the API has no conversation object; messages
//     about an order can be followed by their ExternalMessageID and ItemID.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/internal/ratelimit"
)

// TradingScope is the OAuth scope the Trading client's tokens are asked
// with: eBay's base scope, which the traditional APIs accept with a user
// token from the authorization code grant.
const TradingScope = "https://api.ebay.com/oauth/api_scope"

// tradingPath is the Trading API's XML endpoint on the API host.
const tradingPath = "/ws/api.dll"

// CompatibilityLevel is the schema version the requests are written for.
const CompatibilityLevel = "1451"

// tradingNS is the namespace of every Trading request and answer.
const tradingNS = "urn:ebay:apis:eBLBaseComponents"

// Folders of My Messages (GetMyMessages FolderID).
const (
	FolderInbox = 0
	FolderSent  = 1
)

// MaxMessageIDs is how many MessageIDs one GetMyMessages call takes.
const MaxMessageIDs = 10

// myMessagesPage is how many headers one GetMyMessages page asks for.
const myMessagesPage = 200

// memberMessagesPage is GetMemberMessages' largest EntriesPerPage.
const memberMessagesPage = 200

// maxTradingPages bounds the pages one listing reads.
const maxTradingPages = 500

// RTQPerMinute is the published AddMemberMessageRTQ limit per seller.
const RTQPerMinute = 75

// Trading calls the Trading API's member messages for one seller.
type Trading struct {
	c        *Client
	siteID   string
	rtq      *ratelimit.Bucket
	mu       sync.Mutex
	warnings []string
}

// rtqBuckets holds one AddMemberMessageRTQ bucket per seller (by its
// refresh token's hash), so that every client of the process shares it.
var rtqBuckets sync.Map

// NewTrading checks the configuration. siteID is the eBay site the calls
// are made for (0 for the US); "" means 0.
func NewTrading(cfg Config, siteID string) (*Trading, error) {
	c, err := New(cfg)
	if err != nil {
		return nil, err
	}
	c.scope = TradingScope
	if siteID == "" {
		siteID = "0"
	}
	if _, err := strconv.Atoi(siteID); err != nil {
		return nil, &apierr.Error{API: apiName, Class: apierr.BadInput, Op: "config", Message: "the site id is a number (0 for eBay US)"}
	}
	h := sha256.Sum256([]byte(cfg.RefreshToken))
	b, _ := rtqBuckets.LoadOrStore(hex.EncodeToString(h[:]), ratelimit.NewBucket(RTQPerMinute/60.0, RTQPerMinute))
	return &Trading{c: c, siteID: siteID, rtq: b.(*ratelimit.Bucket)}, nil
}

// Requests counts the calls made, the token renewals left out.
func (t *Trading) Requests() int64 { return t.c.Requests() }

// Warnings returns the warnings the answers carried (Ack Warning), each
// as "Call code: message".
func (t *Trading) Warnings() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.warnings)
}

// RTQWaits counts the replies that waited for the per-seller limit.
func (t *Trading) RTQWaits() int64 { return t.rtq.Waits() }

type wireError struct {
	ShortMessage string `xml:"ShortMessage"`
	LongMessage  string `xml:"LongMessage"`
	ErrorCode    string `xml:"ErrorCode"`
	SeverityCode string `xml:"SeverityCode"`
}

// envelope is what every answer has (AbstractResponseType).
type envelope struct {
	Ack    string      `xml:"Ack"`
	Errors []wireError `xml:"Errors"`
}

// tradingFailure classifies an answer's Errors. renew tells that a new
// token may help.
func tradingFailure(op string, errs []wireError) (e *apierr.Error, renew bool) {
	var first *wireError
	for i := range errs {
		if errs[i].SeverityCode != "Warning" {
			first = &errs[i]
			break
		}
	}
	e = &apierr.Error{API: apiName, Op: op, Class: apierr.BadInput}
	if first == nil {
		e.Class, e.Message = apierr.SiteError, "Ack is not Success but no error is given"
		return e, false
	}
	e.Code, e.Message = first.ErrorCode, strings.TrimSpace(first.ShortMessage)
	switch first.ErrorCode {
	case "931", "932":
		e.Class = apierr.AuthFailed
		return e, true
	case "518", "20957":
		e.Class = apierr.RateLimited
	}
	return e, false
}

// call makes one Trading call: req is marshalled as the request element,
// the answer decoded into out (which must embed nothing: its Ack and Errors
// are read separately). 429 is retried, and so is 5xx for a call that
// changes nothing (safe): a send that met a 5xx may have gone through, so
// it is left to the caller to look before sending again. A refused token
// gets one renewed token.
func (t *Trading) call(ctx context.Context, op string, req, out any, safe bool) error {
	body, err := xml.Marshal(req)
	if err != nil {
		return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Err: err}
	}
	body = append([]byte(xml.Header), body...)
	c := t.c
	renewed := false
	for attempt := 0; ; attempt++ {
		token, err := c.accessToken(ctx)
		if err != nil {
			return err
		}
		hr, err := http.NewRequestWithContext(ctx, http.MethodPost, c.cfg.BaseURL+tradingPath, bytes.NewReader(body))
		if err != nil {
			return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Err: err}
		}
		hr.Header.Set("Content-Type", "text/xml; charset=utf-8")
		hr.Header.Set("X-EBAY-API-CALL-NAME", op)
		hr.Header.Set("X-EBAY-API-SITEID", t.siteID)
		hr.Header.Set("X-EBAY-API-COMPATIBILITY-LEVEL", CompatibilityLevel)
		hr.Header.Set("X-EBAY-API-IAF-TOKEN", token)
		c.mu.Lock()
		c.requests++
		c.mu.Unlock()
		resp, err := c.cfg.HTTPClient.Do(hr)
		if err != nil {
			if ctx.Err() != nil {
				return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: ctx.Err()}
			}
			return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "no answer"}
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500 {
			if attempt >= c.cfg.MaxRetries || !safe && resp.StatusCode != http.StatusTooManyRequests {
				class := apierr.SiteError
				if resp.StatusCode == http.StatusTooManyRequests {
					class = apierr.RateLimited
				}
				return &apierr.Error{API: apiName, Class: class, Op: op, Status: resp.StatusCode}
			}
			wait := ratelimit.RetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now())
			if resp.Header.Get("Retry-After") == "" {
				wait = time.Duration(200<<attempt) * time.Millisecond
			}
			if err := ratelimit.Sleep(ctx, wait); err != nil {
				return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: err}
			}
			continue
		}
		var env envelope
		if resp.StatusCode != http.StatusOK || xml.Unmarshal(data, &env) != nil || env.Ack == "" {
			return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Status: resp.StatusCode,
				Message: "the answer is not a Trading API answer with an Ack"}
		}
		switch env.Ack {
		case "Success", "Warning":
			for _, w := range env.Errors {
				t.mu.Lock()
				t.warnings = append(t.warnings, op+" "+w.ErrorCode+": "+strings.TrimSpace(w.ShortMessage))
				t.mu.Unlock()
			}
			if err := xml.Unmarshal(data, out); err != nil {
				return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer does not fit the published shape", Err: err}
			}
			return nil
		case "Failure", "PartialFailure":
			e, renew := tradingFailure(op, env.Errors)
			if renew && !renewed {
				renewed = true
				c.mu.Lock()
				c.token = ""
				c.mu.Unlock()
				attempt--
				continue
			}
			return e
		default:
			return &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "unknown Ack " + strconv.Quote(env.Ack)}
		}
	}
}

// tradingTime is how the Trading API writes a dateTime: UTC with
// milliseconds.
func tradingTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type wirePagination struct {
	EntriesPerPage int `xml:"EntriesPerPage"`
	PageNumber     int `xml:"PageNumber"`
}

type getMyMessagesRequest struct {
	XMLName     xml.Name        `xml:"urn:ebay:apis:eBLBaseComponents GetMyMessagesRequest"`
	DetailLevel string          `xml:"DetailLevel"`
	FolderID    *int            `xml:"FolderID,omitempty"`
	StartTime   string          `xml:"StartTime,omitempty"`
	EndTime     string          `xml:"EndTime,omitempty"`
	MessageIDs  *wireMessageIDs `xml:"MessageIDs,omitempty"`
	Pagination  *wirePagination `xml:"Pagination,omitempty"`
}

type wireMessageIDs struct {
	MessageID []string `xml:"MessageID"`
}

type wireMyMessage struct {
	Sender            string `xml:"Sender"`
	RecipientUserID   string `xml:"RecipientUserID"`
	Subject           string `xml:"Subject"`
	MessageID         string `xml:"MessageID"`
	ExternalMessageID string `xml:"ExternalMessageID"`
	Text              string `xml:"Text"`
	Content           string `xml:"Content"`
	ReceiveDate       string `xml:"ReceiveDate"`
	ItemID            string `xml:"ItemID"`
	Folder            *struct {
		FolderID *int `xml:"FolderID"`
	} `xml:"Folder"`
	MessageMedia []struct {
		MediaURL  string `xml:"MediaURL"`
		MediaName string `xml:"MediaName"`
	} `xml:"MessageMedia"`
}

type getMyMessagesResponse struct {
	Messages *struct {
		Message []wireMyMessage `xml:"Message"`
	} `xml:"Messages"`
}

// MyMessage is one message of My Messages.
type MyMessage struct {
	MessageID string
	// ExternalMessageID names the exchange the message belongs to when
	// eBay gives one; "" otherwise.
	ExternalMessageID string
	Sender, Recipient string // eBay user IDs
	Subject, ItemID   string
	Folder            int
	Received          time.Time
	// Text is the plain text (Content, else Text); "" for a header.
	Text  string
	Media []Media
}

// Media is a picture sent with a message.
type Media struct{ URL, Name string }

func (w wireMyMessage) message(op string, withText bool) (MyMessage, error) {
	bad := func(msg string) (MyMessage, error) {
		return MyMessage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "message " + w.MessageID + ": " + msg}
	}
	if w.MessageID == "" {
		return MyMessage{}, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "a message without MessageID"}
	}
	m := MyMessage{MessageID: w.MessageID, ExternalMessageID: w.ExternalMessageID, Sender: w.Sender, Recipient: w.RecipientUserID,
		Subject: w.Subject, ItemID: w.ItemID}
	at, err := time.Parse(time.RFC3339, w.ReceiveDate)
	if err != nil {
		return bad("ReceiveDate is not a dateTime")
	}
	m.Received = at.UTC()
	if w.Folder == nil || w.Folder.FolderID == nil {
		return bad("no Folder.FolderID")
	}
	m.Folder = *w.Folder.FolderID
	if m.Folder == FolderInbox && m.Sender == "" || m.Folder == FolderSent && m.Recipient == "" {
		return bad("no Sender or RecipientUserID for its folder")
	}
	if withText {
		m.Text = w.Content
		if strings.TrimSpace(m.Text) == "" {
			m.Text = w.Text
		}
		if strings.TrimSpace(m.Text) == "" {
			return bad("ReturnMessages gave neither Content nor Text")
		}
	}
	for _, md := range w.MessageMedia {
		if md.MediaURL == "" {
			return bad("MessageMedia without MediaURL")
		}
		m.Media = append(m.Media, Media{URL: md.MediaURL, Name: md.MediaName})
	}
	return m, nil
}

// MessageHeaders lists the headers of one folder's messages received from
// from to to (a zero to: up to now, by eBay's clock), reading every page.
func (t *Trading) MessageHeaders(ctx context.Context, folder int, from, to time.Time) ([]MyMessage, error) {
	const op = "GetMyMessages"
	var out []MyMessage
	for page := 1; ; page++ {
		if page > maxTradingPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more pages than the limit"}
		}
		f := folder
		req := getMyMessagesRequest{DetailLevel: "ReturnHeaders", FolderID: &f, StartTime: tradingTime(from),
			Pagination: &wirePagination{EntriesPerPage: myMessagesPage, PageNumber: page}}
		if !to.IsZero() {
			req.EndTime = tradingTime(to)
		}
		var resp getMyMessagesResponse
		if err := t.call(ctx, op, req, &resp, true); err != nil {
			return out, err
		}
		if resp.Messages == nil {
			// An empty folder still has the container; none is another shape.
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no Messages"}
		}
		for _, w := range resp.Messages.Message {
			m, err := w.message(op, false)
			if err != nil {
				return out, err
			}
			out = append(out, m)
		}
		if len(resp.Messages.Message) < myMessagesPage {
			return out, nil
		}
	}
}

// MessageBodies reads the given messages with their text, ten per call as
// GetMyMessages allows. Every message asked for must come back.
func (t *Trading) MessageBodies(ctx context.Context, ids []string) ([]MyMessage, error) {
	const op = "GetMyMessages"
	var out []MyMessage
	for part := range slices.Chunk(ids, MaxMessageIDs) {
		req := getMyMessagesRequest{DetailLevel: "ReturnMessages", MessageIDs: &wireMessageIDs{MessageID: part}}
		var resp getMyMessagesResponse
		if err := t.call(ctx, op, req, &resp, true); err != nil {
			return out, err
		}
		if resp.Messages == nil {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no Messages"}
		}
		got := map[string]bool{}
		for _, w := range resp.Messages.Message {
			if !slices.Contains(part, w.MessageID) {
				return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "message " + w.MessageID + " was not asked for"}
			}
			m, err := w.message(op, true)
			if err != nil {
				return out, err
			}
			got[m.MessageID] = true
			out = append(out, m)
		}
		for _, id := range part {
			if !got[id] {
				return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "message " + id + " was asked for and not returned"}
			}
		}
	}
	return out, nil
}

type getMemberMessagesRequest struct {
	XMLName           xml.Name       `xml:"urn:ebay:apis:eBLBaseComponents GetMemberMessagesRequest"`
	MailMessageType   string         `xml:"MailMessageType"`
	MessageStatus     string         `xml:"MessageStatus,omitempty"`
	StartCreationTime string         `xml:"StartCreationTime,omitempty"`
	EndCreationTime   string         `xml:"EndCreationTime,omitempty"`
	Pagination        wirePagination `xml:"Pagination"`
}

type getMemberMessagesResponse struct {
	MemberMessage *struct {
		MemberMessageExchange []struct {
			Item *struct {
				ItemID string `xml:"ItemID"`
			} `xml:"Item"`
			Question *struct {
				MessageType string `xml:"MessageType"`
				SenderID    string `xml:"SenderID"`
				RecipientID string `xml:"RecipientID"`
				Subject     string `xml:"Subject"`
				Body        string `xml:"Body"`
				MessageID   string `xml:"MessageID"`
			} `xml:"Question"`
			Response      []string `xml:"Response"`
			MessageStatus string   `xml:"MessageStatus"`
			CreationDate  string   `xml:"CreationDate"`
		} `xml:"MemberMessageExchange"`
	} `xml:"MemberMessage"`
	PaginationResult *struct {
		TotalNumberOfPages   int `xml:"TotalNumberOfPages"`
		TotalNumberOfEntries int `xml:"TotalNumberOfEntries"`
	} `xml:"PaginationResult"`
	HasMoreItems string `xml:"HasMoreItems"`
}

// MemberQuery selects member messages.
type MemberQuery struct {
	Type     string // MailMessageType: AskSellerQuestion (the default) or All
	Status   string // Answered, Unanswered, or "" for both
	From, To time.Time
}

// MemberExchange is a buyer's question with the seller's answers.
type MemberExchange struct {
	ItemID, MessageID, Type string
	Sender, Subject, Body   string
	Responses               []string
	Answered                bool
	Created                 time.Time
}

// MemberMessages lists the buyers' messages that match q, reading every
// page.
func (t *Trading) MemberMessages(ctx context.Context, q MemberQuery) ([]MemberExchange, error) {
	const op = "GetMemberMessages"
	if q.Type == "" {
		q.Type = "AskSellerQuestion"
	}
	var out []MemberExchange
	for page := 1; ; page++ {
		if page > maxTradingPages {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "more pages than the limit"}
		}
		req := getMemberMessagesRequest{MailMessageType: q.Type, MessageStatus: q.Status,
			Pagination: wirePagination{EntriesPerPage: memberMessagesPage, PageNumber: page}}
		if !q.From.IsZero() {
			req.StartCreationTime, req.EndCreationTime = tradingTime(q.From), tradingTime(q.To)
		}
		var resp getMemberMessagesResponse
		if err := t.call(ctx, op, req, &resp, true); err != nil {
			return out, err
		}
		if resp.PaginationResult == nil {
			return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "the answer has no PaginationResult"}
		}
		if resp.MemberMessage != nil {
			for _, x := range resp.MemberMessage.MemberMessageExchange {
				if x.Question == nil || x.Question.MessageID == "" || x.Item == nil || x.Item.ItemID == "" {
					return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "an exchange without Question.MessageID or Item.ItemID"}
				}
				at, err := time.Parse(time.RFC3339, x.CreationDate)
				if err != nil {
					return out, &apierr.Error{API: apiName, Class: apierr.SiteError, Op: op, Message: "exchange " + x.Question.MessageID + ": CreationDate is not a dateTime"}
				}
				out = append(out, MemberExchange{ItemID: x.Item.ItemID, MessageID: x.Question.MessageID, Type: x.Question.MessageType,
					Sender: x.Question.SenderID, Subject: x.Question.Subject, Body: x.Question.Body, Responses: x.Response,
					Answered: x.MessageStatus == "Answered", Created: at.UTC()})
			}
		}
		if resp.HasMoreItems != "true" || page >= resp.PaginationResult.TotalNumberOfPages {
			return out, nil
		}
	}
}

// RTQ is a seller's answer to a buyer's message.
type RTQ struct {
	ItemID, ParentMessageID, RecipientID, Body string
}

type addMemberMessageRTQRequest struct {
	XMLName       xml.Name `xml:"urn:ebay:apis:eBLBaseComponents AddMemberMessageRTQRequest"`
	ItemID        string   `xml:"ItemID,omitempty"`
	MemberMessage struct {
		Body            string `xml:"Body"`
		ParentMessageID string `xml:"ParentMessageID"`
		RecipientID     string `xml:"RecipientID"`
	} `xml:"MemberMessage"`
}

// ReplyToMessage answers a buyer's message with AddMemberMessageRTQ,
// keeping to the seller's 75 calls a minute. The answer has no fields of
// its own: Ack Success means eBay took it.
func (t *Trading) ReplyToMessage(ctx context.Context, r RTQ) error {
	const op = "AddMemberMessageRTQ"
	if strings.TrimSpace(r.Body) == "" || r.ParentMessageID == "" || r.RecipientID == "" {
		return &apierr.Error{API: apiName, Class: apierr.BadInput, Op: op, Message: "a reply needs a body, the parent message id and the recipient"}
	}
	if err := t.rtq.Wait(ctx); err != nil {
		return &apierr.Error{API: apiName, Class: apierr.Timeout, Op: op, Err: err}
	}
	req := addMemberMessageRTQRequest{ItemID: r.ItemID}
	req.MemberMessage.Body, req.MemberMessage.ParentMessageID, req.MemberMessage.RecipientID = r.Body, r.ParentMessageID, r.RecipientID
	var resp struct{}
	return t.call(ctx, op, req, &resp, false)
}
