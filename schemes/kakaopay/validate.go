package kakaopay

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// maxIDLength is KakaoPay's limit on partner_order_id; the gateway's
// idempotency keys become partner_order_ids and refund keys become cancel
// payloads (at most 200 characters), so both are held to it.
const maxIDLength = 100

// maxCodeLength bounds a barcode sent to KakaoPay. KakaoPay barcodes are 20
// digits and an EMVCo consumer-presented code a few hundred characters;
// anything longer is not a code and is refused without a call, so KakaoPay
// never sees it.
const maxCodeLength = 512

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
	if err := checkOptionalMoney("merchant_amount", req.GetMerchantAmount()); err != nil {
		return err
	}
	return checkMerchant(req.GetMerchant())
}

func validateCreateOrder(req *schemev1.CreateOrderRequest) error {
	if err := checkID("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if err := checkMoney("amount", req.GetAmount()); err != nil {
		return err
	}
	if err := checkOptionalMoney("merchant_amount", req.GetMerchantAmount()); err != nil {
		return err
	}
	if req.GetExpiresInSeconds() < 0 {
		return invalidArgument("expires_in_seconds", "must not be negative")
	}
	return checkMerchant(req.GetMerchant())
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

// checkMerchant checks what KakaoPay needs of the merchant: its id becomes
// partner_user_id, which KakaoPay requires.
func checkMerchant(m *schemev1.MerchantInfo) error {
	switch id := m.GetMerchantId(); {
	case id == "":
		return invalidArgument("merchant.merchant_id", "is required")
	case len(id) > maxIDLength:
		return invalidArgument("merchant.merchant_id", "is longer than 100 characters")
	}
	return nil
}

// checkID checks an idempotency key.
func checkID(field, id string) error {
	switch {
	case id == "":
		return invalidArgument(field, "is required")
	case len(id) > maxIDLength:
		return invalidArgument(field, "is longer than 100 characters")
	}
	return nil
}

// checkMoney checks an amount: a three-letter upper-case ISO 4217 code and a
// positive number of minor units.
func checkMoney(field string, m *schemev1.Money) error {
	if m == nil {
		return invalidArgument(field, "is required")
	}
	return checkOptionalMoney(field, m)
}

// checkOptionalMoney checks an amount the contract lets the gateway leave
// out; when present it must be well formed.
func checkOptionalMoney(field string, m *schemev1.Money) error {
	if m == nil {
		return nil
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
