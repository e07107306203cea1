-- Initial schema: the SQLite store's schema (gateway/store/migrations,
-- 0001 to 0005) in PostgreSQL's types. Times are timestamptz, kept to the
-- microsecond; NULL means "not set", except next_action_at, where
-- '-infinity' does (an attempt with no next action time is due at once, and
-- the due scan stays one range of one index).

CREATE TABLE merchants (
    id           text PRIMARY KEY,
    legal_name   text NOT NULL,
    trading_name text NOT NULL,
    mcc          text NOT NULL,
    country      text NOT NULL,
    city         text NOT NULL,
    currency     text NOT NULL,
    schemes      text[] NOT NULL,
    suspended    boolean NOT NULL,
    max_amount   bigint NOT NULL CHECK (max_amount >= 0),
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);

CREATE TABLE terminals (
    id          text PRIMARY KEY,
    merchant_id text NOT NULL REFERENCES merchants (id),
    store_id    text NOT NULL,
    suspended   boolean NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL
);

CREATE INDEX terminals_merchant ON terminals (merchant_id);

-- attempts.merchant_id has no foreign key on purpose: a request for an
-- unknown merchant is journaled too, so that its decline is answered and
-- repeated like any other.
CREATE TABLE attempts (
    id                     text PRIMARY KEY,
    kind                   text NOT NULL CHECK (kind IN ('purchase', 'refund', 'reversal')),
    rrn                    text NOT NULL CHECK (rrn ~ '^[0-9]{12}$'),
    terminal_id            text NOT NULL,
    stan                   text NOT NULL,
    transmission_time      text NOT NULL,
    merchant_id            text NOT NULL,
    scheme                 text NOT NULL,
    code_masked            text NOT NULL,
    request_hash           text NOT NULL,
    amount_minor           bigint NOT NULL CHECK (amount_minor >= 0),
    amount_currency        text NOT NULL,
    state                  text NOT NULL CHECK (state IN (
        'pending', 'unknown', 'cancel_pending', 'refund_pending',
        'approved', 'declined', 'cancelled', 'refunded')),
    reason                 text NOT NULL,
    scheme_code            text NOT NULL,
    approval_code          text NOT NULL,
    scheme_txn_id          text NOT NULL,
    wallet_amount_minor    bigint NOT NULL CHECK (wallet_amount_minor >= 0),
    wallet_amount_currency text NOT NULL,
    wallet_brand           text NOT NULL,
    original_id            text NOT NULL,
    original_rrn           text NOT NULL,
    tries                  integer NOT NULL CHECK (tries >= 0),
    next_action_at         timestamptz NOT NULL,
    created_at             timestamptz NOT NULL,
    updated_at             timestamptz NOT NULL,
    -- Set when the resolver gave up on the attempt and flagged it for
    -- manual review.
    flagged_at             timestamptz,
    -- The FX quote a purchase charged in another currency was charged at,
    -- and the settlement amount in the merchant's currency; '' and 0 mean
    -- none.
    fx_quote_id            text NOT NULL,
    fx_reference_rate      text NOT NULL,
    fx_applied_rate        text NOT NULL,
    fx_markup_percent      text NOT NULL,
    fx_source              text NOT NULL,
    fx_as_of               timestamptz,
    fx_rounding            text NOT NULL,
    settlement_minor       bigint NOT NULL CHECK (settlement_minor >= 0),
    settlement_currency    text NOT NULL,
    -- A merchant-presented purchase (DE 22 821) and the QR of its order.
    order_presented        boolean NOT NULL,
    order_qr_payload       text NOT NULL,
    order_qr_format        text NOT NULL,
    order_expires_at       timestamptz,
    -- The resolver's lease (payment.Store.ClaimDue): who claimed the
    -- attempt, and until when. A lease ended, or none, is no one's.
    lease_owner            text NOT NULL DEFAULT '',
    lease_until            timestamptz
);

-- The terminal key makes a repeat a duplicate. It is partial because an
-- attempt from the admin API (an acquirer's refund) has no terminal key, and
-- any number of those may exist.
CREATE UNIQUE INDEX attempts_terminal_key
    ON attempts (kind, terminal_id, stan, transmission_time)
    WHERE terminal_id <> '';

-- RRNs are unique in the whole database, so this one index both guards that
-- and serves the per-merchant lookup.
CREATE UNIQUE INDEX attempts_rrn ON attempts (rrn);

-- Only attempts with work left, not flagged, are in this index, so the
-- resolver's scan for due ones reads no final attempt. The list of states
-- must stay the one in dueStates (attempts_read.go), or the planner cannot
-- use it.
CREATE INDEX attempts_due ON attempts (next_action_at)
    WHERE state IN ('pending', 'unknown', 'cancel_pending', 'refund_pending') AND flagged_at IS NULL;

CREATE INDEX attempts_flagged ON attempts (flagged_at)
    WHERE state IN ('pending', 'unknown', 'cancel_pending', 'refund_pending') AND flagged_at IS NOT NULL;

CREATE INDEX attempts_original ON attempts (original_id);

-- RRNs: twelve digits, never handed out twice. A sequence is not rolled
-- back, so a create that fails leaves a gap; every node draws from it.
CREATE SEQUENCE rrn_sequence AS bigint MINVALUE 1 MAXVALUE 999999999999 NO CYCLE;

-- The journal. id orders it: rows are never deleted, and an identity only
-- grows.
CREATE TABLE events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    attempt_id text NOT NULL REFERENCES attempts (id),
    at         timestamptz NOT NULL,
    type       text NOT NULL CHECK (type <> ''),
    detail     text NOT NULL
);

CREATE INDEX events_attempt ON events (attempt_id, id);

CREATE FUNCTION events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'events are append-only';
END;
$$;

CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_append_only();

CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_append_only();
