package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

var _ payment.ConfigVersion = (*SQLite)(nil)

// Merchants and terminals are created or replaced in place (an upsert, not
// INSERT OR REPLACE, which would delete the row and so break the terminals'
// foreign key), keeping the first CreatedAt.
const (
	queryUpsertMerchant = `INSERT INTO merchants (id, legal_name, trading_name, mcc, country, city,
			currency, schemes, suspended, max_amount, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?11)
		ON CONFLICT (id) DO UPDATE SET legal_name = excluded.legal_name,
			trading_name = excluded.trading_name, mcc = excluded.mcc, country = excluded.country,
			city = excluded.city, currency = excluded.currency, schemes = excluded.schemes,
			suspended = excluded.suspended, max_amount = excluded.max_amount,
			updated_at = excluded.updated_at
		RETURNING created_at`
	queryUpsertTerminal = `INSERT INTO terminals (id, merchant_id, store_id, suspended, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?5)
		ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
			store_id = excluded.store_id, suspended = excluded.suspended,
			updated_at = excluded.updated_at
		RETURNING created_at`
	queryMerchant = `SELECT id, legal_name, trading_name, mcc, country, city, currency, schemes,
		suspended, max_amount, created_at, updated_at FROM merchants WHERE id = ?`
	queryTerminal = `SELECT id, merchant_id, store_id, suspended, created_at, updated_at
		FROM terminals WHERE id = ?`
)

// PutMerchant creates or replaces a merchant, setting m.CreatedAt (kept from
// the first put) and m.UpdatedAt. A scheme ID may not be empty nor hold a
// comma.
func (s *SQLite) PutMerchant(ctx context.Context, m *payment.Merchant) error {
	if err := s.checkOpen(); err != nil {
		return fmt.Errorf("store: put merchant: %w", err)
	}
	if err := invariant.CheckMerchant(m); err != nil {
		return fmt.Errorf("store: put merchant: %w", err)
	}
	schemes := encodeSchemes(m.Schemes)
	row := *m
	var createdAt, updatedAt int64
	err := s.writeConfig(ctx, func(tx *writeTx) error {
		updatedAt = encodeTime(tx.stamp())
		return tx.st.upsertMerchant.QueryRowContext(tx.ctx, row.ID, row.LegalName, row.TradingName,
			row.MCC, row.Country, row.City, row.Currency, schemes, encodeBool(row.Suspended),
			row.MaxAmount, updatedAt).Scan(&createdAt)
	})
	if err != nil {
		return fmt.Errorf("store: put merchant %s: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return nil
}

// PutTerminal creates or replaces a terminal, setting t.CreatedAt (kept from
// the first put) and t.UpdatedAt. Its merchant must be stored first, else
// payment.ErrNotFound.
func (s *SQLite) PutTerminal(ctx context.Context, t *payment.Terminal) error {
	if err := s.checkOpen(); err != nil {
		return fmt.Errorf("store: put terminal: %w", err)
	}
	if err := invariant.CheckTerminal(t); err != nil {
		return fmt.Errorf("store: put terminal: %w", err)
	}
	row := *t
	var createdAt, updatedAt int64
	err := s.writeConfig(ctx, func(tx *writeTx) error {
		updatedAt = encodeTime(tx.stamp())
		err := tx.st.upsertTerminal.QueryRowContext(tx.ctx, row.ID, row.MerchantID, row.StoreID,
			encodeBool(row.Suspended), updatedAt).Scan(&createdAt)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("merchant %s: %w: %w", row.MerchantID, payment.ErrNotFound, err)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("store: put terminal %s: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return nil
}

// Merchant returns the merchant with ID id, or payment.ErrNotFound.
func (s *SQLite) Merchant(ctx context.Context, id string) (*payment.Merchant, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: merchant %s: %w", id, err)
	}
	var m payment.Merchant
	var schemes string
	var suspended, createdAt, updatedAt int64
	err := s.reads.merchant.QueryRowContext(ctx, id).Scan(&m.ID, &m.LegalName, &m.TradingName,
		&m.MCC, &m.Country, &m.City, &m.Currency, &schemes, &suspended, &m.MaxAmount,
		&createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = payment.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: merchant %s: %w", id, err)
	}
	m.Schemes, m.Suspended = decodeSchemes(schemes), suspended != 0
	m.CreatedAt, m.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &m, nil
}

// Terminal returns the terminal with ID id, or payment.ErrNotFound.
func (s *SQLite) Terminal(ctx context.Context, id string) (*payment.Terminal, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: terminal %s: %w", id, err)
	}
	var t payment.Terminal
	var suspended, createdAt, updatedAt int64
	err := s.reads.terminal.QueryRowContext(ctx, id).Scan(&t.ID, &t.MerchantID, &t.StoreID,
		&suspended, &createdAt, &updatedAt)
	if errors.Is(err, sql.ErrNoRows) {
		err = payment.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: terminal %s: %w", id, err)
	}
	t.Suspended = suspended != 0
	t.CreatedAt, t.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &t, nil
}

// ConfigVersion returns the generation of the merchants, terminals and
// merchant policies the engine reads (payment.ConfigVersion). The process
// that opened the store is the database's one writer, so the generation is
// a counter in memory, starting at 0 at each open, which every write that
// may change one of those rows (PutMerchant, PutTerminal, every admin
// write) moves on before it returns, committed or not. Writes by another
// process on the same file do not move it: the only one there is,
// `meridiand acquirers`, changes nothing the engine reads.
func (s *SQLite) ConfigVersion(context.Context) (uint64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, fmt.Errorf("store: config version: %w", err)
	}
	return s.configVersion.Load(), nil
}

// writeConfig runs op as the writer runs any write, for a write that may
// change what the engine reads: once the write has committed or failed it
// moves the configuration generation on, before returning, so that a
// request arriving afterwards reads the rows again. A write its caller
// stopped waiting for (writeAbandoned) may commit later still: the
// generation moves on again once it has.
func (s *SQLite) writeConfig(ctx context.Context, op writeOp) error {
	err := s.writer.do(ctx, op)
	s.configVersion.Add(1)
	var abandoned writeAbandoned
	if errors.As(err, &abandoned) {
		go s.configChangedLater()
	}
	return err
}

// configChangedLater moves the configuration generation on once every write
// queued so far has committed or failed: the writer takes writes in the
// order they were queued and answers one only after its transaction has
// ended, so the writes before an empty one queued now have ended when it is
// answered. It ends when the writer has answered, or at once if the store
// is closed.
func (s *SQLite) configChangedLater() {
	_ = s.writer.do(context.Background(), func(*writeTx) error { return nil })
	s.configVersion.Add(1)
}
