package fx

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func TestPricerQuotesWithTheMostSpecificMarkupAndTheSchemesRounding(t *testing.T) {
	f, err := os.Open("../testdata/ecb/eurofxref-daily.xml")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sets, err := ParseECB(f)
	if err != nil {
		t.Fatal(err)
	}
	static := staticSource{sets[0]}
	now := sets[0].AsOf.Add(time.Hour)
	p, err := NewPricer(static, PricingConfig{
		DefaultMarkup:  decimal.RequireFromString("2.50"),
		SchemeMarkup:   map[string]decimal.Decimal{"KAKAOPAY": decimal.RequireFromString("1.75")},
		MerchantMarkup: map[string]map[string]decimal.Decimal{"M1": {"KAKAOPAY": decimal.RequireFromString("0.50")}},
		SchemeRounding: map[string]Rounding{"KAKAOPAY": RoundHalfEven},
		QuoteTTL:       30 * time.Second,
	}, func() time.Time { return now }, func() string { return "q-test" })
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		merchant, scheme string
		markup           string
		rounding         Rounding
	}{
		{"M1", "KAKAOPAY", "0.5", RoundHalfEven},
		{"M2", "KAKAOPAY", "1.75", RoundHalfEven},
		{"M2", "TRUEMONEY", "2.5", RoundHalfUp},
		{"M1", "TRUEMONEY", "2.5", RoundHalfUp},
	} {
		q, err := p.Quote(context.Background(), tc.merchant, tc.scheme, "EUR", "KRW")
		if err != nil {
			t.Fatalf("Quote(%s, %s) = %v", tc.merchant, tc.scheme, err)
		}
		if !q.MarkupPercent.Equal(decimal.RequireFromString(tc.markup)) || q.Rounding != tc.rounding {
			t.Errorf("Quote(%s, %s): mark-up %s rounding %s, want %s %s", tc.merchant, tc.scheme, q.MarkupPercent, q.Rounding, tc.markup, tc.rounding)
		}
		if q.ID != "q-test" || !q.ExpiresAt.Equal(now.Add(30*time.Second)) || q.Reference.Source != ECBSource {
			t.Errorf("quote id %q expires %v source %q", q.ID, q.ExpiresAt, q.Reference.Source)
		}
		ref, _ := sets[0].Cross("EUR", "KRW")
		if !q.Reference.Value.Equal(ref.Value) {
			t.Errorf("reference rate %s, want the ECB's %s", q.Reference.Value, ref.Value)
		}
	}
}

func TestPricerRefusesBadSettingsAndMissingRates(t *testing.T) {
	bad := []PricingConfig{
		{DefaultMarkup: decimal.RequireFromString("-1")},
		{SchemeMarkup: map[string]decimal.Decimal{"X": decimal.RequireFromString("25")}},
		{MerchantMarkup: map[string]map[string]decimal.Decimal{"M": {"X": decimal.RequireFromString("1.005")}}},
		{SchemeRounding: map[string]Rounding{"X": Rounding(0)}},
	}
	for i, cfg := range bad {
		if _, err := NewPricer(staticSource{}, cfg, nil, nil); err == nil {
			t.Errorf("config %d accepted, want refused", i)
		}
	}
	p, err := NewPricer(staticSource{RateSet{Base: "EUR", Source: "test", Rates: map[string]decimal.Decimal{}}}, PricingConfig{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Quote(context.Background(), "M", "X", "EUR", "KRW"); !errors.Is(err, ErrNoRate) {
		t.Errorf("quote without a KRW rate = %v, want ErrNoRate", err)
	}
}

// staticSource serves cross rates of one rate set.
type staticSource struct{ set RateSet }

func (s staticSource) Rate(_ context.Context, from, to string) (Rate, error) {
	return s.set.Cross(from, to)
}
