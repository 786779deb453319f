package localdb

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// MailSecurity is how a mail connection is protected.
type MailSecurity string

// Mail connection security.
const (
	// MailTLS: TLS from the first byte (IMAPS on 993, SMTPS on 465).
	MailTLS MailSecurity = "tls"
	// MailSTARTTLS: a plain connection upgraded with STARTTLS before login
	// (IMAP on 143, submission on 587).
	MailSTARTTLS MailSecurity = "starttls"
	// MailPlain: no TLS at all; only for servers on the loopback interface.
	MailPlain MailSecurity = "plain"
)

var mailSecurities = []MailSecurity{MailTLS, MailSTARTTLS, MailPlain}

// MailAccount is the email channel of a store: where its mail is read and
// sent, as whom. It never holds the password, which is in the keyring under
// the store's password key.
type MailAccount struct {
	StoreID      int64        `json:"store_id"`
	Address      string       `json:"address"`
	Username     string       `json:"username"`
	IMAPHost     string       `json:"imap_host"`
	IMAPPort     int          `json:"imap_port"`
	IMAPSecurity MailSecurity `json:"imap_security"`
	SMTPHost     string       `json:"smtp_host"`
	SMTPPort     int          `json:"smtp_port"`
	SMTPSecurity MailSecurity `json:"smtp_security"`
	Folders      []string     `json:"folders"`
	SentFolder   string       `json:"sent_folder"`
	CreatedAt    time.Time    `json:"created_at"`
	UpdatedAt    time.Time    `json:"updated_at"`
}

const mailAccountCols = `store_id, address, username, imap_host, imap_port, imap_security, smtp_host, smtp_port,
	smtp_security, folders, sent_folder, created_at, updated_at`

func scanMailAccount(row interface{ Scan(...any) error }) (MailAccount, error) {
	var a MailAccount
	var folders string
	var created, updated int64
	if err := row.Scan(&a.StoreID, &a.Address, &a.Username, &a.IMAPHost, &a.IMAPPort, &a.IMAPSecurity, &a.SMTPHost,
		&a.SMTPPort, &a.SMTPSecurity, &folders, &a.SentFolder, &created, &updated); err != nil {
		return MailAccount{}, err
	}
	if err := json.Unmarshal([]byte(folders), &a.Folders); err != nil {
		return MailAccount{}, fmt.Errorf("mail account of store %d: folders %q: %w", a.StoreID, folders, err)
	}
	a.CreatedAt = time.UnixMilli(created).UTC()
	a.UpdatedAt = time.UnixMilli(updated).UTC()
	return a, nil
}

func (a *MailAccount) normalize() error {
	if a.Address == "" || a.Username == "" || a.IMAPHost == "" || a.SMTPHost == "" {
		return invalidf("mail account needs an address, a username, an IMAP host and an SMTP host")
	}
	if a.IMAPPort <= 0 || a.IMAPPort > 65535 || a.SMTPPort <= 0 || a.SMTPPort > 65535 {
		return invalidf("mail account ports must be 1-65535 (got IMAP %d, SMTP %d)", a.IMAPPort, a.SMTPPort)
	}
	if err := oneOf("IMAP security", a.IMAPSecurity, mailSecurities...); err != nil {
		return err
	}
	if err := oneOf("SMTP security", a.SMTPSecurity, mailSecurities...); err != nil {
		return err
	}
	if len(a.Folders) == 0 {
		a.Folders = []string{"INBOX"}
	}
	if a.SentFolder == "" {
		a.SentFolder = "Sent"
	}
	return nil
}

// CreateMailStore adds a store with its email channel in one transaction:
// both are stored, or neither.
func (db *DB) CreateMailStore(ctx context.Context, s Store, a MailAccount) (Store, MailAccount, error) {
	if err := a.normalize(); err != nil {
		return Store{}, MailAccount{}, err
	}
	folders, _ := json.Marshal(a.Folders)
	var acct MailAccount
	st, err := db.createStore(ctx, s, func(tx *sql.Tx, st Store, now int64) error {
		var err error
		acct, err = scanMailAccount(tx.QueryRowContext(ctx, `INSERT INTO mail_accounts (`+mailAccountCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING `+mailAccountCols,
			st.ID, a.Address, a.Username, a.IMAPHost, a.IMAPPort, a.IMAPSecurity, a.SMTPHost, a.SMTPPort,
			a.SMTPSecurity, string(folders), a.SentFolder, now, now))
		return err
	})
	if err != nil {
		return Store{}, MailAccount{}, err
	}
	return st, acct, nil
}

// GetMailAccount returns the email channel of a store, or ErrNotFound when
// the store has none.
func (db *DB) GetMailAccount(ctx context.Context, storeID int64) (MailAccount, error) {
	a, err := scanMailAccount(db.sql.QueryRowContext(ctx, `SELECT `+mailAccountCols+` FROM mail_accounts WHERE store_id = ?`, storeID))
	if err != nil {
		return MailAccount{}, mapErr(err)
	}
	return a, nil
}

// ListMailAccounts returns the email channel of every store that has one,
// by store id.
func (db *DB) ListMailAccounts(ctx context.Context) (map[int64]MailAccount, error) {
	rows, err := db.sql.QueryContext(ctx, `SELECT `+mailAccountCols+` FROM mail_accounts ORDER BY store_id`)
	if err != nil {
		return nil, mapErr(err)
	}
	list, err := collect(rows, scanMailAccount)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]MailAccount, len(list))
	for _, a := range list {
		out[a.StoreID] = a
	}
	return out, nil
}

// UpdateMailAccount replaces a store's email channel with a and sets the
// store's username to a's, in one transaction. When the IMAP server or the
// login changes, how far each folder was read is forgotten: the UIDs of
// another mailbox say nothing about this one (RFC 3501 2.3.1.1), and mail
// read before is known again by its Message-ID and not stored twice.
func (db *DB) UpdateMailAccount(ctx context.Context, a MailAccount) (MailAccount, error) {
	if err := a.normalize(); err != nil {
		return MailAccount{}, err
	}
	folders, _ := json.Marshal(a.Folders)
	var out MailAccount
	err := db.tx(ctx, func(tx *sql.Tx) error {
		old, err := scanMailAccount(tx.QueryRowContext(ctx, `SELECT `+mailAccountCols+` FROM mail_accounts WHERE store_id = ?`, a.StoreID))
		if err != nil {
			return fmt.Errorf("mail account of store %d: %w", a.StoreID, mapErr(err))
		}
		now := msNow(db.now())
		out, err = scanMailAccount(tx.QueryRowContext(ctx, `UPDATE mail_accounts SET address = ?, username = ?,
			imap_host = ?, imap_port = ?, imap_security = ?, smtp_host = ?, smtp_port = ?, smtp_security = ?,
			folders = ?, sent_folder = ?, updated_at = ? WHERE store_id = ? RETURNING `+mailAccountCols,
			a.Address, a.Username, a.IMAPHost, a.IMAPPort, a.IMAPSecurity, a.SMTPHost, a.SMTPPort, a.SMTPSecurity,
			string(folders), a.SentFolder, now, a.StoreID))
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stores SET username = ?, updated_at = ? WHERE id = ?`, a.Username, now, a.StoreID); err != nil {
			return err
		}
		if old.IMAPHost != a.IMAPHost || old.IMAPPort != a.IMAPPort || old.Username != a.Username {
			_, err = tx.ExecContext(ctx, `DELETE FROM mail_folders WHERE store_id = ?`, a.StoreID)
		}
		return err
	})
	return out, err
}

// MailFolderState is how far a folder of a store's mailbox was read.
type MailFolderState struct {
	Folder      string    `json:"folder"`
	UIDValidity uint32    `json:"uidvalidity"`
	LastUID     uint32    `json:"last_uid"`
	Skipped     int       `json:"skipped"` // notifications recognised and not stored, over all syncs
	UpdatedAt   time.Time `json:"updated_at"`
}

// GetMailFolder returns how far the folder was read; a folder never read
// gives the zero state and no error.
func (db *DB) GetMailFolder(ctx context.Context, storeID int64, folder string) (MailFolderState, error) {
	s := MailFolderState{Folder: folder}
	var v, last int64
	var updated int64
	err := db.sql.QueryRowContext(ctx, `SELECT uidvalidity, last_uid, skipped, updated_at FROM mail_folders
		WHERE store_id = ? AND folder = ?`, storeID, folder).Scan(&v, &last, &s.Skipped, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return s, nil
	}
	if err != nil {
		return MailFolderState{}, mapErr(err)
	}
	s.UIDValidity, s.LastUID, s.UpdatedAt = uint32(v), uint32(last), time.UnixMilli(updated).UTC()
	return s, nil
}

// SetMailFolder records that the folder was read up to lastUID under
// uidValidity, adding skipped to its count of skipped notifications. A new
// UIDVALIDITY replaces the old state (the server renumbered the folder); the
// same one never moves lastUID back.
func (db *DB) SetMailFolder(ctx context.Context, storeID int64, folder string, uidValidity, lastUID uint32, skipped int) error {
	if err := checkMailFolder(folder, uidValidity); err != nil {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		return db.setMailFolderTx(ctx, tx, storeID, folder, uidValidity, lastUID, skipped)
	})
}

func checkMailFolder(folder string, uidValidity uint32) error {
	if folder == "" || uidValidity == 0 {
		return invalidf("mail folder state needs a folder and a UIDVALIDITY (got %q, %d)", folder, uidValidity)
	}
	return nil
}

func (db *DB) setMailFolderTx(ctx context.Context, tx sqlTx, storeID int64, folder string, uidValidity, lastUID uint32, skipped int) error {
	if err := checkMailFolder(folder, uidValidity); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO mail_folders (store_id, folder, uidvalidity, last_uid, skipped, updated_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (store_id, folder) DO UPDATE SET
				last_uid = CASE WHEN uidvalidity = excluded.uidvalidity THEN max(last_uid, excluded.last_uid) ELSE excluded.last_uid END,
				skipped = skipped + excluded.skipped,
				uidvalidity = excluded.uidvalidity,
				updated_at = excluded.updated_at`,
		storeID, folder, int64(uidValidity), int64(lastUID), skipped, msNow(db.now()))
	return err
}

// MailMeta is what a stored message keeps of its email headers.
type MailMeta struct {
	HeaderID   string   `json:"header_id"` // the Message-ID, without angle brackets
	From       string   `json:"from"`      // address only
	ReplyTo    string   `json:"reply_to"`  // address only; empty when the mail had none
	References []string `json:"references"`
	Folder     string   `json:"folder"`
	UID        uint32   `json:"uid"`
}

// FindMailThread returns the local thread of the store that holds a message
// with one of the given Message-IDs (a mail's In-Reply-To and References),
// preferring the last one given that is found; ErrNotFound when none is.
func (db *DB) FindMailThread(ctx context.Context, storeID int64, headerIDs []string) (Thread, error) {
	return db.findMailThread(ctx, db.sql, storeID, headerIDs)
}

func (db *DB) findMailThread(ctx context.Context, q queryRower, storeID int64, headerIDs []string) (Thread, error) {
	for i := len(headerIDs) - 1; i >= 0; i-- {
		if headerIDs[i] == "" {
			continue
		}
		var threadID int64
		err := q.QueryRowContext(ctx, `SELECT m.thread_id FROM mail_messages mm JOIN messages m ON m.id = mm.message_id
			WHERE mm.store_id = ? AND mm.header_id = ? LIMIT 1`, storeID, headerIDs[i]).Scan(&threadID)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return Thread{}, mapErr(err)
		}
		return getThread(ctx, q, db.scanThread(db.now()), threadID)
	}
	return Thread{}, ErrNotFound
}

// SaveMail stores one mail as a message of thread t (created when new), with
// its attachments and its headers, in one transaction. A mail stored before
// (the same Message-ID in the thread) is left as it is.
func (db *DB) SaveMail(ctx context.Context, t Thread, m Message, meta MailMeta) (SavedThread, error) {
	t, err := checkMail(t, m, meta)
	if err != nil {
		return SavedThread{}, err
	}
	var out SavedThread
	err = db.tx(ctx, func(tx *sql.Tx) error {
		out, err = db.saveMailTx(ctx, tx, t, m, meta)
		return err
	})
	if err != nil {
		return SavedThread{}, fmt.Errorf("store thread %s: %w", t.MarketplaceThreadID, err)
	}
	return out, nil
}

func checkMail(t Thread, m Message, meta MailMeta) (Thread, error) {
	if meta.HeaderID == "" {
		return Thread{}, invalidf("mail %q has no Message-ID", m.MarketplaceMessageID)
	}
	return checkThread(t, []Message{m})
}

func (db *DB) saveMailTx(ctx context.Context, tx sqlTx, t Thread, m Message, meta MailMeta) (SavedThread, error) {
	return db.saveThreadTx(ctx, tx, t, []Message{m}, func(tx sqlTx, ids []int64) error {
		var msgID int64
		if err := tx.QueryRowContext(ctx, `SELECT m.id FROM messages m JOIN threads t ON t.id = m.thread_id
			WHERE t.store_id = ? AND t.marketplace_thread_id = ? AND m.marketplace_message_id = ?`,
			t.StoreID, t.MarketplaceThreadID, m.MarketplaceMessageID).Scan(&msgID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO mail_messages (message_id, store_id, header_id, from_addr, reply_to, refs, folder, uid)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (message_id) DO NOTHING`,
			msgID, t.StoreID, meta.HeaderID, meta.From, meta.ReplyTo, strings.Join(meta.References, " "), meta.Folder, int64(meta.UID))
		return err
	})
}

// MailChunk writes what one fetched chunk of a folder's mail says in one
// transaction: the reads and writes of fn go through the MailTx it is
// given, and the folder's watermark is set in the same transaction
// (MailTx.SetFolder), so that a process stopped part-way leaves neither a
// mail of the chunk stored nor the watermark moved, and the chunk is read
// again whole. fn must not use db itself: the write slot is held.
//
// Each statement is prepared once per chunk. A mail the database refuses
// (MailTx.Mail's error) must not leave half of it written, which a
// savepoint per mail would ensure; savepoints make SQLite flush the
// full-text index at each one, so the chunk is first written without them
// and, only when some mail was refused, undone and written again with one
// savepoint per mail. fn may therefore run twice and must start from
// nothing each time.
func (db *DB) MailChunk(ctx context.Context, fn func(mt *MailTx) error) error {
	refused := false
	err := db.tx(ctx, func(tx *sql.Tx) error {
		st := newStmtTx(tx)
		defer st.close()
		mt := &MailTx{ctx: ctx, db: db, tx: st, raw: tx}
		if err := fn(mt); err != nil {
			return err
		}
		if mt.refused {
			refused = true
			return errRedoChunk
		}
		return nil
	})
	if !refused {
		return err
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		st := newStmtTx(tx)
		defer st.close()
		return fn(&MailTx{ctx: ctx, db: db, tx: st, raw: tx, careful: true})
	})
}

var errRedoChunk = errors.New("a mail of the chunk was refused; the chunk is written again mail by mail")

// MailTx is the transaction of one chunk of mail; see MailChunk.
type MailTx struct {
	ctx     context.Context
	db      *DB
	tx      sqlTx
	raw     *sql.Tx
	careful bool // one savepoint per mail
	refused bool // a mail was refused without a savepoint: the chunk is undone
	n       int
}

// FindMailThread is DB.FindMailThread within the chunk.
func (mt *MailTx) FindMailThread(storeID int64, headerIDs []string) (Thread, error) {
	return mt.db.findMailThread(mt.ctx, mt.tx, storeID, headerIDs)
}

// GetThreadByMarketplaceID is DB.GetThreadByMarketplaceID within the chunk.
func (mt *MailTx) GetThreadByMarketplaceID(storeID int64, marketplaceThreadID string) (Thread, error) {
	return mt.db.threadByMarketplaceID(mt.ctx, mt.tx, storeID, marketplaceThreadID)
}

// Mail writes one mail within the chunk: fn receives the saved thread and
// may add to it (the order and parcels the mail names) with UpsertOrder
// and EnsureShipment. The mail and what fn adds are kept or undone
// together (an SQLite savepoint): when either fails, the chunk goes on
// without that mail, and its error is returned.
func (mt *MailTx) Mail(t Thread, m Message, meta MailMeta, fn func(saved SavedThread) error) (SavedThread, error) {
	t, err := checkMail(t, m, meta)
	if err != nil {
		return SavedThread{}, err
	}
	if !mt.careful {
		saved, err := mt.db.saveMailTx(mt.ctx, mt.tx, t, m, meta)
		if err == nil && fn != nil {
			err = fn(saved)
		}
		if err != nil {
			mt.refused = true
			return SavedThread{}, fmt.Errorf("store thread %s: %w", t.MarketplaceThreadID, mapErr(err))
		}
		return saved, nil
	}
	mt.n++
	sp := fmt.Sprintf("mail_%d", mt.n)
	if _, err := mt.raw.ExecContext(mt.ctx, "SAVEPOINT "+sp); err != nil {
		return SavedThread{}, mapErr(err)
	}
	saved, err := mt.db.saveMailTx(mt.ctx, mt.tx, t, m, meta)
	if err == nil && fn != nil {
		err = fn(saved)
	}
	if err != nil {
		_, rerr := mt.raw.ExecContext(mt.ctx, "ROLLBACK TO "+sp)
		if rerr == nil {
			_, rerr = mt.raw.ExecContext(mt.ctx, "RELEASE "+sp)
		}
		if rerr != nil {
			return SavedThread{}, errors.Join(mapErr(err), mapErr(rerr))
		}
		return SavedThread{}, fmt.Errorf("store thread %s: %w", t.MarketplaceThreadID, mapErr(err))
	}
	if _, err := mt.raw.ExecContext(mt.ctx, "RELEASE "+sp); err != nil {
		return SavedThread{}, mapErr(err)
	}
	return saved, nil
}

// UpsertOrder is DB.UpsertOrder within the chunk.
func (mt *MailTx) UpsertOrder(o Order) (Order, error) {
	items, err := checkOrder(o)
	if err != nil {
		return Order{}, err
	}
	out, _, err := upsertOrder(mt.ctx, mt.tx, o, items, msNow(mt.db.now()))
	return out, err
}

// EnsureShipment is DB.EnsureShipment within the chunk.
func (mt *MailTx) EnsureShipment(s Shipment) error {
	if err := checkShipmentKey(s.Courier, s.TrackingNumber); err != nil {
		return err
	}
	_, _, err := ensureShipment(mt.ctx, mt.tx, s, msNow(mt.db.now()))
	return err
}

// SetFolder is DB.SetMailFolder within the chunk.
func (mt *MailTx) SetFolder(storeID int64, folder string, uidValidity, lastUID uint32, skipped int) error {
	return mt.db.setMailFolderTx(mt.ctx, mt.tx, storeID, folder, uidValidity, lastUID, skipped)
}

// MailReplyTarget is what an answer to a mail thread needs: the address to
// write to and the headers that tie the answer to the thread (RFC 5322
// section 3.6.4).
type MailReplyTarget struct {
	To         string   // the buyer's Reply-To, else From, of the newest buyer mail
	InReplyTo  string   // that mail's Message-ID
	References []string // its References followed by its Message-ID
}

// GetMailReplyTarget returns the reply target of a thread read by email;
// ErrNotFound when the thread has no buyer mail.
func (db *DB) GetMailReplyTarget(ctx context.Context, threadID int64) (MailReplyTarget, error) {
	var from, replyTo, header, refs string
	err := db.sql.QueryRowContext(ctx, `SELECT mm.from_addr, mm.reply_to, mm.header_id, mm.refs
		FROM mail_messages mm JOIN messages m ON m.id = mm.message_id
		WHERE m.thread_id = ? AND m.direction = 'in' ORDER BY m.sent_at DESC, m.id DESC LIMIT 1`, threadID).
		Scan(&from, &replyTo, &header, &refs)
	if err != nil {
		return MailReplyTarget{}, mapErr(err)
	}
	t := MailReplyTarget{To: replyTo, InReplyTo: header}
	if t.To == "" {
		t.To = from
	}
	t.References = append(strings.Fields(refs), header)
	return t, nil
}
