-- sellerops schema: TikTok Shop's Open API as a store's channel.
--
-- api_accounts gains 'tiktok-shop-api'. SQLite cannot change a CHECK
-- constraint in place, so the table is made again with the same columns
-- and its rows copied over. For a TikTok store marketplace_ids holds the
-- shop cipher, which names the shop in every call (it is no secret; the
-- app secret and the refresh token stay in the keyring).
CREATE TABLE api_accounts_next (
	store_id       INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
	api            TEXT    NOT NULL CHECK (api IN ('amazon-sp-api', 'ebay-sell-api', 'tiktok-shop-api')),
	marketplace_ids TEXT   NOT NULL DEFAULT '',
	endpoint       TEXT    NOT NULL DEFAULT '',
	token_url      TEXT    NOT NULL DEFAULT '',
	orders         TEXT    NOT NULL CHECK (orders IN ('browser', 'api', 'both', 'none')),
	read_messages  TEXT    NOT NULL CHECK (read_messages IN ('browser', 'api', 'both', 'none')),
	reply          TEXT    NOT NULL CHECK (reply IN ('browser', 'api', 'both', 'none')),
	proactive      TEXT    NOT NULL CHECK (proactive IN ('browser', 'api', 'both', 'none')),
	orders_cursor  TEXT    NOT NULL DEFAULT '',
	created_at     INTEGER NOT NULL,
	updated_at     INTEGER NOT NULL
) STRICT;

INSERT INTO api_accounts_next (store_id, api, marketplace_ids, endpoint, token_url, orders, read_messages, reply, proactive,
	orders_cursor, created_at, updated_at)
SELECT store_id, api, marketplace_ids, endpoint, token_url, orders, read_messages, reply, proactive,
	orders_cursor, created_at, updated_at FROM api_accounts;

DROP TABLE api_accounts;

ALTER TABLE api_accounts_next RENAME TO api_accounts;
