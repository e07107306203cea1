package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/meridian-gw/meridian/gateway/payment"
)

var _ payment.Policies = (*AdminStore)(nil)

const (
	queryMerchantPolicy = `SELECT markups, per_minute, per_day FROM merchant_profiles WHERE merchant_id = $1`
	// The terminal key index (kind, terminal_id, …) narrows the count to the
	// terminal's purchases.
	queryPurchasesSince = `SELECT count(*) FROM attempts
		WHERE kind = 'purchase' AND terminal_id = $1 AND created_at >= $2`
)

// MerchantPolicy returns the mark-ups and frequency limits the merchant's
// acquirer set; the zero policy for a merchant no acquirer manages.
func (a *AdminStore) MerchantPolicy(ctx context.Context, merchantID string) (payment.MerchantPolicy, error) {
	if err := a.s.checkOpen(); err != nil {
		return payment.MerchantPolicy{}, err
	}
	var p payment.MerchantPolicy
	var perMinute, perDay int64
	err := a.s.pool.QueryRow(ctx, queryMerchantPolicy, merchantID).Scan(&p.Markup, &perMinute, &perDay)
	if errors.Is(err, pgx.ErrNoRows) {
		return payment.MerchantPolicy{}, nil
	}
	if err != nil {
		return payment.MerchantPolicy{}, fmt.Errorf("postgres: policy of merchant %s: %w", merchantID, err)
	}
	p.PerMinute, p.PerDay = int(perMinute), int(perDay)
	return p, nil
}

// PurchasesSince counts the terminal's purchases created at or after since.
func (a *AdminStore) PurchasesSince(ctx context.Context, terminalID string, since time.Time) (int, error) {
	if err := a.s.checkOpen(); err != nil {
		return 0, err
	}
	var n int64
	if err := a.s.pool.QueryRow(ctx, queryPurchasesSince, terminalID, since).Scan(&n); err != nil {
		return 0, fmt.Errorf("postgres: purchases of terminal %s: %w", terminalID, err)
	}
	return int(n), nil
}
