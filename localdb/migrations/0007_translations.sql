-- Translations fetched from a translation provider, kept so that the same
-- text is never sent twice for the same language pair and provider. The text
-- itself is not stored here, only its SHA-256: the original stays in the
-- messages table. source is the language asked for ('' when the provider was
-- to detect it); detected is the language the provider read the text as.
CREATE TABLE IF NOT EXISTS translations (
	text_hash   TEXT    NOT NULL,
	source      TEXT    NOT NULL,
	target      TEXT    NOT NULL,
	provider    TEXT    NOT NULL,
	translated  TEXT    NOT NULL,
	detected    TEXT    NOT NULL,
	created_at  INTEGER NOT NULL,
	PRIMARY KEY (text_hash, source, target, provider)
) WITHOUT ROWID;
