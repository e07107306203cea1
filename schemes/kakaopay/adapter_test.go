package kakaopay_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/kakaopay/sim"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

func TestCapabilitiesDescribeKakaoPay(t *testing.T) {
	s := newSystem(t)
	caps, err := s.adapter.GetCapabilities(ctx(t), &schemev1.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities: %v", err)
	}
	if caps.SchemeId != "KAKAOPAY" || caps.ContractVersion != "v1" || caps.DisplayName != "KakaoPay" {
		t.Fatalf("identity = %q %q %q", caps.SchemeId, caps.ContractVersion, caps.DisplayName)
	}
	if len(caps.ChargeCurrencies) != 1 || caps.ChargeCurrencies[0] != "KRW" {
		t.Fatalf("charge currencies = %v, want KRW alone", caps.ChargeCurrencies)
	}
	want := []*schemev1.CodeFormat{
		{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: []string{"5410"}, MinLength: 20, MaxLength: 20},
		{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{"F04B414B414F"}},
	}
	if len(caps.CodeFormats) != len(want) || !proto.Equal(caps.CodeFormats[0], want[0]) || !proto.Equal(caps.CodeFormats[1], want[1]) {
		t.Fatalf("code formats = %v, want %v", caps.CodeFormats, want)
	}
	if !caps.SupportsCancel || !caps.SupportsRefund || !caps.SupportsPartialRefund || !caps.SupportsMerchantPresented {
		t.Fatalf("supports = cancel %v refund %v partial %v merchant-presented %v",
			caps.SupportsCancel, caps.SupportsRefund, caps.SupportsPartialRefund, caps.SupportsMerchantPresented)
	}
	if caps.MerchantPresentedFormat != schemev1.QRFormat_QR_FORMAT_URL {
		t.Fatalf("merchant-presented format = %v", caps.MerchantPresentedFormat)
	}
	if caps.CancelWindowSeconds != int64(sim.DefaultCancelWindow/time.Second) {
		t.Fatalf("cancel window = %ds, want the simulator's default %v", caps.CancelWindowSeconds, sim.DefaultCancelWindow)
	}
}

func TestPayOutcomeFollowsTheLastTwoDigitsOfTheAmount(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		won        int64
		status     schemev1.ResultStatus
		reason     schemev1.FailureReason
		schemeCode string
		ledger     simkit.Status
	}{
		{1000, success, noReason, "SUCCESS_PAYMENT", simkit.StatusPaid},
		{1051, failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS, "-780:INSUFFICIENT_BALANCE", simkit.StatusFailed},
		{1054, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED, "-780:EXPIRED_BARCODE", simkit.StatusFailed},
		{1005, failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR, "-780:PAYMENT_DECLINED", simkit.StatusFailed},
		{1059, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED, "-780:FDS_DECLINED", simkit.StatusFailed},
		{1061, failure, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED, "-780:LIMIT_EXCEEDED", simkit.StatusFailed},
		{1091, unknown, noReason, "AUTH_PASSWORD", simkit.StatusProcessing},
		{1092, unknown, noReason, "AUTH_PASSWORD", simkit.StatusProcessing},
		{1099, success, noReason, "SUCCESS_PAYMENT", simkit.StatusPaid},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%d won", c.won), func(t *testing.T) {
			key := fmt.Sprintf("outcome-%d", c.won)
			resp := s.pay(t, payRequest(key, kakaoCode, c.won))
			wantResult(t, "Pay", resp.Result, c.status, c.reason)
			if resp.Result.SchemeCode != c.schemeCode {
				t.Fatalf("scheme code = %q, want %q", resp.Result.SchemeCode, c.schemeCode)
			}
			if got := s.payment(t, key); got.Status != c.ledger {
				t.Fatalf("ledger status = %s, want %s", got.Status, c.ledger)
			}
		})
	}
}

func TestMerchantAmountChoosesTheOutcomeWhenTheGatewayConverted(t *testing.T) {
	s := newSystem(t)
	converted := func(key string, won, eurCents int64) *schemev1.PayRequest {
		req := payRequest(key, kakaoCode, won)
		req.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: eurCents}
		return req
	}
	wantResult(t, "Pay of EUR 13.51 as 20,000 won", s.pay(t, converted("fx-51", 20000, 1351)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS)
	wantResult(t, "Pay of EUR 13.00 as 20,051 won", s.pay(t, converted("fx-00", 20051, 1300)).Result, success, noReason)
	if p := s.payment(t, "fx-00"); p.MerchantCurrency != "EUR" || p.MerchantMinorUnits != 1300 || p.MinorUnits != 20051 {
		t.Fatalf("ledger = %s %d charged as %d won", p.MerchantCurrency, p.MerchantMinorUnits, p.MinorUnits)
	}
}

func TestApprovedPayReportsTheWalletsDetails(t *testing.T) {
	s := newSystem(t)
	resp := s.pay(t, payRequest("details", kakaoCode, 4500))
	wantResult(t, "Pay", resp.Result, success, noReason)
	p := s.payment(t, "details")
	if resp.SchemeTransactionId == "" || resp.SchemeTransactionId != p.WalletTxnID || !strings.HasPrefix(resp.SchemeTransactionId, "T") {
		t.Fatalf("scheme transaction id = %q, ledger says %q", resp.SchemeTransactionId, p.WalletTxnID)
	}
	if !proto.Equal(resp.WalletAmount, &schemev1.Money{Currency: "KRW", MinorUnits: 4500}) || resp.WalletBrand != "KakaoPay" {
		t.Fatalf("wallet amount %v, brand %q", resp.WalletAmount, resp.WalletBrand)
	}
	paidAt, err := time.Parse(time.RFC3339, resp.PaidAt)
	if err != nil || !paidAt.Equal(p.PaidAt.Truncate(time.Second)) || !strings.HasSuffix(resp.PaidAt, "+09:00") {
		t.Fatalf("paid_at %q (%v), ledger %v", resp.PaidAt, err, p.PaidAt)
	}
}

func TestConsumerPresentedEMVCoCodesArePaidByTheirAID(t *testing.T) {
	s := newSystem(t)
	kakao := adaptertest.CPM(t, kakaopay.CPMApplicationID, "KakaoPay")
	resp := s.pay(t, payRequest("cpm-kakao", kakao, 3000))
	wantResult(t, "Pay with KakaoPay's AID", resp.Result, success, noReason)
	if p := s.payment(t, "cpm-kakao"); !strings.Contains(p.Code, "F04B414B414F") || strings.Contains(p.Code, kakao) {
		t.Fatalf("ledger keeps the code as %q", p.Code)
	}
	other := adaptertest.CPM(t, "A00000005555", "KakaoPay")
	wantResult(t, "Pay with another AID", s.pay(t, payRequest("cpm-other", other, 3000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE)
}

func TestInProcessPaymentIsPaidAtTheThirdInquiry(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-91", kakaoCode, 4291)).Result, unknown, noReason)
	wantResult(t, "first Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	wantResult(t, "second Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	third := s.inquire(t, "rule-91")
	wantResult(t, "third Inquire", third.Result, success, noReason)
	if third.WalletBrand != "KakaoPay" || third.PaidAt == "" || third.WalletAmount.GetMinorUnits() != 4291 {
		t.Fatalf("third Inquire = %v", third)
	}
	if p := s.payment(t, "rule-91"); p.Status != simkit.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d times, want paid once", p.Status, p.Charges)
	}
}

func TestPaymentInProcessForeverEndsOnlyByCancel(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-92", kakaoCode, 4292)).Result, unknown, noReason)
	for i := range 5 {
		wantResult(t, fmt.Sprintf("Inquire %d", i+1), s.inquire(t, "rule-92").Result, unknown, noReason)
	}
	wantResult(t, "Cancel", s.cancel(t, "rule-92").Result, success, noReason)
	wantResult(t, "Inquire after Cancel", s.inquire(t, "rule-92").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "repeated Cancel", s.cancel(t, "rule-92").Result, success, noReason)
	if p := s.payment(t, "rule-92"); p.Status != simkit.StatusCancelled || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times, want cancelled and never charged", p.Status, p.Charges)
	}
}

// slowSystem holds 93 answers for an hour of real time, far past the
// adapter's timeout, while the simulator's clock is the test's: the payment
// settles when the test moves the clock, not when time passes.
func slowSystem(t *testing.T) (*system, *adaptertest.Clock) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withClock(clock),
		withSim(func(c *sim.Config) { c.SlowDelay = time.Hour }),
		withAdapter(func(c *kakaopay.Config) { c.HTTPTimeout = 200 * time.Millisecond }))
	return s, clock
}

func TestSlowPaymentIsUnknownThenPaid(t *testing.T) {
	s, clock := slowSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-93", kakaoCode, 4293)).Result, unknown, noReason)
	wantResult(t, "Inquire while held", s.inquire(t, "rule-93").Result, unknown, noReason)
	clock.Advance(time.Hour)
	paid := s.inquire(t, "rule-93")
	wantResult(t, "Inquire after the slow delay", paid.Result, success, noReason)
	if p := s.payment(t, "rule-93"); p.Status != simkit.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d times, want paid once", p.Status, p.Charges)
	}
}

func TestSlowPaymentCancelledWhileHeldIsNeverCharged(t *testing.T) {
	s, clock := slowSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-93c", kakaoCode, 4293)).Result, unknown, noReason)
	wantResult(t, "Cancel while held", s.cancel(t, "rule-93c").Result, success, noReason)
	clock.Advance(time.Hour)
	wantResult(t, "Inquire after the slow delay", s.inquire(t, "rule-93c").Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "rule-93c"); p.Status != simkit.StatusCancelled || p.Charges != 0 {
		t.Fatalf("ledger = %s charged %d times, want cancelled and never charged", p.Status, p.Charges)
	}
}

func TestLostAnswerIsUnknownAndASafeRetryGetsThePayment(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-96", kakaoCode, 4296)).Result, unknown, noReason)
	retry := s.pay(t, payRequest("rule-96", kakaoCode, 4296))
	wantResult(t, "retried Pay", retry.Result, success, noReason)
	wantResult(t, "Inquire", s.inquire(t, "rule-96").Result, success, noReason)
	if p := s.payment(t, "rule-96"); p.Charges != 1 || p.PayCalls != 2 || retry.SchemeTransactionId != p.WalletTxnID {
		t.Fatalf("ledger: charged %d times over %d pay calls (tid %s, retry said %s), want once over 2",
			p.Charges, p.PayCalls, p.WalletTxnID, retry.SchemeTransactionId)
	}
	wantResult(t, "Pay", s.pay(t, payRequest("rule-96i", kakaoCode, 596)).Result, unknown, noReason)
	wantResult(t, "Inquire instead of a retry", s.inquire(t, "rule-96i").Result, success, noReason)
}

func TestRepeatedPayReturnsTheOriginalResult(t *testing.T) {
	s := newSystem(t)
	first := s.pay(t, payRequest("idem-1", kakaoCode, 3000))
	second := s.pay(t, payRequest("idem-1", kakaoCode, 3000))
	wantResult(t, "first Pay", first.Result, success, noReason)
	if !proto.Equal(first, second) {
		t.Fatalf("repeat answered %v, first %v", second, first)
	}
	declined := s.pay(t, payRequest("idem-2", kakaoCode, 3051))
	declinedAgain := s.pay(t, payRequest("idem-2", kakaoCode, 3051))
	if !proto.Equal(declined.Result, declinedAgain.Result) {
		t.Fatalf("repeated decline = %v, first %v", declinedAgain.Result, declined.Result)
	}
	if p := s.payment(t, "idem-1"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
}

func TestSameKeyWithOtherContentIsAnIdempotencyMismatch(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("idem-3", kakaoCode, 3000)).Result, success, noReason)
	otherMerchantAmount := payRequest("idem-3", kakaoCode, 3000)
	otherMerchantAmount.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: 200}
	changes := map[string]*schemev1.PayRequest{
		"another amount":          payRequest("idem-3", kakaoCode, 3100),
		"another code":            payRequest("idem-3", "54109999999999999999", 3000),
		"another merchant amount": otherMerchantAmount,
	}
	for name, req := range changes {
		t.Run(name, func(t *testing.T) {
			resp := s.pay(t, req)
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
		})
	}
	s.createOrder(t, orderRequest("order-key", 3000))
	wantResult(t, "Pay under an order's key", s.pay(t, payRequest("order-key", kakaoCode, 3000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	if p := s.payment(t, "idem-3"); p.MinorUnits != 3000 || p.Charges != 1 {
		t.Fatalf("ledger = %d charged %d times, want the first payment alone", p.MinorUnits, p.Charges)
	}
}

func TestRefundsAreFullOrPartialButNeverAboveTheCharge(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("pay-r", kakaoCode, 10000)).Result, success, noReason)

	partial := s.refund(t, "refund-1", "pay-r", 3000)
	wantResult(t, "partial Refund", partial.Result, success, noReason)
	if partial.SchemeRefundId == "" || !proto.Equal(partial.WalletAmount, &schemev1.Money{Currency: "KRW", MinorUnits: 3000}) {
		t.Fatalf("partial Refund = %v", partial)
	}
	wantResult(t, "Inquire of a partly refunded payment", s.inquire(t, "pay-r").Result, success, noReason)
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
	wantResult(t, "Inquire of a payment refunded in full", s.inquire(t, "pay-r").Result, success, noReason)
	if p := s.payment(t, "pay-r"); p.Refunded != 10000 || len(p.RefundIDs) != 2 || p.Charges != 1 {
		t.Fatalf("ledger: refunded %d in %d refunds, charged %d times; want 10000 in 2, once", p.Refunded, len(p.RefundIDs), p.Charges)
	}
}

func TestRefundOfAPaymentThatHoldsNoMoneyFails(t *testing.T) {
	s := newSystem(t)
	s.pay(t, payRequest("declined", kakaoCode, 551))
	s.pay(t, payRequest("voided", kakaoCode, 592))
	s.cancel(t, "voided")
	s.pay(t, payRequest("in-process", kakaoCode, 692))
	wantResult(t, "Refund of an unknown payment", s.refund(t, "rf-a", "never-paid", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)
	wantResult(t, "Refund of a cancelled payment", s.refund(t, "rf-b", "voided", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "Refund of a declined payment", s.refund(t, "rf-c", "declined", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)
	wantResult(t, "Refund of a payment in process", s.refund(t, "rf-d", "in-process", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)
	s.cancel(t, "in-process")
}

func TestCancelAfterTheWindowFailsAndRefundStillWorks(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withClock(clock))
	wantResult(t, "Pay", s.pay(t, payRequest("late", kakaoCode, 800)).Result, success, noReason)
	clock.Advance(sim.DefaultCancelWindow + time.Second)
	cancel := s.cancel(t, "late")
	wantResult(t, "Cancel", cancel.Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED)
	if cancel.Result.SchemeCode != "-764" {
		t.Fatalf("scheme code = %q, want -764", cancel.Result.SchemeCode)
	}
	wantResult(t, "Refund", s.refund(t, "late-refund", "late", 800).Result, success, noReason)
	if p := s.payment(t, "late"); p.Status != simkit.StatusPaid || p.Refunded != 800 {
		t.Fatalf("ledger = %s refunded %d", p.Status, p.Refunded)
	}
}

func TestCancelOfAPartlyRefundedPaymentReturnsTheRest(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("part", kakaoCode, 10000)).Result, success, noReason)
	wantResult(t, "Refund", s.refund(t, "part-r", "part", 4000).Result, success, noReason)
	wantResult(t, "Cancel", s.cancel(t, "part").Result, success, noReason)
	wantResult(t, "Inquire", s.inquire(t, "part").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "repeated Cancel", s.cancel(t, "part").Result, success, noReason)
	if p := s.payment(t, "part"); p.Refunded != 10000 || p.Charges != 1 {
		t.Fatalf("ledger: returned %d of 10000, charged %d times", p.Refunded, p.Charges)
	}
	wantResult(t, "Refund after the Cancel", s.refund(t, "part-r2", "part", 1).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT)
}

func TestCancelBeforeThePayArrivesStopsALatePay(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Cancel", s.cancel(t, "in-flight").Result, success, noReason)
	wantResult(t, "late Pay", s.pay(t, payRequest("in-flight", kakaoCode, 1000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "Inquire", s.inquire(t, "in-flight").Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "in-flight"); p.Charges != 0 {
		t.Fatalf("late pay charged %d times", p.Charges)
	}
}

func TestInvalidCodesAreDeclinedAsInvalidCode(t *testing.T) {
	s := newSystem(t)
	codes := map[string]string{
		"prefix 5411":  "54111234567890123456",
		"19 digits":    "5410123456789012345",
		"21 digits":    "541012345678901234567",
		"not digits":   "5410123456789012345X",
		"far too long": strings.Repeat("5", 600),
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
	wantResult(t, "Inquire of a refused code", s.inquire(t, "invalid-prefix-5411").Result,
		failure, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE)
	if _, ok := s.sim.Ledger().Payment("invalid-far-too-long"); ok {
		t.Fatal("a code far too long to be a KakaoPay code was sent to the wallet")
	}
}

func TestOtherCurrenciesAreRefusedWithoutCallingTheWallet(t *testing.T) {
	s := newSystem(t)
	pay := payRequest("eur", kakaoCode, 1000)
	pay.Amount.Currency = "EUR"
	wantResult(t, "Pay in EUR", s.pay(t, pay).Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	order := orderRequest("eur-order", 1000)
	order.Amount.Currency = "USD"
	wantResult(t, "CreateOrder in USD", s.createOrder(t, order).Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	wantResult(t, "Pay in KRW", s.pay(t, payRequest("krw", kakaoCode, 1000)).Result, success, noReason)
	refund, err := s.adapter.Refund(ctx(t), &schemev1.RefundRequest{RefundIdempotencyKey: "eur-r", PaymentIdempotencyKey: "krw",
		Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 10}})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	wantResult(t, "Refund in EUR", refund.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	if n := len(s.sim.Ledger().Payments()); n != 1 {
		t.Fatalf("ledger holds %d payments; only the KRW one should have reached the wallet", n)
	}
	if p := s.payment(t, "krw"); p.Refunded != 0 {
		t.Fatalf("the EUR refund returned %d won", p.Refunded)
	}
}

func TestRefusedCredentialsAreAMerchantNotEnabled(t *testing.T) {
	cases := map[string]struct {
		change func(*kakaopay.Config)
		code   string
	}{
		"another secret": {func(c *kakaopay.Config) { c.SecretKey = "WRONG0123456789" }, "-401"},
		"another cid":    {func(c *kakaopay.Config) { c.CID = "TC0OTHER00" }, "-730"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			s := newSystem(t, withAdapter(c.change))
			resp := s.pay(t, payRequest("refused", kakaoCode, 1000))
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_MERCHANT_NOT_ENABLED)
			if resp.Result.SchemeCode != c.code {
				t.Fatalf("scheme code = %q, want %s", resp.Result.SchemeCode, c.code)
			}
			if n := len(s.sim.Ledger().Payments()); n != 0 {
				t.Fatalf("ledger has %d payments after a refused request", n)
			}
		})
	}
}

func TestUnreachableWalletIsUnknown(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *kakaopay.Config) { c.BaseURL = "http://127.0.0.1:1" }))
	wantResult(t, "Pay", s.pay(t, payRequest("down", kakaoCode, 1000)).Result, unknown, noReason)
	wantResult(t, "Inquire", s.inquire(t, "down").Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "down").Result, unknown, noReason)
	wantResult(t, "Refund", s.refund(t, "down-r", "down", 10).Result, unknown, noReason)
	wantResult(t, "CreateOrder", s.createOrder(t, orderRequest("down-o", 10)).Result, unknown, noReason)
}

func TestLogsShowTheCodeMaskedOncePerPay(t *testing.T) {
	s := newSystem(t)
	s.pay(t, payRequest("logged-1", kakaoCode, 1000))
	s.pay(t, payRequest("logged-2", kakaoCode, 1051))
	if got := strings.Count(s.logs.String(), "code="+walletcode.Mask(kakaoCode)); got < 2 {
		t.Fatalf("logs name the masked code %d times, want once per Pay at least:\n%s", got, s.logs.String())
	}
}

func TestMalformedRequestsAreInvalidArgumentNamingTheField(t *testing.T) {
	s := newSystem(t)
	pay := func(change func(*schemev1.PayRequest)) func() error {
		return func() error {
			req := payRequest("bad-input", kakaoCode, 1000)
			change(req)
			_, err := s.adapter.Pay(ctx(t), req)
			return err
		}
	}
	order := func(change func(*schemev1.CreateOrderRequest)) func() error {
		return func() error {
			req := orderRequest("bad-order", 1000)
			change(req)
			_, err := s.adapter.CreateOrder(ctx(t), req)
			return err
		}
	}
	refund := func(change func(*schemev1.RefundRequest)) func() error {
		return func() error {
			req := &schemev1.RefundRequest{RefundIdempotencyKey: "r", PaymentIdempotencyKey: "p",
				Amount: &schemev1.Money{Currency: "KRW", MinorUnits: 1}}
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
		{"pay with a key over 100", pay(func(r *schemev1.PayRequest) { r.IdempotencyKey = strings.Repeat("k", 101) }), "idempotency_key"},
		{"pay without code", pay(func(r *schemev1.PayRequest) { r.PaymentCode = "" }), "payment_code"},
		{"pay without amount", pay(func(r *schemev1.PayRequest) { r.Amount = nil }), "amount"},
		{"pay of zero", pay(func(r *schemev1.PayRequest) { r.Amount.MinorUnits = 0 }), "amount.minor_units"},
		{"pay in a lower-case currency", pay(func(r *schemev1.PayRequest) { r.Amount.Currency = "krw" }), "amount.currency"},
		{"pay with a malformed merchant amount", pay(func(r *schemev1.PayRequest) {
			r.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: -1}
		}), "merchant_amount.minor_units"},
		{"pay without merchant", pay(func(r *schemev1.PayRequest) { r.Merchant = nil }), "merchant.merchant_id"},
		{"order without key", order(func(r *schemev1.CreateOrderRequest) { r.IdempotencyKey = "" }), "idempotency_key"},
		{"order of zero", order(func(r *schemev1.CreateOrderRequest) { r.Amount.MinorUnits = 0 }), "amount.minor_units"},
		{"order with a negative expiry", order(func(r *schemev1.CreateOrderRequest) { r.ExpiresInSeconds = -1 }), "expires_in_seconds"},
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
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.call()
			st, _ := status.FromError(err)
			if st.Code() != codes.InvalidArgument || !strings.HasPrefix(st.Message(), c.field+" ") {
				t.Fatalf("error = %v, want InvalidArgument naming %s", err, c.field)
			}
			if strings.Contains(st.Message(), kakaoCode) {
				t.Fatalf("error quotes the code: %v", err)
			}
		})
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("malformed requests reached the wallet: %d payments", n)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	good := kakaopay.Config{BaseURL: "https://open-api.kakaopay.com", CID: testCID, SecretKey: testSecret}
	bad := map[string]func(*kakaopay.Config){
		"no base URL":             func(c *kakaopay.Config) { c.BaseURL = "" },
		"no cid":                  func(c *kakaopay.Config) { c.CID = "" },
		"no secret":               func(c *kakaopay.Config) { c.SecretKey = "" },
		"negative HTTP timeout":   func(c *kakaopay.Config) { c.HTTPTimeout = -1 },
		"negative order lifetime": func(c *kakaopay.Config) { c.OrderLifetime = -1 },
		"relative redirect URL":   func(c *kakaopay.Config) { c.RedirectBaseURL = "/kakaopay" },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		a, err := kakaopay.New(cfg)
		if err == nil {
			a.Close()
			t.Errorf("%s: New succeeded", name)
		} else if strings.Contains(err.Error(), testSecret) {
			t.Errorf("%s: error shows the secret: %v", name, err)
		}
	}
	a, err := kakaopay.New(good)
	if err != nil {
		t.Fatalf("New(good) = %v", err)
	}
	a.Close()
}
