package tracking

import "testing"

// The cases were worked out by hand from the rule (tabsPerCore per core,
// a quarter of the available memory at tabMB a tab, between 2 and 32)
// before the function was written.
func TestDefaultTabs(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		cores   int
		availMB float64
		want    int
	}{
		{2, 23000, 8},  // cores bound: 2 x 4
		{2, 300, 3},    // memory bound: 300 x 0.25 / 25
		{1, 100, 2},    // never under 2
		{64, 1e6, 32},  // never over 32
		{4, 0, 16},     // no meminfo: cores only
		{16, 2000, 20}, // memory bound on a big box with little free memory
	} {
		if got := defaultTabs(c.cores, c.availMB); got != c.want {
			t.Errorf("defaultTabs(%d cores, %.0f MB) = %d, want %d", c.cores, c.availMB, got, c.want)
		}
	}
	if n := DefaultConcurrency(); n < minTabs || n > maxTabs {
		t.Errorf("DefaultConcurrency() = %d, outside %d..%d", n, minTabs, maxTabs)
	}
}
