package translate

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/sellerops/sellerops/localdb"
)

// countingProvider answers every text with a fixed marker and counts calls,
// so the test sees whether the cache in SQLite kept the provider from being
// asked again.
type countingProvider struct{ calls, texts int }

func (p *countingProvider) Name() string { return "counting" }
func (p *countingProvider) Translate(_ context.Context, texts []string, from, to string) ([]Translation, error) {
	p.calls++
	p.texts += len(texts)
	out := make([]Translation, len(texts))
	for i, t := range texts {
		out[i] = Translation{Text: "[" + to + "] " + t, Source: "ja"}
	}
	return out, nil
}

func TestTranslationsAreFetchedOnceAndSurviveReopen(t *testing.T) {
	ctx := context.Background()
	db, err := localdb.Open(ctx, filepath.Join(t.TempDir(), "sellerops.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	p := &countingProvider{}
	c := &Cached{P: p, Store: db}
	texts := []string{"荷物が届きません", "箱が壊れていました", "荷物が届きません"}
	first, err := c.Translate(ctx, texts, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	if p.calls != 1 || p.texts != 2 {
		t.Fatalf("first read: %d calls for %d texts, want 1 call for 2 distinct texts", p.calls, p.texts)
	}
	if first[0] != first[2] || first[0].Text != "[en] 荷物が届きません" || first[0].Source != "ja" {
		t.Fatalf("first read = %+v", first)
	}
	second, err := c.Translate(ctx, texts, "", "en")
	if err != nil {
		t.Fatal(err)
	}
	if p.calls != 1 {
		t.Fatalf("second read asked the provider again (%d calls)", p.calls)
	}
	for i := range texts {
		if second[i] != first[i] {
			t.Fatalf("cached %d = %+v, first read %+v", i, second[i], first[i])
		}
	}
	// Another target or another provider is another key.
	if _, err := c.Translate(ctx, texts[:1], "", "de"); err != nil {
		t.Fatal(err)
	}
	if p.calls != 2 {
		t.Fatalf("a new target language must be fetched: %d calls", p.calls)
	}
	// A put for a key already kept does not replace it.
	k := Key{TextHash: HashText(texts[0]), Target: "en", Provider: "counting"}
	if err := db.PutTranslation(ctx, k, localdb.CachedTranslation{Text: "worse", Source: "zh"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := db.GetTranslation(ctx, k)
	if err != nil || !ok || Translation(got) != first[0] {
		t.Fatalf("after second put: %+v %v %v, want the first translation kept", got, ok, err)
	}
	if err := db.PutTranslation(ctx, Key{TextHash: "x", Target: "en", Provider: "p"}, localdb.CachedTranslation{Text: "t"}); err == nil {
		t.Fatal("a translation without its source language was stored")
	}
}
