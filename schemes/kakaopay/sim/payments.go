package sim

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// handleBarcode serves the modelled in-store barcode payment: the amount
// rule decides, a repeat under the same partner_order_id and content is
// answered from the ledger, other content is refused with -762.
func (s *Simulator) handleBarcode(w http.ResponseWriter, r *http.Request) {
	var req kakaopay.BarcodeRequest
	if s.readRequest(w, r, &req, func() string { return req.CID }) != nil {
		return
	}
	if problem := checkBarcodeRequest(&req); problem != "" {
		s.replyProblem(w, r, problem)
		return
	}
	cmd := simkit.PayCommand{
		RequestID:   req.PartnerOrderID,
		Hash:        s.ledger.Hash("barcode", req.PartnerUserID, req.Barcode, strconv.FormatInt(req.TotalAmount, 10), merchantFields(req.MerchantAmount)),
		Currency:    kakaopay.Currency,
		MinorUnits:  req.TotalAmount,
		Code:        walletcode.Mask(req.Barcode),
		WalletBrand: kakaopay.WalletBrand,
		CustomerID:  customerID(req.Barcode),
	}
	if m := req.MerchantAmount; m != nil {
		cmd.MerchantCurrency, cmd.MerchantMinorUnits = m.Currency, m.MinorUnits
	}
	if !validBarcode(req.Barcode) {
		cmd.Refusal = kakaopay.MethodInvalidBarcode
	}
	res, err := s.ledger.Pay(cmd)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.index(res.Payment)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim barcode", slog.String("partner_order_id", req.PartnerOrderID),
		slog.String("code", cmd.Code), slog.String("outcome", string(res.Outcome)), slog.String("status", string(res.Payment.Status)))
	switch {
	case res.Outcome != simkit.OutcomeOK:
		s.replyError(w, r, outcomeError(res.Outcome), nil)
		return
	case res.Lose:
		s.lostAnswer(w, r)
		return
	case res.Hold:
		if !s.holds.Wait(r.Context(), s.cfg.SlowDelay) {
			s.reply(w, r, http.StatusServiceUnavailable, errorBody(kakaopay.ErrCodeMaintenance, "simulator shutting down", nil))
			return
		}
		if res.Payment, err = s.ledger.SettleSlow(req.PartnerOrderID); err != nil {
			s.ledgerUnavailable(w, r, err)
			return
		}
	}
	s.replyPayment(w, r, &res.Payment)
}

// replyPayment answers a barcode payment with its current state.
func (s *Simulator) replyPayment(w http.ResponseWriter, r *http.Request, p *simkit.Payment) {
	switch p.Status {
	case simkit.StatusFailed:
		code, extras := declineOf(p)
		s.replyError(w, r, code, extras)
		return
	case simkit.StatusCancelled:
		s.replyError(w, r, kakaopay.ErrCodeAlreadyCancelled, nil)
		return
	}
	resp := &kakaopay.PaymentResponse{
		AID:               approvalAID(p),
		TID:               p.WalletTxnID,
		CID:               s.cfg.CID,
		Status:            statusOf(p),
		PartnerOrderID:    p.RequestID,
		PaymentMethodType: kakaopay.PaymentMethodMoney,
		Amount:            amountOf(p.MinorUnits),
		Quantity:          1,
		CreatedAt:         kakaopay.FormatTime(p.CreatedAt),
	}
	if !p.PaidAt.IsZero() {
		resp.ApprovedAt = kakaopay.FormatTime(p.PaidAt)
	}
	s.reply(w, r, http.StatusOK, resp)
}

// checkBarcodeRequest checks the fields a barcode payment requires and
// returns the problem for -2, or "". The simulator keeps no tax-free
// amounts: it accepts 0 only.
func checkBarcodeRequest(req *kakaopay.BarcodeRequest) string {
	switch {
	case !validID(req.PartnerOrderID):
		return "partner_order_id is required, at most 100 characters"
	case req.PartnerUserID == "" || len(req.PartnerUserID) > 100:
		return "partner_user_id is required, at most 100 characters"
	case req.Barcode == "" || len(req.Barcode) > 512:
		return "barcode is required, at most 512 characters"
	case req.ItemName == "":
		return "item_name is required"
	case req.Quantity <= 0:
		return "quantity must be positive"
	case req.TotalAmount <= 0:
		return "total_amount must be positive"
	case req.TaxFreeAmount != 0:
		return "tax_free_amount must be 0 in this simulator"
	}
	return checkMerchantAmount(req.MerchantAmount)
}

func checkMerchantAmount(m *kakaopay.MerchantAmount) string {
	if m == nil {
		return ""
	}
	if len(m.Currency) != 3 || m.MinorUnits <= 0 {
		return "merchant_amount needs a currency and a positive amount"
	}
	for i := 0; i < 3; i++ {
		if m.Currency[i] < 'A' || m.Currency[i] > 'Z' {
			return "merchant_amount.currency must be ISO 4217"
		}
	}
	return ""
}

// merchantFields is the merchant amount as one hashed field.
func merchantFields(m *kakaopay.MerchantAmount) string {
	if m == nil {
		return ""
	}
	return m.Currency + " " + strconv.FormatInt(m.MinorUnits, 10)
}

// handleReady serves ready: it opens a merchant-presented order awaiting the
// customer and answers the URLs its QR code carries. A repeat under the same
// partner_order_id and content answers the same order.
func (s *Simulator) handleReady(w http.ResponseWriter, r *http.Request) {
	var req kakaopay.ReadyRequest
	if s.readRequest(w, r, &req, func() string { return req.CID }) != nil {
		return
	}
	if problem := checkReadyRequest(&req); problem != "" {
		s.replyProblem(w, r, problem)
		return
	}
	cmd := simkit.OrderCommand{
		RequestID: req.PartnerOrderID,
		Hash: s.ledger.Hash("ready", req.PartnerUserID, strconv.FormatInt(req.TotalAmount, 10), merchantFields(req.MerchantAmount),
			strconv.FormatInt(req.ExpiresInSeconds, 10)),
		Currency:   kakaopay.Currency,
		MinorUnits: req.TotalAmount,
	}
	if m := req.MerchantAmount; m != nil {
		cmd.MerchantCurrency, cmd.MerchantMinorUnits = m.Currency, m.MinorUnits
	}
	if secs := req.ExpiresInSeconds; secs > 0 && secs < int64(s.cfg.OrderLifetime/time.Second) {
		cmd.ExpiresAt = s.cfg.Now().Add(time.Duration(secs) * time.Second)
	}
	res, err := s.ledger.CreateOrder(cmd)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.index(res.Payment)
	if res.Outcome != simkit.OutcomeOK {
		s.replyError(w, r, outcomeError(res.Outcome), nil)
		return
	}
	s.reply(w, r, http.StatusOK, s.readyResponse(r, &res.Payment))
}

func checkReadyRequest(req *kakaopay.ReadyRequest) string {
	switch {
	case !validID(req.PartnerOrderID):
		return "partner_order_id is required, at most 100 characters"
	case req.PartnerUserID == "" || len(req.PartnerUserID) > 100:
		return "partner_user_id is required, at most 100 characters"
	case req.ItemName == "":
		return "item_name is required"
	case req.Quantity <= 0:
		return "quantity must be positive"
	case req.TotalAmount <= 0:
		return "total_amount must be positive"
	case req.TaxFreeAmount != 0:
		return "tax_free_amount must be 0 in this simulator"
	case req.ApprovalURL == "" || req.CancelURL == "" || req.FailURL == "":
		return "approval_url, cancel_url and fail_url are required"
	case req.ExpiresInSeconds < 0:
		return "expires_in_seconds must not be negative"
	}
	return checkMerchantAmount(req.MerchantAmount)
}

// readyResponse answers ready with the order's URLs, built on the
// simulator's base URL.
func (s *Simulator) readyResponse(r *http.Request, p *simkit.Payment) *kakaopay.ReadyResponse {
	base := s.baseURL(r) + pathMockup + p.OrderToken
	resp := &kakaopay.ReadyResponse{
		TID:                   p.WalletTxnID,
		NextRedirectAppURL:    base + "/" + pageApp,
		NextRedirectMobileURL: base + "/" + pageMobile,
		NextRedirectPCURL:     base + "/" + pagePC,
		AndroidAppScheme:      fmt.Sprintf("kakaotalk://kakaopay/pg?url=%s/%s", base, pageApp),
		IOSAppScheme:          fmt.Sprintf("kakaotalk://kakaopay/pg?url=%s/%s", base, pageApp),
		CreatedAt:             kakaopay.FormatTime(p.CreatedAt),
	}
	if !p.ExpiresAt.IsZero() {
		resp.ExpiresAt = kakaopay.FormatTime(p.ExpiresAt)
	}
	return resp
}

// baseURL is Config.BaseURL, or the scheme and host r came to.
func (s *Simulator) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// approvalAID is the aid of a payment's approval: "A" and its tid's digits.
func approvalAID(p *simkit.Payment) string {
	if len(p.WalletTxnID) < 2 {
		return ""
	}
	return "A" + p.WalletTxnID[1:]
}

// voidAID is the aid of a payment's void (a cancel without payload that
// returned it whole): "C" and its tid's digits.
func voidAID(p *simkit.Payment) string {
	if len(p.WalletTxnID) < 2 {
		return ""
	}
	return "C" + p.WalletTxnID[1:]
}

// amountOf breaks an amount in won down as KakaoPay does; the simulator
// has no tax-free part, points or discounts.
func amountOf(won int64) kakaopay.Amount {
	return kakaopay.Amount{Total: won, VAT: kakaopay.VATOf(won, 0)}
}
