package admin

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/meridian-gw/meridian/gateway/payment"
)

var _ Refunder = EngineRefunder{}

// EngineRefunder is a Refunder on the payment engine's refund, made as the
// acquirer's (payment.RefundRequest.ByAcquirer: no active terminal needed,
// so a suspended or closed merchant's purchases can still be refunded),
// under a terminal key made from the merchant and the request ID, so that
// the engine's own repeat detection makes the refund once-only (a repeat
// returns the first refund, different arguments are
// payment.ErrKeyMismatch). The key's STAN reads "ADMIN" and its
// transmission time is a 20-character digest, which no terminal sends (DE 7
// is 10 digits), so it never collides with a real request.
type EngineRefunder struct {
	Engine   *payment.Engine
	Payments payment.Store
}

// adminSTAN marks the terminal keys of refunds made through the admin API.
const adminSTAN = "ADMIN"

// RefundByAdmin refunds amount of the merchant's purchase rrn, once per
// requestID.
func (r EngineRefunder) RefundByAdmin(ctx context.Context, merchantID, rrn string, amount payment.Money, requestID string) (*payment.Attempt, error) {
	orig, err := r.Payments.AttemptByRRN(ctx, merchantID, rrn)
	if errors.Is(err, payment.ErrNotFound) {
		return nil, payment.ErrOriginalNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("%w: load purchase %s: %v", payment.ErrSystem, rrn, err)
	}
	digest := sha256.Sum256([]byte(merchantID + "\x00" + requestID))
	key := payment.TerminalKey{
		TerminalID:       orig.Key.TerminalID,
		STAN:             adminSTAN,
		TransmissionTime: hex.EncodeToString(digest[:10]),
	}
	return r.Engine.Refund(ctx, payment.RefundRequest{Key: key, MerchantID: merchantID, OriginalRRN: rrn, Amount: amount, ByAcquirer: true})
}
