package sim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/simkit"
	"github.com/meridian-gw/meridian/schemes/walletcode"
)

// errAnswered: readSigned has already answered the request.
var errAnswered = errors.New("sim: request answered")

// readSigned reads the body of r within the size limit, authenticates it and
// decodes it into v. On failure it answers the request itself, as Alipay+
// would, and returns errAnswered.
func (s *Simulator) readSigned(w http.ResponseWriter, r *http.Request, v any) error {
	clientID := r.Header.Get(alipayplus.HeaderClientID)
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		s.reply(w, r, http.StatusRequestEntityTooLarge, map[string]any{
			"result": result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal)})
		return errAnswered
	}
	code := ""
	switch {
	case clientID == "" || (s.cfg.AcquirerClientID != "" && clientID != s.cfg.AcquirerClientID):
		code = alipayplus.CodeInvalidClient
	case s.verify(r, clientID, body) != nil:
		code = alipayplus.CodeInvalidSignature
	case !validTime(r.Header.Get(alipayplus.HeaderRequestTime)):
		code = alipayplus.CodeParamIllegal
	case json.Unmarshal(body, v) != nil:
		code = alipayplus.CodeParamIllegal
	}
	if code != "" {
		s.replyResult(w, r, result(alipayplus.ResultFailure, code))
		return errAnswered
	}
	return nil
}

// verify checks the request signature with the acquirer's public key.
func (s *Simulator) verify(r *http.Request, clientID string, body []byte) error {
	msg := alipayplus.Message{Method: r.Method, Path: r.URL.Path, ClientID: clientID,
		Time: r.Header.Get(alipayplus.HeaderRequestTime), Body: body}
	return msg.Verify(s.cfg.AcquirerPublicKey, r.Header.Get(alipayplus.HeaderSignature))
}

// validTime reports whether a Request-Time is RFC 3339, as Alipay+ requires.
// The simulator does not reject old times: Alipay+ documents no window.
func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// reply writes v as a signed JSON response with the given HTTP status.
func (s *Simulator) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	clientID := r.Header.Get(alipayplus.HeaderClientID)
	responseTime := s.cfg.Now().Format(time.RFC3339)
	msg := alipayplus.Message{Method: http.MethodPost, Path: r.URL.Path, ClientID: clientID, Time: responseTime, Body: body}
	signature, err := msg.Sign(s.cfg.WalletPrivateKey, s.cfg.KeyVersion)
	if err != nil {
		http.Error(w, "sign response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=UTF-8")
	h.Set(alipayplus.HeaderClientID, clientID)
	h.Set(alipayplus.HeaderResponseTime, responseTime)
	h.Set(alipayplus.HeaderSignature, signature)
	w.WriteHeader(status)
	w.Write(body)
}

// replyResult answers with a body holding only a result, as Alipay+ does
// for requests it refuses.
func (s *Simulator) replyResult(w http.ResponseWriter, r *http.Request, res alipayplus.Result) {
	s.reply(w, r, http.StatusOK, map[string]alipayplus.Result{"result": res})
}

func (s *Simulator) handlePay(w http.ResponseWriter, r *http.Request) {
	var req alipayplus.PayRequest
	if s.readSigned(w, r, &req) != nil {
		return
	}
	if req.PaymentFactor != nil && req.PaymentFactor.InStorePaymentScenario == alipayplus.InStoreScenarioOrderCode {
		s.handleOrder(w, r, &req)
		return
	}
	amounts, problem := checkPayRequest(&req)
	if problem != "" {
		s.replyResult(w, r, alipayplus.Result{ResultStatus: alipayplus.ResultFailure, ResultCode: alipayplus.CodeParamIllegal, ResultMessage: problem})
		return
	}
	res, err := s.ledger.Pay(s.payCommand(&req, amounts))
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim pay", slog.String("paymentRequestId", req.PaymentRequestID),
		slog.String("code", walletcode.Mask(req.PaymentMethod.PaymentMethodID)), slog.String("outcome", string(res.Outcome)),
		slog.String("status", string(res.Payment.Status)))
	switch {
	case res.Lose:
		// The payment is recorded as paid; the answer is lost on the way.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	case res.Hold:
		if !s.holds.Wait(r.Context(), s.cfg.SlowDelay) {
			http.Error(w, "simulator shutting down", http.StatusServiceUnavailable)
			return
		}
		if res.Payment, err = s.ledger.SettleSlow(req.PaymentRequestID); err != nil {
			s.ledgerUnavailable(w, r, err)
			return
		}
	}
	s.reply(w, r, http.StatusOK, payResponse(req.PaymentRequestID, res.Payment, res.Outcome))
}

// payCommand is the ledger's pay command for a checked pay request: the
// code decides first (one the routing table does not give to ALIPAYPLUS is
// refused INVALID_CODE), then the amount rule.
func (s *Simulator) payCommand(req *alipayplus.PayRequest, a requestAmounts) simkit.PayCommand {
	code := req.PaymentMethod.PaymentMethodID
	cmd := simkit.PayCommand{
		RequestID:          req.PaymentRequestID,
		Hash:               s.payHash(req),
		Currency:           req.PaymentAmount.Currency,
		MinorUnits:         a.payment,
		MerchantCurrency:   a.merchantCurrency,
		MerchantMinorUnits: a.merchant,
		Code:               walletcode.Mask(code),
	}
	if !validCode(code) {
		cmd.Refusal = alipayplus.CodeInvalidCode
		return cmd
	}
	cmd.WalletBrand, cmd.CustomerID = walletBrand(code), customerID(code)
	return cmd
}

// payResponse answers a pay or order request with what the ledger decided.
func payResponse(requestID string, p Payment, outcome simkit.Outcome) *alipayplus.PayResponse {
	resp := &alipayplus.PayResponse{PaymentRequestID: requestID}
	switch outcome {
	case simkit.OutcomeOK:
		resp.Result = paymentResult(&p)
	case simkit.OutcomeFull, simkit.OutcomeMismatch:
		resp.Result = outcomeResult(outcome)
		return resp
	default:
		resp.Result = outcomeResult(outcome)
	}
	resp.PaymentID = p.WalletTxnID
	if p.Status == StatusPaid {
		amount := alipayplus.NewAmount(p.Currency, p.MinorUnits)
		resp.PaymentAmount = &amount
		resp.PaymentTime = p.PaidAt.Format(time.RFC3339)
		resp.CustomerID = p.CustomerID
		resp.WalletBrandName = p.WalletBrand
	}
	return resp
}

func (s *Simulator) handleInquiry(w http.ResponseWriter, r *http.Request) {
	var req alipayplus.InquiryPaymentRequest
	if s.readSigned(w, r, &req) != nil {
		return
	}
	if !validID(req.PaymentRequestID) {
		// The simulator looks payments up by paymentRequestId only.
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal))
		return
	}
	res, err := s.ledger.Inquire(req.PaymentRequestID)
	switch {
	case err != nil:
		s.ledgerUnavailable(w, r, err)
		return
	case !res.Found:
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeOrderNotExist))
		return
	case res.Lose:
		// The 96 rule of an order: this answer is lost on the way.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	}
	p := &res.Payment
	pr := paymentResult(p)
	resp := &alipayplus.InquiryPaymentResponse{
		Result:           result(alipayplus.ResultSuccess, alipayplus.CodeSuccess),
		PaymentResult:    &pr,
		PaymentStatus:    paymentStatus(p),
		PaymentRequestID: p.RequestID,
		PaymentID:        p.WalletTxnID,
		CustomerID:       p.CustomerID,
		WalletBrandName:  p.WalletBrand,
		SimOrderStatus:   orderStatus(p),
	}
	if p.Status == StatusPaid {
		amount := alipayplus.NewAmount(p.Currency, p.MinorUnits)
		resp.PaymentAmount = &amount
		resp.PaymentTime = p.PaidAt.Format(time.RFC3339)
	}
	s.reply(w, r, http.StatusOK, resp)
}

func (s *Simulator) handleCancel(w http.ResponseWriter, r *http.Request) {
	var req alipayplus.CancelPaymentRequest
	if s.readSigned(w, r, &req) != nil {
		return
	}
	if !validID(req.PaymentRequestID) {
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal))
		return
	}
	res, err := s.ledger.Cancel(req.PaymentRequestID)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	p := &res.Payment
	resp := &alipayplus.CancelPaymentResponse{Result: outcomeResult(res.Outcome), PaymentRequestID: req.PaymentRequestID, PaymentID: p.WalletTxnID}
	if res.Outcome == simkit.OutcomeOK && !p.CancelledAt.IsZero() {
		resp.CancelTime = p.CancelledAt.Format(time.RFC3339)
	}
	s.reply(w, r, http.StatusOK, resp)
}

func (s *Simulator) handleRefund(w http.ResponseWriter, r *http.Request) {
	var req alipayplus.RefundRequest
	if s.readSigned(w, r, &req) != nil {
		return
	}
	units, err := req.RefundAmount.MinorUnits()
	if !validID(req.RefundRequestID) || !validID(req.PaymentRequestID) || err != nil || units <= 0 || !validCurrency(req.RefundAmount.Currency) {
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal))
		return
	}
	res, err := s.ledger.Refund(simkit.RefundCommand{
		RequestID:        req.RefundRequestID,
		PaymentRequestID: req.PaymentRequestID,
		Hash:             s.ledger.Hash(req.PaymentRequestID, req.RefundAmount.Currency, req.RefundAmount.Value),
		Currency:         req.RefundAmount.Currency,
		MinorUnits:       units,
	})
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	resp := &alipayplus.RefundResponse{Result: outcomeResult(res.Outcome), RefundRequestID: req.RefundRequestID}
	if res.Outcome == simkit.OutcomeOK {
		rf := res.Refund
		amount := alipayplus.NewAmount(rf.Currency, rf.MinorUnits)
		resp.RefundID, resp.RefundAmount = rf.WalletTxnID, &amount
		resp.RefundTime = rf.CreatedAt.Format(time.RFC3339)
	}
	s.reply(w, r, http.StatusOK, resp)
}

// ledgerUnavailable answers a request whose ledger command could not be made
// durable (the ledger file failed or is closed) with HTTP 503: the acquirer
// must treat the outcome as unknown, which is the truth when a write failed
// midway. The journal logs the failure itself once.
func (s *Simulator) ledgerUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim: ledger unavailable", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	http.Error(w, "simulator ledger unavailable", http.StatusServiceUnavailable)
}

// requestAmounts are the amounts of a checked pay request, in minor units:
// the payment's, and the merchant's (order.orderAmount) when sent.
type requestAmounts struct {
	payment          int64
	merchantCurrency string
	merchant         int64
}

// checkAmounts checks paymentAmount, and order.orderAmount when present,
// and returns them, or a problem for PARAM_ILLEGAL.
func checkAmounts(req *alipayplus.PayRequest) (requestAmounts, string) {
	units, err := req.PaymentAmount.MinorUnits()
	if err != nil || units <= 0 || !validCurrency(req.PaymentAmount.Currency) {
		return requestAmounts{}, "paymentAmount is invalid"
	}
	a := requestAmounts{payment: units}
	order := req.Order.OrderAmount
	if order == (alipayplus.Amount{}) {
		return a, ""
	}
	merchant, err := order.MinorUnits()
	if err != nil || merchant <= 0 || !validCurrency(order.Currency) {
		return requestAmounts{}, "order.orderAmount is invalid"
	}
	a.merchantCurrency, a.merchant = order.Currency, merchant
	return a, ""
}

// checkPayRequest checks the fields Alipay+ requires of a user-presented pay
// request and returns the amounts, or a problem for PARAM_ILLEGAL.
func checkPayRequest(req *alipayplus.PayRequest) (requestAmounts, string) {
	switch {
	case !validID(req.PaymentRequestID):
		return requestAmounts{}, "paymentRequestId is required, at most 64 characters"
	case req.ProductCode != alipayplus.ProductCodeInStorePayment:
		return requestAmounts{}, "productCode must be IN_STORE_PAYMENT"
	case req.PaymentMethod.PaymentMethodType != alipayplus.PaymentMethodConnectWallet || req.PaymentMethod.PaymentMethodID == "":
		return requestAmounts{}, "paymentMethod must be CONNECT_WALLET with a paymentMethodId"
	case req.Order.Merchant.ReferenceMerchantID == "":
		return requestAmounts{}, "order.merchant.referenceMerchantId is required"
	}
	return checkAmounts(req)
}

// payHash identifies the content of a pay request that must not change
// under one paymentRequestId: Alipay+ names the amount, the payment method
// and the payment factor as such key parameters; the merchant is added
// because the same id for another merchant is another payment, and the
// order amount because the amount rule reads it.
func (s *Simulator) payHash(req *alipayplus.PayRequest) string {
	factor := alipayplus.PaymentFactor{}
	if req.PaymentFactor != nil {
		factor = *req.PaymentFactor
	}
	return s.ledger.Hash(req.PaymentAmount.Currency, req.PaymentAmount.Value,
		req.Order.OrderAmount.Currency, req.Order.OrderAmount.Value,
		req.PaymentMethod.PaymentMethodType, req.PaymentMethod.PaymentMethodID,
		factor.IsInStorePayment, factor.InStorePaymentScenario,
		req.Order.Merchant.ReferenceMerchantID)
}

func validID(id string) bool {
	return id != "" && len(id) <= 64
}

func validCurrency(c string) bool {
	if len(c) != 3 {
		return false
	}
	for i := 0; i < 3; i++ {
		if c[i] < 'A' || c[i] > 'Z' {
			return false
		}
	}
	return true
}
