package conformance

import (
	"context"
	"errors"
	"fmt"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// refunded is the payment the refund check returns in parts.
const refunded int64 = 10000

func checkCancelInProcess(ctx context.Context, r *runner, _ *notes) error {
	if !r.caps.GetSupportsCancel() {
		return skip("the capabilities say supports_cancel is false")
	}
	req, resp, err := r.payNew(ctx, sandbox(92))
	if err != nil {
		return err
	}
	if err := r.want("Pay of an amount ending 92 (in process until cancelled)", resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_UNKNOWN); err != nil {
		return err
	}
	key := req.GetIdempotencyKey()
	if err := r.wantInquire(ctx, key, schemev1.ResultStatus_RESULT_STATUS_UNKNOWN); err != nil {
		return err
	}
	if err := r.cancelOK(ctx, key, "Cancel of the payment in process"); err != nil {
		return err
	}
	if err := r.wantCancelled(ctx, key, "after Cancel"); err != nil {
		return err
	}
	// The contract: an unpaid payment, once cancelled, can no longer be paid.
	again, err := r.pay(ctx, req)
	if err != nil {
		return err
	}
	if again.GetResult().GetStatus() == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		return errors.New("a repeat of the Pay after Cancel answered SUCCESS: a cancelled payment must never be paid")
	}
	if err := r.wantCancelled(ctx, key, "after the repeated Pay"); err != nil {
		return err
	}
	return r.cancelOK(ctx, key, "a repeat of the Cancel")
}

func checkCancelPaid(ctx context.Context, r *runner, _ *notes) error {
	if !r.caps.GetSupportsCancel() {
		return skip("the capabilities say supports_cancel is false")
	}
	req, resp, err := r.payNew(ctx, approved)
	if err != nil {
		return err
	}
	if err := r.want("Pay", resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	key := req.GetIdempotencyKey()
	if err := r.cancelOK(ctx, key, "Cancel of the paid payment"); err != nil {
		return err
	}
	if err := r.wantCancelled(ctx, key, "after Cancel"); err != nil {
		return err
	}
	if err := r.cancelOK(ctx, key, "a repeat of the Cancel"); err != nil {
		return err
	}
	if !r.caps.GetSupportsRefund() {
		return nil
	}
	refund, err := r.refund(ctx, r.newRefund(key, approved))
	if err != nil {
		return err
	}
	if refund.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_FAILURE {
		return fmt.Errorf("Refund after Cancel answered %s, want FAILURE: Cancel returned the money already",
			r.describe(refund.GetResult()))
	}
	return nil
}

func (r *runner) cancelOK(ctx context.Context, key, op string) error {
	resp, err := r.cancel(ctx, key)
	if err != nil {
		return err
	}
	return r.want(op, resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS)
}

func (r *runner) wantInquire(ctx context.Context, key string, want schemev1.ResultStatus) error {
	resp, err := r.inquire(ctx, key)
	if err != nil {
		return err
	}
	return r.want("Inquire", resp.GetResult(), want)
}

// wantCancelled inquires and expects FAILURE CANCELLED.
func (r *runner) wantCancelled(ctx context.Context, key, when string) error {
	resp, err := r.inquire(ctx, key)
	if err != nil {
		return err
	}
	return r.wantFailure("Inquire "+when, resp.GetResult(), schemev1.FailureReason_FAILURE_REASON_CANCELLED)
}

// refundStep is one refund of the refund check and what it must answer.
type refundStep struct {
	minorUnits int64
	// exceeds: the refund is more than remains and must fail.
	exceeds bool
}

func checkRefunds(ctx context.Context, r *runner, n *notes) error {
	if !r.caps.GetSupportsRefund() {
		return skip("the capabilities say supports_refund is false")
	}
	req, resp, err := r.payNew(ctx, refunded)
	if err != nil {
		return err
	}
	if err := r.want("Pay", resp.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	key := req.GetIdempotencyKey()
	steps := []refundStep{{3000, false}, {5000, false}, {2001, true}, {2000, false}, {1, true}}
	if !r.caps.GetSupportsPartialRefund() {
		n.add("supports_partial_refund is false: only full refunds were tried")
		steps = []refundStep{{refunded, false}, {refunded, true}}
	}
	if err := r.refundIdempotent(ctx, key, steps[0].minorUnits); err != nil {
		return err
	}
	for _, s := range steps[1:] {
		if !s.exceeds {
			if err := r.refundOK(ctx, key, s.minorUnits); err != nil {
				return err
			}
			continue
		}
		resp, err := r.refund(ctx, r.newRefund(key, s.minorUnits))
		if err != nil {
			return err
		}
		op := fmt.Sprintf("Refund of %d when less remains", s.minorUnits)
		if err := r.wantFailure(op, resp.GetResult(), schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT); err != nil {
			return err
		}
	}
	return nil
}

// refundIdempotent makes the first refund, repeats it (same key and
// content: the same refund), and repeats its key with another amount
// (IDEMPOTENCY_MISMATCH).
func (r *runner) refundIdempotent(ctx context.Context, paymentKey string, minorUnits int64) error {
	req := r.newRefund(paymentKey, minorUnits)
	first, err := r.refund(ctx, req)
	if err != nil {
		return err
	}
	if err := r.want(fmt.Sprintf("Refund of %d", minorUnits), first.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	again, err := r.refund(ctx, req)
	if err != nil {
		return err
	}
	if err := r.want("the repeated Refund (same key, same content)", again.GetResult(), schemev1.ResultStatus_RESULT_STATUS_SUCCESS); err != nil {
		return err
	}
	if first.GetSchemeRefundId() == "" || again.GetSchemeRefundId() != first.GetSchemeRefundId() {
		return fmt.Errorf("the repeated Refund answered scheme_refund_id %q, the first %q: a repeat must return the first refund",
			again.GetSchemeRefundId(), first.GetSchemeRefundId())
	}
	other := r.newRefund(paymentKey, minorUnits-1)
	other.RefundIdempotencyKey = req.GetRefundIdempotencyKey()
	resp, err := r.refund(ctx, other)
	if err != nil {
		return err
	}
	return r.wantFailure("Refund with the same key and another amount", resp.GetResult(),
		schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
}
