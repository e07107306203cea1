package sim

import (
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
)

// payCommand is a pay request as the ledger needs it.
type payCommand struct {
	requestID  string
	hash       string
	currency   string
	minorUnits int64
	// code is the full payment code: used to judge the code and derive the
	// brand, never stored.
	code string
}

// payDecision is what the simulator answers a pay request with.
type payDecision struct {
	payment Payment
	result  alipayplus.Result
	// hold: the 93 rule holds this response for Config.SlowDelay.
	hold bool
	// lose: the 96 rule answers this request with HTTP 500.
	lose bool
}

// command runs one ledger command: fn, under the lock, after the slow
// payments due are settled, its changes recorded as one journal record named
// op. It returns once that record (or, if fn changed nothing, every record
// before it) is durable, so the caller may report fn's result; an error means
// it must not (the journal failed or is closed). A failed or closed journal
// refuses the command before fn runs, so it changes nothing.
func (l *Ledger) command(op string, fn func(now time.Time)) error {
	l.mu.Lock()
	if err := l.journal.failure(); err != nil {
		l.mu.Unlock()
		return err
	}
	now := l.now()
	l.settleDueLocked(now)
	fn(now)
	last := l.commitLocked(op)
	l.mu.Unlock()
	return l.journal.waitDurable(last)
}

// pay records a pay request, or answers a repeat of one from the record.
func (l *Ledger) pay(cmd payCommand, slowDelay time.Duration) (d payDecision, err error) {
	err = l.command(opPay, func(now time.Time) { d = l.payLocked(cmd, now, slowDelay) })
	return d, err
}

func (l *Ledger) payLocked(cmd payCommand, now time.Time, slowDelay time.Duration) payDecision {
	if p, ok := l.payments[cmd.requestID]; ok {
		return l.repeatPayLocked(p, cmd)
	}
	if l.fullLocked() {
		return payDecision{result: result(alipayplus.ResultUnknown, alipayplus.CodeRequestTrafficExceedLimit)}
	}
	p := l.newPaymentLocked(cmd, now, slowDelay)
	l.putPaymentLocked(p)
	return payDecision{
		payment: copyPayment(p),
		result:  paymentResult(p),
		hold:    p.Scenario == ScenarioSlowThenPaid,
		lose:    p.Scenario == ScenarioResponseLost,
	}
}

// repeatPayLocked answers a pay request whose id is already recorded: the
// same content gets the payment's current state, never a second charge.
func (l *Ledger) repeatPayLocked(p *Payment, cmd payCommand) payDecision {
	p.PayCalls++
	l.putPaymentLocked(p)
	switch {
	case p.Placeholder:
		return payDecision{payment: copyPayment(p), result: result(alipayplus.ResultFailure, alipayplus.CodeOrderIsClosed)}
	case p.RequestHash != cmd.hash:
		return payDecision{payment: copyPayment(p), result: result(alipayplus.ResultFailure, alipayplus.CodeRepeatReqInconsistent)}
	}
	return payDecision{payment: copyPayment(p), result: paymentResult(p)}
}

// newPaymentLocked creates the payment for a first pay request, its outcome
// decided by the code and then by the amount rule.
func (l *Ledger) newPaymentLocked(cmd payCommand, now time.Time, slowDelay time.Duration) *Payment {
	p := &Payment{
		PaymentRequestID: cmd.requestID,
		PaymentID:        l.nextIDLocked(now, "8001"),
		Currency:         cmd.currency,
		MinorUnits:       cmd.minorUnits,
		Code:             alipayplus.MaskCode(cmd.code),
		CreatedAt:        now,
		PayCalls:         1,
		RequestHash:      cmd.hash,
	}
	if !validCode(cmd.code) {
		p.Scenario, p.Status, p.ResultCode = ScenarioDecline, StatusFailed, alipayplus.CodeInvalidCode
		return p
	}
	p.WalletBrand, p.CustomerID = walletBrand(cmd.code), customerID(cmd.code)
	r := ruleFor(cmd.minorUnits)
	p.Scenario, p.Status = r.scenario, StatusProcessing
	switch r.scenario {
	case ScenarioDecline:
		p.Status, p.ResultCode = StatusFailed, r.code
	case ScenarioApprove, ScenarioResponseLost:
		p.Status, p.PaidAt, p.Charges = StatusPaid, now, 1
	case ScenarioSlowThenPaid:
		p.SettleAt = now.Add(slowDelay)
	}
	return p
}

// settleSlow ends the hold of a slow (93) payment: paid now unless it was
// cancelled meanwhile.
func (l *Ledger) settleSlow(paymentRequestID string) (d payDecision, err error) {
	err = l.command(opSettle, func(now time.Time) {
		p := l.payments[paymentRequestID]
		l.markPaidLocked(p, now)
		d = payDecision{payment: copyPayment(p), result: paymentResult(p)}
	})
	return d, err
}

// inquire answers inquiryPayment. The 91 rule counts inquiries here.
func (l *Ledger) inquire(paymentRequestID string) (payment Payment, found bool, err error) {
	err = l.command(opInquire, func(now time.Time) {
		p, ok := l.payments[paymentRequestID]
		if !ok {
			return
		}
		p.Inquiries++
		if p.Scenario == ScenarioPaidAfterInquiries && p.Inquiries > 2 {
			l.markPaidLocked(p, now)
		}
		l.putPaymentLocked(p)
		payment, found = copyPayment(p), true
	})
	return payment, found, err
}

// cancel answers cancelPayment: it closes an unpaid payment and returns a
// paid one in full, within cancelWindow of its creation.
//
// A cancel for an id never seen succeeds and leaves a placeholder, so a pay
// request that arrives later cannot charge: Alipay's cancel documentation
// says cancel succeeds for a transaction that was never created, and that is
// what lets the gateway cancel a pay whose request may still be in flight.
//
// A paid payment that was already (partly) refunded cannot be cancelled:
// Alipay answers PROCESS_FAIL there, and the gateway refunds the rest.
func (l *Ledger) cancel(paymentRequestID string, cancelWindow time.Duration) (p Payment, res alipayplus.Result, err error) {
	err = l.command(opCancel, func(now time.Time) { p, res = l.cancelLocked(paymentRequestID, now, cancelWindow) })
	return p, res, err
}

func (l *Ledger) cancelLocked(paymentRequestID string, now time.Time, cancelWindow time.Duration) (Payment, alipayplus.Result) {
	p, ok := l.payments[paymentRequestID]
	if !ok {
		if l.fullLocked() {
			return Payment{}, result(alipayplus.ResultUnknown, alipayplus.CodeRequestTrafficExceedLimit)
		}
		p = &Payment{PaymentRequestID: paymentRequestID, PaymentID: l.nextIDLocked(now, "8001"),
			Placeholder: true, Status: StatusCancelled, CreatedAt: now, CancelledAt: now}
		l.putPaymentLocked(p)
		return copyPayment(p), result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
	}
	switch {
	case p.Status == StatusCancelled || p.Status == StatusFailed:
		return copyPayment(p), result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
	case now.Sub(p.CreatedAt) > cancelWindow:
		return copyPayment(p), result(alipayplus.ResultFailure, alipayplus.CodeCancelWindowExceed)
	case p.Refunded > 0:
		return copyPayment(p), result(alipayplus.ResultFailure, alipayplus.CodeProcessFail)
	}
	if p.Status == StatusPaid {
		p.Reversed = p.MinorUnits
	}
	p.Status, p.CancelledAt = StatusCancelled, now
	l.putPaymentLocked(p)
	return copyPayment(p), result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
}

// refundCommand is a refund request as the ledger needs it.
type refundCommand struct {
	refundRequestID  string
	paymentRequestID string
	hash             string
	currency         string
	minorUnits       int64
}

// refund answers a refund request, or a repeat of one from the record.
func (l *Ledger) refund(cmd refundCommand, refundWindow time.Duration) (r Refund, err error) {
	err = l.command(opRefund, func(now time.Time) { r = l.refundLocked(cmd, now, refundWindow) })
	return r, err
}

func (l *Ledger) refundLocked(cmd refundCommand, now time.Time, refundWindow time.Duration) Refund {
	if r, ok := l.refunds[cmd.refundRequestID]; ok {
		if r.RequestHash != cmd.hash {
			return Refund{RefundRequestID: cmd.refundRequestID, ResultStatus: alipayplus.ResultFailure,
				ResultCode: alipayplus.CodeRepeatReqInconsistent}
		}
		return *r
	}
	if l.fullLocked() {
		return Refund{RefundRequestID: cmd.refundRequestID, ResultStatus: alipayplus.ResultUnknown,
			ResultCode: alipayplus.CodeRequestTrafficExceedLimit}
	}
	r := &Refund{
		RefundRequestID:  cmd.refundRequestID,
		PaymentRequestID: cmd.paymentRequestID,
		Currency:         cmd.currency,
		MinorUnits:       cmd.minorUnits,
		CreatedAt:        now,
		RequestHash:      cmd.hash,
	}
	r.ResultStatus, r.ResultCode = l.applyRefundLocked(r, now, refundWindow)
	l.putRefundLocked(r)
	return *r
}

// applyRefundLocked decides a new refund and, when it succeeds, returns the
// money. A payment never paid (processing, failed) has nothing to refund:
// Alipay+ answers with its general business failure there.
func (l *Ledger) applyRefundLocked(r *Refund, now time.Time, refundWindow time.Duration) (status, code string) {
	p, ok := l.payments[r.PaymentRequestID]
	switch {
	case !ok:
		return alipayplus.ResultFailure, alipayplus.CodeOrderNotExist
	case p.Status == StatusCancelled:
		return alipayplus.ResultFailure, alipayplus.CodeOrderIsClosed
	case p.Status != StatusPaid:
		return alipayplus.ResultFailure, alipayplus.CodeProcessFail
	case r.Currency != p.Currency:
		return alipayplus.ResultFailure, alipayplus.CodeParamIllegal
	case now.Sub(p.CreatedAt) > refundWindow:
		return alipayplus.ResultFailure, alipayplus.CodeRefundWindowExceed
	case r.MinorUnits > p.MinorUnits-p.Refunded:
		return alipayplus.ResultFailure, alipayplus.CodeRefundAmountExceed
	}
	r.RefundID = l.nextIDLocked(now, "9001")
	p.Refunded += r.MinorUnits
	p.RefundIDs = append(p.RefundIDs, r.RefundRequestID)
	l.putPaymentLocked(p)
	return alipayplus.ResultSuccess, alipayplus.CodeSuccess
}

// paymentResult is the result that reports p's current state.
func paymentResult(p *Payment) alipayplus.Result {
	switch p.Status {
	case StatusPaid:
		return result(alipayplus.ResultSuccess, alipayplus.CodeSuccess)
	case StatusFailed:
		return result(alipayplus.ResultFailure, p.ResultCode)
	case StatusCancelled:
		return result(alipayplus.ResultFailure, alipayplus.CodeOrderIsClosed)
	}
	return result(alipayplus.ResultUnknown, alipayplus.CodePaymentInProcess)
}

// paymentStatus is p's state in inquiryPayment's vocabulary.
func paymentStatus(p Payment) string {
	switch p.Status {
	case StatusPaid:
		return alipayplus.PaymentStatusSuccess
	case StatusFailed:
		return alipayplus.PaymentStatusFail
	case StatusCancelled:
		return alipayplus.PaymentStatusCancelled
	}
	return alipayplus.PaymentStatusProcessing
}

// resultMessages are the messages Alipay+ documents for the codes the
// simulator answers with.
var resultMessages = map[string]string{
	alipayplus.CodeSuccess:                   "Success",
	alipayplus.CodeUserBalanceNotEnough:      "The user balance is not enough for the payment.",
	alipayplus.CodeExpiredCode:               "The code is expired.",
	alipayplus.CodeInvalidCode:               "The code is invalid.",
	alipayplus.CodeProcessFail:               "A general business failure occurred. Don't retry.",
	alipayplus.CodeRiskReject:                "The request is rejected because of the risk control.",
	alipayplus.CodeUserAmountExceedLimit:     "The payment amount exceeds the user payment limit.",
	alipayplus.CodePaymentInProcess:          "The payment is being processed.",
	alipayplus.CodeOrderIsClosed:             "The order is closed.",
	alipayplus.CodeOrderNotExist:             "The order doesn't exist.",
	alipayplus.CodeRepeatReqInconsistent:     "Repeated requests are inconsistent.",
	alipayplus.CodeCancelWindowExceed:        "The cancellation exceeds the cancellable period.",
	alipayplus.CodeRefundAmountExceed:        "The total refund amount exceeds the payment amount.",
	alipayplus.CodeRefundWindowExceed:        "The refund exceeds the refundable period.",
	alipayplus.CodeRequestTrafficExceedLimit: "The request traffic exceeds the limit.",
	alipayplus.CodeParamIllegal:              "Illegal parameters exist.",
	alipayplus.CodeInvalidSignature:          "The signature is invalid.",
	alipayplus.CodeInvalidClient:             "The client is invalid.",
}

func result(status, code string) alipayplus.Result {
	return alipayplus.Result{ResultStatus: status, ResultCode: code, ResultMessage: resultMessages[code]}
}
