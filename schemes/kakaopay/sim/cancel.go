package sim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// handleCancel serves cancel. A cancel with a payload is a refund of
// cancel_amount, recorded under the payload: a repeat of it is answered
// from the ledger and never returns money twice. A cancel without payload
// voids the payment: an unpaid one is closed, a paid one returned whole
// (or what remains of it after refunds), within Config.CancelWindow. Naming
// partner_order_id instead of tid with cancel_amount 0 voids whatever the
// payment holds, and closes a partner_order_id not seen yet (modelled).
func (s *Simulator) handleCancel(w http.ResponseWriter, r *http.Request) {
	var req kakaopay.CancelRequest
	if s.readRequest(w, r, &req, func() string { return req.CID }) != nil {
		return
	}
	if problem := checkCancelRequest(&req); problem != "" {
		s.replyProblem(w, r, problem)
		return
	}
	key, code := s.paymentKey(req.TID, req.PartnerOrderID)
	if code != 0 {
		s.replyError(w, r, code, nil)
		return
	}
	if req.Payload != "" {
		s.refund(w, r, key, &req)
		return
	}
	s.void(w, r, key, &req)
}

func checkCancelRequest(req *kakaopay.CancelRequest) string {
	switch {
	case req.CancelAmount < 0:
		return "cancel_amount must not be negative"
	case req.CancelAmount == 0 && (req.TID != "" || req.Payload != ""):
		return "cancel_amount must be positive"
	case req.CancelTaxFreeAmount != 0:
		return "cancel_tax_free_amount must be 0 in this simulator"
	case req.CancelAvailableAmount != nil && *req.CancelAvailableAmount < 0:
		return "cancel_available_amount must not be negative"
	case len(req.Payload) > 200:
		return "payload is longer than 200 characters"
	case strings.HasPrefix(req.Payload, generatedRefundPrefix):
		return "payload must not start with " + generatedRefundPrefix
	}
	return ""
}

// available is what can still be cancelled of p.
func available(p *simkit.Payment) int64 {
	if p.Status != simkit.StatusPaid {
		return 0
	}
	return p.MinorUnits - p.Refunded
}

// refund returns cancel_amount of the payment under key, recorded under the
// payload.
func (s *Simulator) refund(w http.ResponseWriter, r *http.Request, key string, req *kakaopay.CancelRequest) {
	p, ok := s.ledger.Payment(key)
	if !ok {
		s.replyError(w, r, kakaopay.ErrCodeNotFound, nil)
		return
	}
	// The check guards against a cancel racing another; a repeat of a
	// refund already made is answered from its record whatever has changed.
	if req.CancelAvailableAmount != nil && p.Status == simkit.StatusPaid && !slices.Contains(p.RefundIDs, req.Payload) &&
		*req.CancelAvailableAmount != available(&p) {
		s.replyError(w, r, kakaopay.ErrCodeCancelAvailableDiff, nil)
		return
	}
	s.refundAs(w, r, key, req.Payload, req.CancelAmount)
}

// refundAs records a refund of won under refundID and answers it.
func (s *Simulator) refundAs(w http.ResponseWriter, r *http.Request, key, refundID string, won int64) {
	res, err := s.ledger.Refund(simkit.RefundCommand{
		RequestID:        refundID,
		PaymentRequestID: key,
		Hash:             s.ledger.Hash("refund", key, strconv.FormatInt(won, 10)),
		Currency:         kakaopay.Currency,
		MinorUnits:       won,
	})
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	if res.Outcome != simkit.OutcomeOK {
		s.replyError(w, r, outcomeError(res.Outcome), nil)
		return
	}
	p, _ := s.ledger.Payment(key)
	resp := s.cancelResponse(&p)
	resp.AID, resp.ApprovedCancelAmount = res.Refund.WalletTxnID, amountOf(res.Refund.MinorUnits)
	resp.CanceledAt = kakaopay.FormatTime(res.Refund.CreatedAt)
	if !strings.HasPrefix(refundID, generatedRefundPrefix) {
		resp.Payload = refundID
	}
	s.reply(w, r, http.StatusOK, resp)
}

// void cancels the payment under key whole.
func (s *Simulator) void(w http.ResponseWriter, r *http.Request, key string, req *kakaopay.CancelRequest) {
	whole := req.TID == "" && req.CancelAmount == 0
	p, found := s.ledger.Payment(key)
	switch {
	case !found && !whole:
		s.replyError(w, r, kakaopay.ErrCodeNotFound, nil)
		return
	case found && req.CancelAvailableAmount != nil && *req.CancelAvailableAmount != available(&p):
		s.replyError(w, r, kakaopay.ErrCodeCancelAvailableDiff, nil)
		return
	}
	if found && !whole {
		if code, problem := checkVoidAmount(&p, req.CancelAmount); code != 0 {
			s.reply(w, r, httpStatusOf(code), errorBody(code, problem, nil))
			return
		}
	}
	if found && p.Status == simkit.StatusPaid && p.Refunded > 0 {
		s.voidRest(w, r, &p)
		return
	}
	res, err := s.ledger.Cancel(key)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.index(res.Payment)
	if res.Outcome != simkit.OutcomeOK {
		s.replyError(w, r, outcomeError(res.Outcome), nil)
		return
	}
	resp := s.cancelResponse(&res.Payment)
	if res.Payment.Reversed > 0 {
		resp.AID, resp.ApprovedCancelAmount = voidAID(&res.Payment), amountOf(res.Payment.Reversed)
	}
	if !res.Payment.CancelledAt.IsZero() {
		resp.CanceledAt = kakaopay.FormatTime(res.Payment.CancelledAt)
	}
	s.reply(w, r, http.StatusOK, resp)
}

// checkVoidAmount checks the cancel_amount of a void by tid: the whole of
// what remains of a paid payment, the whole amount of an unpaid one. A
// partial cancel needs a payload here, so that it can be told from a void.
func checkVoidAmount(p *simkit.Payment, won int64) (int, string) {
	whole := p.MinorUnits
	switch p.Status {
	case simkit.StatusPaid:
		whole = p.MinorUnits - p.Refunded
	case simkit.StatusProcessing, simkit.StatusAwaitingCustomer:
	default:
		return 0, "" // cancelled, failed or expired: nothing to return
	}
	switch {
	case won > whole:
		return kakaopay.ErrCodeCancelAmountExceeded, ""
	case won < whole:
		return kakaopay.ErrCodeInvalidParameter, "invalid request parameter: a partial cancel needs a payload in this simulator"
	}
	return 0, ""
}

// voidRest voids a paid payment that was partly refunded by refunding what
// remains, under an id of the simulator's own, within the cancel window.
func (s *Simulator) voidRest(w http.ResponseWriter, r *http.Request, p *simkit.Payment) {
	if s.cfg.Now().Sub(p.CreatedAt) > s.cfg.CancelWindow {
		s.replyError(w, r, kakaopay.ErrCodeCancelWindowClosed, nil)
		return
	}
	s.refundAs(w, r, p.RequestID, generatedRefundPrefix+"void:"+p.RequestID, p.MinorUnits-p.Refunded)
}

// cancelResponse is the part of a cancel's answer that describes the
// payment after it.
func (s *Simulator) cancelResponse(p *simkit.Payment) *kakaopay.CancelResponse {
	resp := &kakaopay.CancelResponse{
		TID:               p.WalletTxnID,
		CID:               s.cfg.CID,
		Status:            statusOf(p),
		PartnerOrderID:    p.RequestID,
		PaymentMethodType: kakaopay.PaymentMethodMoney,
		Amount:            amountOf(p.MinorUnits),
		CanceledAmount:    amountOf(p.Reversed + p.Refunded),
		Quantity:          1,
		CreatedAt:         kakaopay.FormatTime(p.CreatedAt),
	}
	if p.Status == simkit.StatusPaid {
		resp.CancelAvailableAmount = amountOf(p.MinorUnits - p.Refunded)
	}
	if !p.PaidAt.IsZero() {
		resp.ApprovedAt = kakaopay.FormatTime(p.PaidAt)
	}
	return resp
}
