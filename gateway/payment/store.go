package payment

import (
	"context"
	"errors"
	"time"
)

// Errors a Store returns. Implementations wrap them with what they were doing;
// callers test with errors.Is.
var (
	// ErrNotFound: no such attempt, merchant or terminal.
	ErrNotFound = errors.New("not found")
	// ErrDuplicate: an attempt with the same terminal key (or ID) exists.
	ErrDuplicate = errors.New("duplicate attempt")
	// ErrRefundExceeds: a refund would exceed what remains of its purchase.
	ErrRefundExceeds = errors.New("refund exceeds remaining amount")
	// ErrNotRefundable: the refunded purchase is not approved.
	ErrNotRefundable = errors.New("original purchase not refundable")
)

// Store is what the engine needs of durable storage. Every write is durable
// (on disk, fsynced) when the call returns nil; implementations may batch
// concurrent writes into one commit. Implementations are safe for concurrent
// use.
type Store interface {
	// CreateAttempt journals a new attempt and its "intent" event. It sets
	// a.RRN, a.CreatedAt and a.UpdatedAt. If an attempt of the same kind with
	// the same terminal key exists it returns ErrDuplicate and leaves a alone.
	//
	// For a refund (a.Kind == KindRefund, a.OriginalID set) it checks in the
	// same transaction that the original is approved (else ErrNotRefundable)
	// and that a.Amount does not exceed the original amount less every refund
	// of it not declined (else ErrRefundExceeds).
	CreateAttempt(ctx context.Context, a *Attempt) error

	// UpdateAttempt stores a's new state and appends ev to its journal, in
	// one transaction. It sets a.UpdatedAt. It writes State, Reason,
	// SchemeCode, ApprovalCode, SchemeTxnID, WalletAmount, WalletBrand,
	// Tries, NextActionAt, FlaggedAt and the QR fields of Order (QRPayload,
	// QRFormat, ExpiresAt); the other fields (Conversion, Settlement and
	// Order.Presented among them) are fixed at creation.
	UpdateAttempt(ctx context.Context, a *Attempt, ev Event) error

	// AppendEvent appends an event that changes no state.
	AppendEvent(ctx context.Context, ev Event) error

	Attempt(ctx context.Context, id string) (*Attempt, error)
	AttemptByKey(ctx context.Context, kind Kind, key TerminalKey) (*Attempt, error)
	// AttemptByRRN finds a purchase of the merchant by its RRN.
	AttemptByRRN(ctx context.Context, merchantID, rrn string) (*Attempt, error)
	// RefundedMinor sums the approved refunds of a purchase.
	RefundedMinor(ctx context.Context, purchaseID string) (int64, error)
	// RefundedWallet sums the wallet amounts (WalletAmount.Minor) of a
	// purchase's refunds: approved ones, and every one not declined (those
	// pending may yet be approved). ErrNotFound for an unknown purchase.
	RefundedWallet(ctx context.Context, purchaseID string) (approved, held int64, err error)
	// Events lists an attempt's journal, oldest first.
	Events(ctx context.Context, attemptID string) ([]Event, error)
	// DueAttempts lists up to limit attempts that are not final and whose
	// NextActionAt is at or before now, oldest NextActionAt first.
	DueAttempts(ctx context.Context, now time.Time, limit int) ([]*Attempt, error)
	// ClaimDue is DueAttempts for a resolver that shares the work with
	// others (several gateway nodes on one database): it lists up to limit
	// attempts due at now, oldest NextActionAt first, skipping those under
	// another owner's lease that has not expired (a lease expires at its
	// end time), and leases each one listed to owner until now+leaseFor,
	// in one transaction, so that two owners claiming at once get disjoint
	// sets. Flagged attempts are never claimed, nor final ones.
	//
	// An owner's own leases do not stop it: claiming again renews them,
	// except that a store may leave as it is a lease of owner's that ends
	// at or after now+¾·leaseFor, sparing a write each time a resolver
	// claims its own again. Either way every attempt listed is owner's
	// until now+¾·leaseFor at least. A lease is never released early: it
	// runs out, and is not returned with the attempt.
	//
	// A lease is not a lock on writes: UpdateAttempt works for anyone
	// whatever the lease (a terminal's reversal reaching another node must
	// still cancel the purchase), and the checks UpdateAttempt makes, with
	// the row locked, on every state transition are what protect money. A
	// lease only keeps two resolvers from driving one attempt at once.
	ClaimDue(ctx context.Context, now time.Time, owner string, leaseFor time.Duration, limit int) ([]*Attempt, error)
	// FlaggedAttempts lists up to limit attempts flagged for manual review
	// (not final, FlaggedAt set), oldest flag first. DueAttempts never lists
	// them.
	FlaggedAttempts(ctx context.Context, limit int) ([]*Attempt, error)

	Merchant(ctx context.Context, id string) (*Merchant, error)
	Terminal(ctx context.Context, id string) (*Terminal, error)
	// PutMerchant and PutTerminal create or replace.
	PutMerchant(ctx context.Context, m *Merchant) error
	PutTerminal(ctx context.Context, t *Terminal) error

	Close() error
}
