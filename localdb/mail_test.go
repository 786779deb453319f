package localdb

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// A mail the database refuses part-way (here: what is written beside it
// fails) leaves nothing of itself, while the rest of the chunk and the
// watermark are stored; a chunk whose fn fails leaves nothing at all.
func TestMailChunkRefusedMailLeavesNothingHalfWritten(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	st := mustStore(t, db, "mailshop", "amazon")
	runs := 0
	write := func(mt *MailTx) error {
		runs++
		for i := range 3 {
			th := Thread{StoreID: st.ID, MarketplaceThreadID: fmt.Sprintf("mail:t%d", i), Kind: KindMessage}
			m := Message{MarketplaceMessageID: fmt.Sprintf("m%d@x", i), Direction: DirectionIn, Body: "hello", SentAt: t0}
			_, err := mt.Mail(th, m, MailMeta{HeaderID: fmt.Sprintf("m%d@x", i), UID: uint32(i + 1)}, func(saved SavedThread) error {
				if i == 1 {
					return invalidf("the order the mail names is refused")
				}
				return nil
			})
			if (err != nil) != (i == 1) || (err != nil && !errors.Is(err, ErrInvalid)) {
				return fmt.Errorf("mail %d: %v", i, err)
			}
		}
		return mt.SetFolder(st.ID, "INBOX", 7, 3, 0)
	}
	if err := db.MailChunk(ctx, write); err != nil {
		t.Fatal(err)
	}
	if runs != 2 {
		t.Errorf("fn ran %d times, want 2 (fast, then mail by mail)", runs)
	}
	for i, want := range []bool{true, false, true} {
		_, err := db.GetThreadByMarketplaceID(ctx, st.ID, fmt.Sprintf("mail:t%d", i))
		if (err == nil) != want {
			t.Errorf("thread %d stored = %v, want %v", i, err == nil, want)
		}
	}
	if _, err := db.FindMailThread(ctx, st.ID, []string{"m1@x"}); !errors.Is(err, ErrNotFound) {
		t.Errorf("the refused mail's headers: %v", err)
	}
	if f, _ := db.GetMailFolder(ctx, st.ID, "INBOX"); f.LastUID != 3 || f.UIDValidity != 7 {
		t.Errorf("folder %+v", f)
	}

	// A chunk whose fn fails stores nothing, watermark included.
	boom := errors.New("connection lost")
	err := db.MailChunk(ctx, func(mt *MailTx) error {
		th := Thread{StoreID: st.ID, MarketplaceThreadID: "mail:t9", Kind: KindMessage}
		if _, err := mt.Mail(th, Message{MarketplaceMessageID: "m9@x", Direction: DirectionIn, SentAt: t0.Add(time.Hour)},
			MailMeta{HeaderID: "m9@x", UID: 9}, nil); err != nil {
			return err
		}
		if err := mt.SetFolder(st.ID, "INBOX", 7, 9, 0); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err %v", err)
	}
	if _, err := db.GetThreadByMarketplaceID(ctx, st.ID, "mail:t9"); !errors.Is(err, ErrNotFound) {
		t.Errorf("thread of the failed chunk: %v", err)
	}
	if f, _ := db.GetMailFolder(ctx, st.ID, "INBOX"); f.LastUID != 3 {
		t.Errorf("watermark moved to %d by a failed chunk", f.LastUID)
	}
}
