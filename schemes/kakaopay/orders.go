package kakaopay

import (
	"context"
	"errors"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// CreateOrder opens a merchant-presented order through the ready call. The
// terminal shows next_redirect_mobile_url as a QR code (QR_FORMAT_URL); the
// customer's phone opens it in KakaoPay and pays. Inquire then answers
// PENDING until the customer has paid.
//
// In KakaoPay's online flow the partner confirms the payment with approve
// and a pg_token once the customer has authenticated; the simulator
// completes the payment when the customer scans, so the adapter only
// inquires (see the package documentation).
func (a *Adapter) CreateOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	if err := limits.CheckCreateOrder(req); err != nil {
		return nil, err
	}
	key := req.GetIdempotencyKey()
	if req.GetAmount().GetCurrency() != Currency {
		return &schemev1.CreateOrderResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT, "",
			"KakaoPay charges KRW only")}, nil
	}
	lifetime := a.orderLifetime
	if s := req.GetExpiresInSeconds(); s > 0 && s < int64(lifetime/time.Second) {
		lifetime = time.Duration(s) * time.Second
	}
	resp, err := a.client.Ready(ctx, a.readyRequestFor(req, lifetime))
	if err == nil && (resp.TID == "" || resp.NextRedirectMobileURL == "") {
		err = errNoOrder
	}
	if err != nil {
		return &schemev1.CreateOrderResponse{Result: a.failedCall(ctx, "create_order", key, err)}, nil
	}
	out := &schemev1.CreateOrderResponse{
		Result:              &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS, SchemeCode: StatusReady},
		SchemeTransactionId: resp.TID,
		QrPayload:           resp.NextRedirectMobileURL,
		QrFormat:            schemev1.QRFormat_QR_FORMAT_URL,
		ExpiresAt:           orderExpiry(resp, lifetime),
	}
	a.calls.Answered(ctx, "create_order", key, out.Result)
	return out, nil
}

// errNoOrder: ready answered without the tid or the URL the order needs.
// KakaoPay may have created it, so the outcome is unknown.
var errNoOrder = errors.New("kakaopay: ready answered without tid or next_redirect_mobile_url")

// orderExpiry is when the order stops being payable: what KakaoPay says
// (modelled expires_at), or else lifetime after its creation.
func orderExpiry(resp *ReadyResponse, lifetime time.Duration) string {
	if at := rfc3339(resp.ExpiresAt); at != "" {
		return at
	}
	created, err := ParseTime(resp.CreatedAt)
	if err != nil {
		return ""
	}
	return created.Add(lifetime).Format(time.RFC3339)
}
