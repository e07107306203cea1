package node_test

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestTerminalDisconnects checks that a terminal going away in the middle of
// a transaction changes nothing about the money: the payment still ends
// final, and what the terminal sends when it comes back gets the right answer.
func TestTerminalDisconnects(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{InquiryInterval: inFlightInquiryInterval})

	// sendAndHangUp sends req and closes the connection before any answer.
	sendAndHangUp := func(t *testing.T, req *wire.Message) {
		t.Helper()
		c := h.Dial(t)
		b, err := wire.Encode(req)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Send(b); err != nil {
			t.Fatal(err)
		}
		h.WaitAttempt(t, payment.KindPurchase, req)
		c.Close()
	}

	t.Run("A purchase whose terminal hung up still ends approved, and its repeat gets the approval", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		req := term.Purchase(amountAfterInquiries, h.Code())
		sendAndHangUp(t, req)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		if a.State != payment.StateApproved {
			t.Fatalf("purchase ended %s, want approved: the terminal leaving does not stop the payment", a.State)
		}
		resp := e2etest.Do(t, h.Dial(t), pos.Repeat(req))
		wantRC(t, resp, wire.RCApproved)
		if resp.RRN != a.RRN || resp.ApprovalCode != a.ApprovalCode {
			t.Errorf("repeat answered RRN %q approval %q, journal has %q %q", resp.RRN, resp.ApprovalCode, a.RRN, a.ApprovalCode)
		}
		wantChargedOnce(t, h.Payment(t, a.ID), amountAfterInquiries)
	})

	t.Run("A purchase whose terminal hung up and then reversed it ends cancelled and the wallet keeps nothing", func(t *testing.T) {
		t.Parallel()
		term := h.NewTerminal(t)
		req := term.Purchase(amountSlow, h.Code())
		sendAndHangUp(t, req)
		resp := e2etest.Do(t, h.Dial(t), term.Reversal(req, true))
		wantRC(t, resp, wire.RCApproved)
		a := h.WaitFinal(t, h.Attempt(t, payment.KindPurchase, req).ID)
		if a.State != payment.StateCancelled && a.State != payment.StateRefunded {
			t.Fatalf("purchase ended %s, want cancelled", a.State)
		}
		e2etest.Eventually(t, "the wallet keeps nothing of the reversed purchase", func() bool {
			return e2etest.Kept(h.Payment(t, a.ID)) == 0
		})
	})
}
