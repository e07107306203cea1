package fx

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// CrossSignificantDigits is the precision of a rate computed by division
// (RateSet.Cross for any pair that is not base→quote as published): the
// quotient is truncated toward zero to this many significant digits.
//
// Truncation, not rounding, on purpose: the one rounding an amount gets is
// the scheme's configured mode (half-up or banker's) at the wallet
// currency's exponent, applied once at conversion. Rounding the rate here as
// well would be a second, differently-directed rounding; truncating at 12
// significant digits moves a converted amount by less than one part in
// 10^11, far below one minor unit for any payment-sized amount.
const CrossSignificantDigits = 12

// ErrNoRate reports that a rate set holds no rate for a currency; the error
// text names the currency.
var ErrNoRate = errors.New("fx: no rate")

// ErrInvalidRates reports that a provider's data (an ECB file, a static
// table) is malformed: bad syntax, an unknown currency code, a rate that is
// not a positive decimal. The error text says what and where.
var ErrInvalidRates = errors.New("fx: invalid rates")

// Provider is a source of reference exchange rates: the ECB, a static table
// from config, a commercial rate feed.
//
// Rates returns the latest rates the source has. It honours ctx for
// cancellation and deadlines. Errors: ErrInvalidRates (wrapped) when the
// source's data is malformed; I/O and HTTP errors otherwise. The returned
// set's Rates map belongs to the caller.
type Provider interface {
	Rates(ctx context.Context) (RateSet, error)
}

// RateSet is one publication of reference rates: how many units of each
// currency one unit of Base buys, as of one date.
//
// A RateSet is a value; share it between goroutines only read-only.
type RateSet struct {
	// Base is the currency every rate is quoted against: "EUR" for the ECB.
	Base string
	// AsOf is the reference time of the rates (for the ECB, 16:00 Frankfurt
	// time on the business day the rates were published for).
	AsOf time.Time
	// Source names the provider, e.g. "ECB", "static".
	Source string
	// Rates maps an ISO 4217 alphabetic code to its rate: 1 Base =
	// Rates[code] units of code. Every value is positive. Base itself is
	// not listed.
	Rates map[string]decimal.Decimal
}

var one = decimal.NewFromInt(1)

// Cross returns the rate from → to, computed through Base:
//
//	Base → to:    Rates[to], exactly as published
//	from → Base:  1 / Rates[from]
//	from → to:    Rates[to] / Rates[from]
//	code → code:  1, for any valid ISO 4217 code
//
// Divisions are truncated toward zero to CrossSignificantDigits
// significant digits (see its doc for why). A currency the set has no rate
// for (including codes that are not ISO 4217) gives an error wrapping
// ErrNoRate that names it.
func (s RateSet) Cross(from, to string) (Rate, error) {
	rate := Rate{Base: from, Quote: to, Source: s.Source, AsOf: s.AsOf}
	if from == to {
		if _, ok := ByCode(from); !ok {
			return Rate{}, s.noRate(from)
		}
		rate.Value = one
		return rate, nil
	}
	numerator, err := s.leg(to)
	if err != nil {
		return Rate{}, err
	}
	denominator, err := s.leg(from)
	if err != nil {
		return Rate{}, err
	}
	if from == s.Base {
		rate.Value = numerator
		return rate, nil
	}
	rate.Value = divideSignificant(numerator, denominator, CrossSignificantDigits)
	return rate, nil
}

// leg returns 1 Base in code: 1 for Base itself, else the published rate.
func (s RateSet) leg(code string) (decimal.Decimal, error) {
	if code == s.Base && s.Base != "" {
		return one, nil
	}
	value, ok := s.Rates[code]
	if !ok {
		return decimal.Decimal{}, s.noRate(code)
	}
	return value, nil
}

func (s RateSet) noRate(code string) error {
	return fmt.Errorf("%w for %q in the %s rates of %s", ErrNoRate, code, s.Source, s.AsOf.Format(time.DateOnly))
}

// divideSignificant returns numerator / denominator (both positive)
// truncated toward zero to digits significant digits.
func divideSignificant(numerator, denominator decimal.Decimal, digits int32) decimal.Decimal {
	// The quotient's leading digit is at 10^(lead(n)-lead(d)) or one below;
	// one extra place makes sure at least `digits` are computed.
	places := digits - (leadingPower(numerator) - leadingPower(denominator)) + 1
	quotient, _ := numerator.QuoRem(denominator, places)
	return quotient.Truncate(digits - (leadingPower(quotient) + 1))
}

// leadingPower returns p such that the leading digit of d is at 10^p.
func leadingPower(d decimal.Decimal) int32 {
	return int32(d.NumDigits()) + d.Exponent() - 1
}

// validateRates checks a provider's table: base and every code are ISO
// 4217, base is not listed, every rate positive. where names the data in
// errors ("ECB day 2026-11-25").
func validateRates(base string, rates map[string]decimal.Decimal, where string) error {
	if _, ok := ByCode(base); !ok {
		return fmt.Errorf("%w: %s: base %q is not an ISO 4217 code", ErrInvalidRates, where, base)
	}
	if len(rates) == 0 {
		return fmt.Errorf("%w: %s: no rates", ErrInvalidRates, where)
	}
	for code, value := range rates {
		if _, ok := ByCode(code); !ok {
			return fmt.Errorf("%w: %s: currency %q is not an ISO 4217 code", ErrInvalidRates, where, code)
		}
		if code == base {
			return fmt.Errorf("%w: %s: base currency %q listed against itself", ErrInvalidRates, where, code)
		}
		if !value.IsPositive() {
			return fmt.Errorf("%w: %s: %s rate %s is not positive", ErrInvalidRates, where, code, value)
		}
	}
	return nil
}

// parseRate parses a rate written as plain decimal digits with at most one
// point ("1.0812", "172.45"): no sign, no exponent, no spaces, at most 32
// characters. Such strictness keeps "1e9" or "-0" from ever becoming a rate.
func parseRate(text string) (decimal.Decimal, error) {
	if text == "" || len(text) > 32 {
		return decimal.Decimal{}, fmt.Errorf("rate %q: want 1 to 32 characters", text)
	}
	points, digits := 0, 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c >= '0' && c <= '9':
			digits++
		case c == '.':
			points++
		default:
			return decimal.Decimal{}, fmt.Errorf("rate %q: want plain decimal digits", text)
		}
	}
	if points > 1 || digits == 0 || text[0] == '.' || text[len(text)-1] == '.' {
		return decimal.Decimal{}, fmt.Errorf("rate %q: want plain decimal digits", text)
	}
	value, err := decimal.NewFromString(text)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("rate %q: %v", text, err)
	}
	if !value.IsPositive() {
		return decimal.Decimal{}, fmt.Errorf("rate %q: not positive", text)
	}
	return value, nil
}
