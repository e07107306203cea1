package payment_test

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/gateway/payment"
	"github.com/meridian-gw/meridian/schemes/alipayplus/sim"
)

// ecbRates serves the cross rates of the sample ECB daily file.
type ecbRates struct{ set fx.RateSet }

func (r ecbRates) Rate(_ context.Context, from, to string) (fx.Rate, error) {
	return r.set.Cross(from, to)
}

func newPricer(t *testing.T) (*fx.Pricer, fx.RateSet) {
	t.Helper()
	f, err := os.Open("../../testdata/ecb/eurofxref-daily.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sets, err := fx.ParseECB(f)
	if err != nil {
		t.Fatal(err)
	}
	p, err := fx.NewPricer(ecbRates{sets[0]}, fx.PricingConfig{DefaultMarkup: decimal.RequireFromString("2.50")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	return p, sets[0]
}

func TestPurchaseInACurrencyTheSchemeCannotChargeIsConvertedAtALockedQuote(t *testing.T) {
	t.Parallel()
	pricer, rates := newPricer(t)
	h := newHarness(t, harnessOptions{ChargeCurrencies: []string{"CNY"}, FX: pricer})

	p := h.Approved(t, 1250) // 12.50 EUR
	stored := h.Stored(t, p.ID)
	ref, _ := rates.Cross("EUR", "CNY")
	applied := ref.Value.Mul(decimal.RequireFromString("1.025"))
	want, err := fx.Convert(1250, "EUR", applied, "CNY", fx.RoundHalfUp)
	if err != nil {
		t.Fatal(err)
	}
	if stored.WalletAmount != (payment.Money{Minor: want, Currency: "CNY"}) {
		t.Errorf("wallet amount %+v, want %d CNY (12.50 EUR at %s + 2.50 %%)", stored.WalletAmount, want, ref.Value)
	}
	c := stored.Conversion
	if !c.Applied() || c.MarkupPercent != "2.50" || c.Source != fx.ECBSource || c.ReferenceRate != ref.Value.String() {
		t.Errorf("journaled conversion %+v", c)
	}
	if stored.Settlement != (payment.Money{Minor: 1250, Currency: "EUR"}) {
		t.Errorf("settlement %+v, want 12.50 EUR", stored.Settlement)
	}
	if de10, err := c.DE10(); err != nil || len(de10) != 8 {
		t.Errorf("DE 10 of the conversion = %q, %v", de10, err)
	}
	pay := h.Payment(t, p.ID)
	if pay.Currency != "CNY" || pay.MinorUnits != want || pay.Charges != 1 {
		t.Errorf("the wallet charged %d %s (%d charges), want %d CNY once", pay.MinorUnits, pay.Currency, pay.Charges, want)
	}

	t.Run("a reversal returns the whole charge in the wallet's currency", func(t *testing.T) {
		q := h.Approved(t, 2000)
		if _, err := h.Engine.Reverse(context.Background(), payment.ReversalRequest{
			Key: h.NextKey(), MerchantID: q.MerchantID, Original: q.Key, Amount: q.Amount,
		}); err != nil {
			t.Fatal(err)
		}
		final := h.WaitFinal(t, q.ID)
		if final.State != payment.StateCancelled && final.State != payment.StateRefunded {
			t.Fatalf("reversed purchase ended %s", final.State)
		}
		if got := h.Payment(t, q.ID); got.Status != sim.StatusCancelled {
			t.Errorf("wallet payment %s, want cancelled", got.Status)
		}
		h.CheckLedger(t)
	})

	t.Run("partial refunds go back in the wallet's currency at the locked rate and together return exactly the charge", func(t *testing.T) {
		q := h.Approved(t, 1250)
		charged := h.Stored(t, q.ID).WalletAmount
		var returned int64
		for _, part := range []int64{333, 417, 500} {
			r, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), q.RRN, part))
			if err != nil || r.State != payment.StateApproved {
				t.Fatalf("refund of %d = %v, %v", part, r, err)
			}
			stored := h.Stored(t, r.ID)
			if stored.WalletAmount.Currency != "CNY" || stored.WalletAmount.Minor <= 0 {
				t.Fatalf("refund journaled with wallet amount %+v", stored.WalletAmount)
			}
			returned += stored.WalletAmount.Minor
			if returned > charged.Minor {
				t.Fatalf("refunds returned %d CNY of %d charged", returned, charged.Minor)
			}
		}
		if returned != charged.Minor {
			t.Errorf("the three refunds returned %d CNY, the purchase charged %d", returned, charged.Minor)
		}
		if got := h.Payment(t, q.ID); got.Refunded != charged.Minor {
			t.Errorf("the wallet returned %d, want %d", got.Refunded, charged.Minor)
		}
		if _, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), q.RRN, 1)); !errors.Is(err, payment.ErrInvalidAmount) {
			t.Errorf("a refund beyond the purchase = %v, want ErrInvalidAmount", err)
		}
		h.CheckLedger(t)
	})
}

func TestPurchaseNeedingAConversionWithoutRatesIsAnsweredUnavailable(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{ChargeCurrencies: []string{"CNY"}})
	_, err := h.Purchase(t, 1250)
	if !errors.Is(err, payment.ErrNoConversion) || !errors.Is(err, payment.ErrUnavailable) {
		t.Fatalf("Purchase = %v, want ErrNoConversion (RC 91)", err)
	}
	if n := len(h.Sim.Ledger().Payments()); n != 0 {
		t.Errorf("the wallet saw %d payments", n)
	}
}

// shiftedRates serves the sample rates with CNY 10 % dearer, as if the
// market moved between a purchase and its refund.
type shiftedRates struct{ set fx.RateSet }

func (r shiftedRates) Rate(_ context.Context, from, to string) (fx.Rate, error) {
	rate, err := r.set.Cross(from, to)
	rate.Value = rate.Value.Mul(decimal.RequireFromString("1.1"))
	return rate, err
}

func TestRefundsAtTheCurrentRateWhenConfigured(t *testing.T) {
	t.Parallel()
	_, rates := newPricer(t)
	moving := &switchable{Quoter: nil}
	locked, err := fx.NewPricer(ecbRates{rates}, fx.PricingConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	later, err := fx.NewPricer(shiftedRates{rates}, fx.PricingConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	moving.Quoter = locked
	h := newHarness(t, harnessOptions{ChargeCurrencies: []string{"CNY"}, FX: moving, RefundAtCurrentRate: true})
	p := h.Approved(t, 10000)
	charged := h.Stored(t, p.ID).WalletAmount.Minor

	moving.Quoter = later
	r, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), p.RRN, 5000))
	if err != nil || r.State != payment.StateApproved {
		t.Fatalf("refund = %v, %v", r, err)
	}
	got := h.Stored(t, r.ID).WalletAmount.Minor
	half := charged / 2
	if got <= half+1 {
		t.Errorf("half refunded at the current (10 %% dearer) rate returned %d CNY, not more than half the charge %d", got, half)
	}
	// The rest can only return what the wallet still holds.
	r2, err := h.Engine.Refund(context.Background(), refundRequest(h.NextKey(), p.RRN, 5000))
	if err != nil || r2.State != payment.StateApproved {
		t.Fatalf("second refund = %v, %v", r2, err)
	}
	if total := got + h.Stored(t, r2.ID).WalletAmount.Minor; total != charged {
		t.Errorf("refunds returned %d CNY in all, the purchase charged %d", total, charged)
	}
	h.CheckLedger(t)
}

// switchable lets a test change the quoter between calls; the test does so
// only between engine calls.
type switchable struct{ payment.Quoter }

func TestConcurrentRefundsOfAConvertedPurchaseNeverReturnMoreThanWasCharged(t *testing.T) {
	t.Parallel()
	pricer, _ := newPricer(t)
	h := newHarness(t, harnessOptions{ChargeCurrencies: []string{"CNY"}, FX: pricer})
	p := h.Approved(t, 1000)
	charged := h.Stored(t, p.ID).WalletAmount.Minor

	results := make(chan *payment.Attempt, 10)
	for i := 0; i < 10; i++ {
		key := h.NextKey()
		go func() {
			r, err := h.Engine.Refund(context.Background(), refundRequest(key, p.RRN, 150))
			if err != nil {
				r = nil
			}
			results <- r
		}()
	}
	var merchant, wallet int64
	for i := 0; i < 10; i++ {
		if r := <-results; r != nil && r.State == payment.StateApproved {
			merchant += r.Amount.Minor
			wallet += h.Stored(t, r.ID).WalletAmount.Minor
		}
	}
	if merchant > 1000 || wallet > charged {
		t.Errorf("refunds returned %d EUR cents and %d CNY fen of a 1000 purchase charged %d", merchant, wallet, charged)
	}
	if merchant != 900 {
		t.Errorf("approved refunds total %d, want 900 (six of 150 fit in 1000)", merchant)
	}
	if got := h.Payment(t, p.ID); got.Refunded != wallet {
		t.Errorf("the wallet returned %d, the journal says %d", got.Refunded, wallet)
	}
	h.CheckLedger(t)
}

// fixedPolicies gives every merchant one policy and counts no purchases.
type fixedPolicies struct{ p payment.MerchantPolicy }

func (f fixedPolicies) MerchantPolicy(context.Context, string) (payment.MerchantPolicy, error) {
	return f.p, nil
}

func (fixedPolicies) PurchasesSince(context.Context, string, time.Time) (int, error) { return 0, nil }

func TestAMerchantsOwnMarkupOverridesTheConfiguredOne(t *testing.T) {
	t.Parallel()
	pricer, rates := newPricer(t)
	h := newHarness(t, harnessOptions{ChargeCurrencies: []string{"CNY"}, FX: pricer,
		Policies: fixedPolicies{payment.MerchantPolicy{Markup: map[string]string{schemeID: "1.25"}}}})
	stored := h.Stored(t, h.Approved(t, 1250).ID)
	ref, _ := rates.Cross("EUR", "CNY")
	want, err := fx.Convert(1250, "EUR", ref.Value.Mul(decimal.RequireFromString("1.0125")), "CNY", fx.RoundHalfUp)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Conversion.MarkupPercent != "1.25" || stored.WalletAmount.Minor != want {
		t.Errorf("charged %d CNY at mark-up %s; want %d at the merchant's 1.25", stored.WalletAmount.Minor, stored.Conversion.MarkupPercent, want)
	}
}
