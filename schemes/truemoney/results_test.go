package truemoney

import (
	"testing"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

const (
	rSuccess = schemev1.ResultStatus_RESULT_STATUS_SUCCESS
	rFailure = schemev1.ResultStatus_RESULT_STATUS_FAILURE
	rUnknown = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN
	rPending = schemev1.ResultStatus_RESULT_STATUS_PENDING
)

func TestEveryTableCodeGivesItsReasonOrUnknown(t *testing.T) {
	for code, reason := range failureReasons {
		got := statusResult(Status{Code: code}, false)
		if reason == schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
			if got.Status != rUnknown {
				t.Errorf("%s = %v, want UNKNOWN: the outcome of such a code is not known", code, got.Status)
			}
			continue
		}
		if got.Status != rFailure || got.Reason != reason || got.SchemeCode != code {
			t.Errorf("%s = %v/%v/%q, want FAILURE/%v", code, got.Status, got.Reason, got.SchemeCode, reason)
		}
	}
}

func TestEveryStatusCodeOfThePackageIsInTheTable(t *testing.T) {
	codes := []string{
		StatusSystemError, StatusAuthorizationMissing, StatusAuthorizationInvalid, StatusAccessTokenInvalid,
		StatusAccessTokenExpired, StatusNoPermission, StatusTimestampMissing, StatusTimestampInvalid,
		StatusClientIDMissing, StatusSignatureMissing, StatusSignatureAlgorithmInvalid, StatusSignatureInvalid,
		StatusAccessTokenOfAnotherClient, StatusInvalidRequest, StatusMerchantNotRegistered,
		StatusInvalidPaymentCode, StatusPaymentCodeExpired, StatusInsufficientBalance, StatusRiskRejected,
		StatusUserLimitExceeded, StatusAmountOutOfRange, StatusCurrencyNotSupported, StatusTransactionDeclined,
		StatusTransactionInProcess, StatusDuplicateExternalRefID, StatusTransactionNotFound,
		StatusTransactionVoided, StatusVoidWindowExpired, StatusVoidNotAllowed, StatusRefundExceedsAmount,
		StatusTransactionNotPaid, StatusRefundWindowExpired, StatusQROrderExpired, StatusRequestTrafficExceeded,
	}
	for _, code := range codes {
		if _, ok := failureReasons[code]; !ok {
			t.Errorf("status code %s has no row in the results table", code)
		}
	}
	if len(codes) != len(failureReasons) {
		t.Errorf("table has %d rows, the package names %d codes besides success", len(failureReasons), len(codes))
	}
}

func TestAmountRuleCodesMapToTheirResponseCodes(t *testing.T) {
	// The amount rule of spec/wallet-simulators.md and the limits, as the
	// simulator answers them.
	want := map[string]schemev1.FailureReason{
		StatusInsufficientBalance: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS, // 51
		StatusPaymentCodeExpired:  schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED,       // 54
		StatusTransactionDeclined: schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR,      // 05
		StatusRiskRejected:        schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED,      // 59
		StatusUserLimitExceeded:   schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED,     // 61
		StatusAmountOutOfRange:    schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,     // 13
	}
	for code, reason := range want {
		if failureReasons[code] != reason {
			t.Errorf("%s → %v, want %v", code, failureReasons[code], reason)
		}
	}
}

func TestPayResultIsSuccessOnlyWhenThePaymentSaysPaid(t *testing.T) {
	ok := Status{Code: StatusSuccess}
	cases := []struct {
		name   string
		in     Response[Payment]
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"paid", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "SUCCESS"}}, rSuccess, 0},
		{"success without data", Response[Payment]{Status: ok}, rUnknown, 0},
		{"success still processing", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "PROCESSING"}}, rUnknown, 0},
		{"success with a status unheard of", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "MAYBE"}}, rUnknown, 0},
		{"in process", Response[Payment]{Status: Status{Code: StatusTransactionInProcess}, Data: &Payment{PaymentStatus: "PROCESSING"}}, rUnknown, 0},
		{"system error", Response[Payment]{Status: Status{Code: StatusSystemError}}, rUnknown, 0},
		{"decline", Response[Payment]{Status: Status{Code: StatusRiskRejected}, Data: &Payment{PaymentStatus: "FAILED"}},
			rFailure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED},
		{"unlisted code, payment failed", Response[Payment]{Status: Status{Code: "039999"}, Data: &Payment{PaymentStatus: "FAILED"}},
			rFailure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"unlisted code, payment not said failed", Response[Payment]{Status: Status{Code: "039999"}}, rUnknown, 0},
		{"empty", Response[Payment]{}, rUnknown, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := payResult(&c.in)
			if got.Status != c.status || got.Reason != c.reason {
				t.Fatalf("payResult = %v/%v, want %v/%v", got.Status, got.Reason, c.status, c.reason)
			}
		})
	}
}

func TestInquiryResultReadsThePaymentNotTheCall(t *testing.T) {
	ok := Status{Code: StatusSuccess}
	cases := []struct {
		name   string
		in     Response[Payment]
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"paid", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "SUCCESS"}}, rSuccess, 0},
		{"partly refunded is still paid", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "PARTIAL_REFUNDED"}}, rSuccess, 0},
		{"refunded is still paid", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "REFUNDED"}}, rSuccess, 0},
		{"failed with its code", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "FAILED", FailureCode: StatusInsufficientBalance}},
			rFailure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS},
		{"failed with an unknown-outcome code is still failed", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "FAILED", FailureCode: StatusSystemError}},
			rFailure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"failed without code", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "FAILED"}},
			rFailure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"voided", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "VOIDED"}}, rFailure, schemev1.FailureReason_FAILURE_REASON_CANCELLED},
		{"expired order", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "EXPIRED"}}, rFailure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED},
		{"order awaiting the customer", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "PENDING"}}, rPending, 0},
		{"processing", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "PROCESSING"}}, rUnknown, 0},
		{"not found", Response[Payment]{Status: Status{Code: StatusTransactionNotFound}}, rFailure, schemev1.FailureReason_FAILURE_REASON_NOT_FOUND},
		{"inquiry refused", Response[Payment]{Status: Status{Code: StatusSignatureInvalid}}, rUnknown, 0},
		{"success without data", Response[Payment]{Status: ok}, rUnknown, 0},
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

func TestVoidResultIsSuccessOnlyForAPaymentThatCanNoLongerTakeMoney(t *testing.T) {
	ok := Status{Code: StatusSuccess}
	cases := []struct {
		name   string
		in     Response[Payment]
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"voided", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "VOIDED"}}, rSuccess, 0},
		{"failed anyway", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "FAILED"}}, rSuccess, 0},
		{"success but still paid", Response[Payment]{Status: ok, Data: &Payment{PaymentStatus: "SUCCESS"}}, rUnknown, 0},
		{"window closed", Response[Payment]{Status: Status{Code: StatusVoidWindowExpired}}, rFailure, schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED},
		{"refunded already", Response[Payment]{Status: Status{Code: StatusVoidNotAllowed}}, rFailure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{"system error", Response[Payment]{Status: Status{Code: StatusSystemError}}, rUnknown, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := voidResult(&c.in)
			if got.Status != c.status || got.Reason != c.reason {
				t.Fatalf("voidResult = %v/%v, want %v/%v", got.Status, got.Reason, c.status, c.reason)
			}
		})
	}
}
