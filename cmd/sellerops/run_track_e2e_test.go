package main

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// getSandboxJSON reads one of the control site's inspection documents over
// HTTP, as an outside observer would.
func getSandboxJSON(t *testing.T, sb *sandbox.Sandbox, path string, v any) {
	t.Helper()
	resp, err := http.Get(sb.URL("control") + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// worldTruth is what the sandbox's world says about the synced stores'
// parcels: every shipped order's tracking number, and whether its parcel
// had reached a final state (delivered, or returned to its sender) at a
// moment.
type worldTruth struct {
	Orders []struct {
		Shipped        bool   `json:"shipped"`
		TrackingNumber string `json:"tracking_number"`
		Marketplace    string `json:"marketplace"`
	} `json:"orders"`
	Parcels []struct {
		TrackingNumber string `json:"tracking_number"`
		Events         []struct {
			Time time.Time `json:"time"`
			Step string    `json:"step"`
		} `json:"events"`
	} `json:"parcels"`
}

// finalAt reports, per tracking number, whether the last event the carrier
// showed at now says the parcel arrived or came back.
func (w worldTruth) finalAt(now time.Time) map[string]bool {
	out := map[string]bool{}
	for _, p := range w.Parcels {
		last := ""
		for _, e := range p.Events {
			if !e.Time.After(now) {
				last = e.Step
			}
		}
		out[p.TrackingNumber] = last == "delivered" || last == "returned"
	}
	return out
}

// TestFreshSyncThenRunTrackLooksEveryOpenParcelUpOnce starts from an empty
// database, syncs the sandbox's stores through `sellerops sync` and then
// runs `sellerops run track` twice, and checks the carriers' side: the
// sandbox's count of tracking answers per number. Every stored parcel (each
// a shipped order of the world, TikTok's included; none yet final) is
// looked up exactly once by the first run, and no other number is; after
// the stored results have aged, the second run looks up again exactly those
// the world had not delivered or returned by the first, once each.
func TestFreshSyncThenRunTrackLooksEveryOpenParcelUpOnce(t *testing.T) {
	t.Parallel()
	sb, dir, shared := sandboxEnv(t, 4)
	mem := marketplace.NewMemorySecrets()
	setup := func(f *factory) {
		shared(f)
		f.secretsS = mem
	}
	ctx := context.Background()
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		a := sb.Account(c)
		for key, v := range map[string]string{"client_id": a.ClientID, "client_secret": a.ClientSecret, "api_key": a.APIKey} {
			if v != "" {
				if err := mem.Set(ctx, secrets.CarrierKey(c, key), v); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	cfgPath := filepath.Join(dir, "config", "config.yaml")
	if err := os.Remove(cfgPath); err != nil {
		t.Fatal(err)
	}
	if err := writeSandboxConfig(cfgPath, sb); err != nil {
		t.Fatal(err)
	}
	for _, m := range marketplace.Marketplaces {
		a := sb.Account(m)
		args := []string{"stores", "add", "shop-" + m, "--marketplace", m, "--username", a.Username,
			"--base-url", sb.URL(m), "--recipe", m + "-sandbox", "--password-stdin"}
		stdin := a.Password + "\n"
		if a.TOTPSecret != "" {
			args = append(args, "--totp-secret-stdin")
			stdin += a.TOTPSecret + "\n"
		}
		if res := runCommand(t, args, false, stdin, setup); res.code != exitOK {
			t.Fatalf("stores add %s: exit %d: %s", m, res.code, res.stderr)
		}
	}
	if res := runCommand(t, []string{"sync", "--json"}, false, "", setup); res.code != exitOK {
		t.Fatalf("sync: exit %d: %s", res.code, res.stderr)
	}

	// What sync stored, checked against the world: sync walks every
	// store's order list, so each shipped order of the world has its
	// parcel stored, and no other parcel is.
	var world worldTruth
	getSandboxJSON(t, sb, "/__sandbox/world", &world)
	res := runCommand(t, []string{"shipments", "list", "--json"}, false, "", setup)
	var stored []struct {
		Courier        string `json:"courier"`
		TrackingNumber string `json:"tracking_number"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &stored); err != nil {
		t.Fatalf("shipments list: %v\n%s", err, res.stdout)
	}
	byNumber := map[string]string{}
	for _, o := range world.Orders {
		if o.Shipped && o.TrackingNumber != "" {
			byNumber[o.TrackingNumber] = o.Marketplace
		}
	}
	var want []string
	markets := map[string]int{}
	for _, s := range stored {
		m, ok := byNumber[s.TrackingNumber]
		if !ok {
			t.Errorf("sync stored parcel %s (%s), which no shipped order of the world has", s.TrackingNumber, s.Courier)
			continue
		}
		markets[m]++
		want = append(want, s.TrackingNumber)
	}
	if len(want) != len(byNumber) || markets["tiktok"] == 0 || markets["amazon"] == 0 || markets["ebay"] == 0 {
		t.Fatalf("sync stored %d parcels (%v by marketplace); the world's shipped orders have %d", len(want), markets, len(byNumber))
	}

	runTrack := func() {
		t.Helper()
		res := runCommand(t, []string{"run", "track", "--json"}, false, "", setup)
		if res.code != exitOK {
			t.Fatalf("run track: exit %d: %s\n%s", res.code, res.stderr, res.stdout)
		}
		var results []struct {
			Job   string `json:"job"`
			Total int    `json:"total"`
			Done  int    `json:"done"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &results); err != nil || len(results) != 1 {
			t.Fatalf("run track --json: %v\n%s", err, res.stdout)
		}
	}
	lookups := func() map[string]int {
		t.Helper()
		var st struct {
			Lookups map[string]int `json:"lookups"`
		}
		getSandboxJSON(t, sb, "/__sandbox/state", &st)
		return st.Lookups
	}
	check := func(round string, expect map[string]int) {
		t.Helper()
		got := lookups()
		var bad []string
		for n, w := range expect {
			if got[n] != w {
				bad = append(bad, n+": "+strconv.Itoa(got[n])+" lookups, want "+strconv.Itoa(w))
			}
		}
		for n, g := range got {
			if _, ok := expect[n]; !ok {
				bad = append(bad, n+": "+strconv.Itoa(g)+" lookups of a number that is no stored parcel")
			}
		}
		if len(bad) > 0 {
			slices.Sort(bad)
			t.Fatalf("%s: %d of %d parcels not looked up exactly as often as the world says:\n%s",
				round, len(bad), len(expect), strings.Join(bad, "\n"))
		}
	}

	firstAt := sb.Now()
	runTrack()
	expect := map[string]int{}
	for _, n := range want {
		expect[n] = 1
	}
	check("first run track", expect)

	// Past track_max_age (one hour by default), every parcel that was not
	// final at the first run is due again; the final ones are not.
	sb.Advance(2 * time.Hour)
	final := world.finalAt(firstAt)
	nFinal := 0
	for _, n := range want {
		if final[n] {
			nFinal++
			continue
		}
		expect[n]++
	}
	if nFinal == 0 || nFinal == len(want) {
		t.Fatalf("%d of %d parcels final: the second round would not tell open from final", nFinal, len(want))
	}
	runTrack()
	check("second run track", expect)
}
