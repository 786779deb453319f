-- A second full-text index over the same text, cut into trigrams (every run
-- of three characters). The word index in 0001 splits text at spaces and
-- punctuation, so it finds no word inside Japanese, Chinese or Korean text,
-- which is written without spaces between words; the trigram index finds any
-- substring of three or more characters, in any script. Terms of one or two
-- characters are matched by the search code with LIKE instead (a trigram
-- index cannot hold them). The rowid is the message id, as in message_fts.
CREATE VIRTUAL TABLE message_trigram USING fts5 (
	subject,
	body,
	tokenize = 'trigram remove_diacritics 1'
);

INSERT INTO message_trigram (rowid, subject, body)
	SELECT m.id, t.subject, m.body FROM messages m JOIN threads t ON t.id = m.thread_id;

CREATE TRIGGER messages_trigram_insert AFTER INSERT ON messages BEGIN
	INSERT INTO message_trigram (rowid, subject, body)
	VALUES (new.id, (SELECT subject FROM threads WHERE id = new.thread_id), new.body);
END;

CREATE TRIGGER messages_trigram_update AFTER UPDATE OF body, thread_id ON messages BEGIN
	DELETE FROM message_trigram WHERE rowid = old.id;
	INSERT INTO message_trigram (rowid, subject, body)
	VALUES (new.id, (SELECT subject FROM threads WHERE id = new.thread_id), new.body);
END;

CREATE TRIGGER messages_trigram_delete AFTER DELETE ON messages BEGIN
	DELETE FROM message_trigram WHERE rowid = old.id;
END;

CREATE TRIGGER threads_trigram_subject AFTER UPDATE OF subject ON threads BEGIN
	UPDATE message_trigram SET subject = new.subject
	WHERE rowid IN (SELECT id FROM messages WHERE thread_id = new.id);
END;
