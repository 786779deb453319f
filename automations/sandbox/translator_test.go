package sandbox

import (
	"context"
	"fmt"
	"testing"

	"github.com/sellerops/sellerops/automations/translate"
)

// The stand-in is checked through the product's own clients, whose request
// and reply shapes are tested against the providers' references in package
// translate. The expected texts are the world's English templates filled with
// the thread's buyer and order: the truth is the world's own table, not the
// stand-in's output.
func TestTranslateStandInTranslatesWorldSentencesInBothShapes(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 7})
	key := sb.Account(TranslateSite).APIKey
	if translate.DeepLHost(key) != translate.DeepLFreeURL {
		t.Fatalf("stand-in key %q is not shaped like a free-plan DeepL key", key)
	}
	deepl, err := translate.NewDeepL(key, sb.URL(TranslateSite), nil)
	if err != nil {
		t.Fatal(err)
	}
	libre, err := translate.NewLibreTranslate(sb.URL(TranslateSite), key, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	checked := map[string]int{}
	for _, th := range sb.World().Threads {
		if th.Lang == "en" || checked[th.Lang] >= 3 || len(th.Messages) == 0 || th.Messages[0].From != "buyer" {
			continue
		}
		body := th.Messages[0].Body
		want := map[string]bool{}
		for _, f := range texts["en"][th.Kind].bodies {
			want[fmt.Sprintf(f, th.Buyer, th.OrderID)] = true
		}
		for _, p := range []translate.Provider{deepl, libre} {
			got, err := p.Translate(ctx, []string{body}, "", "en")
			if err != nil {
				t.Fatalf("%s %s: %v", p.Name(), th.ID, err)
			}
			if !want[got[0].Text] || got[0].Source != th.Lang {
				t.Errorf("%s %s (%s): %q read as %s -> %q; want one of %v", p.Name(), th.ID, th.Lang, body, got[0].Source, got[0].Text, want)
			}
			back, err := p.Translate(ctx, []string{got[0].Text}, "en", th.Lang)
			if err != nil || back[0].Text != body {
				t.Errorf("%s %s: back to %s = %+v %v, want the original %q", p.Name(), th.ID, th.Lang, back, err, body)
			}
		}
		checked[th.Lang]++
	}
	if len(checked) < 3 {
		t.Fatalf("world has buyer messages in only %v", checked)
	}
	// A sentence not from the world is marked, not passed off as translated.
	got, err := deepl.Translate(ctx, []string{"Completely new sentence"}, "en", "de")
	if err != nil || got[0].Text != "[de] Completely new sentence" {
		t.Errorf("unknown sentence: %+v %v", got, err)
	}
}

func TestTranslateStandInRefusesBadKeyLikeTheRealOnes(t *testing.T) {
	sb := startSandbox(t, Options{Seed: 7})
	deepl, _ := translate.NewDeepL("wrong:fx", sb.URL(TranslateSite), nil)
	if _, err := deepl.Translate(context.Background(), []string{"x"}, "", "en"); translate.ClassOf(err) != translate.AuthFailed {
		t.Errorf("deepl with a wrong key: %v", err)
	}
	libre, _ := translate.NewLibreTranslate(sb.URL(TranslateSite), "", nil)
	if _, err := libre.Translate(context.Background(), []string{"x"}, "", "en"); translate.ClassOf(err) != translate.AuthFailed {
		t.Errorf("libretranslate without a key: %v", err)
	}
}
