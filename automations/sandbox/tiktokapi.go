package sandbox

// The TikTok Shop Open API stand-in (version 202309 paths), served on the
// tiktok site beside the seller centre's pages and over the same world:
// the conversations, messages and orders the chat and order pages show.
// Shapes and codes as TikTok publishes them:
//   - "Sign your API request" (Partner Center; the same steps as the
//     official Node.js SDK's utils/generate-sign.ts): a request whose sign
//     is not HMAC-SHA256(app secret, secret + path + sorted {key}{value}
//     query parameters but sign and access_token + body + secret) is
//     refused with HTTP 401 and code 106001, as the real one answers it
//     ("Invalid credentials. The 'sign' query parameter is invalid.");
//     a timestamp more than five minutes off is 36009004.
//   - The token refresh of the auth host (GET /api/v2/token/refresh with
//     app_key, app_secret, refresh_token, grant_type=refresh_token), which
//     answers data.access_token and data.access_token_expire_in, a Unix
//     time seven days on (the SDK's client/token.ts TokenResponse); an
//     unknown refresh token is 36004005 ("can not find related auth
//     record"). An access token past its expiry is 105002 ("access token is
//     expired, please refresh it"), an unknown one 105001.
//   - Every answer in the envelope {code, message, request_id, data}.
//   - Too many calls: HTTP 429 with code 36009002 (Partner Center "Common
//     errors"). TikTok publishes no fixed rate (its "Rate limits" page says
//     limits are set per app and API); the stand-in allows ttAPIRate calls a
//     second per shop, or the faults' rate_limit.
//   - Get Conversations, Get Conversation Messages and Send Message
//     (customer_service/202309) and Get Order List (order/202309), with
//     Get Warehouse List (logistics/202309), field by field as the SDK's
//     response models name them (see marketplaces/tiktok).

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// TiktokAPI holds one shop's demo app credentials for the stand-in. The
// app key and secret are the app's, the refresh token and the shop cipher
// the shop's.
type TiktokAPI struct {
	AppKey, AppSecret, RefreshToken, ShopCipher string
}

// TiktokAPIFor returns the demo Open API credentials of a TikTok store.
func (sb *Sandbox) TiktokAPIFor(storeID string) TiktokAPI {
	return TiktokAPI{AppKey: "6a1sandbox0app", AppSecret: "sandbox-tiktok-app-secret",
		RefreshToken: "ROW_sandbox-refresh-" + storeID, ShopCipher: "ROW_sandbox-cipher-" + storeID}
}

// ttAPIRate is the stand-in's default calls per second per shop.
const ttAPIRate = 50

// ttTokenLife is an access token's life: seven days.
const ttTokenLife = 7 * 24 * time.Hour

type ttAPIState struct {
	mu     sync.Mutex
	tokens map[string]spToken // access token -> shop and expiry
	window map[string]ttWindow
}

type ttWindow struct {
	second int64
	calls  int
}

var ttAPIStates sync.Map // *site -> *ttAPIState

// ttAPIReply writes the envelope.
func ttAPIReply(w http.ResponseWriter, status, code int, msg string, data any) {
	env := map[string]any{"code": code, "message": msg, "request_id": strings.ToUpper(randomToken())}
	if data != nil {
		env["data"] = data
	}
	writeJSON(w, status, env)
}

// ttSignOf is the sign the stand-in expects: its own reading of "Sign your
// API request", kept apart from the product's client so that each checks
// the other.
func ttSignOf(secret, path string, q url.Values, body []byte) string {
	var keys []string
	for k := range q {
		switch k {
		case "sign", "access_token":
		default:
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	msg := secret + path
	for _, k := range keys {
		msg += k + q.Get(k)
	}
	msg += string(body) + secret
	h := hmac.New(sha256.New, []byte(secret))
	h.Write([]byte(msg))
	return hex.EncodeToString(h.Sum(nil))
}

func mountTiktokAPI(s *site) {
	sb := s.sb
	v, _ := ttAPIStates.LoadOrStore(s, &ttAPIState{tokens: map[string]spToken{}, window: map[string]ttWindow{}})
	st := v.(*ttAPIState)
	shopOf := func(pred func(TiktokAPI) bool) string {
		for _, o := range sb.world.Stores {
			if o.Marketplace == "tiktok" && pred(sb.TiktokAPIFor(o.ID)) {
				return o.ID
			}
		}
		return ""
	}
	s.handle("GET /api/v2/token/refresh", kindAPI, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		shop := shopOf(func(c TiktokAPI) bool { return c.RefreshToken == q.Get("refresh_token") })
		c := sb.TiktokAPIFor(shop)
		switch {
		case q.Get("app_key") != c.AppKey || q.Get("app_secret") != c.AppSecret:
			sb.st.count("api.tiktok.bad_credentials")
			ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: app_key or app_secret is invalid", nil)
			return
		case shop == "" || q.Get("grant_type") != "refresh_token":
			sb.st.count("api.tiktok.bad_credentials")
			ttAPIReply(w, http.StatusOK, 36004005, "can not find related auth record", nil)
			return
		}
		tok := "ROW_" + base64.RawURLEncoding.EncodeToString([]byte(randomToken()+randomToken()))
		exp := sb.Now().Add(ttTokenLife)
		st.mu.Lock()
		st.tokens[tok] = spToken{store: shop, expires: exp}
		st.mu.Unlock()
		ttAPIReply(w, http.StatusOK, 0, "success", map[string]any{"access_token": tok, "access_token_expire_in": exp.Unix(),
			"refresh_token": c.RefreshToken, "refresh_token_expire_in": sb.Now().Add(365 * 24 * time.Hour).Unix(),
			"open_id": "open-" + shop, "seller_name": shop, "seller_base_region": "GB", "user_type": 0})
	})
	guard := func(h func(w http.ResponseWriter, r *http.Request, shop string, body []byte)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			q := r.URL.Query()
			app := sb.TiktokAPIFor("")
			if q.Get("app_key") != app.AppKey {
				ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: app_key is invalid", nil)
				return
			}
			ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
			if d := sb.Now().Sub(time.Unix(ts, 0)); err != nil || d > 5*time.Minute || d < -5*time.Minute {
				ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: timestamp is invalid or expired", nil)
				return
			}
			if !hmac.Equal([]byte(q.Get("sign")), []byte(ttSignOf(app.AppSecret, r.URL.Path, q, body))) {
				sb.st.count("api.tiktok.bad_sign")
				ttAPIReply(w, http.StatusUnauthorized, 106001, "Invalid credentials. The 'sign' query parameter is invalid.", nil)
				return
			}
			st.mu.Lock()
			t, ok := st.tokens[r.Header.Get("x-tts-access-token")]
			st.mu.Unlock()
			switch {
			case !ok:
				sb.st.count("api.tiktok.unauthorized")
				ttAPIReply(w, http.StatusUnauthorized, 105001, "access token is invalid", nil)
				return
			case !sb.Now().Before(t.expires):
				sb.st.count("api.tiktok.unauthorized")
				ttAPIReply(w, http.StatusUnauthorized, 105002, "access token is expired, please refresh it", nil)
				return
			}
			if q.Get("shop_cipher") != sb.TiktokAPIFor(t.store).ShopCipher {
				ttAPIReply(w, http.StatusOK, 106013, "shop_cipher is invalid", nil)
				return
			}
			rate := ttAPIRate
			if fc := sb.faultsFor(s.name); fc.RateLimit > 0 {
				rate = fc.RateLimit
			}
			now := time.Now().Unix()
			st.mu.Lock()
			win := st.window[t.store]
			if win.second != now {
				win = ttWindow{second: now}
			}
			win.calls++
			st.window[t.store] = win
			st.mu.Unlock()
			if win.calls > rate {
				sb.st.count("api.tiktok.rate_limited")
				ttAPIReply(w, http.StatusTooManyRequests, 36009002, "Too many requests. Please try again later.", nil)
				return
			}
			sb.st.count("api.tiktok.calls")
			h(w, r, t.store, body)
		}
	}
	s.handle("GET /customer_service/202309/conversations", kindAPI, guard(sb.ttAPIConversations))
	s.handle("GET /customer_service/202309/conversations/{id}/messages", kindAPI, guard(sb.ttAPIMessages(s)))
	s.handle("POST /customer_service/202309/conversations/{id}/messages", kindAPI, guard(sb.ttAPISend))
	s.handle("POST /order/202309/orders/search", kindAPI, guard(func(w http.ResponseWriter, r *http.Request, shop string, body []byte) {
		sb.ttAPISearchOrders(w, r, shop, body)
	}))
	s.handle("GET /logistics/202309/warehouses", kindAPI, guard(func(w http.ResponseWriter, r *http.Request, _ string, _ []byte) {
		ttAPIReply(w, http.StatusOK, 0, "success", map[string]any{"warehouses": ttWarehouses()})
	}))
	// A buyer's photo, at a public address as TikTok's image links are.
	s.handle("GET /obj/temai-im/{id}", kindAsset, func(w http.ResponseWriter, r *http.Request) {
		t := sb.world.attachThread[r.PathValue("id")]
		if t == nil {
			http.NotFound(w, r)
			return
		}
		s.serveAttachment(w, r, t.StoreID)
	})
}

// ttAPIPage reads page_size (1 to max) and page_token (an offset the
// stand-in handed out) and answers 36009004 for either out of range.
func ttAPIPage(w http.ResponseWriter, q url.Values, max, n int) (from, end int, next string, ok bool) {
	size, err := strconv.Atoi(q.Get("page_size"))
	if err != nil || size < 1 || size > max {
		ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: page_size must be 1 to "+strconv.Itoa(max), nil)
		return 0, 0, "", false
	}
	if tok := q.Get("page_token"); tok != "" {
		b, err := base64.RawURLEncoding.DecodeString(tok)
		if from, err = strconv.Atoi(string(b)); err != nil || from < 0 || from > n {
			ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: page_token is invalid", nil)
			return 0, 0, "", false
		}
	}
	end = min(from+size, n)
	if end < n {
		next = base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
	}
	return from, end, next, true
}

func ttAPIText(s string) string {
	b, _ := json.Marshal(map[string]string{"content": s})
	return string(b)
}

// ttAPIMessage is one message in Get Conversation Messages' shape.
func ttAPIMessage(id, typ, content string, at time.Time, role, nickname string) map[string]any {
	return map[string]any{"id": id, "index": strconv.FormatInt(at.UnixNano(), 10), "type": typ, "content": content,
		"create_time": at.Unix(), "is_visible": true, "sender": map[string]string{"role": role, "nickname": nickname, "im_user_id": "im-" + nickname}}
}

// ttAPIThreadMessages is a thread as the Open API gives it: the order the
// buyer came from first (BUYER_ENTER_FROM_ORDER), then each message as
// TEXT and each photo a buyer added as an IMAGE right after it; the shop's
// messages, those sent through the API or the seller centre among them,
// with the SHOP role.
func (sb *Sandbox) ttAPIThreadMessages(site *site, t *Thread, now time.Time) []map[string]any {
	v := sb.viewThread(t, now, true)
	var out []map[string]any
	if t.OrderID != "" && len(v.Messages) > 0 {
		b, _ := json.Marshal(map[string]string{"order_id": t.OrderID})
		out = append(out, ttAPIMessage(t.ID+"-from-order", "BUYER_ENTER_FROM_ORDER", string(b), v.Messages[0].Time, "BUYER", t.Buyer))
	}
	for _, m := range v.Messages {
		role, nick := "BUYER", t.Buyer
		if m.From != "buyer" {
			role, nick = "SHOP", t.StoreID
		}
		out = append(out, ttAPIMessage(m.ID, "TEXT", ttAPIText(m.Body), m.Time, role, nick))
		for _, a := range m.Attachments {
			b, _ := json.Marshal(map[string]string{"url": site.url + "/obj/temai-im/" + a.ID, "width": "640", "height": "480"})
			out = append(out, ttAPIMessage(m.ID+"-"+a.ID, "IMAGE", string(b), m.Time, role, nick))
		}
	}
	return out
}

func (sb *Sandbox) ttAPIConversations(w http.ResponseWriter, r *http.Request, shop string, _ []byte) {
	now := sb.Now()
	all := sb.storeThreads(shop, now)
	from, end, next, ok := ttAPIPage(w, r.URL.Query(), 20, len(all))
	if !ok {
		return
	}
	list := []map[string]any{}
	for _, tv := range all[from:end] {
		t := sb.world.Thread(tv.ID)
		ms := sb.viewThread(t, now, true).Messages // the seller's replies among them
		c := map[string]any{"id": t.ID, "participant_count": 2, "can_send_message": true, "unread_count": 0,
			"participants": []map[string]string{{"role": "SHOP", "nickname": shop}, {"role": "BUYER", "nickname": t.Buyer, "user_id": "buyer-" + t.ID}}}
		if tv.Status == "awaiting_reply" {
			c["unread_count"] = 1
		}
		if len(ms) > 0 {
			c["create_time"] = ms[0].Time.Unix()
			last := ms[len(ms)-1]
			role, nick := "BUYER", t.Buyer
			if last.From != "buyer" {
				role, nick = "SHOP", shop
			}
			c["latest_message"] = ttAPIMessage(last.ID, "TEXT", ttAPIText(last.Body), last.Time, role, nick)
		}
		list = append(list, c)
	}
	sb.st.count("tiktok.api.conversations")
	ttAPIReply(w, http.StatusOK, 0, "success", map[string]any{"conversations": list, "next_page_token": next})
}

func (sb *Sandbox) ttAPIMessages(site *site) func(w http.ResponseWriter, r *http.Request, shop string, _ []byte) {
	return func(w http.ResponseWriter, r *http.Request, shop string, _ []byte) {
		now := sb.Now()
		t := sb.threadOf(shop, r.PathValue("id"), now)
		if t == nil {
			ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: conversation "+r.PathValue("id")+" does not exist", nil)
			return
		}
		q := r.URL.Query()
		if f := q.Get("sort_field"); f != "" && f != "create_time" && f != "index" {
			ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: sort_field must be create_time or index", nil)
			return
		}
		all := sb.ttAPIThreadMessages(site, t, now)
		switch strings.ToUpper(q.Get("sort_order")) {
		case "", "DESC": // the published default
			for i, j := 0, len(all)-1; i < j; i, j = i+1, j-1 {
				all[i], all[j] = all[j], all[i]
			}
		case "ASC":
		default:
			ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: sort_order must be ASC or DESC", nil)
			return
		}
		from, end, next, ok := ttAPIPage(w, q, 10, len(all))
		if !ok {
			return
		}
		ttAPIReply(w, http.StatusOK, 0, "success", map[string]any{"messages": append([]map[string]any{}, all[from:end]...), "next_page_token": next})
	}
}

func (sb *Sandbox) ttAPISend(w http.ResponseWriter, r *http.Request, shop string, body []byte) {
	now := sb.Now()
	t := sb.threadOf(shop, r.PathValue("id"), now)
	if t == nil {
		ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: conversation "+r.PathValue("id")+" does not exist", nil)
		return
	}
	var req struct {
		Type    string `json:"type"`
		Content string `json:"content"`
	}
	var text struct {
		Content string `json:"content"`
	}
	if err := json.Unmarshal(body, &req); err != nil || req.Type != "TEXT" || json.Unmarshal([]byte(req.Content), &text) != nil {
		ttAPIReply(w, http.StatusOK, 36009004, `Invalid params: the stand-in takes type TEXT with content {"content": text}`, nil)
		return
	}
	if n := utf8.RuneCountInString(text.Content); strings.TrimSpace(text.Content) == "" || n > 2000 {
		ttAPIReply(w, http.StatusOK, 36009004, "Invalid params: a TEXT message holds 1 to 2000 characters", nil)
		return
	}
	rep := sb.addReply(t, Reply{ThreadID: t.ID, StoreID: shop, Body: strings.TrimSpace(text.Content), At: now})
	sb.st.count("tiktok.api.sent")
	ttAPIReply(w, http.StatusOK, 0, "success", map[string]string{"message_id": rep.ID})
}

// ttAPISearchOrders is Get Order List over the same orders the seller
// centre's order list serves (ttOrderSearch), answered in the envelope.
func (sb *Sandbox) ttAPISearchOrders(w http.ResponseWriter, r *http.Request, shop string, body []byte) {
	data, code, msg := sb.ttOrderSearch(r.URL.Query(), body, shop)
	if code != 0 {
		ttAPIReply(w, http.StatusOK, code, "Invalid params: "+msg, nil)
		return
	}
	ttAPIReply(w, http.StatusOK, 0, "success", data)
}
