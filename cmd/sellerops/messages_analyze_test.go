package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/messages"
)

// 1Z999AA10123456784 is UPS's published example number (its check digit
// passes); 112-1234567-1234567 has the shape of an Amazon order ID.
func TestMessagesAnalyze(t *testing.T) {
	t.Parallel()
	_, setup := sharedEnv(t)
	res := runCommand(t, []string{"messages", "analyze", "--json",
		"The mug arrived broken, order 112-1234567-1234567, tracking 1Z 999 AA1 01 2345 6784",
		"Nichts ist kaputt, danke!",
		"荷物がまだ届いていません。注文 05-12345-67890 です"}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("analyze: exit %d %s", res.code, res.stderr)
	}
	var got []messages.Analysis
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil || len(got) != 3 {
		t.Fatalf("analyze --json: %v %q", err, res.stdout)
	}
	if a := got[0]; a.Language != "en" || len(a.Signals) != 1 || a.Signals[0].Kind != "damage" ||
		len(a.Tracking) != 1 || a.Tracking[0].Number != "1Z999AA10123456784" || a.Tracking[0].Courier != "ups" ||
		len(a.Orders) != 1 || a.Orders[0].Number != "112-1234567-1234567" || a.Orders[0].Marketplace != "amazon" {
		t.Errorf("first text: %+v", a)
	}
	if got[0].Reason.Reason != messages.ReasonDamaged || got[0].Reason.Phrase != "broken" ||
		// "Nothing is broken, thanks!" asks for nothing and thanks the
		// shop: feedback, read from its thank-you, never damage.
		got[1].Reason.Reason != messages.ReasonFeedback || got[1].Reason.Phrase != "danke" ||
		got[2].Reason.Reason != messages.ReasonWhereIsOrder {
		t.Errorf("contact reasons: %+v %+v %+v", got[0].Reason, got[1].Reason, got[2].Reason)
	}
	if a := got[1]; a.Language != "de" || len(a.Signals) != 0 {
		t.Errorf("a denial read as damage: %+v", a)
	}
	if a := got[2]; a.Language != "ja" || len(a.Signals) != 1 || a.Signals[0].Kind != "loss" ||
		len(a.Orders) != 1 || a.Orders[0].Marketplace != "ebay" {
		t.Errorf("Japanese text: %+v", a)
	}
	// Lines from standard input, and the plain output.
	res = runCommand(t, []string{"messages", "analyze", "-"}, false, "Where is my parcel? It never arrived.\n\nDas Paket ist beschädigt.\n", setup)
	if res.code != exitOK || strings.Count(res.stdout, "language:") != 2 || !strings.Contains(res.stdout, "loss:") ||
		!strings.Contains(res.stdout, `damage:     "beschädig"`) ||
		!strings.Contains(res.stdout, `reason:     where_is_order ("never arrived")`) ||
		!strings.Contains(res.stdout, `reason:     damaged_defective ("beschädig")`) {
		t.Errorf("analyze -: exit %d %q", res.code, res.stdout)
	}
	for _, args := range [][]string{{"messages", "analyze"}, {"messages", "analyze", "--prior", "japanese", "x"}} {
		if res := runCommand(t, args, false, "", setup); res.code != exitUsage {
			t.Errorf("%v: exit %d, want %d", args, res.code, exitUsage)
		}
	}
}

// --languages is a store's allow-list: English to a store that expects
// German and French is und, never a wrong code; a bad code is a usage error.
func TestMessagesAnalyzeLanguagesAllowList(t *testing.T) {
	t.Parallel()
	text := "Where is my parcel? It has not arrived yet."
	res := runCommand(t, []string{"messages", "analyze", "--json", "--jq", ".[0].language", text}, false, "")
	if res.code != exitOK || strings.TrimSpace(res.stdout) != "en" {
		t.Fatalf("without --languages: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	res = runCommand(t, []string{"messages", "analyze", "--languages", "de,fr", "--json", "--jq", ".[0].language", text}, false, "")
	if res.code != exitOK || strings.TrimSpace(res.stdout) != "und" {
		t.Fatalf("--languages de,fr: exit %d %q %s", res.code, res.stdout, res.stderr)
	}
	if res = runCommand(t, []string{"messages", "analyze", "--languages", "german", text}, false, ""); res.code != exitUsage {
		t.Errorf("--languages german: exit %d", res.code)
	}
}
