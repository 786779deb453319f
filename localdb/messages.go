package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// ThreadKind says what a buyer thread is about.
type ThreadKind string

// Thread kinds.
const (
	KindMessage ThreadKind = "message"
	KindReturn  ThreadKind = "return"
	KindCase    ThreadKind = "case"
)

// ThreadStatus says whether a thread still waits for the seller.
type ThreadStatus string

// Thread statuses.
const (
	StatusOpen             ThreadStatus = "open"
	StatusReplied          ThreadStatus = "replied"
	StatusNoResponseNeeded ThreadStatus = "no_response_needed"
)

// Direction says who wrote a message: the buyer (in) or the seller (out).
type Direction string

// Message directions.
const (
	DirectionIn  Direction = "in"
	DirectionOut Direction = "out"
)

var (
	threadKinds    = []ThreadKind{KindMessage, KindReturn, KindCase}
	threadStatuses = []ThreadStatus{StatusOpen, StatusReplied, StatusNoResponseNeeded}
	directions     = []Direction{DirectionIn, DirectionOut}
)

// Thread is a conversation with a buyer on one store.
type Thread struct {
	ID                  int64  `json:"id"`
	StoreID             int64  `json:"store_id"`
	MarketplaceThreadID string `json:"marketplace_thread_id"`
	// OrderID links the local order once it is known (0 until then).
	OrderID            int64        `json:"order_id,omitempty"`
	MarketplaceOrderID string       `json:"marketplace_order_id,omitempty"`
	BuyerName          string       `json:"buyer_name"`
	Subject            string       `json:"subject"`
	Language           string       `json:"language"`
	Kind               ThreadKind   `json:"kind"`
	Status             ThreadStatus `json:"status"`
	LastMessageAt      time.Time    `json:"last_message_at,omitzero"`
	ReplyDeadline      time.Time    `json:"reply_deadline,omitzero"`
	CreatedAt          time.Time    `json:"created_at"`
	UpdatedAt          time.Time    `json:"updated_at"`

	// Filled on reads.
	StoreName   string `json:"store"`
	Marketplace string `json:"marketplace"`
	// StoreRemoved is true when the thread's store was removed with its
	// history kept: the thread can no longer be answered from here.
	StoreRemoved bool `json:"store_removed,omitempty"`
	// Overdue is true for an open thread of a store in use whose reply
	// deadline has passed by the database's clock.
	Overdue bool `json:"overdue"`
}

// Message is one message of a thread.
type Message struct {
	ID                   int64        `json:"id"`
	ThreadID             int64        `json:"thread_id"`
	MarketplaceMessageID string       `json:"marketplace_message_id"`
	Direction            Direction    `json:"direction"`
	Sender               string       `json:"sender"`
	Body                 string       `json:"body"`
	SentAt               time.Time    `json:"sent_at"`
	Language             string       `json:"language"`
	CreatedAt            time.Time    `json:"created_at"`
	Attachments          []Attachment `json:"attachments,omitempty"`
	// Original, on a reply sent in a machine translation, is the text the
	// operator wrote; Body is what the buyer received.
	Original *ReplyOriginal `json:"original,omitempty"`
	// Automatic is true for a message no person wrote (an out-of-office, a
	// help desk's acknowledgement): it is kept and shown, but it neither
	// answers the buyer nor asks the seller anything, so it leaves the
	// thread's status and the response clock as they were.
	Automatic bool `json:"automatic"`
}

// Attachment is a file attached to a message and saved locally.
type Attachment struct {
	ID        int64     `json:"id"`
	MessageID int64     `json:"message_id"`
	FileName  string    `json:"file_name"`
	MIME      string    `json:"mime"`
	LocalPath string    `json:"local_path"`
	Size      int64     `json:"size"`
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at"`
}

const threadCols = `t.id, t.store_id, t.marketplace_thread_id, t.order_id, t.marketplace_order_id, t.buyer_name,
	t.subject, t.language, t.kind, t.status, t.last_message_at, t.reply_deadline, t.created_at, t.updated_at,
	s.name, s.marketplace, s.removed_at IS NOT NULL`

// liveStore keeps the threads t of stores still in use. A store removed
// with its history kept (`stores remove --keep-data`) can no longer be
// answered from here, so its open threads are history: listed and found,
// but never overdue or due soon, and sorted with the threads that are not
// open.
const liveStore = `t.store_id NOT IN (SELECT id FROM stores WHERE removed_at IS NOT NULL)`

// threadFrom joins the store so that each thread carries its store's name
// and marketplace.
const threadFrom = ` FROM threads t JOIN stores s ON s.id = t.store_id`

func (db *DB) scanThread(now time.Time) func(row interface{ Scan(...any) error }) (Thread, error) {
	return func(row interface{ Scan(...any) error }) (Thread, error) {
		var t Thread
		var order, last, deadline sql.NullInt64
		var created, updated int64
		err := row.Scan(&t.ID, &t.StoreID, &t.MarketplaceThreadID, &order, &t.MarketplaceOrderID, &t.BuyerName,
			&t.Subject, &t.Language, &t.Kind, &t.Status, &last, &deadline, &created, &updated,
			&t.StoreName, &t.Marketplace, &t.StoreRemoved)
		if err != nil {
			return Thread{}, err
		}
		t.OrderID = fromNullID(order)
		t.LastMessageAt = fromMS(last)
		t.ReplyDeadline = fromMS(deadline)
		t.CreatedAt = time.UnixMilli(created).UTC()
		t.UpdatedAt = time.UnixMilli(updated).UTC()
		t.Overdue = t.Status == StatusOpen && !t.StoreRemoved && !t.ReplyDeadline.IsZero() && t.ReplyDeadline.Before(now)
		return t, nil
	}
}

const messageCols = `id, thread_id, marketplace_message_id, direction, sender, body, sent_at, language, created_at, automatic`

func scanMessage(row interface{ Scan(...any) error }) (Message, error) {
	var m Message
	var sent, created int64
	if err := row.Scan(&m.ID, &m.ThreadID, &m.MarketplaceMessageID, &m.Direction, &m.Sender, &m.Body,
		&sent, &m.Language, &created, &m.Automatic); err != nil {
		return Message{}, err
	}
	m.SentAt = time.UnixMilli(sent).UTC()
	m.CreatedAt = time.UnixMilli(created).UTC()
	return m, nil
}

const attachmentCols = `id, message_id, file_name, mime, local_path, size, sha256, created_at`

func scanAttachment(row interface{ Scan(...any) error }) (Attachment, error) {
	var a Attachment
	var created int64
	if err := row.Scan(&a.ID, &a.MessageID, &a.FileName, &a.MIME, &a.LocalPath, &a.Size, &a.SHA256, &created); err != nil {
		return Attachment{}, err
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	return a, nil
}

// UpsertThread stores a thread keyed by store and marketplace thread id and
// reports whether it is new. Storing the same thread again updates it in
// place: empty fields keep the stored values, LastMessageAt only moves
// forward, and Status is taken only when the thread is new (later changes go
// through SetThreadStatus and UpsertMessage, so a local "no response needed"
// survives a resync). When the order is already stored it is linked by its
// marketplace order id.
func (db *DB) UpsertThread(ctx context.Context, t Thread) (out Thread, created bool, err error) {
	if t.StoreID == 0 || t.MarketplaceThreadID == "" {
		return Thread{}, false, invalidf("thread needs a store id and a marketplace thread id (got %d, %q)", t.StoreID, t.MarketplaceThreadID)
	}
	if t.Kind != "" {
		if err := oneOf("thread kind", t.Kind, threadKinds...); err != nil {
			return Thread{}, false, err
		}
	}
	if t.Status == "" {
		t.Status = StatusOpen
	}
	if err := oneOf("thread status", t.Status, threadStatuses...); err != nil {
		return Thread{}, false, err
	}
	now := db.now()
	err = db.tx(ctx, func(tx *sql.Tx) error {
		var id int64
		id, created, err = upsertThread(ctx, tx, t, msNow(now))
		if err != nil {
			return err
		}
		out, err = getThread(ctx, tx, db.scanThread(now), id)
		return err
	})
	if err != nil {
		return Thread{}, false, fmt.Errorf("store thread %s: %w", t.MarketplaceThreadID, err)
	}
	return out, created, nil
}

func upsertThread(ctx context.Context, tx sqlTx, t Thread, now int64) (int64, bool, error) {
	orderID := t.OrderID
	if orderID == 0 && t.MarketplaceOrderID != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM orders WHERE store_id = ? AND marketplace_order_id = ?`,
			t.StoreID, t.MarketplaceOrderID).Scan(&orderID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return 0, false, err
		}
	}
	kind := t.Kind
	if kind == "" {
		kind = KindMessage
	}
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO threads
		(store_id, marketplace_thread_id, order_id, marketplace_order_id, buyer_name, subject, language, kind,
		 status, last_message_at, reply_deadline, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (store_id, marketplace_thread_id) DO NOTHING RETURNING id`,
		t.StoreID, t.MarketplaceThreadID, nullID(orderID), t.MarketplaceOrderID, t.BuyerName, t.Subject,
		t.Language, kind, t.Status, ms(t.LastMessageAt), ms(t.ReplyDeadline), now, now).Scan(&id)
	if err == nil {
		return id, true, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, false, err
	}
	err = tx.QueryRowContext(ctx, `UPDATE threads SET
		order_id = coalesce(?, order_id),
		marketplace_order_id = coalesce(nullif(?, ''), marketplace_order_id),
		buyer_name = coalesce(nullif(?, ''), buyer_name),
		subject = coalesce(nullif(?, ''), subject),
		language = coalesce(nullif(?, ''), language),
		kind = coalesce(nullif(?, ''), kind),
		last_message_at = CASE WHEN ? IS NULL THEN last_message_at ELSE max(coalesce(last_message_at, 0), ?) END,
		reply_deadline = coalesce(?, reply_deadline),
		updated_at = ?
		WHERE store_id = ? AND marketplace_thread_id = ? RETURNING id`,
		nullID(orderID), t.MarketplaceOrderID, t.BuyerName, t.Subject, t.Language, string(t.Kind),
		ms(t.LastMessageAt), ms(t.LastMessageAt), ms(t.ReplyDeadline), now, t.StoreID, t.MarketplaceThreadID).Scan(&id)
	if err != nil {
		return 0, false, err
	}
	return id, false, nil
}

func getThread(ctx context.Context, q queryRower, scan func(interface{ Scan(...any) error }) (Thread, error), id int64) (Thread, error) {
	t, err := scan(q.QueryRowContext(ctx, `SELECT `+threadCols+threadFrom+` WHERE t.id = ?`, id))
	if err != nil {
		return Thread{}, fmt.Errorf("thread id %d: %w", id, mapErr(err))
	}
	return t, nil
}

// GetThread returns the thread with the given id.
func (db *DB) GetThread(ctx context.Context, id int64) (Thread, error) {
	return getThread(ctx, db.sql, db.scanThread(db.now()), id)
}

// GetThreadByMarketplaceID returns a store's thread by the marketplace's id.
func (db *DB) GetThreadByMarketplaceID(ctx context.Context, storeID int64, marketplaceThreadID string) (Thread, error) {
	return db.threadByMarketplaceID(ctx, db.sql, storeID, marketplaceThreadID)
}

func (db *DB) threadByMarketplaceID(ctx context.Context, q queryRower, storeID int64, marketplaceThreadID string) (Thread, error) {
	t, err := db.scanThread(db.now())(q.QueryRowContext(ctx, `SELECT `+threadCols+threadFrom+`
		WHERE t.store_id = ? AND t.marketplace_thread_id = ?`, storeID, marketplaceThreadID))
	if err != nil {
		return Thread{}, fmt.Errorf("thread %q of store %d: %w", marketplaceThreadID, storeID, mapErr(err))
	}
	return t, nil
}

// SetThreadStatus sets a thread's status, for example to
// no_response_needed when the operator marks it done.
func (db *DB) SetThreadStatus(ctx context.Context, threadID int64, status ThreadStatus) error {
	if err := oneOf("thread status", status, threadStatuses...); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("thread id %d", threadID),
			`UPDATE threads SET status = ?, updated_at = ? WHERE id = ?`, status, msNow(db.now()), threadID)
	})
}

// SetReplyDeadline sets (or, with the zero time, clears) a thread's reply
// deadline.
func (db *DB) SetReplyDeadline(ctx context.Context, threadID int64, deadline time.Time) error {
	return db.tx(ctx, func(tx *sql.Tx) error {
		return execOne(ctx, tx, fmt.Sprintf("thread id %d", threadID),
			`UPDATE threads SET reply_deadline = ?, updated_at = ? WHERE id = ?`, ms(deadline), msNow(db.now()), threadID)
	})
}

// UpsertMessage stores a message keyed by thread and marketplace message id
// and reports whether it is new. A message stored before is returned as it
// is (only an empty language is filled in). A new message moves the
// thread's last_message_at forward; when it is the newest message of the
// thread, a buyer's message reopens the thread and a seller's message marks
// it replied.
func (db *DB) UpsertMessage(ctx context.Context, m Message) (out Message, created bool, err error) {
	if m.ThreadID == 0 || m.MarketplaceMessageID == "" {
		return Message{}, false, invalidf("message needs a thread id and a marketplace message id (got %d, %q)", m.ThreadID, m.MarketplaceMessageID)
	}
	if err := oneOf("message direction", m.Direction, directions...); err != nil {
		return Message{}, false, err
	}
	if m.SentAt.IsZero() {
		return Message{}, false, invalidf("message %s has no sent time", m.MarketplaceMessageID)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out, created, err = upsertMessage(ctx, tx, m, db.now())
		return err
	})
	if err != nil {
		return Message{}, false, fmt.Errorf("store message %s: %w", m.MarketplaceMessageID, err)
	}
	return out, created, nil
}

func upsertMessage(ctx context.Context, tx sqlTx, m Message, now time.Time) (Message, bool, error) {
	sent := m.SentAt.UnixMilli()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO messages
		(thread_id, marketplace_message_id, direction, sender, body, sent_at, language, created_at, automatic)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (thread_id, marketplace_message_id) DO NOTHING RETURNING id`,
		m.ThreadID, m.MarketplaceMessageID, m.Direction, m.Sender, m.Body, sent, m.Language, msNow(now), m.Automatic).Scan(&id)
	created := err == nil
	switch {
	case created && m.Automatic:
		// No person wrote it: the buyer is not asking again, nor has the
		// seller answered. Only the thread's last activity moves.
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET last_message_at = max(coalesce(last_message_at, 0), ?), updated_at = ?
			WHERE id = ?`, sent, msNow(now), m.ThreadID); err != nil {
			return Message{}, false, err
		}
	case created:
		// Newest message a person wrote decides the status: the buyer waits
		// again, or the seller has answered. An older message arriving late
		// changes nothing.
		status := StatusOpen
		if m.Direction == DirectionOut {
			status = StatusReplied
		}
		if _, err := tx.ExecContext(ctx, `UPDATE threads SET
			status = CASE WHEN ? >= (SELECT max(sent_at) FROM human_messages WHERE thread_id = ?) THEN ? ELSE status END,
			last_message_at = max(coalesce(last_message_at, 0), ?),
			updated_at = ?
			WHERE id = ?`, sent, m.ThreadID, status, sent, msNow(now), m.ThreadID); err != nil {
			return Message{}, false, err
		}
	case errors.Is(err, sql.ErrNoRows):
		if m.Language != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE messages SET language = ? WHERE thread_id = ?
				AND marketplace_message_id = ? AND language = ''`, m.Language, m.ThreadID, m.MarketplaceMessageID); err != nil {
				return Message{}, false, err
			}
		}
	default:
		return Message{}, false, err
	}
	out, err := scanMessage(tx.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages
		WHERE thread_id = ? AND marketplace_message_id = ?`, m.ThreadID, m.MarketplaceMessageID))
	return out, created, err
}

// SavedThread is what SaveThread stored.
type SavedThread struct {
	Thread      Thread
	Created     bool // the thread is new
	NewMessages int  // messages not stored before
	// NewMessageIDs are the ids of the new messages, in the order given.
	NewMessageIDs []int64
}

// SaveThread stores a thread with its messages and their attachments in
// one transaction, with the same rules as UpsertThread, UpsertMessage and
// UpsertAttachment (ThreadID and MessageID are filled in). It is the unit a
// sync writes per thread: all of it is stored, or none of it.
func (db *DB) SaveThread(ctx context.Context, t Thread, msgs []Message) (SavedThread, error) {
	return db.saveThreadWith(ctx, t, msgs, nil)
}

// saveThreadWith is SaveThread that also runs also (when set) inside the
// same transaction, with the ids of the new messages.
func (db *DB) saveThreadWith(ctx context.Context, t Thread, msgs []Message, also func(tx *sql.Tx, newIDs []int64) error) (SavedThread, error) {
	t, err := checkThread(t, msgs)
	if err != nil {
		return SavedThread{}, err
	}
	var out SavedThread
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out, err = db.saveThreadTx(ctx, tx, t, msgs, func(tx sqlTx, ids []int64) error {
			if also == nil {
				return nil
			}
			return also(tx.(*sql.Tx), ids)
		})
		return err
	})
	if err != nil {
		return SavedThread{}, fmt.Errorf("store thread %s: %w", t.MarketplaceThreadID, err)
	}
	return out, nil
}

// checkThread checks a thread and its messages before anything is written,
// and fills the thread's default status.
func checkThread(t Thread, msgs []Message) (Thread, error) {
	if t.StoreID == 0 || t.MarketplaceThreadID == "" {
		return Thread{}, invalidf("thread needs a store id and a marketplace thread id (got %d, %q)", t.StoreID, t.MarketplaceThreadID)
	}
	if t.Kind != "" {
		if err := oneOf("thread kind", t.Kind, threadKinds...); err != nil {
			return Thread{}, err
		}
	}
	if t.Status == "" {
		t.Status = StatusOpen
	}
	if err := oneOf("thread status", t.Status, threadStatuses...); err != nil {
		return Thread{}, err
	}
	for _, m := range msgs {
		if m.MarketplaceMessageID == "" || m.SentAt.IsZero() {
			return Thread{}, invalidf("thread %s: message %q needs a marketplace id and a sent time", t.MarketplaceThreadID, m.MarketplaceMessageID)
		}
		if err := oneOf("message direction", m.Direction, directions...); err != nil {
			return Thread{}, err
		}
		for _, a := range m.Attachments {
			if a.FileName == "" {
				return Thread{}, invalidf("thread %s: message %s has an attachment without a file name", t.MarketplaceThreadID, m.MarketplaceMessageID)
			}
		}
	}
	return t, nil
}

// saveThreadTx writes a checked thread and its messages within tx.
func (db *DB) saveThreadTx(ctx context.Context, tx sqlTx, t Thread, msgs []Message, also func(tx sqlTx, newIDs []int64) error) (SavedThread, error) {
	now := db.now()
	var out SavedThread
	id, created, err := upsertThread(ctx, tx, t, msNow(now))
	if err != nil {
		return SavedThread{}, err
	}
	out.Created = created
	for _, m := range msgs {
		m.ThreadID = id
		sm, mc, err := upsertMessage(ctx, tx, m, now)
		if err != nil {
			return SavedThread{}, fmt.Errorf("message %s: %w", m.MarketplaceMessageID, err)
		}
		if mc {
			out.NewMessages++
			out.NewMessageIDs = append(out.NewMessageIDs, sm.ID)
		}
		for _, a := range m.Attachments {
			a.MessageID = sm.ID
			if _, _, err := upsertAttachment(ctx, tx, a, msNow(now)); err != nil {
				return SavedThread{}, fmt.Errorf("attachment %q of message %s: %w", a.FileName, m.MarketplaceMessageID, err)
			}
		}
	}
	if also != nil {
		if err := also(tx, out.NewMessageIDs); err != nil {
			return SavedThread{}, err
		}
	}
	out.Thread, err = getThread(ctx, tx, db.scanThread(now), id)
	return out, err
}

// ListMessages returns a thread's messages, oldest first, each with its
// attachments.
func (db *DB) ListMessages(ctx context.Context, threadID int64) ([]Message, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE thread_id = ?
		ORDER BY sent_at, id`, threadID)
	if err != nil {
		return nil, mapErr(err)
	}
	msgs, err := collect(rows, scanMessage)
	if err != nil {
		return nil, err
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE message_id IN (SELECT id FROM messages WHERE thread_id = ?) ORDER BY id`, threadID)
	if err != nil {
		return nil, mapErr(err)
	}
	atts, err := collect(rows, scanAttachment)
	if err != nil {
		return nil, err
	}
	byMsg := map[int64]int{}
	for i, m := range msgs {
		byMsg[m.ID] = i
	}
	for _, a := range atts {
		i := byMsg[a.MessageID]
		msgs[i].Attachments = append(msgs[i].Attachments, a)
	}
	return msgs, nil
}

// UpsertAttachment stores an attachment keyed by message and file name and
// reports whether it is new. Storing it again fills in the fields that are
// not empty (for example the local path and hash once the download ends).
func (db *DB) UpsertAttachment(ctx context.Context, a Attachment) (out Attachment, created bool, err error) {
	if a.MessageID == 0 || a.FileName == "" {
		return Attachment{}, false, invalidf("attachment needs a message id and a file name (got %d, %q)", a.MessageID, a.FileName)
	}
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out, created, err = upsertAttachment(ctx, tx, a, msNow(db.now()))
		return err
	})
	if err != nil {
		return Attachment{}, false, fmt.Errorf("store attachment %q of message %d: %w", a.FileName, a.MessageID, err)
	}
	return out, created, nil
}

func upsertAttachment(ctx context.Context, tx sqlTx, a Attachment, now int64) (Attachment, bool, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO attachments
		(message_id, file_name, mime, local_path, size, sha256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (message_id, file_name) DO NOTHING RETURNING id`,
		a.MessageID, a.FileName, a.MIME, a.LocalPath, a.Size, a.SHA256, now).Scan(&id)
	created := err == nil
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return Attachment{}, false, err
	}
	if !created {
		if _, err := tx.ExecContext(ctx, `UPDATE attachments SET
			mime = coalesce(nullif(?, ''), mime),
			local_path = coalesce(nullif(?, ''), local_path),
			size = coalesce(nullif(?, 0), size),
			sha256 = coalesce(nullif(?, ''), sha256)
			WHERE message_id = ? AND file_name = ?`,
			a.MIME, a.LocalPath, a.Size, a.SHA256, a.MessageID, a.FileName); err != nil {
			return Attachment{}, false, err
		}
	}
	out, err := scanAttachment(tx.QueryRowContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE message_id = ? AND file_name = ?`, a.MessageID, a.FileName))
	return out, created, err
}

// ThreadFilter selects threads for ListThreads and PageThreads. Zero
// fields do not filter.
type ThreadFilter struct {
	StoreIDs []int64
	Language string
	Statuses []ThreadStatus
	// Overdue keeps open threads whose reply deadline has passed.
	Overdue bool
	// DueWithin, when positive, keeps open threads whose reply deadline is
	// still ahead but less than this far away (thresholds.due_soon: see
	// messages.DueSoon, the same rule in Go).
	DueWithin time.Duration
	// Search keeps threads with a message (or subject) matching the words,
	// as SearchMessages matches them.
	Search string
	// Offset skips this many threads of the order.
	Offset int
	// Limit caps the result; 0 means no cap (1000 for PageThreads).
	Limit int
}

// MessageHit is one result of SearchMessages.
type MessageHit struct {
	MessageID int64     `json:"message_id"`
	ThreadID  int64     `json:"thread_id"`
	StoreID   int64     `json:"store_id"`
	StoreName string    `json:"store"`
	Subject   string    `json:"subject"`
	Direction Direction `json:"direction"`
	Sender    string    `json:"sender"`
	SentAt    time.Time `json:"sent_at"`
	// Snippet is a short excerpt with the matched words in [brackets].
	Snippet string `json:"snippet"`
}

// SearchMessages finds messages whose body or thread subject contains every
// word of text, newest first. A word in a script written with spaces
// matches whole words or their start, case and accents folded ("refund"
// finds "Refunded", "beschadigt" finds "beschädigt"); a word in Japanese,
// Chinese, Korean or another script written without spaces matches anywhere
// in the text ("届きません" finds "まだ届きません。"). text is taken as plain
// words: quotes, parentheses and FTS operators such as AND, OR, NOT or NEAR
// carry no meaning, so no input causes a query syntax error. Text without
// any letter or digit finds nothing. limit <= 0 means 50.
func (db *DB) SearchMessages(ctx context.Context, text string, limit int) ([]MessageHit, error) {
	p := planSearch(text)
	if p.empty() {
		return []MessageHit{}, nil
	}
	if limit <= 0 {
		limit = 50
	}
	query, args := searchQuery(p, limit)
	rows, err := db.sql.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("search messages for %q: %w", text, mapErr(err))
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (MessageHit, error) {
		var h MessageHit
		var sent int64
		var body string
		err := row.Scan(&h.MessageID, &h.ThreadID, &h.StoreID, &h.StoreName, &h.Subject, &h.Direction,
			&h.Sender, &sent, &h.Snippet, &body)
		h.SentAt = time.UnixMilli(sent).UTC()
		if p.words == "" && p.grams == "" {
			h.Snippet = likeSnippet(body, p.short)
		}
		return h, err
	})
}

// searchQuery is SearchMessages' SQL for plan p.
func searchQuery(p searchPlan, limit int) (string, []any) {
	// The word index drives the query when the text has words, else the
	// trigram index; terms of one or two characters alone are a scan. Hits
	// come newest first (by message id), which the full-text index yields
	// in that order itself: the query stops at the limit instead of ranking
	// every match (bm25 reads each term's whole list to weigh it).
	const cols = `m.id, m.thread_id, t.store_id, s.name, t.subject, m.direction, m.sender, m.sent_at, `
	const joins = ` JOIN threads t ON t.id = m.thread_id JOIN stores s ON s.id = t.store_id`
	var query, order string
	var args []any
	switch {
	case p.words != "":
		query = `SELECT ` + cols + `snippet(message_fts, -1, '[', ']', '…', 12), m.body
			FROM message_fts JOIN messages m ON m.id = message_fts.rowid` + joins + `
			WHERE message_fts MATCH ?`
		args = append(args, p.words)
		order = ` ORDER BY message_fts.rowid DESC LIMIT ?`
	case p.grams != "":
		query = `SELECT ` + cols + `snippet(message_trigram, -1, '[', ']', '…', 24), m.body
			FROM message_trigram JOIN messages m ON m.id = message_trigram.rowid` + joins + `
			WHERE message_trigram MATCH ?`
		args = append(args, p.grams)
		order = ` ORDER BY message_trigram.rowid DESC LIMIT ?`
	default:
		query = `SELECT ` + cols + `'', m.body FROM messages m` + joins + ` WHERE 1`
		order = ` ORDER BY m.id DESC LIMIT ?`
	}
	skip := "words"
	if p.words == "" {
		skip = "grams"
	}
	conds, cargs := p.filters("m", "t", skip)
	for _, c := range conds {
		query += " AND " + c
	}
	args = append(args, cargs...)
	query += order
	args = append(args, limit)
	return query, args
}

func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// ListThreads returns the threads that pass f, in the inbox's order:
// overdue threads first (most overdue first), then the other open threads
// by reply deadline, then the rest by latest message. It is PageThreads'
// query without the count; f.Limit 0 means no cap.
func (db *DB) ListThreads(ctx context.Context, f ThreadFilter) ([]Thread, error) {
	p, err := db.queryThreads(ctx, f, false)
	return p.Rows, err
}

// PageThreads returns one page of the threads that pass f (from f.Offset,
// at most f.Limit, capped at 1000), in ListThreads' order, and how many
// threads pass f.
func (db *DB) PageThreads(ctx context.Context, f ThreadFilter) (Page[Thread], error) {
	return db.queryThreads(ctx, f, true)
}

// threadWhere turns f into conditions on threads t. none reports a search
// that can match nothing.
func threadWhere(f ThreadFilter, nowMS int64) (where []string, args []any, none bool, err error) {
	if len(f.StoreIDs) > 0 {
		where = append(where, "t.store_id IN ("+placeholders(len(f.StoreIDs))+")")
		for _, id := range f.StoreIDs {
			args = append(args, id)
		}
	}
	if f.Language != "" {
		where = append(where, "t.language = ?")
		args = append(args, f.Language)
	}
	if len(f.Statuses) > 0 {
		for _, s := range f.Statuses {
			if err := oneOf("thread status", s, threadStatuses...); err != nil {
				return nil, nil, false, err
			}
			args = append(args, s)
		}
		where = append(where, "t.status IN ("+placeholders(len(f.Statuses))+")")
	}
	if f.Overdue {
		where = append(where, "t.status = 'open' AND t.reply_deadline < ? AND "+liveStore)
		args = append(args, nowMS)
	}
	if f.DueWithin > 0 {
		where = append(where, "t.status = 'open' AND t.reply_deadline >= ? AND t.reply_deadline < ? AND "+liveStore)
		args = append(args, nowMS, nowMS+f.DueWithin.Milliseconds())
	}
	if strings.TrimSpace(f.Search) != "" {
		p := planSearch(f.Search)
		if p.empty() {
			return nil, nil, true, nil
		}
		conds, cargs := p.filters("m", "mt", "")
		where = append(where, `t.id IN (SELECT m.thread_id FROM messages m JOIN threads mt ON mt.id = m.thread_id
			WHERE `+strings.Join(conds, " AND ")+`)`)
		args = append(args, cargs...)
	}
	return where, args, false, nil
}

// queryThreads is the one thread query, behind ListThreads and
// PageThreads. counted reads the total too (always when f.Offset is set,
// to know which runs to skip).
//
// The order is read in four runs (overdue, due later, open without a
// deadline, not open) so that the first two, which the inbox shows first,
// walk the (status, reply_deadline) index instead of sorting every thread.
func (db *DB) queryThreads(ctx context.Context, f ThreadFilter, counted bool) (Page[Thread], error) {
	now := db.now()
	nowMS := now.UnixMilli()
	offset, limit := queryBounds(f.Offset, f.Limit, counted)
	counted = counted || offset > 0
	where, args, none, err := threadWhere(f, nowMS)
	out := Page[Thread]{Offset: max(offset, 0), Rows: []Thread{}}
	if err != nil || none {
		return out, err
	}
	// Each run's order is written twice: for the inner pick of ids and for
	// the outer query over the picked page p.
	const (
		byDeadline  = "k1, k2 DESC NULLS LAST, pid"
		byDeadlineP = "p.k1, p.k2 DESC NULLS LAST, p.pid"
		byLatest    = "k2 DESC NULLS LAST, pid"
		byLatestP   = "p.k2 DESC NULLS LAST, p.pid"
	)
	runs := []struct {
		cond         string
		args         []any
		order, outer string
	}{
		{"t.status = 'open' AND t.reply_deadline < ? AND " + liveStore, []any{nowMS}, byDeadline, byDeadlineP},
		{"t.status = 'open' AND t.reply_deadline >= ? AND " + liveStore, []any{nowMS}, byDeadline, byDeadlineP},
		{"t.status = 'open' AND t.reply_deadline IS NULL AND " + liveStore, nil, byLatest, byLatestP},
		{"(t.status <> 'open' OR NOT " + liveStore + ")", nil, byLatest, byLatestP},
	}
	scan := db.scanThread(now)
	skip, need := out.Offset, limit
	for _, r := range runs {
		cond := whereClause(append(append([]string{}, where...), r.cond))
		rargs := append(append([]any{}, args...), r.args...)
		if counted {
			var n int
			if err := db.sql.QueryRowContext(ctx, `SELECT count(*) FROM threads t`+cond, rargs...).Scan(&n); err != nil {
				return Page[Thread]{}, fmt.Errorf("count threads: %w", mapErr(err))
			}
			out.Total += n
			if need == 0 || skip >= n {
				skip -= min(skip, n)
				continue
			}
		} else if need == 0 {
			break
		}
		// The page's ids are picked from threads alone (id and sort keys),
		// then joined to their columns and store.
		rows, err := db.sql.QueryContext(ctx, `SELECT `+threadCols+` FROM (
			SELECT t.id AS pid, t.reply_deadline AS k1, t.last_message_at AS k2 FROM threads t`+cond+`
			ORDER BY `+r.order+` LIMIT ? OFFSET ?) p
			JOIN threads t ON t.id = p.pid JOIN stores s ON s.id = t.store_id
			ORDER BY `+r.outer,
			append(rargs, need, skip)...)
		if err != nil {
			return Page[Thread]{}, fmt.Errorf("list threads: %w", mapErr(err))
		}
		got, err := collect(rows, scan)
		if err != nil {
			return Page[Thread]{}, fmt.Errorf("list threads: %w", err)
		}
		out.Rows = append(out.Rows, got...)
		if need > 0 {
			need -= len(got)
		}
		skip = 0
	}
	if !counted {
		out.Total = len(out.Rows)
	}
	return out, nil
}

// ThreadLanguages returns the languages threads are written in, for the
// inbox's language filter, most common first. Threads with no detected
// language are left out.
func (db *DB) ThreadLanguages(ctx context.Context) ([]string, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT language FROM threads WHERE language <> ''
		GROUP BY language ORDER BY count(*) DESC, language`)
	if err != nil {
		return nil, fmt.Errorf("thread languages: %w", mapErr(err))
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (string, error) {
		var s string
		err := row.Scan(&s)
		return s, err
	})
}

// ThreadContext is everything the inbox's thread pane shows: the thread,
// its messages, and, when they are known, its order, the order's parcel and
// the parcel's events (newest first).
type ThreadContext struct {
	Thread   Thread          `json:"thread"`
	Messages []Message       `json:"messages"`
	Order    *Order          `json:"order,omitempty"`
	Shipment *Shipment       `json:"shipment,omitempty"`
	Events   []TrackingEvent `json:"events"`
}

// GetThreadContext reads a thread with its messages, order and parcel. The
// parcel is found by the order's link or by the order's tracking number.
func (db *DB) GetThreadContext(ctx context.Context, threadID int64) (ThreadContext, error) {
	var out ThreadContext
	var err error
	if out.Thread, err = db.GetThread(ctx, threadID); err != nil {
		return ThreadContext{}, err
	}
	if out.Messages, err = db.ListMessages(ctx, threadID); err != nil {
		return ThreadContext{}, fmt.Errorf("messages of thread %d: %w", threadID, err)
	}
	if err := db.attachOriginals(ctx, threadID, out.Messages); err != nil {
		return ThreadContext{}, err
	}
	out.Events = []TrackingEvent{}
	orderID := out.Thread.OrderID
	if orderID == 0 && out.Thread.MarketplaceOrderID != "" {
		o, err := db.GetOrderByMarketplaceID(ctx, out.Thread.StoreID, out.Thread.MarketplaceOrderID)
		if err == nil {
			orderID = o.ID
		}
	}
	if orderID == 0 {
		return out, nil
	}
	o, err := db.GetOrder(ctx, orderID)
	if err != nil {
		return ThreadContext{}, err
	}
	out.Order = &o
	s, err := scanShipment(db.sql.QueryRowContext(ctx, `SELECT `+shipmentCols+` FROM shipments
		WHERE order_id = ? OR (? <> '' AND tracking_number = ?)
		ORDER BY (order_id = ?) DESC, id DESC LIMIT 1`, o.ID, o.TrackingNumber, o.TrackingNumber, o.ID))
	if err == sql.ErrNoRows {
		return out, nil
	}
	if err != nil {
		return ThreadContext{}, fmt.Errorf("parcel of order %d: %w", o.ID, mapErr(err))
	}
	out.Shipment = &s
	if out.Events, err = db.ShipmentEvents(ctx, s.ID); err != nil {
		return ThreadContext{}, fmt.Errorf("events of shipment %d: %w", s.ID, err)
	}
	return out, nil
}

// OrderMessage is a buyer's message about an order, with its attachments,
// as claim finding reads it.
type OrderMessage struct {
	OrderID int64 `json:"order_id"`
	Message
}

// InboundMessagesByOrder returns every buyer message of a thread linked to
// an order (by order id, or by the store's marketplace order id), with its
// attachments, keyed by the local order id. Claims use it to find buyers who
// report damage and the photos they sent, notices to know whether the buyer
// wrote. An automatic message (an out-of-office) is not the buyer's words
// and is left out.
func (db *DB) InboundMessagesByOrder(ctx context.Context) (map[int64][]OrderMessage, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT o.id, m.id, m.thread_id, m.marketplace_message_id, m.direction,
		m.sender, m.body, m.sent_at, m.language, m.created_at
		FROM human_messages m
		JOIN threads t ON t.id = m.thread_id
		JOIN orders o ON o.id = t.order_id
			OR (t.order_id IS NULL AND t.marketplace_order_id <> '' AND o.store_id = t.store_id
				AND o.marketplace_order_id = t.marketplace_order_id)
		WHERE m.direction = 'in'
		ORDER BY o.id, m.sent_at, m.id`)
	if err != nil {
		return nil, fmt.Errorf("buyer messages by order: %w", mapErr(err))
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (OrderMessage, error) {
		var om OrderMessage
		var sent, created int64
		err := row.Scan(&om.OrderID, &om.ID, &om.ThreadID, &om.MarketplaceMessageID, &om.Direction, &om.Sender,
			&om.Body, &sent, &om.Language, &created)
		om.SentAt = fromMS(sql.NullInt64{Int64: sent, Valid: true})
		om.CreatedAt = fromMS(sql.NullInt64{Int64: created, Valid: true})
		return om, err
	})
	if err != nil {
		return nil, fmt.Errorf("buyer messages by order: %w", err)
	}
	rows, err = db.sql.QueryContext(ctx, `SELECT `+attachmentCols+` FROM attachments
		WHERE message_id IN (SELECT id FROM human_messages WHERE direction = 'in') ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("buyer attachments: %w", mapErr(err))
	}
	atts, err := collect(rows, scanAttachment)
	if err != nil {
		return nil, fmt.Errorf("buyer attachments: %w", err)
	}
	byMsg := map[int64][]Attachment{}
	for _, a := range atts {
		byMsg[a.MessageID] = append(byMsg[a.MessageID], a)
	}
	out := map[int64][]OrderMessage{}
	for _, om := range list {
		om.Attachments = byMsg[om.ID]
		out[om.OrderID] = append(out[om.OrderID], om)
	}
	return out, nil
}
