package ebay

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sellerops/sellerops/internal/apierr"
)

// The answers below are written for these tests in the shapes of eBay's
// Trading API reference (GetMyMessages, GetMemberMessages,
// AddMemberMessageRTQ, and the Errors container of "Application-level
// errors"); see trading.go for the pages.

const tradingOK = `<?xml version="1.0" encoding="UTF-8"?><%[1]sResponse xmlns="urn:ebay:apis:eBLBaseComponents">
<Timestamp>2026-11-03T10:00:00.000Z</Timestamp><Ack>%[2]s</Ack>%[3]s<Version>1451</Version><Build>E1451_CORE_API_1</Build></%[1]sResponse>`

func tradingAnswer(call, ack, inner string) string { return fmt.Sprintf(tradingOK, call, ack, inner) }

func failure(call, code, msg string) string {
	return tradingAnswer(call, "Failure", `<Errors><ShortMessage>`+msg+`</ShortMessage><LongMessage>`+msg+`</LongMessage><ErrorCode>`+code+
		`</ErrorCode><SeverityCode>Error</SeverityCode><ErrorClassification>RequestError</ErrorClassification></Errors>`)
}

func header(id, folder int, at time.Time) string {
	who := `<Sender>ada_b</Sender><RecipientUserID>tea_shop</RecipientUserID>`
	if folder == FolderSent {
		who = `<Sender>tea_shop</Sender><RecipientUserID>ada_b</RecipientUserID>`
	}
	return fmt.Sprintf(`<Message>%s<Subject>Where is my parcel?</Subject><MessageID>%d</MessageID><ExternalMessageID>21000000001</ExternalMessageID>`+
		`<ItemID>110011001100</ItemID><ReceiveDate>%s</ReceiveDate><Folder><FolderID>%d</FolderID></Folder><Read>false</Read></Message>`,
		who, id, at.UTC().Format("2006-01-02T15:04:05.000Z"), folder)
}

// tradingServer answers the token grant and passes each Trading call,
// with its headers checked, to h.
type tradingServer struct {
	t      *testing.T
	tokens atomic.Int32
	mu     sync.Mutex
	calls  map[string]int
	h      func(call string, body []byte, token string) (int, string)
}

func newTradingServer(t *testing.T, h func(call string, body []byte, token string) (int, string)) (*httptest.Server, *tradingServer) {
	ts := &tradingServer{t: t, calls: map[string]int{}, h: h}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/identity/v1/oauth2/token":
			_ = r.ParseForm()
			if r.PostForm.Get("scope") != TradingScope || r.PostForm.Get("grant_type") != "refresh_token" {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, `{"error":"invalid_scope"}`)
				return
			}
			n := ts.tokens.Add(1)
			_, _ = fmt.Fprintf(w, `{"access_token":"v^1.1#tok%d","expires_in":7200}`, n)
		case "/ws/api.dll":
			call := r.Header.Get("X-EBAY-API-CALL-NAME")
			if r.Method != http.MethodPost || r.Header.Get("X-EBAY-API-SITEID") != "0" ||
				r.Header.Get("X-EBAY-API-COMPATIBILITY-LEVEL") != CompatibilityLevel || r.Header.Get("X-EBAY-API-IAF-TOKEN") == "" {
				t.Errorf("%s: headers %v", call, r.Header)
			}
			body, _ := io.ReadAll(r.Body)
			if !strings.Contains(string(body), `<`+call+`Request xmlns="urn:ebay:apis:eBLBaseComponents">`) {
				t.Errorf("%s: request element missing in %s", call, body)
			}
			ts.mu.Lock()
			ts.calls[call]++
			ts.mu.Unlock()
			code, out := h(call, body, r.Header.Get("X-EBAY-API-IAF-TOKEN"))
			w.Header().Set("Content-Type", "text/xml")
			w.WriteHeader(code)
			_, _ = io.WriteString(w, out)
		default:
			t.Errorf("unexpected %s", r.URL)
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, ts
}

func (ts *tradingServer) count(call string) int {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.calls[call]
}

var seq atomic.Int64

func newTestTrading(t *testing.T, srv *httptest.Server) *Trading {
	t.Helper()
	// A refresh token of its own, so that no other test shares the
	// seller's reply bucket.
	tr, err := NewTrading(Config{ClientID: "app", ClientSecret: "cert", RefreshToken: fmt.Sprintf("v^1.1#r%d-%s", seq.Add(1), t.Name()),
		BaseURL: srv.URL, TokenURL: srv.URL + "/identity/v1/oauth2/token", MaxRetries: 2}, "")
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// Headers come page by page until a short page; bodies ten IDs a call.
func TestMessageHeadersPagesAndBodiesInTens(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var maxIDs atomic.Int32
	srv, ts := newTradingServer(t, func(call string, body []byte, _ string) (int, string) {
		var req getMyMessagesRequest
		if err := xml.Unmarshal(body, &req); err != nil {
			t.Errorf("request: %v", err)
		}
		switch req.DetailLevel {
		case "ReturnHeaders":
			if req.FolderID == nil || *req.FolderID != FolderInbox || req.StartTime != "2026-11-01T00:00:00.000Z" || req.Pagination == nil {
				t.Errorf("headers request %+v", req)
				return 200, failure(call, "37", "Input data is invalid.")
			}
			var b strings.Builder
			n := 200
			if req.Pagination.PageNumber == 2 {
				n = 3
			}
			for i := range n {
				id := (req.Pagination.PageNumber-1)*200 + i + 1
				b.WriteString(header(id, FolderInbox, base.Add(time.Duration(id)*time.Minute)))
			}
			return 200, tradingAnswer(call, "Success", "<Messages>"+b.String()+"</Messages>")
		case "ReturnMessages":
			if req.MessageIDs == nil {
				return 200, failure(call, "37", "Input data is invalid.")
			}
			if n := int32(len(req.MessageIDs.MessageID)); n > maxIDs.Load() {
				maxIDs.Store(n)
			}
			if len(req.MessageIDs.MessageID) > MaxMessageIDs {
				return 200, failure(call, "21919", "Too many message IDs.")
			}
			var b strings.Builder
			for _, id := range req.MessageIDs.MessageID {
				fmt.Fprintf(&b, `<Message><Sender>ada_b</Sender><RecipientUserID>tea_shop</RecipientUserID><Subject>Where is my parcel?</Subject>`+
					`<MessageID>%s</MessageID><ExternalMessageID>21000000001</ExternalMessageID><Text>&lt;p&gt;Hello %s&lt;/p&gt;</Text>`+
					`<Content>Hello %s</Content><ReceiveDate>2026-11-01T10:00:00.000Z</ReceiveDate><ItemID>110011001100</ItemID>`+
					`<Folder><FolderID>0</FolderID></Folder><MessageMedia><MediaURL>https://i.ebayimg.com/p/%s.png</MediaURL><MediaName>photo.png</MediaName></MessageMedia></Message>`,
					id, id, id, id)
			}
			return 200, tradingAnswer(call, "Success", "<Messages>"+b.String()+"</Messages>")
		}
		return 200, failure(call, "37", "Input data is invalid.")
	})
	tr := newTestTrading(t, srv)
	ctx := context.Background()
	hs, err := tr.MessageHeaders(ctx, FolderInbox, base, base.Add(24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 203 || ts.count("GetMyMessages") != 2 {
		t.Fatalf("%d headers in %d calls, want 203 in 2", len(hs), ts.count("GetMyMessages"))
	}
	h := hs[0]
	if h.MessageID != "1" || h.ExternalMessageID != "21000000001" || h.Sender != "ada_b" || h.ItemID != "110011001100" ||
		h.Folder != FolderInbox || !h.Received.Equal(base.Add(time.Minute)) || h.Text != "" {
		t.Errorf("header %+v", h)
	}
	ids := make([]string, 23)
	for i := range ids {
		ids[i] = hs[i].MessageID
	}
	ms, err := tr.MessageBodies(ctx, ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 23 || ts.count("GetMyMessages") != 5 || maxIDs.Load() != MaxMessageIDs {
		t.Fatalf("%d bodies, %d calls in all, at most %d IDs a call; want 23, 5, 10", len(ms), ts.count("GetMyMessages"), maxIDs.Load())
	}
	if ms[0].Text != "Hello 1" || len(ms[0].Media) != 1 || ms[0].Media[0].URL != "https://i.ebayimg.com/p/1.png" {
		t.Errorf("body %+v", ms[0])
	}
}

// Failure with Errors is classified by its ErrorCode; a refused token is
// renewed once; Warning is a success that is kept; an answer without Ack
// or with a message that misses its date is site_error.
func TestTradingAcks(t *testing.T) {
	t.Parallel()
	empty := "<Messages></Messages>"
	cases := []struct {
		name   string
		answer func(token string) string
		class  apierr.Class
		tokens int32
	}{
		{"invalid token renewed", func(tok string) string {
			if tok == "v^1.1#tok1" {
				return failure("GetMyMessages", "931", "Auth token is invalid.")
			}
			return tradingAnswer("GetMyMessages", "Success", empty)
		}, "", 2},
		{"expired token twice", func(string) string { return failure("GetMyMessages", "932", "Auth token is hard expired.") }, apierr.AuthFailed, 2},
		{"usage limit", func(string) string { return failure("GetMyMessages", "518", "Call usage limit has been reached.") }, apierr.RateLimited, 1},
		{"invalid input", func(string) string {
			return failure("GetMyMessages", "37", "Input data for tag &lt;FolderID&gt; is invalid.")
		}, apierr.BadInput, 1},
		{"warning", func(string) string {
			return tradingAnswer("GetMyMessages", "Warning", `<Errors><ShortMessage>Deprecated field.</ShortMessage><ErrorCode>21926</ErrorCode>`+
				`<SeverityCode>Warning</SeverityCode></Errors>`+empty)
		}, "", 1},
		{"no ack", func(string) string {
			return `<GetMyMessagesResponse xmlns="urn:ebay:apis:eBLBaseComponents"></GetMyMessagesResponse>`
		}, apierr.SiteError, 1},
		{"no messages container", func(string) string { return tradingAnswer("GetMyMessages", "Success", "") }, apierr.SiteError, 1},
		{"message without date", func(string) string {
			return tradingAnswer("GetMyMessages", "Success", `<Messages><Message><Sender>a</Sender><MessageID>9</MessageID><Folder><FolderID>0</FolderID></Folder></Message></Messages>`)
		}, apierr.SiteError, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, ts := newTradingServer(t, func(_ string, _ []byte, token string) (int, string) { return 200, tc.answer(token) })
			tr := newTestTrading(t, srv)
			_, err := tr.MessageHeaders(context.Background(), FolderInbox, time.Now().Add(-time.Hour), time.Now())
			if got := apierr.ClassOf(err); got != tc.class {
				t.Errorf("class %q (%v), want %q", got, err, tc.class)
			}
			if ts.tokens.Load() != tc.tokens {
				t.Errorf("%d tokens, want %d", ts.tokens.Load(), tc.tokens)
			}
			if tc.name == "warning" && (len(tr.Warnings()) != 1 || !strings.Contains(tr.Warnings()[0], "21926")) {
				t.Errorf("warnings %v", tr.Warnings())
			}
			if err != nil && strings.Contains(err.Error(), "v^1.1#") {
				t.Errorf("the error shows a token: %v", err)
			}
		})
	}
}

// GetMemberMessages is read page by page while HasMoreItems says so.
func TestMemberMessagesPaging(t *testing.T) {
	t.Parallel()
	srv, ts := newTradingServer(t, func(call string, body []byte, _ string) (int, string) {
		var req getMemberMessagesRequest
		_ = xml.Unmarshal(body, &req)
		if req.MailMessageType != "AskSellerQuestion" || req.Pagination.EntriesPerPage != 200 || req.MessageStatus != "Unanswered" {
			return 200, failure(call, "37", "Input data is invalid.")
		}
		more := "true"
		if req.Pagination.PageNumber == 2 {
			more = "false"
		}
		x := fmt.Sprintf(`<MemberMessageExchange><Item><ItemID>11001100%d</ItemID></Item><Question><MessageType>AskSellerQuestion</MessageType>`+
			`<SenderID>ada_b</SenderID><RecipientID>tea_shop</RecipientID><Subject>Colour?</Subject><Body>Is it blue?</Body><MessageID>55%d</MessageID></Question>`+
			`<MessageStatus>Unanswered</MessageStatus><CreationDate>2026-11-02T09:00:00.000Z</CreationDate></MemberMessageExchange>`,
			req.Pagination.PageNumber, req.Pagination.PageNumber)
		return 200, tradingAnswer(call, "Success", `<MemberMessage>`+x+`</MemberMessage><PaginationResult><TotalNumberOfPages>2</TotalNumberOfPages>`+
			`<TotalNumberOfEntries>2</TotalNumberOfEntries></PaginationResult><HasMoreItems>`+more+`</HasMoreItems>`)
	})
	tr := newTestTrading(t, srv)
	xs, err := tr.MemberMessages(context.Background(), MemberQuery{Status: "Unanswered"})
	if err != nil {
		t.Fatal(err)
	}
	if len(xs) != 2 || ts.count("GetMemberMessages") != 2 || xs[1].MessageID != "552" || xs[0].Sender != "ada_b" || xs[0].Answered {
		t.Errorf("%d calls: %+v", ts.count("GetMemberMessages"), xs)
	}
}

// A reply carries ItemID, ParentMessageID, RecipientID and Body; a 5xx is
// not retried (it may have gone through) and is not a refusal, a 429 is.
func TestReplyToMessage(t *testing.T) {
	t.Parallel()
	var status atomic.Int32
	status.Store(200)
	srv, ts := newTradingServer(t, func(call string, body []byte, _ string) (int, string) {
		var req addMemberMessageRTQRequest
		_ = xml.Unmarshal(body, &req)
		if req.ItemID != "110011001100" || req.MemberMessage.ParentMessageID != "21000000001-m1" ||
			req.MemberMessage.RecipientID != "ada_b" || req.MemberMessage.Body != "It left today." {
			return 200, failure(call, "37", "Input data is invalid.")
		}
		if s := int(status.Load()); s != 200 {
			return s, ""
		}
		return 200, tradingAnswer(call, "Success", "")
	})
	tr := newTestTrading(t, srv)
	r := RTQ{ItemID: "110011001100", ParentMessageID: "21000000001-m1", RecipientID: "ada_b", Body: "It left today."}
	if err := tr.ReplyToMessage(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	status.Store(503)
	err := tr.ReplyToMessage(context.Background(), r)
	if c := apierr.ClassOf(err); c != apierr.SiteError || c.Refused() || ts.count("AddMemberMessageRTQ") != 2 {
		t.Errorf("503: %v after %d calls; want one unrefused site_error", err, ts.count("AddMemberMessageRTQ"))
	}
	status.Store(429)
	err = tr.ReplyToMessage(context.Background(), r)
	if c := apierr.ClassOf(err); c != apierr.RateLimited || !c.Refused() || ts.count("AddMemberMessageRTQ") != 5 {
		t.Errorf("429: %v after %d calls; want rate_limited after 3 tries", err, ts.count("AddMemberMessageRTQ"))
	}
	if err := tr.ReplyToMessage(context.Background(), RTQ{ItemID: "1", Body: "x"}); apierr.ClassOf(err) != apierr.BadInput {
		t.Errorf("no parent: %v", err)
	}
}

// The 76th reply within a minute waits for the seller's bucket, and every
// client of the same seller shares it.
func TestReplyLimitPerSeller(t *testing.T) {
	t.Parallel()
	srv, _ := newTradingServer(t, func(call string, _ []byte, _ string) (int, string) { return 200, tradingAnswer(call, "Success", "") })
	cfg := Config{ClientID: "app", ClientSecret: "cert", RefreshToken: "v^1.1#limit-" + t.Name(), BaseURL: srv.URL,
		TokenURL: srv.URL + "/identity/v1/oauth2/token"}
	a, _ := NewTrading(cfg, "")
	b, _ := NewTrading(cfg, "")
	r := RTQ{ParentMessageID: "1", RecipientID: "ada_b", Body: "ok"}
	ctx := context.Background()
	if dl, ok := t.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, dl.Add(-time.Second))
		defer cancel()
	}
	start := time.Now()
	for i := range RTQPerMinute {
		c := a
		if i%2 == 1 {
			c = b
		}
		if err := c.ReplyToMessage(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if a.RTQWaits() != 0 {
		t.Fatalf("%d waits within the limit", a.RTQWaits())
	}
	if err := b.ReplyToMessage(ctx, r); err != nil {
		t.Fatal(err)
	}
	// 76 calls at 75 a minute, 75 of them at once: the last comes no
	// sooner than 0.8 s after the first.
	if a.RTQWaits() != 1 || time.Since(start) < 750*time.Millisecond {
		t.Errorf("the 76th reply: %d waits, %v after the first; want one wait, 0.8 s", a.RTQWaits(), time.Since(start))
	}
}
