package kakaopay_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

func TestMerchantPresentedOrderIsPendingUntilTheCustomerScansAndPays(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withClock(clock))
	order := s.createOrder(t, orderRequest("mp-1", 12000))
	wantResult(t, "CreateOrder", order.Result, success, noReason)
	if order.QrFormat != schemev1.QRFormat_QR_FORMAT_URL || order.SchemeTransactionId != s.payment(t, "mp-1").WalletTxnID {
		t.Fatalf("order = %v", order)
	}
	u, err := url.Parse(order.QrPayload)
	if err != nil || !strings.HasPrefix(order.QrPayload, s.simURL+"/mockup/v1/") || !strings.HasSuffix(u.Path, "/mInfo") {
		t.Fatalf("QR payload %q is not the simulator's order URL", order.QrPayload)
	}
	expires, err := time.Parse(time.RFC3339, order.ExpiresAt)
	if err != nil || !expires.Equal(clock.Now().Add(kakaopay.DefaultOrderLifetime)) {
		t.Fatalf("expires_at = %q (%v), want %v", order.ExpiresAt, err, clock.Now().Add(kakaopay.DefaultOrderLifetime))
	}
	page := get(t, order.QrPayload)
	if !strings.Contains(page, "12000 KRW") || !strings.Contains(page, "READY") {
		t.Fatalf("order page = %s", page)
	}

	wantResult(t, "Inquire before the scan", s.inquire(t, "mp-1").Result, pending, noReason)
	answer, err := s.scan(t, order.QrPayload)
	if err != nil || answer.Status != simkit.StatusPaid {
		t.Fatalf("scan = %+v, %v", answer, err)
	}
	paid := s.inquire(t, "mp-1")
	wantResult(t, "Inquire after the scan", paid.Result, success, noReason)
	if paid.WalletAmount.GetMinorUnits() != 12000 || paid.WalletBrand != "KakaoPay" || paid.PaidAt == "" {
		t.Fatalf("Inquire = %v", paid)
	}
	if _, err := s.scan(t, order.QrPayload); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("second scan = %v, want 409", err)
	}
	wantResult(t, "Refund", s.refund(t, "mp-1-r", "mp-1", 2000).Result, success, noReason)
	if p := s.payment(t, "mp-1"); p.Charges != 1 || p.Refunded != 2000 {
		t.Fatalf("ledger: charged %d times, refunded %d", p.Charges, p.Refunded)
	}
}

func TestScannedOrdersFollowTheAmountRule(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		won    int64
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{2051, failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS},
		{2054, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED},
		{2005, failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR},
		{2059, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED},
		{2061, failure, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED},
		{2092, unknown, noReason},
		{2000, success, noReason},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d won", c.won), func(t *testing.T) {
			key := fmt.Sprintf("mp-rule-%d", c.won)
			order := s.createOrder(t, orderRequest(key, c.won))
			if _, err := s.scan(t, order.QrPayload); err != nil {
				t.Fatalf("scan: %v", err)
			}
			wantResult(t, "Inquire", s.inquire(t, key).Result, c.status, c.reason)
		})
	}
	wantResult(t, "Cancel of the order in process", s.cancel(t, "mp-rule-2092").Result, success, noReason)
}

func TestScannedOrderInProcessIsPaidAtTheThirdInquiry(t *testing.T) {
	s := newSystem(t)
	order := s.createOrder(t, orderRequest("mp-91", 3091))
	if _, err := s.scan(t, order.QrPayload); err != nil {
		t.Fatalf("scan: %v", err)
	}
	wantResult(t, "first Inquire", s.inquire(t, "mp-91").Result, unknown, noReason)
	wantResult(t, "second Inquire", s.inquire(t, "mp-91").Result, unknown, noReason)
	wantResult(t, "third Inquire", s.inquire(t, "mp-91").Result, success, noReason)
}

func TestScannedOrderWithALostAnswerIsFoundOnTheNextInquiry(t *testing.T) {
	s := newSystem(t)
	order := s.createOrder(t, orderRequest("mp-96", 3096))
	if _, err := s.scan(t, order.QrPayload); err != nil {
		t.Fatalf("scan: %v", err)
	}
	wantResult(t, "Inquire answered with a server error", s.inquire(t, "mp-96").Result, unknown, noReason)
	wantResult(t, "next Inquire", s.inquire(t, "mp-96").Result, success, noReason)
}

func TestMerchantAmountChoosesTheOutcomeOfAnOrder(t *testing.T) {
	s := newSystem(t)
	req := orderRequest("mp-fx", 30000)
	req.MerchantAmount = &schemev1.Money{Currency: "GBP", MinorUnits: 1759}
	order := s.createOrder(t, req)
	if _, err := s.scan(t, order.QrPayload); err != nil {
		t.Fatalf("scan: %v", err)
	}
	wantResult(t, "Inquire", s.inquire(t, "mp-fx").Result, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED)
}

func TestCancelledOrderCannotBeScanned(t *testing.T) {
	s := newSystem(t)
	order := s.createOrder(t, orderRequest("mp-c", 5000))
	wantResult(t, "Cancel", s.cancel(t, "mp-c").Result, success, noReason)
	if _, err := s.scan(t, order.QrPayload); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("scan after Cancel = %v, want 409", err)
	}
	wantResult(t, "Inquire", s.inquire(t, "mp-c").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "repeated Cancel", s.cancel(t, "mp-c").Result, success, noReason)
	if p := s.payment(t, "mp-c"); p.Status != simkit.StatusCancelled || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times", p.Status, p.Charges)
	}
}

func TestPaidOrderCancelledReturnsTheMoney(t *testing.T) {
	s := newSystem(t)
	order := s.createOrder(t, orderRequest("mp-pc", 5000))
	if _, err := s.scan(t, order.QrPayload); err != nil {
		t.Fatalf("scan: %v", err)
	}
	wantResult(t, "Cancel", s.cancel(t, "mp-pc").Result, success, noReason)
	if p := s.payment(t, "mp-pc"); p.Status != simkit.StatusCancelled || p.Reversed != 5000 {
		t.Fatalf("ledger = %s reversed %d", p.Status, p.Reversed)
	}
}

func TestOrderExpiresUnpaid(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withClock(clock))
	req := orderRequest("mp-x", 7000)
	req.ExpiresInSeconds = 60
	order := s.createOrder(t, req)
	if want := clock.Now().Add(time.Minute).Format(time.RFC3339); !sameInstant(order.ExpiresAt, want) {
		t.Fatalf("expires_at = %q, want %s", order.ExpiresAt, want)
	}
	wantResult(t, "Inquire before expiry", s.inquire(t, "mp-x").Result, pending, noReason)
	clock.Advance(61 * time.Second)
	wantResult(t, "Inquire after expiry", s.inquire(t, "mp-x").Result, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED)
	if _, err := s.scan(t, order.QrPayload); !isScanRefusal(err, http.StatusConflict) {
		t.Fatalf("scan after expiry = %v, want 409", err)
	}
	wantResult(t, "Cancel of the expired order", s.cancel(t, "mp-x").Result, success, noReason)
	if p := s.payment(t, "mp-x"); p.Status != simkit.StatusExpired || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times", p.Status, p.Charges)
	}
}

func TestOrderLifetimeCapsTheExpiryAskedFor(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withClock(clock))
	req := orderRequest("mp-long", 7000)
	req.ExpiresInSeconds = 3600
	order := s.createOrder(t, req)
	if !sameInstant(order.ExpiresAt, clock.Now().Add(kakaopay.DefaultOrderLifetime).Format(time.RFC3339)) {
		t.Fatalf("expires_at = %q, want the lifetime of %v", order.ExpiresAt, kakaopay.DefaultOrderLifetime)
	}
}

func TestRepeatedCreateOrderAnswersTheSameOrder(t *testing.T) {
	s := newSystem(t)
	first := s.createOrder(t, orderRequest("mp-r", 8000))
	again := s.createOrder(t, orderRequest("mp-r", 8000))
	if first.SchemeTransactionId != again.SchemeTransactionId || first.QrPayload != again.QrPayload {
		t.Fatalf("repeat = %v, first %v", again, first)
	}
	wantResult(t, "CreateOrder of another amount", s.createOrder(t, orderRequest("mp-r", 8100)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	s.pay(t, payRequest("paid-key", kakaoCode, 8000))
	wantResult(t, "CreateOrder under a payment's key", s.createOrder(t, orderRequest("paid-key", 8000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	if n := len(s.sim.Ledger().Payments()); n != 2 {
		t.Fatalf("ledger holds %d payments and orders, want 2", n)
	}
}

func TestScanOfSomethingElseIsRefused(t *testing.T) {
	s := newSystem(t)
	for _, qr := range []string{s.simURL + "/mockup/v1/0123456789abcdef01234567/mInfo", "https://example.com/pay", "not a URL"} {
		if _, err := s.scan(t, qr); !isScanRefusal(err, http.StatusNotFound) {
			t.Errorf("scan of %q = %v, want 404", qr, err)
		}
	}
}

func isScanRefusal(err error, status int) bool {
	var refusal *simkit.ScanError
	return errors.As(err, &refusal) && refusal.StatusCode == status
}

func sameInstant(a, b string) bool {
	ta, errA := time.Parse(time.RFC3339, a)
	tb, errB := time.Parse(time.RFC3339, b)
	return errA == nil && errB == nil && ta.Equal(tb)
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, body)
	}
	return string(body)
}
