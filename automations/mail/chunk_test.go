package mail

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/marketplace"
	"github.com/sellerops/sellerops/localdb"
	"github.com/sellerops/sellerops/localdb/secrets"
)

// killSyncEnv holds N: the sync helper kills itself when the Nth mail has
// been written and its chunk not yet committed.
const killSyncEnv = "SELLEROPS_MAIL_KILL_SYNC_AT"

// killSyncHelper is the test binary acting as a separate sellerops process
// that syncs the store in chunks of 5 mails and is killed (SIGKILL) part-way
// into a chunk.
func killSyncHelper(at string) int {
	n, _ := strconv.Atoi(at)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := localdb.Open(ctx, os.Getenv("SELLEROPS_TEST_DB"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	defer db.Close()
	st, err := db.GetStoreByName(ctx, "mailshop")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	written := 0
	d := &Deps{DB: db, Secrets: &secrets.Chain{Keyring: marketplace.NewMemorySecrets(), Env: secrets.Env{}}, ChunkMails: 5,
		Hook: func(p string) {
			if p != SyncPointMailWritten {
				return
			}
			if written++; written == n {
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}}
	if sum := Sync(ctx, d, st, nil, nil); !sum.OK {
		fmt.Fprintln(os.Stderr, sum.Error)
		return 1
	}
	return 0
}

// A sync killed part-way into a chunk leaves the chunks before it stored
// whole with the watermark at their last UID, and nothing of the chunk it
// was in; the next sync stores every mail exactly once.
func TestSyncKilledMidChunkStoresEachMailOnce(t *testing.T) {
	w := newWorld(t, worldOpts{})
	const mails = 13
	for i := range mails {
		// Threads of two: the second mail answers the first, so that a
		// chunk reads what an earlier mail of the same chunk wrote.
		irt := ""
		if i%2 == 1 {
			irt = fmt.Sprintf("In-Reply-To: <k%d@marketplace.amazon.com>\r\n", i-1)
		}
		w.deliver(t, fmt.Sprintf("From: %s\r\nTo: %s\r\nSubject: Order 112-%07d-1234567\r\nMessage-ID: <k%d@marketplace.amazon.com>\r\n%s"+
			"Date: Wed, 02 Dec 2026 08:%02d:00 +0000\r\n\r\nWhere is parcel 1Z999AA1012345678%d? Mail %d.\r\n",
			relayUS, sellerAddr, i/2, i, irt, i, i%10, i), time.Time{})
	}
	// Chunks of 5: UIDs 1-5, 6-10, 11-13.
	for _, run := range []struct{ killAt, wantLast int }{
		{8, 5},  // chunk 1 committed; killed at the 3rd mail of chunk 2
		{7, 10}, // chunk 2 read again whole and committed; killed at the 2nd mail of chunk 3
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), killSyncEnv+"="+strconv.Itoa(run.killAt), "SELLEROPS_TEST_DB="+w.db.Path(),
			secrets.EnvName(secrets.StorePasswordKey("mailshop"))+"="+sellerPW)
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || !ee.Sys().(syscall.WaitStatus).Signaled() {
			t.Fatalf("the sync helper was not killed at mail %d: %v\n%s", run.killAt, err, out)
		}
		state, err := w.db.GetMailFolder(context.Background(), w.store.ID, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		if state.LastUID != uint32(run.wantLast) {
			t.Fatalf("killed at mail %d: watermark %d, want %d", run.killAt, state.LastUID, run.wantLast)
		}
		if n := countMail(t, w); n != run.wantLast {
			t.Fatalf("killed at mail %d: %d mails stored, want %d", run.killAt, n, run.wantLast)
		}
	}
	sum := w.sync(t)
	if !sum.OK {
		t.Fatalf("sync after the kills: %+v", sum)
	}
	if n := countMail(t, w); n != mails {
		t.Fatalf("%d mails stored, want each of %d once", n, mails)
	}
	state, _ := w.db.GetMailFolder(context.Background(), w.store.ID, "INBOX")
	if state.LastUID != mails {
		t.Errorf("watermark %d, want %d", state.LastUID, mails)
	}
	var dup int
	if err := w.db.SQL().QueryRow(`SELECT count(*) FROM (SELECT header_id FROM mail_messages GROUP BY header_id HAVING count(*) > 1)`).Scan(&dup); err != nil || dup != 0 {
		t.Errorf("%d Message-IDs stored twice (%v)", dup, err)
	}
	var threads int
	if err := w.db.SQL().QueryRow(`SELECT count(*) FROM threads WHERE store_id = ?`, w.store.ID).Scan(&threads); err != nil || threads != (mails+1)/2 {
		t.Errorf("%d threads (%v), want %d", threads, err, (mails+1)/2)
	}
}

func countMail(t *testing.T, w *world) int {
	t.Helper()
	var n int
	if err := w.db.SQL().QueryRow(`SELECT count(*) FROM mail_messages WHERE store_id = ?`, w.store.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
