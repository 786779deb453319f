package sandbox

// The eBay Trading API stand-in for member messages, served on the ebay
// site at POST /ws/api.dll beside its pages and over the same threads: a
// conversation the portal shows at /mesg/c/{id} is the same exchange here,
// and a reply sent here is shown there.
//
// Shapes follow eBay's Trading API reference (developer.ebay.com/devzone/
// xml/docs/reference/ebay/): the X-EBAY-API-CALL-NAME, -SITEID,
// -COMPATIBILITY-LEVEL and -IAF-TOKEN headers ("Using OAuth with the eBay
// traditional APIs"); GetMyMessages (DetailLevel ReturnHeaders or
// ReturnMessages, FolderID 0 inbox and 1 sent, StartTime/EndTime,
// Pagination, at most 10 MessageIDs; Message with Sender, RecipientUserID,
// Subject, MessageID, ExternalMessageID, ItemID, ReceiveDate,
// Folder.FolderID, Text, Content, MessageMedia); GetMemberMessages
// (MailMessageType AskSellerQuestion or All, MessageStatus,
// StartCreationTime/EndCreationTime, EntriesPerPage 25, 50, 100 or 200,
// MemberMessage.MemberMessageExchange, PaginationResult, HasMoreItems);
// AddMemberMessageRTQ (ItemID, MemberMessage.Body, ParentMessageID,
// RecipientID; 75 calls in any 60 seconds per seller, then blocked for 100
// seconds); Ack Failure with Errors (ShortMessage, LongMessage, ErrorCode,
// SeverityCode, ErrorClassification), error 931 for an unknown token and
// 932 for an expired one (knowledge base article 630), 2 "Unsupported API
// call", 5 "XML Parse error", 37 "Input data is invalid".
//
// The API has no conversation object. As knowledge base article 2092 says
// of messages about an order, every message of an exchange carries the
// same ExternalMessageID: here, the conversation's id. ItemID is the
// listing of the conversation's order (its legacyItemId in getOrders).
// Returns and cases are Post-Order API objects, not member messages, so
// their conversations are not served here.

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"
)

// ebayItemID is the listing id of an order's item: the order id's digits,
// twelve as eBay item ids have.
func ebayItemID(orderID string) string {
	var b strings.Builder
	for _, r := range orderID {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

const tradingVersion = "1451"

type tradingErr struct {
	ShortMessage        string `xml:"ShortMessage"`
	LongMessage         string `xml:"LongMessage"`
	ErrorCode           string `xml:"ErrorCode"`
	SeverityCode        string `xml:"SeverityCode"`
	ErrorClassification string `xml:"ErrorClassification"`
}

// TradingHead is what every Trading answer has (AbstractResponseType); each
// call's answer embeds it.
type TradingHead struct {
	XMLName   xml.Name
	Timestamp string       `xml:"Timestamp"`
	Ack       string       `xml:"Ack"`
	Errors    []tradingErr `xml:"Errors"`
	Version   string       `xml:"Version"`
	Build     string       `xml:"Build"`
}

func (h *TradingHead) head() *TradingHead { return h }

type tradingAnswer interface{ head() *TradingHead }

// tradingWrite answers a call: the response element named after it with
// Timestamp, Ack, Errors, Version and Build, then (on success) the call's
// own fields. A nil answer carries the head alone.
func (sb *Sandbox) tradingWrite(w http.ResponseWriter, call string, errs []tradingErr, answer tradingAnswer) {
	ack := "Success"
	for _, e := range errs {
		if e.SeverityCode == "Error" {
			ack = "Failure"
		}
	}
	if answer == nil || ack == "Failure" {
		answer = &TradingHead{}
	}
	*answer.head() = TradingHead{XMLName: xml.Name{Space: "urn:ebay:apis:eBLBaseComponents", Local: call + "Response"},
		Timestamp: sb.Now().UTC().Format("2006-01-02T15:04:05.000Z"), Ack: ack, Errors: errs, Version: tradingVersion, Build: "E1451_CORE_APISIGNIN_sandbox"}
	out, err := xml.Marshal(answer)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, xml.Header)
	_, _ = w.Write(out)
}

func tradingError(code, short, long string) []tradingErr {
	return []tradingErr{{ShortMessage: short, LongMessage: long, ErrorCode: code, SeverityCode: "Error", ErrorClassification: "RequestError"}}
}

// tradingMsg is one message of an exchange, as both folders see it.
type tradingMsg struct {
	m      msgView
	thread *Thread
	folder int // 0 inbox (the buyer wrote), 1 sent (the seller wrote)
}

// tradingMessages returns the store's member messages visible now, oldest
// first: those of every listed conversation but returns and cases.
func (sb *Sandbox) tradingMessages(store string, now time.Time) []tradingMsg {
	var out []tradingMsg
	for _, t := range sb.world.StoreThreads(store) {
		if t.Kind == "return" || t.Kind == "case" || !sb.ThreadVisible(t, now) {
			continue
		}
		for _, m := range sb.viewThread(t, now, true).Messages {
			f := 0
			if m.From != "buyer" {
				f = 1
			}
			out = append(out, tradingMsg{m: m, thread: t, folder: f})
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].m.Time.Equal(out[j].m.Time) {
			return out[i].m.Time.Before(out[j].m.Time)
		}
		return out[i].m.ID < out[j].m.ID
	})
	return out
}

type wireFolder struct {
	FolderID int `xml:"FolderID"`
}

type wireMedia struct {
	MediaURL  string `xml:"MediaURL"`
	MediaName string `xml:"MediaName"`
}

type wireMyMsg struct {
	Sender            string      `xml:"Sender"`
	RecipientUserID   string      `xml:"RecipientUserID"`
	SendToName        string      `xml:"SendToName"`
	Subject           string      `xml:"Subject"`
	MessageID         string      `xml:"MessageID"`
	ExternalMessageID string      `xml:"ExternalMessageID"`
	Text              string      `xml:"Text,omitempty"`
	Content           string      `xml:"Content,omitempty"`
	Read              bool        `xml:"Read"`
	ReceiveDate       string      `xml:"ReceiveDate"`
	ItemID            string      `xml:"ItemID"`
	Folder            wireFolder  `xml:"Folder"`
	MessageType       string      `xml:"MessageType"`
	Replied           bool        `xml:"Replied"`
	MessageMedia      []wireMedia `xml:"MessageMedia,omitempty"`
}

// messageText is the text eBay holds of a message: a reply sent with a
// client reference carries it as the [ref:...] tag it was sent with.
func messageText(m msgView) string {
	if m.Ref != "" && !strings.Contains(m.Body, "[ref:"+m.Ref+"]") {
		return m.Body + "\n\n[ref:" + m.Ref + "]"
	}
	return m.Body
}

func (s *site) wireMyMessage(tm tradingMsg, seller string, withText bool) wireMyMsg {
	t, m := tm.thread, tm.m
	w := wireMyMsg{Sender: t.Buyer, RecipientUserID: seller, SendToName: seller, Subject: t.Subject, MessageID: m.ID,
		ExternalMessageID: t.ID, ReceiveDate: m.Time.UTC().Format("2006-01-02T15:04:05.000Z"), ItemID: ebayItemID(t.OrderID),
		Folder: wireFolder{FolderID: tm.folder}, MessageType: "ContactTransactionPartner", Read: true}
	if tm.folder == 1 {
		w.Sender, w.RecipientUserID, w.SendToName = seller, t.Buyer, t.Buyer
	}
	if withText {
		text := messageText(m)
		w.Content = text
		w.Text = "<div>" + strings.ReplaceAll(text, "\n", "<br>") + "</div>"
	}
	for _, a := range m.Attachments {
		w.MessageMedia = append(w.MessageMedia, wireMedia{MediaURL: s.url + "/ws/media/" + a.ID, MediaName: a.Name})
	}
	return w
}

// tradingLimit keeps AddMemberMessageRTQ to 75 calls in any 60 seconds
// per seller, blocking a seller that goes over for 100 seconds.
type tradingLimit struct {
	mu      sync.Mutex
	calls   map[string][]time.Time
	blocked map[string]time.Time
}

func (l *tradingLimit) allow(store string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Before(l.blocked[store]) {
		return false
	}
	keep := l.calls[store][:0]
	for _, t := range l.calls[store] {
		if now.Sub(t) < time.Minute {
			keep = append(keep, t)
		}
	}
	if len(keep) >= 75 {
		l.blocked[store] = now.Add(100 * time.Second)
		l.calls[store] = keep
		return false
	}
	l.calls[store] = append(keep, now)
	return true
}

var tradingLimits sync.Map // *site -> *tradingLimit

func mountEbayTrading(s *site) {
	sb := s.sb
	v, _ := ebayTokenStates.LoadOrStore(s, &ebayTokens{tokens: map[string]spToken{}})
	tokens := v.(*ebayTokens)
	lv, _ := tradingLimits.LoadOrStore(s, &tradingLimit{calls: map[string][]time.Time{}, blocked: map[string]time.Time{}})
	limit := lv.(*tradingLimit)
	// A message's pictures, at public addresses as eBay's picture host
	// serves them: the same photo the portal shows under the session.
	s.handle("GET /ws/media/{id}", kindAsset, func(w http.ResponseWriter, r *http.Request) {
		t := sb.world.attachThread[r.PathValue("id")]
		if t == nil || t.Kind == "return" || t.Kind == "case" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "image/png")
		_, _ = w.Write(photoPNG(r.PathValue("id")))
	})
	s.handle("POST /ws/api.dll", kindAPI, func(w http.ResponseWriter, r *http.Request) {
		call := r.Header.Get("X-EBAY-API-CALL-NAME")
		sb.st.count("api.ebay.trading." + call)
		data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err != nil {
			return
		}
		var root struct{ XMLName xml.Name }
		if xml.Unmarshal(data, &root) != nil {
			sb.tradingWrite(w, call, tradingError("5", "XML Parse error.", "XML Error Text: the request is not well-formed XML."), nil)
			return
		}
		switch {
		case call == "" || root.XMLName.Local != call+"Request" || root.XMLName.Space != "urn:ebay:apis:eBLBaseComponents":
			sb.tradingWrite(w, call, tradingError("2", "Unsupported API call.",
				fmt.Sprintf("The API call %q is invalid or not supported in this release.", root.XMLName.Local)), nil)
			return
		case r.Header.Get("X-EBAY-API-COMPATIBILITY-LEVEL") == "" || r.Header.Get("X-EBAY-API-SITEID") == "":
			sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.",
				"The X-EBAY-API-COMPATIBILITY-LEVEL and X-EBAY-API-SITEID headers are required."), nil)
			return
		}
		tokens.mu.Lock()
		tok, ok := tokens.tokens[r.Header.Get("X-EBAY-API-IAF-TOKEN")]
		tokens.mu.Unlock()
		switch {
		case !ok:
			sb.st.count("api.ebay.unauthorized")
			sb.tradingWrite(w, call, tradingError("931", "Auth token is invalid.",
				"Validation of the authentication token in API request failed."), nil)
			return
		case !sb.Now().Before(tok.expires):
			sb.st.count("api.ebay.unauthorized")
			sb.tradingWrite(w, call, tradingError("932", "Auth token is hard expired.",
				"Auth token is hard expired, User needs to generate a new token for this application."), nil)
			return
		}
		switch call {
		case "GetMyMessages":
			s.tradingGetMyMessages(w, data, tok.store)
		case "GetMemberMessages":
			s.tradingGetMemberMessages(w, data, tok.store)
		case "AddMemberMessageRTQ":
			if !limit.allow(tok.store, time.Now()) {
				sb.st.count("api.ebay.trading.blocked")
				sb.tradingWrite(w, call, tradingError("518", "Call usage limit has been reached.",
					"No more than 75 AddMemberMessageRTQ calls in 60 seconds; try again in 100 seconds."), nil)
				return
			}
			s.tradingAddRTQ(w, data, tok.store)
		default:
			sb.tradingWrite(w, call, tradingError("2", "Unsupported API call.",
				fmt.Sprintf("The API call %q is invalid or not supported here.", call)), nil)
		}
	})
}

type tradingPagination struct {
	EntriesPerPage int `xml:"EntriesPerPage"`
	PageNumber     int `xml:"PageNumber"`
}

func parseTradingTime(v string) (time.Time, bool) {
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

func (s *site) tradingGetMyMessages(w http.ResponseWriter, data []byte, store string) {
	sb := s.sb
	const call = "GetMyMessages"
	var req struct {
		DetailLevel string             `xml:"DetailLevel"`
		FolderID    *int               `xml:"FolderID"`
		StartTime   string             `xml:"StartTime"`
		EndTime     string             `xml:"EndTime"`
		MessageIDs  []string           `xml:"MessageIDs>MessageID"`
		Pagination  *tradingPagination `xml:"Pagination"`
	}
	_ = xml.Unmarshal(data, &req)
	from, ok1 := parseTradingTime(req.StartTime)
	to, ok2 := parseTradingTime(req.EndTime)
	switch {
	case req.DetailLevel != "ReturnHeaders" && req.DetailLevel != "ReturnMessages" && req.DetailLevel != "ReturnSummary":
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "GetMyMessages requires a DetailLevel: ReturnHeaders, ReturnMessages or ReturnSummary."), nil)
		return
	case !ok1 || !ok2:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "StartTime and EndTime are dateTime values."), nil)
		return
	case len(req.MessageIDs) > 10:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "No more than 10 MessageID values per request."), nil)
		return
	case req.DetailLevel == "ReturnMessages" && len(req.MessageIDs) == 0:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "ReturnMessages needs MessageIDs."), nil)
		return
	case req.FolderID != nil && *req.FolderID != 0 && *req.FolderID != 1:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "Unknown FolderID."), nil)
		return
	}
	seller := sb.accounts[store].Username
	var pick []tradingMsg
	want := map[string]bool{}
	for _, id := range req.MessageIDs {
		want[id] = true
	}
	for _, m := range sb.tradingMessages(store, sb.Now()) {
		switch {
		case len(want) > 0 && !want[m.m.ID]:
		case len(want) == 0 && req.FolderID != nil && m.folder != *req.FolderID:
		case len(want) == 0 && !from.IsZero() && m.m.Time.Before(from):
		case len(want) == 0 && !to.IsZero() && m.m.Time.After(to):
		default:
			pick = append(pick, m)
		}
	}
	type folderSummary struct {
		FolderID          int `xml:"FolderID"`
		TotalMessageCount int `xml:"TotalMessageCount"`
	}
	type body struct {
		TradingHead
		Summary struct {
			FolderSummary     []folderSummary `xml:"FolderSummary"`
			TotalMessageCount int             `xml:"TotalMessageCount"`
		} `xml:"Summary"`
		Messages *struct {
			Message []wireMyMsg `xml:"Message"`
		} `xml:"Messages"`
	}
	var out body
	counts := [2]int{}
	for _, m := range pick {
		counts[m.folder]++
	}
	out.Summary.FolderSummary = []folderSummary{{0, counts[0]}, {1, counts[1]}}
	out.Summary.TotalMessageCount = len(pick)
	if req.DetailLevel != "ReturnSummary" {
		if len(want) == 0 {
			per, page := 25, 1
			if p := req.Pagination; p != nil {
				if p.EntriesPerPage < 1 || p.EntriesPerPage > 200 {
					sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "EntriesPerPage is 1 to 200."), nil)
					return
				}
				per, page = p.EntriesPerPage, max(p.PageNumber, 1)
			}
			lo := min((page-1)*per, len(pick))
			pick = pick[lo:min(lo+per, len(pick))]
		}
		out.Messages = &struct {
			Message []wireMyMsg `xml:"Message"`
		}{Message: []wireMyMsg{}}
		for _, m := range pick {
			out.Messages.Message = append(out.Messages.Message, s.wireMyMessage(m, seller, req.DetailLevel == "ReturnMessages"))
		}
	}
	sb.tradingWrite(w, call, nil, &out)
}

func (s *site) tradingGetMemberMessages(w http.ResponseWriter, data []byte, store string) {
	sb := s.sb
	const call = "GetMemberMessages"
	var req struct {
		MailMessageType   string             `xml:"MailMessageType"`
		MessageStatus     string             `xml:"MessageStatus"`
		StartCreationTime string             `xml:"StartCreationTime"`
		EndCreationTime   string             `xml:"EndCreationTime"`
		Pagination        *tradingPagination `xml:"Pagination"`
	}
	_ = xml.Unmarshal(data, &req)
	from, ok1 := parseTradingTime(req.StartCreationTime)
	to, ok2 := parseTradingTime(req.EndCreationTime)
	per, page := 25, 1
	if p := req.Pagination; p != nil {
		page = max(p.PageNumber, 1)
		// 1-24 round up to 25; other values round down to 25, 50, 100 or 200.
		switch n := p.EntriesPerPage; {
		case n <= 0 || n > 200:
			sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "EntriesPerPage is 25, 50, 100 or 200."), nil)
			return
		case n < 50:
			per = 25
		case n < 100:
			per = 50
		case n < 200:
			per = 100
		default:
			per = 200
		}
	}
	switch {
	case req.MailMessageType != "AskSellerQuestion" && req.MailMessageType != "All":
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "MailMessageType is AskSellerQuestion or All."), nil)
		return
	case req.MessageStatus != "" && req.MessageStatus != "Answered" && req.MessageStatus != "Unanswered":
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "MessageStatus is Answered or Unanswered."), nil)
		return
	case !ok1 || !ok2:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "StartCreationTime and EndCreationTime are dateTime values."), nil)
		return
	}
	type question struct {
		MessageType  string `xml:"MessageType"`
		QuestionType string `xml:"QuestionType"`
		SenderID     string `xml:"SenderID"`
		RecipientID  string `xml:"RecipientID"`
		Subject      string `xml:"Subject"`
		Body         string `xml:"Body"`
		MessageID    string `xml:"MessageID"`
	}
	type exchange struct {
		Item struct {
			ItemID string `xml:"ItemID"`
		} `xml:"Item"`
		Question      question `xml:"Question"`
		Response      []string `xml:"Response,omitempty"`
		MessageStatus string   `xml:"MessageStatus"`
		CreationDate  string   `xml:"CreationDate"`
	}
	seller := sb.accounts[store].Username
	all := sb.tradingMessages(store, sb.Now())
	var list []exchange
	for i, m := range all {
		// The world's conversations are all about orders: their buyers'
		// messages are ContactTransactionPartner, not questions before a sale.
		if m.folder != 0 || req.MailMessageType == "AskSellerQuestion" {
			continue
		}
		if !from.IsZero() && m.m.Time.Before(from) || !to.IsZero() && m.m.Time.After(to) {
			continue
		}
		x := exchange{Question: question{MessageType: "ContactTransactionPartner", QuestionType: "General", SenderID: m.thread.Buyer,
			RecipientID: seller, Subject: m.thread.Subject, Body: m.m.Body, MessageID: m.m.ID},
			MessageStatus: "Unanswered", CreationDate: m.m.Time.UTC().Format("2006-01-02T15:04:05.000Z")}
		x.Item.ItemID = ebayItemID(m.thread.OrderID)
		// The seller's messages that follow, until the buyer writes again.
		for _, n := range all[i+1:] {
			if n.thread != m.thread {
				continue
			}
			if n.folder == 0 {
				break
			}
			x.Response = append(x.Response, messageText(n.m))
			x.MessageStatus = "Answered"
		}
		if req.MessageStatus != "" && x.MessageStatus != req.MessageStatus {
			continue
		}
		list = append(list, x)
	}
	pages := max((len(list)+per-1)/per, 1)
	lo := min((page-1)*per, len(list))
	type body struct {
		TradingHead
		MemberMessage struct {
			MemberMessageExchange []exchange `xml:"MemberMessageExchange"`
		} `xml:"MemberMessage"`
		PaginationResult struct {
			TotalNumberOfPages   int `xml:"TotalNumberOfPages"`
			TotalNumberOfEntries int `xml:"TotalNumberOfEntries"`
		} `xml:"PaginationResult"`
		HasMoreItems bool `xml:"HasMoreItems"`
	}
	var out body
	out.MemberMessage.MemberMessageExchange = list[lo:min(lo+per, len(list))]
	out.PaginationResult.TotalNumberOfPages, out.PaginationResult.TotalNumberOfEntries = pages, len(list)
	out.HasMoreItems = page < pages
	sb.tradingWrite(w, call, nil, &out)
}

func (s *site) tradingAddRTQ(w http.ResponseWriter, data []byte, store string) {
	sb := s.sb
	const call = "AddMemberMessageRTQ"
	var req struct {
		ItemID        string `xml:"ItemID"`
		MemberMessage struct {
			Body            string `xml:"Body"`
			ParentMessageID string `xml:"ParentMessageID"`
			RecipientID     string `xml:"RecipientID"`
		} `xml:"MemberMessage"`
	}
	_ = xml.Unmarshal(data, &req)
	mm := req.MemberMessage
	body := strings.TrimSpace(mm.Body)
	switch {
	case body == "" || mm.ParentMessageID == "" || mm.RecipientID == "":
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "MemberMessage needs Body, ParentMessageID and RecipientID."), nil)
		return
	case len(body) > 2000:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "Body is at most 2000 characters."), nil)
		return
	case strings.ContainsAny(body, "<>"):
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "HTML is not allowed in the body of the message."), nil)
		return
	}
	var parent *tradingMsg
	for _, m := range sb.tradingMessages(store, sb.Now()) {
		if m.m.ID == mm.ParentMessageID && m.folder == 0 {
			parent = &m
			break
		}
	}
	switch {
	case parent == nil:
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "ParentMessageID "+mm.ParentMessageID+" is not a message to this seller."), nil)
		return
	case parent.thread.Buyer != mm.RecipientID || req.ItemID != "" && req.ItemID != ebayItemID(parent.thread.OrderID):
		sb.tradingWrite(w, call, tradingError("37", "Input data is invalid.", "RecipientID and ItemID do not match the parent message."), nil)
		return
	}
	// The portal shows the text without its reference tag and keeps the
	// reference, as it does for its own form.
	ref := ""
	if m := refTag.FindStringSubmatch(body); m != nil {
		ref = m[1]
		body = strings.TrimSpace(strings.Replace(body, m[0], "", 1))
	}
	sb.st.count("api.ebay.trading.replies")
	sb.addReply(parent.thread, Reply{ThreadID: parent.thread.ID, StoreID: store, Body: body, Ref: ref, At: sb.Now()})
	sb.tradingWrite(w, call, nil, &TradingHead{})
}
