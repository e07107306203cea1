package simkit

import (
	"slices"
	"time"
)

// Status is the state of a simulated payment or order.
type Status string

// Payment states. A payment starts processing, paid or failed; an order
// (CreateOrder) starts awaiting the customer, then is scanned (Scan) into
// one of the others, or expires.
const (
	StatusProcessing Status = "processing"
	StatusPaid       Status = "paid"
	StatusFailed     Status = "failed"
	StatusCancelled  Status = "cancelled"
	// StatusAwaitingCustomer: an order nobody has scanned yet. Nothing is
	// charged; Inquire reports it apart from processing, so an adapter can
	// answer "pending".
	StatusAwaitingCustomer Status = "awaiting-customer"
	// StatusExpired: an order not scanned by its ExpiresAt. Final, nothing
	// charged.
	StatusExpired Status = "expired"
)

// knownStatus reports whether s is one of the states above.
func knownStatus(s Status) bool {
	switch s {
	case StatusProcessing, StatusPaid, StatusFailed, StatusCancelled, StatusAwaitingCustomer, StatusExpired:
		return true
	}
	return false
}

// Payment is the ledger record of one payment or order, under the partner's
// request id (its idempotency key). It is plain data, written to and read
// back from the ledger file and served as JSON by GET /sim/ledger.
type Payment struct {
	// RequestID is the partner's id of the payment: its idempotency key.
	RequestID string `json:"requestId"`
	// WalletTxnID is the wallet's own id of the payment (Config.FormatID).
	WalletTxnID string `json:"walletTxnId"`
	// Placeholder is set for a payment cancelled before its pay or order
	// request ever arrived: it holds no money and makes any later pay or
	// order under that id fail.
	Placeholder bool     `json:"placeholder,omitempty"`
	Scenario    Scenario `json:"scenario,omitempty"`
	// Decline is why the amount rule declined a failed payment.
	Decline Decline `json:"decline,omitempty"`
	// Currency and MinorUnits are the amount charged, in the wallet's
	// currency.
	Currency   string `json:"currency,omitempty"`
	MinorUnits int64  `json:"minorUnits"`
	// MerchantCurrency and MerchantMinorUnits are the amount the merchant
	// asked for, in the merchant's currency, when the partner sent it (zero
	// otherwise); the amount rule is applied to it.
	MerchantCurrency   string `json:"merchantCurrency,omitempty"`
	MerchantMinorUnits int64  `json:"merchantMinorUnits,omitempty"`
	// Code is the customer's code masked to its first and last 4
	// characters; the full code is never stored.
	Code        string `json:"code,omitempty"`
	WalletBrand string `json:"walletBrand,omitempty"`
	CustomerID  string `json:"customerId,omitempty"`
	Status      Status `json:"status"`
	// ResultCode is the wallet's own result code of a failed or expired
	// payment (Codes), as the simulator answers it.
	ResultCode string `json:"resultCode,omitempty"`
	// OrderToken is set for an order: the opaque id its QR payload carries,
	// by which Scan finds it.
	OrderToken string `json:"orderToken,omitempty"`
	// ExpiresAt is when an order still awaiting the customer expires.
	ExpiresAt   time.Time `json:"expiresAt,omitzero"`
	CreatedAt   time.Time `json:"createdAt"`
	ScannedAt   time.Time `json:"scannedAt,omitzero"`
	PaidAt      time.Time `json:"paidAt,omitzero"`
	CancelledAt time.Time `json:"cancelledAt,omitzero"`
	// SettleAt is when a slow (93) payment becomes paid unless cancelled.
	SettleAt time.Time `json:"settleAt,omitzero"`
	// PaysAtInquiry is, for the 91 rule, the value of Inquiries at which
	// the payment becomes paid.
	PaysAtInquiry int `json:"paysAtInquiry,omitempty"`
	// LoseNextInquiry is the 96 rule of an order: the next inquiry is
	// answered with a server error, once.
	LoseNextInquiry bool `json:"loseNextInquiry,omitempty"`
	// Charges counts how often the customer was charged; more than one is a
	// double charge, which Check reports.
	Charges int `json:"charges"`
	// Reversed is what a cancel returned to the customer.
	Reversed int64 `json:"reversed"`
	// Refunded is what successful refunds returned to the customer.
	Refunded  int64    `json:"refunded"`
	RefundIDs []string `json:"refundIds,omitempty"`
	// PayCalls counts the pay or order requests received under RequestID.
	PayCalls int `json:"payCalls"`
	// Inquiries counts the inquiries answered for it.
	Inquiries int `json:"inquiries"`
	// RequestHash identifies the request's content, to tell a repeat from a
	// different request under the same id (Ledger.Hash).
	RequestHash string `json:"requestHash,omitempty"`
}

// IsOrder reports whether p is a merchant-presented order (CreateOrder).
func (p Payment) IsOrder() bool {
	return p.OrderToken != ""
}

// Refund is the ledger record of one refund request, successful or not: a
// repeat gets the same answer either way.
type Refund struct {
	// RequestID is the partner's id of the refund: its idempotency key.
	RequestID        string `json:"requestId"`
	WalletTxnID      string `json:"walletTxnId,omitempty"`
	PaymentRequestID string `json:"paymentRequestId"`
	Currency         string `json:"currency"`
	MinorUnits       int64  `json:"minorUnits"`
	// Outcome is OutcomeOK for a refund that returned the money, else why
	// it was refused.
	Outcome     Outcome   `json:"outcome"`
	CreatedAt   time.Time `json:"createdAt"`
	RequestHash string    `json:"requestHash,omitempty"`
}

// Succeeded reports whether the refund returned its amount.
func (r Refund) Succeeded() bool {
	return r.Outcome == OutcomeOK
}

// Snapshot is the whole ledger at one moment, as GET /sim/ledger serves it.
type Snapshot struct {
	Payments []Payment `json:"payments"`
	Refunds  []Refund  `json:"refunds"`
}

// Outcome is what a ledger command did, in neutral terms; each simulator
// answers it with its wallet's result code.
type Outcome string

// Outcomes of ledger commands. Each command's doc says which it returns.
const (
	// OutcomeOK: done as asked, or a repeat answered from the record; the
	// payment's Status says where it stands.
	OutcomeOK Outcome = "ok"
	// OutcomeFull: the ledger holds Config.MaxEntries; nothing recorded.
	OutcomeFull Outcome = "ledger-full"
	// OutcomeMismatch: the request id is recorded with other content.
	OutcomeMismatch Outcome = "mismatch"
	// OutcomeClosed: the payment was cancelled (or cancelled before it
	// arrived: a placeholder).
	OutcomeClosed Outcome = "closed"
	// OutcomeNotFound: no payment, order or order token by that id.
	OutcomeNotFound Outcome = "not-found"
	// OutcomeNotPaid: a refund of a payment that holds no money
	// (processing, failed, expired, awaiting the customer).
	OutcomeNotPaid Outcome = "not-paid"
	// OutcomeCurrencyMismatch: a refund in another currency than the
	// payment's.
	OutcomeCurrencyMismatch Outcome = "currency-mismatch"
	// OutcomeCancelWindowClosed: a cancel later than Config.CancelWindow.
	OutcomeCancelWindowClosed Outcome = "cancel-window-closed"
	// OutcomeRefundWindowClosed: a refund later than Config.RefundWindow.
	OutcomeRefundWindowClosed Outcome = "refund-window-closed"
	// OutcomeRefundExceeds: a refund above what is left of the payment.
	OutcomeRefundExceeds Outcome = "refund-exceeds"
	// OutcomeRefunded: a cancel of a payment already (partly) refunded.
	OutcomeRefunded Outcome = "already-refunded"
	// OutcomeExpired: a scan of an order that expired.
	OutcomeExpired Outcome = "expired"
	// OutcomeAlreadyScanned: a scan of an order that was scanned before.
	OutcomeAlreadyScanned Outcome = "already-scanned"
)

// Codes are a wallet's own result codes for what the ledger decides, kept
// in Payment.ResultCode so the ledger shows what the simulator answered.
type Codes struct {
	// Declines holds a code for every Decline of the amount rule.
	Declines map[Decline]string
	// Expired is the code of an order that expired unpaid.
	Expired string
}

func copyPayment(p *Payment) Payment {
	c := *p
	c.RefundIDs = slices.Clone(p.RefundIDs)
	return c
}
