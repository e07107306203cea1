package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store/invariant"
)

// attemptColumns lists the attempts columns in the order attemptArgs and
// scanAttempt use.
const attemptColumns = `id, kind, rrn, terminal_id, stan, transmission_time, merchant_id, scheme,
	code_masked, request_hash, amount_minor, amount_currency, state, reason, scheme_code,
	approval_code, scheme_txn_id, wallet_amount_minor, wallet_amount_currency, wallet_brand,
	original_id, original_rrn, tries, next_action_at, created_at, updated_at, flagged_at,
	fx_quote_id, fx_reference_rate, fx_applied_rate, fx_markup_percent, fx_source, fx_as_of, fx_rounding,
	settlement_minor, settlement_currency,
	order_presented, order_qr_payload, order_qr_format, order_expires_at`

const (
	queryLastRRN       = `SELECT last FROM rrn_sequence WHERE id = 1`
	querySetRRN        = `UPDATE rrn_sequence SET last = ? WHERE id = 1`
	queryInsertAttempt = `INSERT INTO attempts (` + attemptColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,
			?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	queryInsertEvent = `INSERT INTO events (attempt_id, at, type, detail) VALUES (?, ?, ?, ?)`
	queryAttemptHead = `SELECT kind, state, amount_minor, amount_currency
		FROM attempts WHERE id = ?`
	// queryRefundsHeld sums what the refunds of a purchase hold of its
	// amount: every refund but a declined one, since one pending or unknown
	// may yet be approved.
	queryRefundsHeld = `SELECT COALESCE(SUM(amount_minor), 0) FROM attempts
		WHERE original_id = ? AND kind = 'refund' AND state <> 'declined'`
	// queryUpdateAttempt writes the fields that change as an attempt is
	// resolved; the others are fixed at creation.
	queryUpdateAttempt = `UPDATE attempts SET state = ?, reason = ?, scheme_code = ?,
		approval_code = ?, scheme_txn_id = ?, wallet_amount_minor = ?, wallet_amount_currency = ?,
		wallet_brand = ?, tries = ?, next_action_at = ?,
		updated_at = ?, flagged_at = ?,
		order_qr_payload = ?, order_qr_format = ?, order_expires_at = ?
		WHERE id = ?`
)

// CreateAttempt journals a new attempt and its "intent" event, as
// payment.Store documents. On success it sets a.RRN, a.CreatedAt and
// a.UpdatedAt; on any error it leaves a alone.
//
// The RRN is the next value of a counter kept in the database
// (rrn_sequence), stored in the same transaction, written as 12 zero-padded
// decimal digits: unique per database, never reused, and a create that
// fails gives its number back. A refund of an unknown original fails with
// both payment.ErrNotRefundable and payment.ErrNotFound; one in another
// currency than its original with payment.ErrNotRefundable.
//
// If ctx ends after the write was queued, the write may still commit; the
// error then wraps ctx.Err().
func (s *SQLite) CreateAttempt(ctx context.Context, a *payment.Attempt) error {
	if err := s.checkOpen(); err != nil {
		return fmt.Errorf("store: create attempt: %w", err)
	}
	if err := invariant.CheckAttempt(a); err != nil {
		return fmt.Errorf("store: create attempt: %w", err)
	}
	row := *a // the writer's copy: a changes only once the write is durable
	if err := s.writer.do(ctx, func(tx *writeTx) error { return createAttempt(tx, &row) }); err != nil {
		return fmt.Errorf("store: create attempt %s: %w", a.ID, err)
	}
	a.RRN, a.CreatedAt, a.UpdatedAt = row.RRN, row.CreatedAt, row.UpdatedAt
	return nil
}

func createAttempt(tx *writeTx, a *payment.Attempt) error {
	last := tx.rrn + 1
	tx.rrn = last
	if last <= 0 || last > invariant.RRNMax {
		return fmt.Errorf("%w: RRN counter at %d", ErrInvariant, last)
	}
	now := tx.stamp()
	a.RRN = fmt.Sprintf("%012d", last)
	a.CreatedAt, a.UpdatedAt = now, now
	if _, err := tx.st.insertAttempt.ExecContext(tx.ctx, attemptArgs(a)...); err != nil {
		return insertError(err)
	}
	tx.rememberHead(a.ID, invariant.Head{Kind: a.Kind, State: a.State, Amount: a.Amount})
	// The refund is checked after its insert so that a repeat gets
	// ErrDuplicate, not ErrRefundExceeds against its own first copy; the
	// sum of refunds held then includes this one.
	if a.Kind == payment.KindRefund {
		if err := checkRefund(tx, a); err != nil {
			return err
		}
	}
	detail := string(a.Kind) + " of " + strconv.FormatInt(a.Amount.Minor, 10) + " " + a.Amount.Currency
	return insertEvent(tx, payment.Event{AttemptID: a.ID, At: now, Type: "intent", Detail: detail})
}

func insertError(err error) error {
	if !isUniqueViolation(err) {
		return err
	}
	if strings.Contains(err.Error(), "attempts.rrn") {
		return fmt.Errorf("%w: RRN handed out twice: %w", ErrInvariant, err)
	}
	return fmt.Errorf("%w: %w", payment.ErrDuplicate, err)
}

// checkRefund checks, inside the refund's savepoint, that its original is
// an approved purchase in the same currency and that the refunds not
// declined, this one included, do not exceed its amount.
func checkRefund(tx *writeTx, refund *payment.Attempt) error {
	original, err := readHead(tx, refund.OriginalID)
	if errors.Is(err, payment.ErrNotFound) {
		return fmt.Errorf("%w: original %s: %w", payment.ErrNotRefundable, refund.OriginalID, err)
	}
	if err != nil {
		return err
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
	if err := tx.st.refundsHeld.QueryRowContext(tx.ctx, refund.OriginalID).Scan(&held); err != nil {
		return fmt.Errorf("sum refunds of %s: %w", refund.OriginalID, err)
	}
	if held > original.Amount.Minor {
		return fmt.Errorf("%w: refunds of %s would hold %d of %d", payment.ErrRefundExceeds,
			refund.OriginalID, held, original.Amount.Minor)
	}
	return nil
}

func readHead(tx *writeTx, id string) (invariant.Head, error) {
	if h, ok := tx.heads[id]; ok {
		return h, nil
	}
	var h invariant.Head
	err := tx.st.attemptHead.QueryRowContext(tx.ctx, id).Scan(
		(*string)(&h.Kind), (*string)(&h.State), &h.Amount.Minor, &h.Amount.Currency)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("attempt %s: %w", id, payment.ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("read attempt %s: %w", id, err)
	}
	tx.rememberHead(id, h)
	return h, nil
}

// UpdateAttempt stores a's new state and appends ev, in one transaction, as
// payment.Store documents; it sets a.UpdatedAt. It writes the fields that
// change as an attempt is resolved (state, reason, scheme code, approval
// code, scheme transaction, wallet amount and brand, tries, next action
// time); the others are fixed at creation, and a
// changed kind or amount is refused with ErrInvariant, as is a move out of a
// final state other than those invariant.CheckTransition allows.
//
// ev.AttemptID may be empty (it is a.ID) and ev.At zero (it is the time of
// the update). If ctx ends after the write was queued, the write may still
// commit; the error then wraps ctx.Err().
func (s *SQLite) UpdateAttempt(ctx context.Context, a *payment.Attempt, ev payment.Event) error {
	if err := s.checkOpen(); err != nil {
		return fmt.Errorf("store: update attempt: %w", err)
	}
	if err := invariant.CheckAttempt(a); err != nil {
		return fmt.Errorf("store: update attempt: %w", err)
	}
	if ev.AttemptID == "" {
		ev.AttemptID = a.ID
	}
	if ev.AttemptID != a.ID {
		return fmt.Errorf("store: update attempt %s: %w: event for %s", a.ID, ErrInvariant, ev.AttemptID)
	}
	if err := invariant.CheckEvent(ev); err != nil {
		return fmt.Errorf("store: update attempt %s: %w", a.ID, err)
	}
	row := *a
	if err := s.writer.do(ctx, func(tx *writeTx) error { return updateAttempt(tx, &row, ev) }); err != nil {
		return fmt.Errorf("store: update attempt %s: %w", a.ID, err)
	}
	a.UpdatedAt = row.UpdatedAt
	return nil
}

func updateAttempt(tx *writeTx, a *payment.Attempt, ev payment.Event) error {
	stored, err := readHead(tx, a.ID)
	if err != nil {
		return err
	}
	if err := invariant.CheckUpdate(stored, a); err != nil {
		return err
	}
	a.UpdatedAt = tx.stamp()
	_, err = tx.st.updateAttempt.ExecContext(tx.ctx,
		string(a.State), string(a.Reason), a.SchemeCode, a.ApprovalCode, a.SchemeTxnID,
		a.WalletAmount.Minor, a.WalletAmount.Currency, a.WalletBrand, a.Tries, encodeTime(a.NextActionAt), encodeTime(a.UpdatedAt),
		encodeTime(a.FlaggedAt), a.Order.QRPayload, a.Order.QRFormat, encodeTime(a.Order.ExpiresAt), a.ID)
	if err != nil {
		return fmt.Errorf("update: %w", err)
	}
	tx.rememberHead(a.ID, invariant.Head{Kind: a.Kind, State: a.State, Amount: a.Amount})
	if ev.At.IsZero() {
		ev.At = a.UpdatedAt
	}
	return insertEvent(tx, ev)
}

// AppendEvent appends an event that changes no state. An event for an
// attempt not stored fails with payment.ErrNotFound; ev.At zero means now.
func (s *SQLite) AppendEvent(ctx context.Context, ev payment.Event) error {
	if err := s.checkOpen(); err != nil {
		return fmt.Errorf("store: append event: %w", err)
	}
	if err := invariant.CheckEvent(ev); err != nil {
		return fmt.Errorf("store: append event: %w", err)
	}
	err := s.writer.do(ctx, func(tx *writeTx) error {
		if ev.At.IsZero() {
			ev.At = tx.stamp()
		}
		return insertEvent(tx, ev)
	})
	if err != nil {
		return fmt.Errorf("store: append event %s to %s: %w", ev.Type, ev.AttemptID, err)
	}
	return nil
}

func insertEvent(tx *writeTx, ev payment.Event) error {
	_, err := tx.st.insertEvent.ExecContext(tx.ctx, ev.AttemptID, encodeTime(ev.At), ev.Type, ev.Detail)
	if isForeignKeyViolation(err) {
		return fmt.Errorf("attempt %s: %w: %w", ev.AttemptID, payment.ErrNotFound, err)
	}
	if err != nil {
		return fmt.Errorf("insert event: %w", err)
	}
	return nil
}

func attemptArgs(a *payment.Attempt) []any {
	return []any{
		a.ID, string(a.Kind), a.RRN, a.Key.TerminalID, a.Key.STAN, a.Key.TransmissionTime,
		a.MerchantID, a.Scheme, a.CodeMasked, a.RequestHash, a.Amount.Minor, a.Amount.Currency,
		string(a.State), string(a.Reason), a.SchemeCode, a.ApprovalCode, a.SchemeTxnID,
		a.WalletAmount.Minor, a.WalletAmount.Currency, a.WalletBrand, a.OriginalID, a.OriginalRRN,
		a.Tries, encodeTime(a.NextActionAt),
		encodeTime(a.CreatedAt), encodeTime(a.UpdatedAt), encodeTime(a.FlaggedAt),
		a.Conversion.QuoteID, a.Conversion.ReferenceRate, a.Conversion.AppliedRate, a.Conversion.MarkupPercent,
		a.Conversion.Source, encodeTime(a.Conversion.AsOf), a.Conversion.Rounding,
		a.Settlement.Minor, a.Settlement.Currency,
		encodeBool(a.Order.Presented), a.Order.QRPayload, a.Order.QRFormat, encodeTime(a.Order.ExpiresAt),
	}
}

// stamp reads the clock as the journal will store it (UTC, nanoseconds, no
// monotonic reading), so what a caller is handed equals what it reads back.
func (tx *writeTx) stamp() time.Time { return decodeTime(encodeTime(tx.now())) }

// checkOpen fails fast after Close, before a write is even checked.
func (s *SQLite) checkOpen() error {
	if s.closed.Load() {
		return ErrClosed
	}
	return nil
}
