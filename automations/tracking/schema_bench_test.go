package tracking

import (
	"context"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
)

// BenchmarkSchemaCheckCost prices the tracking_event schema check against
// the lookups it guards, in one run: 500 web lookups through the sandbox's
// pages (8 tabs), then the check alone over every event those lookups read,
// rebuilt as the page script hands them over, repeated 21 times (the median
// is reported). The figure that matters is the share of a lookup's time the
// check takes.
func BenchmarkSchemaCheckCost(b *testing.B) {
	const total, concurrency, repeats = 500, 8, 21
	sb := startSandbox(b, sandbox.Options{Orders: 300})
	numbers := mixedNumbers(sb, total)
	for i := 0; i < b.N; i++ {
		tr, err := New(webDeps(b, sb, openDB(b)))
		if err != nil {
			b.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		start := time.Now()
		var lines []Line
		for l := range tr.Track(ctx, numbers, Options{Concurrency: concurrency, NoAPI: true}) {
			if l.Error != nil {
				b.Errorf("%s: %s: %s", l.Number, l.Error.Class, l.Error.Message)
			}
			lines = append(lines, l)
		}
		wall := time.Since(start)
		cancel()

		type input struct {
			j   job
			res pageResult
		}
		inputs := make([]input, 0, len(lines))
		events := 0
		for _, l := range lines {
			res := pageResult{URL: "http://127.0.0.1/track/" + l.Number}
			for _, e := range l.Events {
				res.Events = append(res.Events, pageEvent{Code: e.RawCode, Time: e.Time.Format(time.RFC3339),
					Desc: e.Description, Loc: e.Location})
			}
			events += len(res.Events)
			inputs = append(inputs, input{job{input: l.Number, number: l.Number, courier: l.Courier}, res})
		}
		runs := make([]time.Duration, repeats)
		for r := range runs {
			t0 := time.Now()
			for _, in := range inputs {
				rec, err := tr.recipe(in.j.courier)
				if err != nil {
					b.Fatal(err)
				}
				kept, err := checkEvents(rec, in.j, in.res, sb.Now())
				if err != nil || len(kept) != len(in.res.Events) {
					b.Fatalf("%s: the check refused events a lookup kept: %v", in.j.number, err)
				}
			}
			runs[r] = time.Since(t0)
		}
		sort.Slice(runs, func(a, c int) bool { return runs[a] < runs[c] })
		check := runs[len(runs)/2]
		perLookup := wall / time.Duration(len(lines))
		share := 100 * float64(check) / float64(wall)
		b.ReportMetric(float64(check.Microseconds())/float64(len(lines)), "check_us/lookup")
		b.ReportMetric(float64(perLookup.Microseconds())/1000, "lookup_wall_ms/lookup")
		b.ReportMetric(share, "check_%_of_wall")
		b.Logf("%d lookups (%d events) in %s, %s each at %d tabs; the schema check over the same events: median %s of %d runs (%.3f%% of the lookups' wall time); fastest %s, slowest %s",
			len(lines), events, wall.Round(time.Millisecond), perLookup.Round(time.Microsecond), concurrency,
			check.Round(time.Microsecond), repeats, share, runs[0].Round(time.Microsecond), slices.Max(runs).Round(time.Microsecond))
	}
}
