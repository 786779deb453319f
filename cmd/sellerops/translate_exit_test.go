package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// Each failure class of a translation call ends the command with the code
// the exit-code table gives that class, as the browser's and the carriers'
// failures do. The statuses are those DeepL's API reference documents for
// /v2/translate (https://developers.deepl.com/docs/api-reference/translate,
// "HTTP errors"): 403 a refused key, 429 too many requests, 456 quota
// exceeded, 5xx an internal error, 400 a bad request.
func TestTranslationFailureClassesExitCodes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		status int
		class  translate.Class
		want   exitCode
	}{
		{http.StatusForbidden, translate.AuthFailed, exitAuthFailed},
		{http.StatusTooManyRequests, translate.RateLimited, exitError},
		{456, translate.RateLimited, exitError},
		{http.StatusServiceUnavailable, translate.SiteError, exitError},
		{http.StatusBadRequest, translate.BadRequest, exitBadInput},
	}
	for _, tc := range cases {
		t.Run(strconv.Itoa(tc.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(tc.status)
				fmt.Fprint(w, `{"message":"refused by the test server"}`)
			}))
			defer srv.Close()
			id, setup := translateEnv(t, srv.URL)
			res := runCommand(t, []string{"messages", "show", id, "--translate"}, false, "", setup)
			if res.code != tc.want {
				t.Fatalf("HTTP %d: exit %d, want %d\n%s", tc.status, res.code, tc.want, res.stderr)
			}
			if !strings.Contains(res.stderr, string(tc.class)) {
				t.Errorf("HTTP %d: stderr does not name %s: %s", tc.status, tc.class, res.stderr)
			}
			if strings.Contains(res.stderr, "test-key-123") {
				t.Errorf("the key reached the error: %s", res.stderr)
			}
		})
	}
	// A call out of its budget is not easily made in a command's run; its
	// code is checked on the typed error.
	if got := exitCodeFor(fmt.Errorf("show: %w", &translate.Error{Provider: "deepl", Class: translate.Timeout})); got != exitError {
		t.Errorf("timeout: exit %d, want %d", got, exitError)
	}
}

// translateEnv makes a database with one Japanese buyer thread and a config
// whose DeepL provider is at url, with a key in the (memory) keyring.
func translateEnv(t *testing.T, url string) (string, func(*factory)) {
	t.Helper()
	dir, shared := sharedEnv(t)
	cfg := "translation:\n  provider: deepl\n  url: " + url + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config", "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T1", Subject: "届きません", Language: "ja",
		ReplyDeadline: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)},
		[]localdb.Message{{MarketplaceMessageID: "M1", Direction: localdb.DirectionIn, Body: "荷物がまだ届きません。", SentAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	return strconv.FormatInt(saved.Thread.ID, 10), func(f *factory) {
		shared(f)
		if err := f.secretsS.Set(context.Background(), secrets.TranslationKey("deepl"), "test-key-123"); err != nil {
			t.Fatal(err)
		}
	}
}
