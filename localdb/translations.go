package localdb

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

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
