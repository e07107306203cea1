package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// An admin merchant is the engine's merchants row joined with its
// merchant_profiles row. Its status is read from both: closed_at marks a
// closed merchant, merchants.suspended a suspended one (a closed merchant
// is suspended too, so the engine declines it).
const (
	adminMerchantColumns = `m.id, p.acquirer_id, m.legal_name, m.trading_name, m.mcc, m.country, m.city,
		m.currency, m.schemes, p.markups::text, m.max_amount, p.per_minute, p.per_day, m.suspended,
		p.closed_at, m.created_at, m.updated_at`
	adminMerchantFrom  = ` FROM merchant_profiles p JOIN merchants m ON m.id = p.merchant_id`
	queryAdminMerchant = `SELECT ` + adminMerchantColumns + adminMerchantFrom +
		` WHERE p.merchant_id = $1 AND p.acquirer_id = $2`
	// queryLockAdminMerchant reads a merchant to update it: other updates
	// of it, from any node, wait until this one's transaction ends.
	queryLockAdminMerchant = queryAdminMerchant + ` FOR UPDATE OF p, m`
	// queryShareAdminMerchant reads the merchant a store or terminal is
	// added to: an update of it (a close) waits for the addition, or the
	// addition for the update, so that nothing is added to a merchant
	// closed meanwhile.
	queryShareAdminMerchant = queryAdminMerchant + ` FOR SHARE OF p, m`
	queryInsertMerchant     = `INSERT INTO merchants (id, legal_name, trading_name, mcc, country, city,
			currency, schemes, suspended, max_amount, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)
		ON CONFLICT (id) DO NOTHING RETURNING created_at`
	queryUpdateMerchant = `UPDATE merchants SET legal_name = $2, trading_name = $3, mcc = $4, country = $5,
			city = $6, currency = $7, schemes = $8, suspended = $9, max_amount = $10, updated_at = $11
		WHERE id = $1 RETURNING created_at`
	queryInsertProfile = `INSERT INTO merchant_profiles (merchant_id, acquirer_id, markups, per_minute, per_day, closed_at)
		VALUES ($1, $2, $3, $4, $5, $6)`
	queryUpdateProfile = `UPDATE merchant_profiles SET markups = $3, per_minute = $4, per_day = $5, closed_at = $6
		WHERE merchant_id = $1 AND acquirer_id = $2`
	// queryAssignMerchant gives a merchant a profile unless it has one;
	// the foreign keys refuse an unknown merchant or acquirer.
	queryAssignMerchant = `INSERT INTO merchant_profiles (merchant_id, acquirer_id, markups, per_minute, per_day)
		VALUES ($1, $2, '{}', 0, 0) ON CONFLICT (merchant_id) DO NOTHING RETURNING true`
)

// scanAdminMerchant reads a row of adminMerchantColumns; it also returns
// closed_at, which an update keeps.
func scanAdminMerchant(row pgx.Row) (*admin.Merchant, time.Time, error) {
	var m admin.Merchant
	var markups string
	var suspended bool
	var closedAt, createdAt, updatedAt pgtype.Timestamptz
	err := row.Scan(&m.ID, &m.AcquirerID, &m.LegalName, &m.TradingName, &m.MCC, &m.Country, &m.City,
		&m.Currency, &m.Schemes, &markups, &m.MaxAmount, &m.Limits.PurchasesPerTerminalPerMinute,
		&m.Limits.PurchasesPerTerminalPerDay, &suspended, &closedAt, &createdAt, &updatedAt)
	if err != nil {
		return nil, time.Time{}, noRows(err)
	}
	if m.MarkupPercent, err = adminsql.DecodeMarkups(m.ID, markups); err != nil {
		return nil, time.Time{}, err
	}
	if len(m.Schemes) == 0 {
		m.Schemes = nil // as the SQLite store reads it
	}
	m.Status = adminsql.MerchantStatus(closedAt.Valid, suspended)
	m.CreatedAt, m.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &m, decodeTime(closedAt), nil
}

func scanMerchantRow(row pgx.Row) (*admin.Merchant, error) {
	m, _, err := scanAdminMerchant(row)
	return m, err
}

// merchantArgs gives the arguments of queryInsertMerchant and
// queryUpdateMerchant.
func merchantArgs(m *admin.Merchant, now time.Time) []any {
	pm := m.Payment()
	schemes := pm.Schemes
	if schemes == nil {
		schemes = []string{} // NOT NULL: pgx sends a nil slice as NULL
	}
	return []any{pm.ID, pm.LegalName, pm.TradingName, pm.MCC, pm.Country, pm.City, pm.Currency,
		schemes, pm.Suspended, pm.MaxAmount, now}
}

// profileArgs gives the arguments of queryInsertProfile and
// queryUpdateProfile.
func profileArgs(m *admin.Merchant, closedAt time.Time) []any {
	return []any{m.ID, m.AcquirerID, adminsql.EncodeMarkups(m.MarkupPercent),
		m.Limits.PurchasesPerTerminalPerMinute, m.Limits.PurchasesPerTerminalPerDay, encodeTime(closedAt)}
}

// insertMerchant writes a new merchant, as the engine's row and its
// profile, setting its times; admin.ErrAlreadyExists if the engine has a
// merchant with its ID, whoever's.
func insertMerchant(tx adminTx, m *admin.Merchant) error {
	if err := invariant.CheckMerchant(m.Payment()); err != nil {
		return err
	}
	var createdAt time.Time
	err := tx.queryRow(queryInsertMerchant, merchantArgs(m, tx.now)...).Scan(&createdAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("merchant %s: %w", m.ID, admin.ErrAlreadyExists)
	}
	if err != nil {
		return fmt.Errorf("write merchant %s: %w", m.ID, err)
	}
	if err := tx.exec(queryInsertProfile, profileArgs(m, time.Time{})...); err != nil {
		return fmt.Errorf("write profile of merchant %s: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = tx.now, tx.now
	return nil
}

// updateMerchant writes a changed merchant of its acquirer, locked by the
// caller, setting UpdatedAt. closedAt is kept if set, and stamped now
// when m is newly closed.
func updateMerchant(tx adminTx, m *admin.Merchant, closedAt time.Time) error {
	if err := invariant.CheckMerchant(m.Payment()); err != nil {
		return err
	}
	if m.Status == admin.MerchantClosed && closedAt.IsZero() {
		closedAt = tx.now
	}
	var createdAt time.Time
	if err := tx.queryRow(queryUpdateMerchant, merchantArgs(m, tx.now)...).Scan(&createdAt); err != nil {
		return fmt.Errorf("write merchant %s: %w", m.ID, err)
	}
	if err := tx.exec(queryUpdateProfile, profileArgs(m, closedAt)...); err != nil {
		return fmt.Errorf("write profile of merchant %s: %w", m.ID, err)
	}
	m.CreatedAt, m.UpdatedAt = createdAt.UTC(), tx.now
	return nil
}

// CreateMerchant stores a new merchant, as admin.Store documents.
func (a *AdminStore) CreateMerchant(ctx context.Context, m *admin.Merchant, req admin.Request) (*admin.Merchant, error) {
	if err := adminsql.CheckNewMerchant(m, req); err != nil {
		return nil, fmt.Errorf("postgres: create merchant: %w", err)
	}
	var stored *admin.Merchant
	err := a.create(ctx, req, m.ID, func(tx adminTx, prior string) (err error) {
		stored, err = merchantOf(tx, queryAdminMerchant, m.AcquirerID, prior)
		return err
	}, func(tx adminTx) error {
		row := m.Clone()
		row.Status = admin.MerchantActive
		if err := insertMerchant(tx, row); err != nil {
			return err
		}
		stored = row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: create merchant %s: %w", m.ID, err)
	}
	return stored, nil
}

// Merchant returns the acquirer's merchant id, or admin.ErrNotFound.
func (a *AdminStore) Merchant(ctx context.Context, acquirerID, id string) (*admin.Merchant, error) {
	m, err := readRow(ctx, a, scanMerchantRow, queryAdminMerchant, id, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: merchant %s: %w", id, err)
	}
	return m, nil
}

// merchantStatusTerms are the conditions of each status a merchant list
// may be filtered by.
var merchantStatusTerms = map[admin.MerchantStatus]string{
	"":                      ``,
	admin.MerchantActive:    ` AND p.closed_at IS NULL AND NOT m.suspended`,
	admin.MerchantSuspended: ` AND p.closed_at IS NULL AND m.suspended`,
	admin.MerchantClosed:    ` AND p.closed_at IS NOT NULL`,
}

// Merchants lists the acquirer's merchants in ID order, as admin.Store
// documents.
func (a *AdminStore) Merchants(ctx context.Context, q admin.MerchantQuery) ([]*admin.Merchant, error) {
	if err := adminsql.CheckMerchantQuery(q); err != nil {
		return nil, fmt.Errorf("postgres: merchants: %w", err)
	}
	query := `SELECT ` + adminMerchantColumns + adminMerchantFrom +
		` WHERE p.acquirer_id = $1 AND p.merchant_id > $2` + merchantStatusTerms[q.Status] +
		` ORDER BY p.merchant_id LIMIT $3`
	list, err := readList(ctx, a, scanMerchantRow, query, q.AcquirerID, q.AfterID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: merchants: %w", err)
	}
	return list, nil
}

// UpdateMerchant changes a merchant of the acquirer, as admin.Store
// documents. A closed merchant is admin.ErrMerchantClosed before change is
// called: closed is final. The merchant's rows are locked from the read to
// the commit, so change runs under a lock that updates of the merchant on
// every node wait for.
func (a *AdminStore) UpdateMerchant(ctx context.Context, acquirerID, id string, change func(m *admin.Merchant) (*admin.AuditEvent, error)) (*admin.Merchant, error) {
	var result *admin.Merchant
	err := a.write(ctx, func(tx adminTx) error {
		current, closedAt, err := scanAdminMerchant(tx.queryRow(queryLockAdminMerchant, id, acquirerID))
		if err != nil {
			return err
		}
		next, ev, err := adminsql.ChangeMerchant(current, change)
		if err != nil || next == nil {
			result = current
			return err
		}
		if err := updateMerchant(tx, next, closedAt); err != nil {
			return err
		}
		result = next
		return appendAudit(tx, *ev)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: update merchant %s: %w", id, err)
	}
	return result, nil
}

// AssignMerchant gives a merchant without an acquirer to one, as
// admin.Store documents.
func (a *AdminStore) AssignMerchant(ctx context.Context, acquirerID, merchantID string, ev admin.AuditEvent) (*admin.Merchant, error) {
	var result *admin.Merchant
	err := a.write(ctx, func(tx adminTx) error {
		var inserted bool
		err := tx.queryRow(queryAssignMerchant, merchantID, acquirerID).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("merchant %s has an acquirer: %w", merchantID, admin.ErrAlreadyExists)
		}
		if code, _ := pgCode(err); code == codeForeignKeyViolation {
			return fmt.Errorf("merchant %s or acquirer %s: %w", merchantID, acquirerID, admin.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if result, err = merchantOf(tx, queryAdminMerchant, acquirerID, merchantID); err != nil {
			return err
		}
		e := ev
		e.AcquirerID = acquirerID
		return appendAudit(tx, e)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: assign merchant %s to %s: %w", merchantID, acquirerID, err)
	}
	return result, nil
}

// merchantOf reads, in a write, the acquirer's merchant id with query
// (queryAdminMerchant, or one of its locking forms).
func merchantOf(tx adminTx, query, acquirerID, id string) (*admin.Merchant, error) {
	m, _, err := scanAdminMerchant(tx.queryRow(query, id, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("merchant %s: %w", id, err)
	}
	return m, nil
}
