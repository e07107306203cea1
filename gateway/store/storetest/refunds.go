package storetest

import (
	"errors"
	"sync"
	"testing"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func testRefundNotApproved(t *testing.T, s payment.Store) {
	for _, state := range []payment.State{payment.StatePending, payment.StateUnknown, payment.StateDeclined, payment.StateCancelled} {
		p := newPurchase("M1", 1000)
		p.State = state
		mustCreate(t, s, p)
		r := newRefund(p, 100)
		if err := s.CreateAttempt(t.Context(), r); !errors.Is(err, payment.ErrNotRefundable) {
			t.Errorf("refund of a %s purchase = %v, want ErrNotRefundable", state, err)
		}
	}
	// A refund's original must be a purchase.
	p := approvedPurchase(t, s, 1000)
	r := newRefund(p, 100)
	mustCreate(t, s, r)
	mustMove(t, s, r, payment.StateApproved, "refund_result")
	if err := s.CreateAttempt(t.Context(), newRefund(r, 10)); !errors.Is(err, payment.ErrNotRefundable) {
		t.Errorf("refund of a refund = %v, want ErrNotRefundable", err)
	}
}

func testRefundUnknownOriginal(t *testing.T, s payment.Store) {
	ghost := newPurchase("M1", 1000)
	r := newRefund(ghost, 100)
	if err := s.CreateAttempt(t.Context(), r); !errors.Is(err, payment.ErrNotRefundable) {
		t.Errorf("refund of an attempt not stored = %v, want ErrNotRefundable", err)
	}
	if _, err := s.Attempt(t.Context(), r.ID); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("the refused refund was stored: %v", err)
	}
}

func testRefundExact(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	for _, minor := range []int64{250, 250, 499, 1} {
		mustCreate(t, s, newRefund(p, minor))
	}
	over := newRefund(p, 1)
	if err := s.CreateAttempt(t.Context(), over); !errors.Is(err, payment.ErrRefundExceeds) {
		t.Fatalf("refund past the amount = %v, want ErrRefundExceeds", err)
	}
	if over.RRN != "" {
		t.Errorf("RRN %q set on a refused refund", over.RRN)
	}
	q := approvedPurchase(t, s, 1000)
	if err := s.CreateAttempt(t.Context(), newRefund(q, 1001)); !errors.Is(err, payment.ErrRefundExceeds) {
		t.Errorf("one refund larger than the purchase = %v, want ErrRefundExceeds", err)
	}
	mustCreate(t, s, newRefund(q, 1000))
}

func testRefundDeclinedReleases(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	declined := newRefund(p, 600)
	mustCreate(t, s, declined)
	pending := newRefund(p, 400)
	mustCreate(t, s, pending)
	if err := s.CreateAttempt(t.Context(), newRefund(p, 600)); !errors.Is(err, payment.ErrRefundExceeds) {
		t.Fatalf("refund while pending ones hold the amount = %v, want ErrRefundExceeds", err)
	}
	mustMove(t, s, declined, payment.StateDeclined, "refund_result")
	mustCreate(t, s, newRefund(p, 600))
	mustMove(t, s, pending, payment.StateUnknown, "refund_unknown")
	if err := s.CreateAttempt(t.Context(), newRefund(p, 1)); !errors.Is(err, payment.ErrRefundExceeds) {
		t.Errorf("refund while an unknown one holds the rest = %v, want ErrRefundExceeds", err)
	}
}

func testRefundRepeat(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	full := newRefund(p, 1000)
	mustCreate(t, s, full)
	repeat := newRefund(p, 1000)
	repeat.Key = full.Key
	if err := s.CreateAttempt(t.Context(), repeat); !errors.Is(err, payment.ErrDuplicate) {
		t.Errorf("repeat of a full refund = %v, want ErrDuplicate", err)
	}
}

func testRefundConcurrent(t *testing.T, s payment.Store) {
	const amount, part, tries = 1000, 50, 50 // room for 20 of the 50
	p := approvedPurchase(t, s, amount)
	errs := make([]error, tries)
	var wg sync.WaitGroup
	for i := range tries {
		wg.Go(func() { errs[i] = s.CreateAttempt(t.Context(), newRefund(p, part)) })
	}
	wg.Wait()
	accepted := 0
	for _, err := range errs {
		switch {
		case err == nil:
			accepted++
		case !errors.Is(err, payment.ErrRefundExceeds):
			t.Errorf("concurrent refund: %v", err)
		}
	}
	if accepted != amount/part {
		t.Errorf("%d refunds of %d accepted on a purchase of %d, want %d", accepted, part, amount, amount/part)
	}
}

func testRefundedMinor(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	if got, err := s.RefundedMinor(t.Context(), p.ID); err != nil || got != 0 {
		t.Fatalf("RefundedMinor with no refund = %d, %v; want 0", got, err)
	}
	states := map[int64]payment.State{
		100: payment.StateApproved, 200: payment.StateApproved, 30: payment.StatePending,
		40: payment.StateUnknown, 50: payment.StateDeclined,
	}
	for minor, state := range states {
		r := newRefund(p, minor)
		mustCreate(t, s, r)
		if state != payment.StatePending {
			mustMove(t, s, r, state, "refund_result")
		}
	}
	other := approvedPurchase(t, s, 1000)
	r := newRefund(other, 999)
	mustCreate(t, s, r)
	mustMove(t, s, r, payment.StateApproved, "refund_result")
	if got, err := s.RefundedMinor(t.Context(), p.ID); err != nil || got != 300 {
		t.Errorf("RefundedMinor = %d, %v; want 300 (approved only)", got, err)
	}
	if _, err := s.RefundedMinor(t.Context(), "no-such-purchase"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("RefundedMinor of a purchase not stored = %v, want ErrNotFound", err)
	}
}

func testRefundedWallet(t *testing.T, s payment.Store) {
	p := approvedPurchase(t, s, 1000)
	if a, h, err := s.RefundedWallet(t.Context(), p.ID); err != nil || a != 0 || h != 0 {
		t.Fatalf("RefundedWallet with no refund = %d, %d, %v; want 0, 0", a, h, err)
	}
	// Merchant amount → wallet amount of each refund, and its state.
	for _, r := range []struct {
		minor, wallet int64
		state         payment.State
	}{
		{100, 831, payment.StateApproved}, {200, 1661, payment.StateApproved},
		{30, 250, payment.StatePending}, {50, 416, payment.StateDeclined},
	} {
		ref := newRefund(p, r.minor)
		ref.WalletAmount = payment.Money{Minor: r.wallet, Currency: "CNY"}
		mustCreate(t, s, ref)
		if r.state != payment.StatePending {
			mustMove(t, s, ref, r.state, "refund_result")
		}
	}
	if a, h, err := s.RefundedWallet(t.Context(), p.ID); err != nil || a != 2492 || h != 2742 {
		t.Errorf("RefundedWallet = %d, %d, %v; want 2492 approved, 2742 held (approved and pending)", a, h, err)
	}
	if _, _, err := s.RefundedWallet(t.Context(), "no-such-purchase"); !errors.Is(err, payment.ErrNotFound) {
		t.Errorf("RefundedWallet of a purchase not stored = %v, want ErrNotFound", err)
	}
}
