package simkit

import (
	"testing"
	"time"
)

func TestAnOrderAwaitsItsCustomerUntilScanned(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	created := order(t, l, "o", 1000)
	p := created.Payment
	if p.Status != StatusAwaitingCustomer || p.OrderToken == "" || !p.IsOrder() || !p.ExpiresAt.Equal(clock.Now().Add(10*time.Minute)) {
		t.Fatalf("order = %+v, want awaiting the customer with a token, expiring after OrderLifetime", p)
	}
	if r := inquire(t, l, "o"); r.Payment.Status != StatusAwaitingCustomer || r.Lose {
		t.Fatalf("inquiry = %+v, want awaiting the customer", r)
	}
	repeat, _ := l.CreateOrder(OrderCommand{RequestID: "o", Hash: l.Hash("order", "o"), Currency: "EUR", MinorUnits: 1000})
	if !repeat.Repeat || repeat.Outcome != OutcomeOK || repeat.Payment.OrderToken != p.OrderToken {
		t.Fatalf("repeat = %+v, want the same order", repeat)
	}
	if other := order(t, l, "other", 1000); other.Payment.OrderToken == p.OrderToken {
		t.Fatal("two orders share a token")
	}
	paid := scan(t, l, p.OrderToken)
	if paid.Outcome != OutcomeOK || paid.Payment.WalletBrand != "Scanner Wallet" || paid.Payment.ScannedAt.IsZero() {
		t.Fatalf("scan = %+v", paid)
	}
	wantState(t, "scanned", paid.Payment, StatusPaid, 1)
	if again := scan(t, l, p.OrderToken); again.Outcome != OutcomeAlreadyScanned {
		t.Fatalf("second scan = %s, want already scanned", again.Outcome)
	}
	if byToken, ok := l.OrderByToken(p.OrderToken); !ok || byToken.RequestID != "o" {
		t.Fatalf("OrderByToken = %+v, %v", byToken, ok)
	}
	checkLedger(t, l)
}

func TestAnOrderAndAPaymentDoNotShareAnID(t *testing.T) {
	l := openLedger(t, nil, nil)
	pay(t, l, "p", 1000)
	if r, _ := l.CreateOrder(OrderCommand{RequestID: "p", Hash: l.Hash("order", "p"), Currency: "EUR", MinorUnits: 1000}); r.Outcome != OutcomeMismatch {
		t.Fatalf("order under a payment's id = %s", r.Outcome)
	}
	o := order(t, l, "o", 1000)
	if r, _ := l.Pay(PayCommand{RequestID: "o", Hash: o.Payment.RequestHash, Currency: "EUR", MinorUnits: 1000}); r.Outcome != OutcomeMismatch {
		t.Fatalf("pay under an order's id, even with its hash = %s", r.Outcome)
	}
	if r, _ := l.CreateOrder(OrderCommand{RequestID: "o", Hash: "other", Currency: "EUR", MinorUnits: 1000}); r.Outcome != OutcomeMismatch {
		t.Fatalf("order repeated with other content = %s", r.Outcome)
	}
	if r := scan(t, l, "no-such-token"); r.Outcome != OutcomeNotFound {
		t.Fatalf("scan of an unknown token = %s", r.Outcome)
	}
}

func TestAScanFollowsTheAmountRule(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	t.Run("A declined scan fails with the rule's decline.", func(t *testing.T) {
		r := scan(t, l, order(t, l, "declined", 1059).Payment.OrderToken)
		if r.Payment.Status != StatusFailed || r.Payment.Decline != DeclineRisk || r.Payment.ResultCode != "W59" {
			t.Fatalf("scan = %+v", r.Payment)
		}
	})
	t.Run("A 91 scan is paid at the third inquiry after it, however many came before.", func(t *testing.T) {
		o := order(t, l, "91", 1091)
		inquire(t, l, "91")
		inquire(t, l, "91")
		inquire(t, l, "91")
		wantState(t, "scanned", scan(t, l, o.Payment.OrderToken).Payment, StatusProcessing, 0)
		wantState(t, "first inquiry after", inquire(t, l, "91").Payment, StatusProcessing, 0)
		wantState(t, "second inquiry after", inquire(t, l, "91").Payment, StatusProcessing, 0)
		wantState(t, "third inquiry after", inquire(t, l, "91").Payment, StatusPaid, 1)
	})
	t.Run("A 92 scan is in process until cancelled, and the cancel charges nothing.", func(t *testing.T) {
		scan(t, l, order(t, l, "92", 1092).Payment.OrderToken)
		wantState(t, "inquiry", inquire(t, l, "92").Payment, StatusProcessing, 0)
		wantState(t, "cancelled", cancel(t, l, "92").Payment, StatusCancelled, 0)
	})
	t.Run("A 93 scan is held, then paid.", func(t *testing.T) {
		r := scan(t, l, order(t, l, "93", 1093).Payment.OrderToken)
		if !r.Hold {
			t.Fatal("a 93 scan is not held")
		}
		p, _ := l.SettleSlow("93")
		wantState(t, "after the hold", p, StatusPaid, 1)
	})
	t.Run("A 93 scan cancelled during its hold is never paid.", func(t *testing.T) {
		scan(t, l, order(t, l, "93c", 2093).Payment.OrderToken)
		cancel(t, l, "93c")
		p, _ := l.SettleSlow("93c")
		wantState(t, "after the hold", p, StatusCancelled, 0)
		clock.Advance(time.Hour)
		p, _ = l.Payment("93c")
		wantState(t, "after the settle time", p, StatusCancelled, 0)
	})
	t.Run("A 96 scan is paid and loses the answer to the next inquiry only.", func(t *testing.T) {
		r := scan(t, l, order(t, l, "96", 1096).Payment.OrderToken)
		wantState(t, "scanned", r.Payment, StatusPaid, 1)
		if first := inquire(t, l, "96"); !first.Lose {
			t.Fatal("the first inquiry after a 96 scan is not lost")
		}
		if second := inquire(t, l, "96"); second.Lose {
			t.Fatal("the second inquiry after a 96 scan is lost too")
		}
	})
	t.Run("The merchant's amount decides when the order has one.", func(t *testing.T) {
		o, _ := l.CreateOrder(OrderCommand{RequestID: "converted", Hash: "h", Currency: "CNY", MinorUnits: 7800, MerchantCurrency: "EUR", MerchantMinorUnits: 1051})
		if r := scan(t, l, o.Payment.OrderToken); r.Payment.Decline != DeclineInsufficientFunds {
			t.Fatalf("scan = %+v", r.Payment)
		}
	})
	checkLedger(t, l)
}

func TestAnOrderNotScannedInTimeExpires(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	o := order(t, l, "late", 1000)
	scanned := order(t, l, "scanned-in-time", 1092)
	scan(t, l, scanned.Payment.OrderToken)
	clock.Advance(10 * time.Minute)
	p, _ := l.Payment("late")
	if p.Status != StatusExpired || p.ResultCode != "WEXP" || p.Charges != 0 {
		t.Fatalf("after its expiry the order is %+v, want expired with the wallet's code", p)
	}
	if r := scan(t, l, o.Payment.OrderToken); r.Outcome != OutcomeExpired {
		t.Fatalf("scan of an expired order = %s", r.Outcome)
	}
	if r := cancel(t, l, "late"); r.Outcome != OutcomeOK || r.Payment.Status != StatusExpired {
		t.Fatalf("cancel of an expired order = %s, %s; want ok, still expired", r.Outcome, r.Payment.Status)
	}
	if r := refund(t, l, "r", "late", 1); r.Outcome != OutcomeNotPaid {
		t.Fatalf("refund of an expired order = %s", r.Outcome)
	}
	if p, _ := l.Payment("scanned-in-time"); p.Status != StatusProcessing {
		t.Fatalf("an order scanned in time became %s at its expiry; the wallet decides it now", p.Status)
	}
	checkLedger(t, l)
}

func TestAnExpiryInThePastExpiresTheOrderAtOnce(t *testing.T) {
	clock := newClock()
	l := openLedger(t, clock, nil)
	r, err := l.CreateOrder(OrderCommand{RequestID: "past", Hash: "h", Currency: "EUR", MinorUnits: 1000, ExpiresAt: clock.Now()})
	if err != nil || r.Payment.Status != StatusExpired {
		t.Fatalf("CreateOrder = %+v, %v; want expired", r.Payment, err)
	}
}

func TestACancelledOrderIsClosedAndCannotBePaidLater(t *testing.T) {
	l := openLedger(t, nil, nil)
	t.Run("An order cancelled before the scan charges nothing and refuses the scan.", func(t *testing.T) {
		o := order(t, l, "open", 1000)
		wantState(t, "cancelled", cancel(t, l, "open").Payment, StatusCancelled, 0)
		if r := scan(t, l, o.Payment.OrderToken); r.Outcome != OutcomeClosed || r.Payment.Charges != 0 {
			t.Fatalf("scan after the cancel = %s, %d charges", r.Outcome, r.Payment.Charges)
		}
	})
	t.Run("An order cancelled after it was paid returns the money.", func(t *testing.T) {
		o := order(t, l, "paid", 1000)
		scan(t, l, o.Payment.OrderToken)
		r := cancel(t, l, "paid")
		wantState(t, "cancelled", r.Payment, StatusCancelled, 1)
		if r.Payment.Reversed != 1000 {
			t.Fatalf("reversed %d, want 1000", r.Payment.Reversed)
		}
	})
	t.Run("A paid order is refunded like a payment.", func(t *testing.T) {
		o := order(t, l, "refunded", 1000)
		scan(t, l, o.Payment.OrderToken)
		if r := refund(t, l, "r", "refunded", 1000); r.Outcome != OutcomeOK {
			t.Fatalf("refund = %s", r.Outcome)
		}
	})
	checkLedger(t, l)
}
