//go:build linux

package automations

import (
	"strings"
	"testing"
	"time"
)

func TestShowWithoutDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	t.Setenv("WAYLAND_DISPLAY", "")
	_, err := Launch(testCtx(t), BrowserOptions{Show: true, Timeout: 10 * time.Second})
	if err == nil || !strings.Contains(err.Error(), "DISPLAY") || !strings.Contains(err.Error(), "--show") {
		t.Fatalf("err = %v, want it to name DISPLAY and --show", err)
	}
}
