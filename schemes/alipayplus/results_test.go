package alipayplus

import (
	"testing"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

func TestEveryTableCodeWithStatusFailureGivesItsReason(t *testing.T) {
	for code, reason := range failureReasons {
		got := callResult(Result{ResultStatus: ResultFailure, ResultCode: code})
		if reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
			if got.Status != schemev1.ResultStatus_RESULT_STATUS_UNKNOWN {
				t.Errorf("%s with F = %v, want UNKNOWN: the outcome of such a code is not known", code, got.Status)
			}
			continue
		}
		if got.Status != schemev1.ResultStatus_RESULT_STATUS_FAILURE || got.Reason != reason || got.SchemeCode != code {
			t.Errorf("%s with F = %v/%v/%q, want FAILURE/%v", code, got.Status, got.Reason, got.SchemeCode, reason)
		}
	}
}

func TestCallResultStatuses(t *testing.T) {
	cases := []struct {
		name   string
		in     Result
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"success", Result{ResultStatus: "S", ResultCode: "SUCCESS"}, schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0},
		{"unknown", Result{ResultStatus: "U", ResultCode: "UNKNOWN_EXCEPTION"}, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"U with a decline code stays unknown", Result{ResultStatus: "U", ResultCode: "RISK_REJECT"}, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"in process with F is still unknown", Result{ResultStatus: "F", ResultCode: "PAYMENT_IN_PROCESS"}, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"unlisted decline", Result{ResultStatus: "F", ResultCode: "SOMETHING_NEW"}, schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"undefined status", Result{ResultStatus: "X", ResultCode: "SUCCESS"}, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"empty", Result{}, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := callResult(c.in)
			if got.Status != c.status || got.Reason != c.reason {
				t.Fatalf("callResult(%+v) = %v/%v, want %v/%v", c.in, got.Status, got.Reason, c.status, c.reason)
			}
		})
	}
}

func TestInquiryResultReadsThePaymentNotTheCall(t *testing.T) {
	ok := Result{ResultStatus: "S", ResultCode: "SUCCESS"}
	cases := []struct {
		name   string
		in     InquiryPaymentResponse
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"paid", InquiryPaymentResponse{Result: ok, PaymentStatus: "SUCCESS", PaymentResult: &ok},
			schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0},
		{"processing", InquiryPaymentResponse{Result: ok, PaymentStatus: "PROCESSING"},
			schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"failed", InquiryPaymentResponse{Result: ok, PaymentStatus: "FAIL", PaymentResult: &Result{ResultStatus: "F", ResultCode: "USER_BALANCE_NOT_ENOUGH"}},
			schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS},
		{"failed without a result", InquiryPaymentResponse{Result: ok, PaymentStatus: "FAIL"},
			schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"cancelled", InquiryPaymentResponse{Result: ok, PaymentStatus: "CANCELLED", PaymentResult: &Result{ResultStatus: "F", ResultCode: "ORDER_IS_CLOSED"}},
			schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_CANCELLED},
		{"status only in paymentResult", InquiryPaymentResponse{Result: ok, PaymentResult: &ok},
			schemev1.ResultStatus_RESULT_STATUS_SUCCESS, 0},
		{"not found", InquiryPaymentResponse{Result: Result{ResultStatus: "F", ResultCode: "ORDER_NOT_EXIST"}},
			schemev1.ResultStatus_RESULT_STATUS_FAILURE, schemev1.FailureReason_FAILURE_REASON_NOT_FOUND},
		{"inquiry refused says nothing of the payment", InquiryPaymentResponse{Result: Result{ResultStatus: "F", ResultCode: "ACCESS_DENIED"}},
			schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"inquiry unknown", InquiryPaymentResponse{Result: Result{ResultStatus: "U", ResultCode: "UNKNOWN_EXCEPTION"}},
			schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
		{"unknown payment status", InquiryPaymentResponse{Result: ok, PaymentStatus: "AUTH_SUCCESS"},
			schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := inquiryResult(&c.in)
			if got.Status != c.status || got.Reason != c.reason {
				t.Fatalf("inquiryResult = %v/%v, want %v/%v", got.Status, got.Reason, c.status, c.reason)
			}
		})
	}
}
