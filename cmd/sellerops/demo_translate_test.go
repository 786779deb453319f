package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
)

// The demo points translation at the sandbox's translate site with its key,
// so the dashboard it opens shows buyers' messages translated, offline.
func TestDemoWiresTheSandboxTranslator(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 3, Orders: 10})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	_, setup := sharedEnv(t)
	var out, errOut bytes.Buffer
	f := newFactory(&ioStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
	setup(f)
	defer f.Close()
	w := &demoWorld{sb: sb, mem: marketplace.NewMemorySecrets()}
	if err := w.pointFactory(ctx, f); err != nil {
		t.Fatal(err)
	}
	tr, err := f.Translation(ctx)
	if err != nil || !tr.On() || tr.P.Name() != "deepl" {
		t.Fatalf("the demo's translator: %+v, %v", tr, err)
	}
	// A sentence of the sandbox world, and its English as the world says it.
	got, err := tr.P.Translate(ctx, []string{"注文 123-4567 の商品が破損して届きました。破損の写真を添付しました。高橋 結衣"}, "ja", "en")
	if err != nil || len(got) != 1 || got[0].Text != "Hello, my order 123-4567 arrived damaged. I attached photos of the damage. Regards, 高橋 結衣" {
		t.Fatalf("translated %+v, %v", got, err)
	}
}
