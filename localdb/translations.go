package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/sellerops/sellerops/automations/translate"
)

var _ translate.Store = (*DB)(nil)

// GetTranslation returns a cached translation; ok is false when none is kept.
func (db *DB) GetTranslation(ctx context.Context, k translate.Key) (translate.Translation, bool, error) {
	var t translate.Translation
	err := db.sql.QueryRowContext(ctx,
		`SELECT translated, detected FROM translations WHERE text_hash = ? AND source = ? AND target = ? AND provider = ?`,
		k.TextHash, k.Source, k.Target, k.Provider).Scan(&t.Text, &t.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return translate.Translation{}, false, nil
	}
	if err != nil {
		return translate.Translation{}, false, fmt.Errorf("read cached translation: %w", err)
	}
	return t, true, nil
}

// PutTranslation keeps a translation. A second put for the same key keeps the
// first one: a cached translation is not replaced.
func (db *DB) PutTranslation(ctx context.Context, k translate.Key, t translate.Translation) error {
	if k.TextHash == "" || k.Target == "" || k.Provider == "" {
		return errors.New("cache translation: the text hash, target language and provider are required")
	}
	if t.Source == "" {
		return errors.New("cache translation: the source language of the translation is missing")
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO translations (text_hash, source, target, provider, translated, detected, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			k.TextHash, k.Source, k.Target, k.Provider, t.Text, t.Source, msNow(db.now()))
		return err
	})
}

// ReplyOriginal is the text an operator wrote for a reply that was sent in
// a machine translation: Message.Body is what the buyer received, this is
// what the operator wrote and in which languages.
type ReplyOriginal struct {
	Text     string `json:"text"`
	Language string `json:"language"`      // the operator's language, the original's
	SentIn   string `json:"sent_language"` // the buyer's language, the sent text's
	Provider string `json:"provider"`
}

// PutReplyOriginal keeps the original of a translated reply to threadID
// whose sent text is sent. It is written before the reply is sent; a second
// put for the same thread and sent text keeps the first.
func (db *DB) PutReplyOriginal(ctx context.Context, threadID int64, sent string, o ReplyOriginal) error {
	if strings.TrimSpace(sent) == "" || strings.TrimSpace(o.Text) == "" || o.Language == "" || o.SentIn == "" {
		return errors.New("keep reply original: the sent text, the original and both languages are required")
	}
	return db.tx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx,
			`INSERT INTO reply_originals (thread_id, body_hash, original, original_language, language, provider, created_at)
			 VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			threadID, replyHash(sent), strings.TrimSpace(o.Text), o.Language, o.SentIn, o.Provider, msNow(db.now()))
		return mapErr(err)
	})
}

// attachOriginals sets Original on each outgoing message of a thread that
// was sent in a translation.
func (db *DB) attachOriginals(ctx context.Context, threadID int64, msgs []Message) error {
	rows, err := db.sql.QueryContext(ctx,
		`SELECT body_hash, original, original_language, language, provider FROM reply_originals WHERE thread_id = ?`, threadID)
	if err != nil {
		return fmt.Errorf("reply originals of thread %d: %w", threadID, err)
	}
	defer rows.Close()
	byHash := map[string]ReplyOriginal{}
	for rows.Next() {
		var h string
		var o ReplyOriginal
		if err := rows.Scan(&h, &o.Text, &o.Language, &o.SentIn, &o.Provider); err != nil {
			return err
		}
		byHash[h] = o
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(byHash) == 0 {
		return nil
	}
	for i := range msgs {
		if msgs[i].Direction != DirectionOut {
			continue
		}
		if o, ok := byHash[replyHash(msgs[i].Body)]; ok {
			msgs[i].Original = &o
		}
	}
	return nil
}

func replyHash(body string) string { return translate.HashText(strings.TrimSpace(body)) }
