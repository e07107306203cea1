package alipayplus

import (
	"context"
	"log/slog"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// maxOrderExpiry is the longest PaymentExpiryTime Alipay+ accepts for an
// order code.
const maxOrderExpiry = 30 * time.Minute

// CreateOrder opens a merchant-presented order code through POST
// /payments/pay with the OrderCode scenario. Alipay+ answers it "in
// process" with the code to show: that is success for the order, whose
// payment is then learned by Inquire under the same key.
func (a *Adapter) CreateOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	if err := limits.CheckCreateOrder(req); err != nil {
		return nil, err
	}
	key := req.GetIdempotencyKey()
	if !a.currencies[req.GetAmount().GetCurrency()] {
		return &schemev1.CreateOrderResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
			CodeCurrencyNotSupport, "currency is not charged through Alipay+")}, nil
	}
	resp, err := a.client.Pay(ctx, a.orderRequestFor(req))
	if err == nil {
		err = sameRequestID(resp.PaymentRequestID, key)
	}
	if err != nil {
		a.calls.Unknown(ctx, "create_order", key, err)
		return &schemev1.CreateOrderResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.CreateOrderResponse{Result: orderResult(resp), SchemeTransactionId: resp.PaymentID}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		out.QrPayload, out.ExpiresAt = orderCode(resp.OrderCodeForm)
		out.QrFormat = schemev1.QRFormat_QR_FORMAT_EMVCO_MPM
	}
	a.calls.Answered(ctx, "create_order", key, out.Result, slog.Bool("has_code", out.QrPayload != ""))
	return out, nil
}

// orderRequestFor builds the pay request of an order code: a payment
// request without a customer's code, whose expiry the gateway chose.
func (a *Adapter) orderRequestFor(req *schemev1.CreateOrderRequest) *PayRequest {
	p := payRequestFor(&schemev1.PayRequest{
		IdempotencyKey:   req.GetIdempotencyKey(),
		Amount:           req.GetAmount(),
		Merchant:         req.GetMerchant(),
		OrderDescription: req.GetOrderDescription(),
		MerchantAmount:   req.GetMerchantAmount(),
	})
	p.PaymentMethod.PaymentMethodID = ""
	p.PaymentFactor.InStorePaymentScenario = InStoreScenarioOrderCode
	if s := req.GetExpiresInSeconds(); s > 0 {
		d := min(time.Duration(s)*time.Second, maxOrderExpiry)
		p.PaymentExpiryTime = a.now().Add(d).Format(time.RFC3339)
	}
	return p
}

// orderResult reads the answer to an order code's pay request: "in
// process" with a code to show is the order made; a failure is final; any
// other answer leaves it unknown.
func orderResult(resp *PayResponse) *schemev1.Result {
	r := callResult(resp.Result)
	code, _ := orderCode(resp.OrderCodeForm)
	if r.Status == schemev1.ResultStatus_RESULT_STATUS_FAILURE {
		return r
	}
	if code == "" {
		r.Status, r.Reason = schemev1.ResultStatus_RESULT_STATUS_UNKNOWN, schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
		return r
	}
	r.Status, r.Reason = schemev1.ResultStatus_RESULT_STATUS_SUCCESS, schemev1.FailureReason_FAILURE_REASON_UNSPECIFIED
	return r
}

// orderCode picks the text form of an order code, the payload a terminal
// renders, and its expiry.
func orderCode(f *OrderCodeForm) (payload, expiresAt string) {
	if f == nil {
		return "", ""
	}
	for _, d := range f.CodeDetails {
		if d.DisplayType == DisplayTypeText && d.CodeValue != "" {
			return d.CodeValue, f.ExpireTime
		}
	}
	return "", f.ExpireTime
}
