-- The admin API (gateway/admin), as the SQLite store's 0006_admin.sql:
-- acquirers, the tenants, with their API keys and client certificates; what
-- an acquirer adds to the engine's merchants and terminals rows; merchants'
-- stores; the client requests creates are idempotent on; and the audit log
-- of every change. The engine's merchants and terminals tables stay the one
-- truth it reads per request: a merchant or terminal belongs to an acquirer
-- through merchant_profiles, and one without a profile (onboarded from the
-- configuration file) to none.
--
-- IDs that lists page by are declared COLLATE "C", and the queries compare
-- the engine's ID columns (0001, declared with the database's collation)
-- COLLATE "C" too: pages follow byte order, as in SQLite and in Go, whatever
-- the database's locale. Times are timestamptz; NULL means "not set".

CREATE TABLE acquirers (
    id         text COLLATE "C" PRIMARY KEY,
    name       text NOT NULL,
    suspended  boolean NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Only the SHA-256 of a key's secret is kept; the key's id is public.
CREATE TABLE api_keys (
    id          text COLLATE "C" PRIMARY KEY,
    acquirer_id text COLLATE "C" NOT NULL REFERENCES acquirers (id),
    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
    name        text NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL,
    -- NULL while the key is valid.
    revoked_at  timestamptz
);

CREATE INDEX api_keys_acquirer ON api_keys (acquirer_id, created_at, id);

-- A verified client certificate's subject ("CN=<common name>" or a URI
-- SAN) authenticates as one acquirer.
CREATE TABLE client_certificates (
    subject     text PRIMARY KEY,
    acquirer_id text COLLATE "C" NOT NULL REFERENCES acquirers (id),
    created_at  timestamptz NOT NULL
);

-- What the admin API keeps of a merchant beyond the engine's row. Whether
-- it is suspended is the engine's merchants.suspended, so the two cannot
-- disagree; closed_at (NULL: open) marks the final state.
CREATE TABLE merchant_profiles (
    merchant_id text COLLATE "C" PRIMARY KEY REFERENCES merchants (id),
    acquirer_id text COLLATE "C" NOT NULL REFERENCES acquirers (id),
    -- Mark-up percent by scheme id, an object of decimal strings.
    markups     jsonb NOT NULL CHECK (jsonb_typeof(markups) = 'object'),
    per_minute  bigint NOT NULL CHECK (per_minute BETWEEN 0 AND 4294967295),
    per_day     bigint NOT NULL CHECK (per_day BETWEEN 0 AND 4294967295),
    closed_at   timestamptz
);

-- An acquirer's merchants in ID order.
CREATE UNIQUE INDEX merchant_profiles_acquirer ON merchant_profiles (acquirer_id, merchant_id);

CREATE TABLE merchant_stores (
    merchant_id text COLLATE "C" NOT NULL REFERENCES merchants (id),
    id          text COLLATE "C" NOT NULL,
    name        text NOT NULL,
    address     text NOT NULL,
    city        text NOT NULL,
    created_at  timestamptz NOT NULL,
    PRIMARY KEY (merchant_id, id)
);

-- Client request ids of creates and refunds, per acquirer: a repeat finds
-- its first request here: the same hash, and what it resulted in (the ID of
-- the object a create made, the amount a refund resolved to). A create
-- inserts its row first, so that of two nodes creating under one request
-- id at once the second waits for the first and then finds its row.
CREATE TABLE admin_requests (
    acquirer_id  text NOT NULL,
    request_id   text NOT NULL,
    request_hash text NOT NULL,
    result       text NOT NULL,
    created_at   timestamptz NOT NULL,
    PRIMARY KEY (acquirer_id, request_id)
);

-- The audit log. id orders it: rows are never updated nor deleted, and an
-- identity only grows.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    acquirer_id text NOT NULL,
    actor       text NOT NULL CHECK (actor <> ''),
    action      text NOT NULL CHECK (action <> ''),
    object      text NOT NULL,
    request_id  text NOT NULL,
    -- A JSON object, kept as the service wrote it.
    change      text NOT NULL,
    at          timestamptz NOT NULL
);

CREATE INDEX audit_log_acquirer ON audit_log (acquirer_id, id);

CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();

-- Transaction search, newest first: across an acquirer's merchants, and
-- within one merchant. The id is the cursor's tie-break, in byte order.
CREATE INDEX attempts_created ON attempts (created_at, id COLLATE "C");
CREATE INDEX attempts_merchant_created ON attempts (merchant_id, created_at, id COLLATE "C");
