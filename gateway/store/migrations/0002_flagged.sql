-- Attempts the resolver gave up on after the give-up age are flagged for
-- manual review rather than retried forever or dropped. 0 means not flagged.
ALTER TABLE attempts ADD COLUMN flagged_at INTEGER NOT NULL DEFAULT 0;

CREATE INDEX attempts_flagged ON attempts (flagged_at)
    WHERE flagged_at <> 0 AND state IN ('pending', 'unknown', 'cancel_pending', 'refund_pending');
