-- The word index again, with prefix indexes for prefixes of 2 to 8
-- characters. Search matches each word as a word prefix ("refund" finds
-- "refunded"); without a prefix index FTS5 answers a prefix by merging the
-- lists of every word that starts with it before it can skip to the rows a
-- rarer word names, so a word found in every message ("order", in every
-- subject) cost a pass over the whole list. With a prefix index the prefix is
-- one list that the query skips through like a whole word (SQLite's FTS5
-- documentation, "Prefix Indexes": https://sqlite.org/fts5.html#prefix_indexes).
-- The index takes about twice the room. The triggers of 0001 write to the
-- table by name, so they keep working on the new one.
DROP TABLE message_fts;

CREATE VIRTUAL TABLE message_fts USING fts5 (
	subject,
	body,
	tokenize = 'unicode61 remove_diacritics 2',
	prefix = '2 3 4 5 6 7 8'
);

INSERT INTO message_fts (rowid, subject, body)
	SELECT m.id, t.subject, m.body FROM messages m JOIN threads t ON t.id = m.thread_id;
