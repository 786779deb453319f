package tracking

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-rod/rod/lib/proto"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
)

// mixedNumbers takes n numbers from the sandbox, the four carriers in turn,
// repeating the list when the world has fewer parcels than n.
func mixedNumbers(sb *sandbox.Sandbox, n int) []string {
	var per [][]string
	for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
		per = append(per, numbersOf(parcels(sb, c, "", 100000)))
	}
	var all []string
	for i := 0; len(all) < 100000; i++ {
		added := false
		for _, list := range per {
			if i < len(list) {
				all = append(all, list[i])
				added = true
			}
		}
		if !added {
			break
		}
	}
	out := make([]string, 0, n)
	for len(out) < n {
		out = append(out, all[:min(n-len(out), len(all))]...)
	}
	return out
}

// browserPSS sums the proportional set size, in MB, of every process of
// the browser (the main process and its helpers, which share its profile
// folder on their command lines).
func browserPSS(b *automations.Browser) float64 {
	dir := b.UserDataDir()
	entries, err := os.ReadDir("/proc")
	if err != nil || dir == "" {
		return 0
	}
	var kb int64
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || (pid != b.PID() && !strings.Contains(string(cmd), dir)) {
			continue
		}
		f, err := os.Open(filepath.Join("/proc", e.Name(), "smaps_rollup"))
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				fields := strings.Fields(rest)
				if len(fields) > 0 {
					n, _ := strconv.ParseInt(fields[0], 10, 64)
					kb += n
				}
				break
			}
		}
		f.Close()
	}
	return float64(kb) / 1024
}

// naiveLookups is the baseline: one page, one number after another, rod's
// polling waits and one round trip per field, nothing blocked.
func naiveLookups(b *testing.B, tr *Tracker, numbers []string) {
	b.Helper()
	br := testBrowser(b)
	page, err := br.Rod().Page(proto.TargetCreateTarget{})
	if err != nil {
		b.Fatal(err)
	}
	defer page.Close()
	for _, n := range numbers {
		j, bad := (&run{t: tr}).detect(context.Background(), 0, n)
		if bad != nil {
			b.Fatalf("%s: %s", n, bad.Error.Message)
		}
		rec, err := tr.recipe(j.courier)
		if err != nil {
			b.Fatal(err)
		}
		u, _ := rec.Expand("track", map[string]string{"number": j.number})
		sel := func(name string) string { s, _ := rec.Selector(name); return s }
		p := page.Timeout(30 * time.Second)
		if err := p.Navigate(u); err != nil {
			b.Fatal(err)
		}
		if err := p.WaitLoad(); err != nil {
			b.Fatal(err)
		}
		if _, err := p.Element(sel("track.done")); err != nil {
			b.Fatal(err)
		}
		rows, err := p.Elements(sel("track.events"))
		if err != nil || len(rows) == 0 {
			b.Fatalf("%s: %d rows, %v", n, len(rows), err)
		}
		for _, r := range rows {
			for _, s := range []string{sel("track.event_time"), sel("track.event_text"), sel("track.event_location")} {
				el, err := r.Element(s)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := el.Text(); err != nil {
					b.Fatal(err)
				}
			}
		}
		p.CancelTimeout()
	}
}

// BenchmarkWebLookups500 tracks 500 numbers through the sandbox's
// JavaScript-rendered tracking pages with the pooled tracker, and a sample
// of them with a naive one-page loop, in the same run. Run it with
// -benchtime=1x.
func BenchmarkWebLookups500(b *testing.B) {
	const total, naiveN, concurrency = 500, 40, 8
	sb := startSandbox(b, sandbox.Options{Orders: 300})
	numbers := mixedNumbers(sb, total)
	for i := 0; i < b.N; i++ {
		db := openDB(b)
		deps := webDeps(b, sb, db)
		tr, err := New(deps)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		naiveLookups(b, tr, numbers[:naiveN])
		naiveRate := float64(naiveN) / time.Since(start).Seconds()

		var peak atomic.Int64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			t := time.NewTicker(250 * time.Millisecond)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					if v := int64(browserPSS(testBrowser(b))); v > peak.Load() {
						peak.Store(v)
					}
				}
			}
		}()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		start = time.Now()
		failed := 0
		for l := range tr.Track(ctx, numbers, Options{Concurrency: concurrency, NoAPI: true}) {
			if l.Error != nil {
				failed++
				b.Logf("%s: %s: %s", l.Number, l.Error.Class, l.Error.Message)
			}
		}
		pooled := time.Since(start)
		cancel()
		close(stop)
		wg.Wait()
		pooledRate := float64(total) / pooled.Seconds()
		if failed > 0 {
			b.Errorf("%d of %d pooled lookups failed", failed, total)
		}
		b.ReportMetric(pooledRate, "pooled_lookups/s")
		b.ReportMetric(naiveRate, "naive_lookups/s")
		b.ReportMetric(pooledRate/naiveRate, "speedup_x")
		b.ReportMetric(float64(peak.Load()), "chromium_peak_PSS_MB")
		b.Logf("%d pooled web lookups (%d pages) in %s: %.1f/s; naive one-page loop over %d: %.2f/s; %.1fx; Chromium peak PSS %d MB",
			total, concurrency, pooled.Round(time.Millisecond), pooledRate, naiveN, naiveRate, pooledRate/naiveRate, peak.Load())
	}
}

// BenchmarkAPILookups2000 tracks 2,000 numbers through the sandbox's four
// carrier APIs, whose per-client limit is 100 requests a second. It runs
// twice: with the client-side limit set just under the carriers' (the way
// to configure it), and with it set far above, so that the sandbox answers
// 429 and the clients must wait out each Retry-After. The baseline is one
// lookup at a time over the same 2,000 numbers, in the same run. Run it with
// -benchtime=1x.
func BenchmarkAPILookups2000(b *testing.B) {
	const total, baseN, concurrency = 2000, 2000, 32
	sb := startSandbox(b, sandbox.Options{Orders: 300})
	numbers := mixedNumbers(sb, total)
	for i := 0; i < b.N; i++ {
		measure := func(nums []string, conc int, clientRate float64) (rate float64, honoured int64, served429 int) {
			sb.Reset()
			deps := apiDeps(b, sb, openDB(b))
			for c, cc := range deps.Config.Carriers {
				cc.RatePerSec = clientRate
				deps.Config.Carriers[c] = cc
			}
			tr, err := New(deps)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
			defer cancel()
			start := time.Now()
			failed := 0
			for l := range tr.Track(ctx, nums, Options{Concurrency: conc}) {
				if l.Error != nil || l.Source != SourceAPI {
					failed++
					b.Logf("%s: %+v", l.Number, l.Error)
				}
			}
			rate = float64(len(nums)) / time.Since(start).Seconds()
			if failed > 0 {
				b.Errorf("%d of %d lookups failed", failed, len(nums))
			}
			for _, s := range tr.APIStats() {
				honoured += s.Honoured429
			}
			st := sb.State().Requests
			for _, c := range []string{"ups", "fedex", "usps", "dhl"} {
				served429 += st["api."+c+".rate_limited"]
			}
			return rate, honoured, served429
		}
		baseRate, _, _ := measure(numbers[:baseN], 1, 95)
		rate, honoured, served := measure(numbers, concurrency, 95)
		overRate, overHonoured, overServed := measure(numbers, concurrency, 1000)
		if overHonoured == 0 || overHonoured != int64(overServed) {
			b.Errorf("over the limit: sandbox answered %d 429s, clients waited out %d; want every one honoured", overServed, overHonoured)
		}
		b.ReportMetric(rate, "lookups/s")
		b.ReportMetric(baseRate, "sequential_lookups/s")
		b.ReportMetric(overRate, "over_limit_lookups/s")
		b.ReportMetric(float64(overHonoured), "429s_honoured")
		b.Logf("%d API lookups at concurrency %d, client limit 95/s per carrier: %.0f/s (%d 429s, %d waited out)",
			total, concurrency, rate, served, honoured)
		b.Logf("same with the client limit at 1000/s, over the carriers' 100/s: %.0f/s; sandbox answered %d 429s, clients waited out %d",
			overRate, overServed, overHonoured)
		b.Logf("baseline, one lookup at a time over %d numbers: %.0f/s", baseN, baseRate)
	}
}
