package tui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	autoclaims "github.com/sellerops/sellerops/automations/claims"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// The large database of the benchmarks: 25,000 threads of 4 messages each
// (100,000 messages) and 50,000 parcels with two events each, built once
// per run of the test binary.
const (
	benchThreads           = 25_000
	benchMessagesPerThread = 4
	benchParcels           = 50_000
)

var (
	benchOnce sync.Once
	benchDir  string
	benchErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// bigDB opens the large database, building it on first use.
func bigDB(b *testing.B) *localdb.DB {
	b.Helper()
	benchOnce.Do(func() {
		benchDir, benchErr = os.MkdirTemp("", "sellerops-tui-bench-")
		if benchErr != nil {
			return
		}
		start := time.Now()
		db, err := localdb.Open(context.Background(), filepath.Join(benchDir, "big.db"), localdb.WithClock(fixture.Clock))
		if err != nil {
			benchErr = err
			return
		}
		fixture.Bulk(b, db, benchThreads, benchMessagesPerThread, benchParcels)
		benchErr = db.Close()
		b.Logf("built %d messages and %d parcels in %s", benchThreads*benchMessagesPerThread, benchParcels, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatalf("build benchmark database: %v", benchErr)
	}
	db, err := localdb.Open(context.Background(), filepath.Join(benchDir, "big.db"), localdb.WithClock(fixture.Clock))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// emptyDB opens a database with no rows: the baseline.
func emptyDB(b *testing.B) *localdb.DB { return fixture.Open(b) }

// benchSizes are the terminal sizes measured: the smallest supported, a
// mid-size one where panes sit beside the lists, and a wide one.
var benchSizes = [][2]int{{80, 24}, {120, 40}, {200, 50}}

// BenchmarkFirstFrame measures the time from New to the first frame drawn
// with data: every view's first query (run one after the other, where
// bubbletea would run them side by side) and the overview's View.
// Target: under 200 ms on the large database.
func BenchmarkFirstFrame(b *testing.B) {
	for _, size := range benchSizes {
		for _, c := range []struct {
			name string
			open func(*testing.B) *localdb.DB
		}{
			{"baseline_empty_db", emptyDB},
			{"100k_messages_50k_parcels", bigDB},
		} {
			benchFirstFrame(b, size, c.name, c.open)
		}
	}
}

func benchFirstFrame(b *testing.B, size [2]int, name string, open func(*testing.B) *localdb.DB) {
	b.Run(fmt.Sprintf("%dx%d/%s", size[0], size[1], name), func(b *testing.B) {
		db := open(b)
		b.ResetTimer()
		for b.Loop() {
			h := startHarness(b, db, fixture.IDs{}, size[0], size[1], nil)
			if h.m.Overview.Data() == nil {
				b.Fatal("overview not loaded")
			}
			_ = h.m.View()
		}
		b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/first-frame")
	})
}

// BenchmarkKeypress measures one key in a list view: Update, any page
// query it triggers (run at once here), and the next View. "down" moves
// one row (a query every screen or so); "pgdown" moves a screen (a query
// every other key). Target: under 16 ms on the large database.
func BenchmarkKeypress(b *testing.B) {
	for _, size := range benchSizes {
		for _, view := range []struct{ name, key string }{{"inbox", "2"}, {"shipments", "3"}} {
			for _, k := range []string{"down", "pgdown"} {
				for _, c := range []struct {
					name string
					open func(*testing.B) *localdb.DB
				}{
					{"baseline_empty_db", emptyDB},
					{"100k_messages_50k_parcels", bigDB},
				} {
					b.Run(fmt.Sprintf("%dx%d/%s_%s/%s", size[0], size[1], view.name, k, c.name), func(b *testing.B) {
						db := c.open(b)
						h := startHarness(b, db, fixture.IDs{}, size[0], size[1], nil)
						h.press(view.key)
						if view.name == "inbox" {
							h.press("t", "t", "t") // every status: the longest list
						}
						msg := keyMsg(k)
						b.ResetTimer()
						for i := 0; b.Loop(); i++ {
							if i%400 == 399 {
								h.press("g") // back to the top, so that the cursor keeps moving
							}
							h.send(msg)
							_ = h.m.View()
						}
						b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/key")
					})
				}
			}
		}
	}
}

// BenchmarkQueries measures the dashboard's page queries on the large
// database, to show where a frame's time goes.
func BenchmarkQueries(b *testing.B) {
	ctx := context.Background()
	db := bigDB(b)
	for _, q := range []struct {
		name string
		run  func() error
	}{
		{"overview", func() error { _, err := db.GetOverview(ctx, localdb.OverviewQuery{}); return err }},
		{"threads_first_page_open", func() error {
			_, err := db.PageThreads(ctx, localdb.ThreadFilter{Statuses: []localdb.ThreadStatus{localdb.StatusOpen}, Limit: 57})
			return err
		}},
		{"threads_first_page_all", func() error { _, err := db.PageThreads(ctx, localdb.ThreadFilter{Limit: 57}); return err }},
		{"threads_offset_5000_all", func() error {
			_, err := db.PageThreads(ctx, localdb.ThreadFilter{Offset: 5000, Limit: 57})
			return err
		}},
		{"shipments_first_page", func() error { _, err := db.PageShipments(ctx, localdb.ShipmentFilter{Limit: 57}); return err }},
		{"shipments_offset_5000", func() error {
			_, err := db.PageShipments(ctx, localdb.ShipmentFilter{Offset: 5000, Limit: 57})
			return err
		}},
		{"claims_first_page", func() error { _, err := db.PageClaims(ctx, localdb.ClaimFilter{Limit: 57}); return err }},
		{"candidates_all", func() error {
			_, err := autoclaims.Candidates(ctx, autoclaims.Deps{DB: db}, fixture.Now)
			return err
		}},
	} {
		b.Run(q.name, func(b *testing.B) {
			for b.Loop() {
				if err := q.run(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N), "ms/query")
		})
	}
}
