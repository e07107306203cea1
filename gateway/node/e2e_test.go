package node_test

// End-to-end tests of a whole gateway node: the node runs in-process on
// free loopback ports and is driven as terminals drive it, bytes over TCP
// with the POS client of gateway/terminal/pos. Each test checks the answer
// the terminal gets, what the wallet simulator's ledger says happened to
// the money, and what the gateway journaled. At the end of every test
// function the harness (internal/e2etest) waits until no attempt is left
// unfinished, reconciles every wallet payment with the journal, and checks
// that no wallet code was logged in full.
//
// The timings are short (budget 3s, simulator hold 4s, resolver every
// 100ms); no test asserts how long anything took, only what it ended as.

import (
	"context"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// TestWalletOutcomes drives every row of the simulators spec's amount table
// through the terminal interface.
func TestWalletOutcomes(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	t.Run("An ordinary amount is approved with RRN, approval code, wallet brand and scheme transaction id, echoing the request", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountApproved, h.Code())
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCApproved)
		wantEchoed(t, req, resp, financialEcho...)
		if len(resp.RRN) != 12 {
			t.Errorf("DE 37 RRN %q, want 12 characters", resp.RRN)
		}
		if len(resp.ApprovalCode) != 6 {
			t.Errorf("DE 38 approval code %q, want 6 characters", resp.ApprovalCode)
		}
		brand, ok := resp.PrivateData.Get(wire.TagWalletBrand)
		if !ok || brand != "Alipay" {
			t.Errorf("DE 48 tag 10 wallet brand %q (present %t), want Alipay for a code starting 28", brand, ok)
		}
		txn, ok := resp.PrivateData.Get(wire.TagSchemeTransactionID)
		if !ok || txn == "" {
			t.Errorf("DE 48 tag 11 scheme transaction id missing")
		}

		a := h.Attempt(t, payment.KindPurchase, req)
		if a.State != payment.StateApproved || a.RRN != resp.RRN || a.ApprovalCode != resp.ApprovalCode || a.SchemeTxnID != txn {
			t.Errorf("journal has %s RRN %q approval %q txn %q; the terminal got RRN %q approval %q txn %q",
				a.State, a.RRN, a.ApprovalCode, a.SchemeTxnID, resp.RRN, resp.ApprovalCode, txn)
		}
		p := h.Payment(t, a.ID)
		wantChargedOnce(t, p, amountApproved)
		if p.Currency != "EUR" || p.WalletTxnID != txn {
			t.Errorf("wallet payment in %s with id %s; want EUR, id %s (DE 48 tag 11)", p.Currency, p.WalletTxnID, txn)
		}
	})

	declines := []struct {
		name   string
		amount int64
		rc     string
	}{
		{"An amount ending in 51 is declined for insufficient funds with RC 51", amountInsufficient, wire.RCInsufficientFunds},
		{"An amount ending in 54 is declined as an expired code with RC 54", amountExpired, wire.RCExpiredWalletCode},
		{"An amount ending in 05 is declined without reason with RC 05", amountDoNotHonour, wire.RCDoNotHonour},
		{"An amount ending in 59 is declined by the wallet's risk control with RC 59", amountRisk, wire.RCSuspectedFraud},
		{"An amount ending in 61 is declined over the wallet user's limit with RC 61", amountOverLimit, wire.RCExceedsAmountLimit},
	}
	for _, d := range declines {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			term, c := h.NewTerminal(t), h.Dial(t)
			req := term.Purchase(d.amount, h.Code())
			resp := e2etest.Do(t, c, req)
			wantRC(t, resp, d.rc)
			wantEchoed(t, req, resp, financialEcho...)
			if resp.ApprovalCode != "" {
				t.Errorf("a decline carries DE 38 approval code %q", resp.ApprovalCode)
			}
			a := h.Attempt(t, payment.KindPurchase, req)
			if a.State != payment.StateDeclined || a.RRN != resp.RRN {
				t.Errorf("journal has %s RRN %q, want declined RRN %q", a.State, a.RRN, resp.RRN)
			}
			p := h.Payment(t, a.ID)
			if p.Status != sim.StatusFailed || p.Charges != 0 {
				t.Errorf("wallet payment is %s charged %d times, want failed and never charged", p.Status, p.Charges)
			}
		})
	}

	t.Run("An amount ending in 91 is approved after inquiries and charged once", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountAfterInquiries, h.Code())
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCApproved)
		a := h.Attempt(t, payment.KindPurchase, req)
		if a.State != payment.StateApproved {
			t.Errorf("journal has %s, want approved", a.State)
		}
		p := h.Payment(t, a.ID)
		wantChargedOnce(t, p, amountAfterInquiries)
		if p.Inquiries < 3 || p.PayCalls != 1 {
			t.Errorf("wallet saw %d pay calls and %d inquiries; want 1 pay and at least 3 inquiries", p.PayCalls, p.Inquiries)
		}
		wantInOrder(t, eventTypes(h.Events(t, a.ID)), "intent", "pay_unknown", "inquire_result")
	})

	t.Run("An amount ending in 92 is answered 91 and the payment ends cancelled and never charged", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountInProcessForever, h.Code())
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCSchemeUnavailable)
		wantEchoed(t, req, resp, financialEcho...)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		if a.State != payment.StateCancelled || a.Reason != payment.ReasonTimeout {
			t.Errorf("the attempt ended %s (%s), want cancelled (timeout)", a.State, a.Reason)
		}
		p := h.Payment(t, a.ID)
		if p.Status != sim.StatusCancelled {
			t.Errorf("wallet payment is %s, want cancelled", p.Status)
		}
		wantUncharged(t, p)
	})

	t.Run("An amount ending in 93 is answered 91 and the payment ends cancelled, the wallet keeping nothing after its delay", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountSlow, h.Code())
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCSchemeUnavailable)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		if a.State != payment.StateCancelled && a.State != payment.StateRefunded {
			t.Errorf("the attempt ended %s (%s), want cancelled", a.State, a.Reason)
		}
		waitPastSettle(t, h, a.ID)
		p := h.Payment(t, a.ID)
		if p.Status != sim.StatusCancelled {
			t.Errorf("wallet payment is %s after its delay, want cancelled", p.Status)
		}
		wantUncharged(t, p)
	})

	t.Run("An amount ending in 96 is approved after the wallet's server error and charged exactly once", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountServerErrorOnce, h.Code())
		resp := e2etest.Do(t, c, req)
		wantRC(t, resp, wire.RCApproved)
		if len(resp.RRN) != 12 || resp.ApprovalCode == "" {
			t.Errorf("approval without RRN %q or approval code %q", resp.RRN, resp.ApprovalCode)
		}
		a := h.Attempt(t, payment.KindPurchase, req)
		if a.State != payment.StateApproved {
			t.Errorf("journal has %s, want approved", a.State)
		}
		wantChargedOnce(t, h.Payment(t, a.ID), amountServerErrorOnce)
	})

	t.Run("A merchant that does not take the code's scheme is answered 57 and the wallet never hears of it", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		term := &pos.Terminal{ID: e2etest.KakaoOnlyTerminalID, MerchantID: e2etest.KakaoOnlyMerchantID}
		req := term.Purchase(amountApproved, h.Code())
		wantRC(t, e2etest.Do(t, c, req), wire.RCSchemeNotEnabled)
		if _, err := h.Store().AttemptByKey(context.Background(), payment.KindPurchase, e2etest.KeyOf(req)); err == nil {
			t.Errorf("a refused purchase was journaled as an attempt")
		}
	})

	t.Run("An amount above the merchant's limit is answered 61 before any wallet call", func(t *testing.T) {
		t.Parallel()
		c := h.Dial(t)
		term := &pos.Terminal{ID: e2etest.LimitedTerminalID, MerchantID: e2etest.LimitedMerchantID}
		wantRC(t, e2etest.Do(t, c, term.Purchase(e2etest.LimitedMaxAmount+1, h.Code())), wire.RCExceedsAmountLimit)
		wantRC(t, e2etest.Do(t, c, term.Purchase(e2etest.LimitedMaxAmount, h.Code())), wire.RCApproved)
	})
}

// waitPastSettle waits until the simulator's hold of a slow (…93) payment
// has passed, so that a payment it was going to settle has settled.
func waitPastSettle(t *testing.T, h *e2etest.Harness, attemptID string) {
	t.Helper()
	p := h.Payment(t, attemptID)
	settle := p.SettleAt
	if settle.IsZero() {
		settle = p.CreatedAt.Add(e2etest.SlowDelay)
	}
	e2etest.Eventually(t, "the simulator's hold has passed", func() bool {
		return time.Now().After(settle.Add(100 * time.Millisecond))
	})
}
