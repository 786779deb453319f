package main

import (
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/tui"
)

// The dashboard sends and skips delay notices by the command line's rules:
// the keys the operator confirmed and no other, each through the outbox,
// once. A key no longer proposed is a failed item and nothing goes out.
func TestDashboardSendsAndSkipsDelayNotices(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 9)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	seedSilentOrders(t, sb, filepath.Join(dir, "data", "sellerops.db"), "shop", "amazon", 2)

	ctx := testwait.Context(t)
	f := newFactory(&ioStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard})
	setup(f)
	defer f.Close()
	props, err := proposeNotices(ctx, f)
	if err != nil || len(props) != 2 {
		t.Fatalf("proposed %d notices (%v), want 2", len(props), err)
	}
	first, second := props[0], props[1]
	actions := &dashboardActions{f: f}

	drain := func(ch <-chan tui.Progress) (ok, failed []string) {
		t.Helper()
		for p := range ch {
			switch {
			case p.Finished && p.Err != nil:
				t.Fatalf("the job failed: %v", p.Err)
			case p.Finished:
			case p.Err != nil:
				failed = append(failed, p.Line)
			default:
				ok = append(ok, p.Line)
			}
		}
		return ok, failed
	}
	ch, err := actions.SendNotices(ctx, []string{first.Key, "notice-999999-stalled-1"})
	if err != nil {
		t.Fatal(err)
	}
	ok, failed := drain(ch)
	if len(ok) != 1 || !strings.Contains(ok[0], first.TrackingNumber) || len(failed) != 1 || !strings.Contains(failed[0], "notice-999999") {
		t.Fatalf("sent %q, failed %q", ok, failed)
	}
	got := sb.State().Notices
	if len(got) != 1 || len(got[first.TrackingNumber]) != 1 || got[first.TrackingNumber][0].Ref != first.Key {
		t.Fatalf("the site holds %+v, want one notice for %s", got, first.TrackingNumber)
	}

	if err := actions.SkipNotices(ctx, []string{second.Key}); err != nil {
		t.Fatal(err)
	}
	if left, err := proposeNotices(ctx, f); err != nil || len(left) != 0 {
		t.Fatalf("after send and skip %d notices are proposed (%v): %+v", len(left), err, left)
	}
	// Sending the sent one again is a failed item; the site keeps one.
	ch, err = actions.SendNotices(ctx, []string{first.Key})
	if err != nil {
		t.Fatal(err)
	}
	if ok, failed := drain(ch); len(ok) != 0 || len(failed) != 1 {
		t.Fatalf("a second send: sent %q, failed %q", ok, failed)
	}
	if n := len(sb.State().Notices[first.TrackingNumber]); n != 1 {
		t.Fatalf("the site holds %d notices for %s", n, first.TrackingNumber)
	}
}
