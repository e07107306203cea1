package kakaopay_test

import (
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/kakaopay/sim"
)

// simClient is a Client of a simulator served on 127.0.0.1, with secret.
func simClient(t *testing.T, secret string) (*kakaopay.Client, *sim.Simulator) {
	t.Helper()
	s, err := sim.New(sim.Config{Secret: testSecret, CID: testCID})
	if err != nil {
		t.Fatalf("sim.New: %v", err)
	}
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		s.Close()
		srv.Close()
		if err := s.Ledger().Check(); err != nil {
			t.Errorf("ledger does not reconcile: %v", err)
		}
	})
	c, err := kakaopay.NewClient(kakaopay.ClientConfig{BaseURL: srv.URL, SecretKey: secret, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(c.Close)
	return c, s
}

func barcodeRequest(key string, won int64) *kakaopay.BarcodeRequest {
	return &kakaopay.BarcodeRequest{CID: testCID, PartnerOrderID: key, PartnerUserID: "M-1", Barcode: kakaoCode,
		ItemName: "coffee", Quantity: 1, TotalAmount: won}
}

// wantKakaoPayError checks that err is KakaoPay's refusal with code.
func wantKakaoPayError(t *testing.T, what string, err error, httpStatus, code int) *kakaopay.Error {
	t.Helper()
	var e *kakaopay.Error
	if !errors.As(err, &e) || e.HTTPStatus != httpStatus || e.ErrorCode != code {
		t.Fatalf("%s: error = %v, want HTTP %d with error_code %d", what, err, httpStatus, code)
	}
	return e
}

func TestClientSpeaksToTheSimulator(t *testing.T) {
	c, _ := simClient(t, testSecret)
	paid, err := c.Barcode(ctx(t), barcodeRequest("c-1", 2200))
	if err != nil {
		t.Fatalf("Barcode: %v", err)
	}
	if paid.Status != kakaopay.StatusSuccessPayment || paid.Amount.Total != 2200 || paid.Amount.VAT != 200 || paid.ApprovedAt == "" ||
		paid.PartnerOrderID != "c-1" || paid.AID == "" {
		t.Fatalf("barcode payment = %+v", paid)
	}
	order, err := c.Order(ctx(t), &kakaopay.OrderRequest{CID: testCID, TID: paid.TID})
	if err != nil || order.Status != kakaopay.StatusSuccessPayment || order.PaymentActionDetails[0].AID != paid.AID {
		t.Fatalf("Order = %+v, %v", order, err)
	}
	available := order.CancelAvailableAmount.Total
	cancel, err := c.Cancel(ctx(t), &kakaopay.CancelRequest{CID: testCID, TID: paid.TID, CancelAmount: 2200, CancelAvailableAmount: &available})
	if err != nil || cancel.Status != kakaopay.StatusCancelPayment || cancel.ApprovedCancelAmount.Total != 2200 || cancel.CanceledAt == "" {
		t.Fatalf("Cancel = %+v, %v", cancel, err)
	}
	ready, err := c.Ready(ctx(t), &kakaopay.ReadyRequest{CID: testCID, PartnerOrderID: "c-2", PartnerUserID: "M-1", ItemName: "cake",
		Quantity: 1, TotalAmount: 5000, ApprovalURL: "https://x.invalid/a", CancelURL: "https://x.invalid/c", FailURL: "https://x.invalid/f"})
	if err != nil || ready.TID == "" || ready.NextRedirectMobileURL == "" || ready.ExpiresAt == "" {
		t.Fatalf("Ready = %+v, %v", ready, err)
	}
}

func TestClientReadsTheSimulatorsRefusals(t *testing.T) {
	c, _ := simClient(t, testSecret)
	_, err := c.Barcode(ctx(t), barcodeRequest("c-51", 1051))
	e := wantKakaoPayError(t, "declined barcode", err, 400, kakaopay.ErrCodeApprovalFailure)
	if e.Extras == nil || e.Extras.MethodResultCode != kakaopay.MethodInsufficientBalance || e.Extras.MethodResultMessage == "" {
		t.Fatalf("extras = %+v", e.Extras)
	}
	_, err = c.Order(ctx(t), &kakaopay.OrderRequest{CID: testCID, PartnerOrderID: "never"})
	wantKakaoPayError(t, "order of an unknown payment", err, 400, kakaopay.ErrCodeNotFound)
	invalid := barcodeRequest("c-invalid", 1000)
	invalid.Barcode = "12345678901234567890"
	_, err = c.Barcode(ctx(t), invalid)
	wantKakaoPayError(t, "foreign barcode", err, 400, kakaopay.ErrCodeInvalidBarcode)

	if _, err := c.Barcode(ctx(t), barcodeRequest("c-96", 1096)); !errors.Is(err, kakaopay.ErrHTTPStatus) {
		t.Fatalf("lost answer: error = %v, want ErrHTTPStatus", err)
	}
	if repeat, err := c.Barcode(ctx(t), barcodeRequest("c-96", 1096)); err != nil || repeat.Status != kakaopay.StatusSuccessPayment {
		t.Fatalf("repeat of the lost answer = %+v, %v", repeat, err)
	}
}

func TestClientWithAnotherSecretIsUnauthorized(t *testing.T) {
	c, s := simClient(t, "WRONG0123456789")
	_, err := c.Barcode(ctx(t), barcodeRequest("c-401", 1000))
	wantKakaoPayError(t, "barcode with another secret", err, 401, kakaopay.ErrCodeUnauthorized)
	if n := len(s.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments", n)
	}
}
