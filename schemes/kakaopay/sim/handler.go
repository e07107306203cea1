package sim

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"

	"github.com/meridian-gw/meridian/schemes/kakaopay"
)

// errAnswered: the request has been answered already.
var errAnswered = errors.New("sim: request answered")

// errorMessages are the error_message texts the simulator answers with. The
// published codes use KakaoPay's own wording where it is known.
var errorMessages = map[int]string{
	kakaopay.ErrCodeInternal:             "internal server error",
	kakaopay.ErrCodeInvalidParameter:     "invalid request parameter",
	kakaopay.ErrCodeQuotaExceeded:        "too many requests; retry later",
	kakaopay.ErrCodeUnauthorized:         "invalid secret key",
	kakaopay.ErrCodeApprovalFailure:      "approval failure!",
	kakaopay.ErrCodeMaintenance:          "service under maintenance",
	kakaopay.ErrCodeNotFound:             "payment not found",
	kakaopay.ErrCodePaymentExpired:       "payment expired",
	kakaopay.ErrCodeInvalidCID:           "invalid cid",
	kakaopay.ErrCodeInvalidBarcode:       "invalid barcode",
	kakaopay.ErrCodeRequestInconsistent:  "partner_order_id already used with other content",
	kakaopay.ErrCodeAlreadyCancelled:     "payment already cancelled",
	kakaopay.ErrCodeCancelWindowClosed:   "cancel window closed; cancel with a payload to refund",
	kakaopay.ErrCodeCancelAmountExceeded: "cancel amount exceeds the cancel available amount",
	kakaopay.ErrCodeCancelAvailableDiff:  "cancel_available_amount does not match",
	kakaopay.ErrCodeNotCancellable:       "payment not approved; nothing to cancel",
	kakaopay.ErrCodeAlreadyProcessed:     "order already processed",
	kakaopay.ErrCodeRefundWindowClosed:   "refund window closed",
}

// httpStatusOf is the HTTP status KakaoPay answers an error code with.
func httpStatusOf(code int) int {
	switch code {
	case kakaopay.ErrCodeUnauthorized:
		return http.StatusUnauthorized
	case kakaopay.ErrCodeMaintenance:
		return http.StatusServiceUnavailable
	}
	return http.StatusBadRequest
}

// readRequest authenticates r, reads its body within the size limit,
// decodes it into v and checks its cid. On failure it answers the request
// itself, as KakaoPay would, and returns errAnswered.
func (s *Simulator) readRequest(w http.ResponseWriter, r *http.Request, v any, cid func() string) error {
	if !s.authorized(r) {
		s.replyError(w, r, kakaopay.ErrCodeUnauthorized, nil)
		return errAnswered
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		s.reply(w, r, http.StatusRequestEntityTooLarge, errorBody(kakaopay.ErrCodeInvalidParameter, "request body too large", nil))
		return errAnswered
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.replyProblem(w, r, "body is not the JSON expected")
		return errAnswered
	}
	if cid() != s.cfg.CID {
		s.replyError(w, r, kakaopay.ErrCodeInvalidCID, nil)
		return errAnswered
	}
	return nil
}

// authorized reports whether r carries the secret key, comparing in
// constant time so the answer's timing says nothing about the secret.
func (s *Simulator) authorized(r *http.Request) bool {
	want := kakaopay.AuthorizationScheme + " " + s.cfg.Secret
	got := r.Header.Get("Authorization")
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

func errorBody(code int, message string, extras *kakaopay.Extras) *kakaopay.ErrorResponse {
	if message == "" {
		message = errorMessages[code]
	}
	return &kakaopay.ErrorResponse{ErrorCode: code, ErrorMessage: message, Extras: extras}
}

// replyError answers with KakaoPay's error body for code.
func (s *Simulator) replyError(w http.ResponseWriter, r *http.Request, code int, extras *kakaopay.Extras) {
	s.reply(w, r, httpStatusOf(code), errorBody(code, "", extras))
}

// replyProblem answers a request whose parameters are wrong: -2, naming
// the problem.
func (s *Simulator) replyProblem(w http.ResponseWriter, r *http.Request, problem string) {
	s.reply(w, r, http.StatusBadRequest, errorBody(kakaopay.ErrCodeInvalidParameter, "invalid request parameter: "+problem, nil))
}

// reply writes v as JSON with the given HTTP status.
func (s *Simulator) reply(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	w.Write(body)
	if e, ok := v.(*kakaopay.ErrorResponse); ok {
		s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim answered an error", slog.String("path", r.URL.Path),
			slog.Int("status", status), slog.Int("error_code", e.ErrorCode))
	}
}

// lostAnswer answers as if KakaoPay's answer were lost on the way (the 96
// rule): a server error, though the payment is recorded.
func (s *Simulator) lostAnswer(w http.ResponseWriter, r *http.Request) {
	s.reply(w, r, http.StatusInternalServerError, errorBody(kakaopay.ErrCodeInternal, "", nil))
}

// ledgerUnavailable answers a request whose ledger command could not be made
// durable (the ledger file failed or is closed) with HTTP 503: the partner
// must treat the outcome as unknown, which is the truth when a write failed
// midway.
func (s *Simulator) ledgerUnavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim: ledger unavailable", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	s.reply(w, r, http.StatusServiceUnavailable, errorBody(kakaopay.ErrCodeMaintenance, "simulator ledger unavailable", nil))
}

// validID reports whether id is a partner_order_id KakaoPay accepts.
func validID(id string) bool {
	return id != "" && len(id) <= 100
}
