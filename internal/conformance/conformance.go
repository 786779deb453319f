// Package conformance finds the shared public reference data (tracking-number
// test cases, recorded carrier API responses, marketplace API models) that
// tests read in place.
//
// The directory comes from the environment variable SELLEROPS_CONFORMANCE_DIR,
// or else from ../shared/conformance beside the repository root (the folder
// holding go.mod). The data is never copied into the project.
package conformance

import (
	"errors"
	"os"
	"path/filepath"
)

// EnvVar names the environment variable that overrides the data directory.
const EnvVar = "SELLEROPS_CONFORMANCE_DIR"

// TB is the part of testing.TB this package uses.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
}

// Locate returns the conformance directory without checking that it exists.
func Locate() (string, error) {
	if d := os.Getenv(EnvVar); d != "" {
		return d, nil
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "..", "shared", "conformance"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod found above " + wd)
		}
		dir = parent
	}
}

// Dir returns the conformance directory. When it is missing the test fails if
// the CI environment variable is set, and is skipped otherwise; both messages
// name the directory and the variable that sets it.
func Dir(t TB) string {
	t.Helper()
	dir, err := Locate()
	if err == nil {
		var st os.FileInfo
		st, err = os.Stat(dir)
		if err == nil && !st.IsDir() {
			err = errors.New("not a directory")
		}
	}
	if err != nil {
		msg := "conformance data not found at %q (%v): set %s to the directory holding tracking_numbers.json, carrier_responses/ and marketplace_api/"
		if os.Getenv("CI") != "" {
			t.Fatalf(msg, dir, err, EnvVar)
		} else {
			t.Skipf(msg, dir, err, EnvVar)
		}
	}
	return dir
}

// File returns the path of a file inside the conformance directory, failing
// or skipping (as Dir does) when the directory is missing, and failing when
// the directory exists but the file does not.
func File(t TB, rel ...string) string {
	t.Helper()
	p := filepath.Join(append([]string{Dir(t)}, rel...)...)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("conformance file %s is missing (%v); check %s", p, err, EnvVar)
	}
	return p
}
