package alipayplus

import (
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// failureReasons is the one table that turns Alipay+ result codes into the
// contract's closed FailureReason set. Codes come from the Alipay+ ACQP API
// reference (pay, inquiryPayment, cancelPayment, refund and the common
// codes). Where Alipay+ says nothing about a code's meaning for a terminal,
// the comment says what was chosen.
//
// FAILURE_REASON_UNSPECIFIED marks codes that mean the outcome is not known:
// they are answered UNKNOWN whatever resultStatus says, because a wallet
// still processing a payment may yet take the money.
//
// A code missing here that arrives with status F is a decline without a
// known reason, answered DO_NOT_HONOUR as the contract asks.
var failureReasons = map[string]schemev1.FailureReason{
	// Outcome not known: resolve by inquiry, cancel, refund.
	CodePaymentInProcess:          schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	CodeUnknownException:          schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,
	CodeRequestTrafficExceedLimit: schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED,

	// Declines by the wallet or by Alipay+.
	CodeUserBalanceNotEnough:     schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS,
	CodeExpiredCode:              schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,
	CodeInvalidCode:              schemev1.FailureReason_FAILURE_REASON_INVALID_CODE,
	CodeRiskReject:               schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,
	CodeUserAmountExceedLimit:    schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
	CodePaymentAmountExceedLimit: schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
	CodePaymentCountExceedLimit:  schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,
	CodeCurrencyNotSupport:       schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
	CodeProcessFail:              schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	// Chosen: these say the customer's account cannot pay now; no more
	// specific reason fits, and none of them is the merchant's fault.
	CodeUserNotExist:             schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	CodeUserStatusAbnormal:       schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	CodeUserKYCNotQualified:      schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	CodeUserPaymentVerifyFailed:  schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	CodeUnavailablePaymentMethod: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	CodeRegulationRestriction:    schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,
	// Chosen: the contract has no refund-window reason; the gateway's refund
	// path sees a plain decline.
	CodeRefundWindowExceed: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,

	// About the payment a call refers to.
	CodeOrderNotExist:         schemev1.FailureReason_FAILURE_REASON_NOT_FOUND,
	CodeOrderIsClosed:         schemev1.FailureReason_FAILURE_REASON_CANCELLED,
	CodeCancelWindowExceed:    schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED,
	CodeRefundAmountExceed:    schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT,
	CodeRepeatReqInconsistent: schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH,

	// The acquirer's or merchant's set-up at Alipay+. Chosen: the client,
	// key and contract codes are the acquirer's configuration, which to a
	// terminal looks like a merchant that is not enabled (RC 03).
	CodeMerchantNotRegistered: schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	CodeBusinessNotSupport:    schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	CodeInvalidContract:       schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	CodeAccessDenied:          schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	CodeInvalidClient:         schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,
	CodeKeyNotFound:           schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED,

	// The request as sent was refused. Chosen: a signature Alipay+ rejects is
	// a request it refused to read, so INVALID_REQUEST (RC 30).
	CodeParamIllegal:           schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	CodeInvalidSignature:       schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	CodeMediaTypeNotAcceptable: schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	CodeMethodNotSupported:     schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	CodeNoInterfaceDef:         schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
	CodeInvalidAPI:             schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST,
}

// callResult turns the Result of a pay, cancel or refund call into the
// contract's Result.
func callResult(r Result) *schemev1.Result {
	out := &schemev1.Result{
		SchemeCode: contract.SchemeText(r.ResultCode),
		Message:    contract.SchemeText(r.ResultMessage),
	}
	reason, known := failureReasons[r.ResultCode]
	switch {
	case known && reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	case r.ResultStatus == ResultSuccess:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	case r.ResultStatus == ResultFailure:
		out.Status = schemev1.ResultStatus_RESULT_STATUS_FAILURE
		out.Reason = reason
		if !known {
			out.Reason = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
		}
	default:
		// "U", or anything Alipay+ does not define: not known.
		out.Status = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	}
	return out
}

// inquiryResult turns an inquiryPayment answer into the state of the payment.
// Its Result only says whether the inquiry itself worked; a failed inquiry
// says nothing about the payment, except that Alipay+ does not know it.
func inquiryResult(resp *InquiryPaymentResponse) *schemev1.Result {
	if resp.Result.ResultStatus != ResultSuccess {
		if resp.Result.ResultStatus == ResultFailure && resp.Result.ResultCode == CodeOrderNotExist {
			return callResult(resp.Result)
		}
		out := callResult(resp.Result)
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
		return out
	}
	payment := Result{ResultStatus: ResultUnknown}
	if resp.PaymentResult != nil {
		payment = *resp.PaymentResult
	}
	switch paymentStatus(resp) {
	case PaymentStatusProcessing:
		if resp.SimOrderStatus == SimOrderAwaitingCustomer {
			// An order code nobody has scanned: the scheme knows it waits.
			out := callResult(payment)
			out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_PENDING, schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
			return out
		}
		payment.ResultStatus = ResultUnknown
	case PaymentStatusSuccess:
		payment.ResultStatus = ResultSuccess
	case PaymentStatusFail:
		payment.ResultStatus = ResultFailure
	case PaymentStatusCancelled:
		out := callResult(payment)
		out.Status, out.Reason = schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CANCELLED
		return out
	default:
		payment.ResultStatus = ResultUnknown
	}
	return callResult(payment)
}

// paymentStatus reads PaymentStatus, or derives it from PaymentResult when a
// wallet sends only the latter (both forms appear in Alipay+'s references).
func paymentStatus(resp *InquiryPaymentResponse) string {
	if resp.PaymentStatus != "" {
		return resp.PaymentStatus
	}
	if resp.PaymentResult == nil {
		return PaymentStatusProcessing
	}
	switch resp.PaymentResult.ResultStatus {
	case ResultSuccess:
		return PaymentStatusSuccess
	case ResultFailure:
		return PaymentStatusFail
	}
	return PaymentStatusProcessing
}
