package sandbox

import (
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

type tradingCaller struct {
	t     *testing.T
	base  string
	token string
}

func ebayUserToken(t *testing.T, sb *Sandbox, store string) string {
	t.Helper()
	c := sb.EbayAPIFor(store)
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {c.RefreshToken}, "scope": {"https://api.ebay.com/oauth/api_scope"}}
	req, _ := http.NewRequest(http.MethodPost, sb.URL("ebay")+"/identity/v1/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.ClientSecret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token: %v", err)
	}
	return tok.AccessToken
}

// post sends one call and returns the HTTP status and the body.
func (c tradingCaller) post(call, xmlBody string) (int, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+"/ws/api.dll", strings.NewReader(xmlBody))
	req.Header.Set("X-EBAY-API-CALL-NAME", call)
	req.Header.Set("X-EBAY-API-SITEID", "0")
	req.Header.Set("X-EBAY-API-COMPATIBILITY-LEVEL", "1451")
	req.Header.Set("X-EBAY-API-IAF-TOKEN", c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

type tradingReply struct {
	Ack    string `xml:"Ack"`
	Errors []struct {
		ErrorCode    string `xml:"ErrorCode"`
		SeverityCode string `xml:"SeverityCode"`
	} `xml:"Errors"`
	Messages []struct {
		MessageID         string `xml:"MessageID"`
		ExternalMessageID string `xml:"ExternalMessageID"`
		Sender            string `xml:"Sender"`
		Content           string `xml:"Content"`
		ItemID            string `xml:"ItemID"`
		FolderID          int    `xml:"Folder>FolderID"`
	} `xml:"Messages>Message"`
}

func (c tradingCaller) do(call, inner string) tradingReply {
	c.t.Helper()
	code, body := c.post(call, `<?xml version="1.0" encoding="utf-8"?><`+call+`Request xmlns="urn:ebay:apis:eBLBaseComponents">`+inner+`</`+call+`Request>`)
	var r tradingReply
	if code != http.StatusOK || xml.Unmarshal([]byte(body), &r) != nil || r.Ack == "" {
		c.t.Fatalf("%s: HTTP %d %s", call, code, body)
	}
	return r
}

func code(r tradingReply) string {
	if r.Ack != "Failure" || len(r.Errors) == 0 {
		return ""
	}
	return r.Errors[0].ErrorCode
}

// The Trading stand-in serves the portal's own conversations (returns and
// cases aside), checks the token, refuses malformed calls in the Errors
// shape, and keeps a reply where the portal shows it.
func TestEbayTradingOverTheWorld(t *testing.T) {
	t.Parallel()
	sb := startSandbox(t, Options{Seed: 7, Orders: 40})
	c := tradingCaller{t: t, base: sb.URL("ebay"), token: ebayUserToken(t, sb, "ebay")}

	in := c.do("GetMyMessages", `<DetailLevel>ReturnHeaders</DetailLevel><FolderID>0</FolderID><Pagination><EntriesPerPage>200</EntriesPerPage><PageNumber>1</PageNumber></Pagination>`)
	want := map[string]int{} // thread -> buyer messages the portal shows
	for _, v := range sb.storeThreads("ebay", sb.Now()) {
		if v.Kind == "return" || v.Kind == "case" {
			continue
		}
		for _, m := range sb.viewThread(sb.world.Thread(v.ID), sb.Now(), true).Messages {
			if m.From == "buyer" {
				want[v.ID]++
			}
		}
	}
	got := map[string]int{}
	for _, m := range in.Messages {
		if m.FolderID != 0 || m.ItemID == "" || !strings.HasPrefix(m.MessageID, m.ExternalMessageID+"-m") {
			t.Errorf("inbox message %+v", m)
		}
		got[m.ExternalMessageID]++
	}
	if len(want) == 0 || len(got) != len(want) {
		t.Fatalf("%d exchanges in the inbox, the portal shows %d", len(got), len(want))
	}
	for id, n := range want {
		if got[id] != n {
			t.Errorf("thread %s: %d inbox messages, the portal shows %d buyer messages", id, got[id], n)
		}
	}

	// Refusals, in the published Errors shape.
	if r := c.do("GetMyMessages", `<DetailLevel>ReturnMessages</DetailLevel><MessageIDs>`+strings.Repeat("<MessageID>1</MessageID>", 11)+`</MessageIDs>`); code(r) != "37" {
		t.Errorf("11 MessageIDs: %+v", r)
	}
	if r := c.do("GetMyMessages", `<FolderID>0</FolderID>`); code(r) != "37" {
		t.Errorf("no DetailLevel: %+v", r)
	}
	if _, body := c.post("GetMyMessages", `<GetMyMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents"><DetailLevel>`); !strings.Contains(body, "<ErrorCode>5</ErrorCode>") {
		t.Errorf("broken XML: %s", body)
	}
	if _, body := c.post("GetMemberMessages", `<GetMyMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents"/>`); !strings.Contains(body, "<ErrorCode>2</ErrorCode>") {
		t.Errorf("call name and body differ: %s", body)
	}
	bad := tradingCaller{t: t, base: c.base, token: "v^1.1#i^1#p^3#forged"}
	if r := bad.do("GetMyMessages", `<DetailLevel>ReturnHeaders</DetailLevel>`); code(r) != "931" {
		t.Errorf("unknown token: %+v", r)
	}

	// Answer the newest unanswered buyer message.
	var parent, thread, buyer string
	for _, v := range sb.storeThreads("ebay", sb.Now()) {
		if v.Kind != "return" && v.Kind != "case" && v.Status == "awaiting_reply" {
			ms := sb.viewThread(sb.world.Thread(v.ID), sb.Now(), true).Messages
			parent, thread, buyer = ms[len(ms)-1].ID, v.ID, v.Buyer
			break
		}
	}
	if parent == "" {
		t.Fatal("no thread awaits a reply")
	}
	if r := c.do("AddMemberMessageRTQ", `<ItemID>`+ebayItemID(sb.world.Thread(thread).OrderID)+`</ItemID><MemberMessage><Body>It left today. [ref:reply-abc]</Body>`+
		`<ParentMessageID>`+parent+`</ParentMessageID><RecipientID>someone_else</RecipientID></MemberMessage>`); code(r) != "37" {
		t.Errorf("wrong recipient: %+v", r)
	}
	if r := c.do("AddMemberMessageRTQ", `<ItemID>`+ebayItemID(sb.world.Thread(thread).OrderID)+`</ItemID><MemberMessage><Body>It left today. [ref:reply-abc]</Body>`+
		`<ParentMessageID>`+parent+`</ParentMessageID><RecipientID>`+buyer+`</RecipientID></MemberMessage>`); r.Ack != "Success" {
		t.Fatalf("reply: %+v", r)
	}
	v := sb.viewThread(sb.world.Thread(thread), sb.Now(), true)
	last := v.Messages[len(v.Messages)-1]
	if v.Status != "answered" || last.Body != "It left today." || last.Ref != "reply-abc" {
		t.Errorf("the portal shows %q %+v", v.Status, last)
	}
	sent := c.do("GetMyMessages", `<DetailLevel>ReturnHeaders</DetailLevel><FolderID>1</FolderID><StartTime>`+sb.Now().Add(-time.Minute).Format(time.RFC3339)+`</StartTime>`)
	if len(sent.Messages) != 1 || sent.Messages[0].ExternalMessageID != thread {
		t.Fatalf("sent folder: %+v", sent.Messages)
	}
	body := c.do("GetMyMessages", `<DetailLevel>ReturnMessages</DetailLevel><MessageIDs><MessageID>`+sent.Messages[0].MessageID+`</MessageID></MessageIDs>`)
	if len(body.Messages) != 1 || !strings.Contains(body.Messages[0].Content, "[ref:reply-abc]") {
		t.Errorf("sent text: %+v", body.Messages)
	}

	// GetMemberMessages shows the answer with its buyer message; the
	// world's messages are all between order partners, none a question
	// before a sale.
	_, mmBody := c.post("GetMemberMessages", `<GetMemberMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents"><MailMessageType>All</MailMessageType>`+
		`<Pagination><EntriesPerPage>200</EntriesPerPage><PageNumber>1</PageNumber></Pagination></GetMemberMessagesRequest>`)
	var mm struct {
		Ack       string `xml:"Ack"`
		Exchanges []struct {
			MessageID string   `xml:"Question>MessageID"`
			Status    string   `xml:"MessageStatus"`
			Response  []string `xml:"Response"`
		} `xml:"MemberMessage>MemberMessageExchange"`
		More bool `xml:"HasMoreItems"`
	}
	if err := xml.Unmarshal([]byte(mmBody), &mm); err != nil || mm.Ack != "Success" || len(mm.Exchanges) != len(in.Messages) || mm.More {
		t.Fatalf("GetMemberMessages: %d exchanges for %d inbox messages: %v %s", len(mm.Exchanges), len(in.Messages), err, mmBody[:min(300, len(mmBody))])
	}
	for _, x := range mm.Exchanges {
		if x.MessageID == parent && (x.Status != "Answered" || len(x.Response) != 1 || !strings.HasPrefix(x.Response[0], "It left today.")) {
			t.Errorf("the answered exchange: %+v", x)
		}
	}
	_, asq := c.post("GetMemberMessages", `<GetMemberMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents"><MailMessageType>AskSellerQuestion</MailMessageType></GetMemberMessagesRequest>`)
	if !strings.Contains(asq, "<Ack>Success</Ack>") || strings.Contains(asq, "<MemberMessageExchange>") || strings.Contains(mmBody, "<MessageType>AskSellerQuestion") {
		t.Errorf("AskSellerQuestion: %s", asq)
	}

	// Faults apply; an expired token is 932.
	if err := sb.SetFaults("ebay.5xx=1"); err != nil {
		t.Fatal(err)
	}
	if status, _ := c.post("GetMyMessages", `<GetMyMessagesRequest xmlns="urn:ebay:apis:eBLBaseComponents"/>`); status != http.StatusServiceUnavailable {
		t.Errorf("5xx fault: HTTP %d", status)
	}
	_ = sb.SetFaults("")
	sb.Advance(3 * time.Hour)
	if r := c.do("GetMyMessages", `<DetailLevel>ReturnHeaders</DetailLevel>`); code(r) != "932" {
		t.Errorf("expired token: %+v", r)
	}
}
