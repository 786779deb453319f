package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/messages"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

func TestExitCodesAreUniqueAndDocumented(t *testing.T) {
	t.Parallel()
	seenCode := map[exitCode]bool{}
	seenName := map[string]bool{}
	for _, d := range exitCodeDocs {
		if seenCode[d.Code] || seenName[d.Name] {
			t.Fatalf("exit code %d (%s) listed twice", d.Code, d.Name)
		}
		seenCode[d.Code], seenName[d.Name] = true, true
	}
	res := runCommand(t, []string{"help", "exit-codes"}, false, "")
	if res.code != exitOK {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, d := range exitCodeDocs {
		if !strings.Contains(res.stdout, fmt.Sprintf("%3d  %s", d.Code, d.Name)) {
			t.Errorf("help exit-codes does not list %d %s:\n%s", d.Code, d.Name, res.stdout)
		}
	}
}

func TestHelpExitCodesJSON(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"help", "exit-codes", "--json"}, false, "")
	var got []struct {
		Code int    `json:"code"`
		Name string `json:"name"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &got); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, res.stdout)
	}
	if len(got) != len(exitCodeDocs) || got[0].Name != "ok" {
		t.Fatalf("got %+v", got)
	}
	res = runCommand(t, []string{"help", "exit-codes", "--jq", `.[] | select(.code == 13) | .name`}, false, "")
	if strings.TrimSpace(res.stdout) != "already_running" {
		t.Fatalf("--jq: got %q", res.stdout)
	}
}

func TestExitCodeForTypedErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		err  error
		want exitCode
	}{
		{nil, exitOK},
		{errors.New("boom"), exitError},
		{usageErrorf("bad"), exitUsage},
		{&config.Error{File: "c.yaml", Line: 3, Key: "x", Msg: "bad"}, exitConfig},
		{fmt.Errorf("store x: %w", localdb.ErrNotFound), exitNotFound},
		{fmt.Errorf("launch: %w", automations.ErrNoBrowser), exitNoBrowser},
		{&secrets.Error{Op: "get", Key: "k", Err: secrets.ErrUnavailable}, exitKeyring},
		{fmt.Errorf("%w: locked", errDatabase), exitDatabase},
		{localdb.ErrSchemaTooNew, exitDatabase},
		{batchOutcome(0, 5), exitOK},
		{batchOutcome(2, 5), exitSomeFailed},
		{batchOutcome(5, 5), exitAllFailed},
		{fmt.Errorf("sync: %w", &classError{class: automations.NeedsHuman}), exitNeedsHuman},
		{badInputf("--file x: empty"), exitBadInput},
		{&scheduleError{err: errors.New("cron: bad")}, exitConfig},
		{errChecksFailed, exitCheckFailed},
		// Typed errors of the packages, each mapped here and nowhere else.
		{fmt.Errorf("claim 3: %w", filing.ErrBusy), exitAlreadyRunning},
		{&jobs.LockedError{Job: "sync", PID: 42}, exitAlreadyRunning},
		{fmt.Errorf("draft: %w", claims.ErrNotEligible), exitBadInput},
		{&messages.MissingValueError{}, exitBadInput},
		{fmt.Errorf("reply: %w", marketplace.ErrInvalidInput), exitBadInput},
		{&automations.Failure{Class: automations.NeedsHuman, Step: "login"}, exitNeedsHuman},
		{fmt.Errorf("store x: %w", &automations.Failure{Class: automations.AuthFailed, Step: "login"}), exitAuthFailed},
		{fmt.Errorf("run: %w", context.Canceled), exitInterrupted},
	}
	for _, tc := range cases {
		if got := exitCodeFor(tc.err); got != tc.want {
			t.Errorf("exitCodeFor(%v) = %d, want %d", tc.err, got, tc.want)
		}
	}
}

func TestUnknownCommandAndFlagAreUsageErrors(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"frobnicate"}, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "frobnicate") {
		t.Fatalf("unknown command: code %d stderr %q", res.code, res.stderr)
	}
	res = runCommand(t, []string{"version", "--nope"}, false, "")
	if res.code != exitUsage || !strings.Contains(res.stderr, "--nope") || !strings.Contains(res.stderr, "sellerops version --help") {
		t.Fatalf("unknown flag: code %d stderr %q", res.code, res.stderr)
	}
	res = runCommand(t, []string{"help", "no-such-topic"}, false, "")
	if res.code != exitUsage {
		t.Fatalf("unknown help topic: code %d", res.code)
	}
}

func TestVersion(t *testing.T) {
	t.Parallel()
	res := runCommand(t, []string{"version", "--json"}, false, "")
	var v versionInfo
	if err := json.Unmarshal([]byte(res.stdout), &v); err != nil || v.Version == "" || v.Go == "" {
		t.Fatalf("version --json: %v %+v %q", err, v, res.stdout)
	}
	res = runCommand(t, []string{"version"}, false, "")
	if !strings.HasPrefix(res.stdout, "sellerops ") {
		t.Fatalf("version: %q", res.stdout)
	}
}
