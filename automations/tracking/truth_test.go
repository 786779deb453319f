package tracking

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/sellerops/sellerops/automations/sandbox"
)

// stepTruth is what each carrier-neutral step of a sandbox story means in
// AfterShip's list of sub-statuses, written from that list's definitions
// (not from any carrier table). A failed attempt is checked by its tag: the
// carriers word the reason differently (nobody home, business closed).
var stepTruth = map[string]string{
	"label":            "InfoReceived_001",
	"pickup":           "InTransit_002",
	"depart":           "InTransit_007",
	"arrive":           "InTransit_003",
	"customs":          "Exception_004",
	"out_for_delivery": "OutForDelivery_001",
	"delivered":        "Delivered_001",
	"delivery_failed":  "AttemptFail",
	"damaged":          "Exception_012",
	"lost":             "Exception_013",
	"return":           "Exception_010",
	"returned":         "Exception_011",
}

func fits(truth, subtag string) bool {
	if !strings.Contains(truth, "_") {
		return strings.HasPrefix(subtag, truth+"_")
	}
	return truth == subtag
}

// crossTable counts results per truth, for the failure message and the log.
type crossTable map[string]map[string]int

func (c crossTable) add(truth, got string) {
	if c[truth] == nil {
		c[truth] = map[string]int{}
	}
	c[truth][got]++
}

func (c crossTable) String() string {
	var truths []string
	for k := range c {
		truths = append(truths, k)
	}
	sort.Strings(truths)
	var b strings.Builder
	for _, tr := range truths {
		var cells []string
		for got, n := range c[tr] {
			cells = append(cells, fmt.Sprintf("%s=%d", got, n))
		}
		sort.Strings(cells)
		fmt.Fprintf(&b, "  %-20s %s\n", tr, strings.Join(cells, " "))
	}
	return b.String()
}

// Every parcel of sandbox seeds 1 to 3, tracked through the carrier APIs,
// and a sample through the tracking pages in Chromium (every story step of
// every carrier on every seed, two parcels each), must agree with each
// other and with the sandbox world's own story.
func TestEveryParcelMatchesTheWorldsTruth(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("tracks every parcel of three worlds")
	}
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			t.Parallel()
			sb := startSandbox(t, sandbox.Options{Seed: seed, Orders: 300}) // the default world, as users see it
			truth := map[string]string{}
			var all []string
			sample := map[string][]string{} // carrier/step -> numbers
			for _, p := range sb.World().Parcels {
				ev := p.VisibleEvents(sb.Now())
				if len(ev) == 0 {
					continue
				}
				step := ev[len(ev)-1].Step
				truth[p.TrackingNumber] = p.Carrier + "/" + step
				all = append(all, p.TrackingNumber)
				if k := p.Carrier + "/" + step; len(sample[k]) < 2 {
					sample[k] = append(sample[k], p.TrackingNumber)
				}
			}
			sort.Strings(all)
			var pageNums []string
			for _, ns := range sample {
				pageNums = append(pageNums, ns...)
			}
			sort.Strings(pageNums)

			// check judges one channel's lines against the truth and returns
			// each number's subtag and the truth x result table.
			check := func(lines []Line) (got map[string]string, table crossTable, bad int) {
				table = crossTable{}
				got = map[string]string{}
				for _, l := range lines {
					key := truth[l.Number]
					step := key[strings.IndexByte(key, '/')+1:]
					res := l.Subtag
					if l.Error != nil {
						res = "error:" + l.Error.Class
					}
					if l.Unmapped > 0 {
						res += "+unmapped"
					}
					got[l.Number] = l.Subtag
					table.add(key, res)
					if l.Error != nil || l.Unmapped > 0 || !fits(stepTruth[step], l.Subtag) {
						bad++
					}
				}
				return got, table, bad
			}

			// The API and the pages are looked up side by side, each into a
			// database of its own; the tables are reported once both are in.
			type channel struct {
				lines []Line
				got   map[string]string
				table crossTable
				bad   int
			}
			var mu sync.Mutex
			channels := map[string]*channel{}
			run := func(t *testing.T, name string, deps Deps, numbers []string, opts Options) {
				lines := track(t, deps, numbers, opts)
				got, table, bad := check(lines)
				mu.Lock()
				defer mu.Unlock()
				channels[name] = &channel{lines: lines, got: got, table: table, bad: bad}
			}
			t.Run("lookups", func(t *testing.T) {
				t.Run("api", func(t *testing.T) {
					t.Parallel()
					run(t, "api", apiDeps(t, sb, openDB(t)), all, Options{Concurrency: 8, Retry: fastRetry()})
				})
				t.Run("page", func(t *testing.T) {
					t.Parallel()
					run(t, "page", webDeps(t, sb, openDB(t)), pageNums, Options{Concurrency: 8, NoAPI: true, Retry: fastRetry()})
				})
			})
			for _, name := range []string{"api", "page"} {
				c := channels[name]
				if c == nil {
					t.Errorf("seed %d, %s: the lookups did not finish (see the subtest)", seed, name)
					continue
				}
				t.Logf("seed %d, %s, %d parcels, truth x result:\n%s", seed, name, len(c.lines), c.table)
				if c.bad > 0 {
					t.Errorf("seed %d, %s: %d of %d parcels read wrong; truth x result:\n%s", seed, name, c.bad, len(c.lines), c.table)
				}
			}
			api, web := channels["api"], channels["page"]
			if api == nil || web == nil {
				return
			}
			for n, w := range web.got {
				if api.got[n] != w {
					t.Errorf("seed %d: %s (%s) API says %s, page says %s", seed, n, truth[n], api.got[n], w)
				}
			}
		})
	}
}
