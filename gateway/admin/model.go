package admin

import (
	"maps"
	"slices"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// AcquirerStatus says whether an acquirer may use the admin API.
type AcquirerStatus string

const (
	AcquirerActive AcquirerStatus = "active"
	// AcquirerSuspended: every call of the acquirer is refused
	// (PermissionDenied); its merchants keep transacting.
	AcquirerSuspended AcquirerStatus = "suspended"
)

// Acquirer is a tenant of the gateway.
type Acquirer struct {
	ID        string
	Name      string
	Status    AcquirerStatus
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MerchantStatus is where a merchant stands. Closed is final.
type MerchantStatus string

const (
	MerchantActive    MerchantStatus = "active"
	MerchantSuspended MerchantStatus = "suspended"
	MerchantClosed    MerchantStatus = "closed"
)

// FrequencyLimits bound how often one terminal of a merchant may charge;
// zero means no limit. They are stored and served; nothing enforces them
// yet (the risk engine that will reads them from the store).
type FrequencyLimits struct {
	PurchasesPerTerminalPerMinute uint32
	PurchasesPerTerminalPerDay    uint32
}

// Merchant is a merchant as its acquirer manages it: the engine's
// payment.Merchant and what the admin API adds to it. The engine reads the
// same row per request (see Payment), so a change answers the next
// terminal request.
type Merchant struct {
	ID          string // DE 42
	AcquirerID  string
	LegalName   string
	TradingName string
	MCC         string
	Country     string // ISO 3166-1 alpha-2
	City        string
	Currency    string // ISO 4217 alphabetic
	Schemes     []string
	// MarkupPercent is the FX mark-up by scheme ID, as exact decimal text
	// ("1.50"); it overrides the configured mark-ups on the next purchase
	// that needs a conversion. Nil or empty: the configured ones.
	MarkupPercent map[string]string
	MaxAmount     int64 // minor units; 0: no limit of the merchant's own
	Limits        FrequencyLimits
	Status        MerchantStatus
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Payment returns the merchant as the payment engine reads it: a merchant
// that is not active is suspended there, so that its terminals are
// declined (RC 03).
func (m *Merchant) Payment() *payment.Merchant {
	return &payment.Merchant{
		ID: m.ID, LegalName: m.LegalName, TradingName: m.TradingName, MCC: m.MCC,
		Country: m.Country, City: m.City, Currency: m.Currency,
		Schemes:   slices.Clone(m.Schemes),
		Suspended: m.Status != MerchantActive,
		MaxAmount: m.MaxAmount,
		CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
	}
}

// Clone returns a deep copy of m.
func (m *Merchant) Clone() *Merchant {
	c := *m
	c.Schemes = slices.Clone(m.Schemes)
	c.MarkupPercent = maps.Clone(m.MarkupPercent)
	return &c
}

// Outlet is one of a merchant's stores (the API's Store; the Go name keeps
// it apart from the storage interface, Store). Its ID is unique within its
// merchant.
type Outlet struct {
	ID         string
	MerchantID string
	Name       string
	Address    string
	City       string
	CreatedAt  time.Time
}

// Terminals are the engine's own payment.Terminal rows: an acquirer owns a
// terminal through its merchant, and a suspended terminal is declined.

// APIKey is an acquirer's API key as stored: its public ID and the
// SHA-256 of its secret, never the secret.
type APIKey struct {
	ID         string
	AcquirerID string
	Name       string
	SecretHash []byte
	// CreatedBy is the actor that issued it.
	CreatedBy string
	CreatedAt time.Time
	// RevokedAt is when it was revoked; zero while it is valid.
	RevokedAt time.Time
}

// AuditEvent is one entry of the audit log: who changed what, when, and
// how. Change is a JSON object and never holds a secret.
type AuditEvent struct {
	// ID increases in the order events are written; the store sets it.
	ID         int64
	AcquirerID string
	// Actor is "key:<key ID>", "cert:<subject>" or "operator".
	Actor string
	// Action is "<object kind>.<verb>", e.g. "merchant.suspend".
	Action string
	// Object names what changed, e.g. "merchants/M1".
	Object    string
	RequestID string
	Change    string
	// At is when; the store sets it when zero.
	At time.Time
}

// Request identifies a client's create (or refund) for idempotency: a
// repeat with the same ID and Hash returns what the first one made, a
// repeat with the same ID and another Hash is ErrRequestMismatch. Audit is
// appended in the same transaction as the change, with RequestID set to
// ID.
type Request struct {
	// ID is the client's request_id, unique per acquirer.
	ID string
	// Hash identifies the request's content (method included).
	Hash  string
	Audit AuditEvent
	// Result is what a request recorded with Store.RecordRequest resolved
	// to, returned to its repeats; creates record the created object's ID.
	Result string
}
