package truemoney

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	schemev1 "github.com/meridian-gw/meridian/proto/meridian/scheme/v1"
	"github.com/meridian-gw/meridian/schemes/contract"
	"github.com/meridian-gw/meridian/schemes/emvco"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// How a TrueMoney Thai QR order is laid out in its EMVCo merchant-presented
// payload. TrueMoney does not publish its template; this is the package's
// model, and the simulator builds payloads so.
const (
	// QRAccountTag is the merchant account template of the order: 30, the
	// slot Thai QR gives bill payments.
	QRAccountTag = "30"
	// QRGUID is the template's sub-field 00.
	QRGUID = "COM.TRUEMONEY"
	// QRTokenField is the sub-field holding the order token the wallet app
	// looks the order up by.
	QRTokenField = "01"
	// QRExternalRefField is the sub-field holding the partner's
	// external_ref_id. It is not in the Additional Data reference label
	// (62/05): that holds at most 25 characters, the gateway's keys are 32.
	QRExternalRefField = "02"
	// QRCurrencyNumeric is '53' of every order: THB.
	QRCurrencyNumeric = "764"
)

// errQRPayload: the wallet made an order whose QR the terminal must not
// show. The order may exist, so the outcome is UNKNOWN and the gateway
// closes it.
var errQRPayload = errors.New("truemoney: QR payload unusable")

// CreateOrder opens a Thai QR order through the create-QR-order endpoint
// and returns its EMVCo payload, checked before it is handed out.
func (a *Adapter) CreateOrder(ctx context.Context, req *schemev1.CreateOrderRequest) (*schemev1.CreateOrderResponse, error) {
	if err := checkOrder(req); err != nil {
		return nil, err
	}
	key := req.GetIdempotencyKey()
	if req.GetAmount().GetCurrency() != CurrencyTHB {
		return &schemev1.CreateOrderResponse{Result: contract.LocalFailure(schemev1.FailureReason_FAILURE_REASON_INVALID_AMOUNT,
			StatusCurrencyNotSupported, "TrueMoney charges THB only")}, nil
	}
	resp, err := a.client.CreateQROrder(ctx, orderRequestFor(req))
	if err == nil && resp.Data != nil && resp.Data.ExternalRefID != "" && resp.Data.ExternalRefID != key {
		err = errOtherRequest
	}
	if err == nil && resp.Status.Code == StatusSuccess {
		err = checkOrderQR(resp.Data, key, req.GetAmount().GetMinorUnits())
	}
	if err != nil {
		a.calls.Unknown(ctx, "create_order", key, err)
		return &schemev1.CreateOrderResponse{Result: contract.Unknown(err)}, nil
	}
	out := &schemev1.CreateOrderResponse{Result: statusResult(resp.Status, false)}
	if out.Result.Status == schemev1.ResultStatus_RESULT_STATUS_SUCCESS {
		o := resp.Data
		out.SchemeTransactionId, out.QrPayload, out.ExpiresAt = o.TransactionID, o.QRPayload, o.ExpiresAt
		out.QrFormat = schemev1.QRFormat_QR_FORMAT_EMVCO_MPM
	}
	a.calls.Answered(ctx, "create_order", key, out.Result, slog.String("qr", walletcode.Mask(out.QrPayload)))
	return out, nil
}

// checkOrderQR checks that an order's payload is a valid EMVCo MPM for this
// order: TrueMoney's template naming the order's key, THB, and the amount
// asked for. A payload that charged another amount, or paid another order,
// must never reach a customer.
func checkOrderQR(o *QROrder, key string, satang int64) error {
	if o == nil || o.QRPayload == "" {
		return fmt.Errorf("%w: no payload", errQRPayload)
	}
	mpm, err := emvco.ParseMPM(o.QRPayload)
	if err != nil {
		return fmt.Errorf("%w: %w", errQRPayload, err)
	}
	if mpm.Currency != QRCurrencyNumeric {
		return fmt.Errorf("%w: currency %s, want %s", errQRPayload, mpm.Currency, QRCurrencyNumeric)
	}
	if amount, err := emvco.ParseAmount(mpm.Amount, thbExponent); err != nil || amount != satang {
		return fmt.Errorf("%w: amount %q, want %s", errQRPayload, mpm.Amount, FormatAmount(satang))
	}
	account, ok := QRAccount(mpm)
	if !ok {
		return fmt.Errorf("%w: no %s template", errQRPayload, QRGUID)
	}
	if field(account.Fields, QRExternalRefField) != key {
		return fmt.Errorf("%w: payload names another order", errQRPayload)
	}
	if field(account.Fields, QRTokenField) == "" {
		return fmt.Errorf("%w: no order token", errQRPayload)
	}
	return nil
}

// QRAccount returns the TrueMoney merchant account template of a payload.
func QRAccount(mpm *emvco.MPM) (emvco.MerchantAccount, bool) {
	for _, account := range mpm.MerchantAccounts {
		if account.Tag == QRAccountTag && account.GUID == QRGUID {
			return account, true
		}
	}
	return emvco.MerchantAccount{}, false
}

// field returns the value of sub-field id, or "".
func field(fields []emvco.Field, id string) string {
	for _, f := range fields {
		if f.ID == id {
			return f.Value
		}
	}
	return ""
}
