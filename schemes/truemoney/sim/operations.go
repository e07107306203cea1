package sim

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/truemoney"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

func (s *Simulator) handlePay(w http.ResponseWriter, r *http.Request) {
	var req truemoney.PaymentByCodeRequest
	if s.readRequest(w, r, &req) != nil {
		return
	}
	c, problem := checkCharge(req.ExternalRefID, req.Amount, req.Metadata)
	if problem == "" && (req.PaymentCode == "" || len(req.PaymentCode) > maxCodeLength) {
		problem = "payment_code is required, at most 512 characters"
	}
	if problem != "" {
		s.invalid(w, r, problem)
		return
	}
	if req.Currency != truemoney.CurrencyTHB {
		s.answer(w, r, truemoney.StatusCurrencyNotSupported, nil)
		return
	}
	cmd := simkit.PayCommand{
		RequestID: req.ExternalRefID,
		Hash: s.ledger.Hash(req.Amount, req.Currency, req.PaymentCode, req.Metadata.MerchantID,
			req.Metadata.MerchantAmount, req.Metadata.MerchantCurrency),
		Currency:           truemoney.CurrencyTHB,
		MinorUnits:         c.satang,
		MerchantCurrency:   c.merchantCurrency,
		MerchantMinorUnits: c.merchantMinorUnits,
		Code:               walletcode.Mask(req.PaymentCode),
	}
	// The wallet refuses what it can tell at once, before its amount rule.
	switch {
	case !validCode(req.PaymentCode):
		cmd.Refusal = truemoney.StatusInvalidPaymentCode
	case !inRange(c.satang):
		cmd.Refusal = truemoney.StatusAmountOutOfRange
	default:
		cmd.WalletBrand, cmd.CustomerID = WalletBrand, customerID(req.PaymentCode)
	}
	res, err := s.ledger.Pay(cmd)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim pay", slog.String("external_ref_id", req.ExternalRefID),
		slog.String("code", cmd.Code), slog.String("outcome", string(res.Outcome)), slog.String("status", string(res.Payment.Status)))
	switch {
	case res.Outcome != simkit.OutcomeOK:
		s.refuseRepeat(w, r, res.Outcome, &res.Payment)
		return
	case res.Lose:
		// The payment is recorded as paid; the answer is lost on the way.
		s.lose(w, r)
		return
	case res.Hold:
		if !s.holds.Wait(r.Context(), s.cfg.SlowDelay) {
			http.Error(w, "simulator shutting down", http.StatusServiceUnavailable)
			return
		}
		if res.Payment, err = s.ledger.SettleSlow(req.ExternalRefID); err != nil {
			s.unavailable(w, r, err)
			return
		}
	}
	s.answer(w, r, outcomeCode(&res.Payment), paymentData(&res.Payment))
}

// refuseRepeat answers a payment or order request the ledger did not take:
// full, the id taken by other content, or voided before it arrived.
func (s *Simulator) refuseRepeat(w http.ResponseWriter, r *http.Request, outcome simkit.Outcome, p *simkit.Payment) {
	switch outcome {
	case simkit.OutcomeFull:
		s.answer(w, r, truemoney.StatusRequestTrafficExceeded, nil)
	case simkit.OutcomeMismatch:
		s.answer(w, r, truemoney.StatusDuplicateExternalRefID, nil)
	case simkit.OutcomeClosed:
		s.answer(w, r, truemoney.StatusTransactionVoided, paymentData(p))
	default:
		s.answer(w, r, truemoney.StatusSystemError, nil)
	}
}

func (s *Simulator) handleInquiry(w http.ResponseWriter, r *http.Request) {
	var req truemoney.InquiryRequest
	if s.readRequest(w, r, &req) != nil {
		return
	}
	if !validID(req.ExternalRefID) {
		s.invalid(w, r, "external_ref_id is required: 1 to 64 printable ASCII characters")
		return
	}
	res, err := s.ledger.Inquire(req.ExternalRefID)
	switch {
	case err != nil:
		s.unavailable(w, r, err)
	case !res.Found:
		s.answer(w, r, truemoney.StatusTransactionNotFound, nil)
	case res.Lose:
		s.lose(w, r)
	default:
		s.answer(w, r, truemoney.StatusSuccess, paymentData(&res.Payment))
	}
}

func (s *Simulator) handleVoid(w http.ResponseWriter, r *http.Request) {
	var req truemoney.VoidRequest
	if s.readRequest(w, r, &req) != nil {
		return
	}
	if !validID(req.ExternalRefID) {
		s.invalid(w, r, "external_ref_id is required: 1 to 64 printable ASCII characters")
		return
	}
	res, err := s.ledger.Cancel(req.ExternalRefID)
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	switch res.Outcome {
	case simkit.OutcomeOK:
		s.answer(w, r, truemoney.StatusSuccess, paymentData(&res.Payment))
	case simkit.OutcomeFull:
		s.answer(w, r, truemoney.StatusRequestTrafficExceeded, nil)
	case simkit.OutcomeCancelWindowClosed:
		s.answer(w, r, truemoney.StatusVoidWindowExpired, paymentData(&res.Payment))
	case simkit.OutcomeRefunded:
		s.answer(w, r, truemoney.StatusVoidNotAllowed, paymentData(&res.Payment))
	default:
		s.answer(w, r, truemoney.StatusSystemError, nil)
	}
}

// refundCodes answer each outcome of a refund.
var refundCodes = map[simkit.Outcome]string{
	simkit.OutcomeOK:                 truemoney.StatusSuccess,
	simkit.OutcomeFull:               truemoney.StatusRequestTrafficExceeded,
	simkit.OutcomeMismatch:           truemoney.StatusDuplicateExternalRefID,
	simkit.OutcomeNotFound:           truemoney.StatusTransactionNotFound,
	simkit.OutcomeClosed:             truemoney.StatusTransactionVoided,
	simkit.OutcomeNotPaid:            truemoney.StatusTransactionNotPaid,
	simkit.OutcomeCurrencyMismatch:   truemoney.StatusCurrencyNotSupported,
	simkit.OutcomeRefundWindowClosed: truemoney.StatusRefundWindowExpired,
	simkit.OutcomeRefundExceeds:      truemoney.StatusRefundExceedsAmount,
}

func (s *Simulator) handleRefund(w http.ResponseWriter, r *http.Request) {
	var req truemoney.RefundRequest
	if s.readRequest(w, r, &req) != nil {
		return
	}
	satang, err := truemoney.ParseAmount(req.Amount)
	if !validID(req.ExternalRefID) || !validID(req.ExternalRefundRefID) || err != nil || satang <= 0 {
		s.invalid(w, r, "external_ref_id, external_refund_ref_id and a positive amount such as \"30.00\" are required")
		return
	}
	if req.Currency != truemoney.CurrencyTHB {
		s.answer(w, r, truemoney.StatusCurrencyNotSupported, nil)
		return
	}
	res, err := s.ledger.Refund(simkit.RefundCommand{
		RequestID:        req.ExternalRefundRefID,
		PaymentRequestID: req.ExternalRefID,
		Hash:             s.ledger.Hash(req.ExternalRefID, req.Amount, req.Currency),
		Currency:         truemoney.CurrencyTHB,
		MinorUnits:       satang,
	})
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	code, ok := refundCodes[res.Outcome]
	if !ok {
		code = truemoney.StatusSystemError
	}
	if res.Outcome != simkit.OutcomeOK {
		s.answer(w, r, code, nil)
		return
	}
	rf := res.Refund
	data := &truemoney.Refund{
		RefundID:            rf.WalletTxnID,
		ExternalRefundRefID: rf.RequestID,
		ExternalRefID:       rf.PaymentRequestID,
		Amount:              truemoney.FormatAmount(rf.MinorUnits),
		Currency:            rf.Currency,
		RefundedAt:          timeText(rf.CreatedAt),
	}
	if p, ok := s.ledger.Payment(rf.PaymentRequestID); ok {
		data.PaymentStatus = paymentStatus(&p)
	}
	s.answer(w, r, code, data)
}

func (s *Simulator) handleCreateQROrder(w http.ResponseWriter, r *http.Request) {
	var req truemoney.CreateQROrderRequest
	if s.readRequest(w, r, &req) != nil {
		return
	}
	c, problem := checkCharge(req.ExternalRefID, req.Amount, req.Metadata)
	if problem == "" && req.ExpiresIn < 0 {
		problem = "expires_in must not be negative"
	}
	switch {
	case problem != "":
		s.invalid(w, r, problem)
		return
	case req.Currency != truemoney.CurrencyTHB:
		s.answer(w, r, truemoney.StatusCurrencyNotSupported, nil)
		return
	case !inRange(c.satang):
		s.answer(w, r, truemoney.StatusAmountOutOfRange, nil)
		return
	}
	res, err := s.ledger.CreateOrder(simkit.OrderCommand{
		RequestID: req.ExternalRefID,
		Hash: s.ledger.Hash(req.Amount, req.Currency, req.Metadata.MerchantID, req.Metadata.MerchantAmount,
			req.Metadata.MerchantCurrency, req.Metadata.MerchantName, req.Metadata.City, req.Metadata.Country,
			req.Metadata.MCC, req.Metadata.TerminalID, strconv.FormatInt(req.ExpiresIn, 10)),
		Currency:           truemoney.CurrencyTHB,
		MinorUnits:         c.satang,
		MerchantCurrency:   c.merchantCurrency,
		MerchantMinorUnits: c.merchantMinorUnits,
		ExpiresAt:          s.orderExpiry(req.ExpiresIn),
	})
	if err != nil {
		s.unavailable(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim create QR order", slog.String("external_ref_id", req.ExternalRefID),
		slog.String("outcome", string(res.Outcome)), slog.String("status", string(res.Payment.Status)))
	if res.Outcome != simkit.OutcomeOK {
		s.refuseRepeat(w, r, res.Outcome, &res.Payment)
		return
	}
	s.answerOrder(w, r, &res.Payment, req.Metadata)
}

// orderExpiry is when an order asked to wait expiresIn seconds expires: the
// wallet's own lifetime is the most it grants. Zero leaves it to the ledger.
func (s *Simulator) orderExpiry(expiresIn int64) time.Time {
	lifetime := time.Duration(min(expiresIn, int64(s.cfg.OrderLifetime/time.Second))) * time.Second
	if lifetime <= 0 {
		return time.Time{}
	}
	return s.cfg.Now().Add(lifetime)
}

// answerOrder answers a create-QR-order request with the order and its
// payload; a repeat gets the order as it stands, its payload rebuilt from
// the same content.
func (s *Simulator) answerOrder(w http.ResponseWriter, r *http.Request, p *simkit.Payment, md truemoney.Metadata) {
	data := &truemoney.QROrder{
		TransactionID: p.WalletTxnID,
		ExternalRefID: p.RequestID,
		PaymentStatus: paymentStatus(p),
		Amount:        truemoney.FormatAmount(p.MinorUnits),
		Currency:      p.Currency,
		ExpiresAt:     timeText(p.ExpiresAt),
	}
	switch p.Status {
	case simkit.StatusFailed, simkit.StatusExpired:
		s.answer(w, r, p.ResultCode, data)
		return
	case simkit.StatusCancelled:
		s.answer(w, r, truemoney.StatusTransactionVoided, data)
		return
	}
	qr, err := orderQR(p, md)
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "sim: build QR payload", slog.String("error", err.Error()))
		s.reply(w, r, http.StatusInternalServerError, answer{Status: status(truemoney.StatusSystemError)})
		return
	}
	data.QRPayload = qr
	s.answer(w, r, truemoney.StatusSuccess, data)
}
