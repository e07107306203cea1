package kakaopay

import (
	"context"
	"errors"
	"log/slog"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// Cancel voids an earlier Pay or CreateOrder: it looks the payment up by
// partner_order_id, then cancels the whole of what remains of it through
// the cancel API (an unpaid one is closed). A payment KakaoPay does not know
// is closed by partner_order_id (modelled), so that a barcode payment still
// in flight cannot charge later. A payment that holds no money and can take
// none any more (cancelled, declined, expired) needs no call: Cancel
// succeeds, as a repeat must.
func (a *Adapter) Cancel(ctx context.Context, req *schemev1.CancelRequest) (*schemev1.CancelResponse, error) {
	key := req.GetIdempotencyKey()
	if err := limits.CheckKey("idempotency_key", key); err != nil {
		return nil, err
	}
	order, err := a.order(ctx, key)
	var refusal *Error
	switch {
	case errors.As(err, &refusal) && refusal.ErrorCode == ErrCodeNotFound:
		return &schemev1.CancelResponse{Result: a.cancel(ctx, key, &CancelRequest{CID: a.cid, PartnerOrderID: key})}, nil
	case err != nil:
		return &schemev1.CancelResponse{Result: a.failedCall(ctx, "cancel", key, err)}, nil
	}
	cancel, settled := a.cancelRequestFor(order)
	if settled != nil {
		a.calls.Answered(ctx, "cancel", key, settled)
		return &schemev1.CancelResponse{Result: settled}, nil
	}
	return &schemev1.CancelResponse{Result: a.cancel(ctx, key, cancel)}, nil
}

// cancelRequestFor is the cancel that voids order, or the result when there
// is nothing to cancel.
func (a *Adapter) cancelRequestFor(order *OrderResponse) (*CancelRequest, *schemev1.Result) {
	switch order.Status {
	case StatusCancelPayment, StatusFailPayment, StatusFailAuthPassword, StatusQuitPayment:
		return nil, &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS,
			SchemeCode: order.Status, Message: "nothing left to cancel"}
	case StatusSuccessPayment, StatusPartCancelPayment:
		available := order.CancelAvailableAmount
		if available.Total <= 0 {
			return nil, &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS,
				SchemeCode: order.Status, Message: "nothing left to cancel"}
		}
		// cancel_available_amount makes KakaoPay refuse the cancel if a
		// refund landed since the look-up, instead of cancelling an amount
		// that no longer remains.
		return &CancelRequest{CID: a.cid, TID: order.TID, CancelAmount: available.Total,
			CancelTaxFreeAmount: available.TaxFree, CancelAvailableAmount: &available.Total}, nil
	}
	// Not paid (yet): close the whole order. If it is paid meanwhile, the
	// same cancel returns all of it.
	return &CancelRequest{CID: a.cid, TID: order.TID, CancelAmount: order.Amount.Total,
		CancelTaxFreeAmount: order.Amount.TaxFree}, nil
}

// cancel sends a voiding cancel and turns its answer into the Result.
func (a *Adapter) cancel(ctx context.Context, key string, req *CancelRequest) *schemev1.Result {
	resp, err := a.client.Cancel(ctx, req)
	if err == nil {
		err = samePartnerOrderID(resp.PartnerOrderID, key)
	}
	var refusal *Error
	if errors.As(err, &refusal) && refusal.ErrorCode == ErrCodeAlreadyCancelled {
		// Another Cancel got there first: the payment is void, as asked.
		r := &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS,
			SchemeCode: errorResult(refusal).SchemeCode, Message: "already cancelled"}
		a.calls.Answered(ctx, "cancel", key, r)
		return r
	}
	if err != nil {
		return a.failedCall(ctx, "cancel", key, err)
	}
	r := &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS, SchemeCode: contract.SchemeText(resp.Status)}
	a.calls.Answered(ctx, "cancel", key, r)
	return r
}

// Refund returns all or part of a paid payment through a partial cancel
// that carries the refund key as its payload. KakaoPay keeps the payload
// with the cancel and shows it in the order's payment_action_details, so a
// repeat of the refund finds its cancel there and answers from it instead of
// cancelling twice.
func (a *Adapter) Refund(ctx context.Context, req *schemev1.RefundRequest) (*schemev1.RefundResponse, error) {
	if err := limits.CheckRefund(req); err != nil {
		return nil, err
	}
	refundKey, paymentKey, won := req.GetRefundIdempotencyKey(), req.GetPaymentIdempotencyKey(), req.GetAmount().GetMinorUnits()
	if req.GetAmount().GetCurrency() != Currency {
		return &schemev1.RefundResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT, "",
			"KakaoPay refunds KRW only")}, nil
	}
	order, err := a.order(ctx, paymentKey)
	if err != nil {
		return &schemev1.RefundResponse{Result: a.failedCall(ctx, "refund", refundKey, err)}, nil
	}
	if done, ok := refundFromHistory(order, refundKey, won); ok {
		a.calls.Answered(ctx, "refund", refundKey, done.Result, slog.String("payment", paymentKey))
		return done, nil
	}
	available := order.CancelAvailableAmount.Total
	resp, err := a.client.Cancel(ctx, &CancelRequest{
		CID:                   a.cid,
		TID:                   order.TID,
		CancelAmount:          won,
		CancelTaxFreeAmount:   0, // the adapter's payments are never tax free
		CancelAvailableAmount: &available,
		Payload:               refundKey,
	})
	if err == nil {
		err = samePartnerOrderID(resp.PartnerOrderID, paymentKey)
	}
	if err == nil && resp.Payload != "" && resp.Payload != refundKey {
		err = errOtherRequest
	}
	if err != nil {
		return &schemev1.RefundResponse{Result: a.failedCall(ctx, "refund", refundKey, err, slog.String("payment", paymentKey))}, nil
	}
	out := &schemev1.RefundResponse{
		Result:         &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS, SchemeCode: contract.SchemeText(resp.Status)},
		SchemeRefundId: resp.AID,
		WalletAmount:   wonMoney(resp.ApprovedCancelAmount.Total, contract.CopyMoney(req.GetAmount())),
	}
	a.calls.Answered(ctx, "refund", refundKey, out.Result, slog.String("payment", paymentKey))
	return out, nil
}

// refundFromHistory answers a repeated refund from the cancel that carries
// its key: the same amount is the same refund, another amount is another
// request under a used key.
func refundFromHistory(order *OrderResponse, refundKey string, won int64) (*schemev1.RefundResponse, bool) {
	for _, action := range order.PaymentActionDetails {
		if action.PaymentActionType != ActionCancel || action.Payload != refundKey {
			continue
		}
		if action.Amount != won {
			return &schemev1.RefundResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_IDEMPOTENCY_MISMATCH, "",
				"refund key already used for another amount")}, true
		}
		return &schemev1.RefundResponse{
			Result:         &schemev1.Result{Status: schemev1.ResultStatus_RESULT_STATUS_SUCCESS, SchemeCode: contract.SchemeText(order.Status)},
			SchemeRefundId: action.AID,
			WalletAmount:   &schemev1.Money{Currency: Currency, MinorUnits: action.Amount},
		}, true
	}
	return nil, false
}
