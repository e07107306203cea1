package sim

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/meridian-gw/meridian/schemes/alipayplus"
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
	units, problem := checkPayRequest(&req)
	if problem != "" {
		s.replyResult(w, r, alipayplus.Result{ResultStatus: alipayplus.ResultFailure, ResultCode: alipayplus.CodeParamIllegal, ResultMessage: problem})
		return
	}
	d, err := s.ledger.pay(payCommand{
		requestID:  req.PaymentRequestID,
		hash:       s.payHash(&req),
		currency:   req.PaymentAmount.Currency,
		minorUnits: units,
		code:       req.PaymentMethod.PaymentMethodID,
	}, s.cfg.SlowDelay)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim pay", slog.String("paymentRequestId", req.PaymentRequestID),
		slog.String("code", alipayplus.MaskCode(req.PaymentMethod.PaymentMethodID)), slog.String("resultCode", d.result.ResultCode))
	switch {
	case d.lose:
		// The payment is recorded as paid; the answer is lost on the way.
		http.Error(w, "internal server error", http.StatusInternalServerError)
		return
	case d.hold:
		if !s.hold(r.Context()) {
			http.Error(w, "simulator shutting down", http.StatusServiceUnavailable)
			return
		}
		if d, err = s.ledger.settleSlow(req.PaymentRequestID); err != nil {
			s.ledgerUnavailable(w, r, err)
			return
		}
	}
	s.reply(w, r, http.StatusOK, payResponse(req.PaymentRequestID, d))
}

// hold waits SlowDelay for the 93 rule. It returns false when it ends early
// because the client went away or the simulator is closing; the payment is
// then paid at its settle time by the ledger.
func (s *Simulator) hold(ctx context.Context) bool {
	timer := time.NewTimer(s.cfg.SlowDelay)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.closing:
		return false
	}
}

func payResponse(requestID string, d payDecision) *alipayplus.PayResponse {
	resp := &alipayplus.PayResponse{Result: d.result, PaymentRequestID: requestID}
	if d.result.ResultCode == alipayplus.CodeRequestTrafficExceedLimit || d.result.ResultCode == alipayplus.CodeRepeatReqInconsistent {
		return resp
	}
	p := d.payment
	resp.PaymentID = p.PaymentID
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
	p, ok, err := s.ledger.inquire(req.PaymentRequestID)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	if !ok {
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeOrderNotExist))
		return
	}
	pr := paymentResult(&p)
	resp := &alipayplus.InquiryPaymentResponse{
		Result:           result(alipayplus.ResultSuccess, alipayplus.CodeSuccess),
		PaymentResult:    &pr,
		PaymentStatus:    paymentStatus(p),
		PaymentRequestID: p.PaymentRequestID,
		PaymentID:        p.PaymentID,
		CustomerID:       p.CustomerID,
		WalletBrandName:  p.WalletBrand,
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
	p, res, err := s.ledger.cancel(req.PaymentRequestID, s.cfg.CancelWindow)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	resp := &alipayplus.CancelPaymentResponse{Result: res, PaymentRequestID: req.PaymentRequestID, PaymentID: p.PaymentID}
	if res.ResultStatus == alipayplus.ResultSuccess && !p.CancelledAt.IsZero() {
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
	rf, err := s.ledger.refund(refundCommand{
		refundRequestID:  req.RefundRequestID,
		paymentRequestID: req.PaymentRequestID,
		hash:             s.hashOf(req.PaymentRequestID, req.RefundAmount.Currency, req.RefundAmount.Value),
		currency:         req.RefundAmount.Currency,
		minorUnits:       units,
	}, s.cfg.RefundWindow)
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	resp := &alipayplus.RefundResponse{Result: result(rf.ResultStatus, rf.ResultCode), RefundRequestID: req.RefundRequestID}
	if rf.ResultStatus == alipayplus.ResultSuccess {
		amount := alipayplus.NewAmount(rf.Currency, rf.MinorUnits)
		resp.RefundID, resp.RefundAmount = rf.RefundID, &amount
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

// handleLedger serves the ledger as JSON. It is a test endpoint of the
// simulator, not part of Alipay+, so it is not signed.
func (s *Simulator) handleLedger(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	if err := json.NewEncoder(w).Encode(s.ledger.Snapshot()); err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "sim ledger: write", slog.String("error", err.Error()))
	}
}

// checkPayRequest checks the fields Alipay+ requires of a user-presented pay
// request and returns the amount, or a problem for PARAM_ILLEGAL.
func checkPayRequest(req *alipayplus.PayRequest) (int64, string) {
	units, err := req.PaymentAmount.MinorUnits()
	switch {
	case !validID(req.PaymentRequestID):
		return 0, "paymentRequestId is required, at most 64 characters"
	case req.ProductCode != alipayplus.ProductCodeInStorePayment:
		return 0, "productCode must be IN_STORE_PAYMENT"
	case err != nil || units <= 0 || !validCurrency(req.PaymentAmount.Currency):
		return 0, "paymentAmount is invalid"
	case req.PaymentMethod.PaymentMethodType != alipayplus.PaymentMethodConnectWallet || req.PaymentMethod.PaymentMethodID == "":
		return 0, "paymentMethod must be CONNECT_WALLET with a paymentMethodId"
	case req.Order.Merchant.ReferenceMerchantID == "":
		return 0, "order.merchant.referenceMerchantId is required"
	}
	return units, ""
}

// payHash identifies the content of a pay request that must not change
// under one paymentRequestId: Alipay+ names the amount, the payment method
// and the payment factor as such key parameters; the merchant is added
// because the same id for another merchant is another payment.
func (s *Simulator) payHash(req *alipayplus.PayRequest) string {
	factor := alipayplus.PaymentFactor{}
	if req.PaymentFactor != nil {
		factor = *req.PaymentFactor
	}
	return s.hashOf(req.PaymentAmount.Currency, req.PaymentAmount.Value,
		req.PaymentMethod.PaymentMethodType, req.PaymentMethod.PaymentMethodID,
		factor.IsInStorePayment, factor.InStorePaymentScenario,
		req.Order.Merchant.ReferenceMerchantID)
}

// hashOf hashes fields unambiguously, each prefixed with its length, keyed
// with the simulator's secret: the hash covers the payment code and is
// served on /sim/ledger, and an unkeyed hash of a 16-digit code could be
// reversed by trying every code.
func (s *Simulator) hashOf(fields ...string) string {
	h := hmac.New(sha256.New, s.hashKey)
	var length [8]byte
	for _, f := range fields {
		binary.BigEndian.PutUint64(length[:], uint64(len(f)))
		h.Write(length[:])
		h.Write([]byte(f))
	}
	return hex.EncodeToString(h.Sum(nil))
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
