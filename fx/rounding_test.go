package fx

import (
	"errors"
	"testing"
)

func TestParseRoundingAcceptsTheConfigurationNames(t *testing.T) {
	cases := []struct {
		in   string
		want Rounding
	}{
		{"half_up", RoundHalfUp},
		{"half_even", RoundHalfEven},
		{"bankers", RoundHalfEven},
	}
	for _, c := range cases {
		got, err := ParseRounding(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseRounding(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		var fromText Rounding
		if err := fromText.UnmarshalText([]byte(c.in)); err != nil || fromText != c.want {
			t.Errorf("UnmarshalText(%q) = %v, %v; want %v", c.in, fromText, err, c.want)
		}
	}
}

func TestParseRoundingRejectsEverythingElse(t *testing.T) {
	for _, in := range []string{"", "HALF_UP", "half-up", "up", "down", "ceiling", " half_up"} {
		if got, err := ParseRounding(in); !errors.Is(err, ErrInvalidRounding) {
			t.Errorf("ParseRounding(%q) = %v, %v; want ErrInvalidRounding", in, got, err)
		}
	}
}

func TestRoundingTextRoundTripsAndTheZeroValueIsInvalid(t *testing.T) {
	for _, r := range []Rounding{RoundHalfUp, RoundHalfEven} {
		text, err := r.MarshalText()
		if err != nil {
			t.Fatalf("MarshalText(%v): %v", r, err)
		}
		back, err := ParseRounding(string(text))
		if err != nil || back != r {
			t.Errorf("round trip of %v gave %v, %v", r, back, err)
		}
	}
	for _, r := range []Rounding{0, roundUp, 99} {
		if _, err := r.MarshalText(); !errors.Is(err, ErrInvalidRounding) {
			t.Errorf("MarshalText(%d) = %v; want ErrInvalidRounding", int(r), err)
		}
	}
}

func TestRoundQuotientAtAndAroundTheTie(t *testing.T) {
	cases := []struct {
		quotient, remainder, divisor uint64
		halfUp, halfEven, up         uint64
	}{
		{12, 0, 10, 12, 12, 12},
		{12, 4, 10, 12, 12, 13},
		{12, 5, 10, 13, 12, 13}, // tie, even quotient: the modes differ
		{13, 5, 10, 14, 14, 14}, // tie, odd quotient
		{12, 6, 10, 13, 13, 13},
		{0, 1, 2, 1, 0, 1},
		// a divisor past 2^63, where doubling the remainder would overflow
		{7, 5_000_000_000_000_000_000, 10_000_000_000_000_000_000, 8, 8, 8},
		{8, 5_000_000_000_000_000_000, 10_000_000_000_000_000_000, 9, 8, 9},
		{8, 4_999_999_999_999_999_999, 10_000_000_000_000_000_000, 8, 8, 9},
	}
	for _, c := range cases {
		for _, m := range []struct {
			mode Rounding
			want uint64
		}{{RoundHalfUp, c.halfUp}, {RoundHalfEven, c.halfEven}, {roundUp, c.up}} {
			if got := roundQuotient(c.quotient, c.remainder, c.divisor, m.mode); got != m.want {
				t.Errorf("roundQuotient(%d, %d, %d, %v) = %d; want %d", c.quotient, c.remainder, c.divisor, m.mode, got, m.want)
			}
		}
	}
}
