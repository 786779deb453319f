-- sellerops schema: a marketplace's official API as a store's channel.
--
-- api_accounts holds which API a store is reached through, for which
-- marketplaces (ids, comma-separated; '' where the API answers for all of
-- the seller's, as eBay's getOrders does) and where (never the app's client
-- secret or the seller's refresh token: those are in the keyring), and, per
-- capability, which channel does the job: the browser,
-- the API, both (the API first, the browser when the API fails after its
-- retries) or none. Amazon's API cannot read or answer buyer messages, so
-- the product refuses 'api' for those on Amazon before it writes here.
CREATE TABLE api_accounts (
	store_id       INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
	api            TEXT    NOT NULL CHECK (api IN ('amazon-sp-api', 'ebay-sell-api')),
	marketplace_ids TEXT   NOT NULL DEFAULT '',
	endpoint       TEXT    NOT NULL DEFAULT '',
	token_url      TEXT    NOT NULL DEFAULT '',
	orders         TEXT    NOT NULL CHECK (orders IN ('browser', 'api', 'both', 'none')),
	read_messages  TEXT    NOT NULL CHECK (read_messages IN ('browser', 'api', 'both', 'none')),
	reply          TEXT    NOT NULL CHECK (reply IN ('browser', 'api', 'both', 'none')),
	proactive      TEXT    NOT NULL CHECK (proactive IN ('browser', 'api', 'both', 'none')),
	-- orders_cursor is the last-updated time (RFC 3339) up to which the
	-- API's orders are stored; '' before the first sync.
	orders_cursor  TEXT    NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;
