package tui

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/tui/internal/fixture"
)

// BenchmarkInsights measures the response statistics over the large
// database (100,000 messages, 50,000 parcels) in SQL, beside the same
// counts made with one query per thread in the same run; both must agree.
//
//	go test -run '^$' -bench BenchmarkInsights -benchtime 3x -count 5 ./tui/
func BenchmarkInsights(b *testing.B) {
	ctx := context.Background()
	db := bigDB(b)
	since := fixture.Now.Add(-365 * 24 * time.Hour)
	sql, err := db.ResponseStats(ctx, localdb.ResponseQuery{Since: since, By: localdb.ByStore})
	if err != nil {
		b.Fatal(err)
	}
	base, err := responsePerThread(ctx, db, since)
	if err != nil {
		b.Fatal(err)
	}
	for _, g := range sql {
		want := base[g.Group]
		if g.Threads != want.Threads || g.BuyerMessages != want.BuyerMessages || g.FRTValues != want.FRTValues ||
			g.FRTP50Seconds != want.FRTP50Seconds || g.FRTP90Seconds != want.FRTP90Seconds {
			b.Fatalf("%s: SQL %+v, per-thread %+v", g.Group, g, want)
		}
	}
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			if _, err := db.ResponseStats(ctx, localdb.ResponseQuery{Since: since, By: localdb.ByStore}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/insights")
	})
	b.Run("baseline_query_per_thread", func(b *testing.B) {
		for b.Loop() {
			if _, err := responsePerThread(ctx, db, since); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/insights")
	})
}

// responsePerThread is the baseline: every thread's messages read with
// their own query, first response times worked out in Go with the same
// definition and nearest-rank quantiles.
func responsePerThread(ctx context.Context, db *localdb.DB, since time.Time) (map[string]localdb.ResponseGroup, error) {
	threads, err := db.ListThreads(ctx, localdb.ThreadFilter{})
	if err != nil {
		return nil, err
	}
	frt := map[string][]int64{}
	out := map[string]localdb.ResponseGroup{}
	for _, t := range threads {
		msgs, err := db.ListMessages(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		var firstIn time.Time
		for _, m := range msgs {
			if m.Direction == localdb.DirectionIn && (firstIn.IsZero() || m.SentAt.Before(firstIn)) {
				firstIn = m.SentAt
			}
		}
		if firstIn.IsZero() || firstIn.Before(since) {
			continue
		}
		g := out[t.StoreName]
		g.Group = t.StoreName
		g.Threads++
		var reply time.Time
		for _, m := range msgs {
			if m.Direction == localdb.DirectionIn {
				g.BuyerMessages++
			} else if !m.SentAt.Before(firstIn) && (reply.IsZero() || m.SentAt.Before(reply)) {
				reply = m.SentAt
			}
		}
		if !reply.IsZero() {
			frt[t.StoreName] = append(frt[t.StoreName], reply.Sub(firstIn).Milliseconds()/1000)
		}
		out[t.StoreName] = g
	}
	for name, v := range frt {
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		g := out[name]
		g.FRTValues = len(v)
		rank := func(p10 int) int64 { // smallest rank r with r*10 >= n*p10
			r := (len(v)*p10 + 9) / 10
			return v[max(r, 1)-1]
		}
		g.FRTP50Seconds, g.FRTP90Seconds = rank(5), rank(9)
		out[name] = g
	}
	return out, nil
}
