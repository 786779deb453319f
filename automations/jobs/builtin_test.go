package jobs

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

// TestSyncJobAStoreThatNeedsAPersonDoesNotStopTheOthers runs the built-in
// sync job against three sandbox stores, one of which shows a CAPTCHA on
// every page.
func TestSyncJobAStoreThatNeedsAPersonDoesNotStopTheOthers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	b, err := automations.Launch(ctx, automations.BrowserOptions{Timeout: time.Minute})
	if err != nil {
		t.Fatalf("this test needs Chromium (install the chromium package): %v", err)
	}
	defer b.Close()
	sb, err := sandbox.Start(ctx, sandbox.Options{Seed: 11, Orders: 12, Faults: "amazon.captcha=1"})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	dir := t.TempDir()
	db, err := localdb.Open(ctx, filepath.Join(dir, "s.db"), localdb.WithClock(sb.Now))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	recipes, err := automations.LoadRecipes("")
	if err != nil {
		t.Fatal(err)
	}
	sec := marketplace.NewMemorySecrets()
	for _, account := range []string{"amazon", "ebay", "tiktok"} {
		a := sb.Account(account)
		if _, err := marketplace.AddStoreWithRecipes(ctx, db, sec, recipes, marketplace.StoreSpec{Name: account, Marketplace: a.Site,
			BaseURL: sb.URL(a.Site), Username: a.Username, Recipe: a.Site + "-sandbox", Password: a.Password,
			TOTPSecret: a.TOTPSecret, Demo: true}); err != nil {
			t.Fatalf("add store %s: %v", account, err)
		}
	}
	md := &marketplace.Deps{DB: db, Secrets: sec, Browser: b, Recipes: recipes, EvidenceDir: filepath.Join(dir, "evidence"),
		Now: sb.Now, Retry: automations.RetryPolicy{Attempts: 2, Base: 100 * time.Millisecond}}
	d := Deps{DB: db, Marketplace: func(context.Context) (*marketplace.Deps, error) { return md, nil }}
	job, err := Builtin(d, "sync")
	if err != nil {
		t.Fatal(err)
	}
	r := &Runner{DB: db, LockDir: filepath.Join(dir, "locks"), RetryPause: 10 * time.Millisecond}
	res, err := r.Run(ctx, job)
	if err != nil {
		t.Fatal(err)
	}
	if res.Total != 3 || res.Done != 2 || res.NeedsHuman != 1 {
		t.Fatalf("result %+v", res)
	}
	f := res.Failures[0]
	if f.Item != "store:amazon" || f.Class != string(automations.NeedsHuman) || f.Attempts != 1 {
		t.Errorf("failure %+v", f)
	}
	threads, err := db.ListThreads(ctx, localdb.ThreadFilter{})
	if err != nil || len(threads) == 0 {
		t.Errorf("the other stores synced no threads: %d, %v", len(threads), err)
	}
	for _, th := range threads {
		if th.Marketplace == "amazon" {
			t.Errorf("a thread of the blocked store was stored: %+v", th)
		}
	}
	if _, err := Builtin(d, "dance"); err == nil {
		t.Error("unknown job accepted")
	}
}
