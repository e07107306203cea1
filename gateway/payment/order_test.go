package payment_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

func orderRequest(key payment.TerminalKey, minor int64) payment.OrderRequest {
	return payment.OrderRequest{Key: key, MerchantID: merchantID, Amount: payment.Money{Minor: minor, Currency: "EUR"}, Scheme: schemeID}
}

// scan pays an order's QR at the simulator, as the customer would.
func (h *harness) scan(tb testing.TB, qr string) int {
	tb.Helper()
	_, err := simkit.Scan(context.Background(), http.DefaultClient, h.SimURL, qr)
	var refused *simkit.ScanError
	if errors.As(err, &refused) {
		return refused.StatusCode
	}
	if err != nil {
		tb.Fatalf("scan: %v", err)
	}
	return http.StatusOK
}

func TestOrders(t *testing.T) {
	t.Parallel()

	t.Run("An order is journaled pending with its QR, and Status learns at once that the customer paid", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		a, err := h.Engine.Order(context.Background(), orderRequest(h.NextKey(), 2500))
		if err != nil {
			t.Fatalf("Order: %v", err)
		}
		if a.State != payment.StatePending || !a.Order.Created() || a.Order.QRFormat != payment.QRFormatEMVCoMPM || a.RRN == "" {
			t.Fatalf("order answered %s, created %v, format %q, RRN %q", a.State, a.Order.Created(), a.Order.QRFormat, a.RRN)
		}
		if stored := h.Stored(t, a.ID); stored.Order.QRPayload != a.Order.QRPayload || !stored.Order.ExpiresAt.After(time.Now()) {
			t.Fatalf("the journal holds QR %q expiring %v", stored.Order.QRPayload, stored.Order.ExpiresAt)
		}
		if got := h.scan(t, a.Order.QRPayload); got != http.StatusOK {
			t.Fatalf("scan answered HTTP %d", got)
		}
		st, err := h.Engine.Status(context.Background(), merchantID, terminalID, a.RRN)
		if err != nil || st.State != payment.StateApproved || st.ApprovalCode == "" {
			t.Fatalf("Status after the scan = %v (%v), want approved with an approval code", st, err)
		}
		if p := h.Payment(t, a.ID); p.Status != sim.StatusPaid || p.Charges != 1 {
			t.Errorf("wallet: %s, charged %d", p.Status, p.Charges)
		}
		h.CheckLedger(t)
	})

	t.Run("An order nobody pays is cancelled when it expires, and cannot be paid after", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{OrderTTL: time.Second})
		a, err := h.Engine.Order(context.Background(), orderRequest(h.NextKey(), 2500))
		if err != nil || !a.Order.Created() {
			t.Fatalf("Order = %v, %v", a, err)
		}
		final := h.WaitFinal(t, a.ID)
		if final.State != payment.StateCancelled || final.Reason != payment.ReasonOrderExpired {
			t.Fatalf("expired order ended %s (%s), want cancelled (order_expired)", final.State, final.Reason)
		}
		if got := h.scan(t, a.Order.QRPayload); got == http.StatusOK {
			t.Fatalf("the wallet took payment of an expired order")
		}
		if p := h.Payment(t, a.ID); p.Charges != 0 {
			t.Errorf("an expired order was charged %d times", p.Charges)
		}
		h.CheckLedger(t)
	})

	t.Run("An order whose answer is lost is closed, and answered as unknown", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		h.StopAdapter()
		a, err := h.Engine.Order(context.Background(), orderRequest(h.NextKey(), 2500))
		if err != nil {
			t.Fatalf("Order: %v", err)
		}
		if a.Order.Created() || a.State.Final() && a.State != payment.StateDeclined {
			t.Fatalf("order without answer is %s with QR %v", a.State, a.Order.Created())
		}
		h.StartAdapter(t)
		if final := h.WaitFinal(t, a.ID); final.State != payment.StateCancelled && final.State != payment.StateDeclined {
			t.Fatalf("ended %s, want cancelled (or declined unsent)", final.State)
		}
		h.CheckLedger(t)
	})

	t.Run("A QR that fails the check is never shown: the order is closed and answered 96", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{CheckQR: func(string, string) error { return errors.New("bad CRC") }})
		a, err := h.Engine.Order(context.Background(), orderRequest(h.NextKey(), 2500))
		if err != nil {
			t.Fatalf("Order: %v", err)
		}
		if a.Order.Created() || a.State != payment.StateCancelPending || a.Reason != payment.ReasonSystem {
			t.Fatalf("order with a bad QR is %s (%s), QR kept %v", a.State, a.Reason, a.Order.Created())
		}
		if final := h.WaitFinal(t, a.ID); final.State != payment.StateCancelled {
			t.Fatalf("ended %s, want cancelled", final.State)
		}
		h.CheckLedger(t)
	})

	t.Run("A scheme the merchant does not take is refused before any order", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t, harnessOptions{})
		req := orderRequest(h.NextKey(), 2500)
		req.Scheme = "KAKAOPAY"
		if _, err := h.Engine.Order(context.Background(), req); !errors.Is(err, payment.ErrSchemeNotEnabled) {
			t.Fatalf("Order = %v, want ErrSchemeNotEnabled", err)
		}
	})
}
