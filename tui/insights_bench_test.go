package tui

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/insights"
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

// BenchmarkInsightsReport measures what `sellerops insights --by carrier`
// computes (response statistics, SLA, reasons, backlog, claims, contacts
// per 100 orders, delivery per carrier, spikes) over the large database,
// beside the same thread and parcel counts made with one query per thread
// and one per parcel, in the same run; the counts must agree first. The
// contact-reason rule reads the 50,000 buyer messages once, before the
// timing, and that one-off cost is logged.
//
//	go test -run '^$' -bench BenchmarkInsightsReport -benchtime 3x -count 3 ./tui/
func BenchmarkInsightsReport(b *testing.B) {
	ctx := context.Background()
	db := bigDB(b)
	now := fixture.Now
	since := now.Add(-30 * 24 * time.Hour)
	start := time.Now()
	n, err := insights.ClassifyStored(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("contact reasons of %d buyer messages read and stored in %s", n, time.Since(start).Round(time.Millisecond))
	q := insights.Query{Since: since, By: localdb.ByCarrier, Now: now}
	rep, err := insights.Build(ctx, db, q)
	if err != nil {
		b.Fatal(err)
	}
	threads, err := responsePerThread(ctx, db, since)
	if err != nil {
		b.Fatal(err)
	}
	parcels, err := deliveryPerParcel(ctx, db, since)
	if err != nil {
		b.Fatal(err)
	}
	var sqlThreads, baseThreads int
	for _, g := range rep.Response {
		sqlThreads += g.Threads
	}
	for _, g := range threads {
		baseThreads += g.Threads
	}
	if sqlThreads != baseThreads || sqlThreads == 0 {
		b.Fatalf("threads in the window: SQL %d, per-thread %d", sqlThreads, baseThreads)
	}
	if len(rep.Delivery) != len(parcels) {
		b.Fatalf("carriers: SQL %d, per-parcel %d", len(rep.Delivery), len(parcels))
	}
	for _, g := range rep.Delivery {
		if want := parcels[g.Group]; g != want {
			b.Fatalf("%s: SQL %+v, per-parcel %+v", g.Group, g, want)
		}
	}
	b.Run("sql", func(b *testing.B) {
		for b.Loop() {
			if _, err := insights.Build(ctx, db, q); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/insights")
	})
	b.Run("baseline_query_per_thread_and_parcel", func(b *testing.B) {
		for b.Loop() {
			if _, err := responsePerThread(ctx, db, since); err != nil {
				b.Fatal(err)
			}
			if _, err := deliveryPerParcel(ctx, db, since); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/insights")
	})
}

// deliveryPerParcel is the baseline of the delivery figures: every
// parcel's events read with their own query, and the counts, transit
// quantiles (nearest rank) and rates worked out in Go with the definitions
// of localdb.DeliveryStats.
func deliveryPerParcel(ctx context.Context, db *localdb.DB, since time.Time) (map[string]localdb.DeliveryGroup, error) {
	list, err := db.ListShipments(ctx, localdb.ShipmentFilter{})
	if err != nil {
		return nil, err
	}
	out := map[string]localdb.DeliveryGroup{}
	transit := map[string][]int64{}
	for _, s := range list {
		events, err := db.ShipmentEvents(ctx, s.ID)
		if err != nil {
			return nil, err
		}
		var first, delivered time.Time
		lost, damaged := s.Subtag == localdb.SubtagLost, s.Subtag == localdb.SubtagDamaged
		for _, e := range events {
			if e.Tag != "" && e.Tag != "Pending" && e.Tag != "InfoReceived" && (first.IsZero() || e.Time.Before(first)) {
				first = e.Time
			}
			if e.Tag == localdb.TagDelivered && (delivered.IsZero() || e.Time.Before(delivered)) {
				delivered = e.Time
			}
			lost = lost || e.Subtag == localdb.SubtagLost
			damaged = damaged || e.Subtag == localdb.SubtagDamaged
		}
		if first.IsZero() || first.Before(since) {
			continue
		}
		g := out[s.Courier]
		g.Group = s.Courier
		g.Parcels++
		if lost {
			g.Lost++
		}
		if damaged {
			g.Damaged++
		}
		if !delivered.IsZero() {
			g.Delivered++
			if !delivered.Before(first) {
				transit[s.Courier] = append(transit[s.Courier], delivered.Sub(first).Milliseconds())
			}
			if !s.EstimatedDelivery.IsZero() {
				g.Estimated++
				if delivered.UnixMilli()/86_400_000 <= s.EstimatedDelivery.UnixMilli()/86_400_000 {
					g.OnTime++
				}
			}
		}
		out[s.Courier] = g
	}
	for name, g := range out {
		v := transit[name]
		sort.Slice(v, func(i, j int) bool { return v[i] < v[j] })
		if len(v) > 0 {
			rank := func(p10 int) float64 {
				r := (len(v)*p10 + 9) / 10
				return float64(v[max(r, 1)-1]) / float64(time.Hour.Milliseconds())
			}
			g.TransitValues, g.TransitP50Hours, g.TransitP90Hours = len(v), rank(5), rank(9)
		}
		if g.Estimated > 0 {
			g.OnTimeRate = float64(g.OnTime) / float64(g.Estimated)
		}
		g.LostPer1000 = float64(g.Lost) * 1000 / float64(g.Parcels)
		g.DamagedPer1000 = float64(g.Damaged) * 1000 / float64(g.Parcels)
		out[name] = g
	}
	return out, nil
}
