package emvco

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// exponentMax bounds the currency exponents ParseAmount takes: ISO 4217 has
// none above 4, and 18 digits is as far as an int64 of minor units reaches.
const exponentMax = 18

// FormatAmount writes an amount of minor units as the decimal text of an MPM
// Transaction Amount '54', with exactly exponent digits after the point (the
// currency's ISO 4217 exponent) and none for exponent 0:
// FormatAmount(1250, 2) = "12.50", FormatAmount(15000, 0) = "15000". A
// negative amount gets a leading '-', which no MPM value accepts; an exponent
// below 0 counts as 0.
func FormatAmount(minor int64, exponent int) string {
	digits := strconv.FormatInt(minor, 10)
	sign := ""
	if minor < 0 {
		sign, digits = "-", digits[1:]
	}
	if exponent <= 0 {
		return sign + digits
	}
	if len(digits) <= exponent {
		digits = strings.Repeat("0", exponent-len(digits)+1) + digits
	}
	point := len(digits) - exponent
	return sign + digits[:point] + "." + digits[point:]
}

// ParseAmount reads the decimal text of an MPM amount ('54' or '56') as
// minor units of a currency with the given exponent, exactly: digits with at
// most one '.', at least one digit before it, and no more digits after it
// than the exponent ("12.5" and "12.50" are both 1250 at exponent 2; "98."
// is 98 at exponent 0, as the spec allows). No floating point is involved.
func ParseAmount(amount string, exponent int) (int64, error) {
	if exponent < 0 || exponent > exponentMax {
		return 0, fmt.Errorf("emvco: amount: exponent %d outside 0 to %d", exponent, exponentMax)
	}
	if problem := amountFormat(amount); problem != "" {
		return 0, fmt.Errorf("emvco: amount: %s", problem)
	}
	whole, fraction, _ := strings.Cut(amount, ".")
	if len(fraction) > exponent {
		return 0, fmt.Errorf("emvco: amount: %d digits after the point, the currency has %d", len(fraction), exponent)
	}
	fraction += strings.Repeat("0", exponent-len(fraction))
	var minor int64
	for _, c := range []byte(whole + fraction) {
		digit := int64(c - '0')
		if minor > (math.MaxInt64-digit)/10 {
			return 0, fmt.Errorf("emvco: amount: too large for %d-digit minor units", exponent)
		}
		minor = minor*10 + digit
	}
	return minor, nil
}

// amountFormat checks the MPM amount syntax (EMV QRCPS MPM 4.7.x): digits,
// at most one '.' as the decimal mark after at least one digit; no sign,
// space or thousands separator. It returns what is wrong, or "".
func amountFormat(s string) string {
	if s == "" {
		return "empty"
	}
	if s[0] == '.' {
		return "no digit before the decimal point"
	}
	points := 0
	for i := 0; i < len(s); i++ {
		switch {
		case s[i] == '.':
			points++
		case !isDigit(s[i]):
			return "a character other than a digit or '.'"
		}
	}
	if points > 1 {
		return "more than one '.'"
	}
	return ""
}
