package truemoney

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/meridian-gw/meridian/fx"
	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// maxIDLength bounds external_ref_id and external_refund_ref_id.
// TrueMoney does not publish a limit; the gateway's keys are far shorter.
const maxIDLength = 64

// maxCodeLength bounds a payment code sent to the wallet. TrueMoney codes
// are 18 digits and an EMVCo consumer-presented payload a few hundred
// characters; anything longer is not a code and is refused without a call,
// so no wallet ever sees it.
const maxCodeLength = 512

// maxExpiresIn bounds a QR order's requested lifetime: a day, in seconds.
const maxExpiresIn = 24 * 60 * 60

// invalidArgument is the gRPC error for a malformed request; it names the
// field so the caller can fix it. It never quotes the field's value, which
// could be a wallet code.
func invalidArgument(field, problem string) error {
	return status.Errorf(codes.InvalidArgument, "%s %s", field, problem)
}

func validatePay(req *schemev1.PayRequest) error {
	if err := checkID("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if req.GetPaymentCode() == "" {
		return invalidArgument("payment_code", "is required")
	}
	if err := checkMoney("amount", req.GetAmount()); err != nil {
		return err
	}
	if req.GetMerchant().GetMerchantId() == "" {
		return invalidArgument("merchant.merchant_id", "is required")
	}
	return checkMerchantAmount(req.GetMerchantAmount())
}

func validateOrder(req *schemev1.CreateOrderRequest) error {
	if err := checkID("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if err := checkMoney("amount", req.GetAmount()); err != nil {
		return err
	}
	if req.GetMerchant().GetMerchantId() == "" {
		return invalidArgument("merchant.merchant_id", "is required")
	}
	if s := req.GetExpiresInSeconds(); s < 0 || s > maxExpiresIn {
		return invalidArgument("expires_in_seconds", "must be between 0 and 86400")
	}
	return checkMerchantAmount(req.GetMerchantAmount())
}

func validateRefund(req *schemev1.RefundRequest) error {
	if err := checkID("refund_idempotency_key", req.GetRefundIdempotencyKey()); err != nil {
		return err
	}
	if err := checkID("payment_idempotency_key", req.GetPaymentIdempotencyKey()); err != nil {
		return err
	}
	return checkMoney("amount", req.GetAmount())
}

// checkID checks an idempotency key, which becomes a TrueMoney reference id.
func checkID(field, id string) error {
	switch {
	case id == "":
		return invalidArgument(field, "is required")
	case len(id) > maxIDLength:
		return invalidArgument(field, "is longer than 64 characters")
	}
	return nil
}

// checkMoney checks an amount: a three-letter upper-case ISO 4217 code and a
// positive number of minor units.
func checkMoney(field string, m *schemev1.Money) error {
	if m == nil {
		return invalidArgument(field, "is required")
	}
	if m.GetCurrency() == "" {
		return invalidArgument(field+".currency", "is required")
	}
	if !isCurrencyCode(m.GetCurrency()) {
		return invalidArgument(field+".currency", "must be three upper-case letters (ISO 4217)")
	}
	if m.GetMinorUnits() <= 0 {
		return invalidArgument(field+".minor_units", "must be positive")
	}
	return nil
}

// checkMerchantAmount checks the optional merchant amount. Its currency
// must be one whose exponent is known, as it is sent as a decimal string.
func checkMerchantAmount(m *schemev1.Money) error {
	if m == nil {
		return nil
	}
	if err := checkMoney("merchant_amount", m); err != nil {
		return err
	}
	if _, ok := fx.ByCode(m.GetCurrency()); !ok {
		return invalidArgument("merchant_amount.currency", "is not an ISO 4217 currency")
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}
