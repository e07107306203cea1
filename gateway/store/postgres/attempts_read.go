package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// dueStates are the states that are not final (payment.State.Final), as an
// SQL list. The partial indexes attempts_due and attempts_flagged name the
// same list: the planner uses a partial index only for a query whose
// condition implies the index's (TestDueStatesMatchFinal and
// TestQueriesUseTheirIndexes check).
const dueStates = `('pending', 'unknown', 'cancel_pending', 'refund_pending')`

const (
	queryAttemptByID  = `SELECT ` + attemptColumns + ` FROM attempts WHERE id = $1`
	queryAttemptByKey = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE kind = $1 AND terminal_id = $2 AND stan = $3 AND transmission_time = $4 AND terminal_id <> ''`
	queryAttemptByRRN = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE rrn = $1 AND merchant_id = $2 AND kind = 'purchase'`
	queryAttemptExists = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = $1)`
	queryRefunded      = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = $1),
		COALESCE((SELECT SUM(amount_minor) FROM attempts
			WHERE original_id = $1 AND kind = 'refund' AND state = 'approved'), 0)::bigint`
	queryRefundedWallet = `SELECT EXISTS (SELECT 1 FROM attempts WHERE id = $1),
		COALESCE((SELECT SUM(wallet_amount_minor) FROM attempts
			WHERE original_id = $1 AND kind = 'refund' AND state = 'approved'), 0)::bigint,
		COALESCE((SELECT SUM(wallet_amount_minor) FROM attempts
			WHERE original_id = $1 AND kind = 'refund' AND state <> 'declined'), 0)::bigint`
	queryEvents = `SELECT attempt_id, at, type, detail FROM events WHERE attempt_id = $1 ORDER BY id`
	queryDue    = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at IS NULL AND next_action_at <= $1
		ORDER BY next_action_at LIMIT $2`
	queryFlagged = `SELECT ` + attemptColumns + ` FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at IS NOT NULL
		ORDER BY flagged_at LIMIT $1`
	// queryClaimable lists what a claim would take, without taking it or
	// locking anything: the due attempts no other owner holds, each with
	// whether it is the owner's until the keep time ($3) already.
	queryClaimable = `SELECT ` + attemptColumns + `,
			lease_owner = $2 AND COALESCE(lease_until >= $3, false)
		FROM attempts
		WHERE state IN ` + dueStates + ` AND flagged_at IS NULL AND next_action_at <= $1
			AND (lease_owner = $2 OR lease_until IS NULL OR lease_until <= $1)
		ORDER BY next_action_at LIMIT $4`
	// queryClaimDue leases the due attempts no other owner holds and
	// returns them: $1 is now, $2 the owner, $3 the lease's end, $4 the
	// limit. SKIP LOCKED passes over rows another transaction holds (a
	// concurrent claim, an update), so that claims never wait for each
	// other; a row whose claim committed meanwhile is read again under
	// its lock, found leased, and left out.
	queryClaimDue = `WITH due AS (
			SELECT id FROM attempts
			WHERE state IN ` + dueStates + ` AND flagged_at IS NULL AND next_action_at <= $1
				AND (lease_owner = $2 OR lease_until IS NULL OR lease_until <= $1)
			ORDER BY next_action_at LIMIT $4
			FOR UPDATE SKIP LOCKED)
		UPDATE attempts SET lease_owner = $2, lease_until = $3
		WHERE id IN (SELECT id FROM due)
		RETURNING ` + attemptColumns
)

// Attempt returns the attempt with ID id, or payment.ErrNotFound.
func (s *Store) Attempt(ctx context.Context, id string) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, queryAttemptByID, id)
	if err != nil {
		return nil, fmt.Errorf("postgres: attempt %s: %w", id, err)
	}
	return a, nil
}

// AttemptByKey returns the attempt of kind with terminal key key, or
// payment.ErrNotFound. An empty key (an attempt from the admin API) is never
// found.
func (s *Store) AttemptByKey(ctx context.Context, kind payment.Kind, key payment.TerminalKey) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, queryAttemptByKey, string(kind), key.TerminalID, key.STAN, key.TransmissionTime)
	if err != nil {
		return nil, fmt.Errorf("postgres: %s attempt by terminal key %s/%s/%s: %w",
			kind, key.TerminalID, key.STAN, key.TransmissionTime, err)
	}
	return a, nil
}

// AttemptByRRN returns the merchant's purchase with RRN rrn, or
// payment.ErrNotFound.
func (s *Store) AttemptByRRN(ctx context.Context, merchantID, rrn string) (*payment.Attempt, error) {
	a, err := s.queryAttempt(ctx, queryAttemptByRRN, rrn, merchantID)
	if err != nil {
		return nil, fmt.Errorf("postgres: purchase of merchant %s by RRN %s: %w", merchantID, rrn, err)
	}
	return a, nil
}

func (s *Store) queryAttempt(ctx context.Context, query string, args ...any) (*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, err
	}
	a, err := scanAttempt(s.pool.QueryRow(ctx, query, args...))
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, payment.ErrNotFound
	}
	return a, err
}

// RefundedMinor sums the approved refunds of a purchase; a purchase not
// stored is payment.ErrNotFound.
func (s *Store) RefundedMinor(ctx context.Context, purchaseID string) (int64, error) {
	if err := s.checkOpen(); err != nil {
		return 0, fmt.Errorf("postgres: refunded amount of %s: %w", purchaseID, err)
	}
	var exists bool
	var sum int64
	if err := s.pool.QueryRow(ctx, queryRefunded, purchaseID).Scan(&exists, &sum); err != nil {
		return 0, fmt.Errorf("postgres: refunded amount of %s: %w", purchaseID, err)
	}
	if !exists {
		return 0, fmt.Errorf("postgres: refunded amount of %s: %w", purchaseID, payment.ErrNotFound)
	}
	return sum, nil
}

// RefundedWallet sums the wallet amounts of a purchase's refunds, as
// payment.Store documents.
func (s *Store) RefundedWallet(ctx context.Context, purchaseID string) (approved, held int64, err error) {
	if err := s.checkOpen(); err != nil {
		return 0, 0, fmt.Errorf("postgres: refunded wallet amount of %s: %w", purchaseID, err)
	}
	var exists bool
	if err := s.pool.QueryRow(ctx, queryRefundedWallet, purchaseID).Scan(&exists, &approved, &held); err != nil {
		return 0, 0, fmt.Errorf("postgres: refunded wallet amount of %s: %w", purchaseID, err)
	}
	if !exists {
		return 0, 0, fmt.Errorf("postgres: refunded wallet amount of %s: %w", purchaseID, payment.ErrNotFound)
	}
	return approved, held, nil
}

// Events lists an attempt's journal in the order it was written; an attempt
// not stored is payment.ErrNotFound.
func (s *Store) Events(ctx context.Context, attemptID string) ([]payment.Event, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: events of %s: %w", attemptID, err)
	}
	rows, _ := s.pool.Query(ctx, queryEvents, attemptID)
	events, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (payment.Event, error) {
		var ev payment.Event
		var at pgtype.Timestamptz
		err := row.Scan(&ev.AttemptID, &at, &ev.Type, &ev.Detail)
		ev.At = decodeTime(at)
		return ev, err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: events of %s: %w", attemptID, err)
	}
	if len(events) > 0 {
		return events, nil
	}
	// Every stored attempt has its intent event, but read on: a journal
	// found empty is worth telling apart from an attempt never stored.
	var exists bool
	if err := s.pool.QueryRow(ctx, queryAttemptExists, attemptID).Scan(&exists); err != nil {
		return nil, fmt.Errorf("postgres: events of %s: %w", attemptID, err)
	}
	if !exists {
		return nil, fmt.Errorf("postgres: events of %s: %w", attemptID, payment.ErrNotFound)
	}
	return events, nil
}

// DueAttempts lists up to limit attempts that are not final and whose
// NextActionAt is at or before now, oldest NextActionAt first, whatever
// their leases. limit must be positive. An attempt with no NextActionAt is
// due at once.
func (s *Store) DueAttempts(ctx context.Context, now time.Time, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: due attempts: %w", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: due attempts: limit %d is not positive", limit)
	}
	if err := invariant.CheckTime("now", now); err != nil {
		return nil, fmt.Errorf("postgres: due attempts: %w", err)
	}
	due, err := s.queryAttempts(ctx, queryDue, now, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: due attempts: %w", err)
	}
	return due, nil
}

// ClaimDue lists up to limit attempts due at now that no other owner holds
// a lease on, and leases them to owner until now+leaseFor, in one
// statement, as payment.Store documents. Owners claiming at once, from any
// node, get disjoint sets and never wait for each other. owner must not be
// empty; leaseFor and limit must be positive. Leases are compared with the
// now each caller passes, so the nodes' clocks must agree to well within a
// lease.
//
// Setting leases is a write (row locks, new row versions, a commit):
// ClaimDue first reads what it would claim, and writes only if that is not
// all the owner's already with ¾ of leaseFor or more to run, as
// payment.Store allows. A resolver claiming every second what it already
// holds, or finding nothing due, so costs one read.
func (s *Store) ClaimDue(ctx context.Context, now time.Time, owner string, leaseFor time.Duration, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: claim due attempts: %w", err)
	}
	if err := invariant.CheckClaim(now, owner, leaseFor, limit); err != nil {
		return nil, fmt.Errorf("postgres: claim due attempts: %w", err)
	}
	claimable, kept, err := s.readClaimable(ctx, now, owner, now.Add(leaseFor-leaseFor/4), limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due attempts for %s: %w", owner, err)
	}
	if kept {
		return claimable, nil
	}
	var claimed []*payment.Attempt
	err = s.write(ctx, false, func(q querier) error {
		rows, _ := q.Query(ctx, queryClaimDue, now, owner, now.Add(leaseFor), limit)
		var err error
		claimed, err = pgx.CollectRows(rows, func(row pgx.CollectableRow) (*payment.Attempt, error) { return scanAttempt(row) })
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: claim due attempts for %s: %w", owner, err)
	}
	// RETURNING gives rows in no set order.
	sortByNextAction(claimed)
	return claimed, nil
}

// readClaimable returns what a claim would take, and whether all of it is
// the owner's until keep already.
func (s *Store) readClaimable(ctx context.Context, now time.Time, owner string, keep time.Time, limit int) ([]*payment.Attempt, bool, error) {
	allKept := true
	rows, _ := s.pool.Query(ctx, queryClaimable, now, owner, keep, limit)
	claimable, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (*payment.Attempt, error) {
		var kept bool
		a, err := scanAttempt(withColumns{row, []any{&kept}})
		allKept = allKept && kept
		return a, err
	})
	return claimable, allKept, err
}

// withColumns scans the columns of a row that come after what its caller
// asks for into extra.
type withColumns struct {
	row   pgx.Row
	extra []any
}

func (w withColumns) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// FlaggedAttempts lists up to limit attempts flagged for manual review, as
// payment.Store documents.
func (s *Store) FlaggedAttempts(ctx context.Context, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("postgres: flagged attempts: %w", err)
	}
	if limit <= 0 {
		return nil, fmt.Errorf("postgres: flagged attempts: limit %d is not positive", limit)
	}
	flagged, err := s.queryAttempts(ctx, queryFlagged, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: flagged attempts: %w", err)
	}
	return flagged, nil
}

func (s *Store) queryAttempts(ctx context.Context, query string, args ...any) ([]*payment.Attempt, error) {
	rows, _ := s.pool.Query(ctx, query, args...)
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (*payment.Attempt, error) { return scanAttempt(row) })
}

func scanAttempt(row pgx.Row) (*payment.Attempt, error) {
	var a payment.Attempt
	var nextActionAt, createdAt, updatedAt, flaggedAt, fxAsOf, orderExpiresAt pgtype.Timestamptz
	c := &a.Conversion
	err := row.Scan(&a.ID, (*string)(&a.Kind), &a.RRN, &a.Key.TerminalID, &a.Key.STAN,
		&a.Key.TransmissionTime, &a.MerchantID, &a.Scheme, &a.CodeMasked, &a.RequestHash,
		&a.Amount.Minor, &a.Amount.Currency, (*string)(&a.State), (*string)(&a.Reason),
		&a.SchemeCode, &a.ApprovalCode, &a.SchemeTxnID, &a.WalletAmount.Minor,
		&a.WalletAmount.Currency, &a.WalletBrand, &a.OriginalID, &a.OriginalRRN, &a.Tries,
		&nextActionAt, &createdAt, &updatedAt, &flaggedAt,
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

func sortByNextAction(list []*payment.Attempt) {
	slices.SortStableFunc(list, func(a, b *payment.Attempt) int { return a.NextActionAt.Compare(b.NextActionAt) })
}
