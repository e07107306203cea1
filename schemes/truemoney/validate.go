package truemoney

import (
	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/emvco"
)

// limits are TrueMoney's bounds on the contract's requests. TrueMoney does
// not publish a limit on external_ref_id and external_refund_ref_id; 64 is
// far above the gateway's keys. A QR order lives at most a day.
var limits = contract.Limits{KeyLengthMax: 64, ExpiresInSecondsMax: 24 * 60 * 60}

// maxCodeLength bounds a payment code sent to the wallet. TrueMoney codes
// are 18 digits and an EMVCo consumer-presented payload at most
// emvco.PayloadLengthMax characters; anything longer is not a code and is
// refused without a call, so no wallet ever sees it.
const maxCodeLength = emvco.PayloadLengthMax

func checkPay(req *schemev1.PayRequest) error {
	if err := limits.CheckPay(req); err != nil {
		return err
	}
	return checkMerchantCurrency(req.GetMerchantAmount())
}

func checkOrder(req *schemev1.CreateOrderRequest) error {
	if err := limits.CheckCreateOrder(req); err != nil {
		return err
	}
	return checkMerchantCurrency(req.GetMerchantAmount())
}

// checkMerchantCurrency checks the optional merchant amount's currency,
// which must be one whose exponent is known: TrueMoney's metadata takes the
// amount as a decimal string.
func checkMerchantCurrency(m *schemev1.Money) error {
	if m == nil {
		return nil
	}
	if _, ok := fx.ByCode(m.GetCurrency()); !ok {
		return contract.InvalidArgument("merchant_amount.currency", "is not an ISO 4217 currency")
	}
	return nil
}
