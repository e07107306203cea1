package truemoney

import (
	"errors"
	"math"
	"testing"
)

func TestParseAmountReadsBahtExactly(t *testing.T) {
	cases := map[string]int64{
		"0.00":              0,
		"0.01":              1,
		"0.99":              99,
		"1.00":              100,
		"150.00":            15000,
		"30000.00":          3000000,
		"30000.01":          3000001,
		"12345678.91":       1234567891,
		"99999999999999.99": 9999999999999999,
	}
	for in, want := range cases {
		got, err := ParseAmount(in)
		if err != nil || got != want {
			t.Errorf("ParseAmount(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
}

func TestParseAmountRejectsEveryOtherForm(t *testing.T) {
	for _, in := range []string{
		"", "150", "150.0", "150.000", "150.", ".50", "-1.00", "+1.00", " 1.00", "1.00 ",
		"01.00", "00.50", "1,000.00", "1_000.00", "1e3", "1.5e2", "0x10.00", "１.00",
		"1.0a", "a.00", "1..00", "1.00.00", "NaN", "Inf", "100000000000000.00",
	} {
		if got, err := ParseAmount(in); !errors.Is(err, ErrAmount) {
			t.Errorf("ParseAmount(%q) = %d, %v; want ErrAmount", in, got, err)
		}
	}
}

func TestFormatAmountWritesTwoDecimals(t *testing.T) {
	cases := map[int64]string{0: "0.00", 1: "0.01", 99: "0.99", 100: "1.00", 15000: "150.00", 3000001: "30000.01", -5: "-0.05"}
	for in, want := range cases {
		if got := FormatAmount(in); got != want {
			t.Errorf("FormatAmount(%d) = %q, want %q", in, got, want)
		}
	}
}

func TestAmountsSurviveARoundTrip(t *testing.T) {
	for _, satang := range []int64{0, 1, 10, 100, 101, 99999, 3000000, 9999999999999999} {
		got, err := ParseAmount(FormatAmount(satang))
		if err != nil || got != satang {
			t.Errorf("ParseAmount(FormatAmount(%d)) = %d, %v", satang, got, err)
		}
	}
}

func TestDecimalsFollowTheCurrencyExponent(t *testing.T) {
	cases := []struct {
		units    int64
		exponent int
		text     string
	}{
		{1500, 0, "1500"}, {1234, 2, "12.34"}, {5, 3, "0.005"}, {12345, 3, "12.345"}, {math.MaxInt64, 0, "9223372036854775807"},
	}
	for _, c := range cases {
		if got := FormatDecimal(c.units, c.exponent); got != c.text {
			t.Errorf("FormatDecimal(%d, %d) = %q, want %q", c.units, c.exponent, got, c.text)
		}
	}
	for _, c := range cases[:4] {
		if got, err := ParseDecimal(c.text, c.exponent); err != nil || got != c.units {
			t.Errorf("ParseDecimal(%q, %d) = %d, %v", c.text, c.exponent, got, err)
		}
	}
	for _, bad := range []struct {
		text     string
		exponent int
	}{{"1500.00", 0}, {"12.3", 3}, {"12", 2}, {"1.00", 5}} {
		if _, err := ParseDecimal(bad.text, bad.exponent); !errors.Is(err, ErrAmount) {
			t.Errorf("ParseDecimal(%q, %d) = %v, want ErrAmount", bad.text, bad.exponent, err)
		}
	}
}

func FuzzParseAmountAcceptsOnlyWhatItFormats(f *testing.F) {
	for _, seed := range []string{"150.00", "0.01", "01.00", "1e3", "-1.00"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		units, err := ParseAmount(s)
		if err != nil {
			return
		}
		if back := FormatAmount(units); back != s {
			t.Fatalf("ParseAmount(%q) = %d, which formats as %q", s, units, back)
		}
	})
}
