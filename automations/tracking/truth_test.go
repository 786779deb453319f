package tracking

import (
	"fmt"
	"sort"
	"strings"
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
	if testing.Short() {
		t.Skip("tracks every parcel of three worlds")
	}
	for _, seed := range []int64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			sb := startSandbox(t, sandbox.Options{Seed: seed, Orders: 300}) // the default world, as users see it
			db := openDB(t)
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
			apiLines := track(t, apiDeps(t, sb, db), all, Options{Concurrency: 8, Retry: fastRetry()})
			var pageNums []string
			for _, ns := range sample {
				pageNums = append(pageNums, ns...)
			}
			sort.Strings(pageNums)
			webLines := track(t, webDeps(t, sb, openDB(t)), pageNums, Options{Concurrency: 8, NoAPI: true, Retry: fastRetry()})

			check := func(channel string, lines []Line) map[string]string {
				table := crossTable{}
				got := map[string]string{}
				bad := 0
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
				t.Logf("seed %d, %s, %d parcels, truth x result:\n%s", seed, channel, len(lines), table)
				if bad > 0 {
					t.Errorf("seed %d, %s: %d of %d parcels read wrong; truth x result:\n%s", seed, channel, bad, len(lines), table)
				}
				return got
			}
			api := check("api", apiLines)
			web := check("page", webLines)
			for n, w := range web {
				if api[n] != w {
					t.Errorf("seed %d: %s (%s) API says %s, page says %s", seed, n, truth[n], api[n], w)
				}
			}
		})
	}
}
