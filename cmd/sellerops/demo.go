package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/automations/jobs"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/tracking"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
	"github.com/sellerops/sellerops/localdb/secrets"
)

type demoOptions struct {
	NoTUI  bool
	Addr   string
	Seed   int64
	Orders int
	Faults string
	Drafts int
	Start  string
	// Keep goes on from the last demo: its database and files, and the
	// sandbox's clock and what was done to it.
	Keep bool
	// set says which flags were given, so that --keep can tell a flag that
	// contradicts the kept world from a default.
	set func(name string) bool
}

// demoSummary is what `demo --no-tui --json` prints.
type demoSummary struct {
	Database    string            `json:"database"`
	Sites       map[string]string `json:"sites"`
	Stores      int               `json:"stores"`
	NewThreads  int               `json:"new_threads"`
	NewMessages int               `json:"new_messages"`
	Overdue     int               `json:"overdue"`
	SyncFailed  int               `json:"sync_failed_stores"`
	// Parcels counts the parcels stored after the run; NotFinal those the
	// track job took on (every parcel not delivered or returned yet), of
	// which Tracked were looked up and TrackFailed failed.
	Parcels     int             `json:"parcels"`
	NotFinal    int             `json:"parcels_not_final"`
	Tracked     int             `json:"tracked"`
	TrackFailed int             `json:"track_failed"`
	ByTag       map[string]int  `json:"parcels_by_tag"`
	Candidates  []demoCandidate `json:"claim_candidates"`
	Drafts      int             `json:"claims_drafted"`
	// Notices is how many delay notices the product proposes after the
	// tracking: they wait for `notices send`, as they would for a person.
	Notices int `json:"delay_notices_proposed"`
	// Mail says whether the demo has an email store (Dovecot installed and
	// started) and, when not, why.
	Mail string `json:"mail"`
}

type demoCandidate struct {
	Number   string `json:"tracking_number"`
	Courier  string `json:"courier"`
	Kind     string `json:"kind"`
	Closes   string `json:"window_closes"`
	DaysLeft int    `json:"days_left"`
	// Window is the claim window's state (open, not_yet_open, closed; ""
	// when no rule applies), so that a closed window is not read as a
	// deadline today.
	Window string `json:"window"`
	Reason string `json:"reason"`
}

func newDemoCmd(f *factory) *cobra.Command {
	opts := demoOptions{Addr: "127.0.0.1:0", Seed: 1, Orders: 60, Drafts: 3}
	var jf jsonFlags
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Run sellerops on the built-in sandbox: sync, track, find claims, open the dashboard",
		Long: strings.TrimSpace(`
Start the sandbox in this process, connect its three marketplace stores (demo
credentials, held in memory only and never written anywhere), sync their buyer
messages, track their parcels, find claim candidates and draft a few claims,
then open the dashboard. With --no-tui it prints a summary and exits instead.

The demo keeps everything in a folder of its own, demo/ in the data dir (or
the folder of the file named by --db, which must be empty or an earlier
demo's; SELLEROPS_DB, your own database, is not used): its database,
evidence, attachments, claims, locks, logs and reports. Each run starts from a clean world; --keep goes on from the last run
instead, with its database and the sandbox's clock, replies and claims. Later
commands can read it offline:

  sellerops --db "$(sellerops demo --no-tui --json --jq .database)" messages list --overdue

Its stores are marked demo; your own stores and data are never touched.`),
		Example: "  sellerops demo\n  sellerops demo --no-tui\n  sellerops demo --keep\n  sellerops demo --faults 'latency=100ms,5xx=0.05'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.set = func(name string) bool { return cmd.Flags().Changed(name) }
			return demoRun(cmd.Context(), f, &opts, &jf)
		},
	}
	cmd.Flags().BoolVar(&opts.NoTUI, "no-tui", false, "Print a summary instead of opening the dashboard")
	cmd.Flags().StringVar(&opts.Addr, "addr", opts.Addr, "Loopback `host:port` for the sandbox's first site (port 0 picks free ports)")
	cmd.Flags().Int64Var(&opts.Seed, "seed", opts.Seed, "Seed of the sandbox world")
	cmd.Flags().IntVar(&opts.Orders, "orders", opts.Orders, "Orders and buyer threads per demo store")
	cmd.Flags().StringVar(&opts.Faults, "faults", "", "Sandbox fault `spec`, such as 'latency=100ms,5xx=0.05'")
	cmd.Flags().IntVar(&opts.Drafts, "drafts", opts.Drafts, "How many claim candidates to draft")
	cmd.Flags().StringVar(&opts.Start, "start", "", "Start the sandbox clock at this `date` (2026-03-04, 09:00 UTC) or RFC 3339 time; default: now")
	cmd.Flags().BoolVar(&opts.Keep, "keep", false, "Go on from the last demo (its data and the sandbox's state) instead of a clean world")
	addJSONFlags(cmd, &jf)
	return cmd
}

// demoWorld is a running sandbox with the product pointed at it.
type demoWorld struct {
	sb  *sandbox.Sandbox
	mem *marketplace.MemorySecrets
}

func demoRun(ctx context.Context, f *factory, opts *demoOptions, jf *jsonFlags) error {
	if opts.Orders < 1 || opts.Orders > 5000 {
		return usageErrorf("--orders %d: give a number from 1 to 5000", opts.Orders)
	}
	if opts.Drafts < 0 {
		return usageErrorf("--drafts %d: give 0 or more", opts.Drafts)
	}
	if jf.enabled() && !opts.NoTUI {
		return usageErrorf("--json goes with --no-tui")
	}
	// Every flag is checked before the last demo's folder is touched.
	var so sandbox.Options
	if err := so.SetAddr(opts.Addr); err != nil {
		return usageErrorf("--addr: %v", err)
	}
	if _, err := sandbox.ParseFaults(opts.Faults); err != nil {
		return badInput(fmt.Errorf("--faults: %v", err))
	}
	// The world is laid out around the present (or --start), so that reply
	// deadlines and claim windows read true against the real clock. A kept
	// world keeps its own seed, size and start.
	start, err := sandboxStart(f, opts.Start)
	if err != nil {
		return err
	}
	dir, dbPath, err := demoPaths(f)
	if err != nil {
		return err
	}
	saved, err := prepareDemoDir(ctx, dir, dbPath, opts.Keep)
	if err != nil {
		return err
	}
	if saved != nil {
		for flag, differs := range map[string]bool{"seed": saved.Seed != opts.Seed, "orders": saved.Orders != opts.Orders, "start": opts.Start != ""} {
			if differs && opts.set != nil && opts.set(flag) {
				return usageErrorf("--%s with --keep: the kept world has seed %d, %d orders per store and started %s; leave --%s out, or drop --keep for a new world",
					flag, saved.Seed, saved.Orders, saved.Start.Format(time.RFC3339), flag)
			}
		}
		opts.Seed, opts.Orders, start = saved.Seed, saved.Orders, saved.Start
	}
	so.Seed, so.Faults, so.Orders, so.Start = opts.Seed, opts.Faults, opts.Orders, start
	f.Opts.DBPath = dbPath
	// The demo's log is in its folder too, whatever SELLEROPS_LOG says for
	// the user's own runs.
	getenv := f.Getenv
	f.Getenv = func(k string) string {
		if k == "SELLEROPS_LOG" {
			return filepath.Join(dir, "logs", "sellerops.log")
		}
		return getenv(k)
	}

	progress := func(format string, args ...any) {
		if !jf.enabled() || f.IO.IsStderrTTY() {
			fmt.Fprintf(f.IO.ErrOut, format+"\n", args...)
		}
	}
	progress("starting the sandbox (seed %d)", opts.Seed)
	sb, err := sandbox.Start(ctx, so)
	if err != nil {
		return fmt.Errorf("start the sandbox: %w", err)
	}
	defer sb.Close()
	if saved != nil {
		if err := sb.Restore(*saved); err != nil {
			return badInput(fmt.Errorf("%s: %w", filepath.Join(dir, demoSandboxFile), err))
		}
	}
	// Whatever ends the demo, the sandbox's state is left for --keep.
	defer func() {
		if err := saveDemoSandbox(dir, sb); err != nil {
			fmt.Fprintf(f.IO.ErrOut, "warning: the sandbox's state was not saved for --keep: %v\n", err)
		}
	}()
	w := &demoWorld{sb: sb, mem: marketplace.NewMemorySecrets()}
	if err := w.pointFactory(ctx, f); err != nil {
		return err
	}
	mailNote, stopMail, err := w.startDemoMail(ctx, f, opts.Seed, opts.Orders)
	if err != nil {
		return err
	}
	defer stopMail()
	progress("%s", mailNote)
	sum, err := w.firstPass(ctx, f, opts, progress)
	if err != nil {
		return err
	}
	sum.Mail = mailNote
	if opts.NoTUI {
		return printDemoSummary(f, sum, jf)
	}
	progress("opening the dashboard (q quits)")
	return dashboardRun(ctx, f, true)
}

// pointFactory makes every later step of this process use the sandbox: its
// URLs in the config, its demo credentials in memory, demo stores in the
// database.
func (w *demoWorld) pointFactory(ctx context.Context, f *factory) error {
	cfg := config.Defaults()
	if loaded, err := f.Config(); err == nil {
		copied := *loaded
		cfg = &copied
	}
	cfg.Carriers = sandboxCarriers(w.sb)
	// Translations come from the sandbox's translate site, offline.
	cfg.Translation = sandboxTranslation(w.sb)
	f.mu.Lock()
	f.cfg = cfg
	f.secretsS = secrets.Tracking{Store: w.mem, R: f.redactor}
	f.mu.Unlock()

	sec := f.Secrets()
	if err := setSandboxSecrets(ctx, sec, w.sb); err != nil {
		return err
	}
	db, err := f.DB(ctx)
	if err != nil {
		return err
	}
	for _, m := range marketplace.Marketplaces {
		a := w.sb.Account(m)
		name := "demo-" + m
		spec := marketplace.StoreSpec{Name: name, Marketplace: m, BaseURL: w.sb.URL(m), Username: a.Username,
			Recipe: m + "-sandbox", Password: a.Password, TOTPSecret: a.TOTPSecret, Demo: true}
		existing, err := db.GetStoreByName(ctx, name)
		switch {
		case errors.Is(err, localdb.ErrNotFound):
			if _, err := marketplace.AddStore(ctx, db, sec, spec); err != nil {
				return fmt.Errorf("register demo store %s: %w", name, err)
			}
		case err != nil:
			return err
		case !existing.Demo:
			return badInput(fmt.Errorf("store %q in %s is not a demo store; run the demo in a folder of its own (leave --db out)", name, db.Path()))
		default:
			// A new sandbox listens on new ports: point the kept demo store at it.
			existing.BaseURL = spec.BaseURL
			existing.Username = spec.Username
			if _, err := db.UpdateStore(ctx, existing); err != nil {
				return err
			}
			if err := sec.Set(ctx, secrets.StorePasswordKey(name), spec.Password); err != nil {
				return err
			}
			if err := sec.Set(ctx, secrets.StoreTOTPKey(name), spec.TOTPSecret); err != nil {
				return err
			}
		}
	}
	return w.addDemoAPIStore(ctx, f, db, sec)
}

// demoAPIStore is the demo's store reached through the SP-API stand-in:
// the sandbox's Amazon seller, whose orders come through searchOrders.
const demoAPIStore = "demo-amazon-api"

// addDemoAPIStore registers, or points at this sandbox, the demo's API
// store; its credentials live in the demo's memory only.
func (w *demoWorld) addDemoAPIStore(ctx context.Context, f *factory, db *localdb.DB, sec secrets.Store) error {
	c := w.sb.SPAPIFor("amazon")
	spec := marketplace.APISpec{Marketplace: c.MarketplaceID, Endpoint: w.sb.URL("amazon"), TokenURL: w.sb.URL("amazon") + "/auth/o2/token",
		ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken, Demo: true}
	deps := &marketplace.Deps{DB: db, Secrets: sec, Recipes: f.Recipes(), Now: f.Now}
	existing, err := db.GetStoreByName(ctx, demoAPIStore)
	switch {
	case errors.Is(err, localdb.ErrNotFound):
		if _, _, err := marketplace.AddAPIStore(ctx, deps, demoAPIStore, "amazon", nil, spec); err != nil {
			return fmt.Errorf("register demo store %s: %w", demoAPIStore, err)
		}
		return nil
	case err != nil:
		return err
	case !existing.Demo:
		return badInput(fmt.Errorf("store %q in %s is not a demo store; run the demo in a folder of its own (leave --db out)", demoAPIStore, db.Path()))
	}
	// A new sandbox listens on new ports, and the credentials were in the
	// last demo's memory: point the kept store at this one.
	_, _, err = marketplace.UpdateAPIStore(ctx, deps, demoAPIStore, marketplace.APIUpdate{Spec: spec, NewKeys: true})
	return err
}

// setSandboxSecrets puts the sandbox carriers' demo keys and portal logins,
// and its translate site's key, into sec under the names the carrier and
// translation clients read.
func setSandboxSecrets(ctx context.Context, sec secrets.Store, sb *sandbox.Sandbox) error {
	if err := sec.Set(ctx, secrets.TranslationKey("deepl"), sb.Account(sandbox.TranslateSite).APIKey); err != nil {
		return err
	}
	for _, c := range config.CarrierNames {
		a := sb.Account(c)
		for key, v := range map[string]string{
			"client_id": a.ClientID, "client_secret": a.ClientSecret, "api_key": a.APIKey,
			"portal_username": a.Username, "portal_password": a.Password,
		} {
			if v == "" {
				continue
			}
			if err := sec.Set(ctx, secrets.CarrierKey(c, key), v); err != nil {
				return err
			}
		}
	}
	return nil
}

// firstPass syncs, tracks, and finds claim candidates, with progress on stderr.
func (w *demoWorld) firstPass(ctx context.Context, f *factory, opts *demoOptions, progress func(string, ...any)) (demoSummary, error) {
	sum := demoSummary{Sites: map[string]string{}, ByTag: map[string]int{}}
	for _, s := range w.sb.Sites() {
		sum.Sites[s.Name] = s.URL
	}
	mdeps, err := marketplaceDeps(ctx, f, true)
	if err != nil {
		return sum, err
	}
	sum.Database = mdeps.DB.Path()
	// The demo's sync and lookups are runs of the sync and track jobs, the
	// same records `sellerops run` and the dashboard leave.
	jd, err := runJobDeps(ctx, f, nil)
	if err != nil {
		return sum, err
	}
	runner := newRunner(f, mdeps.DB, nil)
	jd.Marketplace = func(context.Context) (*marketplace.Deps, error) { return mdeps, nil }
	jd.SyncProgress = func(p marketplace.Progress) {
		if p.Phase == "done" || p.Phase == "failed" || p.Phase == "login" {
			progress("  %s: %s %d/%d %s", p.Store, p.Phase, p.Done, p.Total, p.Message)
		}
	}
	progress("syncing the demo stores")
	ms, _, err := jobs.Sync(ctx, runner, jd)
	if err != nil {
		return sum, fmt.Errorf("sync: %w", err)
	}
	sum.Stores, sum.NewThreads, sum.NewMessages, sum.Overdue, sum.SyncFailed = len(ms.Stores), ms.NewThreads, ms.NewMessages, ms.Overdue, ms.StoreErrors

	// The track job itself gives every synced order its parcel and picks
	// the parcels that are not final yet: the demo only watches it.
	tdeps, err := trackingDeps(ctx, f)
	if err != nil {
		return sum, err
	}
	progress("tracking every parcel that is not final yet")
	jd.Tracking = func(context.Context) (tracking.Deps, error) { return tdeps, nil }
	jd.TrackFresh = true
	jd.TrackProgress = func(l tracking.Line) {
		if l.Error != nil {
			sum.TrackFailed++
			return
		}
		sum.Tracked++
		sum.ByTag[l.Tag]++
		if f.IO.IsStderrTTY() && (sum.Tracked+sum.TrackFailed)%25 == 0 {
			progress("  %d tracked", sum.Tracked+sum.TrackFailed)
		}
	}
	tr, err := jobs.Track(ctx, runner, jd)
	if err != nil {
		return sum, fmt.Errorf("track: %w", err)
	}
	sum.NotFinal = tr.Total
	stored, err := mdeps.DB.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		return sum, fmt.Errorf("count parcels: %w", err)
	}
	sum.Parcels = len(stored)
	if err := ctx.Err(); err != nil {
		return sum, err
	}

	cdeps, err := claimsDeps(ctx, f)
	if err != nil {
		return sum, err
	}
	now := f.Now()
	cands, err := claims.Candidates(ctx, cdeps.Deps, now)
	if err != nil {
		return sum, fmt.Errorf("claim candidates: %w", err)
	}
	for _, c := range cands {
		sum.Candidates = append(sum.Candidates, demoCandidateOf(c))
	}
	drafted := 0
	for _, c := range cands {
		if drafted >= opts.Drafts {
			break
		}
		if c.Window.State != "open" || c.ClaimID != 0 {
			continue
		}
		if _, err := claims.Draft(ctx, cdeps.Deps, c.TrackingNumber, c.Kind); err != nil {
			if errors.Is(err, localdb.ErrConflict) {
				continue // drafted by an earlier demo run
			}
			progress("  could not draft a claim for %s: %v", c.TrackingNumber, err)
			continue
		}
		drafted++
	}
	sum.Drafts = drafted
	progress("%d claim candidates, %d drafted", len(cands), drafted)
	props, err := proposeNotices(ctx, f)
	if err != nil {
		return sum, fmt.Errorf("delay notices: %w", err)
	}
	sum.Notices = len(props)
	progress("%d delay notices proposed", len(props))
	return sum, nil
}

func printDemoSummary(f *factory, sum demoSummary, jf *jsonFlags) error {
	if jf.enabled() {
		return writeJSON(f.IO.Out, sum, jf.JQ)
	}
	out := f.IO.Out
	fmt.Fprintf(out, "demo database: %s\n", sum.Database)
	fmt.Fprintf(out, "stores: %d synced (%d failed): %d new threads, %d new messages, %d overdue\n",
		sum.Stores, sum.SyncFailed, sum.NewThreads, sum.NewMessages, sum.Overdue)
	var tags []string
	for _, tag := range []string{"InfoReceived", "InTransit", "OutForDelivery", "AttemptFail", "Delivered", "AvailableForPickup", "Exception", "Expired", "Pending"} {
		if n := sum.ByTag[tag]; n > 0 {
			tags = append(tags, fmt.Sprintf("%s %d", tag, n))
		}
	}
	fmt.Fprintf(out, "parcels: %d of %d not yet final tracked, %d failed (%d stored): %s\n",
		sum.Tracked, sum.NotFinal, sum.TrackFailed, sum.Parcels, strings.Join(tags, ", "))
	fmt.Fprintf(out, "%s\n", sum.Mail)
	fmt.Fprintf(out, "claim candidates: %d (%d drafted)\n", len(sum.Candidates), sum.Drafts)
	t := newTable(out, f.IO.IsStdoutTTY(), "PARCEL", "CARRIER", "KIND", "CLOSES", "DAYS LEFT", "WINDOW", "WHY")
	for _, c := range sum.Candidates {
		left, window := fmt.Sprint(c.DaysLeft), c.Window
		switch window {
		case claims.WindowClosed:
			left = "-"
		case "":
			left, window = "-", "unknown"
		}
		t.row(c.Number, c.Courier, c.Kind, c.Closes, left, window, c.Reason)
	}
	t.flush()
	fmt.Fprintf(out, "delay notices proposed: %d (see them: sellerops --db %s notices list --text)\n", sum.Notices, shellQuote(sum.Database))
	fmt.Fprintf(out, "read it later: sellerops --db %s messages list --overdue\n", shellQuote(sum.Database))
	return nil
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " '\"$`\\") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func demoCandidateOf(c claims.Candidate) demoCandidate {
	closes := "-"
	if !c.Window.Closes.IsZero() {
		closes = c.Window.Closes.Format("2006-01-02")
	}
	return demoCandidate{Number: c.TrackingNumber, Courier: c.Courier, Kind: string(c.Kind),
		Closes: closes, DaysLeft: c.Window.DaysLeft, Window: c.Window.State, Reason: strings.Join(c.Reasons, "; ")}
}

// The demo's folder: a marker says it is one, so that a clean start only
// ever removes a folder the demo made.
const (
	demoMarker      = ".sellerops-demo"
	demoSandboxFile = "sandbox.json"
)

// demoPaths are the demo's folder and database: demo/sellerops.db in the
// data dir, or the file --db names and its folder. SELLEROPS_DB is not
// read: it names the user's own database, which the demo never touches.
func demoPaths(f *factory) (dir, db string, err error) {
	if p := f.Opts.DBPath; p != "" {
		db, err = filepath.Abs(p)
		return filepath.Dir(db), db, err
	}
	data, err := localdb.DataDirEnv(f.Getenv)
	if err != nil {
		return "", "", fmt.Errorf("%w: %v (pass --db)", errDatabase, err)
	}
	dir = filepath.Join(data, "demo")
	return dir, filepath.Join(dir, "sellerops.db"), nil
}

// prepareDemoDir makes dir ready for a demo run: emptied for a clean world,
// or kept with the saved sandbox state for --keep. A folder that holds
// anything but an earlier demo is refused, never emptied.
func prepareDemoDir(ctx context.Context, dir, dbPath string, keep bool) (*sandbox.Saved, error) {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("%w: demo folder %s: %v", errDatabase, dir, err)
	case len(entries) > 0:
		if _, err := os.Stat(filepath.Join(dir, demoMarker)); err != nil {
			return nil, usageErrorf("%s holds files that are not an earlier demo's; the demo keeps everything beside its database, "+
				"so give --db a file in an empty folder (or leave --db out for the demo's own folder)", dir)
		}
		if err := onlyDemoStores(ctx, dbPath); err != nil {
			return nil, err
		}
	}
	var saved *sandbox.Saved
	if keep {
		b, err := os.ReadFile(filepath.Join(dir, demoSandboxFile))
		switch {
		case errors.Is(err, os.ErrNotExist):
			// Nothing kept yet: this run starts the world it will keep.
		case err != nil:
			return nil, err
		default:
			saved = &sandbox.Saved{}
			if err := json.Unmarshal(b, saved); err != nil {
				return nil, badInput(fmt.Errorf("%s: %v; run the demo without --keep for a clean world", filepath.Join(dir, demoSandboxFile), err))
			}
		}
	} else if err := os.RemoveAll(dir); err != nil {
		return nil, fmt.Errorf("clean the demo folder %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: demo folder %s: %v", errDatabase, dir, err)
	}
	if err := os.WriteFile(filepath.Join(dir, demoMarker), []byte("made by sellerops demo; removed by its next run without --keep\n"), 0o600); err != nil {
		return nil, err
	}
	return saved, nil
}

// onlyDemoStores refuses a demo database that a user has added stores of
// their own to: the demo's clean start would delete them.
func onlyDemoStores(ctx context.Context, dbPath string) error {
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := localdb.Open(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	stores, err := db.ListAllStores(ctx)
	if err != nil {
		return err
	}
	for _, st := range stores {
		if !st.Demo {
			return usageErrorf("%s holds store %q, which is not a demo store; the demo will not remove it: "+
				"move that database elsewhere, or give the demo another --db", dbPath, st.Name)
		}
	}
	return nil
}

// saveDemoSandbox writes the sandbox's state beside the demo's database,
// whole or not at all.
func saveDemoSandbox(dir string, sb *sandbox.Sandbox) error {
	b, err := json.MarshalIndent(sb.Save(), "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, demoSandboxFile+".tmp")
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, demoSandboxFile))
}
