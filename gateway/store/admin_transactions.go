package store

import (
	"context"
	"fmt"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
)

// Transactions are attempts of the acquirer's merchants (adminsql.OfAcquirer).
var (
	ofAcquirer             = fmt.Sprintf(adminsql.OfAcquirer, "?")
	queryAdminAttemptByID  = `SELECT ` + attemptColumns + ` FROM attempts WHERE id = ? AND ` + ofAcquirer
	queryAdminAttemptByRRN = `SELECT ` + attemptColumns + ` FROM attempts WHERE rrn = ? AND ` + ofAcquirer
)

const auditColumns = `id, acquirer_id, actor, action, object, request_id, change, at`

// Transactions lists attempts of the acquirer's merchants, as admin.Store
// documents.
func (a *AdminStore) Transactions(ctx context.Context, q admin.TransactionQuery) ([]*payment.Attempt, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: transactions: %w", err)
	}
	clauses, args, err := adminsql.Transactions(dialect, q)
	if err != nil {
		return nil, fmt.Errorf("store: transactions: %w", err)
	}
	list, err := queryList(ctx, db, scanAttempt, `SELECT `+attemptColumns+` FROM attempts`+clauses, args...)
	if err != nil {
		return nil, fmt.Errorf("store: transactions: %w", err)
	}
	return list, nil
}

// Transaction returns an attempt of the acquirer's merchants by ID or RRN,
// or admin.ErrNotFound.
func (a *AdminStore) Transaction(ctx context.Context, acquirerID, id, rrn string) (*payment.Attempt, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: transaction %s%s: %w", id, rrn, err)
	}
	query, key := queryAdminAttemptByID, id
	if id == "" {
		query, key = queryAdminAttemptByRRN, rrn
	}
	t, err := scanAttempt(db.QueryRowContext(ctx, query, key, acquirerID))
	if err != nil {
		return nil, fmt.Errorf("store: transaction %s%s: %w", id, rrn, noRows(err))
	}
	return t, nil
}

// FlaggedTransactions lists the acquirer's flagged attempts, as admin.Store
// documents.
func (a *AdminStore) FlaggedTransactions(ctx context.Context, q admin.FlaggedQuery) ([]*payment.Attempt, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: flagged transactions: %w", err)
	}
	if err := adminsql.CheckLimit(q.Limit); err != nil {
		return nil, fmt.Errorf("store: flagged transactions: %w", err)
	}
	query := `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at <> 0 AND ` + ofAcquirer + `
			AND (flagged_at, id) > (?, ?)
		ORDER BY flagged_at, id LIMIT ?`
	list, err := queryList(ctx, db, scanAttempt, query, q.AcquirerID, encodeTime(q.AfterFlaggedAt), q.AfterID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("store: flagged transactions: %w", err)
	}
	return list, nil
}

func scanAudit(row scanner) (admin.AuditEvent, error) {
	var ev admin.AuditEvent
	var at int64
	err := row.Scan(&ev.ID, &ev.AcquirerID, &ev.Actor, &ev.Action, &ev.Object, &ev.RequestID, &ev.Change, &at)
	ev.At = decodeTime(at)
	return ev, err
}

// AuditEvents lists the acquirer's audit log newest first.
func (a *AdminStore) AuditEvents(ctx context.Context, q admin.AuditQuery) ([]admin.AuditEvent, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	clauses, args, err := adminsql.AuditEvents(dialect, q)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	list, err := queryList(ctx, db, scanAudit, `SELECT `+auditColumns+` FROM audit_log`+clauses, args...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	return list, nil
}
