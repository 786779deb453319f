package marketplace

import (
	"context"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/marketplaces/amazon"
)

// amazonRequests counts the requests the sandbox's amazon site answered
// (pages, XHR, logins and API calls; injected faults left out).
func amazonRequests(sb *sandbox.Sandbox) int {
	n := 0
	for k, v := range sb.State().Requests {
		if strings.HasPrefix(k, "amazon.") {
			n += v
		}
	}
	return n
}

// BenchmarkSyncAPIvsBrowser3Stores300 syncs three Amazon stores of 300
// orders and threads each into a fresh database per iteration, once
// through Seller Central's pages (the pooled browser sync, the baseline)
// and once through SP-API alone, at the published usage plans. It reports
// orders stored per second, threads per second (the browser only; the API
// has no buyer messages), the peak memory (Go heap plus Chromium's PSS),
// requests per store per sync, and the 429s the stand-in answered.
func BenchmarkSyncAPIvsBrowser3Stores300(b *testing.B) {
	e := newEnv(b, sandbox.Options{Seed: 3, Stores: 3, Orders: 300}, "")
	names := []string{"amazon", "amazon-2", "amazon-3"}
	for _, mode := range []string{"baseline_browser", "api"} {
		b.Run(mode, func(b *testing.B) {
			var orders, threads, requests, limited int
			var took time.Duration
			var heap, pss float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := localdb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), localdb.WithClock(e.sb.Now))
				if err != nil {
					b.Fatal(err)
				}
				deps := *e.deps
				deps.DB, deps.Secrets = db, NewMemorySecrets()
				deps.EvidenceDir = filepath.Join(b.TempDir(), "evidence")
				deps.AttachmentDir = filepath.Join(b.TempDir(), "attachments")
				var ids []int64
				for _, n := range names {
					var st localdb.Store
					if mode == "api" {
						c := e.sb.SPAPIFor(n)
						st, _, err = AddAPIStore(context.Background(), &deps, n, "amazon", nil, APISpec{Marketplace: c.MarketplaceID,
							Endpoint: e.sb.URL("amazon"), TokenURL: e.sb.URL("amazon") + "/auth/o2/token",
							ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken})
					} else {
						a := e.sb.Account(n)
						st, err = AddStoreWithRecipes(context.Background(), deps.DB, deps.Secrets, deps.Recipes, StoreSpec{Name: n, Marketplace: "amazon",
							BaseURL: e.sb.URL("amazon"), Username: a.Username, Recipe: "amazon-sandbox", Password: a.Password, TOTPSecret: a.TOTPSecret})
					}
					if err != nil {
						b.Fatal(err)
					}
					ids = append(ids, st.ID)
				}
				if mode == "api" {
					deps.Browser = nil
				}
				runtime.GC()
				sampler := samplePeaks(e.deps.Browser)
				before, limitedBefore := amazonRequests(e.sb), e.sb.State().Requests["api.amazon.rate_limited"]
				b.StartTimer()
				start := time.Now()
				sum, err := SyncStoresWith(context.Background(), &deps, nil, SyncOptions{Parallel: 3, Batch: 12}, nil)
				took += time.Since(start)
				b.StopTimer()
				h, p := sampler.finish()
				if mode == "api" {
					p = 0 // the browser idles: it is not this sync's
				}
				heap, pss = max(heap, h), max(pss, p)
				if err != nil {
					b.Fatal(err)
				}
				if sum.StoreErrors != 0 || sum.Failed != 0 {
					b.Fatalf("sync failed: %+v", sum)
				}
				requests += amazonRequests(e.sb) - before
				limited += e.sb.State().Requests["api.amazon.rate_limited"] - limitedBefore
				threads += sum.NewThreads
				for _, id := range ids {
					os, err := db.ListOrders(context.Background(), id)
					if err != nil {
						b.Fatal(err)
					}
					orders += len(os)
				}
				_ = db.Close()
			}
			b.ReportMetric(float64(orders)/took.Seconds(), "orders/s")
			b.ReportMetric(float64(threads)/took.Seconds(), "threads/s")
			b.ReportMetric(float64(orders)/float64(b.N*len(names)), "orders/store")
			b.ReportMetric(float64(requests)/float64(b.N*len(names)), "requests/store")
			b.ReportMetric(float64(limited)/float64(b.N), "429s/sync")
			b.ReportMetric(heap+pss, "peak-MB")
		})
	}
}

// BenchmarkSPAPIRateAdherence calls getMessagingActionsForOrder, whose
// published plan is 1 request a second with a burst of 5 (messaging.json),
// 15 times as fast as the client lets it against the stand-in that
// enforces the same plan. It reports the sustained rate after the burst
// beside the published 1/s, and the 429s: the client-side bucket keeps the
// calls at the plan without the server having to refuse any.
func BenchmarkSPAPIRateAdherence(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		sb, err := sandbox.Start(context.Background(), sandbox.Options{Seed: 5, Orders: 20})
		if err != nil {
			b.Fatal(err)
		}
		c := sb.SPAPIFor("amazon")
		cl, err := amazon.New(amazon.Config{Credentials: amazon.Credentials{ClientID: c.ClientID, ClientSecret: c.ClientSecret, RefreshToken: c.RefreshToken},
			MarketplaceID: "ATVPDKIKX0DER", BaseURL: sb.URL("amazon"), TokenURL: sb.URL("amazon") + "/auth/o2/token"})
		if err != nil {
			b.Fatal(err)
		}
		order := sb.World().StoreOrders("amazon")[0].ID
		ctx := context.Background()
		b.StartTimer()
		var afterBurst time.Time
		const calls, burst = 15, 5
		for k := 0; k < calls; k++ {
			if k == burst {
				afterBurst = time.Now()
			}
			if _, err := cl.GetMessagingActionsForOrder(ctx, order); err != nil {
				b.Fatal(err)
			}
		}
		sustained := float64(calls-burst) / time.Since(afterBurst).Seconds()
		b.StopTimer()
		st := cl.Stats()
		b.ReportMetric(sustained, "req/s-after-burst")
		b.ReportMetric(amazon.PlanOf("getMessagingActionsForOrder").Rate, "published-req/s")
		b.ReportMetric(float64(sb.State().Requests["api.amazon.rate_limited"]), "429s")
		b.ReportMetric(float64(st.Honoured429), "429s-waited")
		_ = sb.Close()
	}
}
