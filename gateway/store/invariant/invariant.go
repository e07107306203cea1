// Package invariant holds the checks every payment.Store runs on a write
// before it reaches the database, so that the SQLite and PostgreSQL stores
// refuse exactly the same writes: attempts and events that are malformed, a
// changed kind or amount, a state moved back out of a final state.
//
// Breaking one is a programmer error in the caller. It is returned, wrapping
// ErrViolated, rather than panicked, so that one bad request fails alone
// instead of taking down every terminal's session.
package invariant

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// ErrViolated is wrapped by every error of this package.
var ErrViolated = errors.New("invariant violated")

// EventDetailMax bounds an event's Detail, which is meant as a short note.
const EventDetailMax = 1024

// RRNMax is the largest RRN twelve decimal digits hold.
const RRNMax = 999_999_999_999

// TimeMin and TimeMax bound the times a journal holds: what Unix
// nanoseconds in an int64 can represent (years 1677 to 2262). The SQLite
// store needs the bound; the PostgreSQL store, which could hold more, keeps
// it too, so that the two accept the same writes.
var (
	TimeMin = time.Unix(0, -1<<63).UTC()
	TimeMax = time.Unix(0, 1<<63-1).UTC()
)

// States lists every payment.State; the schemas' CHECKs list the same.
var States = []payment.State{
	payment.StatePending, payment.StateUnknown, payment.StateCancelPending, payment.StateRefundPending,
	payment.StateApproved, payment.StateDeclined, payment.StateCancelled, payment.StateRefunded,
}

// KnownState reports whether s is one of States.
func KnownState(s payment.State) bool {
	for _, k := range States {
		if s == k {
			return true
		}
	}
	return false
}

// CheckTime reports a time outside [TimeMin, TimeMax]; the zero time, which
// stands for "not set", passes. field names the time in the error.
func CheckTime(field string, t time.Time) error {
	if t.IsZero() {
		return nil
	}
	if t.Before(TimeMin) || t.After(TimeMax) {
		return fmt.Errorf("%w: %s %v outside what the journal can hold", ErrViolated, field, t)
	}
	return nil
}

// CheckAttempt checks what must hold of every attempt written.
func CheckAttempt(a *payment.Attempt) error {
	switch {
	case a == nil:
		return fmt.Errorf("%w: nil attempt", ErrViolated)
	case a.ID == "":
		return fmt.Errorf("%w: attempt without ID", ErrViolated)
	case a.Kind != payment.KindPurchase && a.Kind != payment.KindRefund && a.Kind != payment.KindReversal:
		return fmt.Errorf("%w: kind %q", ErrViolated, a.Kind)
	case a.Kind == payment.KindRefund && a.OriginalID == "":
		return fmt.Errorf("%w: refund without original", ErrViolated)
	case a.Kind == payment.KindPurchase && a.OriginalID != "":
		return fmt.Errorf("%w: purchase naming an original", ErrViolated)
	case !KnownState(a.State):
		return fmt.Errorf("%w: state %q", ErrViolated, a.State)
	case a.Amount.Minor < 0 || a.WalletAmount.Minor < 0 || a.Settlement.Minor < 0:
		return fmt.Errorf("%w: negative amount", ErrViolated)
	case a.Tries < 0:
		return fmt.Errorf("%w: negative tries", ErrViolated)
	}
	for _, t := range []struct {
		field string
		at    time.Time
	}{
		{"next action time", a.NextActionAt}, {"flag time", a.FlaggedAt},
		{"quote time", a.Conversion.AsOf}, {"order expiry", a.Order.ExpiresAt},
	} {
		if err := CheckTime(t.field, t.at); err != nil {
			return err
		}
	}
	return nil
}

// CheckEvent checks what must hold of every event written.
func CheckEvent(ev payment.Event) error {
	switch {
	case ev.AttemptID == "":
		return fmt.Errorf("%w: event without attempt ID", ErrViolated)
	case ev.Type == "":
		return fmt.Errorf("%w: event without type", ErrViolated)
	case len(ev.Detail) > EventDetailMax:
		return fmt.Errorf("%w: event detail of %d bytes, at most %d", ErrViolated, len(ev.Detail), EventDetailMax)
	}
	return CheckTime("event time", ev.At)
}

// Head is what an update is checked against: the stored fields it must not
// change, and the state it moves from. A store reads it in the transaction
// that writes the update, with the row locked against other writers.
type Head struct {
	Kind   payment.Kind
	State  payment.State
	Amount payment.Money
}

// CheckUpdate checks that a may replace the stored attempt: same kind and
// amount, and an allowed state transition.
func CheckUpdate(stored Head, a *payment.Attempt) error {
	switch {
	case a.Kind != stored.Kind:
		return fmt.Errorf("%w: kind changed from %s to %s", ErrViolated, stored.Kind, a.Kind)
	case a.Amount != stored.Amount:
		return fmt.Errorf("%w: amount changed from %d %s to %d %s", ErrViolated,
			stored.Amount.Minor, stored.Amount.Currency, a.Amount.Minor, a.Amount.Currency)
	}
	return CheckTransition(stored.Kind, stored.State, a.State)
}

// CheckTransition allows:
//   - any move from pending or unknown;
//   - from cancel_pending or refund_pending, only on towards the money's
//     return (refund_pending, cancelled, refunded): a decision to undo a
//     payment is never taken back (money safety 2);
//   - a final state kept (an update of other fields, or a retry noted);
//   - an approved purchase moving to cancel_pending, refund_pending,
//     cancelled or refunded: a reversal, or an approval that came after the
//     terminal was answered 91, must still be undone (money safety 2).
//
// Any other move out of a final state is refused: it would reopen, or
// rewrite, an outcome already settled. These checks, made with the stored
// row locked, are what keeps two writers of one attempt (two nodes, or a
// request and the resolver) from undoing each other's decisions; a
// resolver's lease on an attempt is not a lock on its writes.
func CheckTransition(kind payment.Kind, from, to payment.State) error {
	if from == to {
		return nil
	}
	switch from {
	case payment.StatePending, payment.StateUnknown:
		return nil
	case payment.StateCancelPending, payment.StateRefundPending:
		switch to {
		case payment.StateRefundPending, payment.StateCancelled, payment.StateRefunded:
			return nil
		}
		return fmt.Errorf("%w: %s %s cannot move to %s: a decision to undo it stands", ErrViolated, from, kind, to)
	}
	if kind == payment.KindPurchase && from == payment.StateApproved {
		switch to {
		case payment.StateCancelPending, payment.StateRefundPending, payment.StateCancelled, payment.StateRefunded:
			return nil
		}
	}
	return fmt.Errorf("%w: %s %s cannot move to %s", ErrViolated, from, kind, to)
}

// CheckMerchant checks a merchant to be put: an ID, no negative limit, and
// scheme IDs that are neither empty nor hold a comma (the SQLite store
// keeps them in one comma-separated column; the other stores refuse the
// same IDs so that a merchant valid on one is valid on all).
func CheckMerchant(m *payment.Merchant) error {
	if m == nil || m.ID == "" || m.MaxAmount < 0 {
		return fmt.Errorf("%w: merchant without ID, or with a negative maximum amount", ErrViolated)
	}
	for _, s := range m.Schemes {
		if s == "" || strings.ContainsRune(s, ',') {
			return fmt.Errorf("%w: scheme ID %q is empty or holds a comma", ErrViolated, s)
		}
	}
	return nil
}

// CheckTerminal checks a terminal to be put: an ID and a merchant.
func CheckTerminal(t *payment.Terminal) error {
	if t == nil || t.ID == "" || t.MerchantID == "" {
		return fmt.Errorf("%w: terminal without ID or merchant", ErrViolated)
	}
	return nil
}

// CheckClaim checks the arguments of a ClaimDue: an owner, a positive lease
// and limit, a time the journal can hold.
func CheckClaim(now time.Time, owner string, leaseFor time.Duration, limit int) error {
	switch {
	case owner == "":
		return fmt.Errorf("%w: claim without owner", ErrViolated)
	case leaseFor <= 0:
		return fmt.Errorf("%w: lease of %v is not positive", ErrViolated, leaseFor)
	case limit <= 0:
		return fmt.Errorf("%w: limit %d is not positive", ErrViolated, limit)
	}
	if err := CheckTime("now", now); err != nil {
		return err
	}
	return CheckTime("lease end", now.Add(leaseFor))
}
