package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/meridian-gw/meridian/fx"
)

// parseAmount reads a decimal amount such as "12.50" in the minor units of
// cur, exactly: no floating point, and no more decimals than the currency
// has.
func parseAmount(s string, cur fx.Currency) (int64, error) {
	whole, frac, hasDot := strings.Cut(strings.TrimSpace(s), ".")
	if whole == "" || (hasDot && frac == "") {
		return 0, fmt.Errorf("amount %q: write it like 12.50", s)
	}
	if len(frac) > cur.Exponent {
		return 0, fmt.Errorf("amount %q: %s has %d decimal places", s, cur.Code, cur.Exponent)
	}
	digits := whole + frac + strings.Repeat("0", cur.Exponent-len(frac))
	for _, r := range digits {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("amount %q: only digits and one decimal point", s)
		}
	}
	if len(digits) > 12 {
		return 0, fmt.Errorf("amount %q: more than DE 4's 12 digits", s)
	}
	return strconv.ParseInt(digits, 10, 64)
}

// formatAmount writes minor units of cur as a decimal amount.
func formatAmount(minor int64, cur fx.Currency) string {
	s := strconv.FormatInt(minor, 10)
	if cur.Exponent == 0 {
		return s + " " + cur.Code
	}
	if len(s) <= cur.Exponent {
		s = strings.Repeat("0", cur.Exponent-len(s)+1) + s
	}
	return s[:len(s)-cur.Exponent] + "." + s[len(s)-cur.Exponent:] + " " + cur.Code
}
