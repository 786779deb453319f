package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/localdb/secrets"
)

const (
	testLWAID      = "amzn1.application-oa2-client.0123456789abcdef"
	testLWASecret  = "amzn1.oa2-cs.v1.s3cr3t-value-never-stored"
	testRefresh    = "Atzr|IwEBrefresh-token-never-stored"
	testAPIStdin   = testLWAID + "\n" + testLWASecret + "\n" + testRefresh + "\n"
	testAPIPortalP = "portal-password-never-stored"
)

// storesListJSON runs `stores list --json` and decodes it.
func storesListJSON(t *testing.T, setup func(*factory)) []map[string]any {
	t.Helper()
	res := runCommand(t, []string{"stores", "list", "--json"}, false, "", setup)
	var out []map[string]any
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &out) != nil {
		t.Fatalf("stores list: %d %s %s", res.code, res.stdout, res.stderr)
	}
	return out
}

func channelsOf(t *testing.T, list []map[string]any, name string) map[string]any {
	t.Helper()
	for _, s := range list {
		if s["name"] == name {
			c, _ := s["channels"].(map[string]any)
			return c
		}
	}
	t.Fatalf("store %s not listed", name)
	return nil
}

// The API channel of a store: added from stdin into the keyring, shown per
// job by stores list, changed by stores update, gone with the store; bad
// input refused with exit 4 and nothing stored.
func TestStoresAPIChannel(t *testing.T) {
	t.Parallel()
	dir, shared := sharedEnv(t)
	var sec secrets.Store
	setup := func(f *factory) { shared(f); sec = f.secretsS }
	ctx := context.Background()

	res := runCommand(t, []string{"stores", "add", "api-us", "--marketplace", "amazon", "--api", "--marketplace-id", "US"}, false, testAPIStdin, setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "added API store api-us") {
		t.Fatalf("add API store: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"stores", "add", "both-de", "--marketplace", "amazon", "--api", "--marketplace-id", "DE",
		"--username", "me@example.com", "--password-stdin", "--no-totp"}, false, testAPIPortalP+"\n"+testAPIStdin, setup)
	if res.code != exitOK {
		t.Fatalf("add API and browser store: %d %s", res.code, res.stderr)
	}
	for _, f := range secrets.StoreAPIFields {
		if v, err := sec.Get(ctx, secrets.StoreAPIKey("api-us", f)); err != nil || v == "" {
			t.Errorf("api-us %s not in the keyring: %v", f, err)
		}
	}
	if v, _ := sec.Get(ctx, secrets.StoreAPIKey("both-de", "refresh_token")); v != testRefresh {
		t.Errorf("both-de refresh token: got %q", v)
	}
	if v, _ := sec.Get(ctx, secrets.StorePasswordKey("both-de")); v != testAPIPortalP {
		t.Errorf("both-de password: got %q", v)
	}

	list := storesListJSON(t, setup)
	want := map[string]map[string]any{
		"api-us":  {"orders": "api", "read_messages": "none", "reply": "none", "proactive": "api"},
		"both-de": {"orders": "both", "read_messages": "browser", "reply": "browser", "proactive": "api"},
	}
	for name, w := range want {
		got := channelsOf(t, list, name)
		for k, v := range w {
			if got[k] != v {
				t.Errorf("%s %s: got %v, want %v", name, k, got[k], v)
			}
		}
	}
	for _, s := range list {
		if s["name"] == "both-de" && (len(s["api_marketplace_ids"].([]any)) != 1 || s["api_marketplace_ids"].([]any)[0] != "A1PA6795UKMFR9") {
			t.Errorf("both-de marketplace ids: %v", s["api_marketplace_ids"])
		}
	}

	// Bad input: each refused, with the fix named, and no store left.
	bad := []struct {
		name, stdin, wantErr string
		args                 []string
		code                 exitCode
	}{
		{"swapped lines", testLWASecret + "\n" + testLWAID + "\n" + testRefresh + "\n", "not an LWA client id", []string{"--marketplace-id", "US"}, exitBadInput},
		{"missing refresh token", testLWAID + "\n" + testLWASecret + "\n", "no refresh token on standard input", []string{"--marketplace-id", "US"}, exitUsage},
		{"unknown marketplace", testAPIStdin, "no Amazon marketplace for country \"XX\"", []string{"--marketplace-id", "XX"}, exitBadInput},
		{"orders by browser without a sign-in", testAPIStdin, "needs the store's portal sign-in", []string{"--marketplace-id", "US", "--orders", "browser"}, exitBadInput},
		{"no marketplace id", testAPIStdin, "Amazon marketplace", nil, exitUsage},
		{"two regions", testAPIStdin, "different SP-API regions", []string{"--marketplace-id", "US,JP"}, exitBadInput},
		{"tiktok", testAPIStdin, "give the one shop cipher", []string{"--marketplace-id", "ROW_a,ROW_b"}, exitBadInput},
	}
	for _, b := range bad {
		m := "amazon"
		if b.name == "tiktok" {
			m = "tiktok"
		}
		args := append([]string{"stores", "add", "bad", "--marketplace", m, "--api"}, b.args...)
		res := runCommand(t, args, false, b.stdin, setup)
		if res.code != b.code || !strings.Contains(res.stderr, b.wantErr) {
			t.Errorf("%s: got %d %q, want %d with %q", b.name, res.code, res.stderr, b.code, b.wantErr)
		}
		if _, err := sec.Get(ctx, secrets.StoreAPIKey("bad", "client_id")); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("%s: a secret stayed behind: %v", b.name, err)
		}
	}
	if n := len(storesListJSON(t, setup)); n != 2 {
		t.Errorf("after the refused adds: %d stores, want 2", n)
	}

	// Update: orders by the browser alone, then the API channel dropped.
	if res := runCommand(t, []string{"stores", "update", "both-de", "--orders", "browser"}, false, "", setup); res.code != exitOK {
		t.Fatalf("update --orders: %d %s", res.code, res.stderr)
	}
	if c := channelsOf(t, storesListJSON(t, setup), "both-de"); c["orders"] != "browser" || c["proactive"] != "api" {
		t.Errorf("after --orders browser: %v", c)
	}
	if res := runCommand(t, []string{"stores", "update", "api-us", "--orders", "both"}, false, "", setup); res.code != exitBadInput {
		t.Errorf("both on an API-only store: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "update", "api-us", "--no-api"}, false, "", setup); res.code != exitBadInput || !strings.Contains(res.stderr, "remove the store instead") {
		t.Errorf("--no-api on an API-only store: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "update", "both-de", "--no-api"}, false, "", setup); res.code != exitOK {
		t.Fatalf("--no-api: %d %s", res.code, res.stderr)
	}
	if c := channelsOf(t, storesListJSON(t, setup), "both-de"); c["orders"] != "browser" || c["proactive"] != "none" {
		t.Errorf("after --no-api: %v", c)
	}
	if _, err := sec.Get(ctx, secrets.StoreAPIKey("both-de", "client_secret")); !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("--no-api left the client secret: %v", err)
	}
	// And back, with new credentials.
	if res := runCommand(t, []string{"stores", "update", "both-de", "--api", "--marketplace-id", "A1PA6795UKMFR9"}, false, testAPIStdin, setup); res.code != exitOK {
		t.Fatalf("update --api: %d %s", res.code, res.stderr)
	}
	if c := channelsOf(t, storesListJSON(t, setup), "both-de"); c["orders"] != "both" {
		t.Errorf("after --api: %v", c)
	}

	// No secret in the database file (WAL included).
	files, _ := filepath.Glob(filepath.Join(dir, "data", "sellerops.db*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range []string{testLWASecret, testRefresh, testAPIPortalP} {
			if bytes.Contains(b, []byte(s)) {
				t.Errorf("%s holds a secret", filepath.Base(p))
			}
		}
	}

	if res := runCommand(t, []string{"stores", "remove", "api-us", "--yes"}, false, "", setup); res.code != exitOK {
		t.Fatalf("remove: %d %s", res.code, res.stderr)
	}
	for _, f := range secrets.StoreAPIFields {
		if _, err := sec.Get(ctx, secrets.StoreAPIKey("api-us", f)); !errors.Is(err, secrets.ErrNotFound) {
			t.Errorf("remove left %s: %v", f, err)
		}
	}
}

// An API store end to end on the sandbox: added from stdin, tested, synced
// with no browser, its orders' parcels listed for tracking; a revoked
// refresh token is exit 12 for both stores test and sync.
func TestAPIStoreSyncEndToEnd(t *testing.T) {
	t.Parallel()
	sb, _, setup := sandboxEnv(t, 7)
	c := sb.SPAPIFor("amazon")
	add := func(name, refresh string) cmdResult {
		return runCommand(t, []string{"stores", "add", name, "--marketplace", "amazon", "--api", "--marketplace-id", c.MarketplaceID,
			"--api-endpoint", sb.URL("amazon"), "--token-url", sb.URL("amazon") + "/auth/o2/token"}, false,
			c.ClientID+"\n"+c.ClientSecret+"\n"+refresh+"\n", setup)
	}
	if res := add("amz-api", c.RefreshToken); res.code != exitOK {
		t.Fatalf("add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "test", "amz-api"}, false, "", setup); res.code != exitOK || !strings.Contains(res.stdout, "the API answers") {
		t.Fatalf("stores test: %d %s %s", res.code, res.stdout, res.stderr)
	}
	// No browser is needed: the factory would start one on first use, and
	// a sync that asked for it would show in the sandbox's page counts.
	pagesBefore := sb.State().Requests["amazon.page"]
	res := runCommand(t, []string{"sync", "--json"}, false, "", setup)
	var sum struct {
		Stores []struct {
			Store, OrdersChannel string
			Orders               int   `json:"api_orders"`
			APIRequests          int64 `json:"api_requests"`
			OK                   bool
		} `json:"stores"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &sum); res.code != exitOK || err != nil || len(sum.Stores) != 1 {
		t.Fatalf("sync: %d %v %s %s", res.code, err, res.stdout, res.stderr)
	}
	visible, shipped := 0, 0
	for _, o := range sb.World().StoreOrders("amazon") {
		if !o.Placed.After(sb.Now()) {
			visible++
			if o.Shipped {
				shipped++
			}
		}
	}
	if s := sum.Stores[0]; !s.OK || s.Orders != visible || s.APIRequests < 1 {
		t.Errorf("sync summary %+v, the world shows %d orders", s, visible)
	}
	if !strings.Contains(res.stderr, "orders through the API") {
		t.Errorf("stderr does not say where the orders came from: %s", res.stderr)
	}
	if n := sb.State().Requests["amazon.page"]; n != pagesBefore {
		t.Errorf("the API sync opened %d Seller Central pages", n-pagesBefore)
	}
	res = runCommand(t, []string{"shipments", "list", "--json"}, false, "", setup)
	var parcels []map[string]any
	if err := json.Unmarshal([]byte(res.stdout), &parcels); err != nil || len(parcels) != shipped {
		t.Errorf("shipments list: %d parcels (%v), the world shipped %d", len(parcels), err, shipped)
	}

	if res := add("amz-revoked", "Atzr|revoked"); res.code != exitOK {
		t.Fatalf("add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "test", "amz-revoked"}, false, "", setup); res.code != exitAuthFailed {
		t.Errorf("stores test with a revoked token: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"sync", "--store", "amz-revoked"}, false, "", setup); res.code != exitAuthFailed || strings.Contains(res.stderr, "Atzr|revoked") {
		t.Errorf("sync with a revoked token: %d %s", res.code, res.stderr)
	}
}

// An eBay store through the Sell Fulfillment API: added from stdin (no
// marketplace id: getOrders answers for all of them), synced with no
// browser, every visible order stored.
func TestEbayAPIStoreSyncEndToEnd(t *testing.T) {
	t.Parallel()
	sb, _, setup := sandboxEnv(t, 9)
	c := sb.EbayAPIFor("ebay")
	stdin := c.ClientID + "\n" + c.ClientSecret + "\n" + c.RefreshToken + "\n"
	args := []string{"stores", "add", "ebay-api", "--marketplace", "ebay", "--api", "--api-endpoint", sb.URL("ebay"),
		"--token-url", sb.URL("ebay") + "/identity/v1/oauth2/token"}
	if res := runCommand(t, append(args, "--marketplace-id", "US"), false, stdin, setup); res.code != exitBadInput || !strings.Contains(res.stderr, "leave --marketplace-id out") {
		t.Errorf("eBay with a marketplace id: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, args, false, c.ClientID+"\n"+c.ClientSecret+"\nAtzr|amazon-token\n", setup); res.code != exitBadInput || !strings.Contains(res.stderr, "not an eBay refresh token") {
		t.Errorf("an Amazon token for eBay: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, args, false, stdin, setup); res.code != exitOK {
		t.Fatalf("add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"stores", "test", "ebay-api"}, false, "", setup); res.code != exitOK {
		t.Fatalf("stores test: %d %s", res.code, res.stderr)
	}
	res := runCommand(t, []string{"sync", "--json"}, false, "", setup)
	var sum struct {
		Stores []struct {
			OK            bool
			OrdersChannel string `json:"orders_channel"`
			Orders        int    `json:"api_orders"`
		} `json:"stores"`
	}
	visible := 0
	for _, o := range sb.World().StoreOrders("ebay") {
		if !o.Placed.After(sb.Now()) {
			visible++
		}
	}
	if err := json.Unmarshal([]byte(res.stdout), &sum); res.code != exitOK || err != nil || len(sum.Stores) != 1 ||
		!sum.Stores[0].OK || sum.Stores[0].OrdersChannel != "api" || sum.Stores[0].Orders != visible {
		t.Fatalf("sync: %d %s %s (the world shows %d orders)", res.code, res.stdout, res.stderr, visible)
	}
}

// A TikTok Shop store through the Open API: the app key, app secret and
// refresh token from standard input into the keyring, the shop cipher
// with the account, and orders, buyer messages and replies all on the API.
func TestStoresAddTiktokAPI(t *testing.T) {
	t.Parallel()
	_, shared := sharedEnv(t)
	var sec secrets.Store
	setup := func(f *factory) { shared(f); sec = f.secretsS }
	stdin := "6a1appkey\ntiktok-app-secret-never-shown\nROW_refresh-never-shown\n"
	res := runCommand(t, []string{"stores", "add", "tt-uk", "--marketplace", "tiktok", "--api", "--marketplace-id", "ROW_cipher1"}, false, stdin, setup)
	if res.code != exitOK || !strings.Contains(res.stderr, "added API store tt-uk") {
		t.Fatalf("add: %d %s", res.code, res.stderr)
	}
	list := storesListJSON(t, setup)
	c := channelsOf(t, list, "tt-uk")
	for k, v := range map[string]string{"orders": "api", "read_messages": "api", "reply": "api", "proactive": "none"} {
		if c[k] != v {
			t.Errorf("%s: got %v, want %s", k, c[k], v)
		}
	}
	raw, _ := json.Marshal(list)
	if !strings.Contains(string(raw), "ROW_cipher1") || strings.Contains(string(raw), "never-shown") || strings.Contains(res.stderr, "never-shown") {
		t.Errorf("stores list shows %s", raw)
	}
	if v, err := sec.Get(context.Background(), secrets.StoreAPIKey("tt-uk", "client_secret")); err != nil || v != "tiktok-app-secret-never-shown" {
		t.Errorf("app secret in the keyring: %q %v", v, err)
	}
}
