package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

var _ payment.Policies = (*AdminStore)(nil)

const (
	queryMerchantPolicy = `SELECT markups, per_minute, per_day FROM merchant_profiles WHERE merchant_id = ?`
	// The terminal key index (kind, terminal_id, …) narrows the count to the
	// terminal's purchases.
	queryPurchasesSince = `SELECT COUNT(*) FROM attempts
		WHERE kind = 'purchase' AND terminal_id = ? AND created_at >= ?`
)

// MerchantPolicy returns the mark-ups and frequency limits the merchant's
// acquirer set; the zero policy for a merchant no acquirer manages.
func (a *AdminStore) MerchantPolicy(ctx context.Context, merchantID string) (payment.MerchantPolicy, error) {
	db, err := a.read()
	if err != nil {
		return payment.MerchantPolicy{}, err
	}
	var markups string
	var p payment.MerchantPolicy
	err = db.QueryRowContext(ctx, queryMerchantPolicy, merchantID).Scan(&markups, &p.PerMinute, &p.PerDay)
	if errors.Is(err, sql.ErrNoRows) {
		return payment.MerchantPolicy{}, nil
	}
	if err != nil {
		return payment.MerchantPolicy{}, fmt.Errorf("store: policy of merchant %s: %w", merchantID, err)
	}
	if markups != "" && markups != "{}" {
		if err := json.Unmarshal([]byte(markups), &p.Markup); err != nil {
			return payment.MerchantPolicy{}, fmt.Errorf("store: mark-ups of merchant %s: %w", merchantID, err)
		}
	}
	return p, nil
}

// PurchasesSince counts the terminal's purchases created at or after since.
func (a *AdminStore) PurchasesSince(ctx context.Context, terminalID string, since time.Time) (int, error) {
	db, err := a.read()
	if err != nil {
		return 0, err
	}
	var n int
	if err := db.QueryRowContext(ctx, queryPurchasesSince, terminalID, encodeTime(since)).Scan(&n); err != nil {
		return 0, fmt.Errorf("store: purchases of terminal %s: %w", terminalID, err)
	}
	return n, nil
}
