package truemoney_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/internal/adaptertest"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/truemoney/sim"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

func TestCapabilitiesDescribeTrueMoney(t *testing.T) {
	s := newSystem(t)
	caps, err := s.adapter.GetCapabilities(ctx(t), &schemev1.GetCapabilitiesRequest{})
	if err != nil {
		t.Fatalf("GetCapabilities: %v", err)
	}
	if caps.SchemeId != "TRUEMONEY" || caps.ContractVersion != "v1" || caps.DisplayName != "TrueMoney" {
		t.Fatalf("identity = %q %q %q", caps.SchemeId, caps.ContractVersion, caps.DisplayName)
	}
	if len(caps.ChargeCurrencies) != 1 || caps.ChargeCurrencies[0] != "THB" {
		t.Fatalf("charge currencies = %v, want [THB]", caps.ChargeCurrencies)
	}
	want := []*schemev1.CodeFormat{
		{Kind: schemev1.CodeKind_CODE_KIND_DIGITS, Prefixes: []string{"5764"}, MinLength: 18, MaxLength: 18},
		{Kind: schemev1.CodeKind_CODE_KIND_EMVCO_CPM, Aids: []string{"F054525545"}},
	}
	if len(caps.CodeFormats) != len(want) || !proto.Equal(caps.CodeFormats[0], want[0]) || !proto.Equal(caps.CodeFormats[1], want[1]) {
		t.Fatalf("code formats = %v, want %v", caps.CodeFormats, want)
	}
	if !caps.SupportsCancel || !caps.SupportsRefund || !caps.SupportsPartialRefund || !caps.SupportsMerchantPresented {
		t.Fatalf("supports = cancel %v refund %v partial %v merchant-presented %v",
			caps.SupportsCancel, caps.SupportsRefund, caps.SupportsPartialRefund, caps.SupportsMerchantPresented)
	}
	if caps.MerchantPresentedFormat != schemev1.QRFormat_QR_FORMAT_EMVCO_MPM {
		t.Fatalf("merchant-presented format = %v", caps.MerchantPresentedFormat)
	}
	if caps.CancelWindowSeconds != int64(sim.DefaultCancelWindow/time.Second) {
		t.Fatalf("cancel window = %ds, want the simulator's %v", caps.CancelWindowSeconds, sim.DefaultCancelWindow)
	}
}

func TestPayOutcomeFollowsTheLastTwoDigitsOfTheAmount(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		satang     int64
		status     schemev1.ResultStatus
		reason     schemev1.FailureReason
		schemeCode string
		ledger     simkit.Status
	}{
		{10000, success, noReason, truemoney.StatusSuccess, simkit.StatusPaid},
		{10051, failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS, truemoney.StatusInsufficientBalance, simkit.StatusFailed},
		{10054, failure, schemev1.FailureReason_FAILURE_REASON_CODE_EXPIRED, truemoney.StatusPaymentCodeExpired, simkit.StatusFailed},
		{10005, failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR, truemoney.StatusTransactionDeclined, simkit.StatusFailed},
		{10059, failure, schemev1.FailureReason_FAILURE_REASON_RISK_DECLINED, truemoney.StatusRiskRejected, simkit.StatusFailed},
		{10061, failure, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED, truemoney.StatusUserLimitExceeded, simkit.StatusFailed},
		{10091, unknown, noReason, truemoney.StatusTransactionInProcess, simkit.StatusProcessing},
		{10092, unknown, noReason, truemoney.StatusTransactionInProcess, simkit.StatusProcessing},
		{10099, success, noReason, truemoney.StatusSuccess, simkit.StatusPaid},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("amount of %s THB", truemoney.FormatAmount(c.satang)), func(t *testing.T) {
			key := fmt.Sprintf("outcome-%d", c.satang)
			resp := s.pay(t, payRequest(key, tmnCode, c.satang))
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

func TestApprovedPayReportsTheWalletsDetails(t *testing.T) {
	s := newSystem(t)
	resp := s.pay(t, payRequest("details", tmnCode, 15000))
	wantResult(t, "Pay", resp.Result, success, noReason)
	if resp.WalletBrand != sim.WalletBrand {
		t.Errorf("wallet brand = %q, want %q", resp.WalletBrand, sim.WalletBrand)
	}
	if id := s.payment(t, "details").WalletTxnID; resp.SchemeTransactionId == "" || resp.SchemeTransactionId != id {
		t.Errorf("scheme transaction id = %q, ledger says %q", resp.SchemeTransactionId, id)
	}
	if !proto.Equal(resp.WalletAmount, thb(15000)) {
		t.Errorf("wallet amount = %v, want THB 15000", resp.WalletAmount)
	}
	if _, err := time.Parse(time.RFC3339, resp.PaidAt); err != nil {
		t.Errorf("paid_at %q is not RFC 3339: %v", resp.PaidAt, err)
	}
}

func TestMerchantAmountDecidesTheOutcomeWhenTheGatewayConverted(t *testing.T) {
	s := newSystem(t)
	declined := payRequest("converted-51", tmnCode, 35000)
	declined.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: 951}
	wantResult(t, "Pay of EUR 9.51 as THB 350.00", s.pay(t, declined).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_INSUFFICIENT_FUNDS)
	approved := payRequest("converted-00", tmnCode, 10051)
	approved.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: 270}
	wantResult(t, "Pay of EUR 2.70 as THB 100.51", s.pay(t, approved).Result, success, noReason)
	p := s.payment(t, "converted-51")
	if p.MerchantCurrency != "EUR" || p.MerchantMinorUnits != 951 || p.MinorUnits != 35000 {
		t.Fatalf("ledger = %s %d for THB %d, want EUR 951 for THB 35000", p.MerchantCurrency, p.MerchantMinorUnits, p.MinorUnits)
	}
	jpy := payRequest("converted-jpy", tmnCode, 10000)
	jpy.MerchantAmount = &schemev1.Money{Currency: "JPY", MinorUnits: 461}
	wantResult(t, "Pay of JPY 461 as THB 100.00", s.pay(t, jpy).Result, failure, schemev1.FailureReason_FAILURE_REASON_LIMIT_EXCEEDED)
}

func TestInProcessPaymentIsPaidAtTheThirdInquiry(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-91", tmnCode, 4291)).Result, unknown, noReason)
	wantResult(t, "first Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	wantResult(t, "second Inquire", s.inquire(t, "rule-91").Result, unknown, noReason)
	third := s.inquire(t, "rule-91")
	wantResult(t, "third Inquire", third.Result, success, noReason)
	if third.PaidAt == "" || !proto.Equal(third.WalletAmount, thb(4291)) {
		t.Fatalf("third Inquire = %v", third)
	}
	if p := s.payment(t, "rule-91"); p.Status != simkit.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d times, want paid once", p.Status, p.Charges)
	}
}

func TestPaymentInProcessForeverEndsOnlyByCancel(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("rule-92", tmnCode, 4292)).Result, unknown, noReason)
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

func TestHeldPaymentIsUnknownThenPaidAndCancelReturnsIt(t *testing.T) {
	// The simulator holds the answer for a minute of real time, longer than
	// the adapter waits; the payment settles a minute later on the
	// simulator's own clock, which the test moves.
	clock := adaptertest.NewClock()
	s := newSystem(t,
		withSim(func(c *sim.Config) { c.SlowDelay = time.Minute; c.Now = clock.Now }),
		withAdapter(func(c *truemoney.Config) { c.HTTPTimeout = 300 * time.Millisecond }))
	wantResult(t, "Pay", s.pay(t, payRequest("rule-93", tmnCode, 4293)).Result, unknown, noReason)
	wantResult(t, "Inquire during the delay", s.inquire(t, "rule-93").Result, unknown, noReason)
	clock.Advance(time.Minute)
	paid := s.inquire(t, "rule-93")
	wantResult(t, "Inquire after the delay", paid.Result, success, noReason)
	if !proto.Equal(paid.WalletAmount, thb(4293)) {
		t.Fatalf("Inquire = %v", paid)
	}
	wantResult(t, "Cancel", s.cancel(t, "rule-93").Result, success, noReason)
	p := s.payment(t, "rule-93")
	if p.Status != simkit.StatusCancelled || p.Charges != 1 || p.Reversed != 4293 {
		t.Fatalf("ledger = %s charged %d reversed %d, want cancelled with 4293 returned", p.Status, p.Charges, p.Reversed)
	}
}

func TestHeldAnswerArrivesPaidWhenTheAdapterWaitsLongEnough(t *testing.T) {
	s := newSystem(t, withSim(func(c *sim.Config) { c.SlowDelay = 200 * time.Millisecond }))
	resp := s.pay(t, payRequest("rule-93-waited", tmnCode, 593))
	wantResult(t, "Pay", resp.Result, success, noReason)
	if p := s.payment(t, "rule-93-waited"); p.Status != simkit.StatusPaid || p.Charges != 1 {
		t.Fatalf("ledger = %s charged %d times", p.Status, p.Charges)
	}
}

func TestHeldPaymentCancelledDuringTheDelayIsNeverPaid(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t,
		withSim(func(c *sim.Config) { c.SlowDelay = time.Minute; c.Now = clock.Now }),
		withAdapter(func(c *truemoney.Config) { c.HTTPTimeout = 300 * time.Millisecond }))
	wantResult(t, "Pay", s.pay(t, payRequest("rule-93c", tmnCode, 593)).Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "rule-93c").Result, success, noReason)
	clock.Advance(2 * time.Minute) // past the settle time on the simulator's clock
	wantResult(t, "Inquire after the settle time", s.inquire(t, "rule-93c").Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "rule-93c"); p.Charges != 0 {
		t.Fatalf("cancelled slow payment charged %d times", p.Charges)
	}
}

func TestLostResponseIsUnknownAndASafeRetryFindsOneCharge(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "first Pay", s.pay(t, payRequest("rule-96", tmnCode, 1296)).Result, unknown, noReason)
	inquiry := s.inquire(t, "rule-96")
	wantResult(t, "Inquire", inquiry.Result, success, noReason)
	retry := s.pay(t, payRequest("rule-96", tmnCode, 1296))
	wantResult(t, "repeated Pay", retry.Result, success, noReason)
	if retry.SchemeTransactionId != inquiry.SchemeTransactionId {
		t.Fatalf("repeated Pay id %q, inquiry id %q", retry.SchemeTransactionId, inquiry.SchemeTransactionId)
	}
	if p := s.payment(t, "rule-96"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
}

func TestAmountsOutsideTheWalletsRangeAreRefusedByTheWallet(t *testing.T) {
	s := newSystem(t)
	cases := []struct {
		satang int64
		status schemev1.ResultStatus
		reason schemev1.FailureReason
	}{
		{99, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT},
		{100, success, noReason},
		{3_000_000, success, noReason},
		{3_000_001, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT},
	}
	for _, c := range cases {
		t.Run(truemoney.FormatAmount(c.satang)+" THB", func(t *testing.T) {
			key := "range-" + strconv.FormatInt(c.satang, 10)
			resp := s.pay(t, payRequest(key, tmnCode, c.satang))
			wantResult(t, "Pay", resp.Result, c.status, c.reason)
			p := s.payment(t, key) // the wallet saw it: the adapter did not decide
			if c.status == failure && (resp.Result.SchemeCode != truemoney.StatusAmountOutOfRange || p.ResultCode != truemoney.StatusAmountOutOfRange) {
				t.Fatalf("scheme code %q, ledger %q, want %s", resp.Result.SchemeCode, p.ResultCode, truemoney.StatusAmountOutOfRange)
			}
			wantResult(t, "Inquire", s.inquire(t, key).Result, c.status, c.reason)
		})
	}
	wantResult(t, "order of 0.99 THB", s.createOrder(t, orderRequest("order-range", 99)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
}

func TestRepeatedPayReturnsTheFirstResultWithoutASecondCharge(t *testing.T) {
	s := newSystem(t)
	first := s.pay(t, payRequest("idem-1", tmnCode, 3000))
	second := s.pay(t, payRequest("idem-1", tmnCode, 3000))
	wantResult(t, "first Pay", first.Result, success, noReason)
	wantResult(t, "second Pay", second.Result, success, noReason)
	if first.SchemeTransactionId != second.SchemeTransactionId || first.PaidAt != second.PaidAt {
		t.Fatalf("repeat answered %q at %s, first %q at %s", second.SchemeTransactionId, second.PaidAt, first.SchemeTransactionId, first.PaidAt)
	}
	declined := s.pay(t, payRequest("idem-2", tmnCode, 3051))
	declinedAgain := s.pay(t, payRequest("idem-2", tmnCode, 3051))
	if !proto.Equal(declined.Result, declinedAgain.Result) {
		t.Fatalf("repeated decline = %v, first %v", declinedAgain.Result, declined.Result)
	}
	if p := s.payment(t, "idem-1"); p.Charges != 1 || p.PayCalls != 2 {
		t.Fatalf("ledger: charged %d times over %d pay calls, want 1 over 2", p.Charges, p.PayCalls)
	}
}

func TestSameKeyWithOtherContentIsAnIdempotencyMismatch(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("idem-3", tmnCode, 3000)).Result, success, noReason)
	converted := payRequest("idem-3", tmnCode, 3000)
	converted.MerchantAmount = &schemev1.Money{Currency: "EUR", MinorUnits: 80}
	changes := map[string]*schemev1.PayRequest{
		"amount":          payRequest("idem-3", tmnCode, 3100),
		"code":            payRequest("idem-3", "576400000000000001", 3000),
		"merchant amount": converted,
	}
	for name, req := range changes {
		t.Run("changed "+name, func(t *testing.T) {
			resp := s.pay(t, req)
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
		})
	}
	t.Run("an order under the key of a payment", func(t *testing.T) {
		wantResult(t, "CreateOrder", s.createOrder(t, orderRequest("idem-3", 3000)).Result,
			failure, schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH)
	})
	if p := s.payment(t, "idem-3"); p.MinorUnits != 3000 || p.Charges != 1 {
		t.Fatalf("ledger = %d charged %d times, want the first payment alone", p.MinorUnits, p.Charges)
	}
}

func TestRefundsAreFullOrPartialButNeverAboveWhatRemains(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Pay", s.pay(t, payRequest("pay-r", tmnCode, 10000)).Result, success, noReason)

	partial := s.refund(t, "refund-1", "pay-r", 3000)
	wantResult(t, "partial Refund", partial.Result, success, noReason)
	if partial.SchemeRefundId == "" || !proto.Equal(partial.WalletAmount, thb(3000)) {
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
	wantResult(t, "Inquire of a partly refunded payment", s.inquire(t, "pay-r").Result, success, noReason)
	wantResult(t, "Cancel of a partly refunded payment", s.cancel(t, "pay-r").Result,
		failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)
	wantResult(t, "Refund of the rest", s.refund(t, "refund-3", "pay-r", 7000).Result, success, noReason)
	wantResult(t, "Refund of a fully refunded payment", s.refund(t, "refund-4", "pay-r", 1).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_REFUND_EXCEEDS_PAYMENT)
	if p := s.payment(t, "pay-r"); p.Refunded != 10000 || len(p.RefundIDs) != 2 {
		t.Fatalf("ledger: refunded %d in %d refunds, want 10000 in 2", p.Refunded, len(p.RefundIDs))
	}
}

func TestRefundOfAPaymentThatIsNotPaidFails(t *testing.T) {
	s := newSystem(t)
	s.pay(t, payRequest("declined", tmnCode, 551))
	s.pay(t, payRequest("voided", tmnCode, 592))
	s.cancel(t, "voided")
	wantResult(t, "Refund of an unknown payment", s.refund(t, "rf-a", "never-paid", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_NOT_FOUND)
	wantResult(t, "Refund of a voided payment", s.refund(t, "rf-b", "voided", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	wantResult(t, "Refund of a declined payment", s.refund(t, "rf-c", "declined", 100).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_DO_NOT_HONOUR)
}

func TestCancelAfterTheWindowFailsAndRefundStillWorks(t *testing.T) {
	clock := adaptertest.NewClock()
	s := newSystem(t, withSim(func(c *sim.Config) { c.Now = clock.Now; c.CancelWindow = time.Hour }))
	wantResult(t, "Pay", s.pay(t, payRequest("late", tmnCode, 800)).Result, success, noReason)
	clock.Advance(time.Hour + time.Second)
	cancel := s.cancel(t, "late")
	wantResult(t, "Cancel", cancel.Result, failure, schemev1.FailureReason_FAILURE_REASON_CANCEL_WINDOW_CLOSED)
	if cancel.Result.SchemeCode != truemoney.StatusVoidWindowExpired {
		t.Fatalf("scheme code = %q", cancel.Result.SchemeCode)
	}
	wantResult(t, "Refund", s.refund(t, "late-refund", "late", 800).Result, success, noReason)
	if p := s.payment(t, "late"); p.Status != simkit.StatusPaid || p.Refunded != 800 {
		t.Fatalf("ledger = %s refunded %d", p.Status, p.Refunded)
	}
}

func TestCancelBeforeThePayArrivesStopsALatePay(t *testing.T) {
	s := newSystem(t)
	wantResult(t, "Cancel", s.cancel(t, "in-flight").Result, success, noReason)
	wantResult(t, "late Pay", s.pay(t, payRequest("in-flight", tmnCode, 1000)).Result,
		failure, schemev1.FailureReason_FAILURE_REASON_CANCELLED)
	if p := s.payment(t, "in-flight"); p.Charges != 0 {
		t.Fatalf("late pay charged %d times", p.Charges)
	}
}

func TestOtherCurrenciesAreRefusedWithoutCallingTheWallet(t *testing.T) {
	s := newSystem(t)
	pay := payRequest("eur", tmnCode, 1000)
	pay.Amount.Currency = "EUR"
	wantResult(t, "Pay in EUR", s.pay(t, pay).Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	order := orderRequest("eur-order", 1000)
	order.Amount.Currency = "USD"
	wantResult(t, "CreateOrder in USD", s.createOrder(t, order).Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	refund, err := s.adapter.Refund(ctx(t), &schemev1.RefundRequest{RefundIdempotencyKey: "eur-r",
		PaymentIdempotencyKey: "eur", Amount: &schemev1.Money{Currency: "EUR", MinorUnits: 100}})
	if err != nil {
		t.Fatalf("Refund: %v", err)
	}
	wantResult(t, "Refund in EUR", refund.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT)
	if n := len(s.sim.Ledger().Payments()) + len(s.sim.Ledger().Refunds()); n != 0 {
		t.Fatalf("the wallet recorded %d entries for currencies TrueMoney does not charge", n)
	}
	if n := s.direct.Client().Tokens().Fetches(); n != 0 {
		t.Fatalf("the adapter fetched %d tokens: it called the wallet", n)
	}
}

func TestCodesThatAreNotTrueMoneysAreDeclinedAsInvalidCode(t *testing.T) {
	s := newSystem(t)
	codes := map[string]string{
		"prefix 5765":        "576512345678901234",
		"17 digits":          "57641234567890123",
		"19 digits":          "5764123456789012345",
		"not digits":         "57641234567890123X",
		"CPM of another AID": adaptertest.CPM(t, "A000000333010101", "TRUEMONEY"),
		"far too long":       strings.Repeat("5", 600),
	}
	for name, code := range codes {
		t.Run(name, func(t *testing.T) {
			key := "invalid-" + strings.ReplaceAll(name, " ", "-")
			resp := s.pay(t, payRequest(key, code, 1000))
			wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_CODE)
			if strings.Contains(resp.String(), code) {
				t.Fatalf("response quotes the code: %v", resp)
			}
		})
	}
	if _, ok := s.sim.Ledger().Payment("invalid-far-too-long"); ok {
		t.Fatal("a code far too long to be a TrueMoney code was sent to the wallet")
	}
}

func TestConsumerPresentedEMVCoCodeOfTrueMoneyIsCharged(t *testing.T) {
	s := newSystem(t)
	for name, aid := range map[string]string{"TrueMoney's AID": truemoney.CPMApplicationID, "a longer AID under it": truemoney.CPMApplicationID + "0101"} {
		t.Run(name, func(t *testing.T) {
			code := adaptertest.CPM(t, aid, "TRUEMONEY")
			s.secrets = append(s.secrets, code)
			key := "cpm-" + aid
			wantResult(t, "Pay", s.pay(t, payRequest(key, code, 2500)).Result, success, noReason)
			if p := s.payment(t, key); strings.Contains(p.Code, code) || !strings.Contains(p.Code, aid) {
				t.Fatalf("ledger keeps the code as %q, want its AID only", p.Code)
			}
		})
	}
}

func TestRequestSignedWithTheWrongKeyIsRefused(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *truemoney.Config) { c.PrivateKey = truemoney.SharedTestKeys().Stranger }))
	resp := s.pay(t, payRequest("forged", tmnCode, 1000))
	wantResult(t, "Pay", resp.Result, failure, schemev1.FailureReason_FAILURE_REASON_INVALID_REQUEST)
	if resp.Result.SchemeCode != truemoney.StatusSignatureInvalid {
		t.Fatalf("scheme code = %q, want %s", resp.Result.SchemeCode, truemoney.StatusSignatureInvalid)
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments after a forged request", n)
	}
}

func TestWrongClientSecretLeavesTheOutcomeUnknown(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *truemoney.Config) { c.ClientSecret = "not-the-secret" }))
	resp := s.pay(t, payRequest("no-token", tmnCode, 1000))
	wantResult(t, "Pay", resp.Result, unknown, noReason)
	if strings.Contains(resp.Result.Message, "not-the-secret") {
		t.Fatalf("result shows the secret: %q", resp.Result.Message)
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("ledger has %d payments without a token", n)
	}
}

func TestResponseThatDoesNotVerifyIsUnknownEvenThoughMoneyMoved(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *truemoney.Config) {
		c.WalletPublicKey = &truemoney.SharedTestKeys().Stranger.PublicKey
	}))
	wantResult(t, "Pay", s.pay(t, payRequest("unverified", tmnCode, 1000)).Result, unknown, noReason)
	if p := s.payment(t, "unverified"); p.Status != simkit.StatusPaid {
		t.Fatalf("ledger = %s: the test needs a payment that did move money", p.Status)
	}
}

func TestSignedAnswerAboutAnotherPaymentIsUnknown(t *testing.T) {
	keys := truemoney.SharedTestKeys()
	answers := map[string]string{
		truemoney.PathPaymentByCode: `{"status":{"code":"000001"},"data":{"external_ref_id":"someone-else","payment_status":"SUCCESS"}}`,
		truemoney.PathInquiry:       `{"status":{"code":"000001"},"data":{"external_ref_id":"someone-else","payment_status":"SUCCESS"}}`,
		truemoney.PathVoid:          `{"status":{"code":"000001"},"data":{"external_ref_id":"someone-else","payment_status":"VOIDED"}}`,
		truemoney.PathRefund:        `{"status":{"code":"000001"},"data":{"external_refund_ref_id":"someone-else"}}`,
		truemoney.PathCreateQROrder: `{"status":{"code":"000001"},"data":{"external_ref_id":"someone-else","qr_payload":"x"}}`,
	}
	replayer := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == truemoney.PathToken {
			w.Write([]byte(`{"access_token":"replayer-access-token-0001","token_type":"Bearer","expires_in":3600}`))
			return
		}
		body := answers[r.URL.Path]
		now := strconv.FormatInt(time.Now().Unix(), 10)
		sig, err := truemoney.Message{Timestamp: now, Path: r.URL.Path, Body: []byte(body)}.Sign(keys.Wallet, "1")
		if err != nil {
			t.Errorf("sign: %v", err)
		}
		w.Header().Set(truemoney.HeaderTimestamp, now)
		w.Header().Set(truemoney.HeaderSignature, sig)
		w.Write([]byte(body))
	}))
	defer replayer.Close()
	s := newSystem(t, withAdapter(func(c *truemoney.Config) { c.BaseURL = replayer.URL }))
	wantResult(t, "Pay", s.pay(t, payRequest("mine", tmnCode, 1000)).Result, unknown, noReason)
	wantResult(t, "Inquire", s.inquire(t, "mine").Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "mine").Result, unknown, noReason)
	wantResult(t, "Refund", s.refund(t, "mine-r", "mine", 100).Result, unknown, noReason)
	wantResult(t, "CreateOrder", s.createOrder(t, orderRequest("mine-o", 1000)).Result, unknown, noReason)
}

func TestUnreachableWalletIsUnknown(t *testing.T) {
	s := newSystem(t, withAdapter(func(c *truemoney.Config) { c.BaseURL = "http://127.0.0.1:1" }))
	wantResult(t, "Pay", s.pay(t, payRequest("down", tmnCode, 1000)).Result, unknown, noReason)
	wantResult(t, "Inquire", s.inquire(t, "down").Result, unknown, noReason)
	wantResult(t, "Cancel", s.cancel(t, "down").Result, unknown, noReason)
	wantResult(t, "Refund", s.refund(t, "down-r", "down", 100).Result, unknown, noReason)
	wantResult(t, "CreateOrder", s.createOrder(t, orderRequest("down-o", 1000)).Result, unknown, noReason)
}

func TestLogsNameTheMaskedCodeOncePerPay(t *testing.T) {
	s := newSystem(t)
	s.pay(t, payRequest("logged-1", tmnCode, 1000))
	s.pay(t, payRequest("logged-2", tmnCode, 1051))
	out := s.logs.String()
	masked := walletcode.Mask(tmnCode)
	// The adapter logs each Pay once, the simulator each pay request once.
	if n := strings.Count(out, masked); n != 4 {
		t.Fatalf("logs name the masked code %d times, want 4:\n%s", n, out)
	}
}

func TestMalformedRequestsAreInvalidArgumentNamingTheField(t *testing.T) {
	s := newSystem(t)
	pay := func(change func(*schemev1.PayRequest)) func() error {
		return func() error {
			req := payRequest("bad-input", tmnCode, 1000)
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
			req := &schemev1.RefundRequest{RefundIdempotencyKey: "r", PaymentIdempotencyKey: "p", Amount: thb(1)}
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
		{"pay in a lower-case currency", pay(func(r *schemev1.PayRequest) { r.Amount.Currency = "thb" }), "amount.currency"},
		{"pay without merchant", pay(func(r *schemev1.PayRequest) { r.Merchant = nil }), "merchant.merchant_id"},
		{"pay with a merchant amount in no currency", pay(func(r *schemev1.PayRequest) {
			r.MerchantAmount = &schemev1.Money{Currency: "XYZ", MinorUnits: 100}
		}), "merchant_amount.currency"},
		{"order without key", order(func(r *schemev1.CreateOrderRequest) { r.IdempotencyKey = "" }), "idempotency_key"},
		{"order of zero", order(func(r *schemev1.CreateOrderRequest) { r.Amount.MinorUnits = 0 }), "amount.minor_units"},
		{"order lasting a negative time", order(func(r *schemev1.CreateOrderRequest) { r.ExpiresInSeconds = -1 }), "expires_in_seconds"},
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
			if strings.Contains(st.Message(), tmnCode) {
				t.Fatalf("error quotes the code: %v", err)
			}
		})
	}
	if n := len(s.sim.Ledger().Payments()); n != 0 {
		t.Fatalf("malformed requests reached the wallet: %d payments", n)
	}
}

func TestNewRefusesIncompleteConfig(t *testing.T) {
	good := adapterConfig("https://partner-api.truemoney.test")
	bad := map[string]func(*truemoney.Config){
		"no base URL":           func(c *truemoney.Config) { c.BaseURL = "" },
		"no client id":          func(c *truemoney.Config) { c.ClientID = "" },
		"no client secret":      func(c *truemoney.Config) { c.ClientSecret = "" },
		"no private key":        func(c *truemoney.Config) { c.PrivateKey = nil },
		"no wallet key":         func(c *truemoney.Config) { c.WalletPublicKey = nil },
		"negative HTTP timeout": func(c *truemoney.Config) { c.HTTPTimeout = -1 },
		"negative token margin": func(c *truemoney.Config) { c.TokenRefreshMargin = -1 },
	}
	for name, change := range bad {
		cfg := good
		change(&cfg)
		if a, err := truemoney.New(cfg); err == nil {
			a.Close()
			t.Errorf("%s: New succeeded", name)
		} else if strings.Contains(err.Error(), clientSecret) {
			t.Errorf("%s: error shows the secret: %v", name, err)
		}
	}
	a, err := truemoney.New(good)
	if err != nil {
		t.Fatalf("New(good) = %v", err)
	}
	a.Close()
}
