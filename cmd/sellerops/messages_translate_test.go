package main

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// A Japanese buyer message from the sandbox world, read through the
// sandbox's DeepL-shaped stand-in: shown under the original in English, and
// fetched once however often the thread is shown.
func TestMessagesShowTranslateUsesProviderOnceAndKeepsOriginal(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir, setup := sharedEnv(t)
	cfg := "operator:\n  language: en\ntranslation:\n  provider: deepl\n  url: " + sb.URL(sandbox.TranslateSite) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "config", "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	body := "注文 123-4567 の商品が破損して届きました。破損の写真を添付しました。高橋 結衣"
	want := "Hello, my order 123-4567 arrived damaged. I attached photos of the damage. Regards, 高橋 結衣"
	db, err := localdb.Open(ctx, filepath.Join(dir, "data", "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	saved, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T1", Subject: "破損", Language: "ja",
		ReplyDeadline: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)},
		[]localdb.Message{{MarketplaceMessageID: "M1", Direction: localdb.DirectionIn, Body: body, SentAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	id := strconv.FormatInt(saved.Thread.ID, 10)

	withKey := func(f *factory) {
		setup(f)
		if err := f.secretsS.Set(context.Background(), secrets.TranslationKey("deepl"), sb.Account(sandbox.TranslateSite).APIKey); err != nil {
			t.Fatal(err)
		}
	}
	for i := range 2 {
		res := runCommand(t, []string{"messages", "show", id, "--translate"}, false, "", withKey)
		if res.code != exitOK {
			t.Fatalf("run %d: exit %d: %s", i, res.code, res.stderr)
		}
		orig, trans := strings.Index(res.stdout, body), strings.Index(res.stdout, want)
		if orig < 0 || trans < orig || !strings.Contains(res.stdout, "[translated from ja to en]") {
			t.Fatalf("run %d: original then translation expected:\n%s", i, res.stdout)
		}
	}
	if n := sb.State().Requests["api.translate.texts"]; n != 1 {
		t.Errorf("the provider was asked for %d texts over two shows, want 1", n)
	}

	// Without a provider: shown as today, with a line saying so.
	if err := os.WriteFile(filepath.Join(dir, "config", "config.yaml"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCommand(t, []string{"messages", "show", id, "--translate"}, false, "", setup)
	if res.code != exitOK || !strings.Contains(res.stdout, "translation is off") || !strings.Contains(res.stdout, body) || strings.Contains(res.stdout, want) {
		t.Fatalf("without a provider: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
}
