package simkit

import (
	"fmt"
	"testing"
	"time"
)

func TestPayFollowsTheAmountRule(t *testing.T) {
	l := openLedger(t, nil, nil)
	cases := []struct {
		minorUnits int64
		status     Status
		decline    Decline
		code       string
	}{
		{1000, StatusPaid, "", ""}, {1051, StatusFailed, DeclineInsufficientFunds, "W51"}, {1054, StatusFailed, DeclineCodeExpired, "W54"},
		{1005, StatusFailed, DeclineNoReason, "W05"}, {1059, StatusFailed, DeclineRisk, "W59"}, {1061, StatusFailed, DeclineLimit, "W61"},
		{1091, StatusProcessing, "", ""}, {1092, StatusProcessing, "", ""}, {1093, StatusProcessing, "", ""}, {1096, StatusPaid, "", ""},
	}
	for _, c := range cases {
		r := pay(t, l, fmt.Sprint("amount-", c.minorUnits), c.minorUnits)
		p := r.Payment
		if r.Outcome != OutcomeOK || p.Status != c.status || p.Decline != c.decline || p.ResultCode != c.code {
			t.Errorf("Pay %d = %s %s %s %s, want ok %s %s %s", c.minorUnits, r.Outcome, p.Status, p.Decline, p.ResultCode, c.status, c.decline, c.code)
		}
		if r.Hold != (c.minorUnits == 1093) || r.Lose != (c.minorUnits == 1096) {
			t.Errorf("Pay %d: hold %v, lose %v", c.minorUnits, r.Hold, r.Lose)
		}
	}
	checkLedger(t, l)
}

func TestTheMerchantAmountChoosesTheOutcome(t *testing.T) {
	l := openLedger(t, nil, nil)
	r, err := l.Pay(PayCommand{RequestID: "converted-decline", Hash: "h1", Currency: "CNY", MinorUnits: 7800, MerchantCurrency: "EUR", MerchantMinorUnits: 1051})
	if err != nil || r.Payment.Status != StatusFailed || r.Payment.Decline != DeclineInsufficientFunds {
		t.Fatalf("Pay of EUR 10.51 charged as CNY 78.00 = %+v, %v; want declined for funds", r.Payment, err)
	}
	r, err = l.Pay(PayCommand{RequestID: "converted-approve", Hash: "h2", Currency: "CNY", MinorUnits: 7851, MerchantCurrency: "EUR", MerchantMinorUnits: 1000})
	if err != nil || r.Payment.Status != StatusPaid || r.Payment.MinorUnits != 7851 || r.Payment.MerchantMinorUnits != 1000 || r.Payment.MerchantCurrency != "EUR" {
		t.Fatalf("Pay of EUR 10.00 charged as CNY 78.51 = %+v, %v; want paid, both amounts recorded", r.Payment, err)
	}
}

func TestARefusalFailsThePaymentWithoutTheAmountRule(t *testing.T) {
	l := openLedger(t, nil, nil)
	r, err := l.Pay(PayCommand{RequestID: "bad-code", Hash: "h", Currency: "EUR", MinorUnits: 1000, Refusal: "INVALID"})
	if err != nil || r.Payment.Status != StatusFailed || r.Payment.ResultCode != "INVALID" || r.Payment.Charges != 0 {
		t.Fatalf("Pay with a refusal = %+v, %v", r.Payment, err)
	}
}

func TestRepeatsAreAnsweredFromTheRecordAndNeverChargeTwice(t *testing.T) {
	l := openLedger(t, nil, nil)
	first := pay(t, l, "p", 1000)
	again := pay(t, l, "p", 1000)
	if !again.Repeat || again.Outcome != OutcomeOK || again.Payment.WalletTxnID != first.Payment.WalletTxnID {
		t.Fatalf("repeat = %+v, want the same payment", again)
	}
	wantState(t, "after the repeat", again.Payment, StatusPaid, 1)
	if again.Payment.PayCalls != 2 || l.PayCalls("p") != 2 {
		t.Fatalf("pay calls = %d, want 2", again.Payment.PayCalls)
	}
	changed := pay(t, l, "p", 2000)
	if changed.Outcome != OutcomeMismatch {
		t.Fatalf("changed repeat = %s, want mismatch", changed.Outcome)
	}
	lost := pay(t, l, "lost", 1096)
	if repeat := pay(t, l, "lost", 1096); repeat.Lose || !lost.Lose {
		t.Fatalf("96: first lose %v, repeat lose %v; want only the first lost", lost.Lose, repeat.Lose)
	}
	checkLedger(t, l)
}

func TestTheNinetyOneRulePaysAtTheThirdInquiry(t *testing.T) {
	l := openLedger(t, nil, nil)
	pay(t, l, "p", 1091)
	for i := 1; i <= 2; i++ {
		wantState(t, "inquiry", inquire(t, l, "p").Payment, StatusProcessing, 0)
	}
	wantState(t, "third inquiry", inquire(t, l, "p").Payment, StatusPaid, 1)
	if r := inquire(t, l, "unknown"); r.Found {
		t.Fatal("an unknown id was found")
	}
}

func TestTheNinetyTwoRuleWaitsUntilCancelled(t *testing.T) {
	l := openLedger(t, nil, nil)
	pay(t, l, "p", 1092)
	for range 5 {
		wantState(t, "inquiry", inquire(t, l, "p").Payment, StatusProcessing, 0)
	}
	r := cancel(t, l, "p")
	if r.Outcome != OutcomeOK {
		t.Fatalf("cancel = %s", r.Outcome)
	}
	wantState(t, "after the cancel", r.Payment, StatusCancelled, 0)
	checkLedger(t, l)
}

func TestTheNinetyThreeRuleIsPaidAtItsSettleTimeUnlessCancelled(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	if r := pay(t, l, "held", 1093); !r.Hold || !r.Payment.SettleAt.Equal(clock.Now().Add(time.Minute)) {
		t.Fatalf("93 pay = %+v, want a hold settling in a minute", r)
	}
	settled, err := l.SettleSlow("held")
	if err != nil {
		t.Fatal(err)
	}
	wantState(t, "settled after the hold", settled, StatusPaid, 1)

	pay(t, l, "unheld", 2093)
	pay(t, l, "cancelled", 3093)
	cancel(t, l, "cancelled")
	if p, _ := l.SettleSlow("cancelled"); p.Status != StatusCancelled {
		t.Fatalf("a hold ending after a cancel made the payment %s", p.Status)
	}
	p, _ := l.Payment("unheld")
	wantState(t, "before the settle time", p, StatusProcessing, 0)
	clock.Advance(time.Minute)
	p, _ = l.Payment("unheld")
	wantState(t, "at the settle time, with nobody holding", p, StatusPaid, 1)
	if !p.PaidAt.Equal(p.SettleAt) {
		t.Fatalf("paid at %v, want its settle time %v", p.PaidAt, p.SettleAt)
	}
	checkLedger(t, l)
}

func TestCancel(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, func(c *Config) { c.CancelWindow = time.Hour })
	t.Run("A cancel of a paid payment returns it in full.", func(t *testing.T) {
		pay(t, l, "paid", 1000)
		r := cancel(t, l, "paid")
		if r.Outcome != OutcomeOK || r.Payment.Reversed != 1000 {
			t.Fatalf("cancel = %s, reversed %d", r.Outcome, r.Payment.Reversed)
		}
		wantState(t, "cancelled", r.Payment, StatusCancelled, 1)
		if again := cancel(t, l, "paid"); again.Outcome != OutcomeOK || again.Payment.Reversed != 1000 {
			t.Fatalf("repeated cancel = %s, reversed %d", again.Outcome, again.Payment.Reversed)
		}
	})
	t.Run("A cancel of an id never seen blocks a later pay and a later order.", func(t *testing.T) {
		r := cancel(t, l, "never")
		if r.Outcome != OutcomeOK || !r.Payment.Placeholder {
			t.Fatalf("cancel = %+v", r)
		}
		if late := pay(t, l, "never", 1000); late.Outcome != OutcomeClosed || late.Payment.Charges != 0 {
			t.Fatalf("late pay = %s, %d charges", late.Outcome, late.Payment.Charges)
		}
		if late, _ := l.CreateOrder(OrderCommand{RequestID: "never", Hash: "h", Currency: "EUR", MinorUnits: 1}); late.Outcome != OutcomeClosed {
			t.Fatalf("late order = %s", late.Outcome)
		}
	})
	t.Run("A cancel after a partial refund is refused.", func(t *testing.T) {
		pay(t, l, "refunded", 1000)
		refund(t, l, "r", "refunded", 100)
		if r := cancel(t, l, "refunded"); r.Outcome != OutcomeRefunded || r.Payment.Status != StatusPaid {
			t.Fatalf("cancel = %s, %s", r.Outcome, r.Payment.Status)
		}
	})
	t.Run("A cancel after the window is refused.", func(t *testing.T) {
		pay(t, l, "old", 1000)
		clock.Advance(2 * time.Hour)
		if r := cancel(t, l, "old"); r.Outcome != OutcomeCancelWindowClosed || r.Payment.Status != StatusPaid {
			t.Fatalf("cancel = %s, %s", r.Outcome, r.Payment.Status)
		}
	})
	checkLedger(t, l)
}

func TestRefund(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, func(c *Config) { c.RefundWindow = 48 * time.Hour })
	pay(t, l, "paid", 1000)
	pay(t, l, "declined", 1051)
	pay(t, l, "in-process", 1092)
	pay(t, l, "voided", 1000)
	cancel(t, l, "voided")
	ok := refund(t, l, "r1", "paid", 600)
	if ok.Outcome != OutcomeOK || ok.Refund.WalletTxnID == "" || !ok.Refund.Succeeded() {
		t.Fatalf("refund = %+v", ok)
	}
	if again := refund(t, l, "r1", "paid", 600); !again.Repeat || again.Refund.WalletTxnID != ok.Refund.WalletTxnID {
		t.Fatalf("repeated refund = %+v, want the recorded one", again)
	}
	if changed := refund(t, l, "r1", "paid", 700); changed.Outcome != OutcomeMismatch {
		t.Fatalf("changed repeat = %s", changed.Outcome)
	}
	refusals := []struct {
		id, payment string
		minorUnits  int64
		currency    string
		want        Outcome
	}{
		{"over", "paid", 401, "EUR", OutcomeRefundExceeds},
		{"unknown", "nope", 1, "EUR", OutcomeNotFound},
		{"declined", "declined", 1, "EUR", OutcomeNotPaid},
		{"in-process", "in-process", 1, "EUR", OutcomeNotPaid},
		{"voided", "voided", 1, "EUR", OutcomeClosed},
		{"currency", "paid", 1, "USD", OutcomeCurrencyMismatch},
	}
	for _, c := range refusals {
		r, err := l.Refund(RefundCommand{RequestID: c.id, PaymentRequestID: c.payment, Hash: c.id, Currency: c.currency, MinorUnits: c.minorUnits})
		if err != nil || r.Outcome != c.want || r.Refund.Succeeded() {
			t.Errorf("refund %s = %s, %v; want %s", c.id, r.Outcome, err, c.want)
		}
	}
	if rest := refund(t, l, "rest", "paid", 400); rest.Outcome != OutcomeOK {
		t.Fatalf("refund of the rest = %s", rest.Outcome)
	}
	clock.Advance(49 * time.Hour)
	pay(t, l, "fresh", 1000)
	if late := refund(t, l, "late", "fresh", 1); late.Outcome != OutcomeOK {
		t.Fatalf("refund of a fresh payment = %s", late.Outcome)
	}
	p, _ := l.Payment("paid")
	if p.Refunded != 1000 || len(p.RefundIDs) != 2 {
		t.Fatalf("payment = refunded %d by %v", p.Refunded, p.RefundIDs)
	}
	checkLedger(t, l)
}

func TestARefundAfterTheWindowIsRefused(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, func(c *Config) { c.RefundWindow = 48 * time.Hour })
	pay(t, l, "old", 1000)
	clock.Advance(49 * time.Hour)
	if r := refund(t, l, "late", "old", 100); r.Outcome != OutcomeRefundWindowClosed {
		t.Fatalf("refund = %s", r.Outcome)
	}
}

func TestTheLedgerIsBounded(t *testing.T) {
	l := openLedger(t, nil, func(c *Config) { c.MaxEntries = 2 })
	pay(t, l, "a", 100)
	pay(t, l, "b", 100)
	if r := pay(t, l, "c", 100); r.Outcome != OutcomeFull {
		t.Fatalf("pay beyond the bound = %s", r.Outcome)
	}
	if r, _ := l.CreateOrder(OrderCommand{RequestID: "o", Hash: "h", Currency: "EUR", MinorUnits: 1}); r.Outcome != OutcomeFull {
		t.Fatalf("order beyond the bound = %s", r.Outcome)
	}
	if r := refund(t, l, "r", "a", 10); r.Outcome != OutcomeFull {
		t.Fatalf("refund beyond the bound = %s", r.Outcome)
	}
	if r := cancel(t, l, "unknown"); r.Outcome != OutcomeFull {
		t.Fatalf("cancel of an unknown id beyond the bound = %s", r.Outcome)
	}
	if r := pay(t, l, "a", 100); r.Outcome != OutcomeOK || !r.Repeat {
		t.Fatalf("repeat of a recorded payment = %+v", r)
	}
	if n := len(l.Payments()); n != 2 {
		t.Fatalf("ledger holds %d payments, want 2", n)
	}
}
