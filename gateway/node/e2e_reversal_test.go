package node_test

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// TestReversals checks 0400 reversals and 0420 reversal advices.
func TestReversals(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{InquiryInterval: inFlightInquiryInterval})

	// reverse sends a reversal (or advice) of orig and checks its answer.
	reverse := func(t *testing.T, term *pos.Terminal, c *pos.Client, orig *wire.Message, advice bool) (*wire.Message, *wire.Message) {
		t.Helper()
		req := term.Reversal(orig, advice)
		resp := e2etest.Do(t, c, req)
		wantEchoed(t, req, resp, financialEcho...)
		return req, resp
	}
	// wantReversed waits for the purchase to end cancelled and checks that
	// the wallet returned it in full, once.
	wantReversed := func(t *testing.T, purchase *wire.Message) *payment.Attempt {
		t.Helper()
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, purchase).ID)
		if a.State != payment.StateCancelled && a.State != payment.StateRefunded {
			t.Errorf("the reversed purchase ended %s (%s), want cancelled", a.State, a.Reason)
		}
		p := h.Payment(t, a.ID)
		if p.Status != sim.StatusCancelled && p.Refunded != p.MinorUnits {
			t.Errorf("the wallet payment is %s, want cancelled (or refunded in full)", p.Status)
		}
		wantUncharged(t, p)
		if n := countEvents(h.Events(t, a.ID), "reversal"); n != 1 {
			t.Errorf("the purchase's journal holds %d reversal events, want 1", n)
		}
		return a
	}

	for _, advice := range []bool{false, true} {
		mti, resp := "0400", "0410"
		if advice {
			mti, resp = "0420", "0430"
		}
		t.Run("A "+mti+" of an approved purchase is answered "+resp+" 00 and the wallet returns the payment in full", func(t *testing.T) {
			t.Parallel()
			term, c := h.NewTerminal(t), h.Dial(t)
			purchase, _ := approvedPurchase(t, h, term, c, amountApproved)
			_, rresp := reverse(t, term, c, purchase, advice)
			wantRC(t, rresp, wire.RCApproved)
			a := wantReversed(t, purchase)
			if a.Reason != payment.ReasonReversed {
				t.Errorf("the purchase's reason is %q, want %q", a.Reason, payment.ReasonReversed)
			}
			if p := h.Payment(t, a.ID); p.Charges != 1 || p.Reversed != amountApproved {
				t.Errorf("the wallet charged %d and reversed %d, want 1 charge of %d reversed", p.Charges, p.Reversed, amountApproved)
			}
		})

		t.Run("A repeat of a "+mti+" gets the same answer and reverses nothing twice", func(t *testing.T) {
			t.Parallel()
			term, c := h.NewTerminal(t), h.Dial(t)
			purchase, _ := approvedPurchase(t, h, term, c, amountApproved)
			req, first := reverse(t, term, c, purchase, advice)
			wantRC(t, first, wire.RCApproved)
			again := e2etest.Do(t, c, pos.Repeat(req))
			if want, _ := wire.ResponseMTI(req.MTI); again.MTI != want {
				t.Errorf("the repeat %s was answered %s, want %s", pos.Repeat(req).MTI, again.MTI, want)
			}
			wantRC(t, again, wire.RCApproved)
			wantReversed(t, purchase)
			// Once more after the purchase is cancelled.
			wantRC(t, e2etest.Do(t, c, pos.Repeat(req)), wire.RCApproved)
			rev := h.Attempt(t, payment.KindReversal, req)
			if rev.OriginalID != h.Attempt(t, payment.KindPurchase, purchase).ID {
				t.Errorf("the journaled reversal names %q as its original", rev.OriginalID)
			}
			wantReversed(t, purchase)
		})
	}

	t.Run("A reversal of a purchase the gateway never saw is answered 00 and recorded", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		never := term.Purchase(amountApproved, h.Code()) // built, never sent
		req, resp := reverse(t, term, c, never, false)
		wantRC(t, resp, wire.RCApproved)
		rev := h.Attempt(t, payment.KindReversal, req)
		if rev.OriginalID != "" || !rev.State.Final() {
			t.Errorf("the reversal is journaled %s naming original %q, want final and none", rev.State, rev.OriginalID)
		}
	})

	t.Run("A purchase arriving after its own reversal is not charged and kept", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		late := term.Purchase(amountApproved, h.Code())
		_, resp := reverse(t, term, c, late, false)
		wantRC(t, resp, wire.RCApproved)
		// Overtaken by its reversal, as after a terminal timeout.
		if lresp := e2etest.Do(t, c, late); lresp.ResponseCode == wire.RCApproved {
			t.Errorf("the purchase the terminal had reversed was answered 00")
		}
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, late).ID)
		if a.State == payment.StateApproved {
			t.Errorf("the purchase the terminal had reversed ended approved")
		}
		if p, ok := e2etest.FindPayment(h.Ledger(t), a.ID); ok {
			wantUncharged(t, p)
		}
	})

	t.Run("A reversal of a declined purchase is answered 00 and leaves it declined", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase := term.Purchase(amountDoNotHonour, h.Code())
		wantRC(t, e2etest.Do(t, c, purchase), wire.RCDoNotHonour)
		_, resp := reverse(t, term, c, purchase, false)
		wantRC(t, resp, wire.RCApproved)
		if a := h.Attempt(t, payment.KindPurchase, purchase); a.State != payment.StateDeclined {
			t.Errorf("the declined purchase is now %s", a.State)
		}
	})

	t.Run("A reversal sent while an unanswered purchase is in flight leaves it cancelled and the wallet keeping nothing", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase := term.Purchase(amountSlow, h.Code())
		answer := goDo(t, c, purchase)
		a := h.WaitAttempt(t, payment.KindPurchase, purchase)
		_, resp := reverse(t, term, c, purchase, false)
		wantRC(t, resp, wire.RCApproved)
		wantRC(t, <-answer, wire.RCSchemeUnavailable)
		wantReversed(t, purchase)
		waitPastSettle(t, h, a.ID)
		p := h.Payment(t, a.ID)
		if p.Status != sim.StatusCancelled {
			t.Errorf("after its delay the wallet payment is %s, want cancelled", p.Status)
		}
		wantUncharged(t, p)
	})

	t.Run("A reversal sent while a purchase being inquired about is in flight leaves it cancelled, never approved and kept", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase := term.Purchase(amountAfterInquiries, h.Code())
		answer := goDo(t, c, purchase)
		a := h.WaitAttempt(t, payment.KindPurchase, purchase)
		if !notFinal(a) {
			t.Fatalf("the purchase was %s before the reversal could be sent; the test needs it in flight", a.State)
		}
		_, resp := reverse(t, term, c, purchase, true)
		wantRC(t, resp, wire.RCApproved)
		presp := <-answer
		if presp != nil && presp.ResponseCode == wire.RCApproved {
			t.Errorf("the purchase reversed while in flight was answered 00")
		}
		wantReversed(t, purchase)
	})

	t.Run("A reversal of a refund is answered 12 and the refund stands", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		refund := term.Refund(presp.RRN, 1000)
		wantRC(t, e2etest.Do(t, c, refund), wire.RCApproved)
		_, resp := reverse(t, term, c, refund, false)
		wantRC(t, resp, wire.RCInvalidTransaction)
		id := h.Attempt(t, payment.KindPurchase, purchase).ID
		if p := h.Payment(t, id); p.Refunded != 1000 || p.Status != sim.StatusPaid {
			t.Errorf("the wallet payment is %s with %d refunded, want paid with 1000 refunded", p.Status, p.Refunded)
		}
	})

	t.Run("A reversal of a partly refunded purchase ends with the wallet keeping nothing", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		wantRC(t, e2etest.Do(t, c, term.Refund(presp.RRN, 3000)), wire.RCApproved)
		_, resp := reverse(t, term, c, purchase, false)
		wantRC(t, resp, wire.RCApproved)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, purchase).ID)
		if a.State == payment.StateApproved {
			t.Errorf("the reversed purchase ended approved")
		}
		wantUncharged(t, h.Payment(t, a.ID))
	})
}
