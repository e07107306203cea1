package store

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

const (
	// queryClaimable lists what a claim would take, without taking it: the
	// due attempts no other owner holds, each with whether it is already
	// the owner's until the keep time. ?1 is the owner, ?2 now, ?3 the
	// keep time, ?4 the limit.
	queryClaimable = `SELECT ` + attemptColumns + `, lease_owner = ?1 AND lease_until >= ?3
		FROM attempts
		WHERE state IN ` + dueStates + ` AND next_action_at <= ?2 AND flagged_at = 0
			AND (lease_owner = ?1 OR lease_until <= ?2)
		ORDER BY next_action_at LIMIT ?4`
	// queryClaimDue leases the due attempts no other owner holds and
	// returns them: ?1 is the owner, ?2 now, ?3 the lease's end, ?4 the
	// limit. The inner query names the attempts_due index's condition, so
	// that it reads that index as queryDue does.
	queryClaimDue = `UPDATE attempts SET lease_owner = ?1, lease_until = ?3
		WHERE id IN (SELECT id FROM attempts
			WHERE state IN ` + dueStates + ` AND next_action_at <= ?2 AND flagged_at = 0
				AND (lease_owner = ?1 OR lease_until <= ?2)
			ORDER BY next_action_at LIMIT ?4)
		RETURNING ` + attemptColumns
)

// ClaimDue lists up to limit attempts due at now that no other owner holds
// a lease on, and leases them to owner until now+leaseFor, as payment.Store
// documents. owner must not be empty; leaseFor and limit must be positive.
//
// Setting leases is a write, through the group commit: ClaimDue first reads
// what it would claim, and writes only if that is not all the owner's
// already with ¾ of leaseFor or more to run, as payment.Store allows. A
// resolver claiming every second what it already holds, or finding nothing
// due, so costs a read, not a commit.
//
// One SQLite database serves one node, so there is no other resolver to
// share with; the leases keep the semantics the same as on a shared
// database all the same, so that the engine runs one way on every store.
func (s *SQLite) ClaimDue(ctx context.Context, now time.Time, owner string, leaseFor time.Duration, limit int) ([]*payment.Attempt, error) {
	if err := s.checkOpen(); err != nil {
		return nil, fmt.Errorf("store: claim due attempts: %w", err)
	}
	if err := invariant.CheckClaim(now, owner, leaseFor, limit); err != nil {
		return nil, fmt.Errorf("store: claim due attempts: %w", err)
	}
	keep := now.Add(leaseFor - leaseFor/4)
	claimable, kept, err := s.readClaimable(ctx, encodeTime(now), owner, encodeTime(keep), limit)
	if err != nil {
		return nil, fmt.Errorf("store: claim due attempts for %s: %w", owner, err)
	}
	if kept {
		return claimable, nil
	}
	var claimed []*payment.Attempt
	err = s.writer.do(ctx, func(tx *writeTx) error {
		var err error
		claimed, err = s.claimDue(tx, encodeTime(now), owner, encodeTime(now.Add(leaseFor)), limit)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store: claim due attempts for %s: %w", owner, err)
	}
	// RETURNING gives rows in no set order.
	sort.SliceStable(claimed, func(i, j int) bool { return claimed[i].NextActionAt.Before(claimed[j].NextActionAt) })
	return claimed, nil
}

// readClaimable returns what a claim would take, and whether all of it is
// the owner's until keep already.
func (s *SQLite) readClaimable(ctx context.Context, now int64, owner string, keep int64, limit int) ([]*payment.Attempt, bool, error) {
	rows, err := s.reads.claimable.QueryContext(ctx, owner, now, keep, limit)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var claimable []*payment.Attempt
	allKept := true
	for rows.Next() {
		var kept bool
		a, err := scanAttempt(withColumns{rows, []any{&kept}})
		if err != nil {
			return nil, false, err
		}
		claimable, allKept = append(claimable, a), allKept && kept
	}
	return claimable, allKept, rows.Err()
}

// withColumns scans the columns of a row that come after what its caller
// asks for into extra.
type withColumns struct {
	row   scanner
	extra []any
}

func (w withColumns) Scan(dest ...any) error { return w.row.Scan(append(dest, w.extra...)...) }

// claimDue runs on the writer goroutine, which alone uses s.write: the
// query runs inside the batch's transaction and savepoint. It is not
// prepared with the writer's statements because it runs only when leases
// are to be set, not on a terminal's path.
func (s *SQLite) claimDue(tx *writeTx, now int64, owner string, until int64, limit int) ([]*payment.Attempt, error) {
	rows, err := s.write.QueryContext(tx.ctx, queryClaimDue, owner, now, until, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var claimed []*payment.Attempt
	for rows.Next() {
		a, err := scanAttempt(rows)
		if err != nil {
			return nil, err
		}
		claimed = append(claimed, a)
	}
	return claimed, rows.Err()
}
