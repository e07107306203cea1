package node_test

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestRefunds checks 0200 refunds (DE 3 200000) against the wallet's ledger.
func TestRefunds(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{})

	// refund sends a refund and checks its echo.
	refund := func(t *testing.T, term *pos.Terminal, c *pos.Client, rrn string, amount int64) (*wire.Message, *wire.Message) {
		t.Helper()
		req := term.Refund(rrn, amount)
		resp := e2etest.Do(t, c, req)
		wantEchoed(t, req, resp, financialEcho...)
		return req, resp
	}
	// wantRefunded checks the wallet's side of a purchase's refunds.
	wantRefunded := func(t *testing.T, purchase *wire.Message, refunded int64, refunds int) {
		t.Helper()
		id := h.Attempt(t, payment.KindPurchase, purchase).ID
		ledger := h.Ledger(t)
		p, ok := e2etest.FindPayment(ledger, id)
		if !ok {
			t.Fatalf("the wallet has no payment %s", id)
		}
		var succeeded []string
		for _, r := range e2etest.RefundsOf(ledger, id) {
			if r.Succeeded() {
				succeeded = append(succeeded, r.RequestID)
			}
		}
		if p.Refunded != refunded || len(succeeded) != refunds || p.Charges != 1 {
			t.Errorf("the wallet refunded %d in %d refunds of a payment charged %d times; want %d in %d, charged once",
				p.Refunded, len(succeeded), p.Charges, refunded, refunds)
		}
	}

	t.Run("A full refund of an approved purchase is approved and the wallet returns the whole amount", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		req, resp := refund(t, term, c, presp.RRN, amountApproved)
		wantRC(t, resp, wire.RCApproved)
		if len(resp.RRN) != 12 || resp.RRN == presp.RRN || len(resp.ApprovalCode) != 6 {
			t.Errorf("refund answered with RRN %q (purchase %q) and approval code %q; want its own RRN and a code", resp.RRN, presp.RRN, resp.ApprovalCode)
		}
		if r := h.Attempt(t, payment.KindRefund, req); r.State != payment.StateApproved || r.OriginalRRN != presp.RRN {
			t.Errorf("journaled refund is %s of RRN %q, want approved of %q", r.State, r.OriginalRRN, presp.RRN)
		}
		wantRefunded(t, purchase, amountApproved, 1)
	})

	t.Run("A partial refund is approved and the wallet returns only that part", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		_, resp := refund(t, term, c, presp.RRN, 2500)
		wantRC(t, resp, wire.RCApproved)
		wantRefunded(t, purchase, 2500, 1)
	})

	t.Run("Two partial refunds summing to the whole are approved and one more is answered 13", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		_, r1 := refund(t, term, c, presp.RRN, 4000)
		wantRC(t, r1, wire.RCApproved)
		_, r2 := refund(t, term, c, presp.RRN, 6000)
		wantRC(t, r2, wire.RCApproved)
		_, r3 := refund(t, term, c, presp.RRN, 1)
		wantRC(t, r3, wire.RCInvalidAmount)
		wantRefunded(t, purchase, amountApproved, 2)
	})

	t.Run("A refund above the purchase amount is answered 13 and nothing is returned", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		_, resp := refund(t, term, c, presp.RRN, amountApproved+1)
		wantRC(t, resp, wire.RCInvalidAmount)
		wantRefunded(t, purchase, 0, 0)
	})

	t.Run("A refund of zero is answered 13", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		_, resp := refund(t, term, c, presp.RRN, 0)
		wantRC(t, resp, wire.RCInvalidAmount)
		wantRefunded(t, purchase, 0, 0)
	})

	t.Run("A refund of an RRN the gateway never gave is answered 25", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, resp := refund(t, term, c, "999999999999", 100)
		wantRC(t, resp, wire.RCOriginalNotFound)
	})

	t.Run("A refund of another merchant's purchase is answered 25", func(t *testing.T) {
		t.Parallel()
		other := &pos.Terminal{ID: e2etest.OtherTerminalID, MerchantID: e2etest.OtherMerchantID}
		c := h.Dial(t)
		purchase, presp := approvedPurchase(t, h, other, c, amountApproved)
		_, resp := refund(t, h.NewTerminal(t), c, presp.RRN, 100)
		wantRC(t, resp, wire.RCOriginalNotFound)
		wantRefunded(t, purchase, 0, 0)
	})

	t.Run("A refund of a declined purchase is answered 12 and the wallet is not asked", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase := term.Purchase(amountInsufficient, h.Code())
		presp := e2etest.Do(t, c, purchase)
		wantRC(t, presp, wire.RCInsufficientFunds)
		_, resp := refund(t, term, c, presp.RRN, 100)
		wantRC(t, resp, wire.RCInvalidTransaction)
		id := h.Attempt(t, payment.KindPurchase, purchase).ID
		if n := len(e2etest.RefundsOf(h.Ledger(t), id)); n != 0 {
			t.Errorf("the wallet got %d refunds of a declined payment", n)
		}
	})

	t.Run("A refund of a purchase's RRN quoted by a refund is answered 25", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, presp := approvedPurchase(t, h, term, c, amountApproved)
		_, rresp := refund(t, term, c, presp.RRN, 100)
		wantRC(t, rresp, wire.RCApproved)
		_, resp := refund(t, term, c, rresp.RRN, 100)
		wantRC(t, resp, wire.RCOriginalNotFound)
	})

	t.Run("A repeated refund gets the first answer and the wallet refunds once", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		req, first := refund(t, term, c, presp.RRN, 3000)
		wantRC(t, first, wire.RCApproved)
		again := e2etest.Do(t, c, pos.Repeat(req))
		wantRC(t, again, wire.RCApproved)
		wantSameAnswer(t, first, again)
		dup := e2etest.Do(t, h.Dial(t), req)
		wantSameAnswer(t, first, dup)
		wantRefunded(t, purchase, 3000, 1)
	})

	t.Run("A refund under a used key with another amount is answered 94 and refunds nothing more", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		purchase, presp := approvedPurchase(t, h, term, c, amountApproved)
		req, first := refund(t, term, c, presp.RRN, 3000)
		wantRC(t, first, wire.RCApproved)
		changed := pos.Repeat(req)
		changed.Amount = 4000
		wantRC(t, e2etest.Do(t, c, changed), wire.RCDuplicateSTAN)
		wantRefunded(t, purchase, 3000, 1)
	})
}
