package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meridian-gw/meridian/fx"
)

// maxAmountDigits bounds an amount's digits (minor units) well inside int64,
// and above anything a terminal can send (ISO 8583 DE 4 has 12).
const maxAmountDigits = 15

// parseAmount reads a decimal amount such as "5.00" as minor units of cur,
// exactly: no floating point, and never more decimals than cur's ISO 4217
// exponent allows (none for KRW or JPY, three for KWD).
func parseAmount(s string, cur fx.Currency) (int64, error) {
	whole, fraction, hasPoint := strings.Cut(s, ".")
	if whole == "" || (hasPoint && fraction == "") {
		return 0, fmt.Errorf("amount %q: write it like 5.00", s)
	}
	if len(fraction) > cur.Exponent {
		if cur.Exponent == 0 {
			return 0, fmt.Errorf("amount %q: %s has no decimal places", s, cur.Code)
		}
		return 0, fmt.Errorf("amount %q: %s has %d decimal places", s, cur.Code, cur.Exponent)
	}
	digits := strings.TrimLeft(whole+fraction+strings.Repeat("0", cur.Exponent-len(fraction)), "0")
	for _, r := range whole + fraction {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q: only digits and one decimal point", s)
		}
	}
	if digits == "" {
		return 0, fmt.Errorf("amount %q: must be more than zero", s)
	}
	if len(digits) > maxAmountDigits {
		return 0, fmt.Errorf("amount %q: too large", s)
	}
	return strconv.ParseInt(digits, 10, 64)
}

// isZeroAmount reports whether s is a zero written as a decimal: "0",
// "0.00".
func isZeroAmount(s string) bool {
	whole, fraction, _ := strings.Cut(s, ".")
	return whole != "" && strings.Trim(whole, "0") == "" && strings.Trim(fraction, "0") == ""
}

// formatAmount writes minor units of the currency with alphabetic code
// code as a decimal with the code after it: "5.00 EUR", "1000 KRW". An
// unknown code prints the bare minor units with it.
func formatAmount(minor int64, code string) string {
	cur, ok := fx.ByCode(code)
	if !ok {
		return strconv.FormatInt(minor, 10) + " " + code
	}
	sign, digits := "", strconv.FormatInt(minor, 10)
	if minor < 0 {
		sign, digits = "-", digits[1:]
	}
	if cur.Exponent > 0 {
		if len(digits) <= cur.Exponent {
			digits = strings.Repeat("0", cur.Exponent-len(digits)+1) + digits
		}
		cut := len(digits) - cur.Exponent
		digits = digits[:cut] + "." + digits[cut:]
	}
	return sign + digits + " " + cur.Code
}

// currencyFlag reads a currency code from the command line, in any case.
func currencyFlag(name, code string) (fx.Currency, error) {
	cur, ok := fx.ByCode(strings.ToUpper(strings.TrimSpace(code)))
	if !ok {
		return fx.Currency{}, usagef("--%s %q is not an ISO 4217 currency code", name, code)
	}
	return cur, nil
}
