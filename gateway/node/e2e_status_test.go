package node_test

import (
	"testing"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
)

// TestStatusInquiries checks 0100 status inquiries (DE 3 300000).
func TestStatusInquiries(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{InquiryInterval: inFlightInquiryInterval})

	status := func(t *testing.T, term *pos.Terminal, c *pos.Client, rrn string) *wire.Message {
		t.Helper()
		req := term.Status(rrn)
		resp := e2etest.Do(t, c, req)
		wantEchoed(t, req, resp, 3, 7, 11, 41, 42)
		return resp
	}

	t.Run("The status of an approved purchase is 00 with its RRN and approval code", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, presp := approvedPurchase(t, h, term, c, amountApproved)
		resp := status(t, term, c, presp.RRN)
		wantRC(t, resp, wire.RCApproved)
		if resp.RRN != presp.RRN || resp.ApprovalCode != presp.ApprovalCode {
			t.Errorf("status answered RRN %q approval %q, the purchase got %q %q", resp.RRN, resp.ApprovalCode, presp.RRN, presp.ApprovalCode)
		}
	})

	t.Run("The status of a declined purchase is its decline code", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		for _, d := range []struct {
			amount int64
			rc     string
		}{{amountInsufficient, wire.RCInsufficientFunds}, {amountExpired, wire.RCExpiredWalletCode}, {amountRisk, wire.RCSuspectedFraud}} {
			presp := e2etest.Do(t, c, term.Purchase(d.amount, h.Code()))
			wantRC(t, presp, d.rc)
			wantRC(t, status(t, term, c, presp.RRN), d.rc)
		}
	})

	t.Run("The status of an RRN the gateway never gave is 25", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		wantRC(t, status(t, term, c, "999999999998"), wire.RCOriginalNotFound)
	})

	t.Run("The status of another merchant's purchase is 25", func(t *testing.T) {
		t.Parallel()
		other := &pos.Terminal{ID: e2etest.OtherTerminalID, MerchantID: e2etest.OtherMerchantID}
		c := h.Dial(t)
		_, presp := approvedPurchase(t, h, other, c, amountApproved)
		wantRC(t, status(t, h.NewTerminal(t), c, presp.RRN), wire.RCOriginalNotFound)
	})

	t.Run("The status of a refund's RRN is 25", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, presp := approvedPurchase(t, h, term, c, amountApproved)
		rresp := e2etest.Do(t, c, term.Refund(presp.RRN, 100))
		wantRC(t, rresp, wire.RCApproved)
		wantRC(t, status(t, term, c, rresp.RRN), wire.RCOriginalNotFound)
	})

	t.Run("The status of a purchase still in flight is 09, and 00 once it is approved", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountAfterInquiries, h.Code())
		answer := goDo(t, c, req)
		a := h.WaitAttempt(t, payment.KindPurchase, req)
		if !notFinal(a) {
			t.Fatalf("the purchase was %s before the status inquiry could be sent; the test needs it in flight", a.State)
		}
		wantRC(t, status(t, term, c, a.RRN), wire.RCInProgress)
		wantRC(t, <-answer, wire.RCApproved)
		wantRC(t, status(t, term, c, a.RRN), wire.RCApproved)
	})

	t.Run("The status of a purchase cancelled after its budget is 91", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Purchase(amountInProcessForever, h.Code())
		answer := goDo(t, c, req)
		a := h.WaitAttempt(t, payment.KindPurchase, req)
		wantRC(t, status(t, term, c, a.RRN), wire.RCInProgress)
		wantRC(t, <-answer, wire.RCSchemeUnavailable)
		h.WaitFinal(t, a.ID)
		wantRC(t, status(t, term, c, a.RRN), wire.RCSchemeUnavailable)
	})

	t.Run("A status inquiry without DE 48 tag 20 is answered 30", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req := term.Status("000000000001")
		req.Unset(48)
		wantRC(t, e2etest.Do(t, c, req), wire.RCFormatError)
	})
}
