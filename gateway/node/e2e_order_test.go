package node_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/node/internal/e2etest"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/gateway/terminal/pos"
	"github.com/meridian-gw/meridian/gateway/terminal/wire"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// orderQR sends a merchant-presented purchase and checks the answer is 09
// with a valid EMVCo QR and an RRN to poll with.
func orderQR(t *testing.T, term *pos.Terminal, c *pos.Client, amount int64, scheme string) (*wire.Message, string, string) {
	t.Helper()
	req := term.OrderPurchase(amount, scheme)
	resp := e2etest.Do(t, c, req)
	wantRC(t, resp, wire.RCInProgress)
	wantEchoed(t, req, resp, 3, 4, 7, 11, 41, 42, 49)
	qr, ok := resp.PrivateData.Get(wire.TagQRPayload)
	if !ok || qr == "" {
		t.Fatalf("09 without a QR in DE 48 tag 03: %+v", resp.PrivateData)
	}
	if err := emvco.ValidateMPM(qr); err != nil {
		t.Fatalf("the QR is not a valid EMVCo merchant-presented payload: %v", err)
	}
	if len(resp.RRN) != 12 {
		t.Fatalf("09 without an RRN to poll with: %q", resp.RRN)
	}
	return req, qr, resp.RRN
}

// pollStatus asks for the purchase's status until it is no longer 09.
func pollStatus(t *testing.T, term *pos.Terminal, c *pos.Client, rrn string) *wire.Message {
	t.Helper()
	var resp *wire.Message
	e2etest.Eventually(t, "status no longer 09", func() bool {
		resp = e2etest.Do(t, c, term.Status(rrn))
		return resp.ResponseCode != wire.RCInProgress
	})
	return resp
}

func wantScan(t *testing.T, h *e2etest.Harness, qr string, status int) {
	t.Helper()
	if got, body := h.Scan(t, qr); got != status {
		t.Fatalf("scan answered HTTP %d (%s), want %d", got, body, status)
	}
}

// TestMerchantPresentedQR drives DE 22 821 purchases end to end: the QR
// from the scheme, the customer scanning it at the wallet, the terminal
// polling 0100 until it is paid or declined, and orders cancelled.
func TestMerchantPresentedQR(t *testing.T) {
	t.Parallel()
	// Orders nobody pays expire soon, so that the end-of-test
	// reconciliation does not wait for them.
	h := e2etest.Start(t, e2etest.Options{OrderTTL: 8 * time.Second})

	t.Run("A QR the customer pays turns the status from 09 to 00 with an approval code", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, qr, rrn := orderQR(t, term, c, amountApproved, "ALIPAYPLUS")
		wantRC(t, e2etest.Do(t, c, term.Status(rrn)), wire.RCInProgress)
		wantScan(t, h, qr, http.StatusOK)
		resp := pollStatus(t, term, c, rrn)
		wantRC(t, resp, wire.RCApproved)
		if resp.ApprovalCode == "" || resp.RRN != rrn {
			t.Errorf("approved status without approval code or with RRN %q (want %q)", resp.RRN, rrn)
		}
		if brand, _ := resp.PrivateData.Get(wire.TagWalletBrand); brand == "" {
			t.Errorf("approved status without the wallet brand (DE 48 tag 10)")
		}
		a := h.Attempt(t, payment.KindPurchase, req)
		wantChargedOnce(t, h.Payment(t, a.ID), amountApproved)
	})

	t.Run("The scheme is the merchant's first that offers QR when the terminal names none", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, _, _ := orderQR(t, term, c, amountApproved, "")
		if a := h.Attempt(t, payment.KindPurchase, req); a.Scheme != "ALIPAYPLUS" {
			t.Errorf("order went to %s", a.Scheme)
		}
	})

	t.Run("A QR paid with an amount the wallet declines ends with the decline code", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		_, qr, rrn := orderQR(t, term, c, amountInsufficient, "ALIPAYPLUS")
		h.Scan(t, qr) // the wallet's answer to the customer is its own affair
		wantRC(t, pollStatus(t, term, c, rrn), wire.RCInsufficientFunds)
	})

	t.Run("A repeat of the QR request gets the same QR and RRN, and no second order", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, qr, rrn := orderQR(t, term, c, amountApproved, "ALIPAYPLUS")
		again := e2etest.Do(t, c, pos.Repeat(req))
		wantRC(t, again, wire.RCInProgress)
		if got, _ := again.PrivateData.Get(wire.TagQRPayload); got != qr || again.RRN != rrn {
			t.Errorf("the repeat got RRN %q and another QR; want the first answer (RRN %q)", again.RRN, rrn)
		}
		wantScan(t, h, qr, http.StatusOK)
		wantRC(t, pollStatus(t, term, c, rrn), wire.RCApproved)
	})

	t.Run("A reversal cancels an unpaid order, and the customer can no longer pay it", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, qr, rrn := orderQR(t, term, c, amountApproved, "ALIPAYPLUS")
		wantRC(t, e2etest.Do(t, c, term.Reversal(req, false)), wire.RCApproved)
		a := h.Attempt(t, payment.KindPurchase, req)
		h.WaitState(t, a.ID, payment.StateCancelled)
		if got, _ := h.Scan(t, qr); got == http.StatusOK {
			t.Fatalf("the wallet took payment of a cancelled order")
		}
		if rc := e2etest.Do(t, c, term.Status(rrn)).ResponseCode; rc == wire.RCApproved || rc == wire.RCInProgress {
			t.Errorf("status of a reversed order is %s", rc)
		}
		wantUncharged(t, h.Payment(t, a.ID))
	})

	t.Run("A reversal after the customer paid returns the money", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		req, qr, rrn := orderQR(t, term, c, amountApproved, "ALIPAYPLUS")
		wantScan(t, h, qr, http.StatusOK)
		wantRC(t, pollStatus(t, term, c, rrn), wire.RCApproved)
		wantRC(t, e2etest.Do(t, c, term.Reversal(req, true)), wire.RCApproved)
		a := h.Attempt(t, payment.KindPurchase, req)
		h.WaitState(t, a.ID, payment.StateCancelled)
		if p := h.Payment(t, a.ID); p.Status != sim.StatusCancelled || e2etest.Kept(p) != 0 {
			t.Errorf("wallet payment after the reversal: %s, keeps %d", p.Status, e2etest.Kept(p))
		}
	})

	t.Run("A QR for a scheme the merchant does not take is answered 57", func(t *testing.T) {
		t.Parallel()
		term, c := h.NewTerminal(t), h.Dial(t)
		wantRC(t, e2etest.Do(t, c, term.OrderPurchase(amountApproved, "KAKAOPAY")), wire.RCSchemeNotEnabled)
	})

	t.Run("A QR for a merchant none of whose schemes is configured is answered 12", func(t *testing.T) {
		t.Parallel()
		term := &pos.Terminal{ID: e2etest.KakaoOnlyTerminalID, MerchantID: e2etest.KakaoOnlyMerchantID}
		wantRC(t, e2etest.Do(t, h.Dial(t), term.OrderPurchase(amountApproved, "")), wire.RCInvalidTransaction)
	})
}

// TestMerchantPresentedQRExpires checks that an order nobody pays is
// cancelled when it expires, and that the wallet then refuses payment.
func TestMerchantPresentedQRExpires(t *testing.T) {
	t.Parallel()
	h := e2etest.Start(t, e2etest.Options{OrderTTL: 2 * time.Second})
	term, c := h.NewTerminal(t), h.Dial(t)
	req, qr, rrn := orderQR(t, term, c, amountApproved, "ALIPAYPLUS")
	a := h.Attempt(t, payment.KindPurchase, req)
	h.WaitState(t, a.ID, payment.StateCancelled)
	wantRC(t, e2etest.Do(t, c, term.Status(rrn)), wire.RCExpiredWalletCode)
	if got, _ := h.Scan(t, qr); got == http.StatusOK {
		t.Fatalf("the wallet took payment of an expired order")
	}
	wantUncharged(t, h.Payment(t, a.ID))
}
