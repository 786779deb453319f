-- A reply sent in a machine translation keeps the text the operator wrote
-- beside the text the buyer received. The row is written before the reply
-- goes to the outbox, keyed by the thread and the SHA-256 of the sent text
-- (trimmed), so that it joins the sent message whichever channel carried it
-- and whatever a later sync names it.
CREATE TABLE IF NOT EXISTS reply_originals (
	thread_id         INTEGER NOT NULL REFERENCES threads(id) ON DELETE CASCADE,
	body_hash         TEXT    NOT NULL,
	original          TEXT    NOT NULL,
	original_language TEXT    NOT NULL,
	language          TEXT    NOT NULL,
	provider          TEXT    NOT NULL,
	created_at        INTEGER NOT NULL,
	PRIMARY KEY (thread_id, body_hash)
) WITHOUT ROWID;
