-- sellerops schema, version 1.
-- Times are integer Unix milliseconds in UTC; money is an integer amount in
-- minor units beside an ISO 4217 currency code. No column holds a secret.

-- Stores: one marketplace seller account. Passwords, TOTP seeds and session
-- cookies live in the keyring, never here.
CREATE TABLE stores (
	id            INTEGER PRIMARY KEY,
	name          TEXT    NOT NULL UNIQUE CHECK (name <> ''),
	marketplace   TEXT    NOT NULL CHECK (marketplace <> ''),
	base_url      TEXT    NOT NULL DEFAULT '',
	username      TEXT    NOT NULL DEFAULT '',
	recipe        TEXT    NOT NULL DEFAULT '',
	session_state TEXT    NOT NULL DEFAULT 'unknown'
		CHECK (session_state IN ('ok', 'needs_human', 'logged_out', 'auth_failed', 'unknown')),
	last_sync_at  INTEGER,
	sync_cursor   TEXT    NOT NULL DEFAULT '',
	demo          INTEGER NOT NULL DEFAULT 0 CHECK (demo IN (0, 1)),
	created_at    INTEGER NOT NULL,
	updated_at    INTEGER NOT NULL
) STRICT;

-- Orders, as far as replies, tracking and claims need them.
CREATE TABLE orders (
	id                   INTEGER PRIMARY KEY,
	store_id             INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
	marketplace_order_id TEXT    NOT NULL CHECK (marketplace_order_id <> ''),
	buyer_name           TEXT    NOT NULL DEFAULT '',
	items                TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(items)),
	declared_value       INTEGER NOT NULL DEFAULT 0 CHECK (declared_value >= 0),
	currency             TEXT    NOT NULL DEFAULT '',
	ship_date            INTEGER,
	carrier              TEXT    NOT NULL DEFAULT '',
	service              TEXT    NOT NULL DEFAULT '',
	tracking_number      TEXT    NOT NULL DEFAULT '',
	created_at           INTEGER NOT NULL,
	updated_at           INTEGER NOT NULL,
	UNIQUE (store_id, marketplace_order_id)
) STRICT;
CREATE INDEX orders_tracking_number ON orders (tracking_number) WHERE tracking_number <> '';

-- Buyer threads. order_id is set once the order is known; the marketplace's
-- own order id is kept either way.
CREATE TABLE threads (
	id                    INTEGER PRIMARY KEY,
	store_id              INTEGER NOT NULL REFERENCES stores (id) ON DELETE CASCADE,
	marketplace_thread_id TEXT    NOT NULL CHECK (marketplace_thread_id <> ''),
	order_id              INTEGER REFERENCES orders (id) ON DELETE SET NULL,
	marketplace_order_id  TEXT    NOT NULL DEFAULT '',
	buyer_name            TEXT    NOT NULL DEFAULT '',
	subject               TEXT    NOT NULL DEFAULT '',
	language              TEXT    NOT NULL DEFAULT '',
	kind                  TEXT    NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'return', 'case')),
	status                TEXT    NOT NULL DEFAULT 'open'
		CHECK (status IN ('open', 'replied', 'no_response_needed')),
	last_message_at       INTEGER,
	reply_deadline        INTEGER,
	created_at            INTEGER NOT NULL,
	updated_at            INTEGER NOT NULL,
	UNIQUE (store_id, marketplace_thread_id)
) STRICT;
CREATE INDEX threads_status_deadline ON threads (status, reply_deadline);
CREATE INDEX threads_order ON threads (store_id, marketplace_order_id) WHERE marketplace_order_id <> '';

CREATE TABLE messages (
	id                     INTEGER PRIMARY KEY,
	thread_id              INTEGER NOT NULL REFERENCES threads (id) ON DELETE CASCADE,
	marketplace_message_id TEXT    NOT NULL CHECK (marketplace_message_id <> ''),
	direction              TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
	sender                 TEXT    NOT NULL DEFAULT '',
	body                   TEXT    NOT NULL DEFAULT '',
	sent_at                INTEGER NOT NULL,
	language               TEXT    NOT NULL DEFAULT '',
	created_at             INTEGER NOT NULL,
	UNIQUE (thread_id, marketplace_message_id)
) STRICT;
CREATE INDEX messages_thread_sent ON messages (thread_id, sent_at);

CREATE TABLE attachments (
	id         INTEGER PRIMARY KEY,
	message_id INTEGER NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
	file_name  TEXT    NOT NULL CHECK (file_name <> ''),
	mime       TEXT    NOT NULL DEFAULT '',
	local_path TEXT    NOT NULL DEFAULT '',
	size       INTEGER NOT NULL DEFAULT 0,
	sha256     TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL,
	UNIQUE (message_id, file_name)
) STRICT;

-- Full-text index over message bodies and their thread's subject. The rowid
-- is the message id. Triggers keep it in step with messages and threads.
CREATE VIRTUAL TABLE message_fts USING fts5 (
	subject,
	body,
	tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
	INSERT INTO message_fts (rowid, subject, body)
	VALUES (new.id, (SELECT subject FROM threads WHERE id = new.thread_id), new.body);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF body, thread_id ON messages BEGIN
	DELETE FROM message_fts WHERE rowid = old.id;
	INSERT INTO message_fts (rowid, subject, body)
	VALUES (new.id, (SELECT subject FROM threads WHERE id = new.thread_id), new.body);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
	DELETE FROM message_fts WHERE rowid = old.id;
END;

CREATE TRIGGER threads_fts_subject AFTER UPDATE OF subject ON threads BEGIN
	UPDATE message_fts SET subject = new.subject
	WHERE rowid IN (SELECT id FROM messages WHERE thread_id = new.id);
END;

-- Parcels. One row per courier and tracking number; tag and subtag follow
-- the AfterShip-compatible taxonomy.
CREATE TABLE shipments (
	id                 INTEGER PRIMARY KEY,
	courier            TEXT    NOT NULL CHECK (courier <> ''),
	tracking_number    TEXT    NOT NULL CHECK (tracking_number <> ''),
	order_id           INTEGER REFERENCES orders (id) ON DELETE SET NULL,
	service            TEXT    NOT NULL DEFAULT '',
	ship_date          INTEGER,
	tag                TEXT    NOT NULL DEFAULT 'Pending',
	subtag             TEXT    NOT NULL DEFAULT '',
	last_event_at      INTEGER,
	estimated_delivery INTEGER,
	checked_at         INTEGER,
	source             TEXT    NOT NULL DEFAULT '' CHECK (source IN ('', 'api', 'web', 'cache')),
	error_class        TEXT    NOT NULL DEFAULT '',
	created_at         INTEGER NOT NULL,
	updated_at         INTEGER NOT NULL,
	UNIQUE (courier, tracking_number)
) STRICT;
CREATE INDEX shipments_tracking_number ON shipments (tracking_number);
CREATE INDEX shipments_tag ON shipments (tag);
CREATE INDEX shipments_order ON shipments (order_id) WHERE order_id IS NOT NULL;

CREATE TABLE tracking_events (
	id          INTEGER PRIMARY KEY,
	shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
	time        INTEGER NOT NULL,
	tag         TEXT    NOT NULL DEFAULT '',
	subtag      TEXT    NOT NULL DEFAULT '',
	raw_code    TEXT    NOT NULL DEFAULT '',
	location    TEXT    NOT NULL DEFAULT '',
	description TEXT    NOT NULL DEFAULT '',
	source      TEXT    NOT NULL DEFAULT '' CHECK (source IN ('', 'api', 'web', 'cache')),
	UNIQUE (shipment_id, time, raw_code, description)
) STRICT;

-- Claims against a carrier for a lost or damaged parcel.
CREATE TABLE claims (
	id                  INTEGER PRIMARY KEY,
	shipment_id         INTEGER NOT NULL REFERENCES shipments (id) ON DELETE RESTRICT,
	kind                TEXT    NOT NULL CHECK (kind IN ('lost', 'damaged')),
	state               TEXT    NOT NULL DEFAULT 'draft' CHECK (state IN
		('draft', 'filing', 'submitted', 'under_review', 'approved', 'paid', 'denied', 'cancelled')),
	amount              INTEGER NOT NULL DEFAULT 0 CHECK (amount >= 0),
	currency            TEXT    NOT NULL DEFAULT '',
	description         TEXT    NOT NULL DEFAULT '',
	window_opens        INTEGER,
	window_closes       INTEGER,
	portal              TEXT    NOT NULL DEFAULT '',
	confirmation_number TEXT    NOT NULL DEFAULT '',
	paid_amount         INTEGER NOT NULL DEFAULT 0 CHECK (paid_amount >= 0),
	filed_at            INTEGER,
	status_checked_at   INTEGER,
	created_at          INTEGER NOT NULL,
	updated_at          INTEGER NOT NULL
) STRICT;
-- One parcel has at most one live claim of each kind.
CREATE UNIQUE INDEX claims_one_live_per_kind ON claims (shipment_id, kind) WHERE state <> 'cancelled';
CREATE INDEX claims_state ON claims (state);

CREATE TABLE claim_evidence (
	id         INTEGER PRIMARY KEY,
	claim_id   INTEGER NOT NULL REFERENCES claims (id) ON DELETE CASCADE,
	kind       TEXT    NOT NULL CHECK (kind IN ('photo', 'invoice', 'tracking_snapshot', 'label', 'note')),
	path       TEXT    NOT NULL DEFAULT '',
	note       TEXT    NOT NULL DEFAULT '',
	sha256     TEXT    NOT NULL DEFAULT '',
	created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX claim_evidence_claim ON claim_evidence (claim_id);

-- Intents to act on a site (send a reply, file a claim), written before the
-- browser acts and completed after, so that nothing is done twice.
CREATE TABLE outbox (
	id              INTEGER PRIMARY KEY,
	idempotency_key TEXT    NOT NULL UNIQUE CHECK (idempotency_key <> ''),
	kind            TEXT    NOT NULL CHECK (kind IN ('reply', 'claim')),
	target          TEXT    NOT NULL DEFAULT '',
	payload         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(payload)),
	state           TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'in_flight', 'done', 'failed', 'needs_check')),
	attempts        INTEGER NOT NULL DEFAULT 0,
	result          TEXT    CHECK (result IS NULL OR json_valid(result)),
	error_class     TEXT    NOT NULL DEFAULT '',
	created_at      INTEGER NOT NULL,
	updated_at      INTEGER NOT NULL
) STRICT;
CREATE INDEX outbox_unfinished ON outbox (kind, state) WHERE state <> 'done';

-- Scheduled jobs, their runs, and the items of each run.
CREATE TABLE jobs (
	id         INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL UNIQUE CHECK (name <> ''),
	schedule   TEXT    NOT NULL DEFAULT '',
	enabled    INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
	created_at INTEGER NOT NULL,
	updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE runs (
	id          INTEGER PRIMARY KEY,
	job_id      INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
	state       TEXT    NOT NULL DEFAULT 'running'
		CHECK (state IN ('running', 'done', 'failed', 'interrupted')),
	started_at  INTEGER NOT NULL,
	finished_at INTEGER,
	pid         INTEGER NOT NULL DEFAULT 0,
	error       TEXT    NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX runs_job_started ON runs (job_id, started_at);

CREATE TABLE run_items (
	id            INTEGER PRIMARY KEY,
	run_id        INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
	item_key      TEXT    NOT NULL CHECK (item_key <> ''),
	state         TEXT    NOT NULL DEFAULT 'pending'
		CHECK (state IN ('pending', 'running', 'done', 'failed', 'needs_human')),
	failure_class TEXT    NOT NULL DEFAULT '',
	evidence_path TEXT    NOT NULL DEFAULT '',
	error         TEXT    NOT NULL DEFAULT '',
	attempts      INTEGER NOT NULL DEFAULT 0,
	updated_at    INTEGER NOT NULL,
	UNIQUE (run_id, item_key)
) STRICT;
CREATE INDEX run_items_state ON run_items (run_id, state);
