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
)

const (
	acquirerColumns     = `id, name, suspended, created_at, updated_at`
	queryInsertAcquirer = `INSERT INTO acquirers (` + acquirerColumns + `) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (id) DO NOTHING RETURNING true`
	queryAcquirer       = `SELECT ` + acquirerColumns + ` FROM acquirers WHERE id = $1`
	queryLockAcquirer   = queryAcquirer + ` FOR UPDATE`
	queryAcquirers      = `SELECT ` + acquirerColumns + ` FROM acquirers ORDER BY id`
	querySetAcquirer    = `UPDATE acquirers SET suspended = $1, updated_at = $2 WHERE id = $3`
	apiKeyColumns       = `id, acquirer_id, secret_hash, name, created_by, created_at, revoked_at`
	queryInsertAPIKey   = `INSERT INTO api_keys (` + apiKeyColumns + `) VALUES ($1, $2, $3, $4, $5, $6, NULL)`
	queryAPIKey         = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = $1`
	queryLockAPIKey     = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE id = $1 AND acquirer_id = $2 FOR UPDATE`
	queryAPIKeys        = `SELECT ` + apiKeyColumns + ` FROM api_keys WHERE acquirer_id = $1 ORDER BY created_at DESC, id DESC`
	queryRevokeAPIKey   = `UPDATE api_keys SET revoked_at = $1 WHERE id = $2`
	queryMapCertificate = `INSERT INTO client_certificates (subject, acquirer_id, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (subject) DO UPDATE SET acquirer_id = excluded.acquirer_id, created_at = excluded.created_at`
	queryUnmapCertificate = `DELETE FROM client_certificates WHERE subject = $1 RETURNING acquirer_id`
	queryCertificate      = `SELECT acquirer_id FROM client_certificates WHERE subject = $1`
)

// CreateAcquirer stores a new acquirer, as admin.Store documents.
func (a *AdminStore) CreateAcquirer(ctx context.Context, acq *admin.Acquirer, ev admin.AuditEvent) error {
	if err := adminsql.CheckAcquirer(acq); err != nil {
		return fmt.Errorf("postgres: create acquirer: %w", err)
	}
	row := *acq
	err := a.write(ctx, func(tx adminTx) error {
		var inserted bool
		err := tx.queryRow(queryInsertAcquirer, row.ID, row.Name, row.Status == admin.AcquirerSuspended, tx.now).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("acquirer %s: %w", row.ID, admin.ErrAlreadyExists)
		}
		if err != nil {
			return err
		}
		row.CreatedAt, row.UpdatedAt = tx.now, tx.now
		ev.AcquirerID = row.ID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("postgres: create acquirer %s: %w", acq.ID, err)
	}
	*acq = row
	if acq.Status == "" {
		acq.Status = admin.AcquirerActive
	}
	return nil
}

func scanAcquirer(row pgx.Row) (*admin.Acquirer, error) {
	var acq admin.Acquirer
	var suspended bool
	var createdAt, updatedAt pgtype.Timestamptz
	if err := row.Scan(&acq.ID, &acq.Name, &suspended, &createdAt, &updatedAt); err != nil {
		return nil, noRows(err)
	}
	acq.Status = admin.AcquirerActive
	if suspended {
		acq.Status = admin.AcquirerSuspended
	}
	acq.CreatedAt, acq.UpdatedAt = decodeTime(createdAt), decodeTime(updatedAt)
	return &acq, nil
}

// Acquirer returns the acquirer with ID id, or admin.ErrNotFound.
func (a *AdminStore) Acquirer(ctx context.Context, id string) (*admin.Acquirer, error) {
	acq, err := readRow(ctx, a, scanAcquirer, queryAcquirer, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: acquirer %s: %w", id, err)
	}
	return acq, nil
}

// Acquirers lists every acquirer in ID order.
func (a *AdminStore) Acquirers(ctx context.Context) ([]*admin.Acquirer, error) {
	list, err := readList(ctx, a, scanAcquirer, queryAcquirers)
	if err != nil {
		return nil, fmt.Errorf("postgres: acquirers: %w", err)
	}
	return list, nil
}

// SetAcquirerStatus sets an acquirer's status, as admin.Store documents.
func (a *AdminStore) SetAcquirerStatus(ctx context.Context, id string, status admin.AcquirerStatus, ev admin.AuditEvent) (*admin.Acquirer, error) {
	if err := adminsql.CheckAcquirerStatus(status); err != nil {
		return nil, fmt.Errorf("postgres: acquirer %s: %w", id, err)
	}
	var acq *admin.Acquirer
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanAcquirer(tx.queryRow(queryLockAcquirer, id))
		if err != nil || current.Status == status {
			acq = current
			return err
		}
		current.Status, current.UpdatedAt = status, tx.now
		if err := tx.exec(querySetAcquirer, status == admin.AcquirerSuspended, tx.now, id); err != nil {
			return err
		}
		acq = current
		ev.AcquirerID = id
		return appendAudit(tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: set status of acquirer %s: %w", id, err)
	}
	return acq, nil
}

func scanAPIKey(row pgx.Row) (*admin.APIKey, error) {
	var k admin.APIKey
	var createdAt, revokedAt pgtype.Timestamptz
	if err := row.Scan(&k.ID, &k.AcquirerID, &k.SecretHash, &k.Name, &k.CreatedBy, &createdAt, &revokedAt); err != nil {
		return nil, noRows(err)
	}
	k.CreatedAt, k.RevokedAt = decodeTime(createdAt), decodeTime(revokedAt)
	return &k, nil
}

// CreateAPIKey stores a new key, as admin.Store documents.
func (a *AdminStore) CreateAPIKey(ctx context.Context, k *admin.APIKey, req admin.Request) (*admin.APIKey, error) {
	if err := adminsql.CheckAPIKey(k, req); err != nil {
		return nil, fmt.Errorf("postgres: create API key: %w", err)
	}
	var stored *admin.APIKey
	err := a.create(ctx, req, k.ID, func(tx adminTx, prior string) (err error) {
		stored, err = scanAPIKey(tx.queryRow(queryAPIKey, prior))
		return err
	}, func(tx adminTx) error {
		row := *k
		row.CreatedAt, row.RevokedAt = tx.now, time.Time{}
		err := tx.exec(queryInsertAPIKey, row.ID, row.AcquirerID, row.SecretHash, row.Name, row.CreatedBy, row.CreatedAt)
		switch code, _ := pgCode(err); {
		case code == codeForeignKeyViolation:
			return fmt.Errorf("acquirer %s: %w", row.AcquirerID, admin.ErrNotFound)
		case code == codeUniqueViolation:
			return fmt.Errorf("key %s: %w", row.ID, admin.ErrAlreadyExists)
		case err != nil:
			return err
		}
		stored = &row
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: create API key: %w", err)
	}
	return stored, nil
}

// APIKey returns the key with ID id, or admin.ErrNotFound.
func (a *AdminStore) APIKey(ctx context.Context, id string) (*admin.APIKey, error) {
	k, err := readRow(ctx, a, scanAPIKey, queryAPIKey, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: API key %s: %w", id, err)
	}
	return k, nil
}

// APIKeys lists the acquirer's keys, newest first.
func (a *AdminStore) APIKeys(ctx context.Context, acquirerID string) ([]*admin.APIKey, error) {
	list, err := readList(ctx, a, scanAPIKey, queryAPIKeys, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: API keys of %s: %w", acquirerID, err)
	}
	return list, nil
}

// RevokeAPIKey revokes a key of the acquirer, as admin.Store documents.
func (a *AdminStore) RevokeAPIKey(ctx context.Context, acquirerID, id string, ev admin.AuditEvent) (*admin.APIKey, error) {
	var k *admin.APIKey
	err := a.write(ctx, func(tx adminTx) error {
		current, err := scanAPIKey(tx.queryRow(queryLockAPIKey, id, acquirerID))
		if err != nil || !current.RevokedAt.IsZero() {
			k = current
			return err
		}
		current.RevokedAt = tx.now
		if err := tx.exec(queryRevokeAPIKey, tx.now, id); err != nil {
			return err
		}
		k = current
		ev.AcquirerID = acquirerID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: revoke API key %s: %w", id, err)
	}
	return k, nil
}

// MapCertificate maps a certificate subject to an acquirer, as admin.Store
// documents.
func (a *AdminStore) MapCertificate(ctx context.Context, subject, acquirerID string, ev admin.AuditEvent) error {
	if err := adminsql.CheckSubject(subject); err != nil {
		return fmt.Errorf("postgres: map certificate: %w", err)
	}
	err := a.write(ctx, func(tx adminTx) error {
		err := tx.exec(queryMapCertificate, subject, acquirerID, tx.now)
		if code, _ := pgCode(err); code == codeForeignKeyViolation {
			return fmt.Errorf("acquirer %s: %w", acquirerID, admin.ErrNotFound)
		}
		if err != nil {
			return err
		}
		ev.AcquirerID = acquirerID
		return appendAudit(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("postgres: map certificate %q: %w", subject, err)
	}
	return nil
}

// UnmapCertificate removes a subject's mapping, as admin.Store documents.
// The audit event goes to the acquirer the subject mapped to.
func (a *AdminStore) UnmapCertificate(ctx context.Context, subject string, ev admin.AuditEvent) error {
	err := a.write(ctx, func(tx adminTx) error {
		e := ev
		if err := tx.queryRow(queryUnmapCertificate, subject).Scan(&e.AcquirerID); err != nil {
			return noRows(err)
		}
		return appendAudit(tx, e)
	})
	if err != nil {
		return fmt.Errorf("postgres: unmap certificate %q: %w", subject, err)
	}
	return nil
}

// CertificateAcquirer returns the acquirer a subject maps to, or
// admin.ErrNotFound.
func (a *AdminStore) CertificateAcquirer(ctx context.Context, subject string) (string, error) {
	acquirerID, err := readRow(ctx, a, func(row pgx.Row) (id string, err error) { return id, noRows(row.Scan(&id)) },
		queryCertificate, subject)
	if err != nil {
		return "", fmt.Errorf("postgres: certificate %q: %w", subject, err)
	}
	return acquirerID, nil
}
