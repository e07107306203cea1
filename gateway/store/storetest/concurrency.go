package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// testConcurrentReconcile runs purchases, approvals, refunds and reads from
// many goroutines at once, then checks that the totals reconcile exactly:
// what each purchase had refunded is what its goroutine was told.
func testConcurrentReconcile(t *testing.T, s payment.Store) {
	const workers, purchases = 16, 8
	var wg sync.WaitGroup
	refunded := make([]map[string]int64, workers) // per worker: purchase ID -> refunds accepted
	for w := range workers {
		refunded[w] = map[string]int64{}
		wg.Go(func() {
			for i := range purchases {
				if err := reconcileOne(t, s, int64(100*(i+1)), refunded[w]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	for _, perWorker := range refunded {
		for id, want := range perWorker {
			got, err := s.RefundedMinor(t.Context(), id)
			if err != nil || got != want {
				t.Errorf("RefundedMinor %s = %d, %v; want %d", id, got, err, want)
			}
		}
	}
}

// reconcileOne approves a purchase of amount, refunds it in three tries of
// 40% (the third must exceed), and approves what was accepted.
func reconcileOne(t *testing.T, s payment.Store, amount int64, refunded map[string]int64) error {
	ctx := t.Context()
	p := newPurchase("M1", amount)
	if err := s.CreateAttempt(ctx, p); err != nil {
		return err
	}
	p.State = payment.StateApproved
	if err := s.UpdateAttempt(ctx, p, payment.Event{AttemptID: p.ID, At: base, Type: "pay_result"}); err != nil {
		return err
	}
	for try := range 3 {
		r := newRefund(p, amount*40/100)
		err := s.CreateAttempt(ctx, r)
		if try == 2 {
			if !errors.Is(err, payment.ErrRefundExceeds) {
				return errors.New("third refund of 40%: " + errString(err) + ", want ErrRefundExceeds")
			}
			continue
		}
		if err != nil {
			return err
		}
		r.State = payment.StateApproved
		if err := s.UpdateAttempt(ctx, r, payment.Event{AttemptID: r.ID, At: base, Type: "refund_result"}); err != nil {
			return err
		}
		refunded[p.ID] += r.Amount.Minor
		if _, err := s.AttemptByRRN(ctx, p.MerchantID, p.RRN); err != nil {
			return err
		}
	}
	return nil
}

func errString(err error) string {
	if err == nil {
		return "nil"
	}
	return err.Error()
}
