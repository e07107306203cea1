package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// Merchants and terminals are created or replaced in place, keeping the
// first CreatedAt. An upsert is one statement, so two nodes putting the
// same merchant at once both succeed, the later one's fields standing; it
// runs in a transaction with the move of the configuration generation
// (ConfigVersion) that follows it.
const (
	queryUpsertMerchant = `INSERT INTO merchants (id, legal_name, trading_name, mcc, country, city,
			currency, schemes, suspended, max_amount, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		ON CONFLICT (id) DO UPDATE SET legal_name = excluded.legal_name,
			trading_name = excluded.trading_name, mcc = excluded.mcc, country = excluded.country,
			city = excluded.city, currency = excluded.currency, schemes = excluded.schemes,
			suspended = excluded.suspended, max_amount = excluded.max_amount,
			updated_at = excluded.updated_at
		RETURNING created_at`
	queryUpsertTerminal = `INSERT INTO terminals (id, merchant_id, store_id, suspended, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (id) DO UPDATE SET merchant_id = excluded.merchant_id,
			store_id = excluded.store_id, suspended = excluded.suspended,
			updated_at = excluded.updated_at
		RETURNING created_at`
	queryMerchant = `SELECT id, legal_name, trading_name, mcc, country, city, currency, schemes,
		suspended, max_amount, created_at, updated_at FROM merchants WHERE id = $1`
	queryTerminal = `SELECT id, merchant_id, store_id, suspended, created_at, updated_at
		FROM terminals WHERE id = $1`
)

// PutMerchant creates or replaces a merchant, setting m.CreatedAt (kept from
// the first put) and m.UpdatedAt. A scheme ID may not be empty nor hold a
// comma (as in the SQLite store).
func (s *Store) PutMerchant(ctx context.Context, m *payment.Merchant) error {
	if err := invariant.CheckMerchant(m); err != nil {
		return fmt.Errorf("postgres: put merchant: %w", err)
	}
	schemes := m.Schemes
	if schemes == nil {
		schemes = []string{} // NOT NULL: pgx sends a nil slice as NULL
	}
	var createdAt, updatedAt time.Time
	err := s.write(ctx, true, func(q querier) error {
		updatedAt = s.stamp()
		err := q.QueryRow(ctx, queryUpsertMerchant, m.ID, m.LegalName, m.TradingName, m.MCC,
			m.Country, m.City, m.Currency, schemes, m.Suspended, m.MaxAmount, updatedAt).Scan(&createdAt)
		if err != nil {
			return err
		}
		return bumpConfigVersion(ctx, q)
	})
	if err != nil {
		return fmt.Errorf("postgres: put merchant %s: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = createdAt.UTC(), updatedAt
	return nil
}

// PutTerminal creates or replaces a terminal, setting t.CreatedAt (kept from
// the first put) and t.UpdatedAt. Its merchant must be stored first, else
// payment.ErrNotFound.
func (s *Store) PutTerminal(ctx context.Context, t *payment.Terminal) error {
	if err := invariant.CheckTerminal(t); err != nil {
		return fmt.Errorf("postgres: put terminal: %w", err)
	}
	var createdAt, updatedAt time.Time
	err := s.write(ctx, true, func(q querier) error {
		updatedAt = s.stamp()
		err := q.QueryRow(ctx, queryUpsertTerminal, t.ID, t.MerchantID, t.StoreID, t.Suspended, updatedAt).
			Scan(&createdAt)
		if code, _ := pgCode(err); code == codeForeignKeyViolation {
			return fmt.Errorf("merchant %s: %w: %w", t.MerchantID, payment.ErrNotFound, err)
		}
		if err != nil {
			return err
		}
		return bumpConfigVersion(ctx, q)
	})
	if err != nil {
		return fmt.Errorf("postgres: put terminal %s: %w", t.ID, err)
	}
	t.CreatedAt, t.UpdatedAt = createdAt.UTC(), updatedAt
	return nil
}

// Merchant returns the merchant with ID id, or payment.ErrNotFound.
func (s *Store) Merchant(ctx context.Context, id string) (*payment.Merchant, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: merchant %s: %w", id, err)
	}
	var m payment.Merchant
	err := s.pool.QueryRow(ctx, queryMerchant, id).Scan(&m.ID, &m.LegalName, &m.TradingName,
		&m.MCC, &m.Country, &m.City, &m.Currency, &m.Schemes, &m.Suspended, &m.MaxAmount,
		&m.CreatedAt, &m.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = payment.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: merchant %s: %w", id, err)
	}
	if len(m.Schemes) == 0 {
		m.Schemes = nil // as put, and as the SQLite store reads it
	}
	m.CreatedAt, m.UpdatedAt = m.CreatedAt.UTC(), m.UpdatedAt.UTC()
	return &m, nil
}

// Terminal returns the terminal with ID id, or payment.ErrNotFound.
func (s *Store) Terminal(ctx context.Context, id string) (*payment.Terminal, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: terminal %s: %w", id, err)
	}
	var t payment.Terminal
	err := s.pool.QueryRow(ctx, queryTerminal, id).Scan(&t.ID, &t.MerchantID, &t.StoreID,
		&t.Suspended, &t.CreatedAt, &t.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = payment.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("postgres: terminal %s: %w", id, err)
	}
	t.CreatedAt, t.UpdatedAt = t.CreatedAt.UTC(), t.UpdatedAt.UTC()
	return &t, nil
}
