package fx

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// DefaultQuoteTTL is how long a quote stays valid when PricingConfig.QuoteTTL
// is zero: long enough for a terminal round trip, short enough that the
// customer is never held to a rate the market has left.
const DefaultQuoteTTL = time.Minute

// RateSource gives the reference rate of a currency pair; *Cache is one.
type RateSource interface {
	Rate(ctx context.Context, from, to string) (Rate, error)
}

// PricingConfig says which mark-up and rounding apply to a conversion. The
// mark-up is a percentage over the ECB euro reference rate (EU Regulation
// 2019/518); the most specific setting wins: merchant and scheme, then
// scheme, then the default.
type PricingConfig struct {
	// DefaultMarkup applies when nothing more specific is set; zero is
	// allowed (no mark-up).
	DefaultMarkup decimal.Decimal
	// SchemeMarkup by scheme id.
	SchemeMarkup map[string]decimal.Decimal
	// MerchantMarkup by merchant id, then scheme id.
	MerchantMarkup map[string]map[string]decimal.Decimal
	// SchemeRounding by scheme id; a scheme not listed rounds half-up.
	SchemeRounding map[string]Rounding
	// QuoteTTL bounds a quote's life; default DefaultQuoteTTL.
	QuoteTTL time.Duration
}

// Pricer makes the quotes of the payment flow: the reference rate from its
// source, the mark-up and rounding that apply to the merchant and scheme,
// locked under a new quote id.
type Pricer struct {
	rates RateSource
	cfg   PricingConfig
	now   func() time.Time
	newID func() string
}

// NewPricer checks cfg and returns a Pricer. now and newID default to
// time.Now and a random id.
func NewPricer(rates RateSource, cfg PricingConfig, now func() time.Time, newID func() string) (*Pricer, error) {
	if rates == nil {
		return nil, fmt.Errorf("fx: pricer needs a rate source")
	}
	check := checkMarkupOf
	if err := check("default", cfg.DefaultMarkup); err != nil {
		return nil, err
	}
	for s, m := range cfg.SchemeMarkup {
		if err := check("scheme "+s, m); err != nil {
			return nil, err
		}
	}
	for id, byScheme := range cfg.MerchantMarkup {
		for s, m := range byScheme {
			if err := check("merchant "+id+" scheme "+s, m); err != nil {
				return nil, err
			}
		}
	}
	for s, r := range cfg.SchemeRounding {
		if r != RoundHalfUp && r != RoundHalfEven {
			return nil, fmt.Errorf("%w: scheme %s", ErrInvalidRounding, s)
		}
	}
	if cfg.QuoteTTL <= 0 {
		cfg.QuoteTTL = DefaultQuoteTTL
	}
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = randomQuoteID
	}
	return &Pricer{rates: rates, cfg: cfg, now: now, newID: newID}, nil
}

var maxMarkup = decimal.NewFromInt(20)

// Quote locks the rate for converting from the merchant's currency to the
// wallet's, for one transaction of merchantID through scheme.
func (p *Pricer) Quote(ctx context.Context, merchantID, scheme, from, to string) (Quote, error) {
	ref, err := p.rates.Rate(ctx, from, to)
	if err != nil {
		return Quote{}, fmt.Errorf("fx: quote %s→%s for %s: %w", from, to, scheme, err)
	}
	return NewQuote(ref, p.Markup(merchantID, scheme), p.cfg.QuoteTTL, p.now(), p.Rounding(scheme), p.newID)
}

// QuoteWithMarkup locks a quote as Quote does, at a mark-up the caller
// chose (a merchant's own, set by its acquirer) instead of the configured
// one. The mark-up is checked like a configured one.
func (p *Pricer) QuoteWithMarkup(ctx context.Context, scheme, from, to string, markup decimal.Decimal) (Quote, error) {
	if err := checkMarkupOf("merchant", markup); err != nil {
		return Quote{}, fmt.Errorf("fx: quote %s→%s for %s: %w", from, to, scheme, err)
	}
	ref, err := p.rates.Rate(ctx, from, to)
	if err != nil {
		return Quote{}, fmt.Errorf("fx: quote %s→%s for %s: %w", from, to, scheme, err)
	}
	return NewQuote(ref, markup, p.cfg.QuoteTTL, p.now(), p.Rounding(scheme), p.newID)
}

// Markup is the mark-up percentage that applies to merchantID and scheme.
func (p *Pricer) Markup(merchantID, scheme string) decimal.Decimal {
	if m, ok := p.cfg.MerchantMarkup[merchantID][scheme]; ok {
		return m
	}
	if m, ok := p.cfg.SchemeMarkup[scheme]; ok {
		return m
	}
	return p.cfg.DefaultMarkup
}

// Rounding is the rounding mode of scheme.
func (p *Pricer) Rounding(scheme string) Rounding {
	if r, ok := p.cfg.SchemeRounding[scheme]; ok {
		return r
	}
	return RoundHalfUp
}

// randomQuoteID returns "q" and 24 random hex characters.
func randomQuoteID() string {
	var b [12]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return "q" + hex.EncodeToString(b[:])
}

// checkMarkupOf checks a mark-up percent: 0 to 20 with at most two
// decimals.
func checkMarkupOf(where string, m decimal.Decimal) error {
	if m.IsNegative() || m.GreaterThan(maxMarkup) || m.Exponent() < -2 {
		return fmt.Errorf("%w: %s mark-up %s: want 0 to 20 percent with at most two decimals", ErrInvalidMarkup, where, m)
	}
	return nil
}
