package kakaopay

import (
	"fmt"
	"testing"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

const (
	success = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	failure = schemev1.ResultStatus_RESULT_STATUS_FAILURE
	unknown = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	pending = schemev1.ResultStatus_RESULT_STATUS_PENDING

	noReason          = schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
	doNotHonour       = schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR
	insufficientFunds = schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS
	codeExpired       = schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED
	riskDeclined      = schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED
	limitExceeded     = schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED
	invalidCode       = schemev1.FailureReason_FAILURE_REASON_INVALID_CODE
	notFound          = schemev1.FailureReason_FAILURE_REASON_NOT_FOUND
	windowClosed      = schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED
	refundExceeds     = schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT
	mismatch          = schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH
	cancelled         = schemev1.FailureReason_FAILURE_REASON_CANCELLED
	notEnabled        = schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED
	invalidRequest    = schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST
)

func TestEveryErrorCodeHasOneMeaning(t *testing.T) {
	cases := []struct {
		code   int
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{ErrCodeInternal, unknown, noReason},
		{ErrCodeQuotaExceeded, unknown, noReason},
		{ErrCodeMaintenance, unknown, noReason},
		{ErrCodeCancelAvailableDiff, unknown, noReason},
		{ErrCodeApprovalFailure, failure, doNotHonour},
		{ErrCodeInvalidBarcode, failure, invalidCode},
		{ErrCodePaymentExpired, failure, codeExpired},
		{ErrCodeNotCancellable, failure, doNotHonour},
		{ErrCodeAlreadyProcessed, failure, doNotHonour},
		{ErrCodeRefundWindowClosed, failure, doNotHonour},
		{ErrCodeNotFound, failure, notFound},
		{ErrCodeAlreadyCancelled, failure, cancelled},
		{ErrCodeCancelWindowClosed, failure, windowClosed},
		{ErrCodeCancelAmountExceeded, failure, refundExceeds},
		{ErrCodeRequestInconsistent, failure, mismatch},
		{ErrCodeUnauthorized, failure, notEnabled},
		{ErrCodeInvalidCID, failure, notEnabled},
		{ErrCodeInvalidParameter, failure, invalidRequest},
		{ErrCodeInvalidHeader, failure, invalidRequest},
		{-799, failure, doNotHonour}, // not in the table: a decline without a known reason
	}
	if len(cases)-1 != len(errorReasons) {
		t.Fatalf("the test covers %d codes, the table holds %d", len(cases)-1, len(errorReasons))
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("error code %d", c.code), func(t *testing.T) {
			got := errorResult(&Error{HTTPStatus: 400, ErrorResponse: ErrorResponse{ErrorCode: c.code, ErrorMessage: "m"}})
			if got.Status != c.status || got.Reason != c.reason {
				t.Fatalf("= %v/%v, want %v/%v", got.Status, got.Reason, c.status, c.reason)
			}
			if got.SchemeCode != fmt.Sprint(c.code) {
				t.Fatalf("scheme code = %q", got.SchemeCode)
			}
		})
	}
}

func TestApprovalFailureIsClassifiedByTheMethodResult(t *testing.T) {
	cases := map[string]schemev1.FailureReason{
		MethodInsufficientBalance: insufficientFunds,
		MethodExpiredBarcode:      codeExpired,
		MethodDeclined:            doNotHonour,
		MethodFDSDeclined:         riskDeclined,
		MethodLimitExceeded:       limitExceeded,
		MethodUserLocked:          doNotHonour,
		MethodInvalidBarcode:      invalidCode,
		"SOMETHING_NEW":           doNotHonour,
	}
	if len(cases)-1 != len(methodReasons) {
		t.Fatalf("the test covers %d method codes, the table holds %d", len(cases)-1, len(methodReasons))
	}
	for method, want := range cases {
		t.Run(method, func(t *testing.T) {
			got := errorResult(&Error{HTTPStatus: 400, ErrorResponse: ErrorResponse{ErrorCode: ErrCodeApprovalFailure,
				ErrorMessage: "approval failure!", Extras: &Extras{MethodResultCode: method, MethodResultMessage: "why"}}})
			if got.Status != failure || got.Reason != want {
				t.Fatalf("= %v/%v, want FAILURE/%v", got.Status, got.Reason, want)
			}
			if got.SchemeCode != "-780:"+method || got.Message != "approval failure!: why" {
				t.Fatalf("scheme code %q, message %q", got.SchemeCode, got.Message)
			}
		})
	}
}

func TestEveryPaymentStatusHasOneMeaning(t *testing.T) {
	cases := []struct {
		status string
		result schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{StatusReady, pending, noReason},
		{StatusSendTMS, pending, noReason},
		{StatusOpenPayment, pending, noReason},
		{StatusSelectMethod, pending, noReason},
		{StatusARSWaiting, pending, noReason},
		{StatusAuthPassword, unknown, noReason},
		{StatusIssuedSID, unknown, noReason},
		{StatusSuccessPayment, success, noReason},
		{StatusPartCancelPayment, success, noReason},
		{StatusCancelPayment, failure, cancelled},
		{StatusFailAuthPassword, failure, doNotHonour},
		{StatusQuitPayment, failure, codeExpired},
		{StatusFailPayment, failure, doNotHonour},
		{"SOMETHING_NEW", unknown, noReason},
	}
	if len(cases)-1 != len(statusResults) {
		t.Fatalf("the test covers %d statuses, the table holds %d", len(cases)-1, len(statusResults))
	}
	for _, c := range cases {
		t.Run(c.status, func(t *testing.T) {
			got := paymentStatusResult(c.status, nil, "", nil)
			if got.Status != c.result || got.Reason != c.reason {
				t.Fatalf("= %v/%v, want %v/%v", got.Status, got.Reason, c.result, c.reason)
			}
		})
	}
}

func TestFailedPaymentTakesItsReasonFromTheModelledExtras(t *testing.T) {
	got := paymentStatusResult(StatusFailPayment, &Extras{MethodResultCode: MethodInsufficientBalance}, "", nil)
	if got.Status != failure || got.Reason != insufficientFunds || got.SchemeCode != "FAIL_PAYMENT:INSUFFICIENT_BALANCE" {
		t.Fatalf("= %v", got)
	}
}

func TestCancelledPaymentIsPaidWhenOnlyRefundsCancelledIt(t *testing.T) {
	payment := PaymentAction{AID: "A1", PaymentActionType: ActionPayment, Amount: 1000}
	refund := func(key string, won int64) PaymentAction {
		return PaymentAction{AID: "A-" + key, PaymentActionType: ActionCancel, Amount: won, Payload: key}
	}
	void := PaymentAction{AID: "A9", PaymentActionType: ActionCancel, Amount: 600}
	cases := []struct {
		name       string
		approvedAt string
		actions    []PaymentAction
		status     schemev1.ResultStatus
	}{
		{"refunded in full by two refunds", "2026-03-01T19:00:00", []PaymentAction{payment, refund("r1", 400), refund("r2", 600)}, success},
		{"voided after a partial refund", "2026-03-01T19:00:00", []PaymentAction{payment, refund("r1", 400), void}, failure},
		{"voided whole", "2026-03-01T19:00:00", []PaymentAction{payment, void}, failure},
		{"closed before it was paid", "", nil, failure},
		{"refund payloads but never approved", "", []PaymentAction{refund("r1", 400)}, failure},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := paymentStatusResult(StatusCancelPayment, nil, c.approvedAt, c.actions)
			if got.Status != c.status {
				t.Fatalf("= %v/%v, want %v", got.Status, got.Reason, c.status)
			}
			if c.status == failure && got.Reason != cancelled {
				t.Fatalf("reason = %v, want CANCELLED", got.Reason)
			}
		})
	}
}
