package mcpserver

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/translate"
	"github.com/sellerops/sellerops/localdb"
)

// read_thread gives each buyer message in the operator's language when a
// provider is set, through the sandbox's DeepL-shaped stand-in whose world
// sentences it translates exactly, and says translation is off without one.
// fill_template says which language version it used.
func TestReadThreadTranslationsAndTemplateLanguage(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 40})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	db := openDB(t)
	st, err := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"})
	if err != nil {
		t.Fatal(err)
	}
	body := "注文 123-4567 の商品が破損して届きました。破損の写真を添付しました。高橋 結衣"
	want := "Hello, my order 123-4567 arrived damaged. I attached photos of the damage. Regards, 高橋 結衣"
	saved, err := db.SaveThread(ctx, localdb.Thread{StoreID: st.ID, MarketplaceThreadID: "T1", Subject: "破損", Language: "ja",
		BuyerName: "高橋 結衣", MarketplaceOrderID: "123-4567", ReplyDeadline: time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)},
		[]localdb.Message{{MarketplaceMessageID: "M1", Direction: localdb.DirectionIn, Body: body, SentAt: time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatal(err)
	}
	id := saved.Thread.ID
	msgs, err := db.ListMessages(ctx, id)
	if err != nil || len(msgs) != 1 {
		t.Fatalf("messages: %v %v", msgs, err)
	}
	msgID := strconv.FormatInt(msgs[0].ID, 10)

	off := connect(t, Deps{DB: db})
	res, out := call(t, off, ToolReadThread, map[string]any{"thread_id": id})
	state, _ := out["translation"].(map[string]any)
	if res.IsError || state["state"] != "off" || state["note"] == "" || out["translations"] != nil {
		t.Fatalf("without a provider: %s %v", text(res), out)
	}

	p, err := translate.NewDeepL(sb.Account(sandbox.TranslateSite).APIKey, sb.URL(sandbox.TranslateSite), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := messages.Translator{P: &translate.Cached{P: p, Store: db}, Language: "en"}
	on := connect(t, Deps{DB: db, Translation: func(context.Context) (messages.Translator, error) { return tr, nil }})
	for range 2 {
		res, out = call(t, on, ToolReadThread, map[string]any{"thread_id": id})
		state, _ = out["translation"].(map[string]any)
		trs, _ := out["translations"].(map[string]any)
		got, _ := trs[msgID].(map[string]any)
		if res.IsError || state["state"] != "on" || got["text"] != want || got["source"] != "ja" {
			t.Fatalf("with a provider: %s %v", text(res), out)
		}
	}
	if n := sb.State().Requests["api.translate.texts"]; n != 1 {
		t.Errorf("the provider was asked for %d texts over two reads, want 1", n)
	}

	res, out = call(t, on, ToolFill, map[string]any{"thread_id": id, "template": "thanks"})
	if res.IsError || out["language"] != "ja" || out["why"] != "the thread's language" {
		t.Fatalf("fill_template: %s %v", text(res), out)
	}
}
