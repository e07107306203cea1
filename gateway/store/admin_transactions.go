package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/payment"
)

// Transactions are attempts of the acquirer's merchants; the subquery keeps
// attemptColumns unqualified, so scanAttempt reads them as everywhere.
const (
	ofAcquirer             = `merchant_id IN (SELECT merchant_id FROM merchant_profiles WHERE acquirer_id = ?)`
	queryAdminAttemptByID  = `SELECT ` + attemptColumns + ` FROM attempts WHERE id = ? AND ` + ofAcquirer
	queryAdminAttemptByRRN = `SELECT ` + attemptColumns + ` FROM attempts WHERE rrn = ? AND ` + ofAcquirer
	auditColumns           = `id, acquirer_id, actor, action, object, request_id, change, at`
)

// Transactions lists attempts of the acquirer's merchants, as admin.Store
// documents.
func (a *AdminStore) Transactions(ctx context.Context, q admin.TransactionQuery) ([]*payment.Attempt, error) {
	db, err := a.read()
	if err != nil {
		return nil, fmt.Errorf("store: transactions: %w", err)
	}
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: transactions: %w: limit %d", ErrInvariant, q.Limit)
	}
	for name, t := range map[string]time.Time{"from": q.From, "to": q.To, "cursor": q.Before.CreatedAt} {
		if err := checkTime(name, t); err != nil {
			return nil, fmt.Errorf("store: transactions: %w", err)
		}
	}
	where, args := transactionFilter(q)
	query := `SELECT ` + attemptColumns + ` FROM attempts WHERE ` + where +
		` ORDER BY created_at DESC, id DESC LIMIT ?`
	list, err := queryList(ctx, db, scanAttempt, query, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: transactions: %w", err)
	}
	return list, nil
}

// transactionFilter builds the WHERE clause of q: only the filters set.
func transactionFilter(q admin.TransactionQuery) (string, []any) {
	where := []string{ofAcquirer}
	args := []any{q.AcquirerID}
	equal := func(column, value string) {
		if value != "" {
			where = append(where, column+" = ?")
			args = append(args, value)
		}
	}
	equal("merchant_id", q.MerchantID)
	equal("terminal_id", q.TerminalID)
	equal("scheme", q.Scheme)
	equal("rrn", q.RRN)
	if !q.From.IsZero() {
		where = append(where, "created_at >= ?")
		args = append(args, encodeTime(q.From))
	}
	if !q.To.IsZero() {
		where = append(where, "created_at < ?")
		args = append(args, encodeTime(q.To))
	}
	if len(q.States) > 0 {
		where = append(where, "state IN ("+placeholders(len(q.States))+")")
		for _, s := range q.States {
			args = append(args, string(s))
		}
	}
	if len(q.Kinds) > 0 {
		where = append(where, "kind IN ("+placeholders(len(q.Kinds))+")")
		for _, k := range q.Kinds {
			args = append(args, string(k))
		}
	}
	if !q.Before.CreatedAt.IsZero() || q.Before.ID != "" {
		where = append(where, "(created_at, id) < (?, ?)")
		args = append(args, encodeTime(q.Before.CreatedAt), q.Before.ID)
	}
	return strings.Join(where, " AND "), args
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
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
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: flagged transactions: %w: limit %d", ErrInvariant, q.Limit)
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
	if q.Limit <= 0 {
		return nil, fmt.Errorf("store: audit events: %w: limit %d", ErrInvariant, q.Limit)
	}
	query := `SELECT ` + auditColumns + ` FROM audit_log WHERE acquirer_id = ?`
	args := []any{q.AcquirerID}
	if q.Object != "" {
		query += ` AND object = ?`
		args = append(args, q.Object)
	}
	if q.Action != "" {
		query += ` AND action = ?`
		args = append(args, q.Action)
	}
	if q.BeforeID > 0 {
		query += ` AND id < ?`
		args = append(args, q.BeforeID)
	}
	query += ` ORDER BY id DESC LIMIT ?`
	list, err := queryList(ctx, db, scanAudit, query, append(args, q.Limit)...)
	if err != nil {
		return nil, fmt.Errorf("store: audit events: %w", err)
	}
	return list, nil
}
