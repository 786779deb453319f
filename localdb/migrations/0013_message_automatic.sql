-- sellerops schema: messages that no person wrote.
--
-- messages.automatic is 1 for a message that a machine sent on its own: an
-- out-of-office or vacation reply, a help desk's acknowledgement, a
-- notification. For email the mail says so itself (RFC 3834 section 5,
-- "Auto-Submitted", and the older headers automations/mail reads); the
-- rule that decides lives in Go, this column only keeps its answer.
--
-- An automatic message is kept and shown like any other, but it is not a
-- buyer's contact and not a seller's answer: an automatic reply does not
-- stop the response clock, and a buyer's out-of-office does not start one.
-- human_messages is the set the service insights count, so that the rule is
-- written once here and not in every query.
ALTER TABLE messages ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0 CHECK (automatic IN (0, 1));
CREATE VIEW IF NOT EXISTS human_messages AS SELECT * FROM messages WHERE automatic = 0;
