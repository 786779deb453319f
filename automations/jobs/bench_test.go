package jobs

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/sellerops/sellerops/localdb"
)

// BenchmarkRunnerBookkeeping measures what the runner adds per item (lock,
// run, item rows, start and finish in their own transactions, the pass
// over leftovers) against a baseline that writes the same run and items
// straight through localdb. The figure to read is ns/item of each.
func BenchmarkRunnerBookkeeping(b *testing.B) {
	const items = 200
	keys := make([]string, items)
	for i := range keys {
		keys[i] = fmt.Sprintf("parcel:%05d", i)
	}
	ctx := context.Background()
	open := func(b *testing.B) *localdb.DB {
		db, err := localdb.Open(ctx, filepath.Join(b.TempDir(), "b.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { db.Close() })
		return db
	}
	b.Run("baseline-localdb", func(b *testing.B) {
		db := open(b)
		job, err := db.UpsertJob(ctx, localdb.Job{Name: "bench", Enabled: true})
		if err != nil {
			b.Fatal(err)
		}
		b.ResetTimer()
		for b.Loop() {
			run, err := db.StartRun(ctx, job.ID, 1)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.AddRunItems(ctx, run.ID, keys...); err != nil {
				b.Fatal(err)
			}
			for _, k := range keys {
				if _, err := db.StartItem(ctx, run.ID, k); err != nil {
					b.Fatal(err)
				}
				if _, err := db.FinishItem(ctx, run.ID, k, localdb.ItemOutcome{State: localdb.ItemDone}); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := db.FinishRun(ctx, run.ID, localdb.RunDone, ""); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items), "ns/item")
	})
	b.Run("runner", func(b *testing.B) {
		db := open(b)
		r := &Runner{DB: db, LockDir: b.TempDir()}
		job := Job{
			Name:  "bench",
			Items: func(context.Context) ([]string, error) { return keys, nil },
			Work: func(ctx context.Context, keys []string, bt *Batch) error {
				for _, k := range keys {
					if bt.Begin(ctx, k) {
						bt.End(ctx, k, nil)
					}
				}
				return nil
			},
		}
		b.ResetTimer()
		for b.Loop() {
			res, err := r.Run(ctx, job)
			if err != nil || res.Done != items {
				b.Fatalf("%+v %v", res, err)
			}
		}
		b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*items), "ns/item")
	})
}
