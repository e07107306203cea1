package payment_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// Money safety 1: a payment attempt is durable in the journal before any
// call that can move money is sent.
func TestIntentIsJournaledBeforeAnyEffect(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a purchase whose intent cannot be journaled is refused with ErrSystem and never sent to the wallet", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{StoreBusyTimeout: 50 * time.Millisecond})
		key := h.NextKey()

		unlock := lockDatabase(t, h.DBPath)
		a, err := h.Engine.Purchase(ctx, purchaseRequest(key, 1000))
		unlock()
		if !errors.Is(err, payment.ErrSystem) || a != nil {
			t.Fatalf("Purchase with the journal locked = %v, %v; want nil, ErrSystem", a, err)
		}
		if n := len(h.Sim.Ledger().Payments()); n != 0 {
			t.Fatalf("the wallet saw %d payments of a request that was never journaled", n)
		}
		if _, err := h.Store.AttemptByKey(ctx, payment.KindPurchase, key); !errors.Is(err, payment.ErrNotFound) {
			t.Fatalf("AttemptByKey after the failed intent: %v, want ErrNotFound", err)
		}

		// With the journal writable again the terminal's repeat goes through.
		a, err = h.Engine.Purchase(ctx, purchaseRequest(key, 1000))
		if err != nil {
			t.Fatalf("Purchase once the journal works: %v", err)
		}
		checkApproved(t, h, a, 1000)
		if n := len(h.Sim.Ledger().Payments()); n != 1 {
			t.Errorf("the wallet holds %d payments, want 1", n)
		}
	})

	t.Run("a purchase on a closed store is refused with ErrSystem and never sent to the wallet", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		if err := h.Store.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		a, err := h.Purchase(t, 1000)
		if !errors.Is(err, payment.ErrSystem) || a != nil {
			t.Fatalf("Purchase on a closed store = %v, %v; want nil, ErrSystem", a, err)
		}
		if n := len(h.Sim.Ledger().Payments()); n != 0 {
			t.Errorf("the wallet saw %d payments", n)
		}
	})

	t.Run("a purchase whose outcome cannot be journaled is answered ErrSystem and cancelled by the resolver", func(t *testing.T) {
		t.Parallel()
		// The 93 rule holds the pay call for the whole pay timeout, which
		// leaves time to lock the journal between intent and outcome.
		h := newHarness(t, harnessOptions{StoreBusyTimeout: 50 * time.Millisecond, SlowDelay: 20 * time.Second})
		key := h.NextKey()
		type result struct {
			a   *payment.Attempt
			err error
		}
		done := make(chan result, 1)
		go func() {
			a, err := h.Engine.Purchase(ctx, purchaseRequest(key, 1093))
			done <- result{a, err}
		}()
		intent := h.waitStored(t, payment.KindPurchase, key)
		unlock := lockDatabase(t, h.DBPath)
		r := <-done
		unlock()
		if !errors.Is(r.err, payment.ErrSystem) || r.a != nil {
			t.Fatalf("Purchase with the outcome not journaled = %v, %v; want nil, ErrSystem", r.a, r.err)
		}
		if stored := h.Stored(t, intent.ID); stored.State.Final() {
			t.Fatalf("stored as %s right after the failure; the resolver must still own it", stored.State)
		}
		final := h.WaitFinal(t, intent.ID)
		if final.State != payment.StateCancelled {
			t.Errorf("final state %s (%s), want cancelled", final.State, final.Reason)
		}
		if p := h.Payment(t, intent.ID); p.Status != sim.StatusCancelled || p.Charges != 0 {
			t.Errorf("ledger payment %s with %d charges, want cancelled before any charge", p.Status, p.Charges)
		}
		h.CheckLedger(t)
	})
}
