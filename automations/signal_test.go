//go:build unix

package automations

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/testwait"
)

func runHelper(mode string) int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	b, err := Launch(context.Background(), BrowserOptions{Timeout: time.Minute})
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		return 2
	}
	fmt.Printf("%d %s\n", b.PID(), b.UserDataDir())
	switch mode {
	case "signal":
		<-ctx.Done()
		if err := CloseAll(); err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			return 1
		}
		return 0
	case "crash":
		<-ctx.Done()
		return 0
	}
	return 2
}

func startHelper(t *testing.T, mode string) (*exec.Cmd, int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatalf("helper did not report its browser: %v", err)
	}
	f := strings.Fields(line)
	if len(f) != 2 {
		t.Fatalf("helper said %q", line)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || !processAlive(pid) {
		t.Fatalf("helper's browser pid %q is not running (%v)", f[0], err)
	}
	return cmd, pid, f[1]
}

func TestSignalHandlerCleansUp(t *testing.T) {
	cmd, pid, dir := startHelper(t, "signal")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("helper exited with %v", err)
	}
	if processAlive(pid) {
		t.Errorf("browser %d outlived the signal", pid)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s outlived the signal (stat: %v)", dir, err)
	}
}

func TestKilledProcessTakesBrowserAlong(t *testing.T) {
	cmd, pid, dir := startHelper(t, "crash")
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// Nothing in the killed process can clean up; the leakless guard must
	// end the browser on its own.
	if !waitGone(pid, testwait.Budget(t)) {
		t.Fatalf("browser %d still runs 20s after its owner was killed", pid)
	}
}

func TestCleanStaleProfilesAfterKill(t *testing.T) {
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	cmd, pid, dir := startHelper(t, "crash")
	if !strings.HasPrefix(dir, tmp) {
		t.Fatalf("helper's profile %s is not under TMPDIR %s", dir, tmp)
	}
	// While the browser runs, its profile is in use and must stay.
	if removed, err := CleanStaleProfiles(0); err != nil || len(removed) != 0 {
		t.Fatalf("swept a live profile: %v, %v", removed, err)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if !waitGone(pid, testwait.Budget(t)) {
		t.Fatalf("browser %d outlived its owner", pid)
	}
	if !waitHelpersGone(dir, testwait.Budget(t)) {
		t.Fatalf("browser helpers still use %s", dir)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("a killed owner cannot clean up, so the profile should still be there: %v", err)
	}
	if removed, err := CleanStaleProfiles(time.Hour); err != nil || len(removed) != 0 {
		t.Errorf("a fresh profile was swept despite the age limit: %v, %v", removed, err)
	}
	removed, err := CleanStaleProfiles(0)
	if err != nil || len(removed) != 1 || removed[0] != dir {
		t.Fatalf("sweep removed %v (%v), want %s", removed, err, dir)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("profile %s still exists after the sweep", dir)
	}
}
