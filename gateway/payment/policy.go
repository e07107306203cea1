package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// ErrFrequencyLimit: the terminal made as many purchases as its merchant
// allows in the last minute or day (RC 65).
var ErrFrequencyLimit = errors.New("frequency limit exceeded")

// MerchantPolicy is what an acquirer set for a merchant beyond the
// merchant's row: its own FX mark-ups and its purchase frequency limits.
// The zero value sets nothing.
type MerchantPolicy struct {
	// Markup is the FX mark-up percent by scheme id, as exact decimal text;
	// it overrides the configured mark-ups.
	Markup map[string]string
	// PerMinute and PerDay bound the purchases of one terminal of the
	// merchant in the last minute and the last 24 hours; 0 means no bound.
	PerMinute, PerDay int
}

// Policies reads merchant policies and counts purchases, per request, so
// that an acquirer's change takes effect on the next one. The admin
// stores implement it.
type Policies interface {
	MerchantPolicy(ctx context.Context, merchantID string) (MerchantPolicy, error)
	// PurchasesSince counts the terminal's purchases created at or after
	// since, whatever their outcome.
	PurchasesSince(ctx context.Context, terminalID string, since time.Time) (int, error)
}

// policyOf returns the merchant's policy at configuration generation g,
// the zero one without Policies.
func (e *Engine) policyOf(ctx context.Context, g generation, m *Merchant) (MerchantPolicy, error) {
	if e.cfg.Policies == nil {
		return MerchantPolicy{}, nil
	}
	p, err := e.merchantPolicy(ctx, g, m.ID)
	if err != nil {
		return MerchantPolicy{}, fmt.Errorf("%w: load merchant policy: %v", ErrSystem, err)
	}
	return p, nil
}

// checkFrequency refuses a purchase past the merchant's frequency limits.
// Two purchases racing at the limit may both pass: the bound is for fraud
// and abuse, not money safety, and counting in the journal keeps it right
// across nodes and restarts.
func (e *Engine) checkFrequency(ctx context.Context, p MerchantPolicy, key TerminalKey) error {
	now := e.now()
	for _, w := range []struct {
		limit  int
		window time.Duration
	}{{p.PerMinute, time.Minute}, {p.PerDay, 24 * time.Hour}} {
		if w.limit <= 0 {
			continue
		}
		n, err := e.cfg.Policies.PurchasesSince(ctx, key.TerminalID, now.Add(-w.window))
		if err != nil {
			return fmt.Errorf("%w: count purchases: %v", ErrSystem, err)
		}
		if n >= w.limit {
			// A repeat of a purchase already counted gets its first
			// answer, not a refusal.
			if _, err := e.cfg.Store.AttemptByKey(ctx, KindPurchase, key); err == nil {
				return nil
			}
			return ErrFrequencyLimit
		}
	}
	return nil
}

// markupOf is the merchant's own mark-up for scheme, if its acquirer set
// one.
func markupOf(p MerchantPolicy, scheme string) (decimal.Decimal, bool) {
	v, ok := p.Markup[scheme]
	if !ok {
		return decimal.Decimal{}, false
	}
	d, err := decimal.NewFromString(v)
	return d, err == nil
}
