package alipayplus

import (
	"fmt"
	"strconv"
)

// Paths of the Alipay+ acquirer (ACQP) endpoints. The signature covers the
// path, so these are also what the simulator serves.
const (
	PathPay            = "/aps/api/v1/payments/pay"
	PathInquiryPayment = "/aps/api/v1/payments/inquiryPayment"
	PathCancelPayment  = "/aps/api/v1/payments/cancelPayment"
	PathRefund         = "/aps/api/v1/payments/refund"
)

// Values of Result.ResultStatus.
const (
	// ResultSuccess: the call succeeded; final.
	ResultSuccess = "S"
	// ResultFailure: the call failed; final, no money moved by this call.
	ResultFailure = "F"
	// ResultUnknown: the outcome is not known yet; inquire or retry.
	ResultUnknown = "U"
)

// Values of InquiryPaymentResponse.PaymentStatus.
const (
	PaymentStatusSuccess    = "SUCCESS"
	PaymentStatusFail       = "FAIL"
	PaymentStatusProcessing = "PROCESSING"
	PaymentStatusCancelled  = "CANCELLED"
)

// Alipay+ result codes this package and its simulator use. The mapping of
// each code to the contract's failure reasons is in results.go.
const (
	CodeSuccess                   = "SUCCESS"
	CodeAccessDenied              = "ACCESS_DENIED"
	CodeBusinessNotSupport        = "BUSINESS_NOT_SUPPORT"
	CodeCancelWindowExceed        = "CANCEL_WINDOW_EXCEED"
	CodeCurrencyNotSupport        = "CURRENCY_NOT_SUPPORT"
	CodeExpiredCode               = "EXPIRED_CODE"
	CodeInvalidAPI                = "INVALID_API"
	CodeInvalidClient             = "INVALID_CLIENT"
	CodeInvalidCode               = "INVALID_CODE"
	CodeInvalidContract           = "INVALID_CONTRACT"
	CodeInvalidSignature          = "INVALID_SIGNATURE"
	CodeKeyNotFound               = "KEY_NOT_FOUND"
	CodeMediaTypeNotAcceptable    = "MEDIA_TYPE_NOT_ACCEPTABLE"
	CodeMerchantNotRegistered     = "MERCHANT_NOT_REGISTERED"
	CodeMethodNotSupported        = "METHOD_NOT_SUPPORTED"
	CodeNoInterfaceDef            = "NO_INTERFACE_DEF"
	CodeOrderIsClosed             = "ORDER_IS_CLOSED"
	CodeOrderNotExist             = "ORDER_NOT_EXIST"
	CodeParamIllegal              = "PARAM_ILLEGAL"
	CodePaymentAmountExceedLimit  = "PAYMENT_AMOUNT_EXCEED_LIMIT"
	CodePaymentCountExceedLimit   = "PAYMENT_COUNT_EXCEED_LIMIT"
	CodePaymentInProcess          = "PAYMENT_IN_PROCESS"
	CodeProcessFail               = "PROCESS_FAIL"
	CodeRefundAmountExceed        = "REFUND_AMOUNT_EXCEED"
	CodeRefundWindowExceed        = "REFUND_WINDOW_EXCEED"
	CodeRegulationRestriction     = "REGULATION_RESTRICTION"
	CodeRepeatReqInconsistent     = "REPEAT_REQ_INCONSISTENT"
	CodeRequestTrafficExceedLimit = "REQUEST_TRAFFIC_EXCEED_LIMIT"
	CodeRiskReject                = "RISK_REJECT"
	CodeUnavailablePaymentMethod  = "UNAVAILABLE_PAYMENT_METHOD"
	CodeUnknownException          = "UNKNOWN_EXCEPTION"
	CodeUserAmountExceedLimit     = "USER_AMOUNT_EXCEED_LIMIT"
	CodeUserBalanceNotEnough      = "USER_BALANCE_NOT_ENOUGH"
	CodeUserKYCNotQualified       = "USER_KYC_NOT_QUALIFIED"
	CodeUserNotExist              = "USER_NOT_EXIST"
	CodeUserPaymentVerifyFailed   = "USER_PAYMENT_VERIFICATION_FAILED"
	CodeUserStatusAbnormal        = "USER_STATUS_ABNORMAL"
)

// Fixed values of the in-store user-presented (payment code) scenario.
const (
	ProductCodeInStorePayment  = "IN_STORE_PAYMENT"
	PaymentMethodConnectWallet = "CONNECT_WALLET"
	InStoreScenarioPaymentCode = "PaymentCode"
)

// InStoreScenarioOrderCode is PaymentFactor.InStorePaymentScenario of a
// merchant-presented order code ("Merchant-presented Mode Payment (Order
// Code)"): the pay request has the same productCode, a paymentMethod of
// type CONNECT_WALLET without a paymentMethodId, and optionally
// PaymentExpiryTime; the answer is U PAYMENT_IN_PROCESS with the code to
// show in OrderCodeForm, and the order is then a payment under its
// paymentRequestId like any other (inquiryPayment, cancelPayment, refund).
const InStoreScenarioOrderCode = "OrderCode"

// Values of CodeDetail.DisplayType: how the merchant shows the code. TEXT
// is the QR payload itself; the image types are pictures of it in three
// sizes.
const (
	DisplayTypeText        = "TEXT"
	DisplayTypeSmallImage  = "SMALLIMAGE"
	DisplayTypeMiddleImage = "MIDDLEIMAGE"
	DisplayTypeBigImage    = "BIGIMAGE"
)

// Values of CodeDetail.CodeValueType.
const (
	CodeValueTypeQRCode  = "QRCODE"
	CodeValueTypeBarcode = "BARCODE"
)

// Values of InquiryPaymentResponse.SimOrderStatus.
const (
	// SimOrderAwaitingCustomer: nobody has scanned the order code yet and
	// it has not expired; the contract's RESULT_STATUS_PENDING.
	SimOrderAwaitingCustomer = "AWAITING_CUSTOMER"
	// SimOrderScanned: the customer scanned the code; PaymentStatus says
	// what became of the payment.
	SimOrderScanned = "SCANNED"
	// SimOrderClosed: the order closed unscanned, expired or cancelled.
	SimOrderClosed = "CLOSED"
)

// OrderCodeGUID is the globally unique identifier in the EMVCo merchant
// account information template (tag 26, sub-tag 00) of the order codes the
// simulator issues; sub-tag 01 holds the order's token.
const OrderCodeGUID = "COM.ALIPAYPLUS"

// Amount is an Alipay+ amount: an ISO 4217 currency and the value in that
// currency's minor units, as a decimal string (Alipay+ sends every scalar
// as a JSON string).
type Amount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

// NewAmount returns the Amount of minorUnits in currency.
func NewAmount(currency string, minorUnits int64) Amount {
	return Amount{Currency: currency, Value: strconv.FormatInt(minorUnits, 10)}
}

// MinorUnits parses Value. Only plain non-negative decimal digits are
// accepted: a sign, spaces or a decimal point would mean the sender does not
// speak minor units, and guessing would move the wrong amount.
func (a Amount) MinorUnits() (int64, error) {
	if a.Value == "" || len(a.Value) > 18 {
		return 0, fmt.Errorf("amount value %q: want 1 to 18 digits", a.Value)
	}
	for i := 0; i < len(a.Value); i++ {
		if a.Value[i] < '0' || a.Value[i] > '9' {
			return 0, fmt.Errorf("amount value %q: want digits only", a.Value)
		}
	}
	return strconv.ParseInt(a.Value, 10, 64)
}

// Result is the outcome of one Alipay+ API call.
type Result struct {
	ResultCode    string `json:"resultCode"`
	ResultStatus  string `json:"resultStatus"`
	ResultMessage string `json:"resultMessage,omitempty"`
}

// PaymentMethod names how the customer pays; for a payment code it is
// CONNECT_WALLET with the scanned code as PaymentMethodID.
type PaymentMethod struct {
	PaymentMethodType string `json:"paymentMethodType"`
	// PaymentMethodID is the customer's payment code. Secret: never log it.
	// Absent for an order code (InStoreScenarioOrderCode).
	PaymentMethodID string `json:"paymentMethodId,omitempty"`
}

// PaymentFactor marks the payment scenario; here the in-store
// user-presented (payment code) one.
type PaymentFactor struct {
	IsInStorePayment       string `json:"isInStorePayment,omitempty"`
	InStorePaymentScenario string `json:"inStorePaymentScenario,omitempty"`
}

// Address is where the merchant is: Region is ISO 3166-1 alpha-2.
type Address struct {
	Region string `json:"region"`
	City   string `json:"city,omitempty"`
}

// Store is the point of sale; Alipay+ requires it for in-store payments.
type Store struct {
	ReferenceStoreID string `json:"referenceStoreId"`
	StoreName        string `json:"storeName"`
	StoreMCC         string `json:"storeMCC,omitempty"`
}

// Merchant identifies the merchant to Alipay+.
type Merchant struct {
	ReferenceMerchantID string   `json:"referenceMerchantId"`
	MerchantName        string   `json:"merchantName"`
	MerchantMCC         string   `json:"merchantMCC"`
	MerchantAddress     *Address `json:"merchantAddress,omitempty"`
	Store               *Store   `json:"store,omitempty"`
}

// Env describes the environment of the order, here the terminal.
type Env struct {
	StoreTerminalID string `json:"storeTerminalId,omitempty"`
}

// Order is what the customer buys, shown in the wallet's history.
// OrderAmount is the amount in the merchant's currency, before any
// conversion to PaymentAmount's (the contract's merchant_amount).
type Order struct {
	ReferenceOrderID string   `json:"referenceOrderId"`
	OrderDescription string   `json:"orderDescription"`
	OrderAmount      Amount   `json:"orderAmount"`
	Merchant         Merchant `json:"merchant"`
	Env              *Env     `json:"env,omitempty"`
}

// PayRequest is the body of POST /aps/api/v1/payments/pay. PaymentRequestID
// is Alipay+'s idempotency key for the payment.
type PayRequest struct {
	ProductCode      string         `json:"productCode"`
	PaymentRequestID string         `json:"paymentRequestId"`
	Order            Order          `json:"order"`
	PaymentAmount    Amount         `json:"paymentAmount"`
	PaymentMethod    PaymentMethod  `json:"paymentMethod"`
	PaymentFactor    *PaymentFactor `json:"paymentFactor,omitempty"`
	// PaymentExpiryTime is when an order code stops accepting payment,
	// RFC 3339; Alipay+ documents at most 30 minutes ahead. Only for
	// InStoreScenarioOrderCode; absent takes the wallet's default.
	PaymentExpiryTime string `json:"paymentExpiryTime,omitempty"`
}

// PayResponse is the body of the pay response.
type PayResponse struct {
	Result           Result  `json:"result"`
	PaymentRequestID string  `json:"paymentRequestId,omitempty"`
	PaymentID        string  `json:"paymentId,omitempty"`
	PaymentTime      string  `json:"paymentTime,omitempty"`
	PaymentAmount    *Amount `json:"paymentAmount,omitempty"`
	CustomerID       string  `json:"customerId,omitempty"`
	WalletBrandName  string  `json:"walletBrandName,omitempty"`
	PspID            string  `json:"pspId,omitempty"`
	// OrderCodeForm is the code to show, for an order code.
	OrderCodeForm *OrderCodeForm `json:"orderCodeForm,omitempty"`
}

// OrderCodeForm is the order code Alipay+ issues for a merchant-presented
// order: the same code in one or more forms, and when it expires.
type OrderCodeForm struct {
	PaymentMethodType string       `json:"paymentMethodType,omitempty"`
	ExpireTime        string       `json:"expireTime,omitempty"`
	CodeDetails       []CodeDetail `json:"codeDetails"`
	ExtendInfo        string       `json:"extendInfo,omitempty"`
}

// CodeDetail is one form of an order code. For DisplayTypeText, CodeValue
// is the QR payload to render; the simulator's is an EMVCo merchant-
// presented payload.
type CodeDetail struct {
	CodeValueType string `json:"codeValueType,omitempty"`
	CodeValue     string `json:"codeValue"`
	DisplayType   string `json:"displayType"`
}

// InquiryPaymentRequest is the body of POST
// /aps/api/v1/payments/inquiryPayment: one of the two ids is required.
type InquiryPaymentRequest struct {
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
}

// InquiryPaymentResponse is the body of the inquiryPayment response. Result
// says whether the inquiry worked; PaymentStatus and PaymentResult say what
// happened to the payment.
type InquiryPaymentResponse struct {
	Result           Result  `json:"result"`
	PaymentResult    *Result `json:"paymentResult,omitempty"`
	PaymentStatus    string  `json:"paymentStatus,omitempty"`
	PaymentRequestID string  `json:"paymentRequestId,omitempty"`
	PaymentID        string  `json:"paymentId,omitempty"`
	PaymentTime      string  `json:"paymentTime,omitempty"`
	PaymentAmount    *Amount `json:"paymentAmount,omitempty"`
	CustomerID       string  `json:"customerId,omitempty"`
	WalletBrandName  string  `json:"walletBrandName,omitempty"`
	// SimOrderStatus is not part of Alipay+: the simulator adds it to the
	// inquiry of an order code (SimOrderAwaitingCustomer and the others),
	// because Alipay+ answers PROCESSING both while an order waits for the
	// customer and while a scanned payment is in process. Absent for a
	// payment, and from the real Alipay+.
	SimOrderStatus string `json:"simOrderStatus,omitempty"`
}

// CancelPaymentRequest is the body of POST /aps/api/v1/payments/cancelPayment.
type CancelPaymentRequest struct {
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
}

// CancelPaymentResponse is the body of the cancelPayment response.
type CancelPaymentResponse struct {
	Result           Result `json:"result"`
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
	CancelTime       string `json:"cancelTime,omitempty"`
}

// RefundRequest is the body of POST /aps/api/v1/payments/refund.
// RefundRequestID is Alipay+'s idempotency key for the refund.
type RefundRequest struct {
	PaymentRequestID string `json:"paymentRequestId,omitempty"`
	PaymentID        string `json:"paymentId,omitempty"`
	RefundRequestID  string `json:"refundRequestId"`
	RefundAmount     Amount `json:"refundAmount"`
	RefundReason     string `json:"refundReason,omitempty"`
}

// RefundResponse is the body of the refund response.
type RefundResponse struct {
	Result          Result  `json:"result"`
	RefundRequestID string  `json:"refundRequestId,omitempty"`
	RefundID        string  `json:"refundId,omitempty"`
	RefundTime      string  `json:"refundTime,omitempty"`
	RefundAmount    *Amount `json:"refundAmount,omitempty"`
}
