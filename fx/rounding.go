package fx

import (
	"errors"
	"fmt"
)

// Rounding says how a converted amount that falls between two minor units
// of the target currency is brought onto one. It is applied exactly once
// per conversion, at the target currency's ISO 4217 exponent: the product
// of amount and rate is kept exact until then.
//
// The zero value is not a valid mode, so that a scheme whose configuration
// forgot to name one is refused instead of silently rounding one way.
type Rounding int

const (
	// RoundHalfUp rounds to the nearest minor unit and a tie (exactly half
	// way) up: 12.345 → 12.35, 12.355 → 12.36. Amounts are never negative,
	// so "up" and "away from zero" agree.
	RoundHalfUp Rounding = iota + 1
	// RoundHalfEven (banker's rounding) rounds to the nearest minor unit and
	// a tie to the even neighbour: 12.345 → 12.34, 12.355 → 12.36.
	RoundHalfEven

	// roundUp rounds any fraction up (towards +∞). It is not a scheme
	// setting; RefundCharge uses it so that refunds never shortchange the
	// customer.
	roundUp
)

// ErrInvalidRounding reports a rounding mode that is neither RoundHalfUp
// nor RoundHalfEven, or a configuration string that names none.
var ErrInvalidRounding = errors.New("fx: invalid rounding mode")

// ParseRounding reads a rounding mode from configuration: "half_up", or
// "half_even" or its synonym "bankers". Anything else, including the empty
// string, is ErrInvalidRounding.
func ParseRounding(s string) (Rounding, error) {
	switch s {
	case "half_up":
		return RoundHalfUp, nil
	case "half_even", "bankers":
		return RoundHalfEven, nil
	}
	return 0, fmt.Errorf("%w: %q (want half_up, half_even or bankers)", ErrInvalidRounding, s)
}

// String returns the configuration spelling of r: "half_up", "half_even".
func (r Rounding) String() string {
	switch r {
	case RoundHalfUp:
		return "half_up"
	case RoundHalfEven:
		return "half_even"
	case roundUp:
		return "up"
	}
	return fmt.Sprintf("Rounding(%d)", int(r))
}

// MarshalText writes r as ParseRounding reads it, so configuration files
// and journal records hold the name, not a number.
func (r Rounding) MarshalText() ([]byte, error) {
	if !r.valid() {
		return nil, fmt.Errorf("%w: %d", ErrInvalidRounding, int(r))
	}
	return []byte(r.String()), nil
}

// UnmarshalText is ParseRounding for encoding packages.
func (r *Rounding) UnmarshalText(text []byte) error {
	parsed, err := ParseRounding(string(text))
	if err != nil {
		return err
	}
	*r = parsed
	return nil
}

// valid reports whether r is a mode a scheme may be configured with.
func (r Rounding) valid() bool {
	return r == RoundHalfUp || r == RoundHalfEven
}

// roundQuotient rounds quotient + remainder/divisor to an integer under
// mode, for 0 <= remainder < divisor. It compares remainder with
// divisor-remainder rather than doubling remainder, which could overflow.
func roundQuotient(quotient, remainder, divisor uint64, mode Rounding) uint64 {
	if remainder == 0 {
		return quotient
	}
	rest := divisor - remainder
	switch mode {
	case RoundHalfUp:
		if remainder >= rest {
			quotient++
		}
	case RoundHalfEven:
		if remainder > rest || (remainder == rest && quotient%2 == 1) {
			quotient++
		}
	case roundUp:
		quotient++
	}
	return quotient
}
