package truemoney

import (
	"cmp"

	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// maxDescriptionLength bounds a description or refund reason sent.
const maxDescriptionLength = 256

// terminalTypePOS is the terminal type of the gateway's terminals.
const terminalTypePOS = "POS"

// payRequestFor builds the payment-by-code request for a validated
// PayRequest charged in THB. The body depends only on req, never on the
// clock, so a repeat of the same Pay sends the same content and TrueMoney's
// idempotency sees a repeat.
func payRequestFor(req *schemev1.PayRequest) *PaymentByCodeRequest {
	m := req.GetMerchant()
	return &PaymentByCodeRequest{
		ExternalRefID: req.GetIdempotencyKey(),
		PaymentCode:   req.GetPaymentCode(),
		Amount:        FormatAmount(req.GetAmount().GetMinorUnits()),
		Currency:      CurrencyTHB,
		Description:   contract.Truncate(cmp.Or(req.GetOrderDescription(), merchantName(m)), maxDescriptionLength),
		Metadata:      metadataFor(m, req.GetMerchantAmount()),
	}
}

// orderRequestFor builds the create-QR-order request for a validated
// CreateOrderRequest charged in THB.
func orderRequestFor(req *schemev1.CreateOrderRequest) *CreateQROrderRequest {
	m := req.GetMerchant()
	return &CreateQROrderRequest{
		ExternalRefID: req.GetIdempotencyKey(),
		Amount:        FormatAmount(req.GetAmount().GetMinorUnits()),
		Currency:      CurrencyTHB,
		Description:   contract.Truncate(cmp.Or(req.GetOrderDescription(), merchantName(m)), maxDescriptionLength),
		Metadata:      metadataFor(m, req.GetMerchantAmount()),
		ExpiresIn:     req.GetExpiresInSeconds(),
	}
}

// refundRequestFor builds the refund request for a validated RefundRequest
// in THB.
func refundRequestFor(req *schemev1.RefundRequest) *RefundRequest {
	return &RefundRequest{
		ExternalRefID:       req.GetPaymentIdempotencyKey(),
		ExternalRefundRefID: req.GetRefundIdempotencyKey(),
		Amount:              FormatAmount(req.GetAmount().GetMinorUnits()),
		Currency:            CurrencyTHB,
		Reason:              contract.Truncate(req.GetReason(), maxDescriptionLength),
	}
}

// metadataFor describes the merchant, and the merchant's own amount when
// the gateway gave it (validated: its currency is in the ISO 4217 table).
func metadataFor(m *schemev1.MerchantInfo, merchantAmount *schemev1.Money) Metadata {
	md := Metadata{
		MerchantID:   m.GetMerchantId(),
		MerchantName: merchantName(m),
		MCC:          m.GetMcc(),
		Country:      m.GetCountry(),
		City:         m.GetCity(),
		StoreID:      m.GetStoreId(),
		TerminalID:   m.GetTerminalId(),
		TerminalType: terminalTypePOS,
	}
	if merchantAmount != nil {
		if c, ok := fx.ByCode(merchantAmount.GetCurrency()); ok {
			md.MerchantAmount = FormatDecimal(merchantAmount.GetMinorUnits(), c.Exponent)
			md.MerchantCurrency = c.Code
		}
	}
	return md
}

func merchantName(m *schemev1.MerchantInfo) string {
	return cmp.Or(m.GetTradingName(), m.GetLegalName(), m.GetMerchantId())
}

// moneyFrom converts a TrueMoney amount. A missing or unreadable amount
// gives fallback: the amount is informational here, never a reason to turn
// a known outcome into an unknown one.
func moneyFrom(amount, currency string, fallback *schemev1.Money) *schemev1.Money {
	if amount == "" || currency != CurrencyTHB {
		return fallback
	}
	units, err := ParseAmount(amount)
	if err != nil {
		return fallback
	}
	return &schemev1.Money{Currency: CurrencyTHB, MinorUnits: units}
}
