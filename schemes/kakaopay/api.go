package kakaopay

import (
	"fmt"
	"time"
)

// Paths of the KakaoPay partner API. The four online paths are KakaoPay's
// published open API (host open-api.kakaopay.com); the barcode path is
// modelled (see the package documentation).
const (
	PathReady   = "/online/v1/payment/ready"
	PathApprove = "/online/v1/payment/approve"
	PathOrder   = "/online/v1/payment/order"
	PathCancel  = "/online/v1/payment/cancel"
	// PathBarcode is the modelled in-store barcode (consumer-presented)
	// payment: KakaoPay's offline API is not public.
	PathBarcode = "/offline/v1/payment/barcode"
)

// AuthorizationScheme prefixes the secret key in the Authorization header:
// "Authorization: SECRET_KEY {secret}".
const AuthorizationScheme = "SECRET_KEY"

// Payment statuses, as KakaoPay's order API reports them in Order.Status and
// as its approve and cancel answers carry them. What each means to the
// gateway is in results.go.
const (
	StatusReady             = "READY"               // payment created (ready), nothing done by the customer yet
	StatusSendTMS           = "SEND_TMS"            // payment request message sent to the customer's KakaoTalk
	StatusOpenPayment       = "OPEN_PAYMENT"        // the customer opened KakaoPay's payment screen
	StatusSelectMethod      = "SELECT_METHOD"       // the customer chose a payment method
	StatusARSWaiting        = "ARS_WAITING"         // waiting for the customer's phone (ARS) authentication
	StatusAuthPassword      = "AUTH_PASSWORD"       // the customer authenticated; approval under way
	StatusIssuedSID         = "ISSUED_SID"          // a subscription id was issued (not used in store)
	StatusSuccessPayment    = "SUCCESS_PAYMENT"     // paid
	StatusPartCancelPayment = "PART_CANCEL_PAYMENT" // paid, part of it cancelled (refunded)
	StatusCancelPayment     = "CANCEL_PAYMENT"      // cancelled: nothing of it remains paid
	StatusFailAuthPassword  = "FAIL_AUTH_PASSWORD"  // the customer failed password authentication
	StatusQuitPayment       = "QUIT_PAYMENT"        // the customer left the payment unfinished, or it expired
	StatusFailPayment       = "FAIL_PAYMENT"        // approval failed (declined)
)

// Values of PaymentAction.PaymentActionType.
const (
	ActionPayment = "PAYMENT"
	ActionCancel  = "CANCEL"
)

// Values of PaymentMethodType.
const (
	PaymentMethodMoney = "MONEY"
	PaymentMethodCard  = "CARD"
)

// KakaoPay error codes. KakaoPay answers a refused request with an HTTP 4xx
// or 5xx status and an ErrorResponse whose error_code is negative.
//
// Published (Kakao's common REST error table and KakaoPay's payment API):
// -1, -2, -8, -10, -401, -780 (approval failure, with Extras) and -9798.
// The -7xx codes other than -780 are modelled for the simulator: KakaoPay
// numbers its payment errors in that range, but its full table is part of
// the partner documentation, so these numbers are this package's own. Each
// code's meaning to the gateway is in results.go.
const (
	ErrCodeInternal         = -1    // published: internal error; retry
	ErrCodeInvalidParameter = -2    // published: a parameter is missing or malformed
	ErrCodeInvalidHeader    = -8    // published: a header is missing or malformed
	ErrCodeQuotaExceeded    = -10   // published: request quota exceeded
	ErrCodeUnauthorized     = -401  // published: secret key not valid
	ErrCodeApprovalFailure  = -780  // published: the payment method declined; see Extras
	ErrCodeMaintenance      = -9798 // published: service under maintenance (HTTP 503)

	ErrCodeNotFound             = -721 // modelled: no payment with that tid / partner_order_id
	ErrCodePaymentExpired       = -723 // modelled: the payment (order) expired before it was paid
	ErrCodeInvalidCID           = -730 // modelled: the cid is not this partner's
	ErrCodeInvalidBarcode       = -760 // modelled: the barcode is not a KakaoPay payment code
	ErrCodeRequestInconsistent  = -762 // modelled: partner_order_id reused with other content
	ErrCodeAlreadyCancelled     = -763 // modelled: the payment was cancelled
	ErrCodeCancelWindowClosed   = -764 // modelled: too late to cancel (void); refund instead
	ErrCodeCancelAmountExceeded = -765 // modelled: cancel_amount over what can still be cancelled
	ErrCodeCancelAvailableDiff  = -766 // modelled: cancel_available_amount differs from KakaoPay's
	ErrCodeNotCancellable       = -767 // modelled: nothing paid to cancel (declined, in process)
	ErrCodeAlreadyProcessed     = -768 // modelled: the order was already paid or closed (scan)
	ErrCodeRefundWindowClosed   = -769 // modelled: too late for any cancel, even a refund
)

// Values of Extras.MethodResultCode that accompany ErrCodeApprovalFailure.
// USER_LOCKED is an example from KakaoPay's documentation; the others are
// modelled for the simulator's amount rule.
const (
	MethodUserLocked          = "USER_LOCKED"
	MethodInsufficientBalance = "INSUFFICIENT_BALANCE"
	MethodExpiredBarcode      = "EXPIRED_BARCODE"
	MethodDeclined            = "PAYMENT_DECLINED"
	MethodFDSDeclined         = "FDS_DECLINED" // fraud detection system
	MethodLimitExceeded       = "LIMIT_EXCEEDED"
	// MethodInvalidBarcode is what the order API's modelled extras say of a
	// barcode payment refused because its barcode is not KakaoPay's.
	MethodInvalidBarcode = "INVALID_BARCODE"
)

// TimeLayout is how KakaoPay writes times (created_at, approved_at,
// canceled_at): local time in Korea, without a zone.
const TimeLayout = "2006-01-02T15:04:05"

// KST is Korea Standard Time, UTC+9 all year (Korea keeps no daylight
// saving time), the zone of every KakaoPay time.
var KST = time.FixedZone("KST", 9*60*60)

// FormatTime writes t as KakaoPay does.
func FormatTime(t time.Time) string {
	return t.In(KST).Format(TimeLayout)
}

// ParseTime reads a KakaoPay time.
func ParseTime(s string) (time.Time, error) {
	t, err := time.ParseInLocation(TimeLayout, s, KST)
	if err != nil {
		return time.Time{}, fmt.Errorf("kakaopay: time %q: %w", s, err)
	}
	return t, nil
}

// ErrorResponse is KakaoPay's error body.
type ErrorResponse struct {
	ErrorCode    int     `json:"error_code"`
	ErrorMessage string  `json:"error_message"`
	Extras       *Extras `json:"extras,omitempty"`
}

// Extras details an approval failure with the payment method's own result.
type Extras struct {
	MethodResultCode    string `json:"method_result_code,omitempty"`
	MethodResultMessage string `json:"method_result_message,omitempty"`
}

// Amount is KakaoPay's breakdown of an amount in won (KRW has no minor
// unit, so won are the minor units).
type Amount struct {
	Total   int64 `json:"total"`
	TaxFree int64 `json:"tax_free"`
	VAT     int64 `json:"vat"`
	Point   int64 `json:"point"`
	// Discount is KakaoPay's instant discount, part of Total.
	Discount int64 `json:"discount"`
	// GreenDeposit is the cup deposit; always 0 here.
	GreenDeposit int64 `json:"green_deposit,omitempty"`
}

// MerchantAmount is the modelled field that carries the order amount in the
// merchant's own currency (the contract's merchant_amount), in that
// currency's minor units. KakaoPay's published API has no such field.
type MerchantAmount struct {
	Currency   string `json:"currency"`
	MinorUnits int64  `json:"minor_units"`
}

// ReadyRequest is the body of POST /online/v1/payment/ready.
type ReadyRequest struct {
	CID            string `json:"cid"`
	PartnerOrderID string `json:"partner_order_id"`
	PartnerUserID  string `json:"partner_user_id"`
	ItemName       string `json:"item_name"`
	Quantity       int    `json:"quantity"`
	TotalAmount    int64  `json:"total_amount"`
	TaxFreeAmount  int64  `json:"tax_free_amount"`
	ApprovalURL    string `json:"approval_url"`
	CancelURL      string `json:"cancel_url"`
	FailURL        string `json:"fail_url"`
	// ExpiresInSeconds is modelled: how long the order may be paid. KakaoPay
	// fixes it; the simulator shortens its default to it.
	ExpiresInSeconds int64           `json:"expires_in_seconds,omitempty"`
	MerchantAmount   *MerchantAmount `json:"merchant_amount,omitempty"`
}

// ReadyResponse is the answer to ready.
type ReadyResponse struct {
	TID                   string `json:"tid"`
	NextRedirectAppURL    string `json:"next_redirect_app_url"`
	NextRedirectMobileURL string `json:"next_redirect_mobile_url"`
	NextRedirectPCURL     string `json:"next_redirect_pc_url"`
	AndroidAppScheme      string `json:"android_app_scheme,omitempty"`
	IOSAppScheme          string `json:"ios_app_scheme,omitempty"`
	CreatedAt             string `json:"created_at"`
	// ExpiresAt is modelled: when the order stops being payable.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// BarcodeRequest is the body of the modelled POST
// /offline/v1/payment/barcode: the merchant charges the barcode the customer
// shows in the KakaoPay app. PartnerOrderID is the idempotency key.
type BarcodeRequest struct {
	CID            string `json:"cid"`
	PartnerOrderID string `json:"partner_order_id"`
	PartnerUserID  string `json:"partner_user_id"`
	// Barcode is the customer's payment code. Secret: never log it.
	Barcode        string          `json:"barcode"`
	ItemName       string          `json:"item_name"`
	Quantity       int             `json:"quantity"`
	TotalAmount    int64           `json:"total_amount"`
	TaxFreeAmount  int64           `json:"tax_free_amount"`
	MerchantAmount *MerchantAmount `json:"merchant_amount,omitempty"`
}

// PaymentResponse is the answer to approve and to the modelled barcode
// payment.
type PaymentResponse struct {
	AID               string `json:"aid"`
	TID               string `json:"tid"`
	CID               string `json:"cid"`
	Status            string `json:"status"`
	PartnerOrderID    string `json:"partner_order_id"`
	PartnerUserID     string `json:"partner_user_id"`
	PaymentMethodType string `json:"payment_method_type,omitempty"`
	Amount            Amount `json:"amount"`
	ItemName          string `json:"item_name"`
	Quantity          int    `json:"quantity"`
	CreatedAt         string `json:"created_at"`
	ApprovedAt        string `json:"approved_at,omitempty"`
	Payload           string `json:"payload,omitempty"`
}

// OrderRequest is the body of POST /online/v1/payment/order. KakaoPay's
// order API takes TID; looking a payment up by PartnerOrderID instead (the
// gateway knows only its own key) is modelled.
type OrderRequest struct {
	CID            string `json:"cid"`
	TID            string `json:"tid,omitempty"`
	PartnerOrderID string `json:"partner_order_id,omitempty"`
}

// OrderResponse is the answer to order: the payment's state and history.
type OrderResponse struct {
	TID                   string          `json:"tid"`
	CID                   string          `json:"cid"`
	Status                string          `json:"status"`
	PartnerOrderID        string          `json:"partner_order_id"`
	PartnerUserID         string          `json:"partner_user_id"`
	PaymentMethodType     string          `json:"payment_method_type,omitempty"`
	Amount                Amount          `json:"amount"`
	CanceledAmount        Amount          `json:"canceled_amount"`
	CancelAvailableAmount Amount          `json:"cancel_available_amount"`
	ItemName              string          `json:"item_name"`
	Quantity              int             `json:"quantity"`
	CreatedAt             string          `json:"created_at"`
	ApprovedAt            string          `json:"approved_at,omitempty"`
	CanceledAt            string          `json:"canceled_at,omitempty"`
	PaymentActionDetails  []PaymentAction `json:"payment_action_details"`
	// Extras is modelled: why a FAIL_PAYMENT payment failed, as the
	// approval failure that declined it said.
	Extras *Extras `json:"extras,omitempty"`
}

// PaymentAction is one approval or cancel of a payment, with the payload
// the partner stored with it.
type PaymentAction struct {
	AID               string `json:"aid"`
	ApprovedAt        string `json:"approved_at"`
	Amount            int64  `json:"amount"`
	PointAmount       int64  `json:"point_amount"`
	DiscountAmount    int64  `json:"discount_amount"`
	GreenDeposit      int64  `json:"green_deposit"`
	PaymentActionType string `json:"payment_action_type"`
	Payload           string `json:"payload,omitempty"`
}

// CancelRequest is the body of POST /online/v1/payment/cancel: a full or
// partial cancel of a payment. CancelAvailableAmount, when set, is what the
// partner believes can still be cancelled; KakaoPay refuses the cancel if it
// is not so, which keeps two cancels from racing. Payload is stored with the
// cancel and shown in the order's payment_action_details.
//
// Modelled: PartnerOrderID in place of TID. For a payment KakaoPay does not
// know, such a cancel closes the partner_order_id, so a barcode payment that
// arrives later under it is refused (the gateway may cancel a payment whose
// request is still in flight).
type CancelRequest struct {
	CID                   string `json:"cid"`
	TID                   string `json:"tid,omitempty"`
	PartnerOrderID        string `json:"partner_order_id,omitempty"`
	CancelAmount          int64  `json:"cancel_amount"`
	CancelTaxFreeAmount   int64  `json:"cancel_tax_free_amount"`
	CancelVATAmount       int64  `json:"cancel_vat_amount,omitempty"`
	CancelAvailableAmount *int64 `json:"cancel_available_amount,omitempty"`
	Payload               string `json:"payload,omitempty"`
}

// CancelResponse is the answer to cancel.
type CancelResponse struct {
	AID                   string `json:"aid"`
	TID                   string `json:"tid"`
	CID                   string `json:"cid"`
	Status                string `json:"status"`
	PartnerOrderID        string `json:"partner_order_id"`
	PartnerUserID         string `json:"partner_user_id"`
	PaymentMethodType     string `json:"payment_method_type,omitempty"`
	Amount                Amount `json:"amount"`
	ApprovedCancelAmount  Amount `json:"approved_cancel_amount"`
	CanceledAmount        Amount `json:"canceled_amount"`
	CancelAvailableAmount Amount `json:"cancel_available_amount"`
	ItemName              string `json:"item_name"`
	Quantity              int    `json:"quantity"`
	CreatedAt             string `json:"created_at"`
	ApprovedAt            string `json:"approved_at,omitempty"`
	CanceledAt            string `json:"canceled_at,omitempty"`
	Payload               string `json:"payload,omitempty"`
}

// VATOf is the VAT KakaoPay computes when the partner sends none:
// (total - tax free) / 11, rounded half up.
func VATOf(total, taxFree int64) int64 {
	taxable := total - taxFree
	if taxable <= 0 {
		return 0
	}
	return (2*taxable + 11) / 22
}
