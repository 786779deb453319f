-- sellerops schema: what the service insights need stored.
--
-- messages.reason is a buyer message's contact reason (the fixed list of
-- automations/messages: where_is_order, damaged_defective, ...), '' until
-- the rule has read it; reason_rule is the version of the rule that did,
-- 0 for none, so that a newer rule reads the message again. The rule lives
-- in Go, not here: these columns only keep its answer.
--
-- claims.paid_at is when a claim was first seen paid, for the days from
-- filing to payment; NULL for a claim not paid, and for one paid before
-- this step (its payment time was never kept, and is not guessed).
ALTER TABLE messages ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reason_rule INTEGER NOT NULL DEFAULT 0;
CREATE INDEX messages_in_reason ON messages (direction, reason_rule);
ALTER TABLE claims ADD COLUMN paid_at INTEGER;
