package store

import (
	"context"
	"fmt"

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
		m.currency, m.schemes, p.markups, m.max_amount, p.per_minute, p.per_day, m.suspended,
		p.closed_at, m.created_at, m.updated_at`
	adminMerchantFrom  = ` FROM merchant_profiles p JOIN merchants m ON m.id = p.merchant_id`
	queryAdminMerchant = `SELECT ` + adminMerchantColumns + adminMerchantFrom +
		` WHERE p.merchant_id = ? AND p.acquirer_id = ?`
	queryMerchantIDTaken  = `SELECT EXISTS (SELECT 1 FROM merchants WHERE id = ?)`
	queryMerchantAssigned = `SELECT EXISTS (SELECT 1 FROM merchant_profiles WHERE merchant_id = ?)`
	queryUpsertProfile    = `INSERT INTO merchant_profiles (merchant_id, acquirer_id, markups, per_minute,
			per_day, closed_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (merchant_id) DO UPDATE SET markups = excluded.markups,
			per_minute = excluded.per_minute, per_day = excluded.per_day, closed_at = excluded.closed_at
		WHERE merchant_profiles.acquirer_id = excluded.acquirer_id`
)

// scanAdminMerchant reads a row of adminMerchantColumns; it also returns
// closed_at, which an update keeps.
func scanAdminMerchant(row scanner) (*admin.Merchant, int64, error) {
	var m admin.Merchant
	var schemes, markups string
	var suspended, closedAt, createdAt, updatedAt int64
	err := row.Scan(&m.ID, &m.AcquirerID, &m.LegalName, &m.TradingName, &m.MCC, &m.Country, &m.City,
		&m.Currency, &schemes, &markups, &m.MaxAmount, &m.Limits.PurchasesPerTerminalPerMinute,
		&m.Limits.PurchasesPerTerminalPerDay, &suspended, &closedAt, &createdAt, &updatedAt)
	if err != nil {
		return nil, 0, noRows(err)
	}
	if m.MarkupPercent, err = adminsql.DecodeMarkups(m.ID, markups); err != nil {
		return nil, 0, err
	}
	m.Schemes = decodeSchemes(schemes)
	m.Status = adminsql.MerchantStatus(closedAt != 0, suspended != 0)
	m.CreatedAt, m.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &m, closedAt, nil
}

func scanMerchantRow(row scanner) (*admin.Merchant, error) {
	m, _, err := scanAdminMerchant(row)
	return m, err
}

// writeMerchant writes m as the engine's row and its profile, setting its
// times. closedAt is kept if set, and stamped now when m is newly closed.
func writeMerchant(tx adminTx, m *admin.Merchant, closedAt int64) error {
	pm := m.Payment()
	if err := invariant.CheckMerchant(pm); err != nil {
		return err
	}
	now := tx.stamp()
	if m.Status == admin.MerchantClosed && closedAt == 0 {
		closedAt = encodeTime(now)
	}
	var createdAt int64
	err := tx.st.upsertMerchant.QueryRowContext(tx.ctx, pm.ID, pm.LegalName, pm.TradingName, pm.MCC,
		pm.Country, pm.City, pm.Currency, encodeSchemes(pm.Schemes), encodeBool(pm.Suspended),
		pm.MaxAmount, encodeTime(now)).Scan(&createdAt)
	if err != nil {
		return fmt.Errorf("write merchant %s: %w", m.ID, err)
	}
	res, err := tx.exec(queryUpsertProfile, m.ID, m.AcquirerID, adminsql.EncodeMarkups(m.MarkupPercent),
		m.Limits.PurchasesPerTerminalPerMinute, m.Limits.PurchasesPerTerminalPerDay, closedAt)
	if err != nil {
		return fmt.Errorf("write profile of merchant %s: %w", m.ID, err)
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return fmt.Errorf("%w: merchant %s belongs to another acquirer", ErrInvariant, m.ID)
	}
	m.CreatedAt, m.UpdatedAt = decodeTime(createdAt), now
	return nil
}

// CreateMerchant stores a new merchant, as admin.Store documents.
func (a *AdminStore) CreateMerchant(ctx context.Context, m *admin.Merchant, req admin.Request) (*admin.Merchant, error) {
	if err := adminsql.CheckNewMerchant(m, req); err != nil {
		return nil, fmt.Errorf("store: create merchant: %w", err)
	}
	row := m.Clone()
	row.Status = admin.MerchantActive
	var stored *admin.Merchant
	err := a.write(ctx, func(tx adminTx) error {
		prior, repeat, err := priorRequest(tx, req)
		if err != nil {
			return err
		}
		if repeat {
			stored, _, err = scanAdminMerchant(tx.queryRow(queryAdminMerchant, prior, row.AcquirerID))
			return err
		}
		var taken bool
		if err := tx.queryRow(queryMerchantIDTaken, row.ID).Scan(&taken); err != nil {
			return err
		}
		if taken {
			return fmt.Errorf("merchant %s: %w", row.ID, admin.ErrAlreadyExists)
		}
		if err := writeMerchant(tx, row, 0); err != nil {
			return err
		}
		stored = row
		return recordRequest(tx, req, row.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create merchant %s: %w", m.ID, err)
	}
	return stored, nil
}

// Merchant returns the acquirer's merchant id, or admin.ErrNotFound.
func (a *AdminStore) Merchant(ctx context.Context, acquirerID, id string) (*admin.Merchant, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: merchant %s: %w", id, err)
	}
	m, _, err := scanAdminMerchant(db.QueryRowContext(ctx, queryAdminMerchant, id, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("store: merchant %s: %w", id, err)
	}
	return m, nil
}

// merchantStatusTerms are the conditions of each status a merchant list
// may be filtered by.
var merchantStatusTerms = map[admin.MerchantStatus]string{
	"":                      ``,
	admin.MerchantActive:    ` AND p.closed_at = 0 AND m.suspended = 0`,
	admin.MerchantSuspended: ` AND p.closed_at = 0 AND m.suspended = 1`,
	admin.MerchantClosed:    ` AND p.closed_at <> 0`,
}

// Merchants lists the acquirer's merchants in ID order.
func (a *AdminStore) Merchants(ctx context.Context, q admin.MerchantQuery) ([]*admin.Merchant, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: merchants: %w", err)
	}
	if err := adminsql.CheckMerchantQuery(q); err != nil {
		return nil, fmt.Errorf("store: merchants: %w", err)
	}
	query := `SELECT ` + adminMerchantColumns + adminMerchantFrom +
		` WHERE p.acquirer_id = ? AND p.merchant_id > ?` + merchantStatusTerms[q.Status] +
		` ORDER BY p.merchant_id LIMIT ?`
	list, err := queryList(ctx, db, scanMerchantRow, query, q.AcquirerID, q.AfterID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: merchants: %w", err)
	}
	return list, nil
}

// UpdateMerchant changes a merchant of the acquirer, as admin.Store
// documents. A closed merchant is admin.ErrMerchantClosed before change is
// called: closed is final.
func (a *AdminStore) UpdateMerchant(ctx context.Context, acquirerID, id string, change func(m *admin.Merchant) (*admin.AuditEvent, error)) (*admin.Merchant, error) {
	var result *admin.Merchant
	err := a.write(ctx, func(tx adminTx) error {
		current, closedAt, err := scanAdminMerchant(tx.queryRow(queryAdminMerchant, id, acquirerID))
		if err != nil {
			return err
		}
		next, ev, err := adminsql.ChangeMerchant(current, change)
		if err != nil || next == nil {
			result = current
			return err
		}
		if err := writeMerchant(tx, next, closedAt); err != nil {
			return err
		}
		result = next
		return appendAudit(tx, *ev)
	})
	if err != nil {
		return nil, fmt.Errorf("store: update merchant %s: %w", id, err)
	}
	return result, nil
}

// AssignMerchant gives a merchant without an acquirer to one, as
// admin.Store documents.
func (a *AdminStore) AssignMerchant(ctx context.Context, acquirerID, merchantID string, ev admin.AuditEvent) (*admin.Merchant, error) {
	var result *admin.Merchant
	err := a.write(ctx, func(tx adminTx) error {
		var assigned bool
		if err := tx.queryRow(queryMerchantAssigned, merchantID).Scan(&assigned); err != nil {
			return err
		}
		if assigned {
			return fmt.Errorf("merchant %s has an acquirer: %w", merchantID, admin.ErrAlreadyExists)
		}
		_, err := tx.exec(queryUpsertProfile, merchantID, acquirerID, "{}", 0, 0, 0)
		if isForeignKeyViolation(err) {
			return fmt.Errorf("merchant %s or acquirer %s: %w", merchantID, acquirerID, admin.ErrNotFound)
		}
		if err != nil {
			return err
		}
		result, _, err = scanAdminMerchant(tx.queryRow(queryAdminMerchant, merchantID, acquirerID))
		if err != nil {
			return err
		}
		ev.AcquirerID = acquirerID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("store: assign merchant %s to %s: %w", merchantID, acquirerID, err)
	}
	return result, nil
}

// merchantOf reads, in a write, the acquirer's merchant id.
func merchantOf(tx adminTx, acquirerID, id string) (*admin.Merchant, error) {
	m, _, err := scanAdminMerchant(tx.queryRow(queryAdminMerchant, id, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("merchant %s: %w", id, err)
	}
	return m, nil
}
