package sandbox

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/internal/apierr"
	"github.com/sellerops/sellerops/marketplaces/tiktok"
)

func ttAPIClient(t *testing.T, sb *Sandbox, c TiktokAPI) *tiktok.Client {
	t.Helper()
	cl, err := tiktok.New(tiktok.Config{AppKey: c.AppKey, AppSecret: c.AppSecret, RefreshToken: c.RefreshToken, ShopCipher: c.ShopCipher,
		BaseURL: sb.URL("tiktok"), TokenURL: sb.URL("tiktok") + "/api/v2/token/refresh", Now: sb.Now, MaxRetries: 1})
	if err != nil {
		t.Fatal(err)
	}
	return cl
}

func ttStore(sb *Sandbox) string {
	for _, st := range sb.world.Stores {
		if st.Marketplace == "tiktok" {
			return st.ID
		}
	}
	return ""
}

// The product's client reads the stand-in's conversations, messages and
// orders: the same threads, messages and orders the seller centre shows.
func TestTiktokAPIOverTheWorld(t *testing.T) {
	sb := startSandbox(t, Options{Orders: 40})
	ctx := testwait.Context(t)
	store := ttStore(sb)
	c := ttAPIClient(t, sb, sb.TiktokAPIFor(store))
	convs, err := c.Conversations(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	views := sb.storeThreads(store, sb.Now())
	if len(convs) != len(views) || len(views) <= tiktok.ConversationPage {
		t.Fatalf("%d conversations through the API, the seller centre lists %d (want more than a page of %d)", len(convs), len(views), tiktok.ConversationPage)
	}
	for i, cv := range convs {
		if cv.ID != views[i].ID || cv.Buyer != views[i].Buyer {
			t.Fatalf("conversation %d: %+v, seller centre %+v", i, cv, views[i])
		}
	}
	photos := 0
	for _, cv := range convs[:10] {
		ms, err := c.Messages(ctx, cv.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		th := sb.world.Thread(cv.ID)
		v := sb.viewThread(th, sb.Now(), true)
		text := 0
		for _, m := range ms {
			switch m.Type {
			case tiktok.TypeBuyerEnterFromOrder:
				if m.OrderID != th.OrderID {
					t.Errorf("conversation %s names order %s, the world %s", cv.ID, m.OrderID, th.OrderID)
				}
			case tiktok.TypeText:
				if m.Text != v.Messages[text].Body || m.ID != v.Messages[text].ID || !m.Created.Equal(v.Messages[text].Time.Truncate(time.Second)) {
					t.Errorf("conversation %s message %d: %+v, world %+v", cv.ID, text, m, v.Messages[text])
				}
				text++
			case tiktok.TypeImage:
				photos++
				resp, err := http.Get(m.ImageURL)
				if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
					t.Errorf("photo %s: %v %v", m.ImageURL, resp, err)
				}
				if resp != nil {
					resp.Body.Close()
				}
			}
		}
		if text != len(v.Messages) {
			t.Errorf("conversation %s: %d text messages, the world %d", cv.ID, text, len(v.Messages))
		}
	}
	if photos == 0 {
		t.Log("no photo among the first conversations")
	}
	orders, err := c.OrdersUpdatedSince(ctx, sb.world.Start.AddDate(-2, 0, 0), 10)
	if err != nil {
		t.Fatal(err)
	}
	visible := 0
	for _, o := range sb.world.StoreOrders(store) {
		if o.PlacedBy(sb.Now()) {
			visible++
		}
	}
	if len(orders) != visible {
		t.Fatalf("%d orders through the API, the world shows %d", len(orders), visible)
	}
	for _, o := range orders {
		w := sb.world.Order(o.ID)
		if w == nil || o.Total.Minor() != w.Value || o.Total.Currency() != w.Currency {
			t.Fatalf("order %+v, world %+v", o, w)
		}
		if w.Shipped && !w.ShipDate.After(sb.Now()) && (len(o.Packages) != 1 || o.Packages[0].TrackingNumber != w.TrackingNumber) {
			t.Errorf("order %s packages %+v, world tracking %s", o.ID, o.Packages, w.TrackingNumber)
		}
	}
}

// A message sent through the API is in the world: the next API read and
// the seller centre's own conversation both show it.
func TestTiktokAPISendIsSeenEverywhere(t *testing.T) {
	sb := startSandbox(t, Options{Orders: 10})
	ctx := testwait.Context(t)
	store := ttStore(sb)
	c := ttAPIClient(t, sb, sb.TiktokAPIFor(store))
	convs, err := c.Conversations(ctx, 10)
	if err != nil || len(convs) == 0 {
		t.Fatalf("%v %v", convs, err)
	}
	id, err := c.SendText(ctx, convs[0].ID, "Your parcel left our warehouse today.")
	if err != nil {
		t.Fatal(err)
	}
	ms, err := c.Messages(ctx, convs[0].ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := ms[len(ms)-1]
	if last.ID != id || last.Role != tiktok.RoleShop || last.Text != "Your parcel left our warehouse today." {
		t.Fatalf("last message %+v, sent %s", last, id)
	}
	found := false
	for _, m := range sb.viewThread(sb.world.Thread(convs[0].ID), sb.Now(), true).Messages {
		found = found || (m.ID == id && m.From == "seller")
	}
	if !found {
		t.Fatal("the seller centre does not show the message sent through the API")
	}
}

// Refusals as TikTok answers them: a wrong sign is 106001 with HTTP 401;
// an expired token is 105002 (the client renews it and goes on); a stale
// timestamp is 36009004; too many calls a second is HTTP 429 with
// 36009002.
func TestTiktokAPIRefusals(t *testing.T) {
	sb := startSandbox(t, Options{Orders: 10})
	ctx := testwait.Context(t)
	creds := sb.TiktokAPIFor(ttStore(sb))

	bad := creds
	bad.AppSecret = "not-the-secret"
	_, err := ttAPIClient(t, sb, bad).Warehouses(ctx)
	if apierr.ClassOf(err) != apierr.AuthFailed {
		t.Fatalf("wrong secret: %v", err)
	}

	// A right token but a sign made with another secret: the sign check.
	c := ttAPIClient(t, sb, creds)
	if _, err := c.Warehouses(ctx); err != nil {
		t.Fatal(err)
	}
	tokRes, err := http.Get(sb.URL("tiktok") + "/api/v2/token/refresh?" + url.Values{"app_key": {creds.AppKey}, "app_secret": {creds.AppSecret},
		"refresh_token": {creds.RefreshToken}, "grant_type": {"refresh_token"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	var tok struct {
		Data struct {
			AccessToken string `json:"access_token"`
		} `json:"data"`
	}
	_ = json.NewDecoder(tokRes.Body).Decode(&tok)
	tokRes.Body.Close()
	raw := func(secret string) (int, int, string) {
		q := url.Values{"app_key": {creds.AppKey}, "timestamp": {strconv.FormatInt(sb.Now().Unix(), 10)}, "shop_cipher": {creds.ShopCipher}}
		q.Set("sign", tiktok.Sign(secret, "/logistics/202309/warehouses", q, nil))
		req, _ := http.NewRequest(http.MethodGet, sb.URL("tiktok")+"/logistics/202309/warehouses?"+q.Encode(), nil)
		req.Header.Set("x-tts-access-token", tok.Data.AccessToken)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		var env struct {
			Code      int    `json:"code"`
			RequestID string `json:"request_id"`
		}
		if json.Unmarshal(body, &env) != nil || env.RequestID == "" {
			t.Fatalf("not the envelope: %s", body)
		}
		return res.StatusCode, env.Code, string(body)
	}
	if status, code, body := raw(creds.AppSecret); status != http.StatusOK || code != 0 {
		t.Fatalf("right sign: HTTP %d %s", status, body)
	}
	if status, code, body := raw("another-secret"); status != http.StatusUnauthorized || code != 106001 {
		t.Fatalf("wrong sign: HTTP %d %s", status, body)
	}

	// Eight days on the token has expired: 105002. The client renews its
	// own before it expires and goes on.
	sb.Advance(8 * 24 * time.Hour)
	if status, code, body := raw(creds.AppSecret); status != http.StatusUnauthorized || code != 105002 {
		t.Fatalf("expired token: HTTP %d %s", status, body)
	}
	if _, err := c.Warehouses(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}

	// A clock five minutes off is refused.
	skewed, _ := tiktok.New(tiktok.Config{AppKey: creds.AppKey, AppSecret: creds.AppSecret, RefreshToken: creds.RefreshToken, ShopCipher: creds.ShopCipher,
		BaseURL: sb.URL("tiktok"), TokenURL: sb.URL("tiktok") + "/api/v2/token/refresh", Now: func() time.Time { return sb.Now().Add(-10 * time.Minute) }})
	var e *apierr.Error
	if _, err := skewed.Warehouses(ctx); !errors.As(err, &e) || e.Code != "36009004" {
		t.Fatalf("stale timestamp: %v", err)
	}

	// Past the shop's calls a second: 429 with 36009002.
	if err := sb.SetFaults("tiktok.rate=1"); err != nil {
		t.Fatal(err)
	}
	limited := 0
	for range 5 {
		_, err := c.Warehouses(ctx)
		if errors.As(err, &e) && e.Class == apierr.RateLimited && e.Status == http.StatusTooManyRequests && e.Code == "36009002" {
			limited++
		}
	}
	if limited == 0 || ttCount(sb, "api.tiktok.rate_limited") == 0 {
		t.Fatal("no call was rate limited")
	}
}

func ttCount(sb *Sandbox, key string) int {
	sb.st.mu.Lock()
	defer sb.st.mu.Unlock()
	return sb.st.requests[key]
}
