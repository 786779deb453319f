package conformance

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type fakeTB struct {
	fatal, skip string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Fatalf(format string, a ...any) { f.fatal = fmt.Sprintf(format, a...) }
func (f *fakeTB) Skipf(format string, a ...any)  { f.skip = fmt.Sprintf(format, a...) }

func TestDirFromEnv(t *testing.T) {
	d := t.TempDir()
	t.Setenv(EnvVar, d)
	var tb fakeTB
	if got := Dir(&tb); got != d || tb.fatal != "" || tb.skip != "" {
		t.Fatalf("Dir = %q (fatal %q, skip %q), want %q", got, tb.fatal, tb.skip, d)
	}
}

func TestMissingDirSkipsOrFails(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope")
	t.Setenv(EnvVar, missing)

	t.Setenv("CI", "")
	os.Unsetenv("CI")
	var local fakeTB
	Dir(&local)
	if local.skip == "" || local.fatal != "" {
		t.Fatalf("without CI: skip %q fatal %q, want a skip", local.skip, local.fatal)
	}
	for _, want := range []string{missing, EnvVar} {
		if !strings.Contains(local.skip, want) {
			t.Errorf("skip message %q does not name %q", local.skip, want)
		}
	}

	t.Setenv("CI", "1")
	var ci fakeTB
	Dir(&ci)
	if ci.fatal == "" || ci.skip != "" {
		t.Fatalf("with CI: skip %q fatal %q, want a failure", ci.skip, ci.fatal)
	}
	for _, want := range []string{missing, EnvVar} {
		if !strings.Contains(ci.fatal, want) {
			t.Errorf("failure message %q does not name %q", ci.fatal, want)
		}
	}
}

func TestLocateWalksUpToGoMod(t *testing.T) {
	t.Setenv(EnvVar, "")
	root := t.TempDir()
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(root, "a", "b")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(sub)
	got, err := Locate()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(root, "..", "shared", "conformance"); got != want {
		t.Fatalf("Locate = %q, want %q", got, want)
	}
}
