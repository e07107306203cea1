package payment_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/store"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// Money safety 2 and 4: what is unknown at the end of the budget is answered
// at once and resolved in the background, retried durably until it ends.
func TestSchemeAdapterDown(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("a purchase while the adapter is down is answered within the budget, then cancelled once the adapter is back", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		h.StopAdapter()

		start := time.Now()
		a, err := h.Purchase(t, 1000)
		elapsed := time.Since(start)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		if a.State != payment.StateCancelPending || a.Reason != payment.ReasonTimeout {
			t.Fatalf("answer is %s (reason %q), want cancel_pending (timeout): the terminal gets 91", a.State, a.Reason)
		}
		if budget := h.Engine.Budget(); elapsed > budget+2*time.Second {
			t.Errorf("answered after %v, budget %v", elapsed, budget)
		}

		// The resolver keeps trying the cancel, durably, while the adapter
		// stays down.
		var stored *payment.Attempt
		eventually(t, "three failed cancel tries", func() (bool, string) {
			stored = h.Stored(t, a.ID)
			return stored.Tries >= 3, fmt.Sprintf("%s after %d tries", stored.State, stored.Tries)
		})
		if stored.State != payment.StateCancelPending {
			t.Fatalf("after %d failed tries the attempt is %s, want still cancel_pending", stored.Tries, stored.State)
		}
		if n := len(h.Sim.Ledger().Payments()); n != 0 {
			t.Fatalf("the wallet saw %d payments while its adapter was down", n)
		}

		h.StartAdapter(t)
		final := h.WaitFinal(t, a.ID)
		if final.State != payment.StateCancelled || final.Tries <= stored.Tries {
			t.Errorf("final state %s after %d tries, want cancelled after more than %d", final.State, final.Tries, stored.Tries)
		}
		if p := h.Payment(t, a.ID); p.Status != sim.StatusCancelled || p.Charges != 0 {
			t.Errorf("ledger payment %s with %d charges, want cancelled, never charged", p.Status, p.Charges)
		}
		h.CheckLedger(t)
	})

	t.Run("a refund while the adapter is down is answered unknown within the budget, then re-sent until the wallet approves it once", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		p := h.Approved(t, 2000)
		h.StopAdapter()

		r, err := h.Engine.Refund(ctx, refundRequest(h.NextKey(), p.RRN, 800))
		if err != nil {
			t.Fatalf("Refund: %v", err)
		}
		if r.State != payment.StateUnknown {
			t.Fatalf("refund answered %s, want unknown", r.State)
		}
		eventually(t, "two failed refund tries", func() (bool, string) {
			s := h.Stored(t, r.ID)
			return s.Tries >= 2 && s.State == payment.StateUnknown, fmt.Sprintf("%s after %d tries", s.State, s.Tries)
		})

		h.StartAdapter(t)
		final := h.WaitFinal(t, r.ID)
		if final.State != payment.StateApproved {
			t.Errorf("refund ends %s (%s), want approved", final.State, final.Reason)
		}
		refunded, err := h.Store.RefundedMinor(ctx, p.ID)
		if err != nil {
			t.Fatalf("RefundedMinor: %v", err)
		}
		if w := h.Payment(t, p.ID); w.Refunded != 800 || refunded != 800 {
			t.Errorf("refunded: wallet %d, gateway %d; want 800 each", w.Refunded, refunded)
		}
		h.CheckLedger(t)
	})
}

func newAttemptID(t *testing.T) string {
	t.Helper()
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// journal writes an attempt straight into the store, as the engine would
// have before the process stopped.
func journal(t *testing.T, st payment.Store, a *payment.Attempt) {
	t.Helper()
	if err := st.CreateAttempt(context.Background(), a); err != nil {
		t.Fatalf("CreateAttempt: %v", err)
	}
}

func purchaseAttempt(t *testing.T, h *harness, minor int64, state payment.State) *payment.Attempt {
	t.Helper()
	return &payment.Attempt{
		ID: newAttemptID(t), Kind: payment.KindPurchase, Key: h.NextKey(), MerchantID: merchantID,
		Scheme: schemeID, CodeMasked: walletcode.Mask(alipayCode), RequestHash: "crashed",
		Amount: payment.Money{Minor: minor, Currency: "EUR"}, State: state,
		// Due now: the crashed request's budget is long over.
		NextActionAt: time.Now().Add(-time.Second),
	}
}

// payAtWallet sends the pay of attempt a straight to the adapter, as the
// engine did before the process stopped.
func payAtWallet(t *testing.T, h *harness, a *payment.Attempt) {
	t.Helper()
	resp, err := h.Client.Pay(context.Background(), &schemev1.PayRequest{
		IdempotencyKey: a.ID,
		PaymentCode:    alipayCode,
		Amount:         &schemev1.Money{Currency: a.Amount.Currency, MinorUnits: a.Amount.Minor},
		Merchant:       &schemev1.MerchantInfo{MerchantId: merchantID, LegalName: "Café Test GmbH", Mcc: "5812", Country: "DE", City: "Berlin", TerminalId: terminalID},
	})
	if err != nil || resp.GetResult().GetStatus() != schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		t.Fatalf("Pay at the wallet = %v, %v; want success", resp, err)
	}
}

// restart closes the harness's store and starts a fresh engine on the same
// database file, as a new process would.
func restart(t *testing.T, h *harness) *store.SQLite {
	t.Helper()
	if err := h.Store.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	st := openStore(t, h.DBPath, 0)
	h.NewEngine(t, st)
	return st
}

func waitFinalIn(t *testing.T, st payment.Store, id string) *payment.Attempt {
	t.Helper()
	var a *payment.Attempt
	eventually(t, "attempt "+id+" final after the restart", func() (bool, string) {
		var err error
		if a, err = st.Attempt(context.Background(), id); err != nil {
			t.Fatalf("Attempt: %v", err)
		}
		return a.State.Final(), fmt.Sprintf("%s after %d tries", a.State, a.Tries)
	})
	return a
}

// Money safety 2: the resolution of an unknown outcome survives a restart.
func TestRestartRecovery(t *testing.T) {
	t.Parallel()

	t.Run("a purchase journaled and paid at the wallet before a crash is cancelled after the restart and the money returned", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		a := purchaseAttempt(t, h, 1500, payment.StatePending)
		journal(t, h.Store, a)
		payAtWallet(t, h, a)

		st := restart(t, h)
		final := waitFinalIn(t, st, a.ID)
		if final.State != payment.StateCancelled || final.Reason != payment.ReasonTimeout {
			t.Errorf("after the restart it ends %s (%s), want cancelled (timeout)", final.State, final.Reason)
		}
		if p := h.Payment(t, a.ID); p.Status != sim.StatusCancelled || p.Reversed != 1500 || p.Charges != 1 {
			t.Errorf("ledger payment %s, %d charges, %d returned; want cancelled with 1500 returned", p.Status, p.Charges, p.Reversed)
		}
		h.CheckLedger(t)
	})

	t.Run("a purchase journaled but never sent before a crash is cancelled after the restart and can no longer be charged", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		a := purchaseAttempt(t, h, 1500, payment.StateUnknown)
		journal(t, h.Store, a)

		st := restart(t, h)
		if final := waitFinalIn(t, st, a.ID); final.State != payment.StateCancelled {
			t.Errorf("after the restart it ends %s (%s), want cancelled", final.State, final.Reason)
		}
		if p := h.Payment(t, a.ID); p.Status != sim.StatusCancelled || p.Charges != 0 {
			t.Errorf("ledger payment %s with %d charges, want cancelled, never charged", p.Status, p.Charges)
		}
		// A pay request still on its way arrives too late to charge.
		resp, err := h.Client.Pay(context.Background(), &schemev1.PayRequest{IdempotencyKey: a.ID, PaymentCode: alipayCode,
			Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 1500}, Merchant: &schemev1.MerchantInfo{MerchantId: merchantID, TerminalId: terminalID}})
		if err != nil || resp.GetResult().GetStatus() == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
			t.Errorf("late pay after the cancel = %v, %v; want refused", resp, err)
		}
		h.CheckLedger(t)
	})

	t.Run("a full refund decided before a crash is sent after the restart", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		a := purchaseAttempt(t, h, 1700, payment.StateRefundPending)
		journal(t, h.Store, a)
		payAtWallet(t, h, a)

		st := restart(t, h)
		if final := waitFinalIn(t, st, a.ID); final.State != payment.StateRefunded {
			t.Errorf("after the restart it ends %s (%s), want refunded", final.State, final.Reason)
		}
		if p := h.Payment(t, a.ID); p.Refunded != 1700 {
			t.Errorf("ledger payment %s with %d refunded, want 1700", p.Status, p.Refunded)
		}
		h.CheckLedger(t)
	})

	t.Run("a refund left unknown by a crash is re-sent after the restart and refunds once", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{NoEngine: true})
		p := purchaseAttempt(t, h, 1800, payment.StateApproved)
		journal(t, h.Store, p)
		payAtWallet(t, h, p)
		r := &payment.Attempt{
			ID: newAttemptID(t), Kind: payment.KindRefund, Key: h.NextKey(), MerchantID: merchantID,
			Scheme: schemeID, CodeMasked: p.CodeMasked, RequestHash: "crashed-refund",
			Amount: payment.Money{Minor: 600, Currency: "EUR"}, State: payment.StateUnknown,
			OriginalID: p.ID, OriginalRRN: p.RRN, NextActionAt: time.Now().Add(-time.Second),
		}
		journal(t, h.Store, r)

		st := restart(t, h)
		if final := waitFinalIn(t, st, r.ID); final.State != payment.StateApproved {
			t.Errorf("after the restart the refund ends %s (%s), want approved", final.State, final.Reason)
		}
		refunded, err := st.RefundedMinor(context.Background(), p.ID)
		if err != nil {
			t.Fatalf("RefundedMinor: %v", err)
		}
		if w := h.Payment(t, p.ID); w.Refunded != 600 || refunded != 600 {
			t.Errorf("refunded: wallet %d, gateway %d; want 600 each", w.Refunded, refunded)
		}
		h.CheckLedger(t)
	})
}

// When the wallet's cancel window has passed, a payment that must not stand
// is refunded in full instead.
func TestCancelWindowClosed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{CancelWindow: time.Nanosecond})
	t.Cleanup(func() { h.CheckLedger(t) })
	ctx := context.Background()

	checkRefundedInFull := func(t *testing.T, a *payment.Attempt) {
		t.Helper()
		// Every step is due within RetryMax (250 ms) of the last; the 93
		// payment settles SlowDelay (3 s) after it was made.
		final := h.WaitFinalWithin(t, a.ID, 15*time.Second)
		if final.State != payment.StateRefunded {
			t.Fatalf("ends %s (%s), want refunded", final.State, final.Reason)
		}
		types := h.EventTypes(t, a.ID)
		if !contains(types, "cancel_result") || !contains(types, "refund_result") {
			t.Errorf("journal %v, want the refused cancel and the refund", types)
		}
		p := h.Payment(t, a.ID)
		if p.Status != sim.StatusPaid || p.Refunded != a.Amount.Minor || p.Reversed != 0 {
			t.Errorf("ledger payment %s, %d refunded, %d reversed; want paid and %d refunded", p.Status, p.Refunded, p.Reversed, a.Amount.Minor)
		}
		var records int
		for _, r := range h.Sim.Ledger().Refunds() {
			if r.PaymentRequestID == a.ID && r.Succeeded() {
				records++
				if r.MinorUnits != a.Amount.Minor {
					t.Errorf("refund record of %d, want %d", r.MinorUnits, a.Amount.Minor)
				}
			}
		}
		if records != 1 {
			t.Errorf("%d successful refund records, want 1", records)
		}
	}

	t.Run("a reversal past the cancel window refunds the purchase in full", func(t *testing.T) {
		t.Parallel()
		key := h.NextKey()
		p, err := h.Engine.Purchase(ctx, purchaseRequest(key, 3000))
		if err != nil || p.State != payment.StateApproved {
			t.Fatalf("Purchase = %v, %v; want approved", p, err)
		}
		if _, err := h.Engine.Reverse(ctx, reversalRequest(h.NextKey(), key, 3000)); err != nil {
			t.Fatalf("Reverse: %v", err)
		}
		checkRefundedInFull(t, p)
	})

	t.Run("a payment that settles after the budget and past the cancel window is refunded once it settles", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 3093)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		if a.State != payment.StateCancelPending {
			t.Fatalf("answer is %s, want cancel_pending", a.State)
		}
		checkRefundedInFull(t, a)
	})
}
