package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
)

const (
	queryInsertAcquirer = `INSERT INTO acquirers (id, name, suspended, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?4)`
	queryAcquirer       = `SELECT id, name, suspended, created_at, updated_at FROM acquirers WHERE id = ?`
	queryAcquirers      = `SELECT id, name, suspended, created_at, updated_at FROM acquirers ORDER BY id`
	querySetAcquirer    = `UPDATE acquirers SET suspended = ?, updated_at = ? WHERE id = ?`
	apiKeyColumns       = `id, acquirer_id, secret_hash, name, created_by, created_at, revoked_at`
	queryInsertAPIKey   = `INSERT INTO api_keys (` + apiKeyColumns + `) VALUES (?, ?, ?, ?, ?, ?, 0)`
	queryAPIKey         = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = ?`
	queryAPIKeyOf       = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = ? AND acquirer_id = ?`
	queryAPIKeys        = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE acquirer_id = ? ORDER BY created_at DESC, id DESC`
	queryRevokeAPIKey   = `UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at = 0`
	queryMapCertificate = `INSERT INTO client_certificates (subject, acquirer_id, created_at) VALUES (?, ?, ?)
		ON CONFLICT (subject) DO UPDATE SET acquirer_id = excluded.acquirer_id, created_at = excluded.created_at`
	queryUnmapCertificate = `DELETE FROM client_certificates WHERE subject = ? RETURNING acquirer_id`
	queryCertificate      = `SELECT acquirer_id FROM client_certificates WHERE subject = ?`
)

// CreateAcquirer stores a new acquirer, as admin.Store documents.
func (a *AdminStore) CreateAcquirer(ctx context.Context, acq *admin.Acquirer, ev admin.AuditEvent) error {
	if err := adminsql.CheckAcquirer(acq); err != nil {
		return fmt.Errorf("store: create acquirer: %w", err)
	}
	row := *acq
	err := a.write(ctx, func(tx adminTx) error {
		now := tx.stamp()
		_, err := tx.exec(queryInsertAcquirer, row.ID, row.Name, encodeBool(row.Status == admin.AcquirerSuspended), encodeTime(now))
		if isUniqueViolation(err) {
			return fmt.Errorf("acquirer %s: %w", row.ID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
		row.CreatedAt, row.UpdatedAt = now, now
		ev.AcquirerID = row.ID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: create acquirer %s: %w", acq.ID, err)
	}
	*acq = row
	if acq.Status == "" {
		acq.Status = admin.AcquirerActive
	}
	return nil
}

func scanAcquirer(row scanner) (*admin.Acquirer, error) {
	var acq admin.Acquirer
	var suspended, createdAt, updatedAt int64
	if err := row.Scan(&acq.ID, &acq.Name, &suspended, &createdAt, &updatedAt); err != nil {
		return nil, noRows(err)
	}
	acq.Status = admin.AcquirerActive
	if suspended != 0 {
		acq.Status = admin.AcquirerSuspended
	}
	acq.CreatedAt, acq.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &acq, nil
}

// Acquirer returns the acquirer with ID id, or admin.ErrNotFound.
func (a *AdminStore) Acquirer(ctx context.Context, id string) (*admin.Acquirer, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: acquirer %s: %w", id, err)
	}
	acq, err := scanAcquirer(db.QueryRowContext(ctx, queryAcquirer, id))
	if err != nil {
		return nil, fmt.Errorf("store: acquirer %s: %w", id, err)
	}
	return acq, nil
}

// Acquirers lists every acquirer in ID order.
func (a *AdminStore) Acquirers(ctx context.Context) ([]*admin.Acquirer, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: acquirers: %w", err)
	}
	list, err := queryList(ctx, db, scanAcquirer, queryAcquirers)
	if err != nil {
		return nil, fmt.Errorf("store: acquirers: %w", err)
	}
	return list, nil
}

// SetAcquirerStatus sets an acquirer's status, as admin.Store documents.
func (a *AdminStore) SetAcquirerStatus(ctx context.Context, id string, status admin.AcquirerStatus, ev admin.AuditEvent) (*admin.Acquirer, error) {
	if err := adminsql.CheckAcquirerStatus(status); err != nil {
		return nil, fmt.Errorf("store: acquirer %s: %w", id, err)
	}
	var acq *admin.Acquirer
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanAcquirer(tx.queryRow(queryAcquirer, id))
		if err != nil || current.Status == status {
			acq = current
			return err
		}
		current.Status, current.UpdatedAt = status, tx.stamp()
		if _, err := tx.exec(querySetAcquirer, encodeBool(status == admin.AcquirerSuspended), encodeTime(current.UpdatedAt), id); err != nil {
			return err
		}
		acq = current
		ev.AcquirerID = id
		return appendAudit(tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("store: set status of acquirer %s: %w", id, err)
	}
	return acq, nil
}

func scanAPIKey(row scanner) (*admin.APIKey, error) {
	var k admin.APIKey
	var createdAt, revokedAt int64
	if err := row.Scan(&k.ID, &k.AcquirerID, &k.SecretHash, &k.Name, &k.CreatedBy, &createdAt, &revokedAt); err != nil {
		return nil, noRows(err)
	}
	k.CreatedAt, k.RevokedAt = decodeTime(createdAt), decodeTime(revokedAt)
	return &k, nil
}

// CreateAPIKey stores a new key, as admin.Store documents.
func (a *AdminStore) CreateAPIKey(ctx context.Context, k *admin.APIKey, req admin.Request) (*admin.APIKey, error) {
	if err := adminsql.CheckAPIKey(k, req); err != nil {
		return nil, fmt.Errorf("store: create API key: %w", err)
	}
	row := *k
	var stored *admin.APIKey
	err := a.write(ctx, func(tx adminTx) error {
		prior, repeat, err := priorRequest(tx, req)
		if err != nil {
			return err
		}
		if repeat {
			stored, err = scanAPIKey(tx.queryRow(queryAPIKey, prior))
			return err
		}
		row.CreatedAt, row.RevokedAt = tx.stamp(), time.Time{}
		_, err = tx.exec(queryInsertAPIKey, row.ID, row.AcquirerID, row.SecretHash, row.Name, row.CreatedBy, encodeTime(row.CreatedAt))
		if isForeignKeyViolation(err) {
			return fmt.Errorf("acquirer %s: %w", row.AcquirerID, admin.ErrNotFound)
		}
		if isUniqueViolation(err) {
			return fmt.Errorf("key %s: %w", row.ID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
		stored = &row
		return recordRequest(tx, req, row.ID)
	})
	if err != nil {
		return nil, fmt.Errorf("store: create API key: %w", err)
	}
	return stored, nil
}

// APIKey returns the key with ID id, or admin.ErrNotFound.
func (a *AdminStore) APIKey(ctx context.Context, id string) (*admin.APIKey, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: API key %s: %w", id, err)
	}
	k, err := scanAPIKey(db.QueryRowContext(ctx, queryAPIKey, id))
	if err != nil {
		return nil, fmt.Errorf("store: API key %s: %w", id, err)
	}
	return k, nil
}

// APIKeys lists the acquirer's keys, newest first.
func (a *AdminStore) APIKeys(ctx context.Context, acquirerID string) ([]*admin.APIKey, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: API keys of %s: %w", acquirerID, err)
	}
	list, err := queryList(ctx, db, scanAPIKey, queryAPIKeys, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("store: API keys of %s: %w", acquirerID, err)
	}
	return list, nil
}

// RevokeAPIKey revokes a key of the acquirer, as admin.Store documents.
func (a *AdminStore) RevokeAPIKey(ctx context.Context, acquirerID, id string, ev admin.AuditEvent) (*admin.APIKey, error) {
	var k *admin.APIKey
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanAPIKey(tx.queryRow(queryAPIKeyOf, id, acquirerID))
		if err != nil || !current.RevokedAt.IsZero() {
			k = current
			return err
		}
		current.RevokedAt = tx.stamp()
		if _, err := tx.exec(queryRevokeAPIKey, encodeTime(current.RevokedAt), id); err != nil {
			return err
		}
		k = current
		ev.AcquirerID = acquirerID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("store: revoke API key %s: %w", id, err)
	}
	return k, nil
}

// MapCertificate maps a certificate subject to an acquirer, as admin.Store
// documents.
func (a *AdminStore) MapCertificate(ctx context.Context, subject, acquirerID string, ev admin.AuditEvent) error {
	if err := adminsql.CheckSubject(subject); err != nil {
		return fmt.Errorf("store: map certificate: %w", err)
	}
	err := a.write(ctx, func(tx adminTx) error {
		_, err := tx.exec(queryMapCertificate, subject, acquirerID, encodeTime(tx.stamp()))
		if isForeignKeyViolation(err) {
			return fmt.Errorf("acquirer %s: %w", acquirerID, admin.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.AcquirerID = acquirerID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: map certificate %q: %w", subject, err)
	}
	return nil
}

// UnmapCertificate removes a subject's mapping, as admin.Store documents.
// The audit event goes to the acquirer the subject mapped to.
func (a *AdminStore) UnmapCertificate(ctx context.Context, subject string, ev admin.AuditEvent) error {
	err := a.write(ctx, func(tx adminTx) error {
		if err := tx.queryRow(queryUnmapCertificate, subject).Scan(&ev.AcquirerID); err != nil {
			return noRows(err)
		}
		return appendAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: unmap certificate %q: %w", subject, err)
	}
	return nil
}

// CertificateAcquirer returns the acquirer a subject maps to, or
// admin.ErrNotFound.
func (a *AdminStore) CertificateAcquirer(ctx context.Context, subject string) (string, error) {
	db, err := a.read()
	if err != nil {
		return "", fmt.Errorf("store: certificate %q: %w", subject, err)
	}
	var acquirerID string
	if err := db.QueryRowContext(ctx, queryCertificate, subject).Scan(&acquirerID); err != nil {
		return "", fmt.Errorf("store: certificate %q: %w", subject, noRows(err))
	}
	return acquirerID, nil
}

// queryList runs a query on the read pool and scans every row.
func queryList[T any](ctx context.Context, db interface {
	QueryContext(context.Context, string, ...any) (*sql.Rows, error)
}, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var list []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		list = append(list, v)
	}
	return list, rows.Err()
}
