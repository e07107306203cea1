package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/admin"
	"github.com/meridian-gw/meridian/gateway/store/adminsql"
)

// AdminStore is the admin API's store (admin.Store) on the same database as
// the payment journal: merchants and terminals are the rows the engine
// reads, so a change made through it, on any node, is seen by the next
// terminal request on every node. Get one with Store.Admin; it lives as
// long as its Store.
//
// Every write is one READ COMMITTED transaction, as the journal's are,
// with its audit event appended in it. What SQLite gets from its one
// writer, it gets from row locks, since several nodes may write at once:
// an update locks the row it changes before reading it (SELECT … FOR
// UPDATE), so that two nodes' changes apply one after the other instead of
// one undoing the other; a create under a client request ID first inserts
// the request's row, so that a second create under the same ID, from any
// node, waits for the first and then returns what it made. A transaction
// the server aborts as a deadlock victim is run again, an update's change
// function included, which must therefore only compute.
//
// Audit event IDs are drawn as the events are inserted: across nodes a
// write may commit after another whose event has a greater ID.
type AdminStore struct {
	s *Store
}

var _ admin.Store = (*AdminStore)(nil)

// Admin returns the admin API's view of the store.
func (s *Store) Admin() *AdminStore { return &AdminStore{s: s} }

// dialect spells the shared list clauses (package adminsql) for
// PostgreSQL. A zero time is -infinity, before every stored time, so that
// a cursor at the zero time starts at the first row.
var dialect = adminsql.Dialect{
	Param:    func(n int) string { return "$" + strconv.Itoa(n) },
	Time:     func(t time.Time) any { return encodeDue(t) },
	Bytewise: func(column string) string { return column + ` COLLATE "C"` },
}

// adminTx is what an admin write runs against: its transaction, its
// context, and the time it stamps what it writes with.
type adminTx struct {
	ctx context.Context
	q   querier
	now time.Time
}

func (tx adminTx) exec(query string, args ...any) error {
	_, err := tx.q.Exec(tx.ctx, query, args...)
	return err
}

func (tx adminTx) queryRow(query string, args ...any) pgx.Row {
	return tx.q.QueryRow(tx.ctx, query, args...)
}

// write runs op in a transaction of its own; if op fails, nothing it wrote
// stays. A transaction the server aborts as a deadlock victim is run again
// (Store.write), so op must start from its arguments each time. Any admin
// write may change what the engine reads (a merchant, a terminal, a
// policy): each moves the configuration generation on in its transaction
// (ConfigVersion), after op.
func (a *AdminStore) write(ctx context.Context, op func(tx adminTx) error) error {
	return a.s.write(ctx, true, func(q querier) error {
		if err := op(adminTx{ctx: ctx, q: q, now: a.s.stamp()}); err != nil {
			return err
		}
		return bumpConfigVersion(ctx, q)
	})
}

// readRow reads one object with query on the pool; admin.ErrNotFound
// when there is none.
func readRow[T any](ctx context.Context, a *AdminStore, scan func(pgx.Row) (T, error), query string, args ...any) (T, error) {
	if err := a.s.checkOpen(); err != nil {
		var none T
		return none, err
	}
	return scan(a.s.pool.QueryRow(ctx, query, args...))
}

// readList reads every row query returns on the pool.
func readList[T any](ctx context.Context, a *AdminStore, scan func(pgx.Row) (T, error), query string, args ...any) ([]T, error) {
	if err := a.s.checkOpen(); err != nil {
		return nil, err
	}
	rows, _ := a.s.pool.Query(ctx, query, args...)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (T, error) { return scan(row) })
}

// readPage reads a list query: selectFrom, then the clauses that clauses
// (one of package adminsql's) builds of q.
func readPage[Q, T any](ctx context.Context, a *AdminStore, scan func(pgx.Row) (T, error), selectFrom string,
	clauses func(adminsql.Dialect, Q) (string, []any, error), q Q) ([]T, error) {
	rest, args, err := clauses(dialect, q)
	if err != nil {
		return nil, err
	}
	return readList(ctx, a, scan, selectFrom+rest, args...)
}

// noRows turns pgx.ErrNoRows into admin.ErrNotFound.
func noRows(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return admin.ErrNotFound
	}
	return err
}

const queryInsertAudit = `INSERT INTO audit_log (acquirer_id, actor, action, object, request_id, change, at)
	VALUES ($1, $2, $3, $4, $5, $6, $7)`

// appendAudit appends ev to the audit log, stamping it if its time is zero.
func appendAudit(tx adminTx, ev admin.AuditEvent) error {
	if ev.At.IsZero() {
		ev.At = tx.now
	}
	if err := adminsql.CheckAudit(ev); err != nil {
		return err
	}
	err := tx.exec(queryInsertAudit, ev.AcquirerID, ev.Actor, ev.Action, ev.Object, ev.RequestID, ev.Change, ev.At)
	if err != nil {
		return fmt.Errorf("append audit event: %w", err)
	}
	return nil
}

// Client requests (idempotent creates and refunds).
const (
	queryRequest = `SELECT request_hash, result FROM admin_requests WHERE acquirer_id = $1 AND request_id = $2`
	// queryClaimRequest records a request unless its ID is recorded
	// already, and says whether it did. A concurrent insert of the same
	// ID makes it wait until that one's transaction ends: it then inserts
	// if that one rolled back, and otherwise inserts nothing.
	queryClaimRequest = `INSERT INTO admin_requests (acquirer_id, request_id, request_hash, result, created_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (acquirer_id, request_id) DO NOTHING
		RETURNING true`
)

// claimRequest records req with result, which the request's change must
// then make in the same transaction, and returns false; or, when the ID
// was recorded before (by a transaction that committed, on any node), the
// result its first copy recorded and true, or admin.ErrRequestMismatch for
// the ID reused with other content. It is a create's first statement: the
// change is made only by the one transaction whose claim inserted.
func claimRequest(tx adminTx, req admin.Request, result string) (prior string, repeat bool, err error) {
	if err := adminsql.CheckRequest(req); err != nil {
		return "", false, err
	}
	var inserted bool
	err = tx.queryRow(queryClaimRequest, req.Audit.AcquirerID, req.ID, req.Hash, result, tx.now).Scan(&inserted)
	if err == nil {
		return "", false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return "", false, fmt.Errorf("record request %s: %w", req.ID, err)
	}
	// READ COMMITTED: this statement's snapshot is taken after the claim
	// waited, so it sees the row that made the claim insert nothing.
	var hash string
	if err := tx.queryRow(queryRequest, req.Audit.AcquirerID, req.ID).Scan(&hash, &prior); err != nil {
		return "", false, fmt.Errorf("look up request %s: %w", req.ID, err)
	}
	if hash != req.Hash {
		return "", false, fmt.Errorf("request %s: %w", req.ID, admin.ErrRequestMismatch)
	}
	return prior, true, nil
}

// create runs a create under client request req, in one transaction:
// it claims req with result (claimRequest), then, for a repeat, calls
// repeat with the result the first copy recorded, to read what that one
// made; otherwise it calls first, to make the object, and appends the
// request's audit event.
func (a *AdminStore) create(ctx context.Context, req admin.Request, result string,
	repeat func(tx adminTx, prior string) error, first func(tx adminTx) error) error {
	return a.write(ctx, func(tx adminTx) error {
		prior, dup, err := claimRequest(tx, req, result)
		switch {
		case err != nil:
			return err
		case dup:
			return repeat(tx, prior)
		}
		if err := first(tx); err != nil {
			return err
		}
		ev := req.Audit
		ev.RequestID = req.ID
		return appendAudit(tx, ev)
	})
}

// RecordRequest records a request whose change is made elsewhere (a
// refund), as admin.Store documents.
func (a *AdminStore) RecordRequest(ctx context.Context, req admin.Request) (result string, repeat bool, err error) {
	err = a.create(ctx, req, req.Result, func(_ adminTx, prior string) error {
		result, repeat = prior, true
		return nil
	}, func(adminTx) error {
		result, repeat = req.Result, false
		return nil
	})
	if err != nil {
		return "", false, fmt.Errorf("postgres: record request %s: %w", req.ID, err)
	}
	return result, repeat, nil
}

// PriorRequest returns what was recorded of the acquirer's request, or
// admin.ErrNotFound.
func (a *AdminStore) PriorRequest(ctx context.Context, acquirerID, requestID string) (hash, result string, err error) {
	err = a.s.checkOpen()
	if err == nil {
		err = noRows(a.s.pool.QueryRow(ctx, queryRequest, acquirerID, requestID).Scan(&hash, &result))
	}
	if err != nil {
		return "", "", fmt.Errorf("postgres: request %s: %w", requestID, err)
	}
	return hash, result, nil
}
