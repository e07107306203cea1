package truemoney

import (
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// failureReasons is the one table that turns TrueMoney status codes into
// the contract's closed FailureReason set. Where TrueMoney's meaning gives
// no reason directly, the comment says what was chosen.
//
// FAILURE_REASON_UNSPECIFIED marks codes that mean the outcome is not
// known: they are answered UNKNOWN, because a wallet still processing a
// payment, or one that failed on its side, may yet take the money.
//
// A code missing here is answered UNKNOWN too, unless the payment it is
// about is reported FAILED: TrueMoney has no separate status letter that
// would say an unlisted code is a decline, and a decline wrongly assumed
// leaves money taken without a sale. With the payment FAILED it is a decline
// without a known reason, DO_NOT_HONOUR as the contract asks.
var failureReasons = map[string]schemev1.FailureReason{
	// Outcome not known: resolve by inquiry, void, refund.
	StatusSystemError:            schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	StatusTransactionInProcess:   schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	StatusRequestTrafficExceeded: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	// The client renews a rejected token and resends once; rejected again,
	// the call is answered UNKNOWN before it gets here. Listed so that the
	// codes cannot turn into declines by another path.
	StatusAccessTokenInvalid: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	StatusAccessTokenExpired: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,

	// Declines by the wallet.
	StatusInvalidPaymentCode:  schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
	StatusPaymentCodeExpired:  schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,
	StatusInsufficientBalance: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS,
	StatusRiskRejected:        schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,
	StatusUserLimitExceeded:   schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
	// Chosen: the wallet's own per-payment range (THB 1.00 to 30,000.00)
	// is about the amount, not the user, so RC 13 rather than 61.
	StatusAmountOutOfRange:     schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
	StatusCurrencyNotSupported: schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
	StatusTransactionDeclined:  schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	// Chosen: an order nobody paid in time is, to a terminal, a code that
	// expired (RC 54).
	StatusQROrderExpired: schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,

	// About the payment a call refers to.
	StatusDuplicateExternalRefID: schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH,
	StatusTransactionNotFound:    schemev1.FailureReason_FAILURE_REASON_NOT_FOUND,
	StatusTransactionVoided:      schemev1.FailureReason_FAILURE_REASON_CANCELLED,
	StatusVoidWindowExpired:      schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED,
	StatusRefundExceedsAmount:    schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT,
	// Chosen: the contract has no reason for "refunded already, cannot
	// void", "never paid, cannot refund" or "too late to refund"; the
	// gateway's cancel and refund paths see a plain decline.
	StatusVoidNotAllowed:      schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	StatusTransactionNotPaid:  schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	StatusRefundWindowExpired: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,

	// The partner's set-up at TrueMoney. Chosen: permission and client
	// problems are the acquirer's configuration, which to a terminal looks
	// like a merchant that is not enabled (RC 03).
	StatusMerchantNotRegistered:      schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	StatusNoPermission:               schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	StatusAccessTokenOfAnotherClient: schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,

	// The request as sent was refused. Chosen: a request TrueMoney refused
	// to authenticate is a request it did not read, so INVALID_REQUEST
	// (RC 30).
	StatusInvalidRequest:            schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusAuthorizationMissing:      schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusAuthorizationInvalid:      schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusTimestampMissing:          schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusTimestampInvalid:          schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusClientIDMissing:           schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusSignatureMissing:          schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusSignatureAlgorithmInvalid: schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	StatusSignatureInvalid:          schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
}

// statusResult turns the status of a call that did not succeed into the
// contract's Result. paymentFailed says the answer reports its payment
// FAILED, which makes an unlisted code a decline.
func statusResult(st Status, paymentFailed bool) *schemev1.Result {
	out := &schemev1.Result{SchemeCode: contract.SchemeText(st.Code), Message: contract.SchemeText(st.Message)}
	reason, known := failureReasons[st.Code]
	switch {
	case st.Code == StatusSuccess:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	case known && reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	case known:
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, reason
	case paymentFailed:
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	default:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	return out
}

// payResult is the outcome of a payment-by-code call: SUCCESS only when the
// call succeeded and the payment says it is paid.
func payResult(resp *Response[Payment]) *schemev1.Result {
	paymentStatus := ""
	if resp.Data != nil {
		paymentStatus = resp.Data.PaymentStatus
	}
	out := statusResult(resp.Status, paymentStatus == PaymentStatusFailed)
	if out.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS && paymentStatus != PaymentStatusSuccess {
		// Accepted but not (yet) paid, or a status this package does not
		// know: either way not known to be paid.
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	return out
}

// inquiryResult turns an inquiry answer into the state of the payment. The
// call's status only says whether the inquiry itself worked: a failed
// inquiry says nothing about the payment, except that TrueMoney does not
// know it.
func inquiryResult(resp *Response[Payment]) *schemev1.Result {
	switch {
	case resp.Status.Code == StatusTransactionNotFound:
		return statusResult(resp.Status, false)
	case resp.Status.Code != StatusSuccess || resp.Data == nil:
		out := statusResult(resp.Status, false)
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
		return out
	}
	return paymentState(resp.Data)
}

// paymentState is the contract's view of a payment's status.
func paymentState(p *Payment) *schemev1.Result {
	out := &schemev1.Result{SchemeCode: contract.SchemeText(p.PaymentStatus)}
	switch p.PaymentStatus {
	case PaymentStatusSuccess, PaymentStatusRefunded, PaymentStatusPartialRefunded:
		// Refunds are separate operations; the payment itself was paid.
		out.Status = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	case PaymentStatusFailed:
		// FAILED is final whatever its code says; a code that would mean
		// "not known" cannot undo that.
		reason := failureReasons[p.FailureCode]
		if reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
			reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
		}
		out.Status, out.Reason, out.SchemeCode = schemev1.ResultStatus_RESULT_STATUS_FAILURE, reason, contract.SchemeText(p.FailureCode)
	case PaymentStatusVoided:
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CANCELLED
	case PaymentStatusExpired:
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED
		if p.FailureCode != "" {
			out.SchemeCode = contract.SchemeText(p.FailureCode)
		}
	case PaymentStatusPending:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_PENDING
	default:
		// PROCESSING, or a status this package does not know.
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	return out
}

// voidResult is the outcome of a void: SUCCESS when the payment ended up
// unable to take money, or returned it.
func voidResult(resp *Response[Payment]) *schemev1.Result {
	out := statusResult(resp.Status, false)
	if out.Status != schemev1.ResultStatus_RESULT_STATUS_SUCCESS || resp.Data == nil {
		return out
	}
	switch resp.Data.PaymentStatus {
	case PaymentStatusVoided, PaymentStatusFailed, PaymentStatusExpired:
	default:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
		out.Message = contract.SchemeText("void answered with payment status " + resp.Data.PaymentStatus)
	}
	return out
}
