package admin

import (
	"maps"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/meridian-gw/meridian/fx"
)

// Field rules. Each check adds a violation naming the field (its path in
// the request) and the rule, so that a caller can fix every field at once.

// Bounds of the rules, in characters.
const (
	merchantIDMax  = 15 // DE 42
	terminalIDMax  = 8  // DE 41
	storeIDMax     = 32
	requestIDMax   = 64
	acquirerIDMax  = 32
	nameMax        = 100
	cityMax        = 60
	addressMax     = 200
	reasonMax      = 200
	keyNameMax     = 64
	maxAmountLimit = 999_999_999_999 // DE 4 holds 12 digits
)

// maxMarkup is the pricer's bound (fx.NewPricer): 0 to 20 percent.
var maxMarkup = decimal.NewFromInt(20)

// printable reports whether s is printable ASCII, spaces allowed only if
// spaces is set.
func printable(s string, spaces bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c > '~' || c < ' ' || (c == ' ' && !spaces) {
			return false
		}
	}
	return true
}

// checkMerchantID: DE 42, 1 to 15 printable ASCII characters, no
// surrounding spaces.
func checkMerchantID(v *violations, field, id string) {
	if id == "" || len(id) > merchantIDMax || !printable(id, true) || strings.TrimSpace(id) != id {
		v.addf(field, "must be 1 to %d printable ASCII characters without surrounding spaces (DE 42)", merchantIDMax)
	}
}

// checkTerminalID: DE 41, 1 to 8 printable ASCII characters, no spaces.
func checkTerminalID(v *violations, field, id string) {
	if id == "" || len(id) > terminalIDMax || !printable(id, false) {
		v.addf(field, "must be 1 to %d printable ASCII characters without spaces (DE 41)", terminalIDMax)
	}
}

// checkToken: 1 to max characters of A-Z a-z 0-9 . _ - (store and
// acquirer IDs).
func checkToken(v *violations, field, id string, max int) {
	ok := id != "" && len(id) <= max
	for i := 0; ok && i < len(id); i++ {
		c := id[i]
		ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-'
	}
	if !ok {
		v.addf(field, "must be 1 to %d characters of A-Z, a-z, 0-9, '.', '_' and '-'", max)
	}
}

// checkRequestID: required, 1 to 64 printable ASCII characters, no spaces.
func checkRequestID(v *violations, field, id string) {
	if id == "" || len(id) > requestIDMax || !printable(id, false) {
		v.addf(field, "required: 1 to %d printable ASCII characters without spaces, chosen by the client to make the request idempotent", requestIDMax)
	}
}

// checkText: valid UTF-8 of min to max characters, without control
// characters or surrounding spaces.
func checkText(v *violations, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	ok := utf8.ValidString(s) && n >= min && n <= max && strings.TrimSpace(s) == s &&
		strings.IndexFunc(s, unicode.IsControl) < 0
	if ok {
		return
	}
	if min == 0 {
		v.addf(field, "must be at most %d characters, without control characters or surrounding spaces", max)
		return
	}
	v.addf(field, "must be %d to %d characters, without control characters or surrounding spaces", min, max)
}

func checkMCC(v *violations, field, mcc string) {
	ok := len(mcc) == 4
	for i := 0; ok && i < len(mcc); i++ {
		ok = mcc[i] >= '0' && mcc[i] <= '9'
	}
	if !ok {
		v.add(field, "must be 4 digits (ISO 18245)")
	}
}

func checkCountry(v *violations, field, country string) {
	if !knownCountry(country) {
		v.add(field, "must be an ISO 3166-1 alpha-2 code in upper case, e.g. \"DE\"")
	}
}

func checkCurrency(v *violations, field, currency string) {
	if _, ok := fx.ByCode(currency); !ok {
		v.add(field, "must be an active ISO 4217 alphabetic code in upper case, e.g. \"EUR\"")
	}
}

// checkSchemes: at least one, each served by the gateway, none twice.
func checkSchemes(v *violations, field string, schemes []string, served map[string]bool) {
	if len(schemes) == 0 {
		v.add(field, "at least one scheme is required")
	}
	seen := make(map[string]bool, len(schemes))
	for _, s := range schemes {
		switch {
		case !served[s]:
			v.addf(field, "%q is not a scheme this gateway serves (%s)", s, strings.Join(sortedKeys(served), ", "))
		case seen[s]:
			v.addf(field, "%q is named twice", s)
		}
		seen[s] = true
	}
}

// checkMarkups: each scheme served, each value an exact decimal of 0 to 20
// with at most two decimals (what the FX pricer accepts).
func checkMarkups(v *violations, field string, markups map[string]string, served map[string]bool) {
	for _, scheme := range sortedKeys(markups) {
		value := markups[scheme]
		if !served[scheme] {
			v.addf(field, "%q is not a scheme this gateway serves", scheme)
			continue
		}
		d, err := decimal.NewFromString(value)
		if err != nil || d.IsNegative() || d.GreaterThan(maxMarkup) || d.Exponent() < -2 || strings.ContainsAny(value, "eE") {
			v.addf(field+"["+scheme+"]", "%q must be a decimal percentage of 0 to 20 with at most two decimals, e.g. \"1.50\"", value)
		}
	}
}

func checkMaxAmount(v *violations, field string, amount int64) {
	if amount < 0 || amount > maxAmountLimit {
		v.addf(field, "must be 0 (no limit) to %d minor units", int64(maxAmountLimit))
	}
}

// checkLimits: a per-minute limit above the per-day one could never bind.
func checkLimits(v *violations, field string, l FrequencyLimits) {
	if l.PurchasesPerTerminalPerMinute > 0 && l.PurchasesPerTerminalPerDay > 0 &&
		l.PurchasesPerTerminalPerMinute > l.PurchasesPerTerminalPerDay {
		v.add(field+".purchases_per_terminal_per_minute", "must not exceed purchases_per_terminal_per_day")
	}
}

// checkPageSize: 0 means the default; more than the maximum is cut to it.
func checkPageSize(v *violations, size int32) int {
	switch {
	case size < 0:
		v.add("page_size", "must not be negative")
		return 0
	case size == 0:
		return pageSizeDefault
	case size > pageSizeMax:
		return pageSizeMax
	}
	return int(size)
}

// Page sizes of every list.
const (
	pageSizeDefault = 50
	pageSizeMax     = 500
)

func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }
