package tui

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDashboardLinksNoBrowser asks the go tool for every package the
// dashboard links and fails if go-rod is among them: the dashboard reads
// the shared rules from browser-free packages and leaves the browser to
// the command line's wiring.
func TestDashboardLinksNoBrowser(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("this test needs the go tool on PATH: %v", err)
	}
	out, err := exec.Command(goBin, "list", "-deps", "github.com/sellerops/sellerops/tui/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps ./tui/...: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) == 0 {
		t.Fatal("go list -deps named no packages")
	}
	var rod []string
	sawSelf := false
	for _, p := range deps {
		if p == "github.com/sellerops/sellerops/tui" {
			sawSelf = true
		}
		if strings.HasPrefix(p, "github.com/go-rod/") {
			rod = append(rod, p)
		}
	}
	if !sawSelf {
		t.Fatalf("go list -deps did not list the dashboard itself; got %d packages", len(deps))
	}
	if len(rod) > 0 {
		t.Errorf("the dashboard links %d go-rod packages (%s); move the rule it needs into a browser-free package",
			len(rod), strings.Join(rod, ", "))
	}
}
