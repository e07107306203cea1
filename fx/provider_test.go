package fx

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

func sampleSet() RateSet {
	return RateSet{
		Base:   "EUR",
		AsOf:   time.Date(2026, 11, 25, 16, 0, 0, 0, centralEuropeanTime),
		Source: "ECB",
		Rates: map[string]decimal.Decimal{
			"CNY": decimal.RequireFromString("8.2964"),
			"KRW": decimal.RequireFromString("1701.36"),
			"GBP": decimal.RequireFromString("0.87615"),
			"IDR": decimal.RequireFromString("19428.53"),
			"XYZ": decimal.RequireFromString("4"),
		},
	}
}

// The expected values were computed independently with Python's decimal
// module: precision 12, rounding ROUND_DOWN.
func TestCrossComputesEveryPairThroughTheBaseExactly(t *testing.T) {
	set := sampleSet()
	cases := []struct{ from, to, want string }{
		{"EUR", "CNY", "8.2964"},
		{"CNY", "EUR", "0.120534207608"},
		{"CNY", "KRW", "205.072079456"},
		{"KRW", "CNY", "0.00487633422673"},
		{"IDR", "GBP", "0.0000450960520430"},
		{"GBP", "IDR", "22174.8901443"},
		{"CNY", "CNY", "1"},
		{"EUR", "EUR", "1"},
		{"JPY", "JPY", "1"}, // identity needs no published rate
	}
	for _, c := range cases {
		got, err := set.Cross(c.from, c.to)
		if err != nil {
			t.Fatalf("Cross(%s, %s): %v", c.from, c.to, err)
		}
		if !got.Value.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("Cross(%s, %s) = %s, want %s", c.from, c.to, got.Value, c.want)
		}
		if got.Base != c.from || got.Quote != c.to || got.Source != "ECB" || !got.AsOf.Equal(set.AsOf) {
			t.Errorf("Cross(%s, %s) = %+v: wrong labels", c.from, c.to, got)
		}
	}
}

func TestCrossNamesTheCurrencyItHasNoRateFor(t *testing.T) {
	set := sampleSet()
	for _, c := range []struct{ from, to, missing string }{
		{"EUR", "JPY", `"JPY"`},
		{"JPY", "CNY", `"JPY"`},
		{"CNY", "ABC", `"ABC"`},
		{"eur", "eur", `"eur"`},
	} {
		_, err := set.Cross(c.from, c.to)
		if !errors.Is(err, ErrNoRate) || !strings.Contains(err.Error(), c.missing) {
			t.Errorf("Cross(%s, %s) error = %v, want ErrNoRate naming %s", c.from, c.to, err, c.missing)
		}
	}
}

func TestDivideSignificantTruncatesToTwelveDigitsAtAnyMagnitude(t *testing.T) {
	cases := []struct{ numerator, denominator, want string }{
		{"1", "3", "0.333333333333"},
		{"2", "3", "0.666666666666"}, // truncated, not rounded
		{"1", "4", "0.25"},
		{"10000000000000000", "3", "3333333333330000"},
		{"1", "30000000", "0.0000000333333333333"},
	}
	for _, c := range cases {
		got := divideSignificant(decimal.RequireFromString(c.numerator), decimal.RequireFromString(c.denominator), CrossSignificantDigits)
		if !got.Equal(decimal.RequireFromString(c.want)) {
			t.Errorf("%s / %s = %s, want %s", c.numerator, c.denominator, got, c.want)
		}
	}
}

func TestParseRateAcceptsOnlyPlainPositiveDecimals(t *testing.T) {
	for _, good := range []string{"1", "1.0812", "19428.53", "0.00001"} {
		if _, err := parseRate(good); err != nil {
			t.Errorf("parseRate(%q): %v", good, err)
		}
	}
	for _, bad := range []string{"", "0", "0.000", "-1.2", "+1.2", "1e3", "1.2.3", ".5", "5.", " 1.2", "1,2", "NaN", strings.Repeat("1", 33)} {
		if _, err := parseRate(bad); err == nil {
			t.Errorf("parseRate(%q) accepted", bad)
		}
	}
}
