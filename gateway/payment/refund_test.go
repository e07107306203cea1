package payment_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func TestRefund(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	t.Cleanup(func() { h.CheckLedger(t) })
	ctx := context.Background()

	// refund refunds minor cents of the purchase with rrn under a fresh key.
	refund := func(rrn string, minor int64) (*payment.Attempt, error) {
		return h.Engine.Refund(ctx, refundRequest(h.NextKey(), rrn, minor))
	}
	// checkRefunded checks that the gateway and the wallet agree that total
	// of the purchase was refunded.
	checkRefunded := func(t *testing.T, purchase *payment.Attempt, total int64) {
		t.Helper()
		got, err := h.Store.RefundedMinor(ctx, purchase.ID)
		if err != nil {
			t.Fatalf("RefundedMinor: %v", err)
		}
		p := h.Payment(t, purchase.ID)
		if got != total || p.Refunded != total {
			t.Errorf("refunded: gateway %d, wallet %d; want %d", got, p.Refunded, total)
		}
		if stored := h.Stored(t, purchase.ID); stored.State != payment.StateApproved {
			t.Errorf("a refunded purchase is stored %s; a refund leaves it approved", stored.State)
		}
	}
	approvedRefund := func(t *testing.T, purchase *payment.Attempt, minor int64) *payment.Attempt {
		t.Helper()
		r, err := refund(purchase.RRN, minor)
		if err != nil {
			t.Fatalf("Refund(%d): %v", minor, err)
		}
		if r.State != payment.StateApproved || r.Kind != payment.KindRefund || r.OriginalID != purchase.ID ||
			r.OriginalRRN != purchase.RRN || r.Amount.Minor != minor || !approvalCodePattern.MatchString(r.ApprovalCode) {
			t.Fatalf("refund = %+v; want an approved refund of %d of %s", r, minor, purchase.ID)
		}
		if r.RRN == purchase.RRN || !rrnPattern.MatchString(r.RRN) {
			t.Errorf("refund RRN %q, want its own 12 digits", r.RRN)
		}
		if stored := h.Stored(t, r.ID); stored.State != payment.StateApproved || stored.SchemeTxnID == "" {
			t.Errorf("refund stored %s with scheme refund id %q, want approved with one", stored.State, stored.SchemeTxnID)
		}
		return r
	}

	t.Run("a full refund returns the whole amount", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		approvedRefund(t, p, 2000)
		checkRefunded(t, p, 2000)
	})

	t.Run("a partial refund returns part of the amount", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		approvedRefund(t, p, 500)
		checkRefunded(t, p, 500)
	})

	t.Run("partial refunds may add up to the amount and not a cent more", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		for _, minor := range []int64{500, 700, 800} {
			approvedRefund(t, p, minor)
		}
		if r, err := refund(p.RRN, 1); !errors.Is(err, payment.ErrInvalidAmount) {
			t.Fatalf("one cent above the amount = %v, %v; want ErrInvalidAmount", r, err)
		}
		checkRefunded(t, p, 2000)
	})

	t.Run("a refund above the amount is refused as an invalid amount", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		if r, err := refund(p.RRN, 2001); !errors.Is(err, payment.ErrInvalidAmount) || r != nil {
			t.Fatalf("Refund(2001 of 2000) = %v, %v; want nil, ErrInvalidAmount", r, err)
		}
		checkRefunded(t, p, 0)
	})

	t.Run("a refund of an unknown RRN is refused as original not found", func(t *testing.T) {
		t.Parallel()
		if r, err := refund("999999999999", 100); !errors.Is(err, payment.ErrOriginalNotFound) || r != nil {
			t.Fatalf("Refund of an unknown RRN = %v, %v; want nil, ErrOriginalNotFound", r, err)
		}
	})

	t.Run("a refund of another merchant's purchase is refused as original not found", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		req := refundRequest(h.KeyOf(otherTerminalID), p.RRN, 100)
		req.MerchantID = otherMerchantID
		if r, err := h.Engine.Refund(ctx, req); !errors.Is(err, payment.ErrOriginalNotFound) {
			t.Fatalf("Refund by another merchant = %v, %v; want ErrOriginalNotFound", r, err)
		}
		checkRefunded(t, p, 0)
	})

	t.Run("a refund of a declined purchase is refused as not supported", func(t *testing.T) {
		t.Parallel()
		p, err := h.Purchase(t, 2051)
		if err != nil || p.State != payment.StateDeclined {
			t.Fatalf("Purchase(2051) = %v, %v; want declined", p, err)
		}
		if r, err := refund(p.RRN, 100); !errors.Is(err, payment.ErrNotSupported) || r != nil {
			t.Fatalf("Refund of a declined purchase = %v, %v; want nil, ErrNotSupported", r, err)
		}
		// Other subtests refund at the same time; only this purchase's
		// refunds must be absent.
		for _, r := range h.Sim.Ledger().Refunds() {
			if r.PaymentRequestID == p.ID {
				t.Errorf("the wallet got a refund of a declined purchase: %+v", r)
			}
		}
	})

	t.Run("a refund in another currency than the purchase is refused", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		req := refundRequest(h.NextKey(), p.RRN, 100)
		req.Amount.Currency = "GBP"
		if r, err := h.Engine.Refund(ctx, req); !errors.Is(err, payment.ErrCurrency) {
			t.Fatalf("Refund in GBP = %v, %v; want ErrCurrency", r, err)
		}
		checkRefunded(t, p, 0)
	})

	t.Run("a repeated refund gets the first answer and refunds once", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 2000)
		req := refundRequest(h.NextKey(), p.RRN, 300)
		first, err := h.Engine.Refund(ctx, req)
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		again, err := h.Engine.Refund(ctx, req)
		if err != nil || again.ID != first.ID || again.ApprovalCode != first.ApprovalCode {
			t.Fatalf("repeat = %v, %v; want attempt %s", again, err, first.ID)
		}
		req.Amount.Minor = 400
		if _, err := h.Engine.Refund(ctx, req); !errors.Is(err, payment.ErrKeyMismatch) {
			t.Fatalf("repeat with another amount: %v, want ErrKeyMismatch", err)
		}
		checkRefunded(t, p, 300)
	})

	t.Run("concurrent refunds that together exceed the amount never refund more than was paid", func(t *testing.T) {
		t.Parallel()
		p := h.Approved(t, 1000)
		const callers, each = 10, 300
		var (
			wg                sync.WaitGroup
			mu                sync.Mutex
			approved, refused int
			unexpected        []error
			start             = make(chan struct{})
		)
		for range callers {
			wg.Go(func() {
				<-start
				r, err := refund(p.RRN, each)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && r.State == payment.StateApproved:
					approved++
				case errors.Is(err, payment.ErrInvalidAmount):
					refused++
				default:
					unexpected = append(unexpected, err)
				}
			})
		}
		close(start)
		wg.Wait()
		if len(unexpected) > 0 {
			t.Fatalf("unexpected answers: %v", unexpected)
		}
		if approved != 3 || refused != callers-3 {
			t.Errorf("%d approved and %d refused, want 3 and %d", approved, refused, callers-3)
		}
		checkRefunded(t, p, int64(approved*each))
		var wallet int64
		for _, r := range h.Sim.Ledger().Refunds() {
			if r.PaymentRequestID == p.ID && r.Succeeded() {
				wallet += r.MinorUnits
			}
		}
		if wallet > p.Amount.Minor || wallet != int64(approved*each) {
			t.Errorf("the wallet's refund records return %d of %d paid, gateway approved %d", wallet, p.Amount.Minor, approved*each)
		}
	})
}
