-- The admin API (gateway/admin): acquirers, the tenants, with their API keys
-- and client certificates; what an acquirer adds to the engine's merchants
-- and terminals rows; merchants' stores; the client requests creates are
-- idempotent on; and the audit log of every change. The engine's merchants
-- and terminals tables stay the one truth it reads per request: a merchant
-- or terminal belongs to an acquirer through merchant_profiles, and one
-- without a profile (onboarded from the configuration file) to none.

CREATE TABLE acquirers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    suspended  INTEGER NOT NULL CHECK (suspended IN (0, 1)),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

-- Only the SHA-256 of a key's secret is kept; the key's id is public.
CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    acquirer_id TEXT NOT NULL REFERENCES acquirers (id),
    secret_hash BLOB NOT NULL CHECK (length(secret_hash) = 32),
    name        TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX api_keys_acquirer ON api_keys (acquirer_id, created_at);

-- A verified client certificate's subject ("CN=<common name>" or a URI
-- SAN) authenticates as one acquirer.
CREATE TABLE client_certificates (
    subject     TEXT PRIMARY KEY,
    acquirer_id TEXT NOT NULL REFERENCES acquirers (id),
    created_at  INTEGER NOT NULL
) STRICT;

-- What the admin API keeps of a merchant beyond the engine's row. Whether
-- it is suspended is the engine's merchants.suspended, so the two cannot
-- disagree; closed_at (0: open) marks the final state.
CREATE TABLE merchant_profiles (
    merchant_id TEXT PRIMARY KEY REFERENCES merchants (id),
    acquirer_id TEXT NOT NULL REFERENCES acquirers (id),
    -- Mark-up percent by scheme id, a JSON object of decimal strings.
    markups     TEXT NOT NULL,
    per_minute  INTEGER NOT NULL CHECK (per_minute BETWEEN 0 AND 4294967295),
    per_day     INTEGER NOT NULL CHECK (per_day BETWEEN 0 AND 4294967295),
    closed_at   INTEGER NOT NULL
) STRICT;

CREATE UNIQUE INDEX merchant_profiles_acquirer ON merchant_profiles (acquirer_id, merchant_id);

CREATE TABLE merchant_stores (
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    id          TEXT NOT NULL,
    name        TEXT NOT NULL,
    address     TEXT NOT NULL,
    city        TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (merchant_id, id)
) STRICT;

-- Client request ids of creates and refunds, per acquirer: a repeat finds
-- its first request here: the same hash, and what it resulted in (the ID of
-- the object a create made, the amount a refund resolved to).
CREATE TABLE admin_requests (
    acquirer_id  TEXT NOT NULL,
    request_id   TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    result       TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (acquirer_id, request_id)
) STRICT;

-- The audit log. id orders it: rows are never updated nor deleted.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    acquirer_id TEXT NOT NULL,
    actor       TEXT NOT NULL CHECK (actor <> ''),
    action      TEXT NOT NULL CHECK (action <> ''),
    object      TEXT NOT NULL,
    request_id  TEXT NOT NULL,
    change      TEXT NOT NULL,
    at          INTEGER NOT NULL
) STRICT;

CREATE INDEX audit_log_acquirer ON audit_log (acquirer_id, id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;

-- Transaction search, newest first: across an acquirer's merchants, and
-- within one merchant.
CREATE INDEX attempts_created ON attempts (created_at, id);
CREATE INDEX attempts_merchant_created ON attempts (merchant_id, created_at, id);
