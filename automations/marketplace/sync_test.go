package marketplace

import (
	"os"
	"testing"
	"time"

	"github.com/sellerops/sellerops/automations/sandbox"
	"github.com/sellerops/sellerops/automations/testwait"
	"github.com/sellerops/sellerops/localdb"
)

// visibleThreads counts the world's threads of a store visible now, and
// their visible messages (replies sent through the site included).
func visibleThreads(sb *sandbox.Sandbox, storeID string) (threads, messages int) {
	now := sb.Now()
	for _, th := range sb.World().StoreThreads(storeID) {
		if !th.Visible(now) {
			continue
		}
		threads++
		messages += len(th.VisibleMessages(now))
	}
	return threads, messages
}

func TestSyncAllMarketplacesEndToEnd(t *testing.T) {
	t.Parallel()
	e := newEnv(t, sandbox.Options{}, "")
	ctx := testwait.Context(t)
	for _, m := range Marketplaces {
		e.addStore(t, m)
	}
	var phases []Progress
	items := newItemLog()
	sum, err := SyncStoresWith(ctx, e.deps, nil, SyncOptions{Record: items}, func(p Progress) { phases = append(phases, p) })
	if err != nil {
		t.Fatal(err)
	}
	if len(phases) == 0 {
		t.Error("no progress was reported")
	}
	db := e.deps.DB
	items.logFailures(t)
	for _, s := range sum.Stores {
		if !s.OK {
			t.Fatalf("store %s: %s %s (evidence %s)", s.Store, s.FailureClass, s.Error, s.Evidence)
		}
		wantThreads, wantMsgs := visibleThreads(e.sb, s.Store)
		if s.NewThreads != wantThreads || s.NewMessages != wantMsgs {
			t.Errorf("store %s: %d new threads and %d new messages, the site shows %d and %d", s.Store, s.NewThreads, s.NewMessages, wantThreads, wantMsgs)
		}
		st, err := db.GetStoreByName(ctx, s.Store)
		if err != nil {
			t.Fatal(err)
		}
		if st.SessionState != localdb.SessionOK || st.SyncCursor == "" {
			t.Errorf("store %s after sync: session %s cursor %q", s.Store, st.SessionState, st.SyncCursor)
		}
		// Every stored order of a shipped parcel matches the world's order
		// (carrier, number, countries) and has its parcel stored to track.
		orders, err := db.ListOrders(ctx, st.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range orders {
			w := e.sb.World().Order(o.MarketplaceOrderID)
			if w == nil || !w.Shipped {
				continue
			}
			if o.TrackingNumber != w.TrackingNumber || o.OriginCountry != w.ShipFromCountry || o.DestinationCountry != w.ShipToCountry {
				t.Errorf("store %s order %s stored %q %s->%s, the world has %q %s->%s", s.Store, o.MarketplaceOrderID,
					o.TrackingNumber, o.OriginCountry, o.DestinationCountry, w.TrackingNumber, w.ShipFromCountry, w.ShipToCountry)
				continue
			}
			if sh, err := db.GetShipmentByNumber(ctx, w.Carrier, w.TrackingNumber); err != nil || sh.OrderID != o.ID {
				t.Errorf("store %s order %s: parcel %s %s not stored for the order: %+v, %v", s.Store, o.MarketplaceOrderID, w.Carrier, w.TrackingNumber, sh, err)
			}
		}
		threads, err := db.ListThreads(ctx, localdb.ThreadFilter{StoreIDs: []int64{st.ID}})
		if err != nil {
			t.Fatal(err)
		}
		withOrder, withLang, withDeadline, rightLang := 0, 0, 0, 0
		for _, th := range threads {
			if th.OrderID != 0 {
				withOrder++
			}
			if th.Language != "" {
				withLang++
			}
			if !th.ReplyDeadline.IsZero() {
				withDeadline++
			}
			world := e.sb.World().Thread(th.MarketplaceThreadID)
			if world == nil {
				t.Fatalf("thread %s is not in the sandbox", th.MarketplaceThreadID)
			}
			if th.Language == world.Lang {
				rightLang++
			}
		}
		if withOrder < len(threads)*9/10 {
			t.Errorf("store %s: only %d of %d threads are linked to their order", s.Store, withOrder, len(threads))
		}
		if withLang < len(threads)*8/10 {
			t.Errorf("store %s: only %d of %d threads have a language", s.Store, withLang, len(threads))
		}
		if rightLang < len(threads)*8/10 {
			t.Errorf("store %s: the language of only %d of %d threads was detected right", s.Store, rightLang, len(threads))
		}
		if st.Marketplace != "ebay" && withDeadline == 0 {
			t.Errorf("store %s: no thread has a reply deadline", s.Store)
		}
	}
	// Attachments were downloaded and linked.
	var atts, onDisk int
	rows, err := db.SQL().QueryContext(ctx, `SELECT local_path, size FROM attachments`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var p string
		var size int64
		if err := rows.Scan(&p, &size); err != nil {
			t.Fatal(err)
		}
		atts++
		if fi, err := os.Stat(p); err == nil && fi.Size() == size && size > 0 {
			onDisk++
		}
	}
	rows.Close()
	if atts == 0 || onDisk != atts {
		t.Errorf("%d attachments recorded, %d of them saved on disk", atts, onDisk)
	}

	// A second sync stores nothing twice.
	again, err := SyncStores(ctx, e.deps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.NewThreads != 0 || again.NewMessages != 0 || again.Failed != 0 {
		t.Errorf("second sync: %+v", again)
	}
	var msgCount int
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&msgCount); err != nil {
		t.Fatal(err)
	}
	if msgCount != sum.NewMessages {
		t.Errorf("%d messages stored after two syncs, %d after the first", msgCount, sum.NewMessages)
	}

	// The second sync reused the kept sessions: one sign-in per site.
	for _, m := range Marketplaces {
		if n := e.sb.State().Logins[m].Succeeded; n != 1 {
			t.Errorf("%s: %d sign-ins over two syncs, want 1 (the session cookies were not reused)", m, n)
		}
		if v, err := e.deps.Secrets.Get(ctx, "store/"+m+"/session"); err != nil || v == "" {
			t.Errorf("%s: no session kept as a secret: %v", m, err)
		}
	}

	// The clock moves: only the new messages come in, read from the
	// threads that changed.
	e.sb.Advance(36 * time.Hour)
	later, err := SyncStores(ctx, e.deps, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, s := range later.Stores {
		_, msgs := visibleThreads(e.sb, s.Store)
		total += msgs
		if !s.OK {
			t.Errorf("incremental sync of %s: %s", s.Store, s.Error)
		}
		if all, _ := visibleThreads(e.sb, s.Store); s.Checked >= all {
			t.Errorf("store %s: the incremental sync read %d threads, as many as the whole inbox", s.Store, s.Checked)
		}
	}
	if later.NewMessages == 0 {
		t.Error("the clock moved 36 h and the sync found no new message")
	}
	if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM messages`).Scan(&msgCount); err != nil {
		t.Fatal(err)
	}
	if msgCount != total {
		t.Errorf("after the incremental sync %d messages are stored, the sites show %d", msgCount, total)
	}
}
