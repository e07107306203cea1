package simkit

import (
	"strings"
	"testing"
	"time"
)

func TestCheckReportsEveryBrokenMoneyInvariant(t *testing.T) {
	cases := map[string]struct {
		payment Payment
		refunds []Refund
		want    string
	}{
		"a payment charged twice": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 2},
			want:    "charged 2 times, want 1",
		},
		"a failed payment charged": {
			payment: Payment{Status: StatusFailed, MinorUnits: 100, Charges: 1},
			want:    "charged 1 times, want 0",
		},
		"an order awaiting the customer charged": {
			payment: Payment{Status: StatusAwaitingCustomer, OrderToken: "t", MinorUnits: 100, Charges: 1},
			want:    "charged 1 times, want 0",
		},
		"an expired order charged": {
			payment: Payment{Status: StatusExpired, OrderToken: "t", MinorUnits: 100, Charges: 1},
			want:    "charged 1 times, want 0",
		},
		"a cancelled payment not returned in full": {
			payment: Payment{Status: StatusCancelled, MinorUnits: 100, Charges: 1, Reversed: 60},
			want:    "cancelled but 60 of 100 returned",
		},
		"refunds over the payment": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 150},
			refunds: []Refund{{RequestID: "r", Outcome: OutcomeOK, MinorUnits: 150}},
			want:    "returned 150 of 100 charged",
		},
		"a refund total that disagrees with the records": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 50},
			refunds: []Refund{{RequestID: "r", Outcome: OutcomeOK, MinorUnits: 40}},
			want:    "refunded 50, refund records say 40",
		},
	}
	for name, c := range cases {
		t.Run(name+" is reported", func(t *testing.T) {
			l := newLedger(testConfig(nil).withDefaults())
			c.payment.RequestID = "p"
			l.putPaymentLocked(&c.payment)
			for _, r := range c.refunds {
				r.PaymentRequestID = "p"
				l.putRefundLocked(&r)
			}
			err := l.Check()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check = %v, want %q", err, c.want)
			}
		})
	}
}

func TestCheckPassesAHealthyLedger(t *testing.T) {
	l := newLedger(testConfig(nil).withDefaults())
	l.putPaymentLocked(&Payment{RequestID: "paid", Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 30})
	l.putRefundLocked(&Refund{RequestID: "r", PaymentRequestID: "paid", Outcome: OutcomeOK, MinorUnits: 30})
	l.putRefundLocked(&Refund{RequestID: "r2", PaymentRequestID: "paid", Outcome: OutcomeRefundExceeds, MinorUnits: 500})
	l.putPaymentLocked(&Payment{RequestID: "voided", Status: StatusCancelled, MinorUnits: 100, Charges: 1, Reversed: 100})
	l.putPaymentLocked(&Payment{RequestID: "never", Status: StatusCancelled, Placeholder: true})
	l.putPaymentLocked(&Payment{RequestID: "order", Status: StatusExpired, OrderToken: "t", MinorUnits: 100})
	if err := l.Check(); err != nil {
		t.Fatalf("Check = %v", err)
	}
}

func TestAmountRuleUsesTheLastTwoDigits(t *testing.T) {
	cases := map[int64]Rule{
		51: {ScenarioDecline, DeclineInsufficientFunds}, 1051: {ScenarioDecline, DeclineInsufficientFunds},
		54: {ScenarioDecline, DeclineCodeExpired}, 5: {ScenarioDecline, DeclineNoReason}, 105: {ScenarioDecline, DeclineNoReason},
		59: {ScenarioDecline, DeclineRisk}, 61: {ScenarioDecline, DeclineLimit}, 1050: {Scenario: ScenarioApprove},
		91: {Scenario: ScenarioPaidAfterInquiries}, 92: {Scenario: ScenarioInProcessForever}, 93: {Scenario: ScenarioSlowThenPaid},
		96: {Scenario: ScenarioResponseLost}, 100: {Scenario: ScenarioApprove}, 1: {Scenario: ScenarioApprove},
		9196: {Scenario: ScenarioResponseLost},
	}
	for amount, want := range cases {
		if got := RuleFor(amount); got != want {
			t.Errorf("RuleFor(%d) = %+v, want %+v", amount, got, want)
		}
	}
}

func TestPaymentsAreCopiesTheCallerCannotChange(t *testing.T) {
	l := newLedger(testConfig(nil).withDefaults())
	l.putPaymentLocked(&Payment{RequestID: "p", Status: StatusPaid, MinorUnits: 100, Charges: 1, RefundIDs: []string{"r"}})
	got, _ := l.Payment("p")
	got.RefundIDs[0] = "changed"
	got.Charges = 5
	again, _ := l.Payment("p")
	if again.RefundIDs[0] != "r" || again.Charges != 1 {
		t.Fatalf("changing a returned payment changed the ledger: %+v", again)
	}
}

func TestOpenRefusesAnIncompleteCodeTable(t *testing.T) {
	cases := map[string]func(*Config){
		"a decline without a code":   func(c *Config) { delete(c.Codes.Declines, DeclineRisk) },
		"no code for expired orders": func(c *Config) { c.Codes.Expired = "" },
		"a negative window":          func(c *Config) { c.CancelWindow = -time.Second },
	}
	for name, change := range cases {
		t.Run(name+" is refused", func(t *testing.T) {
			cfg := testConfig(nil)
			change(&cfg)
			if _, err := Open(cfg); err == nil {
				t.Fatal("Open succeeded")
			}
		})
	}
}

func TestHashTellsFieldsApart(t *testing.T) {
	l, err := Open(testConfig(nil))
	if err != nil {
		t.Fatal(err)
	}
	if l.Hash("ab", "c") == l.Hash("a", "bc") {
		t.Fatal("Hash does not tell the field boundaries apart")
	}
	if l.Hash("x") != l.Hash("x") {
		t.Fatal("Hash is not stable")
	}
	other, _ := Open(testConfig(nil))
	if other.Hash("x") == l.Hash("x") {
		t.Fatal("two ledgers in memory share a hash key")
	}
}
