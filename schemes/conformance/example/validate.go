package example

import (
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
)

// maxKeyLength bounds an idempotency key; the gateway's are far shorter.
const maxKeyLength = 64

// invalid is the answer to a malformed request: InvalidArgument naming the
// field, never quoting its value (it could be a wallet code).
func invalid(field, problem string) error {
	return status.Errorf(codes.InvalidArgument, "%s %s", field, problem)
}

func (a *Adapter) checkPay(req *schemev1.PayRequest) error {
	if err := checkKey("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if req.GetPaymentCode() == "" {
		return invalid("payment_code", "is required")
	}
	return checkMoney("amount", req.GetAmount())
}

func checkRefund(req *schemev1.RefundRequest) error {
	if err := checkKey("refund_idempotency_key", req.GetRefundIdempotencyKey()); err != nil {
		return err
	}
	if err := checkKey("payment_idempotency_key", req.GetPaymentIdempotencyKey()); err != nil {
		return err
	}
	return checkMoney("amount", req.GetAmount())
}

func checkOrder(req *schemev1.CreateOrderRequest) error {
	if err := checkKey("idempotency_key", req.GetIdempotencyKey()); err != nil {
		return err
	}
	if req.GetExpiresInSeconds() < 0 {
		return invalid("expires_in_seconds", "must not be negative")
	}
	return checkMoney("amount", req.GetAmount())
}

func checkKey(field, key string) error {
	switch {
	case key == "":
		return invalid(field, "is required")
	case len(key) > maxKeyLength:
		return invalid(field, "is longer than 64 characters")
	}
	return nil
}

func checkMoney(field string, m *schemev1.Money) error {
	switch {
	case m == nil:
		return invalid(field, "is required")
	case len(m.GetCurrency()) != 3:
		return invalid(field+".currency", "must be an ISO 4217 code")
	case m.GetMinorUnits() <= 0:
		return invalid(field+".minor_units", "must be positive")
	}
	return nil
}
