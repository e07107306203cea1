-- The generation of what the payment engine reads on every request
-- (merchants, terminals, merchant_profiles), so that nodes may keep those
-- rows in memory: every transaction that may change one of them (each admin
-- write, PutMerchant, PutTerminal) adds one to version before it commits,
-- and a node uses a row it keeps only while version is what it was when the
-- row was read. One row, which the CHECK keeps alone.

CREATE TABLE config_version (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    version bigint NOT NULL CHECK (version >= 0)
);

INSERT INTO config_version (one, version) VALUES (true, 0);
