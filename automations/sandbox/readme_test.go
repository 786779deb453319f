package sandbox

import (
	"os"
	"strings"
	"testing"
)

// The README is the recipe writers' reference: it must list every
// variant-2 rename, every carrier event, and every fault key.
func TestREADMEIsComplete(t *testing.T) {
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	for k, v := range v2Classes {
		if !strings.Contains(doc, "| `"+k+"` | `"+v+"` |") {
			t.Errorf("README lacks the variant-2 rename %s -> %s", k, v)
		}
	}
	for c, steps := range carrierEvents {
		for step, ev := range steps {
			if !strings.Contains(doc, "| "+step+" | "+ev.Type+" | ") || !strings.Contains(doc, ev.Desc) {
				t.Errorf("README lacks %s event %s (%s)", c, step, ev.Desc)
			}
		}
	}
	for _, k := range []string{"latency", "5xx", "429", "captcha", "expire", "totp", "variant", "rate"} {
		if !strings.Contains(doc, "| `"+k+"` |") {
			t.Errorf("README lacks fault key %s", k)
		}
	}
}
