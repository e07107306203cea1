package fx

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/shopspring/decimal"
)

// Every expected value below was worked out by hand: the exact product in
// target minor units is written in the comment, then rounded once.
func TestConvertAtEveryExponentInBothModes(t *testing.T) {
	cases := []struct {
		amount   int64
		from     string
		rate     string
		to       string
		halfUp   int64
		halfEven int64
		exact    string // the unrounded result in target minor units
	}{
		// exponent 2 → 0
		{1234, "EUR", "1456.78", "KRW", 17977, 17977, "17976.6652"},
		{1000, "EUR", "1450.25", "KRW", 14503, 14502, "14502.5 tie, even below"},
		{1000, "EUR", "1450.35", "KRW", 14504, 14504, "14503.5 tie, odd below"},
		{150, "EUR", "163", "JPY", 245, 244, "244.5 tie"},
		{10000, "EUR", "163.12", "JPY", 16312, 16312, "16312 exact"},
		// exponent 0 → 2
		{10000, "KRW", "0.000685", "EUR", 685, 685, "685 exact"},
		{5, "KRW", "0.001", "EUR", 1, 0, "0.5 tie"},
		{15, "KRW", "0.001", "EUR", 2, 2, "1.5 tie"},
		{25, "KRW", "0.001", "EUR", 3, 2, "2.5 tie"},
		{1, "KRW", "0.00125", "EUR", 0, 0, "0.125"},
		// exponent 2 → 2
		{100, "EUR", "7.8535", "CNY", 785, 785, "785.35"},
		{50, "EUR", "7.85", "CNY", 393, 392, "392.5 tie"},
		{150, "EUR", "7.85", "CNY", 1178, 1178, "1177.5 tie"},
		{1, "EUR", "38.5", "THB", 39, 38, "38.5 tie"},
		{1999, "EUR", "38.5", "THB", 76962, 76962, "76961.5 tie"},
		{1998, "EUR", "38.5", "THB", 76923, 76923, "76923 exact"},
		// exponent 2 → 3
		{100, "EUR", "0.33405", "KWD", 334, 334, "334.05"},
		{10, "EUR", "0.335", "KWD", 34, 34, "33.5 tie"},
		{30, "EUR", "0.335", "KWD", 101, 100, "100.5 tie"},
		// exponent 3 → 2
		{1000, "KWD", "2.985", "EUR", 299, 298, "298.5 tie"},
		{1234, "BHD", "2.4321", "CNY", 300, 300, "300.12114"},
		// exponent 3 → 0
		{1000, "BHD", "3850.5", "KRW", 3851, 3850, "3850.5 tie"},
		{1500, "BHD", "3850.3", "KRW", 5775, 5775, "5775.45"},
		// exponent 0 → 3
		{1000, "JPY", "0.002", "KWD", 2000, 2000, "2000 exact"},
		{1, "JPY", "0.0020005", "KWD", 2, 2, "2.0005"},
		{1, "JPY", "0.0025", "KWD", 3, 2, "2.5 tie"},
		// exponent 0 → 0
		{1000, "KRW", "0.1125", "JPY", 113, 112, "112.5 tie"},
		// exponent 3 → 3
		{333, "KWD", "1.5", "BHD", 500, 500, "499.5 tie, odd below"},
		{335, "KWD", "1.5", "BHD", 503, 502, "502.5 tie"},
		// zero
		{0, "EUR", "1456.78", "KRW", 0, 0, "0"},
	}
	for _, c := range cases {
		rate := decimal.RequireFromString(c.rate)
		for _, m := range []struct {
			mode Rounding
			want int64
		}{{RoundHalfUp, c.halfUp}, {RoundHalfEven, c.halfEven}} {
			got, err := Convert(c.amount, c.from, rate, c.to, m.mode)
			if err != nil || got != m.want {
				t.Errorf("Convert(%d %s × %s → %s, %v) = %d, %v; want %d (exact %s)",
					c.amount, c.from, c.rate, c.to, m.mode, got, err, m.want, c.exact)
			}
			slow, err := convertDecimal(c.amount, mustExponent(t, c.from), rate, mustExponent(t, c.to), m.mode)
			if err != nil || slow != m.want {
				t.Errorf("convertDecimal(%d %s × %s → %s, %v) = %d, %v; want %d", c.amount, c.from, c.rate, c.to, m.mode, slow, err, m.want)
			}
		}
	}
}

func TestConvertHandlesRatesOutsideTheFastPath(t *testing.T) {
	cases := []struct {
		amount int64
		rate   decimal.Decimal
		want   int64
	}{
		// a positive exponent: 1 cent × 1500 = 1500 cents
		{1, decimal.New(15, 2), 1500},
		// 21 significant digits: 100.00000000000000000500 cents, rounds down
		{10000, decimal.RequireFromString("1.00000000000000000005"), 10000},
		// 20 digits, exactly half a cent above 1.00 EUR → 101 half-up, 100 banker's
		{200, decimal.RequireFromString("0.5025000000000000000"), 101},
	}
	for _, c := range cases {
		got, err := Convert(c.amount, "EUR", c.rate, "EUR", RoundHalfUp)
		if err != nil || got != c.want {
			t.Errorf("Convert(%d, %s) = %d, %v; want %d", c.amount, c.rate, got, err, c.want)
		}
	}
	got, err := Convert(200, "EUR", decimal.RequireFromString("0.5025000000000000000"), "EUR", RoundHalfEven)
	if err != nil || got != 100 {
		t.Errorf("banker's tie on the slow path = %d, %v; want 100", got, err)
	}
}

func TestConvertRejectsBadInput(t *testing.T) {
	one := decimal.NewFromInt(1)
	cases := []struct {
		name   string
		amount int64
		from   string
		rate   decimal.Decimal
		to     string
		mode   Rounding
		want   error
	}{
		{"an unknown source currency", 100, "XXX", one, "EUR", RoundHalfUp, ErrUnknownCurrency},
		{"an unknown target currency", 100, "EUR", one, "eur", RoundHalfUp, ErrUnknownCurrency},
		{"a negative amount", -1, "EUR", one, "CNY", RoundHalfUp, ErrNegativeAmount},
		{"a zero rate", 100, "EUR", decimal.Zero, "CNY", RoundHalfUp, ErrInvalidRate},
		{"a negative rate", 100, "EUR", decimal.RequireFromString("-7.8"), "CNY", RoundHalfUp, ErrInvalidRate},
		{"the zero rounding mode", 100, "EUR", one, "CNY", 0, ErrInvalidRounding},
		{"the internal round-up mode", 100, "EUR", one, "CNY", roundUp, ErrInvalidRounding},
		{"a result of thirteen digits", MaxAmountMinor + 1, "EUR", one, "CNY", RoundHalfUp, ErrAmountTooLarge},
		{"a result rounded up to thirteen digits", 2*MaxAmountMinor + 1, "EUR", decimal.RequireFromString("0.5"), "CNY", RoundHalfUp, ErrAmountTooLarge},
		{"a product beyond 64 bits", math.MaxInt64, "EUR", decimal.RequireFromString("1456.78"), "KRW", RoundHalfUp, ErrAmountTooLarge},
		{"a product beyond 128 bits", math.MaxInt64, "KRW", decimal.New(math.MaxInt64, 0), "KWD", RoundHalfUp, ErrAmountTooLarge},
		{"a huge exponent", 1, "EUR", decimal.New(1, 30), "CNY", RoundHalfUp, ErrAmountTooLarge},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Convert(c.amount, c.from, c.rate, c.to, c.mode)
			if !errors.Is(err, c.want) {
				t.Fatalf("Convert = %d, %v; want %v", got, err, c.want)
			}
		})
	}
	if got, err := Convert(MaxAmountMinor, "EUR", one, "CNY", RoundHalfUp); err != nil || got != MaxAmountMinor {
		t.Errorf("the largest twelve-digit amount = %d, %v; want it unchanged", got, err)
	}
	if got, err := Convert(1, "EUR", decimal.RequireFromString("0.00000001"), "CNY", RoundHalfUp); err != nil || got != 0 {
		t.Errorf("a tiny result = %d, %v; want 0", got, err)
	}
}

// The 64-bit fast path and the decimal slow path must agree everywhere.
func TestConvertFastPathAgreesWithDecimalArithmetic(t *testing.T) {
	random := rand.New(rand.NewPCG(4, 2026))
	exponents := []int{0, 2, 3}
	for range 20000 {
		amount := random.Int64N(1_000_000_000)
		rate := decimal.New(random.Int64N(10_000_000_000)+1, -int32(random.IntN(14)))
		from, to := exponents[random.IntN(3)], exponents[random.IntN(3)]
		for _, mode := range []Rounding{RoundHalfUp, RoundHalfEven, roundUp} {
			fast, fastErr := convert(amount, from, rate, to, mode)
			slow, slowErr := convertDecimal(amount, from, rate, to, mode)
			if fast != slow || (fastErr == nil) != (slowErr == nil) {
				t.Fatalf("%d (exp %d) × %s → exp %d, %v: fast %d, %v; slow %d, %v",
					amount, from, rate, to, mode, fast, fastErr, slow, slowErr)
			}
		}
	}
}

// Convert-and-back at the exact inverse rate stays within one minor unit
// when the target is at least as fine as the source, that is when one
// minor unit of the target is worth at most one of the source:
// rate × 10^(exp(to) − exp(from)) ≥ 1. Proof: the forward result is
// A·r·10^k + e with |e| ≤ ½; converting back gives round(A + e/(r·10^k)),
// and |e/(r·10^k)| ≤ ½, so the result is A, or A ± 1 on an exact tie.
// (Without that condition the error grows as ½/(r·10^k): 1 KRW at 0.0007
// EUR/KRW comes back as 0 or 1.4 KRW per cent.)
//
// The rates are 2^a·5^b·10^c, whose inverses 5^a·2^b·10^(−a−b−c) are exact
// decimals, so the inverse adds no error of its own.
func TestConvertAndBackStaysWithinOneMinorUnit(t *testing.T) {
	random := rand.New(rand.NewPCG(7, 8534512))
	codes := []string{"KRW", "JPY", "EUR", "CNY", "THB", "KWD", "BHD"}
	checked := 0
	for checked < 5000 {
		from, to := codes[random.IntN(len(codes))], codes[random.IntN(len(codes))]
		twos, fives, tens := random.IntN(12), random.IntN(12), random.IntN(9)-6
		rate := decimal.New(powInt(2, twos)*powInt(5, fives), int32(tens))
		inverse := decimal.New(powInt(5, twos)*powInt(2, fives), int32(-twos-fives-tens))
		k := mustExponent(t, to) - mustExponent(t, from)
		if rate.Shift(int32(k)).LessThan(decimal.NewFromInt(1)) {
			continue // the target is coarser than the source here
		}
		amount := random.Int64N(10_000_000)
		for _, mode := range []Rounding{RoundHalfUp, RoundHalfEven} {
			there, err := Convert(amount, from, rate, to, mode)
			if errors.Is(err, ErrAmountTooLarge) {
				continue
			}
			if err != nil {
				t.Fatalf("Convert(%d %s × %s → %s): %v", amount, from, rate, to, err)
			}
			back, err := Convert(there, to, inverse, from, mode)
			if err != nil {
				t.Fatalf("Convert back (%d %s × %s → %s): %v", there, to, inverse, from, err)
			}
			if back < amount-1 || back > amount+1 {
				t.Fatalf("%d %s → %d %s at %s → %d %s at %s, off by more than one", amount, from, there, to, rate, back, from, inverse)
			}
		}
		checked++
	}
}

func mustExponent(t *testing.T, code string) int {
	t.Helper()
	c, ok := ByCode(code)
	if !ok {
		t.Fatalf("unknown currency %s", code)
	}
	return c.Exponent
}

func powInt(base, exponent int) int64 {
	result := int64(1)
	for range exponent {
		result *= int64(base)
	}
	return result
}

// go test -run '^$' -bench 'Convert|QuoteCharge' -benchmem ./fx/
func BenchmarkConvert(b *testing.B) {
	rate := decimal.RequireFromString("1493.1995")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := Convert(int64(1234+i%1000), "EUR", rate, "KRW", RoundHalfEven); err != nil {
			b.Fatal(err)
		}
	}
}
