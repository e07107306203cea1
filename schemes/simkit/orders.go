package simkit

import (
	"crypto/rand"
	"encoding/hex"
	"time"
)

// OrderCommand is a merchant-presented order as the ledger needs it: the
// merchant shows a QR code for it and the customer pays by scanning it.
type OrderCommand struct {
	// RequestID is the partner's id of the order, its idempotency key; the
	// order is then a payment like any other under it.
	RequestID string
	// Hash identifies the request's content (Ledger.Hash).
	Hash string
	// Currency and MinorUnits are the amount to charge when paid.
	Currency   string
	MinorUnits int64
	// MerchantCurrency and MerchantMinorUnits are the merchant's amount,
	// when the partner sent one; the amount rule then applies to it.
	MerchantCurrency   string
	MerchantMinorUnits int64
	// ExpiresAt is when the order stops waiting for the customer. Zero:
	// Config.OrderLifetime from now.
	ExpiresAt time.Time
}

// OrderResult is what the ledger decided for an order request.
type OrderResult struct {
	// Payment is the order after the command; its OrderToken is what the
	// QR payload must carry. Zero for OutcomeFull.
	Payment Payment
	// Outcome is OutcomeOK (Payment.Status says where the order stands),
	// OutcomeFull, OutcomeMismatch (the id is recorded with other content,
	// or is a payment) or OutcomeClosed (cancelled before it arrived).
	Outcome Outcome
	// Repeat: the id was recorded before; nothing new was created.
	Repeat bool
}

// CreateOrder records a new order awaiting the customer, or answers a
// repeat of one from the record.
func (l *Ledger) CreateOrder(cmd OrderCommand) (OrderResult, error) {
	return commandResult(l, opOrder, func(now time.Time) OrderResult { return l.createOrderLocked(cmd, now) })
}

func (l *Ledger) createOrderLocked(cmd OrderCommand, now time.Time) OrderResult {
	if p, ok := l.payments[cmd.RequestID]; ok {
		outcome := l.repeatLocked(p, cmd.Hash, true)
		return OrderResult{Payment: copyPayment(p), Outcome: outcome, Repeat: true}
	}
	if l.fullLocked() {
		return OrderResult{Outcome: OutcomeFull}
	}
	expiresAt := cmd.ExpiresAt
	if expiresAt.IsZero() {
		expiresAt = now.Add(l.cfg.OrderLifetime)
	}
	p := l.newPaymentLocked(cmd.RequestID, cmd.Hash, now)
	p.Currency, p.MinorUnits = cmd.Currency, cmd.MinorUnits
	p.MerchantCurrency, p.MerchantMinorUnits = cmd.MerchantCurrency, cmd.MerchantMinorUnits
	p.Status, p.OrderToken, p.ExpiresAt = StatusAwaitingCustomer, l.newTokenLocked(), expiresAt
	l.putPaymentLocked(p)
	// An order created already expired (ExpiresAt not after now) expires
	// here, in a record of its own, rather than wait for the next look.
	l.commitLocked(opOrder)
	l.dueLocked(now)
	return OrderResult{Payment: copyPayment(l.payments[p.RequestID]), Outcome: OutcomeOK}
}

// newTokenLocked returns an order token no order of the ledger has: 12
// random bytes in hex, so a QR payload names its order and nothing more.
func (l *Ledger) newTokenLocked() string {
	for {
		b := make([]byte, 12)
		rand.Read(b)
		if token := hex.EncodeToString(b); l.tokens[token] == "" {
			return token
		}
	}
}

// ScanCommand is the simulated customer scanning an order's QR code and
// paying it in the wallet app.
type ScanCommand struct {
	// Token is the order token the QR payload carries.
	Token string
	// Code is what identifies the customer's wallet account, masked (first
	// and last 4 at most); may be empty.
	Code string
	// WalletBrand and CustomerID are who pays.
	WalletBrand string
	CustomerID  string
}

// ScanResult is what a scan did.
type ScanResult struct {
	// Payment is the order after the scan (zero for OutcomeNotFound).
	Payment Payment
	// Outcome is OutcomeOK (the amount rule decided: Payment.Status is
	// paid, failed or processing), or why the scan was refused:
	// OutcomeNotFound (no order has the token), OutcomeExpired,
	// OutcomeClosed (cancelled) or OutcomeAlreadyScanned.
	Outcome Outcome
	// Hold (93): hold the scan's answer for Config.SlowDelay
	// (Holds.Wait), then call SettleSlow.
	Hold bool
}

// Scan pays the order with the token, as its customer would: the amount
// rule decides, as for a pay (RuleFor): approved is paid; declined fails
// with the rule's Decline; 91 is processing for the next two inquiries,
// then paid; 92 is processing until cancelled; 93 is paid after
// Config.SlowDelay unless cancelled meanwhile (Hold); 96 is paid, and the
// next inquiry is answered with a server error (InquiryResult.Lose).
func (l *Ledger) Scan(cmd ScanCommand) (ScanResult, error) {
	return commandResult(l, opScan, func(now time.Time) ScanResult { return l.scanLocked(cmd, now) })
}

func (l *Ledger) scanLocked(cmd ScanCommand, now time.Time) ScanResult {
	id, ok := l.tokens[cmd.Token]
	if !ok || cmd.Token == "" {
		return ScanResult{Outcome: OutcomeNotFound}
	}
	p := l.payments[id]
	switch p.Status {
	case StatusAwaitingCustomer:
	case StatusExpired:
		return ScanResult{Payment: copyPayment(p), Outcome: OutcomeExpired}
	case StatusCancelled:
		return ScanResult{Payment: copyPayment(p), Outcome: OutcomeClosed}
	default:
		return ScanResult{Payment: copyPayment(p), Outcome: OutcomeAlreadyScanned}
	}
	p.Code, p.WalletBrand, p.CustomerID, p.ScannedAt = cmd.Code, cmd.WalletBrand, cmd.CustomerID, now
	l.decideLocked(p, now)
	p.LoseNextInquiry = p.Scenario == ScenarioResponseLost
	l.putPaymentLocked(p)
	return ScanResult{Payment: copyPayment(p), Outcome: OutcomeOK, Hold: p.Scenario == ScenarioSlowThenPaid}
}

// OrderByToken returns a copy of the order with the token.
func (l *Ledger) OrderByToken(token string) (Payment, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.dueLocked(l.cfg.Now())
	id, ok := l.tokens[token]
	if !ok {
		return Payment{}, false
	}
	return copyPayment(l.payments[id]), true
}
