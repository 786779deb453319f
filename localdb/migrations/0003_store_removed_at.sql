-- sellerops schema, version 3: a store can be removed and its history kept.
--
-- `stores remove NAME --keep-data` deletes the store's secrets and stops
-- syncing it, but keeps its threads, messages, orders and claims to read
-- and search. removed_at is when that happened; NULL is a store in use.
ALTER TABLE stores ADD COLUMN removed_at INTEGER;
