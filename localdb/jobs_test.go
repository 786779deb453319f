package localdb

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestJobRunsAndResume(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	j, err := db.UpsertJob(ctx, Job{Name: "sync", Schedule: "0 * * * *", Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	j2, err := db.UpsertJob(ctx, Job{Name: "sync", Schedule: "30 * * * *", Enabled: false})
	if err != nil || j2.ID != j.ID || j2.Schedule != "30 * * * *" || j2.Enabled {
		t.Fatalf("upsert job again: %+v, %v", j2, err)
	}

	run, err := db.StartRun(ctx, j.ID, 1111)
	if err != nil || run.State != RunRunning || run.JobName != "sync" || run.PID != 1111 {
		t.Fatalf("StartRun = %+v, %v", run, err)
	}
	added, err := db.AddRunItems(ctx, run.ID, "store:a", "store:b", "store:c")
	if err != nil || added != 3 {
		t.Fatalf("AddRunItems = %d, %v", added, err)
	}
	if added, _ := db.AddRunItems(ctx, run.ID, "store:a", "store:d"); added != 1 {
		t.Errorf("re-adding items: %d new, want 1", added)
	}

	if _, err := db.StartItem(ctx, run.ID, "store:a"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishItem(ctx, run.ID, "store:a", ItemOutcome{State: ItemDone}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StartItem(ctx, run.ID, "store:b"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.FinishItem(ctx, run.ID, "store:b", ItemOutcome{State: ItemNeedsHuman}); !errors.Is(err, ErrInvalid) {
		t.Errorf("needs_human without class: %v, want ErrInvalid", err)
	}
	if _, err := db.FinishItem(ctx, run.ID, "store:b", ItemOutcome{State: ItemNeedsHuman, FailureClass: "needs_human",
		EvidencePath: "evidence/run1/b", Error: "CAPTCHA on login"}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.StartItem(ctx, run.ID, "store:c"); err != nil {
		t.Fatal(err)
	}
	// Crash here: c is left running.

	clock.Advance(time.Hour)
	un, err := db.LastUnfinishedRun(ctx, j.ID)
	if err != nil || un.ID != run.ID {
		t.Fatalf("LastUnfinishedRun = %+v, %v", un, err)
	}
	resumed, reset, err := db.ResumeRun(ctx, run.ID, 2222)
	if err != nil || reset != 1 || resumed.PID != 2222 {
		t.Fatalf("ResumeRun = %+v, reset %d, %v", resumed, reset, err)
	}
	pending, err := db.ListRunItems(ctx, run.ID, ItemPending)
	if err != nil || len(pending) != 2 || pending[0].ItemKey != "store:c" || pending[1].ItemKey != "store:d" {
		t.Fatalf("pending after resume = %+v, %v", pending, err)
	}
	if pending[0].Attempts != 1 {
		t.Errorf("c attempts = %d, want 1 (the interrupted one counts)", pending[0].Attempts)
	}
	// Done items are never done twice; needs_human items are not retried blindly.
	if _, err := db.StartItem(ctx, run.ID, "store:a"); !errors.Is(err, ErrConflict) {
		t.Errorf("restart a done item: %v, want ErrConflict", err)
	}
	if _, err := db.StartItem(ctx, run.ID, "store:b"); !errors.Is(err, ErrConflict) {
		t.Errorf("restart a needs_human item: %v, want ErrConflict", err)
	}
	for _, k := range []string{"store:c", "store:d"} {
		if _, err := db.StartItem(ctx, run.ID, k); err != nil {
			t.Fatal(err)
		}
		if _, err := db.FinishItem(ctx, run.ID, k, ItemOutcome{State: ItemDone}); err != nil {
			t.Fatal(err)
		}
	}
	counts, err := db.RunItemCounts(ctx, run.ID)
	if err != nil || counts[ItemDone] != 3 || counts[ItemNeedsHuman] != 1 {
		t.Errorf("counts = %v, %v", counts, err)
	}
	fin, err := db.FinishRun(ctx, run.ID, RunDone, "")
	if err != nil || fin.State != RunDone || !fin.FinishedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("FinishRun = %+v, %v", fin, err)
	}
	if _, err := db.LastUnfinishedRun(ctx, j.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("LastUnfinishedRun after finish: %v, want ErrNotFound", err)
	}
	if _, _, err := db.ResumeRun(ctx, run.ID, 3); !errors.Is(err, ErrConflict) {
		t.Errorf("resume a done run: %v, want ErrConflict", err)
	}
	att, err := db.ListAttentionItems(ctx, t0)
	if err != nil || len(att) != 1 || att[0].ItemKey != "store:b" || att[0].JobName != "sync" || att[0].EvidencePath == "" {
		t.Errorf("attention items = %+v, %v", att, err)
	}
	runs, err := db.ListRuns(ctx, t0)
	if err != nil || len(runs) != 1 {
		t.Errorf("ListRuns = %+v, %v", runs, err)
	}
	if _, err := db.FinishRun(ctx, run.ID, RunRunning, ""); !errors.Is(err, ErrInvalid) {
		t.Errorf("FinishRun(running): %v, want ErrInvalid", err)
	}
	if _, err := db.StartRun(ctx, 999, 1); !errors.Is(err, ErrConflict) {
		t.Errorf("run of a missing job: %v, want ErrConflict", err)
	}
}
