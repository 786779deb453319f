package tracking

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations"
	"github.com/sellerops/sellerops/automations/sandbox"
)

// procStat is the CPU time (user+system, seconds) and proportional set
// size (MB) of one process, read from /proc.
func procStat(pid int) (cpu float64, pssMB float64, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, 0, false
	}
	// The command name is in parentheses and may hold spaces: the fields
	// after the last ')' are fixed (utime is field 14, stime 15).
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0, 0, false
	}
	ut, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	cpu = (ut + st) / 100 // USER_HZ is 100 on Linux
	if fh, err := os.Open(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup")); err == nil {
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
				if fs := strings.Fields(rest); len(fs) > 0 {
					kb, _ := strconv.ParseFloat(fs[0], 64)
					pssMB = kb / 1024
				}
				break
			}
		}
		fh.Close()
	}
	return cpu, pssMB, true
}

// browserProcs lists the processes of the browsers whose profile folders
// are dirs (the main process and every helper name the folder).
func browserProcs(dirs []string) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		cmd, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		for _, d := range dirs {
			if strings.Contains(string(cmd), d) {
				out = append(out, pid)
				break
			}
		}
	}
	return out
}

// meter samples the browsers' processes while a run goes on: the peak of
// their summed PSS, and the CPU time each used (a process's last sample
// counts, so a helper that exits keeps what it used up to then).
type meter struct {
	dirs []string
	stop chan struct{}
	wg   sync.WaitGroup

	mu    sync.Mutex
	pids  []int
	start map[int]float64
	last  map[int]float64
	peak  float64
}

func startMeter(dirs []string) *meter {
	m := &meter{dirs: dirs, stop: make(chan struct{}), start: map[int]float64{}, last: map[int]float64{}}
	m.sample(true)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		// The process list is read once a second (a walk of /proc costs
		// this process CPU that would count as the tracker's); the known
		// processes are sampled four times a second.
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for n := 1; ; n++ {
			select {
			case <-m.stop:
				return
			case <-t.C:
				m.sample(n%4 == 0)
			}
		}
	}()
	return m
}

// sample reads every known browser process; rescan (or the first call)
// reads the process list again first.
func (m *meter) sample(rescan bool) {
	var pss float64
	m.mu.Lock()
	defer m.mu.Unlock()
	first := m.pids == nil
	if first || rescan {
		m.pids = browserProcs(m.dirs)
	}
	for _, pid := range m.pids {
		cpu, p, ok := procStat(pid)
		if !ok {
			continue
		}
		pss += p
		if _, seen := m.start[pid]; !seen {
			if first {
				m.start[pid] = cpu
			} else {
				m.start[pid] = 0 // born during the run: all its time counts
			}
		}
		m.last[pid] = cpu
	}
	m.peak = max(m.peak, pss)
}

// done stops sampling and returns the browsers' CPU seconds and peak PSS.
func (m *meter) done() (cpu, peakMB float64) {
	m.sample(true)
	close(m.stop)
	m.wg.Wait()
	m.mu.Lock()
	defer m.mu.Unlock()
	for pid, l := range m.last {
		cpu += l - m.start[pid]
	}
	return cpu, m.peak
}

// selfCPU is this process's CPU seconds so far (the tracker, the rod
// client and the in-process sandbox together).
func selfCPU() float64 {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

type webRun struct {
	rate, browserCPU, selfCPU, peakMB float64
	failed                            int
}

// runWeb tracks numbers through the sandbox's pages over set with tabs
// pages, metering the browsers whose profiles are dirs.
func runWeb(b *testing.B, sb *sandbox.Sandbox, set *automations.BrowserSet, dirs []string, numbers []string, tabs int) webRun {
	b.Helper()
	deps := Deps{DB: openDB(b), Web: SandboxWeb(sb.URL),
		Browsers: func(context.Context) (*automations.BrowserSet, error) { return set, nil }}
	tr, err := New(deps)
	if err != nil {
		b.Fatal(err)
	}
	defer tr.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	m := startMeter(dirs)
	self := selfCPU()
	start := time.Now()
	var r webRun
	for l := range tr.Track(ctx, numbers, Options{Concurrency: tabs, NoAPI: true}) {
		if l.Error != nil {
			r.failed++
			b.Logf("%s: %s: %s", l.Number, l.Error.Class, l.Error.Message)
		}
	}
	took := time.Since(start)
	r.selfCPU = selfCPU() - self
	r.browserCPU, r.peakMB = m.done()
	r.rate = float64(len(numbers)) / took.Seconds()
	return r
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

// BenchmarkWebLookupsByTabs tracks 500 numbers through the sandbox's
// JavaScript-rendered tracking pages at 4, 8 and 16 tabs of one local
// browser, and at 16 tabs spread over three remote Chromium processes.
// Beside each it prints the delay-bound ceiling measured in the same run:
// tabs times the rate of one tab doing one lookup after another (a tab
// can do no better than the page's own render delay allows), the share of
// that ceiling reached, the browsers' peak PSS, and the CPU seconds per
// lookup of the browsers and of this process (tracker and in-process
// sandbox). Run it with -benchtime=1x -count=3 and compare medians.
func BenchmarkWebLookupsByTabs(b *testing.B) {
	const total, singleN = 500, 24
	sb := startSandbox(b, sandbox.Options{Orders: 300})
	numbers := mixedNumbers(sb, total)
	local := testBrowser(b)
	localSet := automations.BrowserSetOf("", func(context.Context) (*automations.Browser, error) { return local, nil })
	localDirs := []string{local.UserDataDir()}
	for i := 0; i < b.N; i++ {
		// Warm the browser's cache of the pages' scripts and styles.
		runWeb(b, sb, localSet, localDirs, numbers[:16], 4)
		one := runWeb(b, sb, localSet, localDirs, numbers[:singleN], 1)
		// The baseline for CPU per lookup: rod's plain idiom on one page
		// (polling waits, one round trip per field), over the same pages.
		{
			tr, err := New(Deps{DB: openDB(b), Web: SandboxWeb(sb.URL)})
			if err != nil {
				b.Fatal(err)
			}
			m := startMeter(localDirs)
			self := selfCPU()
			naiveLookups(b, tr, numbers[:singleN])
			naiveSelf := selfCPU() - self
			naiveBrowser, _ := m.done()
			b.Logf("load %s; baseline, rod's polling idiom on one page: CPU/lookup browser %.3f s + sellerops and sandbox %.3f s",
				loadAvg(), naiveBrowser/singleN, naiveSelf/singleN)
			b.ReportMetric((naiveBrowser+naiveSelf)/singleN, "baseline_CPU_s/lookup")
		}
		b.Logf("load %s; one tab, one lookup after another: %.2f lookups/s (%.0f ms each)", loadAvg(), one.rate, 1000/one.rate)
		b.ReportMetric(one.rate, "one_tab_lookups/s")
		def := DefaultConcurrency()
		counts := []int{4, 8, 16}
		if !slices.Contains(counts, def) {
			counts = append(counts, def)
		}
		for _, tabs := range counts {
			r := runWeb(b, sb, localSet, localDirs, numbers, tabs)
			if tabs == def {
				b.Logf("the default on this machine (%d cores, %.0f MB available) is %d tabs: the row below", runtime.NumCPU(), memAvailableMB(), def)
				b.ReportMetric(100*r.rate/(float64(tabs)*one.rate), "default_tabs_pct_of_ceiling")
			}
			if r.failed > 0 {
				b.Errorf("%d tabs: %d of %d lookups failed", tabs, r.failed, total)
			}
			ceiling := float64(tabs) * one.rate
			b.Logf("load %s; %2d tabs, local: %.1f lookups/s, ceiling %.1f (%.0f%%), peak PSS %.0f MB, CPU/lookup browser %.3f s + sellerops and sandbox %.3f s",
				loadAvg(), tabs, r.rate, ceiling, 100*r.rate/ceiling, r.peakMB, r.browserCPU/total, r.selfCPU/total)
			tag := strconv.Itoa(tabs) + "tabs_"
			b.ReportMetric(r.rate, tag+"lookups/s")
			b.ReportMetric(100*r.rate/ceiling, tag+"pct_of_ceiling")
			b.ReportMetric(r.peakMB, tag+"peak_PSS_MB")
			b.ReportMetric(r.browserCPU/total, tag+"browser_CPU_s/lookup")
			b.ReportMetric(r.selfCPU/total, tag+"self_CPU_s/lookup")
			b.ReportMetric((r.browserCPU+r.selfCPU)/total, tag+"CPU_s/lookup")
		}

		// The same 16 tabs over three remote browsers on this machine.
		var eps []automations.Endpoint
		var dirs []string
		var remotes []*remoteChromium
		for range 3 {
			rc := startRemoteChromium(b)
			remotes = append(remotes, rc)
			eps = append(eps, automations.Endpoint{URL: rc.URL})
			dirs = append(dirs, rc.dir)
		}
		set := automations.NewBrowserSet(automations.BrowserOptions{Timeout: 30 * time.Second}, eps)
		runWeb(b, sb, set, dirs, numbers[:16], 4)
		r := runWeb(b, sb, set, dirs, numbers, 16)
		if r.failed > 0 {
			b.Errorf("three remote browsers: %d of %d lookups failed", r.failed, total)
		}
		ceiling := 16 * one.rate
		b.Logf("load %s; 16 tabs over 3 remote browsers: %.1f lookups/s, ceiling %.1f (%.0f%%), peak PSS %.0f MB, CPU/lookup browsers %.3f s + sellerops and sandbox %.3f s",
			loadAvg(), r.rate, ceiling, 100*r.rate/ceiling, r.peakMB, r.browserCPU/total, r.selfCPU/total)
		b.ReportMetric(r.rate, "remote3_16tabs_lookups/s")
		_ = set.Close()
		for _, rc := range remotes {
			rc.kill()
		}
	}
}
