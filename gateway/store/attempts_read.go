package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// dueStates are the states that are not final (payment.State.Final), as an
// SQL list. The partial index attempts_due holds the same list: SQLite uses
// a partial index only for a query naming its condition, so the two must
// match (TestDueStatesMatchFinal and TestDueAttemptsUsesItsIndex check).
const dueStates = `('pending', 'unknown', 'cancel_pending', 'refund_pending')`

const (
	queryAttemptByID  = `SELECT ` + attemptColumns + ` FROM attempts WHERE id = ?`
	queryAttemptByKey = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE kind = ? AND terminal_id = ? AND stan = ? AND transmission_time = ? AND terminal_id <> ''`
	queryAttemptByRRN = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE rrn = ? AND merchant_id = ? AND kind = 'purchase'`
	queryAttemptExists = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = ?)`
	queryRefunded      = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = ?1),
		COALESCE((SELECT SUM(amount_minor) FROM attempts
			WHERE original_id = ?1 AND kind = 'refund' AND state = 'approved'), 0)`
	queryRefundedWallet = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = ?1),
		COALESCE((SELECT SUM(wallet_amount_minor) FROM attempts
			WHERE original_id = ?1 AND kind = 'refund' AND state = 'approved'), 0),
		COALESCE((SELECT SUM(wallet_amount_minor) FROM attempts
			WHERE original_id = ?1 AND kind = 'refund' AND state <> 'declined'), 0)`
	queryEvents = `SELECT attempt_id, at, type, detail FROM events WHERE attempt_id = ? ORDER BY id`
	queryDue    = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND next_action_at <= ? AND flagged_at = 0
		ORDER BY next_action_at LIMIT ?`
	queryFlagged = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at <> 0
		ORDER BY flagged_at LIMIT ?`
)

// Attempt returns the attempt with ID id, or payment.ErrNotFound.
func (s *SQLite) Attempt(ctx context.Context, id string) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, s.reads.attemptByID, id)
	if err != nil {
		return nil, fmt.Errorf("store: attempt %s: %w", id, err)
	}
	return a, nil
}

// AttemptByKey returns the attempt of kind with terminal key key, or
// payment.ErrNotFound. An empty key (an attempt from the admin API) is never
// found.
func (s *SQLite) AttemptByKey(ctx context.Context, kind payment.Kind, key payment.TerminalKey) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, s.reads.attemptByKey, string(kind), key.TerminalID, key.STAN, key.TransmissionTime)
	if err != nil {
		return nil, fmt.Errorf("store: %s attempt by terminal key %s/%s/%s: %w",
			kind, key.TerminalID, key.STAN, key.TransmissionTime, err)
	}
	return a, nil
}

// AttemptByRRN returns the merchant's purchase with RRN rrn, or
// payment.ErrNotFound.
func (s *SQLite) AttemptByRRN(ctx context.Context, merchantID, rrn string) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, s.reads.attemptByRRN, rrn, merchantID)
	if err != nil {
		return nil, fmt.Errorf("store: purchase of merchant %s by RRN %s: %w", merchantID, rrn, err)
	}
	return a, nil
}

func (s *SQLite) queryAttempt(ctx context.Context, stmt *sql.Stmt, args ...any) (*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	a, err := scanAttempt(stmt.QueryRowContext(ctx, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, payment.ErrNotFound
	}
	return a, err
}

// RefundedMinor sums the approved refunds of a purchase; a purchase not
// stored is payment.ErrNotFound.
func (s *SQLite) RefundedMinor(ctx context.Context, purchaseID string) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, fmt.Errorf("store: refunded amount of %s: %w", purchaseID, err)
	}
	var exists bool
	var sum int64
	if err := s.reads.refunded.QueryRowContext(ctx, purchaseID).Scan(&exists, &sum); err != nil {
		return 0, fmt.Errorf("store: refunded amount of %s: %w", purchaseID, err)
	}
	if !exists {
		return 0, fmt.Errorf("store: refunded amount of %s: %w", purchaseID, payment.ErrNotFound)
	}
	return sum, nil
}

// RefundedWallet sums the wallet amounts of a purchase's refunds, as
// payment.Store documents.
func (s *SQLite) RefundedWallet(ctx context.Context, purchaseID string) (approved, held int64, err error) {
	if err := s.checkOpen(); err != nil {
		return 0, 0, fmt.Errorf("store: refunded wallet amount of %s: %w", purchaseID, err)
	}
	var exists bool
	if err := s.reads.refundedWallet.QueryRowContext(ctx, purchaseID).Scan(&exists, &approved, &held); err != nil {
		return 0, 0, fmt.Errorf("store: refunded wallet amount of %s: %w", purchaseID, err)
	}
	if !exists {
		return 0, 0, fmt.Errorf("store: refunded wallet amount of %s: %w", purchaseID, payment.ErrNotFound)
	}
	return approved, held, nil
}

// Events lists an attempt's journal in the order it was written; an attempt
// not stored is payment.ErrNotFound.
func (s *SQLite) Events(ctx context.Context, attemptID string) ([]payment.Event, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", attemptID, err)
	}
	events, err := s.queryEvents(ctx, attemptID)
	if err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", attemptID, err)
	}
	if len(events) > 0 {
		return events, nil
	}
	// Every stored attempt has its intent event, but read on: a journal
	// found empty is worth telling apart from an attempt never stored.
	var exists bool
	if err := s.reads.attemptExists.QueryRowContext(ctx, attemptID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("store: events of %s: %w", attemptID, err)
	}
	if !exists {
		return nil, fmt.Errorf("store: events of %s: %w", attemptID, payment.ErrNotFound)
	}
	return events, nil
}

func (s *SQLite) queryEvents(ctx context.Context, attemptID string) ([]payment.Event, error) {
	rows, err := s.reads.events.QueryContext(ctx, attemptID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var events []payment.Event
	for rows.Next() {
		var ev payment.Event
		var at int64
		if err := rows.Scan(&ev.AttemptID, &at, &ev.Type, &ev.Detail); err != nil {
			return nil, err
		}
		ev.At = decodeTime(at)
		events = append(events, ev)
	}
	return events, rows.Err()
}

// DueAttempts lists up to limit attempts that are not final and whose
// NextActionAt is at or before now, oldest NextActionAt first. limit must
// be positive. An attempt with no NextActionAt is due at once: nothing left
// to do is ever left unscheduled.
func (s *SQLite) DueAttempts(ctx context.Context, now time.Time, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: due attempts: %w", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("store: due attempts: limit %d is not positive", limit)
	}
	if err := checkTime("now", now); err != nil {
		return nil, fmt.Errorf("store: due attempts: %w", err)
	}
	rows, err := s.reads.due.QueryContext(ctx, encodeTime(now), limit)
	if err != nil {
		return nil, fmt.Errorf("store: due attempts: %w", err)
	}
	defer rows.Close()
	var due []*payment.Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("store: due attempts: %w", err)
		}
		due = append(due, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: due attempts: %w", err)
	}
	return due, nil
}

// FlaggedAttempts lists up to limit attempts flagged for manual review, as
// payment.Store documents.
func (s *SQLite) FlaggedAttempts(ctx context.Context, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: flagged attempts: %w", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("store: flagged attempts: limit %d is not positive", limit)
	}
	rows, err := s.reads.flagged.QueryContext(ctx, limit)
	if err != nil {
		return nil, fmt.Errorf("store: flagged attempts: %w", err)
	}
	defer rows.Close()
	var flagged []*payment.Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, fmt.Errorf("store: flagged attempts: %w", err)
		}
		flagged = append(flagged, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: flagged attempts: %w", err)
	}
	return flagged, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanAttempt(row scanner) (*payment.Attempt, error) {
	var a payment.Attempt
	var nextActionAt, createdAt, updatedAt, flaggedAt, fxAsOf, orderExpiresAt int64
	c := &a.Conversion
	err := row.Scan(&a.ID, (*string)(&a.Kind), &a.RRN, &a.Key.TerminalID, &a.Key.STAN,
		&a.Key.TransmissionTime, &a.MerchantID, &a.Scheme, &a.CodeMasked, &a.RequestHash,
		&a.Amount.Minor, &a.Amount.Currency, (*string)(&a.State), (*string)(&a.Reason),
		&a.SchemeCode, &a.ApprovalCode, &a.SchemeTxnID, &a.WalletAmount.Minor,
		&a.WalletAmount.Currency, &a.WalletBrand, &a.OriginalID, &a.OriginalRRN, &a.Tries, &nextActionAt, &createdAt, &updatedAt, &flaggedAt,
		&c.QuoteID, &c.ReferenceRate, &c.AppliedRate, &c.MarkupPercent, &c.Source, &fxAsOf, &c.Rounding,
		&a.Settlement.Minor, &a.Settlement.Currency,
		&a.Order.Presented, &a.Order.QRPayload, &a.Order.QRFormat, &orderExpiresAt)
	if err != nil {
		return nil, err
	}
	a.NextActionAt, a.CreatedAt, a.UpdatedAt = decodeTime(nextActionAt), decodeTime(createdAt), decodeTime(updatedAt)
	a.FlaggedAt, c.AsOf, a.Order.ExpiresAt = decodeTime(flaggedAt), decodeTime(fxAsOf), decodeTime(orderExpiresAt)
	return &a, nil
}
