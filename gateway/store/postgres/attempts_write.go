package postgres

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// attemptColumns lists the attempts columns in the order createArgs and
// scanAttempt use (the SQLite store's order).
const attemptColumns = `id, kind, rrn, terminal_id, stan, transmission_time, merchant_id, scheme,
	code_masked, request_hash, amount_minor, amount_currency, state, reason, scheme_code,
	approval_code, scheme_txn_id, wallet_amount_minor, wallet_amount_currency, wallet_brand,
	original_id, original_rrn, tries, next_action_at, created_at, updated_at, flagged_at,
	fx_quote_id, fx_reference_rate, fx_applied_rate, fx_markup_percent, fx_source, fx_as_of, fx_rounding,
	settlement_minor, settlement_currency,
	order_presented, order_qr_payload, order_qr_format, order_expires_at`

// attemptColumnCount is how many columns attemptColumns names.
var attemptColumnCount = strings.Count(attemptColumns, ",") + 1

// queryCreateAttempt inserts an attempt, its RRN drawn from rrn_sequence as
// twelve zero-padded digits, and its intent event, in one statement, and
// returns the RRN. Its arguments are createArgs'. The event's foreign key
// is checked at the end of the statement, when the attempt is in.
var queryCreateAttempt = func() string {
	values := make([]string, 0, attemptColumnCount)
	for i := 1; i < attemptColumnCount; i++ {
		values = append(values, "$"+strconv.Itoa(i))
	}
	const rrn = `lpad(nextval('rrn_sequence')::text, 12, '0')`
	values = append(values[:2], append([]string{rrn}, values[2:]...)...)
	at, detail := "$"+strconv.Itoa(attemptColumnCount), "$"+strconv.Itoa(attemptColumnCount+1)
	return `WITH attempt AS (
			INSERT INTO attempts (` + attemptColumns + `) VALUES (` + strings.Join(values, ", ") + `)
			RETURNING id, rrn),
		intent AS (
			INSERT INTO events (attempt_id, at, type, detail)
			SELECT id, ` + at + `, 'intent', ` + detail + ` FROM attempt)
		SELECT rrn FROM attempt`
}()

const (
	queryInsertEvent = `INSERT INTO events (attempt_id, at, type, detail) VALUES ($1, $2, $3, $4)`
	// queryUpdateAttempt writes the fields that change as an attempt is
	// resolved, the others being fixed at creation, and appends the event
	// ($17 to $19), in one statement.
	queryUpdateAttempt = `WITH updated AS (
			UPDATE attempts SET state = $1, reason = $2, scheme_code = $3,
				approval_code = $4, scheme_txn_id = $5, wallet_amount_minor = $6, wallet_amount_currency = $7,
				wallet_brand = $8, tries = $9, next_action_at = $10, updated_at = $11, flagged_at = $12,
				order_qr_payload = $13, order_qr_format = $14, order_expires_at = $15
			WHERE id = $16)
		INSERT INTO events (attempt_id, at, type, detail) VALUES ($16, $17, $18, $19)`
	// queryLockHead reads what an update or a refund is checked against,
	// and locks the row until the transaction ends: an update of the same
	// attempt, or a refund of the same purchase, by any node, waits.
	queryLockHead = `SELECT kind, state, amount_minor, amount_currency FROM attempts WHERE id = $1 FOR UPDATE`
	// queryRefundsHeld sums what the refunds of a purchase hold of its
	// amount: every refund but a declined one, since one pending or unknown
	// may yet be approved.
	queryRefundsHeld = `SELECT COALESCE(SUM(amount_minor), 0)::bigint FROM attempts
		WHERE original_id = $1 AND kind = 'refund' AND state <> 'declined'`
)

// CreateAttempt journals a new attempt and its "intent" event, as
// payment.Store documents. On success it sets a.RRN, a.CreatedAt and
// a.UpdatedAt; on any error it leaves a alone.
//
// The RRN is the next value of rrn_sequence, shared by every node, as 12
// zero-padded digits: unique per database and never reused; a create that
// fails leaves a gap. A refund first locks its purchase's row, so that the
// refunds of one purchase, from any node, are checked one after the other
// against what the ones before them hold. A refund of an unknown original
// fails with both payment.ErrNotRefundable and payment.ErrNotFound; one in
// another currency than its original with payment.ErrNotRefundable.
func (s *Store) CreateAttempt(ctx context.Context, a *payment.Attempt) error {
	if err := invariant.CheckAttempt(a); err != nil {
		return fmt.Errorf("postgres: create attempt: %w", err)
	}
	var rrn string
	var now time.Time
	// Only a refund needs more than its one statement: the lock on its
	// purchase and the check of what its refunds hold.
	err := s.write(ctx, a.Kind == payment.KindRefund, func(q querier) error {
		now = s.stamp()
		var err error
		rrn, err = createAttempt(ctx, q, a, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("postgres: create attempt %s: %w", a.ID, err)
	}
	a.RRN, a.CreatedAt, a.UpdatedAt = rrn, now, now
	return nil
}

func createAttempt(ctx context.Context, q querier, a *payment.Attempt, now time.Time) (string, error) {
	var original *invariant.Head // of a refund; nil when not stored
	if a.Kind == payment.KindRefund {
		head, err := lockHead(ctx, q, a.OriginalID)
		switch {
		case err == nil:
			original = &head
		case !errors.Is(err, payment.ErrNotFound):
			return "", err
		}
	}
	row := *a
	row.CreatedAt, row.UpdatedAt = now, now
	detail := string(a.Kind) + " of " + strconv.FormatInt(a.Amount.Minor, 10) + " " + a.Amount.Currency
	var rrn string
	if err := q.QueryRow(ctx, queryCreateAttempt, createArgs(&row, now, detail)...).Scan(&rrn); err != nil {
		return "", insertError(err)
	}
	// The refund is checked after its insert so that a repeat gets
	// ErrDuplicate, not ErrRefundExceeds against its own first copy; the
	// sum of refunds held then includes this one.
	if a.Kind == payment.KindRefund {
		if err := checkRefund(ctx, q, a, original); err != nil {
			return "", err
		}
	}
	return rrn, nil
}

func insertError(err error) error {
	code, constraint := pgCode(err)
	switch {
	case code != codeUniqueViolation:
		return fmt.Errorf("insert: %w", err)
	case constraint == "attempts_rrn":
		return fmt.Errorf("%w: RRN handed out twice: %w", ErrInvariant, err)
	}
	return fmt.Errorf("%w: %w", payment.ErrDuplicate, err)
}

// checkRefund checks that the refund's original (read and locked before
// its insert; nil if not stored) is an approved purchase in the same
// currency, and that the refunds not declined, this one included, do not
// exceed its amount.
func checkRefund(ctx context.Context, q querier, refund *payment.Attempt, original *invariant.Head) error {
	if original == nil {
		return fmt.Errorf("%w: original %s: %w", payment.ErrNotRefundable, refund.OriginalID, payment.ErrNotFound)
	}
	if original.Kind != payment.KindPurchase || original.State != payment.StateApproved {
		return fmt.Errorf("%w: original %s is a %s %s", payment.ErrNotRefundable,
			refund.OriginalID, original.State, original.Kind)
	}
	if original.Amount.Currency != refund.Amount.Currency {
		return fmt.Errorf("%w: refund in %s of a purchase in %s", payment.ErrNotRefundable,
			refund.Amount.Currency, original.Amount.Currency)
	}
	var held int64
	if err := q.QueryRow(ctx, queryRefundsHeld, refund.OriginalID).Scan(&held); err != nil {
		return fmt.Errorf("sum refunds of %s: %w", refund.OriginalID, err)
	}
	if held > original.Amount.Minor {
		return fmt.Errorf("%w: refunds of %s would hold %d of %d", payment.ErrRefundExceeds,
			refund.OriginalID, held, original.Amount.Minor)
	}
	return nil
}

// lockHead reads and locks the row of attempt id; see queryLockHead.
func lockHead(ctx context.Context, q querier, id string) (invariant.Head, error) {
	var h invariant.Head
	err := q.QueryRow(ctx, queryLockHead, id).Scan(
		(*string)(&h.Kind), (*string)(&h.State), &h.Amount.Minor, &h.Amount.Currency)
	if errors.Is(err, pgx.ErrNoRows) {
		return h, fmt.Errorf("attempt %s: %w", id, payment.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("read attempt %s: %w", id, err)
	}
	return h, nil
}

// UpdateAttempt stores a's new state and appends ev, in one transaction, as
// payment.Store documents; it sets a.UpdatedAt. The stored row is locked
// and checked first: a changed kind or amount is refused with ErrInvariant,
// as is a state transition invariant.CheckTransition does not allow, which
// is what keeps two nodes writing one attempt from undoing each other's
// decisions. A resolver's lease (ClaimDue) does not stop an update.
//
// ev.AttemptID may be empty (it is a.ID) and ev.At zero (it is the time of
// the update).
func (s *Store) UpdateAttempt(ctx context.Context, a *payment.Attempt, ev payment.Event) error {
	if err := invariant.CheckAttempt(a); err != nil {
		return fmt.Errorf("postgres: update attempt: %w", err)
	}
	if ev.AttemptID == "" {
		ev.AttemptID = a.ID
	}
	if ev.AttemptID != a.ID {
		return fmt.Errorf("postgres: update attempt %s: %w: event for %s", a.ID, ErrInvariant, ev.AttemptID)
	}
	if err := invariant.CheckEvent(ev); err != nil {
		return fmt.Errorf("postgres: update attempt %s: %w", a.ID, err)
	}
	var updatedAt time.Time
	err := s.write(ctx, true, func(q querier) error {
		updatedAt = s.stamp()
		return updateAttempt(ctx, q, a, ev, updatedAt)
	})
	if err != nil {
		return fmt.Errorf("postgres: update attempt %s: %w", a.ID, err)
	}
	a.UpdatedAt = updatedAt
	return nil
}

func updateAttempt(ctx context.Context, q querier, a *payment.Attempt, ev payment.Event, now time.Time) error {
	stored, err := lockHead(ctx, q, a.ID)
	if err != nil {
		return err
	}
	if err := invariant.CheckUpdate(stored, a); err != nil {
		return err
	}
	if ev.At.IsZero() {
		ev.At = now
	}
	_, err = q.Exec(ctx, queryUpdateAttempt,
		string(a.State), string(a.Reason), a.SchemeCode, a.ApprovalCode, a.SchemeTxnID,
		a.WalletAmount.Minor, a.WalletAmount.Currency, a.WalletBrand, a.Tries, encodeDue(a.NextActionAt), now,
		encodeTime(a.FlaggedAt), a.Order.QRPayload, a.Order.QRFormat, encodeTime(a.Order.ExpiresAt), a.ID,
		ev.At, ev.Type, ev.Detail)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	return nil
}

// AppendEvent appends an event that changes no state. An event for an
// attempt not stored fails with payment.ErrNotFound; ev.At zero means now.
func (s *Store) AppendEvent(ctx context.Context, ev payment.Event) error {
	if err := invariant.CheckEvent(ev); err != nil {
		return fmt.Errorf("postgres: append event: %w", err)
	}
	err := s.write(ctx, false, func(q querier) error {
		e := ev
		if e.At.IsZero() {
			e.At = s.stamp()
		}
		return insertEvent(ctx, q, e)
	})
	if err != nil {
		return fmt.Errorf("postgres: append event %s to %s: %w", ev.Type, ev.AttemptID, err)
	}
	return nil
}

func insertEvent(ctx context.Context, q querier, ev payment.Event) error {
	_, err := q.Exec(ctx, queryInsertEvent, ev.AttemptID, ev.At, ev.Type, ev.Detail)
	if code, _ := pgCode(err); code == codeForeignKeyViolation {
		return fmt.Errorf("attempt %s: %w: %w", ev.AttemptID, payment.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

// createArgs gives the values of attemptColumns but the RRN, which the
// insert draws itself, then the intent event's time and detail.
func createArgs(a *payment.Attempt, at time.Time, detail string) []any {
	return []any{
		a.ID, string(a.Kind), a.Key.TerminalID, a.Key.STAN, a.Key.TransmissionTime,
		a.MerchantID, a.Scheme, a.CodeMasked, a.RequestHash, a.Amount.Minor, a.Amount.Currency,
		string(a.State), string(a.Reason), a.SchemeCode, a.ApprovalCode, a.SchemeTxnID,
		a.WalletAmount.Minor, a.WalletAmount.Currency, a.WalletBrand, a.OriginalID, a.OriginalRRN,
		a.Tries, encodeDue(a.NextActionAt), a.CreatedAt, a.UpdatedAt, encodeTime(a.FlaggedAt),
		a.Conversion.QuoteID, a.Conversion.ReferenceRate, a.Conversion.AppliedRate, a.Conversion.MarkupPercent,
		a.Conversion.Source, encodeTime(a.Conversion.AsOf), a.Conversion.Rounding,
		a.Settlement.Minor, a.Settlement.Currency,
		a.Order.Presented, a.Order.QRPayload, a.Order.QRFormat, encodeTime(a.Order.ExpiresAt),
		at, detail,
	}
}
