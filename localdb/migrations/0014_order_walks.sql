-- sellerops schema: where the browser's walk of each store's order list
-- stopped.
--
-- A sync that reads a store's orders in the browser walks the store's order
-- list from the newest order back and stores every order created or changed
-- since the last walk. order_walks keeps, per store, what the next walk
-- needs to know where to stop (Unix milliseconds, NULL for none):
--
--   watermark  the newest time among the orders the walk read, by the time
--              the list is sorted or filtered by: the order date on a list
--              sorted by it (Amazon's Manage Orders), the update time on a
--              list filtered by it (TikTok Shop's order search)
--   open_from  on a list sorted by order date, the order date of the oldest
--              order read that had no tracking number yet and is young
--              enough to be waited for: its parcel will show in its old
--              place in the list, so the next walk reads back that far
--   walked_at  when the last complete walk ended
--   pages      how many list pages that walk read
--
-- The rule that picks the stop from these lives in Go
-- (automations/marketplace, orderwalk.go); a walk that does not end keeps
-- the row as it was, so the next one reads the same orders again.
CREATE TABLE IF NOT EXISTS order_walks (
	store_id   INTEGER PRIMARY KEY REFERENCES stores (id) ON DELETE CASCADE,
	watermark  INTEGER,
	open_from  INTEGER,
	walked_at  INTEGER NOT NULL,
	pages      INTEGER NOT NULL DEFAULT 0 CHECK (pages >= 0)
) STRICT;
