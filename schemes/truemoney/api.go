package truemoney

// Paths of the TrueMoney partner API as this package models it. TrueMoney
// issues its offline-payment API to partners under contract and publishes
// only its token endpoint, its request signature and its authentication
// error codes; the payment paths below are this package's, and they are
// what the simulator (package sim) serves.
const (
	PathToken         = "/v1/oauth2/token"
	PathPaymentByCode = "/v1/payments/payment-code"
	PathInquiry       = "/v1/payments/inquiry"
	PathVoid          = "/v1/payments/void"
	PathRefund        = "/v1/payments/refund"
	PathCreateQROrder = "/v1/payments/qr-order"
)

// CurrencyTHB is the only currency TrueMoney charges.
const CurrencyTHB = "THB"

// Values of Payment.PaymentStatus.
const (
	// PaymentStatusSuccess: paid; final (refunds change it to one of the
	// REFUNDED statuses, which still mean paid).
	PaymentStatusSuccess = "SUCCESS"
	// PaymentStatusFailed: declined; final, no money moved.
	PaymentStatusFailed = "FAILED"
	// PaymentStatusProcessing: the wallet has not decided yet.
	PaymentStatusProcessing = "PROCESSING"
	// PaymentStatusPending: a QR order waiting for the customer to scan
	// and pay it.
	PaymentStatusPending = "PENDING"
	// PaymentStatusVoided: voided; a paid one was returned in full.
	PaymentStatusVoided = "VOIDED"
	// PaymentStatusExpired: a QR order nobody paid before it expired.
	PaymentStatusExpired = "EXPIRED"
	// PaymentStatusRefunded: paid, then refunded in full.
	PaymentStatusRefunded = "REFUNDED"
	// PaymentStatusPartialRefunded: paid, then refunded in part.
	PaymentStatusPartialRefunded = "PARTIAL_REFUNDED"
)

// Status codes of TrueMoney answers (Status.Code).
//
// The first group is TrueMoney's own, from the error appendix of its
// published merchant API documentation: success, the catch-all error and
// the authentication errors. TrueMoney answers the authentication errors
// with HTTP 400; the simulator answers an invalid or expired access token
// with HTTP 401, and the client refreshes its token on either.
const (
	StatusSuccess                    = "000001"
	StatusSystemError                = "000002"
	StatusAuthorizationMissing       = "020004"
	StatusAuthorizationInvalid       = "020005"
	StatusAccessTokenInvalid         = "020006"
	StatusAccessTokenExpired         = "020007"
	StatusNoPermission               = "020008"
	StatusTimestampMissing           = "020009"
	StatusTimestampInvalid           = "020010"
	StatusClientIDMissing            = "020011"
	StatusSignatureMissing           = "020012"
	StatusSignatureAlgorithmInvalid  = "020013"
	StatusSignatureInvalid           = "020014"
	StatusAccessTokenOfAnotherClient = "020015"
)

// Business status codes. TrueMoney does not publish these; they are this
// package's model of what its wallet answers, numbered in a range its
// published codes do not use. results.go maps each to one contract reason.
const (
	StatusInvalidRequest         = "030001"
	StatusMerchantNotRegistered  = "030003"
	StatusInvalidPaymentCode     = "030101"
	StatusPaymentCodeExpired     = "030102"
	StatusInsufficientBalance    = "030103"
	StatusRiskRejected           = "030104"
	StatusUserLimitExceeded      = "030105"
	StatusAmountOutOfRange       = "030106"
	StatusCurrencyNotSupported   = "030107"
	StatusTransactionDeclined    = "030108"
	StatusTransactionInProcess   = "030109"
	StatusDuplicateExternalRefID = "030110"
	StatusTransactionNotFound    = "030201"
	StatusTransactionVoided      = "030202"
	StatusVoidWindowExpired      = "030203"
	StatusVoidNotAllowed         = "030204"
	StatusRefundExceedsAmount    = "030205"
	StatusTransactionNotPaid     = "030206"
	StatusRefundWindowExpired    = "030207"
	StatusQROrderExpired         = "030208"
	StatusRequestTrafficExceeded = "030901"
)

// Status is the outcome of one TrueMoney API call.
type Status struct {
	Code    string `json:"code"`
	Message string `json:"message,omitempty"`
}

// Response is the body of every TrueMoney API answer: the call's status
// and, when the call succeeded or concerns an existing transaction, its
// data.
type Response[T any] struct {
	Status Status `json:"status"`
	Data   *T     `json:"data,omitempty"`
}

// Metadata travels with a payment or QR order: who the merchant is and,
// when the gateway converted, what the merchant asked for in its own
// currency. TrueMoney keeps it with the transaction and shows it in
// reports; the simulator's amount rule reads MerchantAmount.
type Metadata struct {
	MerchantID   string `json:"merchant_id"`
	MerchantName string `json:"merchant_name,omitempty"`
	MCC          string `json:"mcc,omitempty"`
	Country      string `json:"country,omitempty"`
	City         string `json:"city,omitempty"`
	StoreID      string `json:"store_id,omitempty"`
	TerminalID   string `json:"terminal_id,omitempty"`
	// TerminalType is "POS" for the gateway's terminals, as in TrueMoney's
	// own examples.
	TerminalType string `json:"terminal_type,omitempty"`
	// MerchantAmount is the amount in MerchantCurrency before conversion,
	// a decimal string with that currency's ISO 4217 exponent ("12.34"
	// EUR, "1500" JPY). Empty when the gateway did not say.
	MerchantAmount   string `json:"merchant_amount,omitempty"`
	MerchantCurrency string `json:"merchant_currency,omitempty"`
}

// PaymentByCodeRequest is the body of POST PathPaymentByCode: charge the
// code the customer presented. ExternalRefID is the partner's idempotency
// key for the payment.
type PaymentByCodeRequest struct {
	ExternalRefID string `json:"external_ref_id"`
	// PaymentCode is the scanned code. Secret: never log it.
	PaymentCode string `json:"payment_code"`
	// Amount is in THB, a decimal string with two decimals ("150.00").
	Amount      string   `json:"amount"`
	Currency    string   `json:"currency"`
	Description string   `json:"description,omitempty"`
	Metadata    Metadata `json:"metadata"`
}

// Payment is the data of an answer about a payment or QR order.
type Payment struct {
	TransactionID string `json:"transaction_id,omitempty"`
	ExternalRefID string `json:"external_ref_id"`
	PaymentStatus string `json:"payment_status"`
	Amount        string `json:"amount,omitempty"`
	Currency      string `json:"currency,omitempty"`
	// RefundedAmount is what refunds returned so far, in Currency.
	RefundedAmount string `json:"refunded_amount,omitempty"`
	// FailureCode is the status code a FAILED payment failed with.
	FailureCode string `json:"failure_code,omitempty"`
	// PaidAt and VoidedAt are RFC 3339.
	PaidAt      string `json:"paid_at,omitempty"`
	VoidedAt    string `json:"voided_at,omitempty"`
	WalletBrand string `json:"wallet_brand,omitempty"`
}

// InquiryRequest is the body of POST PathInquiry.
type InquiryRequest struct {
	ExternalRefID string `json:"external_ref_id"`
}

// VoidRequest is the body of POST PathVoid: void a payment or close a QR
// order, returning the money if it was paid.
type VoidRequest struct {
	ExternalRefID string `json:"external_ref_id"`
}

// RefundRequest is the body of POST PathRefund. ExternalRefundRefID is
// the partner's idempotency key for the refund; ExternalRefID names the
// payment.
type RefundRequest struct {
	ExternalRefID       string `json:"external_ref_id"`
	ExternalRefundRefID string `json:"external_refund_ref_id"`
	Amount              string `json:"amount"`
	Currency            string `json:"currency"`
	Reason              string `json:"reason,omitempty"`
}

// Refund is the data of a refund answer.
type Refund struct {
	RefundID            string `json:"refund_id,omitempty"`
	ExternalRefundRefID string `json:"external_refund_ref_id"`
	ExternalRefID       string `json:"external_ref_id,omitempty"`
	Amount              string `json:"amount,omitempty"`
	Currency            string `json:"currency,omitempty"`
	// PaymentStatus is the payment's status after the refund.
	PaymentStatus string `json:"payment_status,omitempty"`
	RefundedAt    string `json:"refunded_at,omitempty"`
}

// CreateQROrderRequest is the body of POST PathCreateQROrder: open a
// merchant-presented order the customer pays by scanning its Thai QR.
type CreateQROrderRequest struct {
	ExternalRefID string   `json:"external_ref_id"`
	Amount        string   `json:"amount"`
	Currency      string   `json:"currency"`
	Description   string   `json:"description,omitempty"`
	Metadata      Metadata `json:"metadata"`
	// ExpiresIn is how long the customer has, in seconds; 0 asks for the
	// wallet's default. The wallet may shorten it.
	ExpiresIn int64 `json:"expires_in,omitempty"`
}

// QROrder is the data of a create-QR-order answer.
type QROrder struct {
	TransactionID string `json:"transaction_id,omitempty"`
	ExternalRefID string `json:"external_ref_id"`
	PaymentStatus string `json:"payment_status,omitempty"`
	// QRPayload is an EMVCo merchant-presented payload (Thai QR).
	QRPayload string `json:"qr_payload,omitempty"`
	Amount    string `json:"amount,omitempty"`
	Currency  string `json:"currency,omitempty"`
	// ExpiresAt is RFC 3339.
	ExpiresAt string `json:"expires_at,omitempty"`
}

// TokenResponse is the body of a successful answer of PathToken (OAuth 2.0
// client credentials, RFC 6749 section 4.4; TrueMoney adds fields of its
// identity server, ignored here).
type TokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	// ExpiresIn is the token's lifetime in seconds.
	ExpiresIn int64  `json:"expires_in"`
	Scope     string `json:"scope,omitempty"`
}

// TokenError is the body of a refused token request (RFC 6749 section
// 5.2).
type TokenError struct {
	Error            string `json:"error"`
	ErrorDescription string `json:"error_description,omitempty"`
}
