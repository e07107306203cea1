package simkit

import "time"

// command runs one ledger command: fn, under the lock, after what fell due
// has happened (dueLocked), its changes recorded as one journal record
// named op. It returns once that record (or, if fn changed nothing, every
// record before it) is durable, so the caller may report fn's result; an
// error means it must not (the journal failed or is closed). A failed or
// closed journal refuses the command before fn runs, so it changes nothing.
func (l *Ledger) command(op string, fn func(now time.Time)) error {
	l.mu.Lock()
	if err := l.journal.failure(); err != nil {
		l.mu.Unlock()
		return err
	}
	now := l.cfg.Now()
	l.dueLocked(now)
	fn(now)
	last := l.commitLocked(op)
	l.mu.Unlock()
	return l.journal.waitDurable(last)
}

// commandResult runs fn as command op and returns its result.
func commandResult[R any](l *Ledger, op string, fn func(now time.Time) R) (r R, err error) {
	err = l.command(op, func(now time.Time) { r = fn(now) })
	return r, err
}

// PayCommand is a pay request (the customer presented a code) as the ledger
// needs it.
type PayCommand struct {
	// RequestID is the partner's id of the payment, its idempotency key.
	RequestID string
	// Hash identifies the request's content (Ledger.Hash of the fields that
	// must not change under one RequestID).
	Hash string
	// Currency and MinorUnits are the amount to charge.
	Currency   string
	MinorUnits int64
	// MerchantCurrency and MerchantMinorUnits are the merchant's amount,
	// when the partner sent one; the amount rule then applies to it.
	MerchantCurrency   string
	MerchantMinorUnits int64
	// Code is the customer's code already masked (first and last 4 at
	// most); WalletBrand and CustomerID are who pays.
	Code        string
	WalletBrand string
	CustomerID  string
	// Refusal, when set, fails the payment at once with this wallet result
	// code instead of applying the amount rule: for what the simulator
	// refuses itself, such as a code its wallet does not issue.
	Refusal string
}

// PayResult is what the ledger decided for a pay request.
type PayResult struct {
	// Payment is the payment's state after the command (zero for
	// OutcomeFull).
	Payment Payment
	// Outcome is OutcomeOK (Payment.Status says the rest), OutcomeFull,
	// OutcomeMismatch (the id is recorded with other content, or is an
	// order) or OutcomeClosed (cancelled before this pay arrived).
	Outcome Outcome
	// Repeat: the id was recorded before; the answer comes from the record
	// and nothing was charged again.
	Repeat bool
	// Hold (93): hold the answer for Config.SlowDelay (Holds.Wait), then
	// call SettleSlow and answer with what it returns.
	Hold bool
	// Lose (96): answer with a server error, as if the answer were lost.
	Lose bool
}

// Pay records a pay request, or answers a repeat of one from the record.
func (l *Ledger) Pay(cmd PayCommand) (PayResult, error) {
	return commandResult(l, opPay, func(now time.Time) PayResult { return l.payLocked(cmd, now) })
}

func (l *Ledger) payLocked(cmd PayCommand, now time.Time) PayResult {
	if p, ok := l.payments[cmd.RequestID]; ok {
		outcome := l.repeatLocked(p, cmd.Hash, false)
		return PayResult{Payment: copyPayment(p), Outcome: outcome, Repeat: true}
	}
	if l.fullLocked() {
		return PayResult{Outcome: OutcomeFull}
	}
	p := l.newPaymentLocked(cmd.RequestID, cmd.Hash, now)
	p.Currency, p.MinorUnits = cmd.Currency, cmd.MinorUnits
	p.MerchantCurrency, p.MerchantMinorUnits = cmd.MerchantCurrency, cmd.MerchantMinorUnits
	p.Code, p.WalletBrand, p.CustomerID = cmd.Code, cmd.WalletBrand, cmd.CustomerID
	if cmd.Refusal != "" {
		p.Scenario, p.Status, p.ResultCode = ScenarioDecline, StatusFailed, cmd.Refusal
	} else {
		l.decideLocked(p, now)
	}
	l.putPaymentLocked(p)
	return PayResult{
		Payment: copyPayment(p),
		Outcome: OutcomeOK,
		Hold:    p.Scenario == ScenarioSlowThenPaid,
		Lose:    p.Scenario == ScenarioResponseLost,
	}
}

// newPaymentLocked starts the record of the first request under an id.
func (l *Ledger) newPaymentLocked(requestID, hash string, now time.Time) *Payment {
	return &Payment{RequestID: requestID, WalletTxnID: l.nextIDLocked(now, IDPayment), CreatedAt: now, PayCalls: 1, RequestHash: hash}
}

// repeatLocked counts a repeated pay or order request under p's id and
// says how it is answered: a placeholder is closed, other content (or the
// other kind of request) is a mismatch, and the same content gets p's
// current state, never a second charge.
func (l *Ledger) repeatLocked(p *Payment, hash string, order bool) Outcome {
	p.PayCalls++
	l.putPaymentLocked(p)
	switch {
	case p.Placeholder:
		return OutcomeClosed
	case p.RequestHash != hash || p.IsOrder() != order:
		return OutcomeMismatch
	}
	return OutcomeOK
}

// ruleAmount is the amount the amount rule applies to: the merchant's when
// the partner sent it, else the amount charged.
func ruleAmount(p *Payment) int64 {
	if p.MerchantCurrency != "" {
		return p.MerchantMinorUnits
	}
	return p.MinorUnits
}

// decideLocked applies the amount rule to p, a payment just paid for (a
// pay, or the scan of an order): it is paid, failed or processing after.
func (l *Ledger) decideLocked(p *Payment, now time.Time) {
	r := RuleFor(ruleAmount(p))
	p.Scenario, p.Status = r.Scenario, StatusProcessing
	switch r.Scenario {
	case ScenarioDecline:
		p.Status, p.Decline, p.ResultCode = StatusFailed, r.Decline, l.cfg.Codes.Declines[r.Decline]
	case ScenarioApprove, ScenarioResponseLost:
		p.Status, p.PaidAt, p.Charges = StatusPaid, now, 1
	case ScenarioPaidAfterInquiries:
		p.PaysAtInquiry = p.Inquiries + 3
	case ScenarioSlowThenPaid:
		p.SettleAt = now.Add(l.cfg.SlowDelay)
	}
}

// SettleSlow ends the hold of a slow (93) payment: paid now unless it was
// cancelled meanwhile. It returns the payment's state after.
func (l *Ledger) SettleSlow(requestID string) (p Payment, err error) {
	err = l.command(opSettle, func(now time.Time) {
		payment, ok := l.payments[requestID]
		if !ok {
			return
		}
		l.markPaidLocked(payment, now)
		p = copyPayment(payment)
	})
	return p, err
}

// InquiryResult is what an inquiry found.
type InquiryResult struct {
	Payment Payment
	// Found is false for an id never recorded.
	Found bool
	// Lose (96 of an order): answer this inquiry with a server error.
	Lose bool
}

// Inquire answers an inquiry about requestID, counting it: the 91 rule pays
// at the third inquiry after the pay or scan, and an order scanned under the
// 96 rule loses the answer to the first.
func (l *Ledger) Inquire(requestID string) (r InquiryResult, err error) {
	err = l.command(opInquire, func(now time.Time) {
		p, ok := l.payments[requestID]
		if !ok {
			return
		}
		p.Inquiries++
		if p.Scenario == ScenarioPaidAfterInquiries && p.Inquiries >= p.PaysAtInquiry {
			l.markPaidLocked(p, now)
		}
		r.Lose, p.LoseNextInquiry = p.LoseNextInquiry, false
		l.putPaymentLocked(p)
		r.Payment, r.Found = copyPayment(p), true
	})
	return r, err
}

// CancelResult is what a cancel did.
type CancelResult struct {
	// Payment is the payment's state after (zero for OutcomeFull).
	Payment Payment
	// Outcome is OutcomeOK (cancelled now or before, or failed or expired:
	// nothing to return), OutcomeFull, OutcomeCancelWindowClosed or
	// OutcomeRefunded.
	Outcome Outcome
}

// Cancel closes an unpaid payment or order and returns a paid one in full,
// within Config.CancelWindow of its creation. An order awaiting the
// customer is closed, and a scan after is refused, so no payment arriving
// later can stand unreturned.
//
// A cancel for an id never seen succeeds and leaves a placeholder, so a pay
// or order request that arrives later cannot charge: wallets document that
// cancel succeeds for a transaction never created, and that is what lets a
// gateway cancel a pay whose request may still be in flight.
//
// A paid payment that was already (partly) refunded cannot be cancelled;
// the gateway refunds the rest.
func (l *Ledger) Cancel(requestID string) (CancelResult, error) {
	return commandResult(l, opCancel, func(now time.Time) CancelResult { return l.cancelLocked(requestID, now) })
}

func (l *Ledger) cancelLocked(requestID string, now time.Time) CancelResult {
	p, ok := l.payments[requestID]
	if !ok {
		if l.fullLocked() {
			return CancelResult{Outcome: OutcomeFull}
		}
		p = &Payment{RequestID: requestID, WalletTxnID: l.nextIDLocked(now, IDPayment),
			Placeholder: true, Status: StatusCancelled, CreatedAt: now, CancelledAt: now}
		l.putPaymentLocked(p)
		return CancelResult{Payment: copyPayment(p), Outcome: OutcomeOK}
	}
	switch {
	case p.Status == StatusCancelled || p.Status == StatusFailed || p.Status == StatusExpired:
		return CancelResult{Payment: copyPayment(p), Outcome: OutcomeOK}
	case now.Sub(p.CreatedAt) > l.cfg.CancelWindow:
		return CancelResult{Payment: copyPayment(p), Outcome: OutcomeCancelWindowClosed}
	case p.Refunded > 0:
		return CancelResult{Payment: copyPayment(p), Outcome: OutcomeRefunded}
	}
	if p.Status == StatusPaid {
		p.Reversed = p.MinorUnits
	}
	p.Status, p.CancelledAt = StatusCancelled, now
	l.putPaymentLocked(p)
	return CancelResult{Payment: copyPayment(p), Outcome: OutcomeOK}
}

// RefundCommand is a refund request as the ledger needs it.
type RefundCommand struct {
	// RequestID is the partner's id of the refund, its idempotency key.
	RequestID string
	// PaymentRequestID is the payment to refund.
	PaymentRequestID string
	// Hash identifies the request's content (Ledger.Hash).
	Hash       string
	Currency   string
	MinorUnits int64
}

// RefundResult is what the ledger decided for a refund request.
type RefundResult struct {
	// Refund is the refund's record; for OutcomeFull and OutcomeMismatch,
	// which are not recorded, only its RequestID is set.
	Refund Refund
	// Outcome is OutcomeOK, OutcomeFull, OutcomeMismatch, or why the refund
	// was refused: OutcomeNotFound, OutcomeClosed, OutcomeNotPaid,
	// OutcomeCurrencyMismatch, OutcomeRefundWindowClosed or
	// OutcomeRefundExceeds. A repeat answers the recorded outcome.
	Outcome Outcome
	// Repeat: the refund id was recorded before.
	Repeat bool
}

// Refund answers a refund request, or a repeat of one from the record. A
// refund never returns more than is left of the payment.
func (l *Ledger) Refund(cmd RefundCommand) (RefundResult, error) {
	return commandResult(l, opRefund, func(now time.Time) RefundResult { return l.refundLocked(cmd, now) })
}

func (l *Ledger) refundLocked(cmd RefundCommand, now time.Time) RefundResult {
	if r, ok := l.refunds[cmd.RequestID]; ok {
		if r.RequestHash != cmd.Hash {
			return RefundResult{Refund: Refund{RequestID: cmd.RequestID}, Outcome: OutcomeMismatch, Repeat: true}
		}
		return RefundResult{Refund: *r, Outcome: r.Outcome, Repeat: true}
	}
	if l.fullLocked() {
		return RefundResult{Refund: Refund{RequestID: cmd.RequestID}, Outcome: OutcomeFull}
	}
	r := &Refund{
		RequestID:        cmd.RequestID,
		PaymentRequestID: cmd.PaymentRequestID,
		Currency:         cmd.Currency,
		MinorUnits:       cmd.MinorUnits,
		CreatedAt:        now,
		RequestHash:      cmd.Hash,
	}
	r.Outcome = l.applyRefundLocked(r, now)
	l.putRefundLocked(r)
	return RefundResult{Refund: *r, Outcome: r.Outcome}
}

// applyRefundLocked decides a new refund and, when it succeeds, returns the
// money.
func (l *Ledger) applyRefundLocked(r *Refund, now time.Time) Outcome {
	p, ok := l.payments[r.PaymentRequestID]
	switch {
	case !ok:
		return OutcomeNotFound
	case p.Status == StatusCancelled:
		return OutcomeClosed
	case p.Status != StatusPaid:
		return OutcomeNotPaid
	case r.Currency != p.Currency:
		return OutcomeCurrencyMismatch
	case now.Sub(p.CreatedAt) > l.cfg.RefundWindow:
		return OutcomeRefundWindowClosed
	case r.MinorUnits > p.MinorUnits-p.Refunded:
		return OutcomeRefundExceeds
	}
	r.WalletTxnID = l.nextIDLocked(now, IDRefund)
	p.Refunded += r.MinorUnits
	p.RefundIDs = append(p.RefundIDs, r.RequestID)
	l.putPaymentLocked(p)
	return OutcomeOK
}
