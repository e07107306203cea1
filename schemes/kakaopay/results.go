package kakaopay

import (
	"strconv"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// The tables below are the one place that turns KakaoPay's answers into the
// contract's closed FailureReason set: errorReasons for error codes,
// methodReasons for the payment method's result behind an approval failure
// (-780), and statusResults for the payment statuses of the order API.
// Where KakaoPay says nothing about what a value means for a terminal, the
// comment says what was chosen.

// errorReasons maps KakaoPay error codes. FAILURE_REASON_UNSPECIFIED marks
// codes after which the outcome is not known: they are answered UNKNOWN,
// because the payment may yet have been, or be, processed. A code missing
// here is a refusal without a known reason: DO_NOT_HONOUR, as the contract
// asks.
var errorReasons = map[int]schemev1.FailureReason{
	// Outcome not known: KakaoPay says to retry these.
	ErrCodeInternal:      schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	ErrCodeQuotaExceeded: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	ErrCodeMaintenance:   schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	// The payment changed between the adapter's look-up and its cancel (a
	// concurrent refund): nothing was cancelled, and the retry decides.
	ErrCodeCancelAvailableDiff: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,

	// Declines. The approval failure's reason is in methodReasons.
	ErrCodeApprovalFailure: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	ErrCodeInvalidBarcode:  schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
	// Chosen: an order that expired unpaid is, to the terminal, a QR code
	// that is no longer valid (RC 54).
	ErrCodePaymentExpired: schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,
	// Chosen: a cancel of a payment that never took money (declined, still
	// processing, an order paid or closed meanwhile) is a plain refusal.
	ErrCodeNotCancellable:   schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	ErrCodeAlreadyProcessed: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	// Chosen, as for Alipay+: the contract has no refund-window reason; the
	// gateway's refund path sees a plain decline.
	ErrCodeRefundWindowClosed: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,

	// About the payment a call refers to.
	ErrCodeNotFound:             schemev1.FailureReason_FAILURE_REASON_NOT_FOUND,
	ErrCodeAlreadyCancelled:     schemev1.FailureReason_FAILURE_REASON_CANCELLED,
	ErrCodeCancelWindowClosed:   schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED,
	ErrCodeCancelAmountExceeded: schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT,
	ErrCodeRequestInconsistent:  schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH,

	// The partner's set-up. Chosen, as for Alipay+: a secret or cid that
	// KakaoPay refuses is the acquirer's configuration, which to a terminal
	// looks like a merchant that is not enabled (RC 03).
	ErrCodeUnauthorized: schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	ErrCodeInvalidCID:   schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,

	// The request as sent was refused (RC 30).
	ErrCodeInvalidParameter: schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	ErrCodeInvalidHeader:    schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
}

// methodReasons maps Extras.MethodResultCode of an approval failure. A
// method code missing here leaves the approval failure's DO_NOT_HONOUR.
var methodReasons = map[string]schemev1.FailureReason{
	MethodInsufficientBalance: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS,
	MethodExpiredBarcode:      schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,
	MethodDeclined:            schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	MethodFDSDeclined:         schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,
	MethodLimitExceeded:       schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
	MethodInvalidBarcode:      schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
	// Chosen: KakaoPay's example, "a transaction is in progress, try again
	// later", is a decline of this attempt; nothing was charged.
	MethodUserLocked: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
}

// statusResult is what a payment status means to the gateway.
type statusResult struct {
	status schemev1.ResultStatus
	reason schemev1.FailureReason
}

// statusResults maps the statuses of the order API. A status missing here
// is UNKNOWN: never guess an outcome KakaoPay did not state.
var statusResults = map[string]statusResult{
	// Waiting for the customer to scan and pay (merchant-presented orders).
	StatusReady:        {schemev1.ResultStatus_RESULT_STATUS_PENDING, 0},
	StatusSendTMS:      {schemev1.ResultStatus_RESULT_STATUS_PENDING, 0},
	StatusOpenPayment:  {schemev1.ResultStatus_RESULT_STATUS_PENDING, 0},
	StatusSelectMethod: {schemev1.ResultStatus_RESULT_STATUS_PENDING, 0},
	StatusARSWaiting:   {schemev1.ResultStatus_RESULT_STATUS_PENDING, 0},
	// The customer has done their part and KakaoPay is approving: the money
	// may move at any moment, so the outcome is not known yet.
	StatusAuthPassword: {schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
	StatusIssuedSID:    {schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},

	// Paid. A part-cancelled payment is still paid: its refunds are records
	// of their own.
	StatusSuccessPayment:    {schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0},
	StatusPartCancelPayment: {schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0},

	StatusCancelPayment:    {schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CANCELLED},
	StatusFailAuthPassword: {schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
	// Chosen: the payment can no longer be completed; for an in-store QR
	// order that is its expiry (RC 54).
	StatusQuitPayment: {schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED},
	// The decline's reason, when the answer carries it, is in methodReasons.
	StatusFailPayment: {schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
}

// errorResult turns KakaoPay's refusal of a call into the contract's Result.
func errorResult(e *Error) *schemev1.Result {
	out := &schemev1.Result{
		SchemeCode: strconv.Itoa(e.ErrorCode),
		Message:    contract.SchemeText(e.ErrorMessage),
	}
	reason, known := errorReasons[e.ErrorCode]
	if !known {
		reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	}
	if e.ErrorCode == ErrCodeApprovalFailure && e.Extras != nil {
		out.SchemeCode = contract.SchemeText(out.SchemeCode + ":" + e.Extras.MethodResultCode)
		out.Message = contract.SchemeText(e.ErrorMessage + ": " + e.Extras.MethodResultMessage)
		if r, ok := methodReasons[e.Extras.MethodResultCode]; ok {
			reason = r
		}
	}
	if reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
		return out
	}
	out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, reason
	return out
}

// paymentStatusResult turns the status of a payment into the contract's
// Result. extras is the modelled reason of a FAIL_PAYMENT; actions are the
// payment's approvals and cancels, when known.
//
// A payment that was paid and then cancelled in full by refunds alone
// (every cancel carries a payload, which only Refund sends) is reported
// paid: KakaoPay calls it CANCEL_PAYMENT, but to the gateway the payment
// succeeded and its refunds are separate records. A cancel without a
// payload is the contract's Cancel, which voids the payment.
func paymentStatusResult(status string, extras *Extras, approvedAt string, actions []PaymentAction) *schemev1.Result {
	out := &schemev1.Result{SchemeCode: contract.SchemeText(status)}
	r, known := statusResults[status]
	if !known {
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
		return out
	}
	out.Status, out.Reason = r.status, r.reason
	switch status {
	case StatusFailPayment:
		if extras != nil {
			out.SchemeCode = contract.SchemeText(status + ":" + extras.MethodResultCode)
			out.Message = contract.SchemeText(extras.MethodResultMessage)
			if reason, ok := methodReasons[extras.MethodResultCode]; ok {
				out.Reason = reason
			}
		}
	case StatusCancelPayment:
		if approvedAt != "" && refundedOnly(actions) {
			out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0
		}
	}
	return out
}

// refundedOnly reports whether actions hold cancels and every one of them
// carries a payload (a refund key).
func refundedOnly(actions []PaymentAction) bool {
	cancels := 0
	for _, a := range actions {
		if a.PaymentActionType != ActionCancel {
			continue
		}
		if a.Payload == "" {
			return false
		}
		cancels++
	}
	return cancels > 0
}
