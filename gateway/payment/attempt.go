package payment

import (
	"time"
)

// Kind says what an attempt asks of the scheme.
type Kind string

const (
	KindPurchase Kind = "purchase"
	KindRefund   Kind = "refund"
	// KindReversal records a terminal's reversal (0400/0420) so that its
	// repeats are recognised; it moves no money itself (the purchase it
	// reverses is cancelled) and is final when created.
	KindReversal Kind = "reversal"
)

// State is where an attempt stands. The final states are Approved, Declined,
// Cancelled and Refunded; every other state has work left that the engine
// drives to a final state, also across restarts.
type State string

const (
	// StatePending: the intent is journaled and the scheme call is (about to
	// be) sent; its answer is not yet known.
	StatePending State = "pending"
	// StateUnknown: the scheme answered "unknown" or did not answer; the
	// engine inquires.
	StateUnknown State = "unknown"
	// StateCancelPending: the engine decided to cancel (unknown past the
	// budget, or a reversal) and the cancel is not yet confirmed.
	StateCancelPending State = "cancel_pending"
	// StateRefundPending: the cancel window had passed; a full refund is not
	// yet confirmed.
	StateRefundPending State = "refund_pending"

	StateApproved  State = "approved"
	StateDeclined  State = "declined"
	StateCancelled State = "cancelled"
	StateRefunded  State = "refunded"
)

// Final reports whether nothing is left to do for an attempt in state s.
func (s State) Final() bool {
	switch s {
	case StateApproved, StateDeclined, StateCancelled, StateRefunded:
		return true
	}
	return false
}

// Reason says why an attempt was declined. It is a closed set that the
// terminal front end maps to response codes in one table.
type Reason string

const (
	ReasonNone              Reason = ""
	ReasonDoNotHonour       Reason = "do_not_honour"
	ReasonInsufficientFunds Reason = "insufficient_funds"
	ReasonCodeExpired       Reason = "code_expired"
	ReasonRiskDeclined      Reason = "risk_declined"
	ReasonLimitExceeded     Reason = "limit_exceeded"
	ReasonInvalidCode       Reason = "invalid_code"
	ReasonInvalidAmount     Reason = "invalid_amount"
	ReasonNotFound          Reason = "not_found"
	ReasonMerchantDisabled  Reason = "merchant_not_enabled"
	ReasonInvalidRequest    Reason = "invalid_request"
	ReasonKeyMismatch       Reason = "idempotency_mismatch"
	// ReasonTimeout: the outcome stayed unknown past the host budget; the
	// payment was cancelled.
	ReasonTimeout Reason = "timeout"
	// ReasonUnavailable: the scheme could not be reached.
	ReasonUnavailable Reason = "unavailable"
	// ReasonOrderExpired: the customer did not pay a merchant-presented
	// order before it expired; it was cancelled.
	ReasonOrderExpired Reason = "order_expired"
	// ReasonReversed: the terminal reversed the purchase.
	ReasonReversed Reason = "reversed"
	// ReasonSystem: the gateway failed (store, programming error).
	ReasonSystem Reason = "system"
)

// Money is an amount in the minor units of an ISO 4217 currency.
type Money struct {
	Minor    int64
	Currency string // ISO 4217 alphabetic, e.g. "EUR"
}

// TerminalKey identifies a terminal request: DE 41 + DE 11 + DE 7. A second
// request with the same key is a repeat and gets the first answer.
type TerminalKey struct {
	TerminalID string
	STAN       string
	// TransmissionTime is DE 7 as sent, MMDDhhmmss.
	TransmissionTime string
}

// Attempt is one money-moving request to a scheme (a purchase or a refund)
// and everything the gateway knows of it. The store journals every change.
type Attempt struct {
	// ID is the gateway's idempotency key for the scheme; unique everywhere.
	ID   string
	Kind Kind
	// RRN is the retrieval reference number (DE 37), 12 characters, assigned
	// by the store when the attempt is created.
	RRN        string
	Key        TerminalKey
	MerchantID string
	Scheme     string
	// CodeMasked is the wallet code with all but its first and last four
	// characters masked. The full code is never stored.
	CodeMasked string
	// RequestHash identifies the request's content, so that a repeat with the
	// same key but different content is told apart (RC 94).
	RequestHash string
	Amount      Money

	State  State
	Reason Reason
	// SchemeCode is the scheme's own result code of the last answer.
	SchemeCode string

	ApprovalCode string
	SchemeTxnID  string
	WalletAmount Money
	WalletBrand  string
	// Conversion is the FX quote locked for a purchase charged in another
	// currency than the merchant's (WalletAmount is then what was charged);
	// zero when none applied. It is fixed at creation.
	Conversion Conversion
	// Settlement is what the merchant is settled, in its own currency.
	Settlement  Money
	OriginalID  string // refunds: the purchase refunded
	OriginalRRN string // refunds: DE 48 tag 20 as sent

	// Order is set for a merchant-presented purchase (DE 22 821): the
	// terminal shows a QR the customer pays by scanning. It is fixed at
	// creation except for its QR fields, set once the scheme made the order.
	Order Order

	// Tries counts scheme calls made to resolve a non-final attempt;
	// NextActionAt is when the resolver next looks at it.
	Tries        int
	NextActionAt time.Time
	// FlaggedAt is when the resolver gave up on a non-final attempt (it
	// stayed unresolved past the give-up age) and flagged it for manual
	// review; zero otherwise. A flagged attempt is no longer retried.
	FlaggedAt time.Time
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Conversion is a locked FX quote as the journal keeps it: exact decimals
// as text, so that the record reads the same everywhere.
type Conversion struct {
	QuoteID string
	// ReferenceRate is the ECB euro reference rate (or cross rate through
	// the euro) of merchant currency to wallet currency; AppliedRate is it
	// with MarkupPercent added, the rate the customer was charged at.
	ReferenceRate string
	AppliedRate   string
	MarkupPercent string
	Source        string
	AsOf          time.Time
	Rounding      string
}

// Order describes a merchant-presented purchase.
type Order struct {
	// Presented marks the purchase as merchant-presented; the other fields
	// are empty until the scheme has created the order.
	Presented bool
	// QRPayload is what the terminal displays (DE 48 tag 03); it names the
	// order, not the customer.
	QRPayload string
	// QRFormat is "emvco_mpm", "url" or "text".
	QRFormat string
	// ExpiresAt is when the order stops taking payment; the engine cancels
	// it then if the customer has not paid.
	ExpiresAt time.Time
}

// Created reports whether the scheme created the order and the terminal can
// show it.
func (o Order) Created() bool { return o.Presented && o.QRPayload != "" }

// Applied reports whether a conversion was locked.
func (c Conversion) Applied() bool { return c.QuoteID != "" }

// Event is one entry of an attempt's journal: what happened, and when.
type Event struct {
	AttemptID string
	At        time.Time
	// Type names the step, e.g. "intent", "pay_sent", "pay_result",
	// "inquire_result", "cancel_result", "answered".
	Type string
	// Detail is a short human-readable note; never a wallet code or key.
	Detail string
}

// Merchant is an onboarded merchant as the engine needs it.
type Merchant struct {
	ID          string // DE 42, 15 characters at most
	LegalName   string
	TradingName string
	MCC         string
	Country     string // ISO 3166-1 alpha-2
	City        string
	Currency    string // ISO 4217 alphabetic
	Schemes     []string
	Suspended   bool
	MaxAmount   int64 // minor units; 0: no limit beyond the scheme's
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Terminal is a POS terminal of a merchant.
type Terminal struct {
	ID         string // DE 41, 8 characters
	MerchantID string
	StoreID    string
	Suspended  bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// SchemeEnabled reports whether the merchant accepts scheme.
func (m *Merchant) SchemeEnabled(scheme string) bool {
	for _, s := range m.Schemes {
		if s == scheme {
			return true
		}
	}
	return false
}
