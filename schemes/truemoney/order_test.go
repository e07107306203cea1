package truemoney_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/emvco"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
)

func TestOrderIsPendingUntilScannedThenPaid(t *testing.T) {
	s := newSystem(t)
	created := s.createOrder(t, orderRequest("order-1", 15000))
	wantResult(t, "CreateOrder", created.Result, success, noReason)
	if created.QrFormat != schemev1.QRFormat_QR_FORMAT_EMVCO_MPM || created.SchemeTransactionId == "" {
		t.Fatalf("CreateOrder = %v", created)
	}
	if _, err := time.Parse(time.RFC3339, created.ExpiresAt); err != nil {
		t.Fatalf("expires_at %q: %v", created.ExpiresAt, err)
	}
	wantResult(t, "Inquire before the scan", s.inquire(t, "order-1").Result, pending, noReason)
	answer, err := s.scan(t, created.QrPayload)
	if err != nil || answer.Status != simkit.StatusPaid {
		t.Fatalf("scan = %+v, %v; want paid", answer, err)
	}
	paid := s.inquire(t, "order-1")
	wantResult(t, "Inquire after the scan", paid.Result, success, noReason)
	if !proto.Equal(paid.WalletAmount, thb(15000)) || paid.SchemeTransactionId != created.SchemeTransactionId {
		t.Fatalf("Inquire = %v", paid)
	}
	wantResult(t, "partial Refund of the order", s.refund(t, "order-1-r", "order-1", 5000).Result, success, noReason)
	if p := s.payment(t, "order-1"); p.Status != simkit.StatusPaid || p.Charges != 1 || p.Refunded != 5000 {
		t.Fatalf("ledger = %s charged %d refunded %d", p.Status, p.Charges, p.Refunded)
	}
}

func TestOrderPayloadIsAValidThaiQRForThisOrder(t *testing.T) {
	s := newSystem(t)
	created := s.createOrder(t, orderRequest("order-qr", 15000))
	wantResult(t, "CreateOrder", created.Result, success, noReason)
	if err := emvco.ValidateMPM(created.QrPayload); err != nil {
		t.Fatalf("payload does not validate: %v", err)
	}
	mpm, err := emvco.ParseMPM(created.QrPayload)
	if err != nil {
		t.Fatalf("ParseMPM: %v", err)
	}
	if mpm.PointOfInitiation != emvco.PointOfInitiationDynamic || mpm.Currency != "764" || mpm.Amount != "150.00" ||
		mpm.MCC != "5812" || mpm.Country != "CH" || mpm.MerchantName != "Cafe Zurich" || mpm.MerchantCity != "Zurich" {
		t.Fatalf("payload = %+v", mpm)
	}
	account, ok := truemoney.QRAccount(mpm)
	if !ok || account.Tag != "30" || account.GUID != "COM.TRUEMONEY" {
		t.Fatalf("merchant accounts = %+v, want TrueMoney's template in 30", mpm.MerchantAccounts)
	}
	token := s.payment(t, "order-qr").OrderToken
	want := []emvco.Field{{ID: "01", Value: token}, {ID: "02", Value: "order-qr"}}
	if len(account.Fields) != 2 || account.Fields[0] != want[0] || account.Fields[1] != want[1] {
		t.Fatalf("template fields = %v, want %v", account.Fields, want)
	}
	reference := emvco.Field{ID: "05", Value: created.SchemeTransactionId}
	if len(mpm.Additional) == 0 || mpm.Additional[0] != reference {
		t.Fatalf("additional data = %v, want the reference label %v", mpm.Additional, reference)
	}
}

func TestRepeatedCreateOrderReturnsTheSameOrderAndOtherContentIsAMismatch(t *testing.T) {
	s := newSystem(t)
	first := s.createOrder(t, orderRequest("order-idem", 2000))
	again := s.createOrder(t, orderRequest("order-idem", 2000))
	wantResult(t, "repeated CreateOrder", again.Result, success, noReason)
	if again.QrPayload != first.QrPayload || again.SchemeTransactionId != first.SchemeTransactionId {
		t.Fatalf("repeat answered another order:\n%v\n%v", again, first)
	}
	wantResult(t, "CreateOrder of another amount", s.createOrder(t, orderRequest("order-idem", 2100)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	wantResult(t, "Pay under the order's key", s.pay(t, payRequest("order-idem", tmnCode, 2000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	if p := s.payment(t, "order-idem"); p.PayCalls != 4 || p.Status != simkit.StatusAwaitingCustomer {
		t.Fatalf("ledger = %s after %d calls, want one order awaiting its customer", p.Status, p.PayCalls)
	}
}

func TestCancelledOrderCannotBePaid(t *testing.T) {
	s := newSystem(t)
	created := s.createOrder(t, orderRequest("order-cancel", 3000))
	wantResult(t, "CreateOrder", created.Result, success, noReason)
	wantResult(t, "Cancel", s.cancel(t, "order-cancel").Result, success, noReason)
	_, err := s.scan(t, created.QrPayload)
	var refused *simkit.ScanError
	if !errors.As(err, &refused) || refused.StatusCode != http.StatusConflict {
		t.Fatalf("scan of a cancelled order = %v, want a refusal (409)", err)
	}
	wantResult(t, "Inquire", s.inquire(t, "order-cancel").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "order-cancel"); p.Charges != 0 {
		t.Fatalf("cancelled order charged %d times", p.Charges)
	}
}

func TestOrderNobodyPaysExpires(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withSim(func(c *sim.Config) { c.Now = clock.Now }))
	req := orderRequest("order-expiry", 3000)
	req.ExpiresInSeconds = 60
	created := s.createOrder(t, req)
	wantResult(t, "CreateOrder", created.Result, success, noReason)
	if want := clock.Now().Add(time.Minute).Format(time.RFC3339); created.ExpiresAt != want {
		t.Fatalf("expires_at = %s, want %s", created.ExpiresAt, want)
	}
	clock.Advance(59 * time.Second)
	wantResult(t, "Inquire before the expiry", s.inquire(t, "order-expiry").Result, pending, noReason)
	clock.Advance(time.Second)
	expired := s.inquire(t, "order-expiry")
	wantResult(t, "Inquire at the expiry", expired.Result, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED)
	if expired.Result.SchemeCode != truemoney.StatusQROrderExpired {
		t.Fatalf("scheme code = %q, want %s", expired.Result.SchemeCode, truemoney.StatusQROrderExpired)
	}
	_, err := s.scan(t, created.QrPayload)
	var refused *simkit.ScanError
	if !errors.As(err, &refused) || refused.StatusCode != http.StatusConflict {
		t.Fatalf("scan of an expired order = %v, want a refusal (409)", err)
	}
	wantResult(t, "Cancel of the expired order", s.cancel(t, "order-expiry").Result, success, noReason)
}

func TestWalletShortensAnOrderLifetimeLongerThanItsOwn(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withSim(func(c *sim.Config) { c.Now = clock.Now; c.OrderLifetime = 2 * time.Minute }))
	req := orderRequest("order-long", 3000)
	req.ExpiresInSeconds = 3600
	created := s.createOrder(t, req)
	if want := clock.Now().Add(2 * time.Minute).Format(time.RFC3339); created.ExpiresAt != want {
		t.Fatalf("expires_at = %s, want the wallet's own limit %s", created.ExpiresAt, want)
	}
}

func TestScannedOrderFollowsTheAmountRule(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		key    string
		satang int64
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{"scan-51", 2051, failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS},
		{"scan-59", 2059, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED},
		{"scan-92", 2092, unknown, noReason},
	}
	for _, c := range cases {
		t.Run(c.key, func(t *testing.T) {
			created := s.createOrder(t, orderRequest(c.key, c.satang))
			if _, err := s.scan(t, created.QrPayload); err != nil {
				t.Fatalf("scan: %v", err)
			}
			wantResult(t, "Inquire after the scan", s.inquire(t, c.key).Result, c.status, c.reason)
		})
	}
	wantResult(t, "Cancel of the order in process", s.cancel(t, "scan-92").Result, success, noReason)
}

func TestScannedOrderWhoseAnswerIsLostIsFoundPaidByASecondInquiry(t *testing.T) {
	s := newSystem(t)
	created := s.createOrder(t, orderRequest("scan-96", 2096))
	if _, err := s.scan(t, created.QrPayload); err != nil {
		t.Fatalf("scan: %v", err)
	}
	wantResult(t, "first Inquire", s.inquire(t, "scan-96").Result, unknown, noReason)
	wantResult(t, "second Inquire", s.inquire(t, "scan-96").Result, success, noReason)
	if p := s.payment(t, "scan-96"); p.Charges != 1 {
		t.Fatalf("order charged %d times, want once", p.Charges)
	}
}

func TestScanOfAPayloadThatIsNotTrueMoneysIsRefused(t *testing.T) {
	s := newSystem(t)
	created := s.createOrder(t, orderRequest("order-tamper", 3000))
	tampered := created.QrPayload[:len(created.QrPayload)-1] + "0"
	if tampered == created.QrPayload {
		tampered = created.QrPayload[:len(created.QrPayload)-1] + "1"
	}
	for name, qr := range map[string]string{"bad CRC": tampered, "not a payload": "hello"} {
		t.Run(name, func(t *testing.T) {
			_, err := s.scan(t, qr)
			var refused *simkit.ScanError
			if !errors.As(err, &refused) || refused.StatusCode != http.StatusNotFound {
				t.Fatalf("scan = %v, want 404", err)
			}
		})
	}
	wantResult(t, "Inquire", s.inquire(t, "order-tamper").Result, pending, noReason)
}
