package sim

import (
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
)

func TestCheckReportsEveryBrokenMoneyInvariant(t *testing.T) {
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		payment Payment
		refunds []Refund
		want    string
	}{
		"charged twice": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 2},
			want:    "charged 2 times, want 1",
		},
		"charged while failed": {
			payment: Payment{Status: StatusFailed, MinorUnits: 100, Charges: 1},
			want:    "charged 1 times, want 0",
		},
		"cancelled but not all returned": {
			payment: Payment{Status: StatusCancelled, MinorUnits: 100, Charges: 1, Reversed: 60},
			want:    "cancelled but 60 of 100 returned",
		},
		"refunds over the payment": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 150},
			refunds: []Refund{{RefundRequestID: "r", ResultStatus: alipayplus.ResultSuccess, MinorUnits: 150}},
			want:    "returned 150 of 100 charged",
		},
		"refund total disagrees with the records": {
			payment: Payment{Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 50},
			refunds: []Refund{{RefundRequestID: "r", ResultStatus: alipayplus.ResultSuccess, MinorUnits: 40}},
			want:    "refunded 50, refund records say 40",
		},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			l := newLedger(10, func() time.Time { return now })
			c.payment.PaymentRequestID = "p"
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
	now := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	l := newLedger(10, func() time.Time { return now })
	l.putPaymentLocked(&Payment{PaymentRequestID: "paid", Status: StatusPaid, MinorUnits: 100, Charges: 1, Refunded: 30})
	l.putRefundLocked(&Refund{RefundRequestID: "r", PaymentRequestID: "paid", ResultStatus: alipayplus.ResultSuccess, MinorUnits: 30})
	l.putRefundLocked(&Refund{RefundRequestID: "r2", PaymentRequestID: "paid", ResultStatus: alipayplus.ResultFailure, MinorUnits: 500})
	l.putPaymentLocked(&Payment{PaymentRequestID: "voided", Status: StatusCancelled, MinorUnits: 100, Charges: 1, Reversed: 100})
	l.putPaymentLocked(&Payment{PaymentRequestID: "never", Status: StatusCancelled, Placeholder: true})
	if err := l.Check(); err != nil {
		t.Fatalf("Check = %v", err)
	}
}

func TestAmountRuleUsesTheLastTwoDigits(t *testing.T) {
	cases := map[int64]Scenario{
		51: ScenarioDecline, 1051: ScenarioDecline, 5: ScenarioDecline, 105: ScenarioDecline, 1050: ScenarioApprove,
		91: ScenarioPaidAfterInquiries, 92: ScenarioInProcessForever, 93: ScenarioSlowThenPaid,
		96: ScenarioResponseLost, 100: ScenarioApprove, 1: ScenarioApprove, 9196: ScenarioResponseLost,
	}
	for amount, want := range cases {
		if got := ruleFor(amount).scenario; got != want {
			t.Errorf("ruleFor(%d) = %s, want %s", amount, got, want)
		}
	}
}

func TestValidCodeFollowsTheDefaultRoutingTable(t *testing.T) {
	valid := []string{"2500000000000000", "300000000000000000000000", "281234567890123456"}
	invalid := []string{"", "2400000000000000", "3100000000000000", "250000000000000", "3000000000000000000000000", "28000000000000000a", "２８00000000000000"}
	for _, c := range valid {
		if !validCode(c) {
			t.Errorf("validCode(%q) = false", c)
		}
	}
	for _, c := range invalid {
		if validCode(c) {
			t.Errorf("validCode(%q) = true", c)
		}
	}
}

func TestPaymentsAreCopiesTheCallerCannotChange(t *testing.T) {
	l := newLedger(10, time.Now)
	l.putPaymentLocked(&Payment{PaymentRequestID: "p", Status: StatusPaid, MinorUnits: 100, Charges: 1, RefundIDs: []string{"r"}})
	got, _ := l.Payment("p")
	got.RefundIDs[0] = "changed"
	got.Charges = 5
	again, _ := l.Payment("p")
	if again.RefundIDs[0] != "r" || again.Charges != 1 {
		t.Fatalf("changing a returned payment changed the ledger: %+v", again)
	}
}
