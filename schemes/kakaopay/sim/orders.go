package sim

import (
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// The order pages ready points the customer at, as KakaoPay's
// next_redirect_*_url do: pathMockup, the order's token, and the page for
// the customer's device. The terminal's QR code carries the mobile one.
const (
	pathMockup = "/mockup/v1/"
	pagePC     = "info"
	pageMobile = "mInfo"
	pageApp    = "aInfo"
)

// generatedRefundPrefix starts the ledger ids of the refunds the simulator
// makes itself for a cancel without payload of a partly refunded payment.
// A payload may not start with it, so every other refund id is a payload.
const generatedRefundPrefix = "kakaopay-sim:"

// handleOrder serves order status, by tid or (modelled) by
// partner_order_id. Every look-up counts as an inquiry for the amount rule
// (91 pays at the third after the payment or scan).
func (s *Simulator) handleOrder(w http.ResponseWriter, r *http.Request) {
	var req kakaopay.OrderRequest
	if s.readRequest(w, r, &req, func() string { return req.CID }) != nil {
		return
	}
	key, code := s.paymentKey(req.TID, req.PartnerOrderID)
	if code != 0 {
		s.replyError(w, r, code, nil)
		return
	}
	res, err := s.ledger.Inquire(key)
	switch {
	case err != nil:
		s.ledgerUnavailable(w, r, err)
	case !res.Found:
		s.replyError(w, r, kakaopay.ErrCodeNotFound, nil)
	case res.Lose:
		s.lostAnswer(w, r)
	default:
		s.reply(w, r, http.StatusOK, s.orderResponse(&res.Payment))
	}
}

// paymentKey finds the partner_order_id a call means by its tid or its
// partner_order_id, or the error code to answer.
func (s *Simulator) paymentKey(tid, partnerOrderID string) (string, int) {
	switch {
	case tid == "" && partnerOrderID == "":
		return "", kakaopay.ErrCodeInvalidParameter
	case tid == "":
		if !validID(partnerOrderID) {
			return "", kakaopay.ErrCodeInvalidParameter
		}
		return partnerOrderID, 0
	}
	key, ok := s.partnerOrderIDOf(tid)
	if !ok || (partnerOrderID != "" && partnerOrderID != key) {
		return "", kakaopay.ErrCodeNotFound
	}
	return key, 0
}

// orderResponse is the order API's view of p: its status, amounts and the
// history of its approval and cancels.
func (s *Simulator) orderResponse(p *simkit.Payment) *kakaopay.OrderResponse {
	refunds := s.refundsOf(p)
	resp := &kakaopay.OrderResponse{
		TID:                  p.WalletTxnID,
		CID:                  s.cfg.CID,
		Status:               statusOf(p),
		PartnerOrderID:       p.RequestID,
		PaymentMethodType:    kakaopay.PaymentMethodMoney,
		Amount:               amountOf(p.MinorUnits),
		CanceledAmount:       amountOf(p.Reversed + p.Refunded),
		Quantity:             1,
		CreatedAt:            kakaopay.FormatTime(p.CreatedAt),
		PaymentActionDetails: actionsOf(p, refunds),
	}
	if p.Placeholder {
		resp.PaymentMethodType = ""
	}
	if p.Status == simkit.StatusPaid {
		resp.CancelAvailableAmount = amountOf(p.MinorUnits - p.Refunded)
	}
	if !p.PaidAt.IsZero() {
		resp.ApprovedAt = kakaopay.FormatTime(p.PaidAt)
	}
	if at := canceledAt(p, refunds); !at.IsZero() {
		resp.CanceledAt = kakaopay.FormatTime(at)
	}
	if p.Status == simkit.StatusFailed {
		resp.Extras = extrasOf(p)
	}
	return resp
}

// statusOf is p's state in KakaoPay's words. A payment being approved (91,
// 92, 93) is AUTH_PASSWORD: the customer has authenticated and KakaoPay
// approves. A paid payment refunded in full is CANCEL_PAYMENT, as KakaoPay
// calls a payment with nothing left to cancel.
func statusOf(p *simkit.Payment) string {
	switch p.Status {
	case simkit.StatusAwaitingCustomer:
		return kakaopay.StatusReady
	case simkit.StatusProcessing:
		return kakaopay.StatusAuthPassword
	case simkit.StatusFailed:
		return kakaopay.StatusFailPayment
	case simkit.StatusExpired:
		return kakaopay.StatusQuitPayment
	case simkit.StatusCancelled:
		return kakaopay.StatusCancelPayment
	}
	switch {
	case p.Refunded == 0:
		return kakaopay.StatusSuccessPayment
	case p.Refunded < p.MinorUnits:
		return kakaopay.StatusPartCancelPayment
	}
	return kakaopay.StatusCancelPayment
}

// refundsOf returns p's successful refunds in the order they were made.
func (s *Simulator) refundsOf(p *simkit.Payment) []simkit.Refund {
	if len(p.RefundIDs) == 0 {
		return nil
	}
	byID := make(map[string]simkit.Refund, len(p.RefundIDs))
	for _, r := range s.ledger.Refunds() {
		if r.PaymentRequestID == p.RequestID && r.Succeeded() {
			byID[r.RequestID] = r
		}
	}
	out := make([]simkit.Refund, 0, len(p.RefundIDs))
	for _, id := range p.RefundIDs {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out
}

// actionsOf is p's payment_action_details: its approval, its refunds with
// the payloads that named them, and the cancel that voided it.
func actionsOf(p *simkit.Payment, refunds []simkit.Refund) []kakaopay.PaymentAction {
	actions := []kakaopay.PaymentAction{}
	if !p.PaidAt.IsZero() {
		actions = append(actions, kakaopay.PaymentAction{AID: approvalAID(p), ApprovedAt: kakaopay.FormatTime(p.PaidAt),
			Amount: p.MinorUnits, PaymentActionType: kakaopay.ActionPayment})
	}
	for _, r := range refunds {
		a := kakaopay.PaymentAction{AID: r.WalletTxnID, ApprovedAt: kakaopay.FormatTime(r.CreatedAt),
			Amount: r.MinorUnits, PaymentActionType: kakaopay.ActionCancel}
		if !strings.HasPrefix(r.RequestID, generatedRefundPrefix) {
			a.Payload = r.RequestID
		}
		actions = append(actions, a)
	}
	if p.Reversed > 0 {
		actions = append(actions, kakaopay.PaymentAction{AID: voidAID(p), ApprovedAt: kakaopay.FormatTime(p.CancelledAt),
			Amount: p.Reversed, PaymentActionType: kakaopay.ActionCancel})
	}
	return actions
}

// canceledAt is when p was last cancelled, by a void or a refund.
func canceledAt(p *simkit.Payment, refunds []simkit.Refund) time.Time {
	at := p.CancelledAt
	for _, r := range refunds {
		if r.CreatedAt.After(at) {
			at = r.CreatedAt
		}
	}
	return at
}

// decodeOrderURL turns an order URL, as the terminal shows it, into the scan
// of its order (simkit.ScanHandler.Decode).
func decodeOrderURL(qr string) (simkit.ScanCommand, bool) {
	token, ok := orderToken(qr)
	if !ok {
		return simkit.ScanCommand{}, false
	}
	return simkit.ScanCommand{Token: token, WalletBrand: kakaopay.WalletBrand, CustomerID: customerID("scan:" + token)}, true
}

// orderToken reads the order token of an order URL: any host, the path
// pathMockup, token and one of the pages.
func orderToken(qr string) (string, bool) {
	u, err := url.Parse(strings.TrimSpace(qr))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return "", false
	}
	rest, ok := strings.CutPrefix(u.Path, pathMockup)
	if !ok {
		return "", false
	}
	token, page, ok := strings.Cut(rest, "/")
	if !ok || token == "" || !knownPage(page) {
		return "", false
	}
	return token, true
}

func knownPage(page string) bool {
	return page == pagePC || page == pageMobile || page == pageApp
}

// handleMockup serves the page an order URL opens: what the customer would
// see before paying in the KakaoPay app. Paying is POST /sim/scan.
func (s *Simulator) handleMockup(w http.ResponseWriter, r *http.Request) {
	if !knownPage(r.PathValue("page")) {
		http.NotFound(w, r)
		return
	}
	p, ok := s.ledger.OrderByToken(r.PathValue("token"))
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	fmt.Fprintf(w, "<!doctype html><title>KakaoPay (simulated)</title><h1>KakaoPay</h1>"+
		"<p>Order %s: %d KRW, %s.</p><p>Pay it with POST %s {\"qr\": \"&lt;this URL&gt;\"}.</p>\n",
		html.EscapeString(p.WalletTxnID), p.MinorUnits, html.EscapeString(statusOf(&p)), simkit.PathScan)
}
