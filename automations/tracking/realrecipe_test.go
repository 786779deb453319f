package tracking

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
)

// upsLikePage mimics what the real-site UPS recipe expects: the status
// first, the activity table only after "View details" is pressed, dates as
// text, and no machine-readable attributes.
const upsLikePage = `<!doctype html><html><head><title>Tracking</title></head><body>
<div id="st_App_PkgStsMonitorRedesign">In Transit</div>
<button id="st_App_View_Details" onclick="setTimeout(show, 150)">View Details</button>
<div id="history"></div>
<script>
function show() {
  document.getElementById('history').innerHTML =
    '<table id="st_App_ShipmentProgress">' +
    '<tr><td>03/01/2026 2:39 PM</td><td>Lyon, France</td><td>Arrived at Facility</td></tr>' +
    '<tr><td>02/28/2026 5:00 AM</td><td>Shenzhen, China</td><td>Departed from Facility</td></tr>' +
    '<tr><td>02/27/2026 7:24 PM</td><td>Shenzhen, China</td><td>Shipper created a label, UPS has not received the package yet.</td></tr>' +
    '</table>';
}
</script></body></html>`

func TestRealSiteRecipeFlowOpensTheHistory(t *testing.T) {
	t.Parallel()
	mux := http.NewServeMux()
	mux.HandleFunc("/track", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("tracknum") != "1Z999AA10123456784" {
			http.Error(w, "wrong number", http.StatusBadRequest)
			return
		}
		fmt.Fprint(w, upsLikePage)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)

	// The embedded real-site recipe, pointed at the local page.
	set, err := automations.LoadRecipes(filepath.Join(t.TempDir(), "none"))
	if err != nil {
		t.Fatal(err)
	}
	b := testBrowser(t)
	deps := Deps{DB: openDB(t), Recipes: set, Web: map[string]WebSite{"ups": {Recipe: "ups", BaseURL: srv.URL}},
		Browser: func(context.Context) (*automations.Browser, error) { return b, nil }}
	lines := track(t, deps, []string{"1Z999AA10123456784"}, Options{Retry: fastRetry(), PageBudget: 15 * time.Second})
	l := lines[0]
	if l.Error != nil {
		t.Fatalf("lookup failed: %s: %s", l.Error.Class, l.Error.Message)
	}
	if len(l.Events) != 3 || l.LastEvent == nil || l.LastEvent.Description != "Arrived at Facility" ||
		!l.LastEvent.Time.Equal(time.Date(2026, 3, 1, 14, 39, 0, 0, time.UTC)) || l.LastEvent.Location != "Lyon, France" {
		t.Fatalf("read %+v with last event %+v", l, l.LastEvent)
	}
	if l.Tag != "InTransit" || l.Subtag != "InTransit_003" {
		t.Errorf("tag %s/%s; want InTransit/InTransit_003 (arrival)", l.Tag, l.Subtag)
	}
}

func TestAccessDeniedWordingIsBlocked(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// served with 200, as some walls do, and without any selector the
		// recipe knows
		fmt.Fprint(w, `<html><head><title>Access Denied</title></head><body><h1>Access Denied</h1>
<p>You don't have permission to access this page on this server.</p></body></html>`)
	}))
	t.Cleanup(srv.Close)
	set, err := automations.LoadRecipes(filepath.Join(t.TempDir(), "none"))
	if err != nil {
		t.Fatal(err)
	}
	b := testBrowser(t)
	deps := Deps{DB: openDB(t), Recipes: set, Web: map[string]WebSite{"ups": {Recipe: "usps", BaseURL: srv.URL}},
		Browser: func(context.Context) (*automations.Browser, error) { return b, nil }}
	lines := track(t, deps, []string{"1Z999AA10123456784"}, Options{Retry: fastRetry(), PageBudget: 5 * time.Second})
	if l := lines[0]; l.Error == nil || l.Error.Class != string(automations.Blocked) || len(l.Events) != 0 {
		t.Fatalf("%+v; want blocked, not an empty timeline", lines[0])
	}
}
