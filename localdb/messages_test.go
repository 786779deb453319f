package localdb

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func mustThread(t *testing.T, db *DB, th Thread) Thread {
	t.Helper()
	out, _, err := db.UpsertThread(context.Background(), th)
	if err != nil {
		t.Fatalf("UpsertThread(%s): %v", th.MarketplaceThreadID, err)
	}
	return out
}

func mustMessage(t *testing.T, db *DB, m Message) Message {
	t.Helper()
	out, _, err := db.UpsertMessage(context.Background(), m)
	if err != nil {
		t.Fatalf("UpsertMessage(%s): %v", m.MarketplaceMessageID, err)
	}
	return out
}

func TestThreadAndMessageUpsertsAreIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	in := Thread{StoreID: s.ID, MarketplaceThreadID: "T-1", BuyerName: "Ana", Subject: "Where is my parcel?",
		Language: "en", Kind: KindMessage, LastMessageAt: t0.Add(-2 * time.Hour), ReplyDeadline: t0.Add(22 * time.Hour)}
	th, created, err := db.UpsertThread(ctx, in)
	if err != nil || !created {
		t.Fatalf("first thread upsert: created=%v err=%v", created, err)
	}
	if th.StoreName != "shop" || th.Marketplace != "amazon" || th.Status != StatusOpen || th.Overdue {
		t.Errorf("thread = %+v", th)
	}
	th2, created, err := db.UpsertThread(ctx, in)
	if err != nil || created || th2.ID != th.ID {
		t.Fatalf("second thread upsert: id %d/%d created=%v err=%v", th2.ID, th.ID, created, err)
	}

	msg := Message{ThreadID: th.ID, MarketplaceMessageID: "M-1", Direction: DirectionIn, Sender: "Ana",
		Body: "Hello, where is my parcel?", SentAt: t0.Add(-2 * time.Hour)}
	m, created, err := db.UpsertMessage(ctx, msg)
	if err != nil || !created {
		t.Fatalf("first message upsert: created=%v err=%v", created, err)
	}
	msg.Language = "en"
	m2, created, err := db.UpsertMessage(ctx, msg)
	if err != nil || created || m2.ID != m.ID {
		t.Fatalf("second message upsert: created=%v err=%v", created, err)
	}
	if m2.Language != "en" {
		t.Errorf("language not filled in on re-upsert: %q", m2.Language)
	}

	a := Attachment{MessageID: m.ID, FileName: "photo.jpg", MIME: "image/jpeg"}
	a1, created, err := db.UpsertAttachment(ctx, a)
	if err != nil || !created {
		t.Fatalf("attachment: created=%v err=%v", created, err)
	}
	a.LocalPath, a.Size, a.SHA256 = "att/photo.jpg", 2048, strings.Repeat("ab", 32)
	a2, created, err := db.UpsertAttachment(ctx, a)
	if err != nil || created || a2.ID != a1.ID || a2.Size != 2048 || a2.LocalPath != "att/photo.jpg" {
		t.Fatalf("attachment re-upsert: %+v created=%v err=%v", a2, created, err)
	}

	msgs, err := db.ListMessages(ctx, th.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || msgs[0].Attachments[0].SHA256 == "" {
		t.Fatalf("ListMessages = %+v", msgs)
	}
	for table, want := range map[string]int{"threads": 1, "messages": 1, "attachments": 1, "message_fts": 1} {
		var n int
		if err := db.sql.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
}

func TestThreadUpsertKeepsLocalStatusAndMovesForward(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "Hi", LastMessageAt: t0})
	if err := db.SetThreadStatus(ctx, th.ID, StatusNoResponseNeeded); err != nil {
		t.Fatal(err)
	}
	// A resync with an older last-message time and empty fields.
	th2 := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", LastMessageAt: t0.Add(-time.Hour)})
	if th2.Status != StatusNoResponseNeeded || !th2.LastMessageAt.Equal(t0) || th2.Subject != "Hi" {
		t.Errorf("resync changed the thread: %+v", th2)
	}
	if err := db.SetThreadStatus(ctx, th.ID, "closed"); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetThreadStatus(closed) = %v, want ErrInvalid", err)
	}
	if _, _, err := db.UpsertThread(ctx, Thread{StoreID: s.ID, MarketplaceThreadID: "X", Kind: "chat"}); !errors.Is(err, ErrInvalid) {
		t.Errorf("kind chat: %v, want ErrInvalid", err)
	}
}

func TestNewMessagesDriveThreadStatus(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T"})
	mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "1", Direction: DirectionIn, Body: "hi", SentAt: t0})
	mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "2", Direction: DirectionOut, Body: "hello", SentAt: t0.Add(time.Hour)})
	got, _ := db.GetThread(ctx, th.ID)
	if got.Status != StatusReplied || !got.LastMessageAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("after seller reply: status %s, last %v", got.Status, got.LastMessageAt)
	}
	// An older buyer message arriving late changes nothing.
	mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "0", Direction: DirectionIn, Body: "early", SentAt: t0.Add(-time.Hour)})
	if got, _ := db.GetThread(ctx, th.ID); got.Status != StatusReplied {
		t.Fatalf("late old message reopened the thread: %s", got.Status)
	}
	// A newer buyer message reopens it.
	mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "3", Direction: DirectionIn, Body: "thanks but", SentAt: t0.Add(2 * time.Hour)})
	if got, _ := db.GetThread(ctx, th.ID); got.Status != StatusOpen {
		t.Fatalf("new buyer message: status %s, want open", got.Status)
	}
	if _, _, err := db.UpsertMessage(ctx, Message{ThreadID: th.ID, MarketplaceMessageID: "4", Direction: "sideways", SentAt: t0}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad direction: %v, want ErrInvalid", err)
	}
	if _, _, err := db.UpsertMessage(ctx, Message{ThreadID: 999, MarketplaceMessageID: "5", Direction: DirectionIn, SentAt: t0}); !errors.Is(err, ErrConflict) {
		t.Errorf("message for a missing thread: %v, want ErrConflict", err)
	}
}

func TestListThreadsFiltersAndOrder(t *testing.T) {
	ctx := context.Background()
	db, clock := openTest(t)
	a := mustStore(t, db, "a", "amazon")
	b := mustStore(t, db, "b", "tiktok")
	mk := func(store Store, id, lang string, deadline time.Duration, body string) Thread {
		th := mustThread(t, db, Thread{StoreID: store.ID, MarketplaceThreadID: id, Language: lang, Subject: "order " + id,
			ReplyDeadline: t0.Add(deadline)})
		mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: id + "-m", Direction: DirectionIn, Body: body,
			SentAt: t0.Add(deadline - 24*time.Hour)})
		return th
	}
	late2h := mk(a, "late2h", "en", -2*time.Hour, "my parcel never arrived")
	late1h := mk(b, "late1h", "th", -1*time.Hour, "สินค้าเสียหาย")
	soon := mk(a, "soon", "en", 3*time.Hour, "can I change the address")
	later := mk(b, "later", "vi", 10*time.Hour, "hàng bị hỏng rồi")
	done := mk(a, "done", "en", -5*time.Hour, "never mind, parcel arrived")
	if err := db.SetThreadStatus(ctx, done.ID, StatusNoResponseNeeded); err != nil {
		t.Fatal(err)
	}

	ids := func(ts []Thread) []int64 {
		out := []int64{}
		for _, th := range ts {
			out = append(out, th.ID)
		}
		return out
	}
	check := func(name string, f ThreadFilter, want ...Thread) {
		t.Helper()
		got, err := db.ListThreads(ctx, f)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if g, w := ids(got), ids(want); !equalIDs(g, w) {
			t.Errorf("%s: got ids %v, want %v", name, g, w)
		}
	}
	check("all", ThreadFilter{}, late2h, late1h, soon, later, done)
	check("overdue", ThreadFilter{Overdue: true}, late2h, late1h)
	check("store b", ThreadFilter{StoreIDs: []int64{b.ID}}, late1h, later)
	check("lang en", ThreadFilter{Language: "en"}, late2h, soon, done)
	check("status", ThreadFilter{Statuses: []ThreadStatus{StatusNoResponseNeeded}}, done)
	check("search parcel", ThreadFilter{Search: "parcel"}, late2h, done)
	check("search overdue", ThreadFilter{Search: "parcel", Overdue: true}, late2h)
	check("search diacritics", ThreadFilter{Search: "hong"}, later)
	check("search nothing", ThreadFilter{Search: `"()`})
	check("limit", ThreadFilter{Limit: 1}, late2h)

	got, _ := db.ListThreads(ctx, ThreadFilter{Overdue: true})
	if !got[0].Overdue || got[0].StoreName != "a" || got[1].Marketplace != "tiktok" {
		t.Errorf("overdue rows = %+v", got)
	}

	// Time passes: "soon" becomes overdue, by the injected clock.
	clock.Advance(4 * time.Hour)
	check("overdue later", ThreadFilter{Overdue: true}, late2h, late1h, soon)
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSearchMessages(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "Damaged mug"})
	m1 := mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "1", Direction: DirectionIn,
		Body: "The mug arrived broken, I want a refund", SentAt: t0})
	m2 := mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "2", Direction: DirectionOut,
		Body: `We refunded you. Reference "AND OR (" NEAR`, SentAt: t0.Add(time.Hour)})

	hits, err := db.SearchMessages(ctx, "refund", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hits) != 2 {
		t.Fatalf("refund: %d hits, want 2 (prefix match finds refunded)", len(hits))
	}
	if hits[0].StoreName != "shop" || hits[0].Subject != "Damaged mug" || !strings.Contains(hits[0].Snippet, "[") {
		t.Errorf("hit = %+v", hits[0])
	}
	// Subject words match too.
	if hits, err := db.SearchMessages(ctx, "damaged", 10); err != nil || len(hits) != 2 {
		t.Errorf("subject search: %d hits, %v; want 2", len(hits), err)
	}
	// Every word must match.
	if hits, _ := db.SearchMessages(ctx, "mug broken", 10); len(hits) != 1 || !hasMessage(hits, m1.ID) {
		t.Errorf("mug broken: %+v", hits)
	}
	if hits, _ := db.SearchMessages(ctx, "broken refunded", 10); len(hits) != 0 {
		t.Errorf("words from two messages matched one: %+v", hits)
	}

	// Hostile input never turns into an SQL error.
	hostile := []string{`"foo`, `AND OR (`, `)`, `"`, `*`, `NEAR(a b)`, `foo" OR "bar`, `col:value`, `^start`,
		`-minus`, `a AND`, `NOT`, `'; DROP TABLE messages; --`, "\x00", `"""`, `🙂`, `破损`, `{a b}`, `+`, `a:`,
		strings.Repeat("(", 200), `mug"`, `"mug`}
	for _, q := range hostile {
		if _, err := db.SearchMessages(ctx, q, 10); err != nil {
			t.Errorf("SearchMessages(%q) = %v, want no error", q, err)
		}
		if _, err := db.ListThreads(ctx, ThreadFilter{Search: q}); err != nil {
			t.Errorf("ListThreads(Search %q) = %v, want no error", q, err)
		}
	}
	// Operators are plain words: the reference text is findable.
	if hits, _ := db.SearchMessages(ctx, `"AND OR (" NEAR`, 10); len(hits) != 1 || hits[0].MessageID != m2.ID {
		t.Errorf(`operator words as text: %+v`, hits)
	}
	if hits, _ := db.SearchMessages(ctx, `"mug`, 10); len(hits) != 2 {
		t.Errorf(`"mug: %d hits, want 2`, len(hits))
	}
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 2 {
		t.Fatalf("messages table damaged: %d, %v", n, err)
	}
}

func hasMessage(hits []MessageHit, id int64) bool {
	for _, h := range hits {
		if h.MessageID == id {
			return true
		}
	}
	return false
}

// The index follows edits: a new subject, a changed body, a deleted
// message.
func TestSearchIndexFollowsChanges(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "alpha"})
	m := mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "1", Direction: DirectionIn, Body: "bravo", SentAt: t0})
	mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "charlie"})
	if hits, _ := db.SearchMessages(ctx, "alpha", 10); len(hits) != 0 {
		t.Errorf("old subject still found")
	}
	if hits, _ := db.SearchMessages(ctx, "charlie", 10); len(hits) != 1 {
		t.Errorf("new subject not found")
	}
	if _, err := db.sql.Exec(`UPDATE messages SET body = 'delta' WHERE id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	if hits, _ := db.SearchMessages(ctx, "bravo", 10); len(hits) != 0 {
		t.Errorf("old body still found")
	}
	if hits, _ := db.SearchMessages(ctx, "delta", 10); len(hits) != 1 {
		t.Errorf("new body not found")
	}
	// The trigram index follows the same edits.
	if _, err := db.sql.Exec(`UPDATE messages SET body = '荷物が届きません' WHERE id = ?`, m.ID); err != nil {
		t.Fatal(err)
	}
	mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "注文の件について"})
	if hits, _ := db.SearchMessages(ctx, "届きません", 10); len(hits) != 1 {
		t.Errorf("new CJK body not found")
	}
	if hits, _ := db.SearchMessages(ctx, "件について", 10); len(hits) != 1 {
		t.Errorf("new CJK subject not found")
	}
	if err := db.DeleteStore(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	var n int
	for _, table := range []string{"message_fts", "message_trigram"} {
		if err := db.sql.QueryRow(`SELECT count(*) FROM ` + table).Scan(&n); err != nil || n != 0 {
			t.Errorf("%s rows after cascade delete = %d, %v; want 0", table, n, err)
		}
	}
}

func TestPlanSearch(t *testing.T) {
	cases := map[string]searchPlan{
		"refund":        {words: `"refund"*`},
		"  two  words ": {words: `"two"* "words"*`},
		`"foo`:          {words: `"""foo"*`},
		`AND OR (`:      {words: `"AND"* "OR"*`},
		`((( ))) "`:     {},
		"a\x00b":        {words: `"a"* "b"*`},
		`a"b`:           {words: `"a""b"*`},
		"届きません":         {grams: `"届きません"`},
		"壊れ 返品 refund":  {words: `"refund"*`, short: []string{"%壊れ%", "%返品%"}},
		"배송이 늦어요":       {grams: `"배송이" "늦어요"`},
		`注文_%`:          {grams: `"注文_%"`},
		`壊%`:            {short: []string{`%壊\%%`}},
	}
	for in, want := range cases {
		got := planSearch(in)
		if got.words != want.words || got.grams != want.grams || strings.Join(got.short, "|") != strings.Join(want.short, "|") {
			t.Errorf("planSearch(%q) = %+v, want %+v", in, got, want)
		}
	}
}

// Search finds words inside Japanese, Chinese and Korean text, and words
// with or without their accents, checked against strings.Contains (and,
// for accents, the same word typed both ways) over the stored text.
func TestSearchEveryScript(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	bodies := []string{
		"注文 111-2 がまだ届きません。追跡情報も更新されていません。",
		"箱がつぶれていて商品が壊れていました。返品したいです。",
		"荷物は届きましたが、色が違います。",
		"包裹还没有收到，物流信息也没有更新。",
		"商品破损了，我要退货。",
		"배송이 아직 안 왔어요. 환불해 주세요.",
		"Das Paket ist beschädigt angekommen.",
		"Le colis est arrivé abîmé, je voudrais un remboursement.",
		"Where is my parcel? 50% off was promised_",
	}
	var ids []int64
	for i, b := range bodies {
		th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T" + strconv.Itoa(i), Subject: "Order " + strconv.Itoa(i)})
		m := mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "1", Direction: DirectionIn, Body: b, SentAt: t0.Add(time.Duration(i) * time.Minute)})
		ids = append(ids, m.ID)
	}
	contains := func(term string) []int64 {
		var want []int64
		for i, b := range bodies {
			if strings.Contains(b, term) {
				want = append(want, ids[i])
			}
		}
		return want
	}
	for _, term := range []string{"届きません", "届き", "壊れ", "返品", "まだ届きません。", "没有", "破损", "退货", "收到",
		"배송", "환불", "안", "beschädigt", "abîmé", "届"} {
		want := contains(term)
		if len(want) == 0 {
			t.Fatalf("bad fixture: no body holds %q", term)
		}
		hits, err := db.SearchMessages(ctx, term, 50)
		if err != nil {
			t.Fatalf("SearchMessages(%q): %v", term, err)
		}
		var got []int64
		for _, h := range hits {
			got = append(got, h.MessageID)
			if !strings.Contains(h.Snippet, term) {
				t.Errorf("search %q: snippet %q does not show the term", term, h.Snippet)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("search %q = messages %v, want %v", term, got, want)
		}
		threads, err := db.ListThreads(ctx, ThreadFilter{Search: term})
		if err != nil || len(threads) != len(want) {
			t.Errorf("ListThreads(Search %q) = %d threads, %v; want %d", term, len(threads), err, len(want))
		}
	}
	// Accents folded, in both directions, for words of spaced scripts.
	for term, want := range map[string]int64{"beschadigt": ids[6], "abime": ids[7], "ARRIVE": ids[7], "Beschädigt": ids[6]} {
		hits, err := db.SearchMessages(ctx, term, 50)
		if err != nil || len(hits) != 1 || hits[0].MessageID != want {
			t.Errorf("search %q = %+v, %v; want message %d", term, hits, err, want)
		}
	}
	// LIKE's wildcards in a short term are plain characters.
	if hits, _ := db.SearchMessages(ctx, "壊%", 50); len(hits) != 0 {
		t.Errorf("壊%% matched as a wildcard: %+v", hits)
	}
	// Terms of different kinds combine with AND.
	if hits, _ := db.SearchMessages(ctx, "111-2 届きません", 50); len(hits) != 1 || hits[0].MessageID != ids[0] {
		t.Errorf("mixed search = %+v", hits)
	}
	if hits, _ := db.SearchMessages(ctx, "返品 届きません", 50); len(hits) != 0 {
		t.Errorf("terms from two messages matched one: %+v", hits)
	}
	if hits, _ := db.SearchMessages(ctx, "壊れ 返品", 50); len(hits) != 1 || hits[0].MessageID != ids[1] {
		t.Errorf("two short terms = %+v", hits)
	}
}

// A file made before the trigram index gets it filled from the messages it
// already holds.
func TestTrigramMigrationFillsExistingMessages(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "amazon")
	th := mustThread(t, db, Thread{StoreID: s.ID, MarketplaceThreadID: "T", Subject: "注文の件"})
	m := mustMessage(t, db, Message{ThreadID: th.ID, MarketplaceMessageID: "1", Direction: DirectionIn, Body: "商品が届きません", SentAt: t0})
	var mig migration
	for _, x := range migrations {
		if strings.Contains(x.sql, "message_trigram") && strings.Contains(x.sql, "CREATE VIRTUAL TABLE") {
			mig = x
		}
	}
	if mig.version == 0 {
		t.Fatal("no migration creates message_trigram")
	}
	// Undo the step, as a file of the version before would be, and open again.
	for _, stmt := range []string{`DROP TABLE message_trigram`, `DROP TRIGGER messages_trigram_insert`, `DROP TRIGGER messages_trigram_update`,
		`DROP TRIGGER messages_trigram_delete`, `DROP TRIGGER threads_trigram_subject`,
		// and the steps after it, which migrate applies again.
		`ALTER TABLE orders DROP COLUMN origin_country`, `ALTER TABLE orders DROP COLUMN destination_country`,
		`DROP TABLE mail_messages`, `DROP TABLE mail_folders`, `DROP TABLE mail_accounts`, `DROP TABLE api_accounts`,
		`DROP INDEX messages_in_reason`, `ALTER TABLE messages DROP COLUMN reason`, `ALTER TABLE messages DROP COLUMN reason_rule`,
		`ALTER TABLE claims DROP COLUMN paid_at`, `DROP VIEW human_messages`, `ALTER TABLE messages DROP COLUMN automatic`,
		`DROP TABLE order_walks`} {
		if _, err := db.sql.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.sql.Exec(`DELETE FROM schema_migrations WHERE version >= ?`, mig.version); err != nil {
		t.Fatal(err)
	}
	if err := db.migrate(ctx); err != nil {
		t.Fatal(err)
	}
	hits, err := db.SearchMessages(ctx, "届きません", 10)
	if err != nil || len(hits) != 1 || hits[0].MessageID != m.ID {
		t.Errorf("after migration: %+v, %v", hits, err)
	}
	if hits, _ := db.SearchMessages(ctx, "注文の", 10); len(hits) != 1 {
		t.Errorf("subject not indexed by the migration: %+v", hits)
	}
}

func FuzzSearchMessages(f *testing.F) {
	for _, s := range []string{`"foo`, `AND OR (`, `NEAR(a b, 2)`, `x*`, `"a" "b"`, `🙂 x`, "\x00a"} {
		f.Add(s)
	}
	db, _ := openTest(f)
	st, err := db.CreateStore(context.Background(), Store{Name: "s", Marketplace: "m"})
	if err != nil {
		f.Fatal(err)
	}
	th, _, err := db.UpsertThread(context.Background(), Thread{StoreID: st.ID, MarketplaceThreadID: "T", Subject: "x"})
	if err != nil {
		f.Fatal(err)
	}
	if _, _, err := db.UpsertMessage(context.Background(), Message{ThreadID: th.ID, MarketplaceMessageID: "1",
		Direction: DirectionIn, Body: "foo bar baz", SentAt: t0}); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, q string) {
		if _, err := db.SearchMessages(context.Background(), q, 5); err != nil {
			t.Fatalf("SearchMessages(%q): %v", q, err)
		}
	})
}

func TestSaveThreadIdempotent(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	s := mustStore(t, db, "shop", "tiktok")
	th := Thread{StoreID: s.ID, MarketplaceThreadID: "T9", BuyerName: "Budi", Subject: "Barang rusak", Language: "id",
		ReplyDeadline: t0.Add(12 * time.Hour)}
	msgs := []Message{
		{MarketplaceMessageID: "a", Direction: DirectionIn, Body: "Barangnya rusak", SentAt: t0,
			Attachments: []Attachment{{FileName: "rusak.jpg", MIME: "image/jpeg", LocalPath: "att/rusak.jpg", Size: 10}}},
		{MarketplaceMessageID: "b", Direction: DirectionOut, Body: "Maaf, kami cek", SentAt: t0.Add(time.Hour)},
	}
	r, err := db.SaveThread(ctx, th, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if !r.Created || r.NewMessages != 2 || len(r.NewMessageIDs) != 2 || r.Thread.Status != StatusReplied ||
		!r.Thread.LastMessageAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("first save = %+v", r)
	}
	msgs = append(msgs, Message{MarketplaceMessageID: "c", Direction: DirectionIn, Body: "Kapan refund?", SentAt: t0.Add(2 * time.Hour)})
	r2, err := db.SaveThread(ctx, th, msgs)
	if err != nil {
		t.Fatal(err)
	}
	if r2.Created || r2.NewMessages != 1 || r2.Thread.ID != r.Thread.ID || r2.Thread.Status != StatusOpen {
		t.Fatalf("second save = %+v", r2)
	}
	stored, err := db.ListMessages(ctx, r.Thread.ID)
	if err != nil || len(stored) != 3 || len(stored[0].Attachments) != 1 || stored[0].Attachments[0].LocalPath != "att/rusak.jpg" {
		t.Fatalf("stored = %+v, %v", stored, err)
	}
	// A bad message rejects the whole thread before anything is written.
	_, err = db.SaveThread(ctx, Thread{StoreID: s.ID, MarketplaceThreadID: "T10"},
		[]Message{{MarketplaceMessageID: "x", Direction: DirectionIn, SentAt: t0}, {MarketplaceMessageID: "y", Direction: "up", SentAt: t0}})
	if !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad direction: %v, want ErrInvalid", err)
	}
	if _, err := db.GetThreadByMarketplaceID(ctx, s.ID, "T10"); !errors.Is(err, ErrNotFound) {
		t.Errorf("rejected thread was stored: %v", err)
	}
	// A failure inside the transaction (the thread names a missing order id)
	// leaves nothing behind either.
	_, err = db.SaveThread(ctx, Thread{StoreID: s.ID, MarketplaceThreadID: "T11", OrderID: 4242},
		[]Message{{MarketplaceMessageID: "x", Direction: DirectionIn, SentAt: t0}})
	if !errors.Is(err, ErrConflict) {
		t.Fatalf("missing order: %v, want ErrConflict", err)
	}
	var n int
	if err := db.sql.QueryRow(`SELECT count(*) FROM messages`).Scan(&n); err != nil || n != 3 {
		t.Errorf("messages = %d, %v; want 3", n, err)
	}
}

func TestPageThreadsOrdersAndCounts(t *testing.T) {
	ctx := context.Background()
	db, ids := readFixture(t)
	p, err := db.PageThreads(ctx, ThreadFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if p.Total != 4 || len(p.Rows) != 2 {
		t.Fatalf("total %d rows %d, want 4 and 2", p.Total, len(p.Rows))
	}
	if p.Rows[0].ID != ids["T-overdue"] || !p.Rows[0].Overdue || p.Rows[1].ID != ids["T-soon"] {
		t.Fatalf("first page = %+v, want overdue then due soon", p.Rows)
	}
	p2, err := db.PageThreads(ctx, ThreadFilter{Offset: 2, Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(p2.Rows) != 2 || p2.Rows[0].ID != ids["T-later"] || p2.Rows[1].ID != ids["T-replied"] {
		t.Fatalf("second page = %+v", p2.Rows)
	}
	// The order matches ListThreads.
	all, err := db.ListThreads(ctx, ThreadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for i, th := range append(p.Rows, p2.Rows...) {
		if all[i].ID != th.ID {
			t.Fatalf("row %d: page has %d, ListThreads has %d", i, th.ID, all[i].ID)
		}
	}
	f, err := db.PageThreads(ctx, ThreadFilter{Language: "en", Statuses: []ThreadStatus{StatusOpen}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if f.Total != 2 {
		t.Fatalf("open english threads = %d, want 2", f.Total)
	}
	if _, err := db.PageThreads(ctx, ThreadFilter{Statuses: []ThreadStatus{"closed"}}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("bad status: err = %v, want ErrInvalid", err)
	}
	past, err := db.PageThreads(ctx, ThreadFilter{Offset: 10, Limit: 5})
	if err != nil || len(past.Rows) != 0 || past.Total != 4 {
		t.Fatalf("offset past the end: %+v, %v", past, err)
	}
	langs, err := db.ThreadLanguages(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(langs) != "[en de]" {
		t.Fatalf("languages = %v, want [en de]", langs)
	}
}

func TestGetThreadContextFindsOrderAndParcel(t *testing.T) {
	ctx := context.Background()
	db, ids := readFixture(t)
	tc, err := db.GetThreadContext(ctx, ids["T-overdue"])
	if err != nil {
		t.Fatal(err)
	}
	if tc.Order == nil || tc.Order.BuyerName != "Ana" {
		t.Fatalf("order = %+v, want Ana's order", tc.Order)
	}
	if tc.Shipment == nil || tc.Shipment.ID != ids["s-stalled"] || len(tc.Events) != 2 || tc.Events[0].Description != "Departed" {
		t.Fatalf("parcel = %+v events %+v", tc.Shipment, tc.Events)
	}
	if len(tc.Messages) != 1 {
		t.Fatalf("messages = %d, want 1", len(tc.Messages))
	}
	bare, err := db.GetThreadContext(ctx, ids["T-later"])
	if err != nil {
		t.Fatal(err)
	}
	if bare.Order != nil || bare.Shipment != nil || bare.Events == nil {
		t.Fatalf("thread without order: %+v", bare)
	}
	if _, err := db.GetThreadContext(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing thread: err = %v, want ErrNotFound", err)
	}
}

// TestThreadOrderListedAndPaged lists and pages through threads with equal
// deadlines, no deadline, every status and two stores, and checks both
// against the inbox's order as the README states it, worked out here in Go
// from the threads as stored: overdue first (most overdue first), then the
// other open threads by reply deadline (none last), then the rest; ties by
// latest message, newest first, then by id.
func TestThreadOrderListedAndPaged(t *testing.T) {
	ctx := context.Background()
	db, _ := openTest(t)
	var stores []int64
	for _, name := range []string{"a", "b"} {
		s, err := db.CreateStore(ctx, Store{Name: name, Marketplace: "amazon"})
		if err != nil {
			t.Fatal(err)
		}
		stores = append(stores, s.ID)
	}
	for i := range 61 {
		var deadline time.Time
		if i%5 != 0 {
			deadline = t0.Add(time.Duration(i%7-3) * time.Hour) // ties, some past, some to come
		}
		th, _, err := db.UpsertThread(ctx, Thread{StoreID: stores[i%2], MarketplaceThreadID: fmt.Sprint("T", i),
			Language: []string{"en", "de"}[i%3%2], ReplyDeadline: deadline, LastMessageAt: t0.Add(-time.Duration(i%4) * time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if s := []ThreadStatus{StatusOpen, StatusOpen, StatusReplied, StatusNoResponseNeeded}[i%4]; s != StatusOpen {
			if err := db.SetThreadStatus(ctx, th.ID, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	all, err := db.ListThreads(ctx, ThreadFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 61 {
		t.Fatalf("%d threads listed, want 61", len(all))
	}
	rank := func(th Thread) int {
		switch {
		case th.Status == StatusOpen && !th.ReplyDeadline.IsZero() && th.ReplyDeadline.Before(t0):
			return 0
		case th.Status == StatusOpen:
			return 1
		}
		return 2
	}
	order := slices.Clone(all)
	slices.SortFunc(order, func(a, b Thread) int {
		if c := cmp.Compare(rank(a), rank(b)); c != 0 {
			return c
		}
		if rank(a) < 2 && a.ReplyDeadline.IsZero() != b.ReplyDeadline.IsZero() {
			if a.ReplyDeadline.IsZero() {
				return 1
			}
			return -1
		}
		if rank(a) < 2 {
			if c := a.ReplyDeadline.Compare(b.ReplyDeadline); c != 0 {
				return c
			}
		}
		if c := b.LastMessageAt.Compare(a.LastMessageAt); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	for _, c := range []struct {
		f    ThreadFilter
		keep func(Thread) bool
	}{
		{ThreadFilter{}, func(Thread) bool { return true }},
		{ThreadFilter{Statuses: []ThreadStatus{StatusOpen}}, func(th Thread) bool { return th.Status == StatusOpen }},
		{ThreadFilter{Statuses: []ThreadStatus{StatusReplied}, StoreIDs: stores[:1]},
			func(th Thread) bool { return th.Status == StatusReplied && th.StoreID == stores[0] }},
		{ThreadFilter{Language: "de", StoreIDs: stores[1:]}, func(th Thread) bool { return th.Language == "de" && th.StoreID == stores[1] }},
		{ThreadFilter{Overdue: true}, func(th Thread) bool { return rank(th) == 0 }},
		{ThreadFilter{DueWithin: 2 * time.Hour}, func(th Thread) bool {
			return th.Status == StatusOpen && !th.ReplyDeadline.Before(t0) && th.ReplyDeadline.Before(t0.Add(2*time.Hour))
		}},
	} {
		var want []int64
		for _, th := range order {
			if c.keep(th) {
				want = append(want, th.ID)
			}
		}
		listed, err := db.ListThreads(ctx, c.f)
		if err != nil {
			t.Fatal(err)
		}
		var gotList []int64
		for _, th := range listed {
			gotList = append(gotList, th.ID)
		}
		if !slices.Equal(gotList, want) {
			t.Errorf("%+v: ListThreads gives\n%v\nthe rule gives\n%v", c.f, gotList, want)
		}
		if f := c.f; len(want) > 3 {
			f.Limit = 3
			capped, err := db.ListThreads(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if len(capped) != 3 || capped[2].ID != want[2] {
				t.Errorf("%+v: capped list %v, want the first 3 of %v", f, capped, want)
			}
		}
		var got []int64
		for off := 0; ; off += 7 {
			f := c.f
			f.Offset, f.Limit = off, 7
			p, err := db.PageThreads(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			if p.Total != len(want) {
				t.Fatalf("%+v: total %d, the rule keeps %d", f, p.Total, len(want))
			}
			if len(p.Rows) == 0 {
				break
			}
			for _, th := range p.Rows {
				got = append(got, th.ID)
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%+v: pages give\n%v\nthe rule gives\n%v", c.f, got, want)
		}
	}
}

// The search reads the full-text index in message-id order and stops at
// the limit: SQLite's plan (EXPLAIN QUERY PLAN,
// https://sqlite.org/eqp.html) starts from the index's virtual table and
// needs no temporary b-tree to sort, so no query ranks or sorts every match.
func TestSearchPlanStartsFromTheIndexAndDoesNotSort(t *testing.T) {
	db, _ := openTest(t)
	ctx := context.Background()
	for _, text := range []string{"order 4242", "注文4243の", "注文4243の refund", "返品 refund", "返品"} {
		q, args := searchQuery(planSearch(text), 50)
		rows, err := db.sql.QueryContext(ctx, "EXPLAIN QUERY PLAN "+q, args...)
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, notused int
			var detail string
			if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		all := strings.Join(plan, "\n")
		if strings.Contains(all, "TEMP B-TREE") {
			t.Errorf("%q sorts its matches:\n%s", text, all)
		}
		if p := planSearch(text); (p.words != "" || p.grams != "") && !strings.Contains(plan[0], "VIRTUAL TABLE") {
			t.Errorf("%q does not start from the full-text index:\n%s", text, all)
		}
	}
}
