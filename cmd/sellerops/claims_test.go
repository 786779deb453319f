package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/claims/filing"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/carriers"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/money"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// withClaimsEnv points a command at a config file and a database, and gives
// it an environment-only secret store with the sandbox's portal logins.
func withClaimsEnv(sb *sandbox.Sandbox, cfgPath, dbPath string) func(*factory) {
	return func(f *factory) {
		getenv := f.Getenv
		f.Getenv = func(k string) string {
			switch {
			case k == "SELLEROPS_CONFIG" && cfgPath != "":
				return cfgPath
			case k == "SELLEROPS_DB" && dbPath != "":
				return dbPath
			}
			return getenv(k)
		}
		env := secrets.Env{Lookup: func(name string) (string, bool) {
			if sb == nil {
				return "", false
			}
			for _, c := range sandbox.Carriers {
				switch name {
				case secrets.EnvName(claims.PortalUsernameKey(c)):
					return sb.Account(c).Username, true
				case secrets.EnvName(claims.PortalPasswordKey(c)):
					return sb.Account(c).Password, true
				}
			}
			return "", false
		}}
		f.secretsS = &secrets.Chain{Keyring: env, Env: env}
	}
}

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestClaimsEmptyListsPrintEmptyJSON(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"claims", "candidates", "--json"},
		{"claims", "candidates", "--closing-within", "7d", "--json"},
		{"claims", "list", "--json"},
		{"claims", "export", "--json"},
	} {
		res := runCommand(t, args, false, "")
		if res.code != exitOK || strings.TrimSpace(res.stdout) != "[]" {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, res.code, res.stdout, res.stderr)
		}
	}
	res := runCommand(t, []string{"claims", "export", "--csv"}, false, "")
	if res.code != exitOK || res.stdout != "carrier,currency,claims,claimed,paid,denied,pending\n" {
		t.Errorf("export --csv: exit %d, %q", res.code, res.stdout)
	}
}

// seedLostParcel stores a UPS parcel the carrier reported lost, shipped
// daysAgo days before now, with its order.
func seedLostParcel(t *testing.T, dbPath, number string, daysAgo int, value int64) {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ship := time.Now().UTC().AddDate(0, 0, -daysAgo)
	st, err := db.GetStoreByName(ctx, "shop")
	if err != nil {
		if st, err = db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: "amazon"}); err != nil {
			t.Fatal(err)
		}
	}
	o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: "ORD-" + number, BuyerName: "Emily Carter",
		Items: []localdb.OrderItem{{Title: "Brass desk lamp", Quantity: 1, UnitPrice: value}}, DeclaredValue: value,
		Currency: "USD", ShipDate: ship, Carrier: "ups", Service: "UPS Ground", TrackingNumber: number})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.SaveTrackResult(ctx, localdb.TrackResult{Courier: "ups", TrackingNumber: number, OrderID: o.ID,
		Service: "UPS Ground", ShipDate: ship, Tag: string(carriers.Exception), Subtag: string(carriers.ExceptionLost),
		Source: localdb.SourceAPI, Events: []localdb.TrackingEvent{
			{Time: ship.Add(2 * time.Hour), Tag: string(carriers.InTransit), Description: "Pickup Scan", Location: "NEWARK US"},
			{Time: ship.Add(72 * time.Hour), Tag: string(carriers.Exception), Subtag: string(carriers.ExceptionLost),
				Description: "We could not locate your package.", Location: "MEMPHIS US"},
		}}); err != nil {
		t.Fatal(err)
	}
}

func TestClaimsCandidatesDraftEditAndRefusals(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "sellerops.db")
	seedLostParcel(t, dbPath, "1Z999AA10123456784", 10, 25000) // UPS lost window: days 1..60
	seedLostParcel(t, dbPath, "1Z999AA10000000026", 55, 4000)  // closes in about 5 days
	cfg := writeConfig(t, "thresholds:\n  claim_alert_days: 7\n")
	env := withClaimsEnv(nil, cfg, dbPath)
	run := func(tty bool, stdin string, args ...string) cmdResult {
		return runCommand(t, args, tty, stdin, env)
	}

	res := run(false, "", "claims", "candidates", "--json")
	var cands []claims.Candidate
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &cands) != nil || len(cands) != 2 {
		t.Fatalf("candidates: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	if cands[0].TrackingNumber != "1Z999AA10000000026" || cands[0].Kind != localdb.ClaimLost || cands[0].Window.State != claims.WindowOpen ||
		cands[0].Window.DaysLeft != 6 || len(cands[0].Reasons) == 0 {
		t.Errorf("soonest candidate: %+v", cands[0])
	}
	for _, args := range [][]string{{"--closing-within", "7d"}, {"--alerts"}} {
		res = run(false, "", append([]string{"claims", "candidates", "--json", "--jq", ".[].tracking_number"}, args...)...)
		if res.code != exitOK || strings.TrimSpace(res.stdout) != "1Z999AA10000000026" {
			t.Errorf("candidates %v: exit %d, %q %s", args, res.code, res.stdout, res.stderr)
		}
	}
	res = run(true, "", "claims", "candidates")
	if res.code != exitOK || !strings.Contains(res.stdout, "DAYS LEFT") || !strings.Contains(res.stdout, "carrier reports the parcel lost") {
		t.Errorf("table: %s", res.stdout)
	}
	if res = run(false, "", "claims", "candidates", "--closing-within", "soon"); res.code != exitUsage {
		t.Errorf("bad duration: exit %d", res.code)
	}

	res = run(false, "", "claims", "draft", "1z999aa1012345 6784", "--json")
	var d claims.Detail
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &d) != nil {
		t.Fatalf("draft: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	if d.Amount != 10000 || d.Currency != "USD" || d.Kind != localdb.ClaimLost || len(d.Evidence) != 2 {
		t.Errorf("draft: amount %d %s, %s, %d evidence (want the 250.00 USD value capped at UPS's 100.00)", d.Amount, d.Currency, d.Kind, len(d.Evidence))
	}
	id := fmt.Sprint(d.ID)
	if res = run(false, "", "claims", "draft", "1Z999AA10123456784"); res.code != exitOK || !strings.Contains(res.stderr, "already has lost claim "+id) {
		t.Errorf("second draft: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "draft", "1Z999AA10000000034"); res.code != exitNotFound || !strings.Contains(res.stderr, "sellerops track") {
		t.Errorf("unknown parcel: exit %d, %s", res.code, res.stderr)
	}

	res = run(false, "", "claims", "edit", id, "--amount", "12.34", "--description", "Lamp lost in Memphis.", "--json")
	if res.code != exitOK || !strings.Contains(res.stdout, `"amount": 1234`) || !strings.Contains(res.stdout, "Lamp lost in Memphis.") {
		t.Errorf("edit: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	// Amounts are plain decimals in the claim's currency (ISO 4217: two
	// decimals for USD); anything else exits 4, names the input and the fix,
	// and changes nothing.
	for _, bad := range []string{"12.345", "1e308", "1e3", "+5", "-5", "1,000", "NaN", "1000000000000"} {
		res = run(false, "", "claims", "edit", id, "--amount", bad)
		if res.code != exitBadInput || !strings.Contains(res.stderr, strconv.Quote(bad)) || !strings.Contains(res.stderr, "such as") {
			t.Errorf("--amount %s: exit %d, %s", bad, res.code, res.stderr)
		}
	}
	if res = run(false, "", "claims", "edit", id, "--amount", "5", "--currency", "XYZ"); res.code != exitBadInput || !strings.Contains(res.stderr, "XYZ") {
		t.Errorf("--currency XYZ: exit %d, %s", res.code, res.stderr)
	}
	// A malformed amount in a named currency is the input's fault, whatever
	// the claim: it is named before the claim is looked up.
	if res = run(false, "", "claims", "edit", "99999", "--amount", "12.345", "--currency", "USD"); res.code != exitBadInput || !strings.Contains(res.stderr, `"12.345"`) {
		t.Errorf("bad amount for a claim that does not exist: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "edit", "99999", "--amount", "12.34"); res.code != exitNotFound {
		t.Errorf("good amount for a claim that does not exist: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "show", id, "--json", "--jq", ".amount"); strings.TrimSpace(res.stdout) != "1234" {
		t.Errorf("after refused edits the amount is %q, want 1234 unchanged", res.stdout)
	}
	// Cleaned of what copying adds (a BOM, full-width digits) before parsing.
	if res = run(false, "", "claims", "edit", id, "--amount", "\uFEFF１２.３４"); res.code != exitOK {
		t.Errorf("--amount with a BOM and full-width digits: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "edit", id); res.code != exitUsage {
		t.Errorf("edit without changes: exit %d", res.code)
	}
	res = run(false, "", "claims", "list", "--state", "draft", "--json", "--jq", ".[] | .tracking_number")
	if res.code != exitOK || strings.TrimSpace(res.stdout) != "1Z999AA10123456784" {
		t.Errorf("list: %q %s", res.stdout, res.stderr)
	}
	if res = run(false, "", "claims", "list", "--state", "lost"); res.code != exitUsage {
		t.Errorf("list --state lost: exit %d", res.code)
	}
	if res = run(false, "", "claims", "show", id); res.code != exitOK || !strings.Contains(res.stdout, "USD 12.34") || !strings.Contains(res.stdout, "tracking_snapshot") {
		t.Errorf("show: %s", res.stdout)
	}
	if res = run(false, "", "claims", "show", "999"); res.code != exitNotFound {
		t.Errorf("show 999: exit %d", res.code)
	}

	// Filing is guarded: no terminal needs --yes, and then the policy.
	if res = run(false, "", "claims", "file", id); res.code != exitUsage || !strings.Contains(res.stderr, "--yes") {
		t.Errorf("file without tty: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "file", id, "--yes"); res.code != exitNeedsHuman || !strings.Contains(res.stderr, "auto_file") {
		t.Errorf("file unattended without policy: exit %d, %s", res.code, res.stderr)
	}
	if res = run(true, "n\n", "claims", "file", id); res.code != exitOK || !strings.Contains(res.stderr, "not filed") {
		t.Errorf("file declined at the prompt: exit %d, %s", res.code, res.stderr)
	}
	res = run(false, "", "claims", "show", id, "--json", "--jq", ".state")
	if strings.TrimSpace(res.stdout) != "draft" {
		t.Errorf("after refusals the claim is %q", res.stdout)
	}
}

// TestClaimsFileStatusExportAgainstSandbox files a claim from the command
// line, unattended under the config's policy, in Chromium against the
// sandbox's portal, then follows it and exports the money.
func TestClaimsFileStatusExportAgainstSandbox(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The command reads the wall clock and files unattended only inside the
	// claim window, so the sandbox's world starts now.
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 9, Orders: 150, Start: time.Now().UTC().Truncate(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	var parcel *sandbox.Parcel
	for _, p := range sb.World().Parcels {
		if p.State == sandbox.ParcelLost && p.Currency == "USD" && p.DeclaredValue < 100_00 &&
			claims.ClaimWindow(nil, p.Carrier, claims.Lane{Origin: p.Origin.Country, Destination: p.Destination.Country, Service: p.Service}, localdb.ClaimLost, p.ShipDate, time.Now()).State == claims.WindowOpen {
			parcel = p
			break
		}
	}
	if parcel == nil {
		t.Fatal("the world has no lost USD parcel under 100 with its claim window open")
	}
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "sellerops.db")
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := db.CreateStore(ctx, localdb.Store{Name: "shop", Marketplace: parcel.Marketplace})
	value := parcel.DeclaredValue
	o, _, err := db.UpsertOrder(ctx, localdb.Order{StoreID: st.ID, MarketplaceOrderID: parcel.OrderID, DeclaredValue: value,
		Currency: parcel.Currency, ShipDate: parcel.ShipDate, Carrier: parcel.Carrier, Service: parcel.Service, TrackingNumber: parcel.TrackingNumber,
		Items: []localdb.OrderItem{{Title: sb.World().Order(parcel.OrderID).Item, Quantity: 1, UnitPrice: value}}})
	if err != nil {
		t.Fatal(err)
	}
	r := localdb.TrackResult{Courier: parcel.Carrier, TrackingNumber: parcel.TrackingNumber, OrderID: o.ID, Service: parcel.Service,
		ShipDate: parcel.ShipDate, Source: localdb.SourceAPI, Tag: string(carriers.Exception), Subtag: string(carriers.ExceptionLost)}
	for _, e := range parcel.VisibleEvents(sb.Now()) {
		r.Events = append(r.Events, localdb.TrackingEvent{Time: e.Time, Tag: string(carriers.InTransit), Description: e.Step, RawCode: e.Step})
	}
	if _, _, err := db.SaveTrackResult(ctx, r); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cfg := writeConfig(t, fmt.Sprintf("carriers:\n  %s:\n    recipe: %s-sandbox\n    portal_url: %s\nclaims:\n  auto_file: true\n  max_auto_amount: 100\n  currency: USD\n",
		parcel.Carrier, parcel.Carrier, sb.URL(parcel.Carrier)))
	env := withClaimsEnv(sb, cfg, dbPath)
	res := runCommand(t, []string{"claims", "draft", parcel.TrackingNumber, "--kind", "lost", "--json", "--jq", ".id"}, false, "", env)
	if res.code != exitOK {
		t.Fatalf("draft: exit %d, %s", res.code, res.stderr)
	}
	id := strings.TrimSpace(res.stdout)
	res = runCommand(t, []string{"claims", "file", id, "--yes", "--json"}, false, "", env)
	var fr filing.Result
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &fr) != nil || fr.Confirmation == "" {
		t.Fatalf("file: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	portal := sb.State().Claims[parcel.TrackingNumber]
	if len(portal) != 1 || portal[0].Number != fr.Confirmation {
		t.Fatalf("portal claims %+v, recorded %s", portal, fr.Confirmation)
	}
	if !strings.Contains(res.stderr, "searching the "+parcel.Carrier+" portal") {
		t.Errorf("no progress on stderr: %s", res.stderr)
	}
	res = runCommand(t, []string{"claims", "file", id, "--yes"}, false, "", env)
	if res.code != exitOK || !strings.Contains(res.stdout, "already filed: "+fr.Confirmation) || len(sb.State().Claims[parcel.TrackingNumber]) != 1 {
		t.Errorf("second file: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	sb.Advance(10 * 24 * time.Hour)
	res = runCommand(t, []string{"claims", "status", "--json"}, false, "", env)
	var changes []filing.StatusChange
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &changes) != nil || len(changes) != 1 {
		t.Fatalf("status: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	want := map[string]localdb.ClaimState{"paid": localdb.ClaimPaid, "denied": localdb.ClaimDenied}[sb.State().Claims[parcel.TrackingNumber][0].Status]
	if changes[0].To != want || !changes[0].Changed {
		t.Errorf("status change %+v, portal says %s", changes[0], sb.State().Claims[parcel.TrackingNumber][0].Status)
	}
	res = runCommand(t, []string{"claims", "export", "--csv"}, false, "", env)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	if res.code != exitOK || len(lines) != 2 || !strings.HasPrefix(lines[1], parcel.Carrier+",USD,1,"+money.FormatDecimal(value, "USD")+",") {
		t.Errorf("export: exit %d\n%s", res.code, res.stdout)
	}
}

// TestClaimsFileRefusesIncompleteClaim: an evidence file gone from disk and
// a claim that asks for no money exit 4 with the fix, before any browser or
// portal, and the claim stays a draft that `claims show` explains.
func TestClaimsFileRefusesIncompleteClaim(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "data", "sellerops.db")
	seedLostParcel(t, dbPath, "1Z999AA10123456784", 10, 25000)
	env := withClaimsEnv(nil, writeConfig(t, ""), dbPath)
	run := func(tty bool, stdin string, args ...string) cmdResult {
		return runCommand(t, args, tty, stdin, env)
	}
	res := run(false, "", "claims", "draft", "1Z999AA10123456784", "--json")
	var d claims.Detail
	if res.code != exitOK || json.Unmarshal([]byte(res.stdout), &d) != nil {
		t.Fatalf("draft: exit %d, %s %s", res.code, res.stdout, res.stderr)
	}
	id := fmt.Sprint(d.ID)
	var invoice localdb.ClaimEvidence
	for _, e := range d.Evidence {
		if e.Kind == localdb.EvidenceInvoice {
			invoice = e
		}
	}
	if invoice.Path == "" {
		t.Fatalf("the draft has no invoice file: %+v", d.Evidence)
	}
	if err := os.Remove(invoice.Path); err != nil {
		t.Fatal(err)
	}
	res = run(true, "", "claims", "file", id, "--yes")
	if res.code != exitBadInput || !strings.Contains(res.stderr, "missing from disk") || !strings.Contains(res.stderr, fmt.Sprintf("--remove-evidence %d", invoice.ID)) {
		t.Errorf("file with a missing evidence file: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "show", id); !strings.Contains(res.stdout, "Not ready to file:") || !strings.Contains(res.stdout, "missing from disk") {
		t.Errorf("show does not say why the claim cannot be filed:\n%s", res.stdout)
	}
	// An amount of nothing is refused as input; a draft can still come to
	// have none (its order was never synced), which the database stands for.
	if res = run(false, "", "claims", "edit", id, "--amount", "0"); res.code != exitBadInput || !strings.Contains(res.stderr, "no money") {
		t.Errorf("edit --amount 0: exit %d, %s", res.code, res.stderr)
	}
	res = run(false, "", "claims", "edit", id, "--remove-evidence", fmt.Sprint(invoice.ID), "--add-evidence", writeTemp(t, "invoice.pdf", "%PDF-1.4 lamp 250.00 USD"))
	if res.code != exitOK {
		t.Fatalf("edit: exit %d, %s", res.code, res.stderr)
	}
	zeroClaimAmount(t, dbPath, d.ID)
	if res = run(false, "", "claims", "edit", id, "--add-evidence", filepath.Join(dir, "no-such-photo.jpg")); res.code != exitBadInput {
		t.Errorf("edit adding a missing file: exit %d, %s", res.code, res.stderr)
	}
	res = run(true, "", "claims", "file", id, "--yes")
	if res.code != exitBadInput || !strings.Contains(res.stderr, "no money") {
		t.Errorf("file a claim for 0.00: exit %d, %s", res.code, res.stderr)
	}
	if res = run(false, "", "claims", "show", id, "--json", "--jq", ".state"); strings.TrimSpace(res.stdout) != "draft" {
		t.Errorf("after the refusals the claim is %q", res.stdout)
	}
}

func writeTemp(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// zeroClaimAmount clears a draft's amount, as a draft of an order that was
// never synced has it.
func zeroClaimAmount(t *testing.T, dbPath string, id int64) {
	t.Helper()
	ctx := context.Background()
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	c, err := db.GetClaim(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateClaimDraft(ctx, id, localdb.ClaimEdit{Currency: c.Currency, Description: c.Description,
		WindowOpens: c.WindowOpens, WindowCloses: c.WindowCloses, Portal: c.Portal}); err != nil {
		t.Fatal(err)
	}
}
