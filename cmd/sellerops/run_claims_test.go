package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"github.com/sellerops/sellerops/automations/testwait"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// claimsNight prepares a night of claim filing against the sandbox's claim
// portals: lost parcels in USD, tracked and drafted, a config that lets
// them be filed unattended, and the portal logins in the environment.
func claimsNight(t *testing.T, faults string, perCarrier int) (*runEnv, *sandbox.Sandbox, map[int64]string) {
	t.Helper()
	if b, err := automations.Launch(context.Background(), automations.BrowserOptions{Timeout: testwait.Budget(t)}); err != nil {
		t.Fatalf("this test needs Chromium (install the chromium package): %v", err)
	} else {
		_ = b.Close() // this browser only: other tests' browsers run in this process too
	}
	ctx, cancel := context.WithCancel(context.Background())
	// The child processes read the real clock, and unattended filing needs a
	// window that is open today: the sandbox's world starts now.
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 21, Faults: faults, Start: time.Now().UTC().Truncate(time.Hour)})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = sb.Close() })
	var cfg strings.Builder
	cfg.WriteString("claims:\n  auto_file: true\n  max_auto_amount: 100000\n  currency: USD\ncarriers:\n")
	for _, c := range sandbox.Carriers {
		fmt.Fprintf(&cfg, "  %s:\n    recipe: %s-sandbox\n    portal_url: %s\n", c, c, sb.URL(c))
	}
	e := newRunEnv(t, cfg.String())
	for _, c := range sandbox.Carriers {
		a := sb.Account(c)
		e.env[secrets.EnvName(claims.PortalUsernameKey(c))] = a.Username
		e.env[secrets.EnvName(claims.PortalPasswordKey(c))] = a.Password
	}
	if err := os.MkdirAll(filepath.Dir(e.db), 0o700); err != nil {
		t.Fatal(err)
	}
	db, err := localdb.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	w := sb.World()
	now := sb.Now()
	count := map[string]int{}
	drafts := map[int64]string{}
	for _, p := range w.Parcels {
		if p.State != sandbox.ParcelLost || p.Currency != "USD" || count[p.Carrier] >= perCarrier {
			continue
		}
		lost := false
		r := localdb.TrackResult{Courier: p.Carrier, TrackingNumber: p.TrackingNumber, Service: p.Service, ShipDate: p.ShipDate,
			Source: localdb.SourceAPI, CheckedAt: now, Tag: string(carriers.InTransit)}
		for _, ev := range p.VisibleEvents(now) {
			te := localdb.TrackingEvent{Time: ev.Time, Tag: string(carriers.InTransit), RawCode: ev.Step, Description: ev.Step}
			if ev.Step == "lost" {
				te.Tag, te.Subtag, lost = string(carriers.Exception), string(carriers.ExceptionLost), true
				r.Tag, r.Subtag = te.Tag, te.Subtag
			}
			r.Events = append(r.Events, te)
		}
		if !lost {
			continue
		}
		o := w.Order(p.OrderID)
		st, err := db.GetStoreByName(ctx, o.StoreID)
		if err != nil {
			if st, err = db.CreateStore(ctx, localdb.Store{Name: o.StoreID, Marketplace: o.Marketplace}); err != nil {
				t.Fatal(err)
			}
		}
		value := o.Value
		ord, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: o.ID, BuyerName: o.Buyer,
			Items: []localdb.OrderItem{{Title: o.Item, Quantity: 1, UnitPrice: value}}, DeclaredValue: value, Currency: o.Currency,
			ShipDate: o.ShipDate, Carrier: p.Carrier, Service: p.Service, TrackingNumber: p.TrackingNumber})
		if err != nil {
			t.Fatal(err)
		}
		r.OrderID = ord.ID
		if _, _, err := db.SaveTrackResult(ctx, r); err != nil {
			t.Fatal(err)
		}
		d, err := claims.Draft(ctx, claims.Deps{DB: db, Now: sb.Now, DataDir: filepath.Dir(e.db)}, p.TrackingNumber, localdb.ClaimLost)
		if err != nil {
			t.Fatalf("draft %s: %v", p.TrackingNumber, err)
		}
		if now.Before(d.WindowOpens) || (!d.WindowCloses.IsZero() && now.After(d.WindowCloses)) {
			// Outside its window the night leaves it alone; keep the test
			// to the claims it files.
			if _, err := db.SetClaimState(ctx, d.ID, localdb.ClaimCancelled); err != nil {
				t.Fatal(err)
			}
			continue
		}
		drafts[d.ID] = p.TrackingNumber
		count[p.Carrier]++
	}
	if len(drafts) < 3 {
		t.Fatalf("the sandbox gave only %d lost USD parcels", len(drafts))
	}
	return e, sb, drafts
}

func TestNightlyClaimFilingKilledAndResumedFilesEachClaimOnce(t *testing.T) {
	t.Parallel()
	e, sb, drafts := claimsNight(t, "latency=60ms,5xx=0.05", 1)
	ctx := context.Background()
	first, _, firstErr := e.child(t, "run", "claims-file")
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it while a later claim is being filed: the first is done and
	// another's intent is in flight (its form is being filled in or sent).
	deadline := testwait.Deadline(t)
	killed := false
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		if n := len(readFinishedQuiet(e.log)); n >= 1 && n < len(drafts) && inFlight(e.db) > 0 {
			if err := first.Process.Signal(syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			killed = true
			break
		}
	}
	_ = first.Wait()
	if !killed {
		t.Fatalf("the first run never got going, or finished too fast: %s", firstErr)
	}
	second, secondOut, secondErr := e.child(t, "run", "claims-file", "--json")
	code := exitOf(t, second.Run())
	if code != exitOK && code != exitSomeFailed {
		t.Fatalf("resume exited %d: %s", code, secondErr)
	}
	var results []jobs.Result
	if err := json.Unmarshal(secondOut.Bytes(), &results); err != nil || len(results) != 1 {
		t.Fatalf("resume output %q: %v", secondOut, err)
	}
	res := results[0]
	if !res.Resumed || res.Total != len(drafts) || res.Pending != 0 {
		t.Fatalf("resumed run %+v", res)
	}
	db, err := localdb.Open(ctx, e.db)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items, err := db.ListRunItems(ctx, res.RunID)
	if err != nil {
		t.Fatal(err)
	}
	state := sb.State()
	for _, it := range items {
		var id int64
		if _, err := fmt.Sscanf(it.ItemKey, "claim:%d", &id); err != nil {
			t.Fatalf("item key %q", it.ItemKey)
		}
		number, ok := drafts[id]
		if !ok {
			t.Errorf("item %s is not one of the drafts", it.ItemKey)
			continue
		}
		filed := len(state.Claims[number])
		switch it.State {
		case localdb.ItemDone:
			c, err := db.GetClaim(ctx, id)
			if err != nil || c.ConfirmationNumber == "" {
				t.Errorf("claim %d done without a confirmation number: %+v %v", id, c, err)
			}
			if filed != 1 {
				t.Errorf("claim %d (%s) is on the portal %d times, want once", id, number, filed)
			}
		case localdb.ItemFailed, localdb.ItemNeedsHuman:
			if it.FailureClass == "" {
				t.Errorf("item %s ended %s without a class", it.ItemKey, it.State)
			}
			if filed > 1 {
				t.Errorf("claim %d (%s) is on the portal %d times", id, number, filed)
			}
		default:
			t.Errorf("item %s left %s", it.ItemKey, it.State)
		}
	}
	for number, list := range state.Claims {
		if len(list) > 1 {
			t.Errorf("parcel %s was claimed %d times", number, len(list))
		}
	}
	doneBy := map[string]int{}
	for _, l := range readFinished(t, e.log) {
		if l.Run == res.RunID && l.State == string(localdb.ItemDone) {
			doneBy[l.Item]++
		}
	}
	for k, n := range doneBy {
		if n != 1 {
			t.Errorf("item %s finished done %d times", k, n)
		}
	}
	if res.Done == 0 {
		t.Errorf("no claim filed: %+v", res)
	}
	t.Logf("%d drafts; resumed run %d: %d done, %d failed, %d put back", len(drafts), res.RunID, res.Done, res.Failed, res.Reset)
}

// inFlight counts the outbox intents in flight in the database at path, or
// -1 when it cannot be read yet.
func inFlight(path string) int {
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro&_pragma=busy_timeout(5000)")
	if err != nil {
		return -1
	}
	defer db.Close()
	n := -1
	if err := db.QueryRow(`SELECT count(*) FROM outbox WHERE state = 'in_flight'`).Scan(&n); err != nil {
		return -1
	}
	return n
}
