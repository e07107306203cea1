package payment

import (
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// outcome is a scheme answer reduced to what the engine decides on.
type outcome int

const (
	outcomeUnknown outcome = iota
	outcomeSuccess
	outcomeFailure
)

func (o outcome) String() string {
	switch o {
	case outcomeSuccess:
		return "success"
	case outcomeFailure:
		return "failure"
	}
	return "unknown"
}

// classify reduces a call's result and transport error. A transport error,
// a missing result or an unspecified status is unknown: the money may have
// moved, so only an explicit answer is believed.
func classify(r *schemev1.Result, err error) (outcome, Reason) {
	if err != nil || r == nil {
		return outcomeUnknown, ReasonNone
	}
	switch r.GetStatus() {
	case schemev1.ResultStatus_RESULT_STATUS_SUCCESS:
		return outcomeSuccess, ReasonNone
	case schemev1.ResultStatus_RESULT_STATUS_FAILURE:
		return outcomeFailure, reasonOf(r.GetReason())
	}
	return outcomeUnknown, ReasonNone
}

// reasons maps the contract's closed set of failure reasons to the engine's.
var reasons = map[schemev1.FailureReason]Reason{
	schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR:          ReasonDoNotHonour,
	schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS:     ReasonInsufficientFunds,
	schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED:           ReasonCodeExpired,
	schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED:          ReasonRiskDeclined,
	schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED:         ReasonLimitExceeded,
	schemev1.FailureReason_FAILURE_REASON_INVALID_CODE:           ReasonInvalidCode,
	schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT:         ReasonInvalidAmount,
	schemev1.FailureReason_FAILURE_REASON_NOT_FOUND:              ReasonNotFound,
	schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED:   reasonCancelWindowClosed,
	schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT: ReasonInvalidAmount,
	schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH:   ReasonKeyMismatch,
	schemev1.FailureReason_FAILURE_REASON_CANCELLED:              reasonCancelled,
	schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED:   ReasonMerchantDisabled,
	schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST:        ReasonInvalidRequest,
}

// Reasons that steer the engine but never end up on a declined attempt.
const (
	reasonCancelWindowClosed Reason = "cancel_window_closed"
	reasonCancelled          Reason = "cancelled"
)

func reasonOf(r schemev1.FailureReason) Reason {
	if x, ok := reasons[r]; ok {
		return x
	}
	return ReasonDoNotHonour
}
