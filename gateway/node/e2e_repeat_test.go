package node_test

import (
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// inFlightInquiryInterval is the first pause between inquiries on nodes
// whose tests act while a purchase is in flight: an amount ending in 91 is
// then in flight for about 150+300+600 ms, time enough to act while it is,
// and still approved well within the 3s budget on a loaded machine.
const inFlightInquiryInterval = 150 * time.Millisecond

// TestRepeatsAndDuplicates checks exactly-once: repeats and duplicates of
// a request get the first answer and never charge the wallet again.
func TestRepeatsAndDuplicates(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{InquiryInterval: inFlightInquiryInterval})

	t.Run("A 0201 repeat of an approved purchase gets the same RRN and approval code and the wallet charges once", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, first := approvedPurchase(t, h, term, c, amountApproved)
		id := h.Attempt(t, payment.KindPurchase, req).ID
		calls := h.Payment(t, id).PayCalls
		again := e2etest.Do(t, c, pos.Repeat(req))
		wantRC(t, again, wire.RCApproved)
		wantEchoed(t, req, again, financialEcho...)
		wantSameAnswer(t, first, again)
		p := h.Payment(t, id)
		wantChargedOnce(t, p, amountApproved)
		wantNoMorePayCalls(t, p, calls)
	})

	t.Run("A second 0200 with the same DE 41, 11 and 7 gets the first answer and the wallet charges once", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, first := approvedPurchase(t, h, term, c, amountApproved)
		id := h.Attempt(t, payment.KindPurchase, req).ID
		calls := h.Payment(t, id).PayCalls
		again := e2etest.Do(t, c, req)
		wantRC(t, again, wire.RCApproved)
		wantSameAnswer(t, first, again)
		// On another connection too, as a terminal that reconnected would.
		third := e2etest.Do(t, h.Dial(t), req)
		wantSameAnswer(t, first, third)
		p := h.Payment(t, id)
		wantChargedOnce(t, p, amountApproved)
		wantNoMorePayCalls(t, p, calls)
	})

	t.Run("The same DE 41, 11 and 7 with a different amount is answered 94 and nothing more is charged", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, _ := approvedPurchase(t, h, term, c, amountApproved)
		calls := h.Payment(t, h.Attempt(t, payment.KindPurchase, req).ID).PayCalls
		changed := *req
		changed.Amount = amountApproved + 100
		wantRC(t, e2etest.Do(t, c, &changed), wire.RCDuplicateSTAN)
		repeat := pos.Repeat(&changed)
		wantRC(t, e2etest.Do(t, c, repeat), wire.RCDuplicateSTAN)
		a := h.Attempt(t, payment.KindPurchase, req)
		if a.Amount.Minor != amountApproved || a.State != payment.StateApproved {
			t.Errorf("the journaled purchase is now %s of %d, want approved of %d", a.State, a.Amount.Minor, amountApproved)
		}
		p := h.Payment(t, a.ID)
		wantChargedOnce(t, p, amountApproved)
		wantNoMorePayCalls(t, p, calls)
	})

	t.Run("The same DE 41, 11 and 7 with another wallet code is answered 94", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, _ := approvedPurchase(t, h, term, c, amountApproved)
		changed := pos.Repeat(req)
		changed.PrivateData.Set(wire.TagWalletCode, h.Code())
		wantRC(t, e2etest.Do(t, c, changed), wire.RCDuplicateSTAN)
		wantChargedOnce(t, h.Payment(t, h.Attempt(t, payment.KindPurchase, req).ID), amountApproved)
	})

	t.Run("A repeat of a declined purchase gets the same decline without a second wallet call", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountInsufficient, h.Code())
		first := e2etest.Do(t, c, req)
		wantRC(t, first, wire.RCInsufficientFunds)
		id := h.Attempt(t, payment.KindPurchase, req).ID
		calls := h.Payment(t, id).PayCalls
		again := e2etest.Do(t, c, pos.Repeat(req))
		wantRC(t, again, wire.RCInsufficientFunds)
		if again.RRN != first.RRN {
			t.Errorf("the repeat got RRN %q, the original %q", again.RRN, first.RRN)
		}
		p := h.Payment(t, id)
		wantNoMorePayCalls(t, p, calls)
		if p.Charges != 0 {
			t.Errorf("the wallet charged a declined payment %d times", p.Charges)
		}
	})

	t.Run("A repeat sent while the original is in flight gets the same final answer and the wallet charges once", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		first, second := h.Dial(t), h.Dial(t)
		req := term.Purchase(amountAfterInquiries, h.Code())
		original := goDo(t, first, req)
		a := h.WaitAttempt(t, payment.KindPurchase, req)
		if !notFinal(a) {
			t.Fatalf("the purchase was %s before the repeat could be sent; the test needs it in flight", a.State)
		}
		again := e2etest.Do(t, second, pos.Repeat(req))
		resp := <-original
		wantRC(t, resp, wire.RCApproved)
		wantRC(t, again, wire.RCApproved)
		wantSameAnswer(t, resp, again)
		p := h.Payment(t, a.ID)
		wantChargedOnce(t, p, amountAfterInquiries)
		if p.PayCalls != 1 {
			// The wallet answered the first pay at once (in process), so the
			// engine never had a reason to send it again.
			t.Errorf("the wallet got %d pay calls, want 1", p.PayCalls)
		}
	})

	t.Run("A repeat sent while an unknown outcome is in flight is answered 91 like the original and nothing is kept", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		first, second := h.Dial(t), h.Dial(t)
		req := term.Purchase(amountInProcessForever, h.Code())
		original := goDo(t, first, req)
		a := h.WaitAttempt(t, payment.KindPurchase, req)
		again := e2etest.Do(t, second, pos.Repeat(req))
		resp := <-original
		wantRC(t, resp, wire.RCSchemeUnavailable)
		wantRC(t, again, wire.RCSchemeUnavailable)
		if again.RRN != resp.RRN {
			t.Errorf("the repeat got RRN %q, the original %q", again.RRN, resp.RRN)
		}
		if a = h.WaitFinal(t, a.ID); a.State != payment.StateCancelled {
			t.Errorf("the purchase ended %s, want cancelled", a.State)
		}
		wantUncharged(t, h.Payment(t, a.ID))
	})
}

// wantNoMorePayCalls checks that the wallet got no pay call for a payment
// since it had calls.
func wantNoMorePayCalls(t *testing.T, p sim.Payment, calls int) {
	t.Helper()
	if p.PayCalls != calls {
		t.Errorf("the wallet got %d more pay calls for the payment", p.PayCalls-calls)
	}
}

// wantSameAnswer checks that a repeat got the answer of the original.
func wantSameAnswer(t *testing.T, first, again *wire.Message) {
	t.Helper()
	if again.ResponseCode != first.ResponseCode || again.RRN != first.RRN || again.ApprovalCode != first.ApprovalCode {
		t.Errorf("the repeat got RC %s RRN %q approval %q; the original got RC %s RRN %q approval %q",
			again.ResponseCode, again.RRN, again.ApprovalCode, first.ResponseCode, first.RRN, first.ApprovalCode)
	}
	for _, tag := range []wire.Tag{wire.TagWalletBrand, wire.TagSchemeTransactionID} {
		a, _ := again.PrivateData.Get(tag)
		f, _ := first.PrivateData.Get(tag)
		if a != f {
			t.Errorf("the repeat got DE 48 tag %s %q, the original %q", tag, a, f)
		}
	}
}

// goDo sends req in the background; the channel yields its response (nil
// after reporting an error).
func goDo(t *testing.T, c *pos.Client, req *wire.Message) <-chan *wire.Message {
	t.Helper()
	out := make(chan *wire.Message, 1)
	go func() {
		resp, err := e2etest.TryDo(c, req)
		if err != nil {
			t.Error(err)
		}
		out <- resp
	}()
	return out
}
