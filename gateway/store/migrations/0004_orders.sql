-- Merchant-presented purchases (DE 22 821): the order the scheme created
-- and the QR the terminal shows. 0 and empty text mean none.
ALTER TABLE attempts ADD COLUMN order_presented INTEGER NOT NULL DEFAULT 0 CHECK (order_presented IN (0, 1));
ALTER TABLE attempts ADD COLUMN order_qr_payload TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN order_qr_format TEXT NOT NULL DEFAULT '';
ALTER TABLE attempts ADD COLUMN order_expires_at INTEGER NOT NULL DEFAULT 0;
