-- Delay notices: what a person (or the overnight run) decided about each
-- notice the product proposed to a buyer, one row per parcel and event. A
-- proposal itself is not stored: it is worked out from the parcels and the
-- buyer's messages each time. 'sending' is written before the outbox
-- intent, 'sent' once the site confirmed, 'skipped' when a person declined.
CREATE TABLE IF NOT EXISTS notices (
	id          INTEGER PRIMARY KEY,
	notice_key  TEXT    NOT NULL UNIQUE CHECK (notice_key <> ''),
	shipment_id INTEGER NOT NULL REFERENCES shipments (id) ON DELETE CASCADE,
	order_id    INTEGER REFERENCES orders (id) ON DELETE SET NULL,
	event       TEXT    NOT NULL CHECK (event IN ('stalled', 'past_eta', 'exception')),
	since       INTEGER NOT NULL,
	state       TEXT    NOT NULL CHECK (state IN ('sending', 'sent', 'skipped')),
	language    TEXT    NOT NULL DEFAULT '',
	body        TEXT    NOT NULL DEFAULT '',
	created_at  INTEGER NOT NULL,
	updated_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS notices_shipment ON notices (shipment_id);
