package alipayplus

import (
	"cmp"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// maxDescriptionLength is Alipay+'s limit on orderDescription.
const maxDescriptionLength = 256

// payRequestFor builds the Alipay+ pay request for a validated PayRequest.
// The body depends only on req, never on the clock, so a repeat of the same
// Pay sends the same content and Alipay+'s idempotency sees a repeat.
func payRequestFor(req *schemev1.PayRequest) *PayRequest {
	m := req.GetMerchant()
	amount := NewAmount(req.GetAmount().GetCurrency(), req.GetAmount().GetMinorUnits())
	orderAmount := amount
	if ma := req.GetMerchantAmount(); ma.GetCurrency() != "" && ma.GetMinorUnits() > 0 {
		// Alipay+'s order amount is the merchant's, before conversion.
		orderAmount = NewAmount(ma.GetCurrency(), ma.GetMinorUnits())
	}
	name := cmp.Or(m.GetTradingName(), m.GetLegalName(), m.GetMerchantId())
	order := Order{
		ReferenceOrderID: req.GetIdempotencyKey(),
		OrderDescription: contract.Truncate(cmp.Or(req.GetOrderDescription(), name), maxDescriptionLength),
		OrderAmount:      orderAmount,
		Merchant: Merchant{
			ReferenceMerchantID: m.GetMerchantId(),
			MerchantName:        name,
			MerchantMCC:         m.GetMcc(),
			// Alipay+ requires the store for in-store payments; a merchant
			// without stores is its own single store.
			Store: &Store{
				ReferenceStoreID: cmp.Or(m.GetStoreId(), m.GetMerchantId()),
				StoreName:        name,
				StoreMCC:         m.GetMcc(),
			},
		},
	}
	if m.GetCountry() != "" {
		order.Merchant.MerchantAddress = &Address{Region: m.GetCountry(), City: m.GetCity()}
	}
	if m.GetTerminalId() != "" {
		order.Env = &Env{StoreTerminalID: m.GetTerminalId()}
	}
	return &PayRequest{
		ProductCode:      ProductCodeInStorePayment,
		PaymentRequestID: req.GetIdempotencyKey(),
		Order:            order,
		PaymentAmount:    amount,
		PaymentMethod:    PaymentMethod{PaymentMethodType: PaymentMethodConnectWallet, PaymentMethodID: req.GetPaymentCode()},
		PaymentFactor:    &PaymentFactor{IsInStorePayment: "true", InStorePaymentScenario: InStoreScenarioPaymentCode},
	}
}

// refundRequestFor builds the Alipay+ refund request for a validated
// RefundRequest.
func refundRequestFor(req *schemev1.RefundRequest) *RefundRequest {
	return &RefundRequest{
		PaymentRequestID: req.GetPaymentIdempotencyKey(),
		RefundRequestID:  req.GetRefundIdempotencyKey(),
		RefundAmount:     NewAmount(req.GetAmount().GetCurrency(), req.GetAmount().GetMinorUnits()),
		RefundReason:     contract.Truncate(req.GetReason(), maxDescriptionLength),
	}
}

// moneyFrom converts an Alipay+ amount. A missing or unreadable amount gives
// fallback: the amount is informational here, never a reason to turn a
// known outcome into an unknown one.
func moneyFrom(a *Amount, fallback *schemev1.Money) *schemev1.Money {
	if a == nil {
		return fallback
	}
	units, err := a.MinorUnits()
	if err != nil || !contract.IsCurrencyCode(a.Currency) {
		return fallback
	}
	return &schemev1.Money{Currency: a.Currency, MinorUnits: units}
}
