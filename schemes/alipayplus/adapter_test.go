package alipayplus_test

import (
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

func TestCapabilitiesDescribeAlipayPlus(t *testing.T) {
	s := newSystem(t)
	caps, err := s.adapter.GetCapabilities(ctx(t), &schemev1.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities: %v", err)
	}
	if caps.SchemeId != "ALIPAYPLUS" || caps.ContractVersion != "v1" || caps.DisplayName != "Alipay+" {
		t.Fatalf("identity = %q %q %q", caps.SchemeId, caps.ContractVersion, caps.DisplayName)
	}
	for _, c := range []string{"EUR", "GBP", "CHF", "SEK", "DKK", "NOK", "PLN", "CZK", "HUF", "USD"} {
		if !slices.Contains(caps.ChargeCurrencies, c) {
			t.Errorf("charge currencies %v lack %s", caps.ChargeCurrencies, c)
		}
	}
	want := []*schemev1.CodeFormat{
		{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: []string{"25", "26", "27", "28", "29", "30"}, MinLength: 16, MaxLength: 24},
		{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{"F0414C495041592B"}},
	}
	if len(caps.CodeFormats) != len(want) || !proto.Equal(caps.CodeFormats[0], want[0]) || !proto.Equal(caps.CodeFormats[1], want[1]) {
		t.Fatalf("code formats = %v, want %v", caps.CodeFormats, want)
	}
	if !caps.SupportsCancel || !caps.SupportsRefund || !caps.SupportsPartialRefund || !caps.SupportsMerchantPresented ||
		caps.MerchantPresentedFormat != schemev1.QRFormat_QR_FORMAT_EMVCO_MPM {
		t.Fatalf("supports = cancel %v refund %v partial %v merchant-presented %v",
			caps.SupportsCancel, caps.SupportsRefund, caps.SupportsPartialRefund, caps.SupportsMerchantPresented)
	}
	if caps.CancelWindowSeconds != int64(alipayplus.DefaultCancelWindow/time.Second) {
		t.Fatalf("cancel window = %ds, want the default %v", caps.CancelWindowSeconds, alipayplus.DefaultCancelWindow)
	}
}

func TestCancelWindowIsConfigurable(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.CancelWindow = 2 * time.Hour }))
	caps, err := s.adapter.GetCapabilities(ctx(t), &schemev1.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities: %v", err)
	}
	if caps.CancelWindowSeconds != 7200 {
		t.Fatalf("cancel window = %ds, want 7200", caps.CancelWindowSeconds)
	}
}

func TestPayOutcomeFollowsTheLastTwoDigitsOfTheAmount(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		minorUnits int64
		status     schemev1.ResultStatus
		reason     schemev1.FailureReason
		schemeCode string
		ledger     sim.Status
	}{
		{1000, success, noReason, "SUCCESS", sim.StatusPaid},
		{1051, failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS, "USER_BALANCE_NOT_ENOUGH", sim.StatusFailed},
		{1054, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED, "EXPIRED_CODE", sim.StatusFailed},
		{1005, failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR, "PROCESS_FAIL", sim.StatusFailed},
		{1059, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED, "RISK_REJECT", sim.StatusFailed},
		{1061, failure, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED, "USER_AMOUNT_EXCEED_LIMIT", sim.StatusFailed},
		{1091, unknown, noReason, "PAYMENT_IN_PROCESS", sim.StatusProcessing},
		{1092, unknown, noReason, "PAYMENT_IN_PROCESS", sim.StatusProcessing},
		{1099, success, noReason, "SUCCESS", sim.StatusPaid},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("amount %d", c.minorUnits), func(t *testing.T) {
			key := fmt.Sprintf("outcome-%d", c.minorUnits)
			resp := s.pay(t, payRequest(key, alipayCode, c.minorUnits))
			wantResult(t, "Pay", resp.Result, c.status, c.reason)
			if resp.Result.SchemeCode != c.schemeCode {
				t.Fatalf("scheme code = %q, want %q", resp.Result.SchemeCode, c.schemeCode)
			}
			if got := s.payment(t, key); got.Status != c.ledger {
				t.Fatalf("ledger status = %s, want %s", got.Status, c.ledger)
			}
		})
	}
	s.reconcile(t)
}

func TestApprovedPayReportsTheWalletsDetails(t *testing.T) {
	s := newSystem(t)
	brands := map[string]string{"25": "GCash", "28": "Alipay", "30": "DANA"}
	for prefix, brand := range brands {
		key := "brand-" + prefix
		resp := s.pay(t, payRequest(key, prefix+"1234567890123456", 2500))
		wantResult(t, "Pay", resp.Result, success, noReason)
		if resp.WalletBrand != brand {
			t.Errorf("code %s…: wallet brand = %q, want %q", prefix, resp.WalletBrand, brand)
		}
		if resp.SchemeTransactionId == "" || resp.SchemeTransactionId != s.payment(t, key).WalletTxnID {
			t.Errorf("scheme transaction id = %q, ledger says %q", resp.SchemeTransactionId, s.payment(t, key).WalletTxnID)
		}
		if !proto.Equal(resp.WalletAmount, &schemev1.Money{Currency: "EUR", MinorUnits: 2500}) {
			t.Errorf("wallet amount = %v, want EUR 2500", resp.WalletAmount)
		}
		if _, err := time.Parse(time.RFC3339, resp.PaidAt); err != nil {
			t.Errorf("paid_at %q is not RFC 3339: %v", resp.PaidAt, err)
		}
	}
}

func TestInProcessPaymentIsPaidAtTheThirdInquiry(t *testing.T) {
	s := newSystem(t)
	resp := s.pay(t, payRequest("rule-91", alipayCode, 4291))
	wantResult(t, "Pay", resp.Result, unknown, noReason)
	wantResult(t, "first Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	wantResult(t, "second Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	third := s.inquire(t, "rule-91")
	wantResult(t, "third Inquire", third.Result, success, noReason)
	if third.WalletBrand != "Alipay" || third.PaidAt == "" || third.WalletAmount.GetMinorUnits() != 4291 {
		t.Fatalf("third Inquire = %v", third)
	}
	if p := s.payment(t, "rule-91"); p.Status != sim.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d times, want paid once", p.Status, p.Charges)
	}
	s.reconcile(t)
}

func TestPaymentInProcessForeverEndsOnlyByCancel(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-92", alipayCode, 4292)).Result, unknown, noReason)
	for i := range 5 {
		wantResult(t, fmt.Sprintf("Inquire %d", i+1), s.inquire(t, "rule-92").Result, unknown, noReason)
	}
	wantResult(t, "Cancel", s.cancel(t, "rule-92").Result, success, noReason)
	wantResult(t, "Inquire after Cancel", s.inquire(t, "rule-92").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "repeated Cancel", s.cancel(t, "rule-92").Result, success, noReason)
	if p := s.payment(t, "rule-92"); p.Status != sim.StatusCancelled || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times, want cancelled and never charged", p.Status, p.Charges)
	}
	s.reconcile(t)
}

func TestSlowPaymentIsUnknownThenPaidAndCancelReturnsIt(t *testing.T) {
	// Generous margins: the test also asserts what happens before the delay.
	const slowDelay = 1500 * time.Millisecond
	s := newSystem(t,
		withSim(func(c *sim.Config) { c.SlowDelay = slowDelay }),
		withAdapter(func(c *alipayplus.Config) { c.HTTPTimeout = 150 * time.Millisecond }))
	start := time.Now()
	resp := s.pay(t, payRequest("rule-93", alipayCode, 4293))
	wantResult(t, "Pay", resp.Result, unknown, noReason)
	if elapsed := time.Since(start); elapsed >= slowDelay {
		t.Fatalf("Pay took %v: the adapter waited for the held response instead of its own timeout", elapsed)
	}
	wantResult(t, "Inquire during the delay", s.inquire(t, "rule-93").Result, unknown, noReason)

	paid := waitForInquiry(t, s, "rule-93", success, 5*time.Second)
	if elapsed := time.Since(start); elapsed < slowDelay {
		t.Fatalf("paid after %v, before the slow delay of %v", elapsed, slowDelay)
	}
	if paid.WalletAmount.GetMinorUnits() != 4293 {
		t.Fatalf("Inquire = %v", paid)
	}
	wantResult(t, "Cancel", s.cancel(t, "rule-93").Result, success, noReason)
	p := s.payment(t, "rule-93")
	if p.Status != sim.StatusCancelled || p.Charges != 1 || p.Reversed != 4293 {
		t.Fatalf("ledger = %s charged %d reversed %d, want cancelled with 4293 returned", p.Status, p.Charges, p.Reversed)
	}
	s.reconcile(t)
}

func TestSlowPaymentCancelledDuringTheDelayIsNeverPaid(t *testing.T) {
	const slowDelay = time.Second
	s := newSystem(t,
		withSim(func(c *sim.Config) { c.SlowDelay = slowDelay }),
		withAdapter(func(c *alipayplus.Config) { c.HTTPTimeout = 100 * time.Millisecond }))
	wantResult(t, "Pay", s.pay(t, payRequest("rule-93c", alipayCode, 593)).Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "rule-93c").Result, success, noReason)
	time.Sleep(slowDelay + 200*time.Millisecond)
	wantResult(t, "Inquire after the delay", s.inquire(t, "rule-93c").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "rule-93c"); p.Charges != 0 {
		t.Fatalf("cancelled slow payment charged %d times", p.Charges)
	}
	s.reconcile(t)
}

// waitForInquiry inquires until the result has status or timeout passes.
func waitForInquiry(t *testing.T, s *system, key string, want schemev1.ResultStatus, timeout time.Duration) *schemev1.InquireResponse {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		resp := s.inquire(t, key)
		if resp.Result.Status == want {
			return resp
		}
		if time.Now().After(deadline) {
			t.Fatalf("Inquire still %v after %v", resp.Result.Status, timeout)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestLostResponseIsUnknownAndInquiryFindsOneCharge(t *testing.T) {
	s := newSystem(t)
	first := s.pay(t, payRequest("rule-96", alipayCode, 1296))
	wantResult(t, "first Pay", first.Result, unknown, noReason)
	inquiry := s.inquire(t, "rule-96")
	wantResult(t, "Inquire", inquiry.Result, success, noReason)
	retry := s.pay(t, payRequest("rule-96", alipayCode, 1296))
	wantResult(t, "repeated Pay", retry.Result, success, noReason)
	if retry.SchemeTransactionId != inquiry.SchemeTransactionId {
		t.Fatalf("repeated Pay id %q, inquiry id %q", retry.SchemeTransactionId, inquiry.SchemeTransactionId)
	}
	p := s.payment(t, "rule-96")
	if p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
	s.reconcile(t)
}

func TestRepeatedPayReturnsTheFirstResultWithoutASecondCharge(t *testing.T) {
	s := newSystem(t)
	first := s.pay(t, payRequest("idem-1", alipayCode, 3000))
	second := s.pay(t, payRequest("idem-1", alipayCode, 3000))
	wantResult(t, "first Pay", first.Result, success, noReason)
	wantResult(t, "second Pay", second.Result, success, noReason)
	if first.SchemeTransactionId != second.SchemeTransactionId || first.PaidAt != second.PaidAt {
		t.Fatalf("repeat answered %q at %s, first %q at %s", second.SchemeTransactionId, second.PaidAt, first.SchemeTransactionId, first.PaidAt)
	}
	declined := s.pay(t, payRequest("idem-2", alipayCode, 3051))
	declinedAgain := s.pay(t, payRequest("idem-2", alipayCode, 3051))
	if !proto.Equal(declined.Result, declinedAgain.Result) {
		t.Fatalf("repeated decline = %v, first %v", declinedAgain.Result, declined.Result)
	}
	if p := s.payment(t, "idem-1"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
	s.reconcile(t)
}

func TestSameKeyWithOtherContentIsAnIdempotencyMismatch(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("idem-3", alipayCode, 3000)).Result, success, noReason)
	changes := map[string]*schemev1.PayRequest{
		"amount": payRequest("idem-3", alipayCode, 3100),
		"code":   payRequest("idem-3", "251234567890123456", 3000),
	}
	for name, req := range changes {
		t.Run(name, func(t *testing.T) {
			resp := s.pay(t, req)
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
		})
	}
	if p := s.payment(t, "idem-3"); p.MinorUnits != 3000 || p.Charges != 1 {
		t.Fatalf("ledger = %d charged %d times, want the first payment alone", p.MinorUnits, p.Charges)
	}
	s.reconcile(t)
}

func TestRefundsAreFullOrPartialButNeverAboveWhatRemains(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("pay-r", alipayCode, 10000)).Result, success, noReason)

	partial := s.refund(t, "refund-1", "pay-r", 3000)
	wantResult(t, "partial Refund", partial.Result, success, noReason)
	if partial.SchemeRefundId == "" || partial.WalletAmount.GetMinorUnits() != 3000 {
		t.Fatalf("partial Refund = %v", partial)
	}
	repeat := s.refund(t, "refund-1", "pay-r", 3000)
	if repeat.SchemeRefundId != partial.SchemeRefundId || repeat.Result.Status != success {
		t.Fatalf("repeated Refund = %v, first %v", repeat, partial)
	}
	wantResult(t, "Refund over the rest", s.refund(t, "refund-2", "pay-r", 7001).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT)
	wantResult(t, "same refund key, other amount", s.refund(t, "refund-1", "pay-r", 2000).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	wantResult(t, "Refund of the rest", s.refund(t, "refund-3", "pay-r", 7000).Result, success, noReason)
	wantResult(t, "Refund of a fully refunded payment", s.refund(t, "refund-4", "pay-r", 1).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT)
	if p := s.payment(t, "pay-r"); p.Refunded != 10000 || len(p.RefundIDs) != 2 {
		t.Fatalf("ledger: refunded %d in %d refunds, want 10000 in 2", p.Refunded, len(p.RefundIDs))
	}
	s.reconcile(t)
}

func TestRefundOfAPaymentThatIsNotPaidFails(t *testing.T) {
	s := newSystem(t)
	s.pay(t, payRequest("declined", alipayCode, 551))
	s.pay(t, payRequest("voided", alipayCode, 592))
	s.cancel(t, "voided")
	wantResult(t, "Refund of an unknown payment", s.refund(t, "rf-a", "never-paid", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)
	wantResult(t, "Refund of a cancelled payment", s.refund(t, "rf-b", "voided", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "Refund of a declined payment", s.refund(t, "rf-c", "declined", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)
	s.reconcile(t)
}

func TestCancelAfterTheWindowFailsAndRefundStillWorks(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withSim(func(c *sim.Config) { c.Now = clock.Now; c.CancelWindow = time.Hour }))
	wantResult(t, "Pay", s.pay(t, payRequest("late", alipayCode, 800)).Result, success, noReason)
	clock.Advance(time.Hour + time.Second)
	cancel := s.cancel(t, "late")
	wantResult(t, "Cancel", cancel.Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED)
	if cancel.Result.SchemeCode != alipayplus.CodeCancelWindowExceed {
		t.Fatalf("scheme code = %q", cancel.Result.SchemeCode)
	}
	wantResult(t, "Refund", s.refund(t, "late-refund", "late", 800).Result, success, noReason)
	if p := s.payment(t, "late"); p.Status != sim.StatusPaid || p.Refunded != 800 {
		t.Fatalf("ledger = %s refunded %d", p.Status, p.Refunded)
	}
	s.reconcile(t)
}

func TestCancelBeforeThePayArrivesStopsALatePay(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Cancel", s.cancel(t, "in-flight").Result, success, noReason)
	wantResult(t, "late Pay", s.pay(t, payRequest("in-flight", alipayCode, 1000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "in-flight"); p.Charges != 0 {
		t.Fatalf("late pay charged %d times", p.Charges)
	}
	s.reconcile(t)
}

func TestInvalidCodesAreDeclinedAsInvalidCode(t *testing.T) {
	s := newSystem(t)
	codes := map[string]string{
		"prefix 12":    "121234567890123456",
		"prefix 31":    "311234567890123456",
		"15 digits":    "281234567890123",
		"25 digits":    "2812345678901234567890123",
		"not digits":   "28123456789012345X",
		"far too long": strings.Repeat("2", 600),
	}
	for name, code := range codes {
		t.Run(name, func(t *testing.T) {
			resp := s.pay(t, payRequest("invalid-"+strings.ReplaceAll(name, " ", "-"), code, 1000))
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE)
			if strings.Contains(resp.String(), code) {
				t.Fatalf("response quotes the code: %v", resp)
			}
		})
	}
	if _, ok := s.sim.Ledger().Payment("invalid-far-too-long"); ok {
		t.Fatal("a code far too long to be an Alipay+ code was sent to the wallet")
	}
	s.reconcile(t)
}

func TestAConsumerPresentedCodeOfTheAlipayPlusAIDIsPaid(t *testing.T) {
	s := newSystem(t)
	// 85 "CPV01", then an application template with the AID, a label and
	// a PAN.
	payload := []byte("\x85\x05CPV01\x61\x1A\x4F\x08\xF0ALIPAY+\x50\x04TEST\x5A\x08\x28\x10\x99\x88\x77\x66\x55\x44")
	code := base64.StdEncoding.EncodeToString(payload)
	resp := s.pay(t, payRequest("cpm-paid", code, 1000))
	wantResult(t, "Pay", resp.Result, success, noReason)
	if resp.WalletBrand != sim.CPMBrand {
		t.Fatalf("wallet brand = %q, want %q", resp.WalletBrand, sim.CPMBrand)
	}
	s.reconcile(t)
}

func TestUnsupportedCurrencyIsDeclinedWithoutCallingTheWallet(t *testing.T) {
	s := newSystem(t)
	req := payRequest("jpy", alipayCode, 1000)
	req.Amount.Currency = "JPY"
	wantResult(t, "Pay", s.pay(t, req).Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	if _, ok := s.sim.Ledger().Payment("jpy"); ok {
		t.Fatal("the wallet was called for a currency the adapter does not charge")
	}
}

func TestRequestSignedWithTheWrongKeyIsRefused(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.PrivateKey = alipayplus.SharedTestKeys().Stranger }))
	resp := s.pay(t, payRequest("forged", alipayCode, 1000))
	wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST)
	if resp.Result.SchemeCode != alipayplus.CodeInvalidSignature {
		t.Fatalf("scheme code = %q, want INVALID_SIGNATURE", resp.Result.SchemeCode)
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments after a forged request", n)
	}
}

func TestResponseThatDoesNotVerifyIsUnknownEvenThoughMoneyMoved(t *testing.T) {
	cases := map[string]func(*testing.T) *system{
		"tampered body": newSystemBehindTamperingProxy,
		"wrong wallet key": func(t *testing.T) *system {
			return newSystem(t, withAdapter(func(c *alipayplus.Config) {
				c.WalletPublicKey = &alipayplus.SharedTestKeys().Stranger.PublicKey
			}))
		},
	}
	for name, start := range cases {
		t.Run(name, func(t *testing.T) {
			s := start(t)
			resp := s.pay(t, payRequest("tampered", alipayCode, 1000))
			wantResult(t, "Pay", resp.Result, unknown, noReason)
			if p := s.payment(t, "tampered"); p.Status != sim.StatusPaid {
				t.Fatalf("ledger = %s: the test needs a payment that did move money", p.Status)
			}
		})
	}
}

// newSystemBehindTamperingProxy is a system whose adapter reaches the
// simulator through a proxy that alters every response body.
func newSystemBehindTamperingProxy(t *testing.T) *system {
	t.Helper()
	direct := newSystem(t)
	direct.adapter = serveAdapter(t, adapterConfig(tamperingProxy(t, direct.simURL)))
	return direct
}

func TestSignedAnswerAboutAnotherPaymentIsUnknown(t *testing.T) {
	keys := alipayplus.SharedTestKeys()
	answers := map[string]string{
		alipayplus.PathPay:            `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentRequestId":"someone-else","paymentId":"1"}`,
		alipayplus.PathInquiryPayment: `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentStatus":"SUCCESS","paymentRequestId":"someone-else"}`,
		alipayplus.PathCancelPayment:  `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"paymentRequestId":"someone-else"}`,
		alipayplus.PathRefund:         `{"result":{"resultStatus":"S","resultCode":"SUCCESS"},"refundRequestId":"someone-else"}`,
	}
	replayer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := answers[r.URL.Path]
		now := time.Now().Format(time.RFC3339)
		sig, err := alipayplus.Message{Method: "POST", Path: r.URL.Path, ClientID: clientID, Time: now, Body: []byte(body)}.Sign(keys.Wallet, "1")
		if err != nil {
			t.Errorf("sign: %v", err)
		}
		w.Header().Set(alipayplus.HeaderResponseTime, now)
		w.Header().Set(alipayplus.HeaderSignature, sig)
		w.Write([]byte(body))
	}))
	defer replayer.Close()
	s := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.BaseURL = replayer.URL }))
	wantResult(t, "Pay", s.pay(t, payRequest("mine", alipayCode, 1000)).Result, unknown, noReason)
	wantResult(t, "Inquire", s.inquire(t, "mine").Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "mine").Result, unknown, noReason)
	wantResult(t, "Refund", s.refund(t, "mine-r", "mine", 10).Result, unknown, noReason)
}

func TestUnreachableWalletIsUnknown(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.BaseURL = "http://127.0.0.1:1" }))
	wantResult(t, "Pay", s.pay(t, payRequest("down", alipayCode, 1000)).Result, unknown, noReason)
	wantResult(t, "Inquire", s.inquire(t, "down").Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "down").Result, unknown, noReason)
	wantResult(t, "Refund", s.refund(t, "down-r", "down", 10).Result, unknown, noReason)
}

func TestLogsNeverShowTheFullCode(t *testing.T) {
	var logs adaptertest.LogBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	up := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.Logger = logger }))
	down := newSystem(t, withAdapter(func(c *alipayplus.Config) { c.Logger = logger; c.BaseURL = "http://127.0.0.1:1" }))
	up.pay(t, payRequest("logged-1", alipayCode, 1000))
	down.pay(t, payRequest("logged-2", alipayCode, 1000))
	out := logs.String()
	if strings.Contains(out, alipayCode) {
		t.Fatalf("logs contain the full code:\n%s", out)
	}
	if strings.Count(out, walletcode.Mask(alipayCode)) != 2 {
		t.Fatalf("logs do not name the masked code once per Pay:\n%s", out)
	}
}

func TestMalformedRequestsAreInvalidArgumentNamingTheField(t *testing.T) {
	s := newSystem(t)
	pay := func(change func(*schemev1.PayRequest)) func() error {
		return func() error {
			req := payRequest("bad-input", alipayCode, 1000)
			change(req)
			_, err := s.adapter.Pay(ctx(t), req)
			return err
		}
	}
	refund := func(change func(*schemev1.RefundRequest)) func() error {
		return func() error {
			req := &schemev1.RefundRequest{RefundIdempotencyKey: "r", PaymentIdempotencyKey: "p",
				Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 1}}
			change(req)
			_, err := s.adapter.Refund(ctx(t), req)
			return err
		}
	}
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"pay without key", pay(func(r *schemev1.PayRequest) { r.IdempotencyKey = "" }), "idempotency_key"},
		{"pay with a key over 64", pay(func(r *schemev1.PayRequest) { r.IdempotencyKey = strings.Repeat("k", 65) }), "idempotency_key"},
		{"pay without code", pay(func(r *schemev1.PayRequest) { r.PaymentCode = "" }), "payment_code"},
		{"pay without amount", pay(func(r *schemev1.PayRequest) { r.Amount = nil }), "amount"},
		{"pay of zero", pay(func(r *schemev1.PayRequest) { r.Amount.MinorUnits = 0 }), "amount.minor_units"},
		{"pay of a negative amount", pay(func(r *schemev1.PayRequest) { r.Amount.MinorUnits = -5 }), "amount.minor_units"},
		{"pay without currency", pay(func(r *schemev1.PayRequest) { r.Amount.Currency = "" }), "amount.currency"},
		{"pay in a lower-case currency", pay(func(r *schemev1.PayRequest) { r.Amount.Currency = "eur" }), "amount.currency"},
		{"pay without merchant", pay(func(r *schemev1.PayRequest) { r.Merchant = nil }), "merchant.merchant_id"},
		{"inquire without key", func() error {
			_, err := s.adapter.Inquire(ctx(t), &schemev1.InquireRequest{})
			return err
		}, "idempotency_key"},
		{"cancel without key", func() error {
			_, err := s.adapter.Cancel(ctx(t), &schemev1.CancelRequest{})
			return err
		}, "idempotency_key"},
		{"refund without key", refund(func(r *schemev1.RefundRequest) { r.RefundIdempotencyKey = "" }), "refund_idempotency_key"},
		{"refund without payment key", refund(func(r *schemev1.RefundRequest) { r.PaymentIdempotencyKey = "" }), "payment_idempotency_key"},
		{"refund of zero", refund(func(r *schemev1.RefundRequest) { r.Amount.MinorUnits = 0 }), "amount.minor_units"},
		{"refund without currency", refund(func(r *schemev1.RefundRequest) { r.Amount.Currency = "" }), "amount.currency"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			st, _ := status.FromError(err)
			if st.Code() != codes.InvalidArgument || !strings.HasPrefix(st.Message(), c.field+" ") {
				t.Fatalf("error = %v, want InvalidArgument naming %s", err, c.field)
			}
			if strings.Contains(st.Message(), alipayCode) {
				t.Fatalf("error quotes the code: %v", err)
			}
		})
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("malformed requests reached the wallet: %d payments", n)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	keys := alipayplus.SharedTestKeys()
	good := alipayplus.Config{BaseURL: "https://example.test", ClientID: "C", PrivateKey: keys.Acquirer, WalletPublicKey: &keys.Wallet.PublicKey}
	bad := map[string]func(*alipayplus.Config){
		"no base URL":           func(c *alipayplus.Config) { c.BaseURL = "" },
		"no client id":          func(c *alipayplus.Config) { c.ClientID = "" },
		"no private key":        func(c *alipayplus.Config) { c.PrivateKey = nil },
		"no wallet key":         func(c *alipayplus.Config) { c.WalletPublicKey = nil },
		"malformed currency":    func(c *alipayplus.Config) { c.ChargeCurrencies = []string{"EURO"} },
		"negative HTTP timeout": func(c *alipayplus.Config) { c.HTTPTimeout = -1 },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		if _, err := alipayplus.New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
	if _, err := alipayplus.New(good); err != nil {
		t.Fatalf("New(good) = %v", err)
	}
}
