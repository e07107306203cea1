package invariant

import (
	"errors"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

func validAttempt() *payment.Attempt {
	return &payment.Attempt{ID: "a1", Kind: payment.KindPurchase, State: payment.StatePending,
		Amount: payment.Money{Minor: 100, Currency: "EUR"}}
}

func TestCheckAttempt(t *testing.T) {
	if err := CheckAttempt(validAttempt()); err != nil {
		t.Fatalf("a valid attempt: %v", err)
	}
	tooLate := TimeMax.Add(time.Second)
	for name, spoil := range map[string]func(a *payment.Attempt){
		"no ID":                     func(a *payment.Attempt) { a.ID = "" },
		"an unknown kind":           func(a *payment.Attempt) { a.Kind = "gift" },
		"a refund without origin":   func(a *payment.Attempt) { a.Kind = payment.KindRefund },
		"a purchase with origin":    func(a *payment.Attempt) { a.OriginalID = "p0" },
		"an unknown state":          func(a *payment.Attempt) { a.State = "limbo" },
		"a negative settlement":     func(a *payment.Attempt) { a.Settlement.Minor = -1 },
		"negative tries":            func(a *payment.Attempt) { a.Tries = -1 },
		"a next action past 2262":   func(a *payment.Attempt) { a.NextActionAt = tooLate },
		"a flag time past 2262":     func(a *payment.Attempt) { a.FlaggedAt = tooLate },
		"a quote time past 2262":    func(a *payment.Attempt) { a.Conversion.AsOf = tooLate },
		"an order expiry past 2262": func(a *payment.Attempt) { a.Order.ExpiresAt = tooLate },
	} {
		a := validAttempt()
		spoil(a)
		if err := CheckAttempt(a); !errors.Is(err, ErrViolated) {
			t.Errorf("an attempt with %s: %v, want ErrViolated", name, err)
		}
	}
	if err := CheckAttempt(nil); !errors.Is(err, ErrViolated) {
		t.Errorf("a nil attempt: %v, want ErrViolated", err)
	}
}

func TestCheckTransition(t *testing.T) {
	for _, c := range []struct {
		kind     payment.Kind
		from, to payment.State
		ok       bool
	}{
		{payment.KindPurchase, payment.StateUnknown, payment.StateApproved, true},
		{payment.KindPurchase, payment.StateApproved, payment.StateCancelPending, true},
		{payment.KindRefund, payment.StateApproved, payment.StateCancelPending, false},
		{payment.KindPurchase, payment.StateCancelPending, payment.StateRefundPending, true},
		{payment.KindPurchase, payment.StateCancelPending, payment.StateApproved, false},
		{payment.KindPurchase, payment.StateRefundPending, payment.StateCancelPending, false},
		{payment.KindPurchase, payment.StateDeclined, payment.StateApproved, false},
		{payment.KindPurchase, payment.StateCancelled, payment.StateCancelled, true},
	} {
		err := CheckTransition(c.kind, c.from, c.to)
		if (err == nil) != c.ok || (err != nil && !errors.Is(err, ErrViolated)) {
			t.Errorf("%s %s to %s: %v, want allowed %v", c.kind, c.from, c.to, err, c.ok)
		}
	}
}

func TestCheckClaim(t *testing.T) {
	now := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC)
	if err := CheckClaim(now, "node-a", time.Minute, 10); err != nil {
		t.Fatalf("a valid claim: %v", err)
	}
	for name, err := range map[string]error{
		"without owner":          CheckClaim(now, "", time.Minute, 10),
		"for no time":            CheckClaim(now, "node-a", 0, 10),
		"of no attempt":          CheckClaim(now, "node-a", time.Minute, 0),
		"with a lease past 2262": CheckClaim(TimeMax.Add(-time.Second), "node-a", time.Minute, 10),
		"at a time before 1678":  CheckClaim(TimeMin.Add(-time.Second), "node-a", time.Minute, 10),
	} {
		if !errors.Is(err, ErrViolated) {
			t.Errorf("a claim %s: %v, want ErrViolated", name, err)
		}
	}
}

func TestCheckMerchant(t *testing.T) {
	for name, m := range map[string]*payment.Merchant{
		"nil":                      nil,
		"without ID":               {MaxAmount: 1},
		"with a negative limit":    {ID: "M1", MaxAmount: -1},
		"with an empty scheme ID":  {ID: "M1", Schemes: []string{""}},
		"with a comma in a scheme": {ID: "M1", Schemes: []string{"a,b"}},
	} {
		if err := CheckMerchant(m); !errors.Is(err, ErrViolated) {
			t.Errorf("a merchant %s: %v, want ErrViolated", name, err)
		}
	}
	if err := CheckMerchant(&payment.Merchant{ID: "M1", Schemes: []string{"alipayplus"}}); err != nil {
		t.Errorf("a valid merchant: %v", err)
	}
}
