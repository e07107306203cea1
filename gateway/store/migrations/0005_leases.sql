-- Resolver leases (payment.Store.ClaimDue): the owner that claimed an
-- attempt and when its lease ends. Empty text and 0 mean none; a lease
-- ended (lease_until at or before now) is no one's.
ALTER TABLE attempts ADD COLUMN lease_owner TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN lease_until INTEGER NOT NULL DEFAULT 0;
