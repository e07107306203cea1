package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Statements are prepared once at open: SQLite then parses and plans each
// query once instead of at every call of the hot path.

// statement pairs a query with where its prepared form goes.
type statement struct {
	target **sql.Stmt
	query  string
}

type preparer interface {
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

func prepareAll(ctx context.Context, p preparer, list []statement) error {
	for _, s := range list {
		stmt, err := p.PrepareContext(ctx, s.query)
		if err != nil {
			closeAll(list)
			return fmt.Errorf("prepare %q: %w", s.query, err)
		}
		*s.target = stmt
	}
	return nil
}

func closeAll(list []statement) {
	for _, s := range list {
		if *s.target != nil {
			_ = (*s.target).Close()
			*s.target = nil
		}
	}
}

// writeStatements are prepared on the writer connection and used by the
// writer goroutine only.
type writeStatements struct {
	begin, commit, rollback        *sql.Stmt
	savepoint, release, rollbackTo *sql.Stmt

	lastRRN, setRRN                         *sql.Stmt
	insertAttempt, insertEvent              *sql.Stmt
	attemptHead, refundsHeld, updateAttempt *sql.Stmt

	upsertMerchant, upsertTerminal *sql.Stmt
}

func (w *writeStatements) list() []statement {
	return []statement{
		{&w.begin, "BEGIN IMMEDIATE"},
		{&w.commit, "COMMIT"},
		{&w.rollback, "ROLLBACK"},
		{&w.savepoint, "SAVEPOINT write"},
		{&w.release, "RELEASE write"},
		{&w.rollbackTo, "ROLLBACK TO write"},
		{&w.lastRRN, queryLastRRN},
		{&w.setRRN, querySetRRN},
		{&w.insertAttempt, queryInsertAttempt},
		{&w.insertEvent, queryInsertEvent},
		{&w.attemptHead, queryAttemptHead},
		{&w.refundsHeld, queryRefundsHeld},
		{&w.updateAttempt, queryUpdateAttempt},
		{&w.upsertMerchant, queryUpsertMerchant},
		{&w.upsertTerminal, queryUpsertTerminal},
	}
}

func (w *writeStatements) prepare(ctx context.Context, conn *sql.Conn) error {
	return prepareAll(ctx, conn, w.list())
}

func (w *writeStatements) close() { closeAll(w.list()) }

// readStatements are prepared on the read pool; database/sql prepares each
// again on every pooled connection as it first runs there.
type readStatements struct {
	attemptByID, attemptByKey, attemptByRRN *sql.Stmt
	attemptExists, refunded, events, due    *sql.Stmt
	flagged, refundedWallet, claimable      *sql.Stmt
	merchant, terminal                      *sql.Stmt
}

func (r *readStatements) list() []statement {
	return []statement{
		{&r.attemptByID, queryAttemptByID},
		{&r.attemptByKey, queryAttemptByKey},
		{&r.attemptByRRN, queryAttemptByRRN},
		{&r.attemptExists, queryAttemptExists},
		{&r.refunded, queryRefunded},
		{&r.events, queryEvents},
		{&r.due, queryDue},
		{&r.flagged, queryFlagged},
		{&r.refundedWallet, queryRefundedWallet},
		{&r.claimable, queryClaimable},
		{&r.merchant, queryMerchant},
		{&r.terminal, queryTerminal},
	}
}

func (r *readStatements) prepare(ctx context.Context, db *sql.DB) error {
	return prepareAll(ctx, db, r.list())
}

func (r *readStatements) close() { closeAll(r.list()) }
