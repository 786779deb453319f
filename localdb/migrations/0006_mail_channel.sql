-- sellerops schema, version 5: email as a channel.
--
-- A store can be read over IMAP and answered over SMTP. mail_accounts holds
-- where and as whom (never the password: that is in the keyring);
-- mail_folders holds how far each folder was read, by the folder's
-- UIDVALIDITY and the highest UID stored (RFC 3501 section 2.3.1.1: UIDs
-- only grow while UIDVALIDITY stays the same); mail_messages ties each
-- stored message to its Message-ID and the addresses to answer, so that a
-- reply's In-Reply-To and References can be followed back to its thread.
CREATE TABLE mail_accounts (
	store_id      INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
	address       TEXT    NOT NULL CHECK (address <> ''),
	username      TEXT    NOT NULL CHECK (username <> ''),
	imap_host     TEXT    NOT NULL CHECK (imap_host <> ''),
	imap_port     INTEGER NOT NULL CHECK (imap_port BETWEEN 1 AND 65535),
	imap_security TEXT    NOT NULL CHECK (imap_security IN ('tls', 'starttls', 'plain')),
	smtp_host     TEXT    NOT NULL CHECK (smtp_host <> ''),
	smtp_port     INTEGER NOT NULL CHECK (smtp_port BETWEEN 1 AND 65535),
	smtp_security TEXT    NOT NULL CHECK (smtp_security IN ('tls', 'starttls', 'plain')),
	folders       TEXT    NOT NULL DEFAULT '["INBOX"]' CHECK (json_valid(folders)),
	sent_folder   TEXT    NOT NULL DEFAULT 'Sent' CHECK (sent_folder <> ''),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE mail_folders (
	store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
	folder      TEXT    NOT NULL CHECK (folder <> ''),
	uidvalidity INTEGER NOT NULL,
	last_uid    INTEGER NOT NULL DEFAULT 0,
	skipped     INTEGER NOT NULL DEFAULT 0,
	updated_at  INTEGER NOT NULL,
	PRIMARY KEY (store_id, folder)
) STRICT;

CREATE TABLE mail_messages (
	message_id  INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
	store_id    INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
	header_id   TEXT    NOT NULL CHECK (header_id <> ''),
	from_addr   TEXT    NOT NULL DEFAULT '',
	reply_to    TEXT    NOT NULL DEFAULT '',
	refs        TEXT    NOT NULL DEFAULT '',
	folder      TEXT    NOT NULL DEFAULT '',
	uid         INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX mail_messages_header ON mail_messages (store_id, header_id);
