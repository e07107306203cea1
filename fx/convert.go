package fx

import (
	"errors"
	"fmt"
	"math/bits"

	"github.com/shopspring/decimal"
)

// MaxAmountMinor is the largest amount, in minor units, that Convert
// returns: twelve digits, the width of ISO 8583 DE 4 and DE 6 (n12). A
// larger result could not be put on the wire, so it is an error rather
// than a truncated number.
const MaxAmountMinor int64 = 999_999_999_999

// Errors Convert, Quote and RefundCharge return; they are wrapped with the
// details, so compare with errors.Is.
var (
	// ErrUnknownCurrency: a code that ByCode does not know.
	ErrUnknownCurrency = errors.New("fx: unknown currency")
	// ErrNegativeAmount: an amount below zero.
	ErrNegativeAmount = errors.New("fx: negative amount")
	// ErrAmountTooLarge: a result above MaxAmountMinor.
	ErrAmountTooLarge = errors.New("fx: amount too large")
	// ErrInvalidRate: a rate that is zero or negative.
	ErrInvalidRate = errors.New("fx: invalid rate")
)

// pow10 holds 10^0 … 10^19, every power of ten a uint64 can hold.
var pow10 = [...]uint64{
	1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
	100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000,
	1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000,
	1_000_000_000_000_000, 10_000_000_000_000_000,
	100_000_000_000_000_000, 1_000_000_000_000_000_000,
	10_000_000_000_000_000_000,
}

// Convert converts amountMinor minor units of currency from into minor
// units of currency to at rate (units of to per unit of from, both in
// major units): the amount is read exactly as amountMinor / 10^exp(from)
// major units, multiplied by rate without any intermediate rounding, and
// rounded once, under r, at to's exponent.
//
// Worked example: 1234 EUR cents (12.34 EUR) at 1456.78 KRW per EUR is
// 17976.6652 KRW exactly, which is 17977 KRW under either mode (KRW has no
// minor unit).
//
// Errors: ErrUnknownCurrency, ErrNegativeAmount, ErrInvalidRate (rate ≤ 0),
// ErrInvalidRounding, ErrAmountTooLarge (result above MaxAmountMinor).
//
// Convert does not allocate when the rate's coefficient has at most 18
// digits and the result fits, which covers every published reference rate
// and any mark-up of one; other rates take an exact but allocating path
// through decimal arithmetic that gives the same result.
func Convert(amountMinor int64, from string, rate decimal.Decimal, to string, r Rounding) (int64, error) {
	source, ok := ByCode(from)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, from)
	}
	target, ok := ByCode(to)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, to)
	}
	if !r.valid() {
		return 0, fmt.Errorf("%w: %d", ErrInvalidRounding, int(r))
	}
	return convert(amountMinor, source.Exponent, rate, target.Exponent, r)
}

// convert is Convert after the lookups; it also accepts roundUp.
func convert(amountMinor int64, fromExponent int, rate decimal.Decimal, toExponent int, r Rounding) (int64, error) {
	if amountMinor < 0 {
		return 0, fmt.Errorf("%w: %d", ErrNegativeAmount, amountMinor)
	}
	if rate.Sign() <= 0 {
		return 0, fmt.Errorf("%w: %s", ErrInvalidRate, rate)
	}
	if amountMinor == 0 {
		return 0, nil
	}
	// The exact result in target minor units is
	// amountMinor × coefficient × 10^scale.
	scale := int(rate.Exponent()) + toExponent - fromExponent
	if rate.NumDigits() > 18 || scale > 18 || scale < -19 {
		return convertDecimal(amountMinor, fromExponent, rate, toExponent, r)
	}
	high, low := bits.Mul64(uint64(amountMinor), uint64(rate.CoefficientInt64()))
	var result uint64
	if scale >= 0 {
		if high != 0 {
			return 0, tooLarge(amountMinor)
		}
		high, result = bits.Mul64(low, pow10[scale])
		if high != 0 {
			return 0, tooLarge(amountMinor)
		}
	} else {
		divisor := pow10[-scale]
		if high >= divisor { // the quotient would not fit 64 bits
			return 0, tooLarge(amountMinor)
		}
		quotient, remainder := bits.Div64(high, low, divisor)
		if quotient > uint64(MaxAmountMinor) {
			return 0, tooLarge(amountMinor)
		}
		result = roundQuotient(quotient, remainder, divisor, r)
	}
	if result > uint64(MaxAmountMinor) {
		return 0, tooLarge(amountMinor)
	}
	return int64(result), nil
}

// convertDecimal is the exact slow path for rates whose coefficient does
// not fit the 64-bit fast path. It must agree with it wherever both apply;
// a test checks that.
func convertDecimal(amountMinor int64, fromExponent int, rate decimal.Decimal, toExponent int, r Rounding) (int64, error) {
	exact := decimal.New(amountMinor, -int32(fromExponent)).Mul(rate).Shift(int32(toExponent))
	var rounded decimal.Decimal
	switch r {
	case RoundHalfUp:
		rounded = exact.Round(0) // half away from zero; amounts are positive
	case RoundHalfEven:
		rounded = exact.RoundBank(0)
	case roundUp:
		rounded = exact.Ceil()
	default:
		return 0, fmt.Errorf("%w: %d", ErrInvalidRounding, int(r))
	}
	if rounded.GreaterThan(decimal.New(MaxAmountMinor, 0)) {
		return 0, tooLarge(amountMinor)
	}
	return rounded.IntPart(), nil
}

func tooLarge(amountMinor int64) error {
	return fmt.Errorf("%w: %d minor units converts to more than %d", ErrAmountTooLarge, amountMinor, MaxAmountMinor)
}
