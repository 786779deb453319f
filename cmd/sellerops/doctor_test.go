package main

import (
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/zalando/go-keyring"
)

type doctorLine struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
	Fix    string `json:"fix"`
}

func parseDoctor(t *testing.T, out string) map[string]doctorLine {
	t.Helper()
	var lines []doctorLine
	if err := json.Unmarshal([]byte(out), &lines); err != nil {
		t.Fatalf("doctor --json is not a JSON array: %v\n%s", err, out)
	}
	m := map[string]doctorLine{}
	for _, l := range lines {
		m[l.Name] = l
	}
	return m
}

// The tests that call keyring.MockInit replace the keyring library's one
// provider for the whole process, so they do not run in parallel.

// TestDoctorAllChecksPass launches the real Chromium, opens a real database
// file and goes through the keyring API (an in-memory keyring here; the real
// Secret Service has its own integration test).
func TestDoctorAllChecksPass(t *testing.T) {
	keyring.MockInit()
	res := runCommand(t, []string{"doctor", "--json"}, false, "")
	checks := parseDoctor(t, res.stdout)
	for _, name := range []string{"config", "database", "browser", "keyring"} {
		c, ok := checks[name]
		if !ok {
			t.Fatalf("no %s check in %s", name, res.stdout)
		}
		if !c.OK {
			t.Errorf("%s failed: %s (fix: %s)", name, c.Detail, c.Fix)
		}
	}
	if res.code != exitOK {
		t.Fatalf("exit %d, stderr %s", res.code, res.stderr)
	}
	if !strings.Contains(checks["browser"].Detail, "rendered a local page") {
		t.Errorf("browser detail: %s", checks["browser"].Detail)
	}
	if !strings.Contains(checks["database"].Detail, "mode 0600") {
		t.Errorf("database detail: %s", checks["database"].Detail)
	}
}

func TestDoctorReportsBadConfigWithFix(t *testing.T) {
	keyring.MockInit()
	cfg := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(cfg, []byte("thresholds:\n  stalled_dayz: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res := runCommand(t, []string{"doctor", "--json", "--only", "config,database", "--config", cfg}, false, "")
	if res.code != exitCheckFailed {
		t.Fatalf("want exit %d, got %d (%s)", exitCheckFailed, res.code, res.stderr)
	}
	checks := parseDoctor(t, res.stdout)
	c := checks["config"]
	if c.OK || !strings.Contains(c.Detail, cfg+":2") || !strings.Contains(c.Detail, "stalled_dayz") || c.Fix == "" {
		t.Fatalf("config check should name file, line and key and give a fix: %+v", c)
	}
	if !checks["database"].OK {
		t.Fatalf("database should still pass: %+v", checks["database"])
	}
}

func TestDoctorMissingBrowserNamesTheFix(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"doctor", "--only", "browser", "--browser", "/nonexistent/chromium"}, false, "")
	if res.code != exitCheckFailed {
		t.Fatalf("want exit %d, got %d", exitCheckFailed, res.code)
	}
	if !strings.Contains(res.stdout, "browser\tFAIL") || !strings.Contains(res.stderr, "apt-get install chromium") {
		t.Fatalf("stdout %q stderr %q", res.stdout, res.stderr)
	}
}

func TestDoctorUnknownCheck(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"doctor", "--only", "coffee"}, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "coffee") {
		t.Fatalf("code %d stderr %q", res.code, res.stderr)
	}
}

func TestDoctorTableOnTTY(t *testing.T) {
	keyring.MockInit()
	res := runCommand(t, []string{"doctor", "--only", "database"}, true, "")
	if res.code != exitOK || !strings.HasPrefix(res.stdout, "CHECK") || !strings.Contains(res.stdout, "database  ok") {
		t.Fatalf("code %d stdout %q", res.code, res.stdout)
	}
}

// TestDoctorWithoutADesktopKeyringNamesMakeDoctor is doctor run directly
// on a machine where no Secret Service answers (the D-Bus error text is
// the one a session without gnome-keyring gives): one line that says so,
// names `make doctor` and the SELLEROPS_SECRET_* variables, and not the
// probe's throwaway variable.
func TestDoctorWithoutADesktopKeyringNamesMakeDoctor(t *testing.T) {
	keyring.MockInitWithError(errors.New("The name org.freedesktop.secrets was not provided by any .service files"))
	t.Cleanup(keyring.MockInit)
	res := runCommand(t, []string{"doctor", "--only", "keyring", "--json"}, false, "")
	c := parseDoctor(t, res.stdout)["keyring"]
	if c.OK {
		t.Fatalf("the keyring check passed without a keyring: %+v", c)
	}
	line := c.Detail + "; " + c.Fix
	for _, want := range []string{"no desktop keyring", "make doctor", "SELLEROPS_SECRET_*"} {
		if !strings.Contains(line, want) {
			t.Errorf("doctor says %q, want it to name %q", line, want)
		}
	}
	if strings.Contains(line, "PROBE") || strings.Contains(line, "\n") {
		t.Errorf("doctor says %q: not one line, or names the probe's variable", line)
	}
}

// `make doctor` and `make test` run under .ci/with-keyring.sh, which starts
// a private D-Bus session. Chromium asks that bus for the accessibility
// service and dbus-daemon reports each activation on stderr; the script
// keeps those notes out. The same doctor run in a bare session shows them,
// so the test sees the chatter it checks for.
func TestKeyringSessionKeepsBusChatterOut(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts a D-Bus session, a keyring and Chromium; not in -short")
	}
	if runtime.GOOS != "linux" {
		t.Skip("with-keyring.sh starts a D-Bus session on Linux only; elsewhere it runs the command as it is")
	}
	for _, bin := range []string{"dbus-run-session", "gnome-keyring-daemon"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Fatalf("%s is needed (make test installs it): %v", bin, err)
		}
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "sellerops")
	goBin := filepath.Join(runtime.GOROOT(), "bin", "go")
	if out, err := exec.Command(goBin, "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	script, err := filepath.Abs(filepath.Join("..", "..", ".ci", "with-keyring.sh"))
	if err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") && !strings.HasPrefix(kv, "SELLEROPS_") {
			env = append(env, kv)
		}
	}
	env = append(env, "HOME="+dir, "XDG_DATA_HOME="+dir+"/data", "XDG_CONFIG_HOME="+dir+"/config")
	run := func(name string, args ...string) (stdout, stderr string) {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = env
		var out, errOut strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, errOut.String())
		}
		return out.String(), errOut.String()
	}
	_, bare := run("dbus-run-session", "--", "sh", "-c",
		`printf 'throwaway\n' | gnome-keyring-daemon --unlock --components=secrets >/dev/null; "$0" doctor >/dev/null`, bin)
	if !strings.Contains(bare, "dbus-daemon[") {
		t.Fatalf("a bare session printed no bus notes (%q); the test cannot tell the filter works", bare)
	}
	out, filtered := run(script, bin, "doctor")
	if !strings.Contains(out, "keyring") {
		t.Fatalf("doctor printed %q", out)
	}
	if strings.TrimSpace(filtered) != "" {
		t.Errorf("doctor under with-keyring.sh wrote to stderr:\n%s", filtered)
	}
}
