-- A purchase charged in another currency than the merchant's keeps the FX
-- quote it was charged at, and every attempt its settlement amount in the
-- merchant's currency. Empty text and 0 mean none.
ALTER TABLE attempts ADD COLUMN fx_quote_id TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN fx_reference_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN fx_applied_rate TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN fx_markup_percent TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN fx_source TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN fx_as_of INTEGER NOT NULL DEFAULT 0;
ALTER TABLE attempts ADD COLUMN fx_rounding TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN settlement_minor INTEGER NOT NULL DEFAULT 0 CHECK (settlement_minor >= 0);
ALTER TABLE attempts ADD COLUMN settlement_currency TEXT NOT NULL DEFAULT '';
