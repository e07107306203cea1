package payment

import (
	"errors"
	"testing"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// declineReasons is the closed set of reasons a declined attempt may carry,
// plus the two that steer the engine (cancel and refund handling).
var declineReasons = map[Reason]bool{
	ReasonDoNotHonour: true, ReasonInsufficientFunds: true, ReasonCodeExpired: true,
	ReasonRiskDeclined: true, ReasonLimitExceeded: true, ReasonInvalidCode: true,
	ReasonInvalidAmount: true, ReasonNotFound: true, ReasonMerchantDisabled: true,
	ReasonInvalidRequest: true, ReasonKeyMismatch: true,
	reasonCancelWindowClosed: true, reasonCancelled: true,
}

func TestClassify(t *testing.T) {
	t.Parallel()

	t.Run("every failure reason of the contract maps to a reason the engine knows", func(t *testing.T) {
		t.Parallel()
		for value, name := range schemev1.FailureReason_name {
			fr := schemev1.FailureReason(value)
			o, reason := classify(&schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_FAILURE, Reason: fr}, nil)
			if o != outcomeFailure {
				t.Errorf("%s: outcome %s, want failure", name, o)
			}
			if !declineReasons[reason] {
				t.Errorf("%s: reason %q is not one the engine knows", name, reason)
			}
			if _, listed := reasons[fr]; !listed && fr != schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED {
				t.Errorf("%s has no entry in the reasons table; a new contract value must be mapped on purpose", name)
			}
		}
	})

	t.Run("each failure reason maps to the engine reason its meaning names", func(t *testing.T) {
		t.Parallel()
		want := map[schemev1.FailureReason]Reason{
			schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED:            ReasonDoNotHonour,
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
		if len(want) != len(schemev1.FailureReason_name) {
			t.Fatalf("this table lists %d reasons, the contract %d", len(want), len(schemev1.FailureReason_name))
		}
		for fr, w := range want {
			if got := reasonOf(fr); got != w {
				t.Errorf("reasonOf(%s) = %q, want %q", fr, got, w)
			}
		}
		if got := reasonOf(schemev1.FailureReason(9999)); got != ReasonDoNotHonour {
			t.Errorf("a reason from a newer contract maps to %q, want do_not_honour", got)
		}
	})

	t.Run("a success is a success with no reason", func(t *testing.T) {
		t.Parallel()
		o, reason := classify(&schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS,
			Reason: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS}, nil)
		if o != outcomeSuccess || reason != ReasonNone {
			t.Errorf("classify(success) = %s, %q; want success, none", o, reason)
		}
	})

	unknowns := []struct {
		name   string
		result *schemev1.Result
		err    error
	}{
		{"a transport error is unknown even with a success result", &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS}, errors.New("connection reset")},
		{"a transport error is unknown even with a failure result", &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_FAILURE, Reason: schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS}, errors.New("deadline exceeded")},
		{"a transport error without a result is unknown", nil, errors.New("unavailable")},
		{"a missing result is unknown", nil, nil},
		{"an unknown status is unknown", &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_UNKNOWN}, nil},
		{"an unspecified status is unknown", &schemev1.Result{}, nil},
		{"a status from a newer contract is unknown", &schemev1.Result{Status: schemev1.ResultStatus(42)}, nil},
	}
	for _, c := range unknowns {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if o, reason := classify(c.result, c.err); o != outcomeUnknown || reason != ReasonNone {
				t.Errorf("classify = %s, %q; want unknown, none", o, reason)
			}
		})
	}

	t.Run("the outcomes are named for metrics", func(t *testing.T) {
		t.Parallel()
		for o, want := range map[outcome]string{outcomeSuccess: "success", outcomeFailure: "failure", outcomeUnknown: "unknown"} {
			if got := o.String(); got != want {
				t.Errorf("outcome(%d).String() = %q, want %q", int(o), got, want)
			}
		}
	})
}

func TestStateFinal(t *testing.T) {
	t.Parallel()
	final := map[State]bool{
		StatePending: false, StateUnknown: false, StateCancelPending: false, StateRefundPending: false,
		StateApproved: true, StateDeclined: true, StateCancelled: true, StateRefunded: true,
	}
	for s, want := range final {
		if got := s.Final(); got != want {
			t.Errorf("%s.Final() = %v, want %v", s, got, want)
		}
	}
}
