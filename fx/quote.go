package fx

import (
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// Limits on a quote's mark-up, in percent over the ECB reference rate.
var (
	markupPercentMin = decimal.Zero
	markupPercentMax = decimal.NewFromInt(20)
	hundred          = decimal.NewFromInt(100)
)

// markupPlacesMax is the number of decimal places a mark-up may have: DE 48
// tag 13 shows it with two, and what is shown must be what is applied.
const markupPlacesMax = 2

// Errors NewQuote, Quote's methods and RefundCharge return, wrapped with
// details.
var (
	ErrInvalidQuote   = errors.New("fx: invalid quote")
	ErrInvalidMarkup  = errors.New("fx: invalid mark-up")
	ErrInvalidRefund  = errors.New("fx: invalid refund")
	ErrRateNotEncoded = errors.New("fx: rate cannot be encoded in DE 10")
)

// Quote is a conversion offer locked for one transaction and stored with it
// in the journal: the customer pays Charge(amount) of To for amount of
// From, whatever the rates do after CreatedAt.
//
// Direction of the mark-up. Reference.Value and Applied are both quoted as
// units of To (the wallet currency the customer pays in) per unit of From
// (the merchant's currency), so the wallet amount is merchant amount ×
// rate. The mark-up therefore multiplies the rate:
//
//	Applied = Reference.Value × (1 + MarkupPercent/100)
//
// which makes the customer pay more wallet currency than at the ECB rate,
// never less, for every mark-up ≥ 0. (Had the rate been quoted the other
// way, From per To, the mark-up would have had to divide; taking the rate
// only in the wallet-per-merchant direction rules that mistake out.) This
// is the form EU Regulation 2019/518 requires: the mark-up as a percentage
// over the latest available ECB euro foreign exchange reference rate.
type Quote struct {
	ID   string
	From string // merchant currency, ISO 4217 alphabetic
	To   string // wallet currency, ISO 4217 alphabetic
	// Reference is the ECB reference rate the mark-up is measured over,
	// with Base = From and Quote = To.
	Reference Rate
	// MarkupPercent is the mark-up over Reference in percent: 2.50 means
	// Applied = Reference.Value × 1.025. 0 ≤ MarkupPercent ≤ 20, at most
	// two decimal places.
	MarkupPercent decimal.Decimal
	// Applied is the rate the customer is charged at, exact (not rounded):
	// units of To per unit of From.
	Applied   decimal.Decimal
	Source    string // Reference.Source, e.g. "ECB"
	CreatedAt time.Time
	ExpiresAt time.Time // the quote is expired from this instant on
	Rounding  Rounding
}

// NewQuote locks ref with a mark-up of markupPercent for ttl from now. ref
// must be quoted merchant → wallet (Base = merchant currency, Quote =
// wallet currency, Value > 0); both currencies must be known and differ.
// newID supplies the quote's ID and must return a non-empty string.
//
// Errors: ErrUnknownCurrency, ErrInvalidRate, ErrInvalidMarkup (outside
// 0–20 % or more than two decimal places), ErrInvalidRounding,
// ErrInvalidQuote (same currency, ttl ≤ 0, no ID).
func NewQuote(ref Rate, markupPercent decimal.Decimal, ttl time.Duration, now time.Time, r Rounding, newID func() string) (Quote, error) {
	if _, ok := ByCode(ref.Base); !ok {
		return Quote{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, ref.Base)
	}
	if _, ok := ByCode(ref.Quote); !ok {
		return Quote{}, fmt.Errorf("%w: %q", ErrUnknownCurrency, ref.Quote)
	}
	if ref.Base == ref.Quote {
		return Quote{}, fmt.Errorf("%w: %s to itself needs no conversion", ErrInvalidQuote, ref.Base)
	}
	if ref.Value.Sign() <= 0 {
		return Quote{}, fmt.Errorf("%w: %s", ErrInvalidRate, ref.Value)
	}
	if markupPercent.LessThan(markupPercentMin) || markupPercent.GreaterThan(markupPercentMax) {
		return Quote{}, fmt.Errorf("%w: %s%% is outside 0–20%%", ErrInvalidMarkup, markupPercent)
	}
	if !markupPercent.Equal(markupPercent.Truncate(markupPlacesMax)) {
		return Quote{}, fmt.Errorf("%w: %s%% has more than %d decimal places", ErrInvalidMarkup, markupPercent, markupPlacesMax)
	}
	if !r.valid() {
		return Quote{}, fmt.Errorf("%w: %d", ErrInvalidRounding, int(r))
	}
	if ttl <= 0 {
		return Quote{}, fmt.Errorf("%w: ttl %s", ErrInvalidQuote, ttl)
	}
	if newID == nil {
		return Quote{}, fmt.Errorf("%w: no ID generator", ErrInvalidQuote)
	}
	id := newID()
	if id == "" {
		return Quote{}, fmt.Errorf("%w: empty ID", ErrInvalidQuote)
	}
	// (100 + m) / 100 by a shift, which is exact; Div would round at 16
	// places and leave trailing zeros that push Charge off its fast path.
	factor := hundred.Add(markupPercent).Shift(-2)
	return Quote{
		ID:            id,
		From:          ref.Base,
		To:            ref.Quote,
		Reference:     ref,
		MarkupPercent: markupPercent,
		Applied:       withoutTrailingZeros(ref.Value.Mul(factor)),
		Source:        ref.Source,
		CreatedAt:     now,
		ExpiresAt:     now.Add(ttl),
		Rounding:      r,
	}, nil
}

// Charge returns the wallet amount, in minor units of To, for amountMinor
// minor units of From at the applied rate, rounded once under q.Rounding.
// It does not check expiry: a quote locked for a transaction stays valid
// for that transaction; callers check Expired before locking one.
func (q Quote) Charge(amountMinor int64) (int64, error) {
	return Convert(amountMinor, q.From, q.Applied, q.To, q.Rounding)
}

// Expired reports whether the quote may no longer be offered at now: from
// ExpiresAt on, inclusive.
func (q Quote) Expired(now time.Time) bool {
	return !now.Before(q.ExpiresAt)
}

// de10Digits is the number of rate digits after DE 10's leading position
// digit; de10Limit is 10^de10Digits.
const (
	de10Digits = 7
	de10Limit  = 10_000_000
)

// DE10 encodes the applied rate as ISO 8583 DE 10 (conversion rate,
// cardholder billing), n8: the first digit is the number of decimal places
// (0–7), the other seven are the rate's digits, so "61234567" is
// 1.234567. It uses the most decimal places whose rounded digits still fit
// in seven, rounding half-up at that place; rounding can carry into an
// eighth digit (9.99999995 at six places is 10000000), in which case one
// place fewer is used. Examples: 7.8534512 → "67853451", 0.78534512 →
// "77853451", 1342.61 → "31342610", 1493.1995 → "31493200".
//
// DE 10 is for display; Charge uses the exact rate. Errors
// (ErrRateNotEncoded): a rate of 10,000,000 or more (after rounding), and
// a rate that rounds to zero at seven places.
func (q Quote) DE10() (string, error) {
	if q.Applied.Sign() <= 0 {
		return "", fmt.Errorf("%w: %s", ErrRateNotEncoded, q.Applied)
	}
	limit := decimal.NewFromInt(de10Limit)
	for places := int32(de10Digits); places >= 0; places-- {
		digits := q.Applied.Shift(places).Round(0) // half-up: rate is positive
		if !digits.LessThan(limit) {
			continue
		}
		if digits.Sign() == 0 {
			return "", fmt.Errorf("%w: %s is below 0.00000005", ErrRateNotEncoded, q.Applied)
		}
		return fmt.Sprintf("%d%07d", places, digits.IntPart()), nil
	}
	return "", fmt.Errorf("%w: %s is 10,000,000 or more", ErrRateNotEncoded, q.Applied)
}

// MarkupDE48 returns the mark-up for DE 48 tag 13: percent over the ECB
// reference rate with two decimals, "2.50". NewQuote allows no more than
// two places, so this is exact.
func (q Quote) MarkupDE48() string {
	return q.MarkupPercent.StringFixed(markupPlacesMax)
}

// RefundCharge returns the wallet amount, in minor units of q.To, to give
// back for a refund of refundMinor (minor units of q.From) against a
// purchase of purchaseMinor that charged chargedWalletMinor, of which
// alreadyRefundedWalletMinor has been given back by earlier refunds.
//
// Rule: convert refundMinor at the locked applied rate, round UP to the
// wallet's minor unit, and give back no more than what remains
// (chargedWalletMinor − alreadyRefundedWalletMinor).
//
//   - Never more than charged: the cap makes the running total at most
//     chargedWalletMinor, whatever the rounding.
//   - A sequence of refunds that adds up to the purchase returns exactly
//     the charge: Σ⌈x_i⌉ ≥ ⌈Σx_i⌉ ≥ round(Σx_i) = chargedWalletMinor for
//     either rounding mode, so the cap is reached by the last refund at the
//     latest. No merchant-side running total is needed to know which
//     refund is the last.
//   - Each refund is at most one wallet minor unit above its exact share,
//     in the customer's favour; the price is that, with many small refunds,
//     a late one can get less than its share, down to zero.
//
// chargedWalletMinor must be what q.Charge(purchaseMinor) returned; the
// second guarantee rests on it. Errors (ErrInvalidRefund): refundMinor ≤ 0
// or above purchaseMinor, negative amounts, alreadyRefundedWalletMinor
// above chargedWalletMinor; and Convert's errors.
func RefundCharge(q Quote, refundMinor, purchaseMinor, chargedWalletMinor, alreadyRefundedWalletMinor int64) (int64, error) {
	if refundMinor <= 0 || refundMinor > purchaseMinor {
		return 0, fmt.Errorf("%w: refund %d of purchase %d", ErrInvalidRefund, refundMinor, purchaseMinor)
	}
	if chargedWalletMinor < 0 || alreadyRefundedWalletMinor < 0 || alreadyRefundedWalletMinor > chargedWalletMinor {
		return 0, fmt.Errorf("%w: %d already refunded of %d charged", ErrInvalidRefund, alreadyRefundedWalletMinor, chargedWalletMinor)
	}
	source, ok := ByCode(q.From)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, q.From)
	}
	target, ok := ByCode(q.To)
	if !ok {
		return 0, fmt.Errorf("%w: %q", ErrUnknownCurrency, q.To)
	}
	share, err := convert(refundMinor, source.Exponent, q.Applied, target.Exponent, roundUp)
	if err != nil {
		return 0, err
	}
	return min(share, chargedWalletMinor-alreadyRefundedWalletMinor), nil
}

// withoutTrailingZeros returns d with the fewest coefficient digits that
// keep its value (1.0250 → 1.025), so that Convert can keep the rate's
// coefficient within 64 bits. It is exact: String prints every significant
// digit and no trailing zero after the point.
func withoutTrailingZeros(d decimal.Decimal) decimal.Decimal {
	if d.Exponent() >= 0 {
		return d
	}
	trimmed, err := decimal.NewFromString(d.String())
	if err != nil || !trimmed.Equal(d) {
		return d // cannot happen; the untrimmed value is still exact
	}
	return trimmed
}
