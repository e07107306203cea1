-- Initial schema. Times are integer Unix nanoseconds UTC, 0 meaning "not
-- set". Tables are STRICT so a value of the wrong type fails instead of being
-- stored as something else.

CREATE TABLE merchants (
    id           TEXT PRIMARY KEY,
    legal_name   TEXT NOT NULL,
    trading_name TEXT NOT NULL,
    mcc          TEXT NOT NULL,
    country      TEXT NOT NULL,
    city         TEXT NOT NULL,
    currency     TEXT NOT NULL,
    -- Scheme IDs joined by commas; the store refuses an ID holding a comma.
    schemes      TEXT NOT NULL,
    suspended    INTEGER NOT NULL CHECK (suspended IN (0, 1)),
    max_amount   INTEGER NOT NULL CHECK (max_amount >= 0),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE terminals (
    id          TEXT PRIMARY KEY,
    merchant_id TEXT NOT NULL REFERENCES merchants (id),
    store_id    TEXT NOT NULL,
    suspended   INTEGER NOT NULL CHECK (suspended IN (0, 1)),
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
) STRICT;

CREATE INDEX terminals_merchant ON terminals (merchant_id);

-- attempts.merchant_id has no foreign key on purpose: a request for an
-- unknown merchant is journaled too, so that its decline is answered and
-- repeated like any other.
CREATE TABLE attempts (
    id                     TEXT PRIMARY KEY,
    kind                   TEXT NOT NULL CHECK (kind IN ('purchase', 'refund', 'reversal')),
    rrn                    TEXT NOT NULL CHECK (length(rrn) = 12),
    terminal_id            TEXT NOT NULL,
    stan                   TEXT NOT NULL,
    transmission_time      TEXT NOT NULL,
    merchant_id            TEXT NOT NULL,
    scheme                 TEXT NOT NULL,
    code_masked            TEXT NOT NULL,
    request_hash           TEXT NOT NULL,
    amount_minor           INTEGER NOT NULL CHECK (amount_minor >= 0),
    amount_currency        TEXT NOT NULL,
    state                  TEXT NOT NULL CHECK (state IN (
        'pending', 'unknown', 'cancel_pending', 'refund_pending',
        'approved', 'declined', 'cancelled', 'refunded')),
    reason                 TEXT NOT NULL,
    scheme_code            TEXT NOT NULL,
    approval_code          TEXT NOT NULL,
    scheme_txn_id          TEXT NOT NULL,
    wallet_amount_minor    INTEGER NOT NULL CHECK (wallet_amount_minor >= 0),
    wallet_amount_currency TEXT NOT NULL,
    wallet_brand           TEXT NOT NULL,
    original_id            TEXT NOT NULL,
    original_rrn           TEXT NOT NULL,
    tries                  INTEGER NOT NULL CHECK (tries >= 0),
    next_action_at         INTEGER NOT NULL,
    created_at             INTEGER NOT NULL,
    updated_at             INTEGER NOT NULL
) STRICT;

-- The terminal key makes a repeat a duplicate. It is partial because an
-- attempt from the admin API (an acquirer's refund) has no terminal key, and
-- any number of those may exist.
CREATE UNIQUE INDEX attempts_terminal_key
    ON attempts (kind, terminal_id, stan, transmission_time)
    WHERE terminal_id <> '';

-- RRNs are unique in the whole database, so this one index both guards that
-- and serves the per-merchant lookup (the merchant is then checked on the one
-- row found).
CREATE UNIQUE INDEX attempts_rrn ON attempts (rrn);

-- Only attempts with work left are in this index, so the resolver's scan for
-- due ones reads no final attempt. The list of states must stay the one in
-- dueStates (attempts_read.go), or the planner cannot use it.
CREATE INDEX attempts_due ON attempts (next_action_at)
    WHERE state IN ('pending', 'unknown', 'cancel_pending', 'refund_pending');

CREATE INDEX attempts_original ON attempts (original_id);

-- The RRN counter: one row, bumped in the transaction that creates an
-- attempt, so a rolled-back create gives its number back and no number is
-- ever handed out twice.
CREATE TABLE rrn_sequence (
    id   INTEGER PRIMARY KEY CHECK (id = 1),
    last INTEGER NOT NULL CHECK (last BETWEEN 0 AND 999999999999)
) STRICT;

INSERT INTO rrn_sequence (id, last) VALUES (1, 0);

-- The journal. id orders it: rows are never deleted, so the rowid only grows.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    attempt_id TEXT NOT NULL REFERENCES attempts (id),
    at         INTEGER NOT NULL,
    type       TEXT NOT NULL CHECK (type <> ''),
    detail     TEXT NOT NULL
) STRICT;

CREATE INDEX events_attempt ON events (attempt_id, id);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
