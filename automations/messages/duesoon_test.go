package messages

import (
	"testing"
	"time"

	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/config"
)

func TestDueSoonReadsThresholdsDueSoon(t *testing.T) {
	if got := DueSoonWithin(nil); got != 4*time.Hour {
		t.Errorf("default due_soon = %s, want 4h as documented", got)
	}
	cfg, err := config.Parse("config.yaml", []byte("thresholds:\n  due_soon: 90m\n"))
	if err != nil {
		t.Fatal(err)
	}
	within := DueSoonWithin(cfg)
	if within != 90*time.Minute {
		t.Fatalf("due_soon 90m read as %s", within)
	}
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	open := func(left time.Duration) localdb.Thread {
		return localdb.Thread{Status: localdb.StatusOpen, ReplyDeadline: now.Add(left)}
	}
	cases := []struct {
		name string
		t    localdb.Thread
		want bool
	}{
		{"an hour left", open(time.Hour), true},
		{"exactly now", open(0), true},
		{"two hours left", open(2 * time.Hour), false},
		{"overdue is not due soon", open(-time.Minute), false},
		{"no deadline", localdb.Thread{Status: localdb.StatusOpen}, false},
		{"replied", localdb.Thread{Status: localdb.StatusReplied, ReplyDeadline: now.Add(time.Hour)}, false},
	}
	for _, c := range cases {
		if got := DueSoon(c.t, now, within); got != c.want {
			t.Errorf("%s: due soon %v, want %v", c.name, got, c.want)
		}
	}
}
