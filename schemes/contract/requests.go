// Package contract is what every scheme adapter does with the messages of
// the scheme adapter contract (proto/meridian/scheme/v1), whatever its
// wallet: it checks the requests, answering a malformed one with a gRPC
// InvalidArgument that names the field; it builds the results of a call
// whose outcome is not known and of a request refused before the wallet is
// called; it bounds and scrubs wallet text copied into a result; and it
// logs each call's outcome the same way. What differs between wallets (how
// long a key may be, which currencies are charged, the wallet's result
// table) stays in the adapter and comes in as parameters.
package contract

import (
	"fmt"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// InvalidArgument is the gRPC error for a malformed request: it names the
// field so the caller can fix it, and never quotes the field's value, which
// could be a wallet code.
func InvalidArgument(field, problem string) error {
	return status.Errorf(codes.InvalidArgument, "%s %s", field, problem)
}

// Limits are a wallet's own bounds on the contract's request fields. The
// zero value of each field means no bound beyond what the contract asks.
type Limits struct {
	// KeyLengthMax bounds the idempotency keys, which become the wallet's
	// request ids, in bytes.
	KeyLengthMax int
	// MerchantIDLengthMax bounds merchant.merchant_id, in bytes.
	MerchantIDLengthMax int
	// ExpiresInSecondsMax bounds CreateOrder's expires_in_seconds.
	ExpiresInSecondsMax int64
}

// CheckPay checks a PayRequest: its key, a payment code, its amount, the
// merchant amount when there is one, and the merchant's id.
func (l Limits) CheckPay(req *schemev1.PayRequest) error {
	if err := l.CheckKey("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if req.GetPaymentCode() == "" {
		return InvalidArgument("payment_code", "is required")
	}
	if err := CheckMoney("amount", req.GetAmount()); err != nil {
		return err
	}
	if err := CheckOptionalMoney("merchant_amount", req.GetMerchantAmount()); err != nil {
		return err
	}
	return l.checkMerchant(req.GetMerchant())
}

// CheckCreateOrder checks a CreateOrderRequest: its key, its amount, the
// merchant amount when there is one, its lifetime and the merchant's id.
func (l Limits) CheckCreateOrder(req *schemev1.CreateOrderRequest) error {
	if err := l.CheckKey("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if err := CheckMoney("amount", req.GetAmount()); err != nil {
		return err
	}
	if err := CheckOptionalMoney("merchant_amount", req.GetMerchantAmount()); err != nil {
		return err
	}
	switch s := req.GetExpiresInSeconds(); {
	case l.ExpiresInSecondsMax > 0 && (s < 0 || s > l.ExpiresInSecondsMax):
		return InvalidArgument("expires_in_seconds", fmt.Sprintf("must be between 0 and %d", l.ExpiresInSecondsMax))
	case s < 0:
		return InvalidArgument("expires_in_seconds", "must not be negative")
	}
	return l.checkMerchant(req.GetMerchant())
}

// CheckRefund checks a RefundRequest: its key, the key of the payment it
// returns and its amount.
func (l Limits) CheckRefund(req *schemev1.RefundRequest) error {
	if err := l.CheckKey("refund_idempotency_key", req.GetRefundIdempotencyKey()); err != nil {
		return err
	}
	if err := l.CheckKey("payment_idempotency_key", req.GetPaymentIdempotencyKey()); err != nil {
		return err
	}
	return CheckMoney("amount", req.GetAmount())
}

// CheckKey checks the idempotency key in field: present, and no longer than
// KeyLengthMax. Inquire and Cancel carry nothing else to check.
func (l Limits) CheckKey(field, key string) error {
	return checkText(field, key, l.KeyLengthMax)
}

func (l Limits) checkMerchant(m *schemev1.MerchantInfo) error {
	return checkText("merchant.merchant_id", m.GetMerchantId(), l.MerchantIDLengthMax)
}

// checkText checks a required text field of at most lengthMax bytes (zero:
// any length).
func checkText(field, value string, lengthMax int) error {
	switch {
	case value == "":
		return InvalidArgument(field, "is required")
	case lengthMax > 0 && len(value) > lengthMax:
		return InvalidArgument(field, fmt.Sprintf("is longer than %d characters", lengthMax))
	}
	return nil
}

// CheckMoney checks a required amount: a three-letter upper-case ISO 4217
// code and a positive number of minor units.
func CheckMoney(field string, m *schemev1.Money) error {
	if m == nil {
		return InvalidArgument(field, "is required")
	}
	return CheckOptionalMoney(field, m)
}

// CheckOptionalMoney checks an amount the contract lets the gateway leave
// out (merchant_amount): when present it must be as CheckMoney asks.
func CheckOptionalMoney(field string, m *schemev1.Money) error {
	switch {
	case m == nil:
		return nil
	case m.GetCurrency() == "":
		return InvalidArgument(field+".currency", "is required")
	case !IsCurrencyCode(m.GetCurrency()):
		return InvalidArgument(field+".currency", "must be three upper-case letters (ISO 4217)")
	case m.GetMinorUnits() <= 0:
		return InvalidArgument(field+".minor_units", "must be positive")
	}
	return nil
}

// IsCurrencyCode reports whether s has the form of an ISO 4217 alphabetic
// code: three upper-case ASCII letters.
func IsCurrencyCode(s string) bool {
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

// CopyMoney returns a copy of m (nil for nil), so that a response never
// aliases its request.
func CopyMoney(m *schemev1.Money) *schemev1.Money {
	if m == nil {
		return nil
	}
	return &schemev1.Money{Currency: m.GetCurrency(), MinorUnits: m.GetMinorUnits()}
}
