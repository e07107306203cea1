package payment_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

var (
	rrnPattern          = regexp.MustCompile(`^[0-9]{12}$`)
	approvalCodePattern = regexp.MustCompile(`^[0-9]{6}$`)
)

// checkApproved checks an approved purchase of minor EUR cents as returned,
// as stored and as the wallet recorded it.
func checkApproved(t *testing.T, h *harness, a *payment.Attempt, minor int64) {
	t.Helper()
	if a.State != payment.StateApproved || a.Reason != payment.ReasonNone {
		t.Fatalf("purchase of %d is %s (reason %q), want approved", minor, a.State, a.Reason)
	}
	if a.Kind != payment.KindPurchase || a.Scheme != schemeID || a.MerchantID != merchantID {
		t.Errorf("attempt kind/scheme/merchant = %s/%s/%s, want purchase/%s/%s", a.Kind, a.Scheme, a.MerchantID, schemeID, merchantID)
	}
	if !rrnPattern.MatchString(a.RRN) {
		t.Errorf("RRN = %q, want 12 digits", a.RRN)
	}
	if !approvalCodePattern.MatchString(a.ApprovalCode) {
		t.Errorf("approval code = %q, want 6 digits", a.ApprovalCode)
	}
	if a.WalletBrand != "Alipay" {
		t.Errorf("wallet brand = %q, want Alipay (code prefix 28)", a.WalletBrand)
	}
	if a.WalletAmount != (payment.Money{Minor: minor, Currency: "EUR"}) {
		t.Errorf("wallet amount = %+v, want %d EUR", a.WalletAmount, minor)
	}
	if strings.Contains(a.CodeMasked, alipayCode[4:len(alipayCode)-4]) {
		t.Errorf("CodeMasked %q holds the middle of the wallet code", a.CodeMasked)
	}

	stored := h.Stored(t, a.ID)
	if stored.State != payment.StateApproved || stored.RRN != a.RRN || stored.ApprovalCode != a.ApprovalCode ||
		stored.SchemeTxnID != a.SchemeTxnID || stored.WalletBrand != a.WalletBrand || stored.Amount != a.Amount {
		t.Errorf("stored attempt %+v differs from the answer %+v", stored, a)
	}
	if types := h.EventTypes(t, a.ID); len(types) == 0 || types[0] != "intent" {
		t.Errorf("journal of %s = %v, want it to start with the intent", a.ID, types)
	}

	p := h.Payment(t, a.ID)
	if p.Status != sim.StatusPaid || p.Charges != 1 || p.MinorUnits != minor || p.Currency != "EUR" {
		t.Errorf("ledger payment = %s, %d charges, %d %s; want paid once, %d EUR", p.Status, p.Charges, p.MinorUnits, p.Currency, minor)
	}
	if a.SchemeTxnID == "" || a.SchemeTxnID != p.WalletTxnID {
		t.Errorf("scheme transaction id = %q, want the wallet's paymentId %q", a.SchemeTxnID, p.WalletTxnID)
	}
}

// checkCancelledInTime checks a purchase whose outcome stayed unknown past
// the budget: answered cancel pending (timeout), then cancelled by the
// resolver, and not kept by the wallet.
func checkCancelledInTime(t *testing.T, h *harness, a *payment.Attempt, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("Purchase: %v", err)
	}
	if a.State != payment.StateCancelPending || a.Reason != payment.ReasonTimeout {
		t.Fatalf("answer is %s (reason %q), want cancel_pending (timeout)", a.State, a.Reason)
	}
	if a.ApprovalCode != "" {
		t.Errorf("an unanswered purchase carries approval code %q", a.ApprovalCode)
	}
	final := h.WaitFinal(t, a.ID)
	if final.State != payment.StateCancelled || final.Reason != payment.ReasonTimeout {
		t.Errorf("final state %s (reason %q), want cancelled (timeout)", final.State, final.Reason)
	}
	types := h.EventTypes(t, a.ID)
	for _, want := range []string{"intent", "pay_unknown", "cancel_decided", "cancel_result"} {
		if !contains(types, want) {
			t.Errorf("journal %v lacks %q", types, want)
		}
	}
	if p := h.Payment(t, a.ID); p.Status != sim.StatusCancelled {
		t.Errorf("ledger payment is %s, want cancelled", p.Status)
	}
}

func TestPurchaseOutcomesFollowTheAmountRule(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	t.Cleanup(func() { h.CheckLedger(t) })

	t.Run("an amount ending in 00 is approved with an RRN, an approval code, the wallet brand and the scheme transaction id", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 1000)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		checkApproved(t, h, a, 1000)
		if calls := h.Sim.Ledger().PayCalls(a.ID); calls != 1 {
			t.Errorf("the wallet got %d pay calls, want 1", calls)
		}
	})

	declines := []struct {
		minor      int64
		reason     payment.Reason
		schemeCode string
	}{
		{1051, payment.ReasonInsufficientFunds, alipayplus.CodeUserBalanceNotEnough},
		{1054, payment.ReasonCodeExpired, alipayplus.CodeExpiredCode},
		{1005, payment.ReasonDoNotHonour, alipayplus.CodeProcessFail},
		{1059, payment.ReasonRiskDeclined, alipayplus.CodeRiskReject},
		{1061, payment.ReasonLimitExceeded, alipayplus.CodeUserAmountExceedLimit},
	}
	for _, d := range declines {
		t.Run(fmt.Sprintf("an amount ending in %02d is declined as %s", d.minor%100, d.reason), func(t *testing.T) {
			t.Parallel()
			a, err := h.Purchase(t, d.minor)
			if err != nil {
				t.Fatalf("Purchase: %v", err)
			}
			if a.State != payment.StateDeclined || a.Reason != d.reason || a.SchemeCode != d.schemeCode {
				t.Errorf("answer is %s (reason %q, scheme code %q), want declined (%s, %s)", a.State, a.Reason, a.SchemeCode, d.reason, d.schemeCode)
			}
			if a.ApprovalCode != "" {
				t.Errorf("a declined purchase carries approval code %q", a.ApprovalCode)
			}
			if stored := h.Stored(t, a.ID); stored.State != payment.StateDeclined || stored.Reason != d.reason {
				t.Errorf("stored as %s (%s), want declined (%s)", stored.State, stored.Reason, d.reason)
			}
			if p := h.Payment(t, a.ID); p.Status != sim.StatusFailed || p.Charges != 0 || p.ResultCode != d.schemeCode {
				t.Errorf("ledger payment is %s with %d charges (%s), want failed, not charged, %s", p.Status, p.Charges, p.ResultCode, d.schemeCode)
			}
		})
	}

	t.Run("an amount ending in 91 is approved after inquiries", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 1091)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		checkApproved(t, h, a, 1091)
		if p := h.Payment(t, a.ID); p.Inquiries < 3 {
			t.Errorf("the wallet was asked %d times, and pays the 91 rule only at the third inquiry", p.Inquiries)
		}
		types := h.EventTypes(t, a.ID)
		if !contains(types, "pay_unknown") || !contains(types, "inquire_result") {
			t.Errorf("journal %v, want pay_unknown then inquire_result", types)
		}
	})

	t.Run("an amount ending in 92 is answered cancel pending at the end of the budget and then cancelled", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 1092)
		checkCancelledInTime(t, h, a, err)
		if p := h.Payment(t, a.ID); p.Charges != 0 {
			t.Errorf("a payment in process forever was charged %d times", p.Charges)
		}
	})

	t.Run("an amount ending in 93 is answered cancel pending and the wallet never keeps the late payment", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 1093)
		checkCancelledInTime(t, h, a, err)
		// Wait past the moment the simulator would have paid it.
		p := h.Payment(t, a.ID)
		if p.SettleAt.IsZero() {
			t.Fatalf("the 93 payment has no settle time: %+v", p)
		}
		time.Sleep(time.Until(p.SettleAt) + 200*time.Millisecond)
		p = h.Payment(t, a.ID)
		if p.Status != sim.StatusCancelled {
			t.Errorf("after its settle time the payment is %s, want cancelled", p.Status)
		}
		if p.Charges != 0 && p.Reversed != p.MinorUnits {
			t.Errorf("payment charged %d times and %d of %d returned: kept", p.Charges, p.Reversed, p.MinorUnits)
		}
		if final := h.Stored(t, a.ID); final.State != payment.StateCancelled {
			t.Errorf("the gateway holds it %s, want cancelled", final.State)
		}
	})

	t.Run("an amount ending in 96 is approved after the lost answer and charged once", func(t *testing.T) {
		t.Parallel()
		a, err := h.Purchase(t, 1096)
		if err != nil {
			t.Fatalf("Purchase: %v", err)
		}
		checkApproved(t, h, a, 1096)
		if types := h.EventTypes(t, a.ID); !contains(types, "pay_unknown") {
			t.Errorf("journal %v: the lost answer was not noted as unknown", types)
		}
	})
}

func TestPurchaseRefusesBadRequestsBeforeAnySchemeCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	ctx := context.Background()

	cases := []struct {
		name string
		req  func() payment.PurchaseRequest
		want error
	}{
		{"an unknown terminal is refused as an unknown merchant", func() payment.PurchaseRequest {
			r := purchaseRequest(h.KeyOf("T9999999"), 1000)
			return r
		}, payment.ErrUnknownMerchant},
		{"a terminal of another merchant is refused as an unknown merchant", func() payment.PurchaseRequest {
			return purchaseRequest(h.KeyOf(otherTerminalID), 1000)
		}, payment.ErrUnknownMerchant},
		{"a zero amount is refused as invalid", func() payment.PurchaseRequest {
			return purchaseRequest(h.NextKey(), 0)
		}, payment.ErrInvalidAmount},
		{"an amount in another currency than the merchant's is refused", func() payment.PurchaseRequest {
			r := purchaseRequest(h.NextKey(), 1000)
			r.Amount.Currency = "USD"
			return r
		}, payment.ErrCurrency},
		{"a code no scheme claims is refused", func() payment.PurchaseRequest {
			r := purchaseRequest(h.NextKey(), 1000)
			r.Code = "999999999999999999"
			return r
		}, payment.ErrNoScheme},
		{"a code of a scheme the merchant does not accept is refused", func() payment.PurchaseRequest {
			r := purchaseRequest(h.NextKey(), 1000)
			r.Code = kakaoCode
			return r
		}, payment.ErrSchemeNotEnabled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			req := c.req()
			a, err := h.Engine.Purchase(ctx, req)
			if !errors.Is(err, c.want) || a != nil {
				t.Fatalf("Purchase = %v, %v; want nil, %v", a, err, c.want)
			}
			if _, err := h.Store.AttemptByKey(ctx, payment.KindPurchase, req.Key); !errors.Is(err, payment.ErrNotFound) {
				t.Errorf("a refused request was journaled: %v", err)
			}
		})
	}
	if n := len(h.Sim.Ledger().Payments()); n != 0 {
		t.Errorf("the wallet saw %d payments of refused requests", n)
	}
}
