package payment_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func TestUnreachableAdapterIsAnsweredAtOnceWithNothingToUndo(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.StopAdapter()

	// The first purchases find the adapter silent: outcome unknown, so
	// they are cancelled. Enough of them open the adapter's circuit.
	var first *payment.Attempt
	for i := 0; i < 2; i++ {
		a, err := h.Purchase(t, 1000)
		if err != nil {
			t.Fatalf("Purchase %d: %v", i+1, err)
		}
		if first == nil {
			first = a
		}
		if a.State != payment.StateCancelPending && !(a.State == payment.StateDeclined && a.Reason == payment.ReasonUnavailable) {
			t.Fatalf("purchase %d with the adapter down is %s (%s), want cancel_pending or declined unavailable", i+1, a.State, a.Reason)
		}
	}
	if !h.Client.CircuitOpen() {
		t.Fatal("the circuit is still closed after purchases found the adapter down")
	}

	t.Run("with the circuit open a purchase is declined unavailable: it never left, so nothing is cancelled", func(t *testing.T) {
		a, err := h.Purchase(t, 1000)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		if a.State != payment.StateDeclined || a.Reason != payment.ReasonUnavailable {
			t.Fatalf("purchase is %s (%s), want declined unavailable (RC 91)", a.State, a.Reason)
		}
		if types := h.EventTypes(t, a.ID); types[len(types)-1] != "pay_not_sent" {
			t.Errorf("journal %v, want it to end pay_not_sent", types)
		}
	})

	t.Run("a refund of a purchase that never went through is refused before any call", func(t *testing.T) {
		_, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), first.RRN, 100))
		if err == nil {
			t.Fatal("refund of a purchase that is not approved was accepted")
		}
	})

	t.Run("once the adapter is back the cancelled purchases end cancelled and the wallet keeps nothing", func(t *testing.T) {
		h.StartAdapter(t)
		final := h.WaitFinal(t, first.ID)
		if final.State != payment.StateCancelled && final.State != payment.StateDeclined {
			t.Errorf("first purchase ended %s, want cancelled", final.State)
		}
		if n := len(h.Sim.Ledger().Payments()); n > 2 {
			t.Errorf("the wallet holds %d payments; at most the two sent while it was down (as placeholders)", n)
		}
		h.CheckLedger(t)
	})
}

func TestAttemptsPastTheGiveUpAgeAreFlaggedNotDropped(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{GiveUpAge: 300 * time.Millisecond})
	h.StopAdapter() // nothing can resolve it

	a, err := h.Purchase(t, 1000)
	if err != nil {
		t.Fatalf("Purchase: %v", err)
	}
	if a.State.Final() {
		t.Fatalf("purchase with the adapter down is already final: %s", a.State)
	}
	var stored *payment.Attempt
	eventually(t, "the attempt is flagged", func() (bool, string) {
		stored = h.Stored(t, a.ID)
		return !stored.FlaggedAt.IsZero(), fmt.Sprintf("%s, %d tries, not flagged", stored.State, stored.Tries)
	})
	if stored.State.Final() {
		t.Errorf("flagged attempt is %s; flagging must not pretend it is resolved", stored.State)
	}
	flagged, err := h.Store.FlaggedAttempts(context.Background(), 10)
	if err != nil || len(flagged) != 1 || flagged[0].ID != a.ID {
		t.Fatalf("FlaggedAttempts = %v, %v; want the one attempt", flagged, err)
	}
	tries := stored.Tries
	h.StartAdapter(t)
	time.Sleep(500 * time.Millisecond) // several resolver intervals
	if again := h.Stored(t, a.ID); again.Tries != tries || again.State != stored.State {
		t.Errorf("a flagged attempt was retried: %d tries and %s, was %d and %s", again.Tries, again.State, tries, stored.State)
	}
	if types := h.EventTypes(t, a.ID); types[len(types)-1] != "flagged_for_review" {
		t.Errorf("journal %v, want it to end flagged_for_review", types)
	}
}
