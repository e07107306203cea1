package truemoney

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// THB has two decimals: one baht is 100 satang.
const thbExponent = 2

// maxAmountDigits bounds the integer digits of a decimal amount, so that any
// amount accepted fits an int64 in minor units at every ISO 4217 exponent
// (at most 4): 10^14 * 10^4 < 2^63.
const maxAmountDigits = 14

// ErrAmount is wrapped by every amount that is not a well-formed decimal
// string.
var ErrAmount = errors.New("truemoney: malformed amount")

// ParseAmount converts a TrueMoney THB amount ("150.00") to satang. Only
// the form TrueMoney sends is accepted: digits, a point and exactly two
// decimals, without sign, spaces, separators, exponent or leading zeros.
// Anything else could be read two ways, and reading it the wrong way moves
// the wrong amount.
func ParseAmount(s string) (int64, error) {
	return ParseDecimal(s, thbExponent)
}

// FormatAmount formats satang as a TrueMoney THB amount: 15000 → "150.00".
func FormatAmount(satang int64) string {
	return FormatDecimal(satang, thbExponent)
}

// ParseDecimal converts a decimal string with exactly exponent decimals
// (none, and no point, when exponent is 0) to minor units, exactly.
func ParseDecimal(s string, exponent int) (int64, error) {
	if exponent < 0 || exponent > 4 {
		return 0, fmt.Errorf("%w: exponent %d not supported", ErrAmount, exponent)
	}
	whole, fraction := s, ""
	if exponent > 0 {
		var found bool
		whole, fraction, found = strings.Cut(s, ".")
		if !found || len(fraction) != exponent {
			return 0, fmt.Errorf("%w: %q: want %d decimals after a point", ErrAmount, s, exponent)
		}
	}
	switch {
	case whole == "" || len(whole) > maxAmountDigits:
		return 0, fmt.Errorf("%w: %q: want 1 to %d integer digits", ErrAmount, s, maxAmountDigits)
	case len(whole) > 1 && whole[0] == '0':
		return 0, fmt.Errorf("%w: %q: leading zero", ErrAmount, s)
	case !allDigits(whole) || !allDigits(fraction):
		return 0, fmt.Errorf("%w: %q: want digits only", ErrAmount, s)
	}
	units, err := strconv.ParseInt(whole+fraction, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%w: %q: %v", ErrAmount, s, err)
	}
	return units, nil
}

// FormatDecimal formats minor units as a decimal string with exponent
// decimals: (1234, 2) → "12.34", (5, 2) → "0.05", (1500, 0) → "1500".
func FormatDecimal(minorUnits int64, exponent int) string {
	sign := ""
	digits := strconv.FormatInt(minorUnits, 10)
	if minorUnits < 0 {
		sign, digits = "-", digits[1:]
	}
	if exponent <= 0 {
		return sign + digits
	}
	if len(digits) <= exponent {
		digits = strings.Repeat("0", exponent-len(digits)+1) + digits
	}
	cut := len(digits) - exponent
	return sign + digits[:cut] + "." + digits[cut:]
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
