package marketplace

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/localdb"
)

// browserPSS sums the proportional set size, in MB, of the browser's
// processes: the main one and every helper naming its profile folder.
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
				if fields := strings.Fields(rest); len(fields) > 0 {
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

// peakSampler records the highest Go heap and browser PSS seen while it
// runs.
type peakSampler struct {
	mu        sync.Mutex
	heap, pss float64
	stop      chan struct{}
	done      chan struct{}
}

func samplePeaks(b *automations.Browser) *peakSampler {
	s := &peakSampler{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			pss := browserPSS(b)
			s.mu.Lock()
			s.heap = max(s.heap, float64(ms.HeapAlloc)/(1<<20))
			s.pss = max(s.pss, pss)
			s.mu.Unlock()
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *peakSampler) finish() (heap, pss float64) {
	close(s.stop)
	<-s.done
	return s.heap, s.pss
}

// BenchmarkSync3Stores300Threads syncs three stores (amazon, ebay, tiktok)
// of 300 orders and threads each into a fresh database per iteration: the
// pooled sync (stores in parallel, threads read in batches) beside a
// sequential one-page baseline (one store after another, one thread per
// request). It reports threads per second, the peak Go heap and the peak
// Chromium PSS.
func BenchmarkSync3Stores300Threads(b *testing.B) {
	e := newEnv(b, sandbox.Options{Seed: 3, Orders: 300}, "")
	modes := []struct {
		name string
		opts SyncOptions
	}{
		{"baseline_sequential_one_page", SyncOptions{Parallel: 1, Batch: 1}},
		{"pooled", SyncOptions{Parallel: 3, Batch: 12}},
	}
	for _, mode := range modes {
		b.Run(mode.name, func(b *testing.B) {
			var threads int
			var took time.Duration
			var heap, pss float64
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, err := localdb.Open(context.Background(), filepath.Join(b.TempDir(), "bench.db"), localdb.WithClock(e.sb.Now))
				if err != nil {
					b.Fatal(err)
				}
				deps := *e.deps
				deps.DB = db
				deps.Secrets = NewMemorySecrets()
				deps.EvidenceDir = filepath.Join(b.TempDir(), "evidence")
				deps.AttachmentDir = filepath.Join(b.TempDir(), "attachments")
				benv := &env{sb: e.sb, deps: &deps}
				for _, m := range Marketplaces {
					benv.addStore(b, m)
				}
				runtime.GC()
				sampler := samplePeaks(deps.Browser)
				b.StartTimer()
				start := time.Now()
				sum, err := SyncStoresWith(context.Background(), &deps, nil, mode.opts, nil)
				took += time.Since(start)
				b.StopTimer()
				h, p := sampler.finish()
				heap, pss = max(heap, h), max(pss, p)
				if err != nil {
					b.Fatal(err)
				}
				if sum.StoreErrors != 0 || sum.Failed != 0 {
					b.Fatalf("sync failed: %+v", sum)
				}
				threads += sum.NewThreads
				_ = db.Close()
			}
			b.ReportMetric(float64(threads)/took.Seconds(), "threads/s")
			b.ReportMetric(heap, "go-heap-MB")
			b.ReportMetric(pss, "chromium-PSS-MB")
			b.ReportMetric(heap+pss, "peak-MB")
		})
	}
}
