package kakaopay

import (
	"cmp"
	"time"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
)

// maxItemNameLength is KakaoPay's limit on item_name, in characters.
const maxItemNameLength = 100

// barcodeRequestFor builds the barcode payment for a validated PayRequest.
// The body depends only on req and the configuration, never on the clock, so
// a repeat of the same Pay sends the same content and KakaoPay's idempotency
// on partner_order_id sees a repeat.
func (a *Adapter) barcodeRequestFor(req *schemev1.PayRequest) *BarcodeRequest {
	return &BarcodeRequest{
		CID:            a.cid,
		PartnerOrderID: req.GetIdempotencyKey(),
		PartnerUserID:  req.GetMerchant().GetMerchantId(),
		Barcode:        req.GetPaymentCode(),
		ItemName:       itemName(req.GetOrderDescription(), req.GetMerchant()),
		Quantity:       1,
		TotalAmount:    req.GetAmount().GetMinorUnits(),
		TaxFreeAmount:  0,
		MerchantAmount: merchantAmount(req.GetMerchantAmount()),
	}
}

// readyRequestFor builds the ready call for a validated CreateOrderRequest
// that may be paid for lifetime.
func (a *Adapter) readyRequestFor(req *schemev1.CreateOrderRequest, lifetime time.Duration) *ReadyRequest {
	return &ReadyRequest{
		CID:              a.cid,
		PartnerOrderID:   req.GetIdempotencyKey(),
		PartnerUserID:    req.GetMerchant().GetMerchantId(),
		ItemName:         itemName(req.GetOrderDescription(), req.GetMerchant()),
		Quantity:         1,
		TotalAmount:      req.GetAmount().GetMinorUnits(),
		TaxFreeAmount:    0,
		ApprovalURL:      a.redirectBaseURL + "/approval",
		CancelURL:        a.redirectBaseURL + "/cancel",
		FailURL:          a.redirectBaseURL + "/fail",
		ExpiresInSeconds: int64(lifetime / time.Second),
		MerchantAmount:   merchantAmount(req.GetMerchantAmount()),
	}
}

// itemName is what the customer's KakaoPay history shows: the order
// description, or else the merchant's name.
func itemName(description string, m *schemev1.MerchantInfo) string {
	return contract.Truncate(cmp.Or(description, m.GetTradingName(), m.GetLegalName(), m.GetMerchantId()), maxItemNameLength)
}

func merchantAmount(m *schemev1.Money) *MerchantAmount {
	if m == nil {
		return nil
	}
	return &MerchantAmount{Currency: m.GetCurrency(), MinorUnits: m.GetMinorUnits()}
}

// wonMoney is an amount in won as the contract's Money; fallback when
// KakaoPay sent none.
func wonMoney(won int64, fallback *schemev1.Money) *schemev1.Money {
	if won <= 0 {
		return fallback
	}
	return &schemev1.Money{Currency: Currency, MinorUnits: won}
}

// rfc3339 converts a KakaoPay time for the contract. The time is
// informational: an unreadable one is left out rather than turning a known
// outcome into an unknown one.
func rfc3339(kakaoTime string) string {
	if kakaoTime == "" {
		return ""
	}
	t, err := ParseTime(kakaoTime)
	if err != nil {
		return ""
	}
	return t.Format(time.RFC3339)
}
