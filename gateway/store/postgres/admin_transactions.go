package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
)

// Transactions are attempts of the acquirer's merchants (adminsql.OfAcquirer).
var (
	queryAdminAttemptByID = `SELECT ` + attemptColumns + ` FROM attempts WHERE id = $1 AND ` +
		fmt.Sprintf(adminsql.OfAcquirer, "$2")
	queryAdminAttemptByRRN = `SELECT ` + attemptColumns + ` FROM attempts WHERE rrn = $1 AND ` +
		fmt.Sprintf(adminsql.OfAcquirer, "$2")
	// queryAdminFlagged names the condition of the partial index
	// attempts_flagged, which serves it.
	queryAdminFlagged = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at IS NOT NULL AND ` + fmt.Sprintf(adminsql.OfAcquirer, "$1") + `
			AND (flagged_at, id COLLATE "C") > ($2, $3)
		ORDER BY flagged_at, id COLLATE "C" LIMIT $4`
)

const auditColumns = `id, acquirer_id, actor, action, object, request_id, change, at`

// Transactions lists attempts of the acquirer's merchants, as admin.Store
// documents. The indexes attempts_created and attempts_merchant_created
// serve the order.
func (a *AdminStore) Transactions(ctx context.Context, q admin.TransactionQuery) ([]*payment.Attempt, error) {
	list, err := readPage(ctx, a, scanAttempt, `SELECT `+attemptColumns+` FROM attempts`, adminsql.Transactions, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: transactions: %w", err)
	}
	return list, nil
}

// Transaction returns an attempt of the acquirer's merchants by ID or RRN,
// or admin.ErrNotFound.
func (a *AdminStore) Transaction(ctx context.Context, acquirerID, id, rrn string) (*payment.Attempt, error) {
	query, key := queryAdminAttemptByID, id
	if id == "" {
		query, key = queryAdminAttemptByRRN, rrn
	}
	t, err := readRow(ctx, a, scanAttempt, query, key, acquirerID)
	if err != nil {
		return nil, fmt.Errorf("postgres: transaction %s%s: %w", id, rrn, noRows(err))
	}
	return t, nil
}

// FlaggedTransactions lists the acquirer's flagged attempts, as admin.Store
// documents.
func (a *AdminStore) FlaggedTransactions(ctx context.Context, q admin.FlaggedQuery) ([]*payment.Attempt, error) {
	if err := adminsql.CheckLimit(q.Limit); err != nil {
		return nil, fmt.Errorf("postgres: flagged transactions: %w", err)
	}
	list, err := readList(ctx, a, scanAttempt, queryAdminFlagged, q.AcquirerID, encodeDue(q.AfterFlaggedAt), q.AfterID, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: flagged transactions: %w", err)
	}
	return list, nil
}

func scanAudit(row pgx.Row) (admin.AuditEvent, error) {
	var ev admin.AuditEvent
	var at pgtype.Timestamptz
	err := row.Scan(&ev.ID, &ev.AcquirerID, &ev.Actor, &ev.Action, &ev.Object, &ev.RequestID, &ev.Change, &at)
	ev.At = decodeTime(at)
	return ev, err
}

// AuditEvents lists the acquirer's audit log newest first.
func (a *AdminStore) AuditEvents(ctx context.Context, q admin.AuditQuery) ([]admin.AuditEvent, error) {
	list, err := readPage(ctx, a, scanAudit, `SELECT `+auditColumns+` FROM audit_log`, adminsql.AuditEvents, q)
	if err != nil {
		return nil, fmt.Errorf("postgres: audit events: %w", err)
	}
	return list, nil
}
