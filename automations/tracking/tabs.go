package tracking

import (
	"bufio"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// The default number of lookups in flight is what one machine's browser
// can carry: each tab costs the browser CPU for every page it renders and
// memory while it is open. The figures behind these constants are measured
// by BenchmarkWebLookupsByTabs (see the README's performance table).
const (
	// tabsPerCore is how many tracking tabs one core keeps busy while
	// leaving room for the rest of the machine: a tab renders about 1.3
	// pages a second (the page's own delay bounds it), each costing the
	// browser and sellerops together the CPU time measured per lookup.
	tabsPerCore = 4
	// tabMB is the browser memory one more tab takes (PSS growth per tab
	// between 4 and 16 tabs, rounded up).
	tabMB = 25
	// memShare is the share of the available memory the tabs may use.
	memShare = 0.25
	// minTabs and maxTabs bound the default.
	minTabs, maxTabs = 2, 32
)

// DefaultConcurrency is the number of lookups in flight when none is
// given: tabsPerCore per core, at most as many tabs as a quarter of the
// available memory holds, between 2 and 32.
func DefaultConcurrency() int {
	return defaultTabs(runtime.NumCPU(), memAvailableMB())
}

func defaultTabs(cores int, availMB float64) int {
	n := cores * tabsPerCore
	if availMB > 0 {
		n = min(n, int(availMB*memShare/tabMB))
	}
	return max(minTabs, min(n, maxTabs))
}

// memAvailableMB is MemAvailable from /proc/meminfo, or 0 where there is
// none (the memory bound is then left out).
func memAvailableMB() float64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "MemAvailable:"); ok {
			fs := strings.Fields(rest)
			if len(fs) > 0 {
				kb, _ := strconv.ParseFloat(fs[0], 64)
				return kb / 1024
			}
		}
	}
	return 0
}
