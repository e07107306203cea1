package payment

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// ErrNoConversion: the scheme cannot be charged in the merchant's currency
// and no conversion is possible (no rates configured, or the rates are
// older than their maximum age). The terminal is answered 91.
var ErrNoConversion = fmt.Errorf("%w: no usable exchange rate", ErrUnavailable)

// Quoter locks FX quotes for one transaction; *fx.Pricer is one.
type Quoter interface {
	Quote(ctx context.Context, merchantID, scheme, from, to string) (fx.Quote, error)
}

// capabilitiesTimeout bounds fetching an adapter's capabilities during a
// purchase.
const capabilitiesTimeout = time.Second

// capable is implemented by adapters that report their capabilities (the
// scheme client does); the engine asks it which currencies a scheme can be
// charged in.
type capable interface {
	Capabilities(ctx context.Context) (*schemev1.Capabilities, error)
}

// chargeFor decides what a purchase charges the wallet: the merchant's
// amount as is when the scheme can be charged in the merchant's currency
// (or its currencies are not known), otherwise the amount converted at a
// quote locked now, which the journal keeps with the intent.
func (e *Engine) chargeFor(ctx context.Context, adapter Adapter, m *Merchant, policy MerchantPolicy, scheme string, amount Money) (Money, Conversion, error) {
	c, ok := adapter.(capable)
	if !ok {
		return amount, Conversion{}, nil
	}
	// Capabilities are cached once known; a first fetch from an adapter
	// that does not answer must not eat the terminal's budget.
	cctx, cancel := context.WithTimeout(ctx, capabilitiesTimeout)
	caps, err := c.Capabilities(cctx)
	cancel()
	if err != nil {
		// Not known (the adapter is unreachable and never answered): charge
		// as is. An adapter that cannot take the currency declines it, so no
		// money moves in a currency the scheme does not charge.
		return amount, Conversion{}, nil
	}
	currencies := caps.GetChargeCurrencies()
	if len(currencies) == 0 || slices.Contains(currencies, amount.Currency) {
		return amount, Conversion{}, nil
	}
	if e.cfg.FX == nil {
		return Money{}, Conversion{}, fmt.Errorf("%w: %s charges %v, the merchant sells in %s, and no rates are configured", ErrNoConversion, scheme, currencies, amount.Currency)
	}
	to := currencies[0]
	q, err := e.quote(ctx, m, policy, scheme, amount.Currency, to)
	if err != nil {
		return Money{}, Conversion{}, fmt.Errorf("%w: %v", ErrNoConversion, err)
	}
	minor, err := q.Charge(amount.Minor)
	if errors.Is(err, fx.ErrAmountTooLarge) {
		return Money{}, Conversion{}, ErrInvalidAmount
	}
	if err != nil {
		return Money{}, Conversion{}, fmt.Errorf("%w: convert: %v", ErrSystem, err)
	}
	return Money{Minor: minor, Currency: to}, Conversion{
		QuoteID:       q.ID,
		ReferenceRate: q.Reference.Value.String(),
		AppliedRate:   q.Applied.String(),
		MarkupPercent: q.MarkupDE48(),
		Source:        q.Source,
		AsOf:          q.Reference.AsOf,
		Rounding:      q.Rounding.String(),
	}, nil
}

// charged is what a purchase asked of the wallet: its converted amount when
// a conversion applied, its own amount otherwise.
func (a *Attempt) charged() Money {
	if a.Conversion.Applied() {
		return a.WalletAmount
	}
	return a.Amount
}

// DE10 is the applied rate in the terminal interface's DE 10 format.
func (c Conversion) DE10() (string, error) {
	rate, err := decimal.NewFromString(c.AppliedRate)
	if err != nil {
		return "", fmt.Errorf("conversion %s: rate %q: %w", c.QuoteID, c.AppliedRate, err)
	}
	return fx.Quote{Applied: rate}.DE10()
}

// markupQuoter is implemented by quoters that take a mark-up chosen per
// merchant (*fx.Pricer does).
type markupQuoter interface {
	QuoteWithMarkup(ctx context.Context, scheme, from, to string, markup decimal.Decimal) (fx.Quote, error)
}

// quote locks a quote at the merchant's own mark-up when its acquirer set
// one, else at the configured one.
func (e *Engine) quote(ctx context.Context, m *Merchant, policy MerchantPolicy, scheme, from, to string) (fx.Quote, error) {
	if markup, ok := markupOf(policy, scheme); ok {
		if mq, ok := e.cfg.FX.(markupQuoter); ok {
			return mq.QuoteWithMarkup(ctx, scheme, from, to, markup)
		}
	}
	return e.cfg.FX.Quote(ctx, m.ID, scheme, from, to)
}

// refundInWallet converts a refund of a converted purchase at the purchase's
// locked rate, or the current one when so configured (rounded up, capped at what the wallet still holds, so that
// partial refunds never return more than was charged: fx.RefundCharge). What
// refunds not declined already hold counts as returned.
func (e *Engine) refundInWallet(ctx context.Context, orig *Attempt, refundMinor int64) (Money, error) {
	_, held, err := e.cfg.Store.RefundedWallet(ctx, orig.ID)
	if err != nil {
		return Money{}, fmt.Errorf("%w: refunded wallet amount: %v", ErrSystem, err)
	}
	rate, err := decimal.NewFromString(orig.Conversion.AppliedRate)
	if err != nil {
		return Money{}, fmt.Errorf("%w: journaled rate %q: %v", ErrSystem, orig.Conversion.AppliedRate, err)
	}
	q := fx.Quote{From: orig.Amount.Currency, To: orig.WalletAmount.Currency, Applied: rate}
	if e.cfg.RefundAtCurrentRate && e.cfg.FX != nil {
		if q, err = e.cfg.FX.Quote(ctx, orig.MerchantID, orig.Scheme, orig.Amount.Currency, orig.WalletAmount.Currency); err != nil {
			return Money{}, fmt.Errorf("%w: %v", ErrNoConversion, err)
		}
	}
	minor, err := fx.RefundCharge(q, refundMinor, orig.Amount.Minor, orig.WalletAmount.Minor, min(held, orig.WalletAmount.Minor))
	if err != nil || minor <= 0 {
		return Money{}, ErrInvalidAmount
	}
	return Money{Minor: minor, Currency: orig.WalletAmount.Currency}, nil
}
