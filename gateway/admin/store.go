package admin

import (
	"context"
	"errors"
	"time"

	"github.com/meridian-gw/meridian/gateway/payment"
)

// Errors a Store returns, wrapped with what it was doing; callers test with
// errors.Is. The server maps each to one gRPC status (errors.go).
var (
	// ErrNotFound: no such object for this acquirer. An object of another
	// acquirer is not found either, so that no caller can learn that it
	// exists. It is payment.ErrNotFound itself, so that errors of either
	// store interface compare equal.
	ErrNotFound = payment.ErrNotFound
	// ErrAlreadyExists: an object with that ID exists (merchant and
	// terminal IDs are unique in the whole gateway, whoever owns them).
	ErrAlreadyExists = errors.New("already exists")
	// ErrRequestMismatch: the request ID was used before with different
	// content.
	ErrRequestMismatch = errors.New("request id already used for a different request")
	// ErrMerchantClosed: the merchant is closed, which is final.
	ErrMerchantClosed = errors.New("merchant is closed")
)

// Store keeps what the admin API manages. Merchants and terminals are the
// payment engine's own rows (payment.Store.Merchant and Terminal read them),
// so that every change is seen by the next terminal request.
//
// Every read and write of a tenant's object takes the acquirer's ID and
// finds only that acquirer's objects: one of another acquirer is
// ErrNotFound. A terminal, a store and a transaction belong to the acquirer
// of their merchant. Every write that takes an AuditEvent appends it in the
// same transaction as the change, setting its ID (and At when zero).
//
// Implementations are safe for concurrent use; a write's context is honoured
// as payment.Store's are.
type Store interface {
	// CreateAcquirer stores a new acquirer, setting its times;
	// ErrAlreadyExists if the ID is taken.
	CreateAcquirer(ctx context.Context, a *Acquirer, ev AuditEvent) error
	// Acquirer returns the acquirer with ID id, or ErrNotFound.
	Acquirer(ctx context.Context, id string) (*Acquirer, error)
	// Acquirers lists every acquirer in ID order.
	Acquirers(ctx context.Context) ([]*Acquirer, error)
	// SetAcquirerStatus sets an acquirer's status. ev is appended only
	// when the status changes.
	SetAcquirerStatus(ctx context.Context, id string, status AcquirerStatus, ev AuditEvent) (*Acquirer, error)

	// CreateAPIKey stores a new key of req.Audit.AcquirerID, setting its
	// CreatedAt, and returns it; a repeat of req returns the key the first
	// one stored.
	CreateAPIKey(ctx context.Context, k *APIKey, req Request) (*APIKey, error)
	// APIKey returns the key with ID id, whatever its acquirer (it is what
	// authenticates a call), or ErrNotFound.
	APIKey(ctx context.Context, id string) (*APIKey, error)
	// APIKeys lists the acquirer's keys, revoked ones too, newest first.
	APIKeys(ctx context.Context, acquirerID string) ([]*APIKey, error)
	// RevokeAPIKey revokes the acquirer's key id now, unless it is revoked
	// already; ev is appended only when it was not.
	RevokeAPIKey(ctx context.Context, acquirerID, id string, ev AuditEvent) (*APIKey, error)

	// MapCertificate makes a client certificate subject authenticate as
	// the acquirer, replacing any earlier mapping of the subject.
	// ErrNotFound for an unknown acquirer.
	MapCertificate(ctx context.Context, subject, acquirerID string, ev AuditEvent) error
	// UnmapCertificate removes a subject's mapping; ErrNotFound if none.
	UnmapCertificate(ctx context.Context, subject string, ev AuditEvent) error
	// CertificateAcquirer returns the acquirer a subject maps to, or
	// ErrNotFound.
	CertificateAcquirer(ctx context.Context, subject string) (string, error)

	// CreateMerchant stores a new merchant of req.Audit.AcquirerID, as
	// the engine's row and the admin profile, setting its times, and
	// returns it; a repeat of req returns the merchant as it now stands.
	// ErrAlreadyExists if the ID is in use by anyone.
	CreateMerchant(ctx context.Context, m *Merchant, req Request) (*Merchant, error)
	// Merchant returns the acquirer's merchant id, or ErrNotFound.
	Merchant(ctx context.Context, acquirerID, id string) (*Merchant, error)
	// Merchants lists the acquirer's merchants in ID order, after
	// q.AfterID, at most q.Limit.
	Merchants(ctx context.Context, q MerchantQuery) ([]*Merchant, error)
	// UpdateMerchant loads the acquirer's merchant id and calls change
	// with a copy of it, in one transaction with the write. If change
	// returns an error nothing is written and UpdateMerchant returns it;
	// if it returns a nil event nothing changed and nothing is written;
	// otherwise the changed merchant (ID, acquirer and times are kept) is
	// stored and the event appended. change runs under the store's write
	// lock: it must be quick and touch nothing else.
	UpdateMerchant(ctx context.Context, acquirerID, id string, change func(m *Merchant) (*AuditEvent, error)) (*Merchant, error)
	// AssignMerchant gives a merchant onboarded outside the admin API
	// (from the configuration file) to an acquirer, which then manages it;
	// ErrNotFound if no such merchant, ErrAlreadyExists if an acquirer
	// has it already.
	AssignMerchant(ctx context.Context, acquirerID, merchantID string, ev AuditEvent) (*Merchant, error)

	// CreateOutlet stores a new store of a merchant of
	// req.Audit.AcquirerID (ErrNotFound if the merchant is not the
	// acquirer's, ErrMerchantClosed if it is closed), setting CreatedAt;
	// a repeat of req returns the store the first one created.
	// ErrAlreadyExists if the merchant has a store with that ID.
	CreateOutlet(ctx context.Context, o *Outlet, req Request) (*Outlet, error)
	// Outlet returns the store merchantID/id of the acquirer, or
	// ErrNotFound.
	Outlet(ctx context.Context, acquirerID, merchantID, id string) (*Outlet, error)
	// Outlets lists the acquirer's stores in (merchant ID, ID) order.
	Outlets(ctx context.Context, q OutletQuery) ([]*Outlet, error)

	// AddTerminal stores a new terminal of a merchant of
	// req.Audit.AcquirerID (ErrNotFound if not the acquirer's, or if
	// t.StoreID names no store of it; ErrMerchantClosed if closed),
	// setting its times; a repeat of req returns the terminal as it now
	// stands. ErrAlreadyExists if the ID is in use by anyone.
	AddTerminal(ctx context.Context, t *payment.Terminal, req Request) (*payment.Terminal, error)
	// Terminal returns the acquirer's terminal id, or ErrNotFound.
	Terminal(ctx context.Context, acquirerID, id string) (*payment.Terminal, error)
	// Terminals lists the acquirer's terminals in ID order.
	Terminals(ctx context.Context, q TerminalQuery) ([]*payment.Terminal, error)
	// UpdateTerminal is UpdateMerchant for a terminal; change also gets
	// the terminal's merchant, read in the same transaction.
	UpdateTerminal(ctx context.Context, acquirerID, id string, change func(t *payment.Terminal, m *Merchant) (*AuditEvent, error)) (*payment.Terminal, error)

	// Transactions lists the attempts of the acquirer's merchants that
	// match q, newest first (CreatedAt, then ID, descending).
	Transactions(ctx context.Context, q TransactionQuery) ([]*payment.Attempt, error)
	// Transaction returns an attempt of the acquirer's merchants by ID,
	// or by RRN when id is empty; ErrNotFound otherwise.
	Transaction(ctx context.Context, acquirerID, id, rrn string) (*payment.Attempt, error)
	// FlaggedTransactions lists the acquirer's attempts flagged for manual
	// review and not final (as payment.Store.FlaggedAttempts), oldest
	// flag first (FlaggedAt, then ID).
	FlaggedTransactions(ctx context.Context, q FlaggedQuery) ([]*payment.Attempt, error)

	// RecordRequest records a request that changes something outside this
	// store (a refund, which the payment engine journals), with req.Result
	// and its audit event, before the change is made. For a repeat (same
	// ID and hash) it writes nothing and returns the first one's Result
	// and true; ErrRequestMismatch when the ID was used with another hash.
	RecordRequest(ctx context.Context, req Request) (result string, repeat bool, err error)
	// PriorRequest returns the hash and result recorded for the
	// acquirer's request ID, or ErrNotFound.
	PriorRequest(ctx context.Context, acquirerID, requestID string) (hash, result string, err error)

	// AuditEvents lists the acquirer's audit log newest first.
	AuditEvents(ctx context.Context, q AuditQuery) ([]AuditEvent, error)
}

// MerchantQuery selects merchants of an acquirer.
type MerchantQuery struct {
	AcquirerID string
	// Status, when set, selects merchants in that status only.
	Status MerchantStatus
	// AfterID starts the list after this merchant ID; empty: from the
	// first.
	AfterID string
	Limit   int
}

// OutletQuery selects stores of an acquirer.
type OutletQuery struct {
	AcquirerID string
	// MerchantID, when set, selects that merchant's stores only.
	MerchantID string
	// The list starts after (AfterMerchantID, AfterID); both empty: from
	// the first.
	AfterMerchantID, AfterID string
	Limit                    int
}

// TerminalQuery selects terminals of an acquirer.
type TerminalQuery struct {
	AcquirerID string
	// MerchantID and StoreID, when set, filter.
	MerchantID, StoreID string
	AfterID             string
	Limit               int
}

// TransactionQuery selects attempts of an acquirer's merchants. Every
// filter left zero matches any.
type TransactionQuery struct {
	AcquirerID string
	MerchantID string
	TerminalID string
	Scheme     string
	RRN        string
	// Created at or after From, and before To.
	From, To time.Time
	States   []payment.State
	Kinds    []payment.Kind
	// Before, when set, starts the list after the attempt it names, in
	// the list's order (newest first).
	Before TransactionCursor
	Limit  int
}

// TransactionCursor is a position in a list of transactions.
type TransactionCursor struct {
	CreatedAt time.Time
	ID        string
}

// FlaggedQuery selects flagged attempts of an acquirer.
type FlaggedQuery struct {
	AcquirerID string
	// After, when set, starts the list after this (FlaggedAt, ID).
	AfterFlaggedAt time.Time
	AfterID        string
	Limit          int
}

// AuditQuery selects audit events of an acquirer.
type AuditQuery struct {
	AcquirerID string
	// Object and Action, when set, filter.
	Object, Action string
	// BeforeID, when positive, lists events older than that one.
	BeforeID int64
	Limit    int
}
