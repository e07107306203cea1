package emvco_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/meridian-gw/meridian/schemes/emvco"
)

func TestFormatAmount(t *testing.T) {
	cases := []struct {
		minor    int64
		exponent int
		want     string
	}{
		{1250, 2, "12.50"},
		{15000, 0, "15000"}, // KRW
		{5, 2, "0.05"},
		{0, 2, "0.00"},
		{0, 0, "0"},
		{1234, 3, "1.234"}, // BHD
		{7, 3, "0.007"},
		{100, 2, "1.00"},
		{-1250, 2, "-12.50"},
		{math.MaxInt64, 2, "92233720368547758.07"},
		{math.MinInt64, 2, "-92233720368547758.08"},
		{42, -1, "42"},
	}
	for _, c := range cases {
		if got := emvco.FormatAmount(c.minor, c.exponent); got != c.want {
			t.Errorf("FormatAmount(%d, %d) = %q, want %q", c.minor, c.exponent, got, c.want)
		}
	}
}

func TestParseAmount(t *testing.T) {
	cases := []struct {
		amount   string
		exponent int
		want     int64
		problem  string
	}{
		{"12.50", 2, 1250, ""},
		{"12.5", 2, 1250, ""},
		{"12", 2, 1200, ""},
		{"12.", 2, 1200, ""},
		{"98.", 0, 98, ""},
		{"15000", 0, 15000, ""},
		{"0.07", 2, 7, ""},
		{"007.10", 2, 710, ""},
		{"1.234", 3, 1234, ""},
		{"92233720368547758.07", 2, math.MaxInt64, ""},
		{"92233720368547758.08", 2, 0, "too large"},
		{"99999999999999999999", 0, 0, "too large"},
		{"12.505", 2, 0, "3 digits after the point, the currency has 2"},
		{"12.5", 0, 0, "1 digits after the point, the currency has 0"},
		{"", 2, 0, "empty"},
		{".5", 2, 0, "no digit before the decimal point"},
		{"1.2.3", 2, 0, "more than one '.'"},
		{"-1.00", 2, 0, "a character other than a digit or '.'"},
		{"1,00", 2, 0, "a character other than a digit or '.'"},
		{"1e3", 0, 0, "a character other than a digit or '.'"},
		{" 1", 0, 0, "a character other than a digit or '.'"},
		{"1", -1, 0, "exponent -1 outside 0 to 18"},
		{"1", 19, 0, "exponent 19 outside 0 to 18"},
	}
	for _, c := range cases {
		got, err := emvco.ParseAmount(c.amount, c.exponent)
		switch {
		case c.problem == "" && (err != nil || got != c.want):
			t.Errorf("ParseAmount(%q, %d) = %d, %v; want %d", c.amount, c.exponent, got, err, c.want)
		case c.problem != "" && (err == nil || !strings.Contains(err.Error(), c.problem)):
			t.Errorf("ParseAmount(%q, %d) = %d, %v; want an error saying %q", c.amount, c.exponent, got, err, c.problem)
		}
	}
}

func TestParseAmountReadsBackWhatFormatAmountWrites(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 10000 {
		minor, exponent := r.Int64N(math.MaxInt64), r.IntN(5)
		if r.IntN(4) == 0 {
			minor = r.Int64N(1000)
		}
		text := emvco.FormatAmount(minor, exponent)
		got, err := emvco.ParseAmount(text, exponent)
		if err != nil || got != minor {
			t.Fatalf("ParseAmount(FormatAmount(%d, %d) = %q) = %d, %v", minor, exponent, text, got, err)
		}
	}
}
