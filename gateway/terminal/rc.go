package terminal

import (
	"errors"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// The one table from the engine's refusals to response codes.
func rcForError(err error) string {
	switch {
	case errors.Is(err, payment.ErrUnknownMerchant):
		return wire.RCInvalidMerchant
	case errors.Is(err, payment.ErrNoScheme):
		return wire.RCInvalidWalletCode
	case errors.Is(err, payment.ErrSchemeNotEnabled):
		return wire.RCSchemeNotEnabled
	case errors.Is(err, payment.ErrInvalidAmount):
		return wire.RCInvalidAmount
	case errors.Is(err, payment.ErrCurrency), errors.Is(err, payment.ErrNotSupported):
		return wire.RCInvalidTransaction
	case errors.Is(err, payment.ErrAmountLimit):
		return wire.RCExceedsAmountLimit
	case errors.Is(err, payment.ErrFrequencyLimit):
		return wire.RCExceedsFrequencyLimit
	case errors.Is(err, payment.ErrOriginalNotFound):
		return wire.RCOriginalNotFound
	case errors.Is(err, payment.ErrKeyMismatch):
		return wire.RCDuplicateSTAN
	case errors.Is(err, payment.ErrUnavailable):
		return wire.RCSchemeUnavailable
	}
	return wire.RCSystemMalfunction
}

// The one table from decline reasons to response codes.
var reasonRC = map[payment.Reason]string{
	payment.ReasonDoNotHonour:       wire.RCDoNotHonour,
	payment.ReasonInsufficientFunds: wire.RCInsufficientFunds,
	payment.ReasonCodeExpired:       wire.RCExpiredWalletCode,
	payment.ReasonRiskDeclined:      wire.RCSuspectedFraud,
	payment.ReasonLimitExceeded:     wire.RCExceedsAmountLimit,
	payment.ReasonInvalidCode:       wire.RCInvalidWalletCode,
	payment.ReasonInvalidAmount:     wire.RCInvalidAmount,
	payment.ReasonNotFound:          wire.RCOriginalNotFound,
	payment.ReasonMerchantDisabled:  wire.RCInvalidMerchant,
	payment.ReasonInvalidRequest:    wire.RCFormatError,
	payment.ReasonKeyMismatch:       wire.RCDuplicateSTAN,
	payment.ReasonTimeout:           wire.RCSchemeUnavailable,
	payment.ReasonUnavailable:       wire.RCSchemeUnavailable,
	payment.ReasonReversed:          wire.RCDoNotHonour,
	payment.ReasonOrderExpired:      wire.RCExpiredWalletCode,
	payment.ReasonSystem:            wire.RCSystemMalfunction,
}

// rcForAttempt is the answer to the request that made (or repeated) a.
// Anything not final is answered 91: the engine cancels what is not
// approved within the budget.
func rcForAttempt(a *payment.Attempt) string {
	switch a.State {
	case payment.StateApproved:
		return wire.RCApproved
	case payment.StateDeclined, payment.StateCancelled, payment.StateRefunded:
		if rc, ok := reasonRC[a.Reason]; ok {
			return rc
		}
		if a.State == payment.StateDeclined {
			return wire.RCDoNotHonour
		}
	}
	return wire.RCSchemeUnavailable
}

// rcForStatus is the answer to a status inquiry (0100) about a purchase,
// and to a merchant-presented purchase: 09 while it is still being decided
// within its budget or its order awaits the customer.
func rcForStatus(a *payment.Attempt) string {
	switch {
	case a.Order.Created() && a.State == payment.StatePending:
		return wire.RCInProgress
	case a.Order.Presented && a.State == payment.StatePending && a.Kind == payment.KindPurchase:
		return wire.RCSchemeUnavailable // the order was never made: closed, as for 91
	case a.State == payment.StatePending || a.State == payment.StateUnknown:
		return wire.RCInProgress
	case a.Reason == payment.ReasonOrderExpired:
		return wire.RCExpiredWalletCode // being cancelled because it expired
	case a.Reason == payment.ReasonSystem:
		return wire.RCSystemMalfunction // being cancelled because the gateway could not use it
	}
	return rcForAttempt(a)
}
