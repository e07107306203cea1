package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
)

// AdminStore is the admin API's store (admin.Store) on the same SQLite
// database as the payment journal: merchants and terminals are the rows
// the engine reads, so a change made through it is seen by the next
// terminal request. Its writes go through the same group-committing writer.
// Get one with SQLite.Admin; it lives as long as its SQLite.
type AdminStore struct {
	s *SQLite
}

var _ admin.Store = (*AdminStore)(nil)

// Admin returns the admin API's view of the store.
func (s *SQLite) Admin() *AdminStore { return &AdminStore{s: s} }

// dialect spells the shared list clauses (package adminsql) for SQLite,
// whose default collation, BINARY, is byte order already.
var dialect = adminsql.Dialect{
	Param:    func(int) string { return "?" },
	Time:     func(t time.Time) any { return encodeTime(t) },
	Bytewise: func(column string) string { return column },
}

// adminTx is what an admin write runs against: the writer's transaction,
// reached through the writer's one connection. Admin writes are few, so
// their queries are not prepared.
type adminTx struct {
	*writeTx
	conn *sql.Conn
}

func (tx adminTx) exec(query string, args ...any) (sql.Result, error) {
	return tx.conn.ExecContext(tx.ctx, query, args...)
}

func (tx adminTx) queryRow(query string, args ...any) *sql.Row {
	return tx.conn.QueryRowContext(tx.ctx, query, args...)
}

// write runs op in the writer's transaction, as one savepoint: if op fails,
// nothing it wrote stays. Any admin write may change what the engine
// reads (a merchant, a terminal, a policy): each moves the configuration
// generation on (SQLite.writeConfig).
func (a *AdminStore) write(ctx context.Context, op func(tx adminTx) error) error {
	if err := a.s.checkOpen(); err != nil {
		return err
	}
	conn := a.s.write
	return a.s.writeConfig(ctx, func(tx *writeTx) error { return op(adminTx{writeTx: tx, conn: conn}) })
}

// read returns the read pool, or ErrClosed.
func (a *AdminStore) read() (*sql.DB, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	return a.s.readDB, nil
}

// noRows turns sql.ErrNoRows into admin.ErrNotFound.
func noRows(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return admin.ErrNotFound
	}
	return err
}

const queryInsertAudit = `INSERT INTO audit_log (acquirer_id, actor, action, object, request_id, change, at)
	VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`

// appendAudit appends ev to the audit log, stamping it if its time is zero.
func appendAudit(tx adminTx, ev admin.AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = tx.stamp()
	}
	if err := adminsql.CheckAudit(ev); err != nil {
		return err
	}
	err := tx.queryRow(queryInsertAudit, ev.AcquirerID, ev.Actor, ev.Action, ev.Object,
		ev.RequestID, ev.Change, encodeTime(ev.At)).Scan(&ev.ID)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// Client requests (idempotent creates and refunds).
const (
	queryRequest       = `SELECT request_hash, result FROM admin_requests WHERE acquirer_id = ? AND request_id = ?`
	queryInsertRequest = `INSERT INTO admin_requests (acquirer_id, request_id, request_hash, result, created_at)
		VALUES (?, ?, ?, ?, ?)`
)

// priorRequest looks req up: the result its first copy recorded (for a
// create, the ID of the object it made) and true for a repeat,
// admin.ErrRequestMismatch for the ID reused with other content, or false
// for a new request.
func priorRequest(tx adminTx, req admin.Request) (result string, repeat bool, err error) {
	if err := adminsql.CheckRequest(req); err != nil {
		return "", false, err
	}
	var hash string
	err = tx.queryRow(queryRequest, req.Audit.AcquirerID, req.ID).Scan(&hash, &result)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return "", false, nil
	case err != nil:
		return "", false, fmt.Errorf("look up request %s: %w", req.ID, err)
	case hash != req.Hash:
		return "", false, fmt.Errorf("request %s: %w", req.ID, admin.ErrRequestMismatch)
	}
	return result, true, nil
}

// recordRequest records a new request with its result, and appends its
// audit event.
func recordRequest(tx adminTx, req admin.Request, result string) error {
	_, err := tx.exec(queryInsertRequest, req.Audit.AcquirerID, req.ID, req.Hash, result, encodeTime(tx.stamp()))
	if err != nil {
		return fmt.Errorf("record request %s: %w", req.ID, err)
	}
	ev := req.Audit
	ev.RequestID = req.ID
	return appendAudit(tx, ev)
}

// RecordRequest records a request whose change is made elsewhere (a
// refund), as admin.Store documents.
func (a *AdminStore) RecordRequest(ctx context.Context, req admin.Request) (result string, repeat bool, err error) {
	err = a.write(ctx, func(tx adminTx) error {
		first, dup, err := priorRequest(tx, req)
		if err != nil || dup {
			result, repeat = first, dup
			return err
		}
		result = req.Result
		return recordRequest(tx, req, req.Result)
	})
	if err != nil {
		return "", false, fmt.Errorf("store: record request %s: %w", req.ID, err)
	}
	return result, repeat, nil
}

// PriorRequest returns what was recorded of the acquirer's request, or
// admin.ErrNotFound.
func (a *AdminStore) PriorRequest(ctx context.Context, acquirerID, requestID string) (hash, result string, err error) {
	db, err := a.read()
	if err != nil {
		return "", "", fmt.Errorf("store: request %s: %w", requestID, err)
	}
	if err := db.QueryRowContext(ctx, queryRequest, acquirerID, requestID).Scan(&hash, &result); err != nil {
		return "", "", fmt.Errorf("store: request %s: %w", requestID, noRows(err))
	}
	return hash, result, nil
}
