package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/notices"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/internal/worldseed"
	"github.com/sellerops/sellerops/localdb"
)

// seedSilentOrders stores n parcels of a sandbox account that the world
// left quiet for days and whose buyers never write, with their orders (see
// worldseed.Silent), and returns their orders.
func seedSilentOrders(t *testing.T, sb *sandbox.Sandbox, dbPath, store, account string, n int) []*sandbox.Order {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	silent := worldseed.Silent(sb)
	count := 0
	out, err := worldseed.Orders(ctx, db, sb, store, account, func(o *sandbox.Order, p *sandbox.Parcel) bool {
		if count < n && silent(o, p) {
			count++
			return true
		}
		return false
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out) < n {
		t.Fatalf("the world has %d silent %s parcels, want %d", len(out), account, n)
	}
	return out
}

// wantEvent is the event the world's truth gives a silent parcel at now:
// the carrier's lost scan is an exception; else past the estimate by the
// default 3 days, or else a stall.
func wantEvent(sb *sandbox.Sandbox, o *sandbox.Order) localdb.NoticeEvent {
	p := sb.World().Parcel(o.TrackingNumber)
	for _, e := range p.VisibleEvents(sb.Now()) {
		if e.Step == "lost" {
			return localdb.NoticeException
		}
	}
	if sb.Now().Sub(p.EstimatedDelivery) >= 3*24*time.Hour {
		return localdb.NoticePastETA
	}
	return localdb.NoticeStalled
}

func TestNoticesCommandsEndToEnd(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 9)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"notices", "list", "--json"}, false, "", setup); res.code != exitOK || strings.TrimSpace(res.stdout) != "[]" {
		t.Fatalf("empty list: %d %q %s", res.code, res.stdout, res.stderr)
	}
	orders := seedSilentOrders(t, sb, filepath.Join(dir, "data", "sellerops.db"), "shop", "amazon", 2)

	res := runCommand(t, []string{"notices", "list", "--json"}, false, "", setup)
	var props []notices.Proposal
	if err := json.Unmarshal([]byte(res.stdout), &props); err != nil || res.code != exitOK || len(props) != 2 {
		t.Fatalf("notices list: %d %s %s %v", res.code, res.stdout, res.stderr, err)
	}
	byOrder := map[string]notices.Proposal{}
	for _, p := range props {
		byOrder[p.MarketplaceOrderID] = p
	}
	for _, o := range orders {
		p, ok := byOrder[o.ID]
		// The world's truth: the buyer's language, and the parcel's story.
		want := wantEvent(sb, o)
		if !ok || p.Event != want || p.Language != o.Lang || p.State != notices.StateProposed || !strings.Contains(p.Body, o.ID) {
			t.Errorf("order %s (%s buyer): %+v", o.ID, o.Lang, p)
		}
	}
	first, second := byOrder[orders[0].ID], byOrder[orders[1].ID]

	// Bad names stop the command before anything is sent.
	if res := runCommand(t, []string{"notices", "send", fmt.Sprint(first.ShipmentID), "999999"}, false, "", setup); res.code != exitNotFound ||
		!strings.Contains(res.stderr, "notices list") {
		t.Errorf("unknown parcel: exit %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"notices", "send"}, false, "", setup); res.code != exitUsage {
		t.Errorf("send without parcels: exit %d", res.code)
	}
	if res := runCommand(t, []string{"notices", "send", "--all", "--dry-run"}, false, "", setup); res.code != exitOK ||
		!strings.Contains(res.stdout, first.Body) || !strings.Contains(res.stdout, second.Body) {
		t.Errorf("dry run: %d %s", res.code, res.stdout)
	}
	if n := len(sb.State().Notices); n != 0 {
		t.Fatalf("%d notices reached the site before any was sent", n)
	}

	if res := runCommand(t, []string{"notices", "skip", second.TrackingNumber}, false, "", setup); res.code != exitOK {
		t.Fatalf("skip: %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"notices", "send", fmt.Sprint(first.ShipmentID), "--json"}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("send: %d %s %s", res.code, res.stdout, res.stderr)
	}
	var out noticeOutcome
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || out.Error != "" || out.Key != first.Key || out.Channel == "" {
		t.Fatalf("send --json: %q %v", res.stdout, err)
	}
	got := sb.State().Notices
	if len(got) != 1 || len(got[first.TrackingNumber]) != 1 || got[first.TrackingNumber][0].Ref != first.Key ||
		!strings.Contains(got[first.TrackingNumber][0].Body, first.TrackingNumber) {
		t.Fatalf("the site holds %+v, want one notice for %s with ref %s", got, first.TrackingNumber, first.Key)
	}
	// Sent and skipped notices are no longer proposed; sending again is
	// refused and sends nothing.
	if res := runCommand(t, []string{"notices", "send", fmt.Sprint(first.ShipmentID)}, false, "", setup); res.code != exitNotFound {
		t.Errorf("send again: exit %d %s", res.code, res.stderr)
	}
	if res := runCommand(t, []string{"notices", "list", "--json"}, false, "", setup); strings.TrimSpace(res.stdout) != "[]" {
		t.Errorf("after send and skip: %s", res.stdout)
	}
	if n := len(sb.State().Notices[first.TrackingNumber]); n != 1 {
		t.Errorf("the site holds %d notices for %s", n, first.TrackingNumber)
	}
}

// The overnight run sends notices only with proactive.auto_send: true.
func TestRunNoticesOnlyWithAutoSend(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 1)
	acct := sb.Account("tiktok")
	add := []string{"stores", "add", "tt", "--marketplace", "tiktok", "--username", acct.Username,
		"--base-url", sb.URL("tiktok"), "--recipe", "tiktok-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	orders := seedSilentOrders(t, sb, filepath.Join(dir, "data", "sellerops.db"), "tt", "tiktok", 2)
	res := runCommand(t, []string{"run", "notices", "--json"}, false, "", setup)
	if res.code != exitOK || len(sb.State().Notices) != 0 {
		t.Fatalf("run without auto_send: %d, %d notices sent\n%s\n%s", res.code, len(sb.State().Notices), res.stdout, res.stderr)
	}
	if res := runCommand(t, []string{"notices", "list", "--json"}, false, "", setup); !strings.Contains(res.stdout, orders[0].TrackingNumber) {
		t.Fatalf("the notices no longer wait for a person: %s", res.stdout)
	}
	if err := os.WriteFile(filepath.Join(dir, "config", "config.yaml"), []byte("proactive:\n  auto_send: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	res = runCommand(t, []string{"run", "notices"}, false, "", setup)
	if res.code != exitOK {
		t.Fatalf("run with auto_send: %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	for _, o := range orders {
		if n := len(sb.State().Notices[o.TrackingNumber]); n != 1 {
			t.Errorf("order %s: %d notices at the site, want 1", o.ID, n)
		}
	}
	// A second night sends nothing again.
	if res := runCommand(t, []string{"run", "notices"}, false, "", setup); res.code != exitOK {
		t.Fatalf("second run: %d %s", res.code, res.stderr)
	}
	for _, o := range orders {
		if n := len(sb.State().Notices[o.TrackingNumber]); n != 1 {
			t.Errorf("order %s after a second run: %d notices", o.ID, n)
		}
	}
}

// A notice whose send is in doubt is settled by what the operator found on
// the site; nothing goes to the site, and a notice not in doubt is refused.
func TestNoticesSettle(t *testing.T) {
	t.Parallel()
	sb, dir, setup := sandboxEnv(t, 9)
	acct := sb.Account("amazon")
	add := []string{"stores", "add", "shop", "--marketplace", "amazon", "--username", acct.Username,
		"--base-url", sb.URL("amazon"), "--recipe", "amazon-sandbox", "--password-stdin", "--totp-secret-stdin"}
	if res := runCommand(t, add, false, acct.Password+"\n"+acct.TOTPSecret+"\n", setup); res.code != exitOK {
		t.Fatalf("stores add: %d %s", res.code, res.stderr)
	}
	dbPath := filepath.Join(dir, "data", "sellerops.db")
	seedSilentOrders(t, sb, dbPath, "shop", "amazon", 2)
	res := runCommand(t, []string{"notices", "list", "--json"}, false, "", setup)
	var props []notices.Proposal
	if err := json.Unmarshal([]byte(res.stdout), &props); err != nil || len(props) != 2 {
		t.Fatalf("notices list: %d %s %s %v", res.code, res.stdout, res.stderr, err)
	}
	doubt, fresh := props[0], props[1]
	// Leave the first as a crash mid-call would: decided, intent in flight.
	func() {
		ctx := context.Background()
		db, err := localdb.Open(ctx, dbPath)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if _, _, err := db.RecordNotice(ctx, localdb.Notice{Key: doubt.Key, ShipmentID: doubt.ShipmentID, OrderID: doubt.OrderID,
			Event: doubt.Event, Since: doubt.Since, State: localdb.NoticeSending, Language: doubt.Language, Body: doubt.Body}); err != nil {
			t.Fatal(err)
		}
		e, _, err := db.WriteIntent(ctx, localdb.Intent{Key: doubt.Key, Kind: localdb.OutboxReply, Target: "order:1/" + doubt.MarketplaceOrderID})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.MarkInFlight(ctx, e.ID); err != nil {
			t.Fatal(err)
		}
	}()

	if res := runCommand(t, []string{"notices", "settle", fmt.Sprint(doubt.ShipmentID)}, false, "", setup); res.code != exitUsage ||
		!strings.Contains(res.stderr, "--sent or --not-sent") {
		t.Errorf("settle without a finding: exit %d %s", res.code, res.stderr)
	}
	// A name not in doubt stops the command before the other is settled.
	res = runCommand(t, []string{"notices", "settle", fmt.Sprint(doubt.ShipmentID), fresh.TrackingNumber, "--sent"}, false, "", setup)
	if res.code != exitNotFound || !strings.Contains(res.stderr, "not in doubt") {
		t.Errorf("settle a fresh notice: exit %d %s", res.code, res.stderr)
	}
	res = runCommand(t, []string{"notices", "list", "--json"}, false, "", setup)
	if err := json.Unmarshal([]byte(res.stdout), &props); err != nil || len(props) != 2 || props[0].Key != doubt.Key ||
		props[0].State != notices.StateSending {
		t.Fatalf("the notice in doubt was settled by a refused command: %s %v", res.stdout, err)
	}

	res = runCommand(t, []string{"notices", "settle", fmt.Sprint(doubt.ShipmentID), "--sent", "--json"}, false, "", setup)
	var out []struct {
		Key    string `json:"key"`
		State  string `json:"state"`
		Outbox string `json:"outbox_state"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &out); err != nil || res.code != exitOK || len(out) != 1 ||
		out[0].Key != doubt.Key || out[0].State != "sent" || out[0].Outbox != "done" {
		t.Fatalf("settle --sent: %d %q %s %v", res.code, res.stdout, res.stderr, err)
	}
	res = runCommand(t, []string{"notices", "list", "--json"}, false, "", setup)
	if err := json.Unmarshal([]byte(res.stdout), &props); err != nil || len(props) != 1 || props[0].Key != fresh.Key {
		t.Errorf("after settling: %s %v", res.stdout, err)
	}
	if n := len(sb.State().Notices); n != 0 {
		t.Errorf("settling sent %d notices to the site", n)
	}
}
