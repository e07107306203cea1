package store

import (
	"fmt"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// Invariants checked on every write. Breaking one is a programmer error in
// the caller; it is returned as ErrInvariant rather than panicked, so that
// one bad request fails alone.

// eventDetailMax bounds an event's Detail, which is meant as a short note.
const eventDetailMax = 1024

// rrnMax is the largest RRN twelve decimal digits hold.
const rrnMax = 999_999_999_999

// knownStates lists every payment.State; the schema's CHECK lists the same.
var knownStates = []payment.State{
	payment.StatePending, payment.StateUnknown, payment.StateCancelPending, payment.StateRefundPending,
	payment.StateApproved, payment.StateDeclined, payment.StateCancelled, payment.StateRefunded,
}

func knownState(s payment.State) bool {
	for _, k := range knownStates {
		if s == k {
			return true
		}
	}
	return false
}

// checkAttempt checks what must hold of every attempt written.
func checkAttempt(a *payment.Attempt) error {
	switch {
	case a == nil:
		return fmt.Errorf("%w: nil attempt", ErrInvariant)
	case a.ID == "":
		return fmt.Errorf("%w: attempt without ID", ErrInvariant)
	case a.Kind != payment.KindPurchase && a.Kind != payment.KindRefund && a.Kind != payment.KindReversal:
		return fmt.Errorf("%w: kind %q", ErrInvariant, a.Kind)
	case a.Kind == payment.KindRefund && a.OriginalID == "":
		return fmt.Errorf("%w: refund without original", ErrInvariant)
	case a.Kind == payment.KindPurchase && a.OriginalID != "":
		return fmt.Errorf("%w: purchase naming an original", ErrInvariant)
	case !knownState(a.State):
		return fmt.Errorf("%w: state %q", ErrInvariant, a.State)
	case a.Amount.Minor < 0 || a.WalletAmount.Minor < 0:
		return fmt.Errorf("%w: negative amount", ErrInvariant)
	case a.Tries < 0:
		return fmt.Errorf("%w: negative tries", ErrInvariant)
	}
	return checkTime("next action time", a.NextActionAt)
}

func checkEvent(ev payment.Event) error {
	switch {
	case ev.AttemptID == "":
		return fmt.Errorf("%w: event without attempt ID", ErrInvariant)
	case ev.Type == "":
		return fmt.Errorf("%w: event without type", ErrInvariant)
	case len(ev.Detail) > eventDetailMax:
		return fmt.Errorf("%w: event detail of %d bytes, at most %d", ErrInvariant, len(ev.Detail), eventDetailMax)
	}
	return checkTime("event time", ev.At)
}

// storedHead is what an update is checked against: the stored fields it
// must not change, and the state it moves from.
type storedHead struct {
	kind   payment.Kind
	state  payment.State
	amount payment.Money
}

// checkUpdate checks that a may replace the stored attempt: same kind and
// amount, and an allowed state transition.
func checkUpdate(stored storedHead, a *payment.Attempt) error {
	switch {
	case a.Kind != stored.kind:
		return fmt.Errorf("%w: kind changed from %s to %s", ErrInvariant, stored.kind, a.Kind)
	case a.Amount != stored.amount:
		return fmt.Errorf("%w: amount changed from %d %s to %d %s", ErrInvariant,
			stored.amount.Minor, stored.amount.Currency, a.Amount.Minor, a.Amount.Currency)
	}
	return checkTransition(stored.kind, stored.state, a.State)
}

// checkTransition allows:
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
// rewrite, an outcome already settled.
func checkTransition(kind payment.Kind, from, to payment.State) error {
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
		return fmt.Errorf("%w: %s %s cannot move to %s: a decision to undo it stands", ErrInvariant, from, kind, to)
	}
	if kind == payment.KindPurchase && from == payment.StateApproved {
		switch to {
		case payment.StateCancelPending, payment.StateRefundPending, payment.StateCancelled, payment.StateRefunded:
			return nil
		}
	}
	return fmt.Errorf("%w: %s %s cannot move to %s", ErrInvariant, from, kind, to)
}
