package marketplace

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

func TestMarkNoResponseOnAmazonAndLocallyElsewhere(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{}, "")
	ctx := testwait.Context(t)
	e.addStore(t, "amazon")
	e.addStore(t, "ebay")
	if _, err := SyncStores(ctx, e.deps, nil, nil); err != nil {
		t.Fatal(err)
	}
	used := map[int64]bool{}

	th := openThread(t, e, "amazon", used)
	forms := e.sb.State().Requests["amazon.form"]
	res, err := MarkNoResponse(ctx, e.deps, th.ID)
	if err != nil {
		t.Fatalf("amazon: %v", err)
	}
	want := NoResponseResult{ThreadID: th.ID, Store: "amazon", Marketplace: "amazon", MarketplaceThreadID: th.MarketplaceThreadID, OnSite: true}
	if res != want {
		t.Errorf("amazon: result %+v, want %+v", res, want)
	}
	st := e.sb.State()
	if !slices.Contains(st.NoResponse, th.MarketplaceThreadID) || len(st.NoResponse) != 1 {
		t.Errorf("the site marks %v, want [%s]", st.NoResponse, th.MarketplaceThreadID)
	}
	if n := st.Requests["amazon.form"] - forms; n != 1 {
		t.Errorf("the action posted %d forms, want 1", n)
	}
	if got, err := e.deps.DB.GetThread(ctx, th.ID); err != nil || got.Status != localdb.StatusNoResponseNeeded {
		t.Errorf("amazon thread locally: %s %v", got.Status, err)
	}

	// Again: the site already shows it, so nothing is posted.
	forms = e.sb.State().Requests["amazon.form"]
	again, err := MarkNoResponse(ctx, e.deps, th.ID)
	if err != nil {
		t.Fatalf("amazon again: %v", err)
	}
	want.Already = true
	if again != want {
		t.Errorf("amazon again: result %+v, want %+v", again, want)
	}
	if n := e.sb.State().Requests["amazon.form"] - forms; n != 0 {
		t.Errorf("the second call posted %d forms, want none", n)
	}

	// eBay has no such action: local status only, the site is not visited.
	eb := openThread(t, e, "ebay", used)
	pages := e.sb.State().Requests["ebay.page"]
	res, err = MarkNoResponse(ctx, e.deps, eb.ID)
	if err != nil {
		t.Fatalf("ebay: %v", err)
	}
	if res.OnSite || res.Already || res.Marketplace != "ebay" || res.Store != "ebay" || !strings.Contains(res.LocalOnly, "ebay") {
		t.Errorf("ebay: result %+v", res)
	}
	if n := e.sb.State().Requests["ebay.page"] - pages; n != 0 {
		t.Errorf("ebay: %d pages opened for a local-only mark", n)
	}
	if got, err := e.deps.DB.GetThread(ctx, eb.ID); err != nil || got.Status != localdb.StatusNoResponseNeeded {
		t.Errorf("ebay thread locally: %s %v", got.Status, err)
	}

	// An unknown thread names its id.
	if _, err := MarkNoResponse(ctx, e.deps, 987654); !errors.Is(err, ErrInvalidInput) || !strings.Contains(err.Error(), "987654") {
		t.Errorf("unknown thread: %v", err)
	}
}

// The second DOM variant works through the override that names the
// renamed status and button.
func TestMarkNoResponseOnVariant2WithTheOverride(t *testing.T) {
	t.Parallel()
	overrides := t.TempDir()
	if err := os.WriteFile(filepath.Join(overrides, "amazon-sandbox.yaml"), []byte(Variant2Override), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, sandbox.Options{Faults: "amazon.variant=2"}, overrides)
	ctx := testwait.Context(t)
	e.addStore(t, "amazon")
	if _, err := SyncStores(ctx, e.deps, nil, nil); err != nil {
		t.Fatal(err)
	}
	th := openThread(t, e, "amazon", map[int64]bool{})
	res, err := MarkNoResponse(ctx, e.deps, th.ID)
	if err != nil || !res.OnSite || res.Already {
		t.Fatalf("variant 2: %+v %v", res, err)
	}
	if nr := e.sb.State().NoResponse; len(nr) != 1 || nr[0] != th.MarketplaceThreadID {
		t.Errorf("the site marks %v, want [%s]", nr, th.MarketplaceThreadID)
	}
}

// Sign-in failures keep their classes, and neither the site nor the local
// status changes.
func TestMarkNoResponseKeepsLoginFailureClasses(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{}, "")
	ctx := testwait.Context(t)
	e.addStore(t, "amazon")
	if _, err := SyncStores(ctx, e.deps, nil, nil); err != nil {
		t.Fatal(err)
	}
	e.deps.Retry = automations.RetryPolicy{Attempts: 1}
	th := openThread(t, e, "amazon", map[int64]bool{})
	for _, c := range []struct {
		faults string
		want   automations.Class
	}{{"amazon.totp=reject", automations.AuthFailed}, {"amazon.captcha=1", automations.NeedsHuman}} {
		if err := e.sb.SetFaults(c.faults); err != nil {
			t.Fatal(err)
		}
		if err := e.deps.Secrets.Delete(ctx, secrets.StoreSessionKey("amazon")); err != nil && !errors.Is(err, secrets.ErrNotFound) {
			t.Fatal(err)
		}
		_, err := MarkNoResponse(ctx, e.deps, th.ID)
		if got := automations.Classify(err); got != c.want {
			t.Errorf("%s: class %s (%v), want %s", c.faults, got, err, c.want)
		}
		if got, err := e.deps.DB.GetThread(context.Background(), th.ID); err != nil || got.Status != localdb.StatusOpen {
			t.Errorf("%s: the thread is %s locally (%v)", c.faults, got.Status, err)
		}
		if nr := e.sb.State().NoResponse; len(nr) != 0 {
			t.Errorf("%s: the site marks %v", c.faults, nr)
		}
	}
}
