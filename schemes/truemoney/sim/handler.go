package sim

import (
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/schemes/truemoney"
)

// maxIDLength bounds external_ref_id and external_refund_ref_id.
const maxIDLength = 64

// maxCodeLength bounds a payment code: an EMVCo consumer-presented code is
// at most a few hundred characters.
const maxCodeLength = 512

// errAnswered: readRequest has already answered the request.
var errAnswered = errors.New("sim: request answered")

// answer is the body of every answer: TrueMoney's status and the data.
// Data must be a nil interface, not a nil pointer, to be left out.
type answer struct {
	Status truemoney.Status `json:"status"`
	Data   any              `json:"data,omitempty"`
}

// readRequest reads the body of r within the size limit, authenticates it
// and decodes it into v. On failure it answers the request itself, as
// TrueMoney would, and returns errAnswered.
func (s *Simulator) readRequest(w http.ResponseWriter, r *http.Request, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		s.reply(w, r, http.StatusRequestEntityTooLarge, answer{Status: status(truemoney.StatusInvalidRequest)})
		return errAnswered
	}
	if refused := s.authenticate(r, body); refused != nil {
		s.reply(w, r, refused.httpStatus, answer{Status: status(refused.code)})
		return errAnswered
	}
	if err := json.Unmarshal(body, v); err != nil {
		s.invalid(w, r, "body is not the JSON object expected")
		return errAnswered
	}
	return nil
}

// reply writes v as a signed JSON answer with the given HTTP status: the
// signature covers the Timestamp header, the request's path and the body.
func (s *Simulator) reply(w http.ResponseWriter, r *http.Request, httpStatus int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "encode response", http.StatusInternalServerError)
		return
	}
	timestamp := strconv.FormatInt(s.cfg.Now().Unix(), 10)
	msg := truemoney.Message{Timestamp: timestamp, Path: r.URL.EscapedPath(), Body: body}
	signature, err := msg.Sign(s.cfg.WalletPrivateKey, s.cfg.KeyVersion)
	if err != nil {
		http.Error(w, "sign response", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set(truemoney.HeaderTimestamp, timestamp)
	h.Set(truemoney.HeaderSignature, signature)
	w.WriteHeader(httpStatus)
	w.Write(body)
}

// answer replies HTTP 200 with code and data, which may be nil.
func (s *Simulator) answer(w http.ResponseWriter, r *http.Request, code string, data any) {
	s.reply(w, r, http.StatusOK, answer{Status: status(code), Data: data})
}

// invalid refuses a request whose fields are wrong, saying which.
func (s *Simulator) invalid(w http.ResponseWriter, r *http.Request, problem string) {
	s.reply(w, r, http.StatusBadRequest, answer{Status: truemoney.Status{Code: truemoney.StatusInvalidRequest, Message: problem}})
}

// lose answers as the 96 rule wants: a server error, the outcome hidden.
func (s *Simulator) lose(w http.ResponseWriter, r *http.Request) {
	s.reply(w, r, http.StatusInternalServerError, answer{Status: status(truemoney.StatusSystemError)})
}

// unavailable answers a request whose ledger command could not be made
// durable (the ledger file failed or is closed) with HTTP 503: the partner
// must treat the outcome as unknown, which is the truth when a write failed
// midway.
func (s *Simulator) unavailable(w http.ResponseWriter, r *http.Request, err error) {
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim: ledger unavailable", slog.String("path", r.URL.Path), slog.String("error", err.Error()))
	http.Error(w, "simulator ledger unavailable", http.StatusServiceUnavailable)
}

// charge is the amount of a payment or order request, checked.
type charge struct {
	satang             int64
	merchantCurrency   string
	merchantMinorUnits int64
}

// checkCharge checks the fields a payment and an order share and returns
// their amounts, or a problem for INVALID_REQUEST. The currency is checked
// apart: a currency other than THB is a business refusal, not a malformed
// request.
func checkCharge(id, amount string, md truemoney.Metadata) (charge, string) {
	var c charge
	if !validID(id) {
		return c, "external_ref_id is required: 1 to 64 printable ASCII characters"
	}
	satang, err := truemoney.ParseAmount(amount)
	if err != nil || satang <= 0 {
		return c, `amount must be a positive THB amount with two decimals, such as "150.00"`
	}
	c.satang = satang
	if md.MerchantID == "" {
		return c, "metadata.merchant_id is required"
	}
	if md.MerchantAmount == "" && md.MerchantCurrency == "" {
		return c, ""
	}
	currency, ok := fx.ByCode(md.MerchantCurrency)
	if !ok {
		return c, "metadata.merchant_currency must be an ISO 4217 currency with metadata.merchant_amount"
	}
	units, err := truemoney.ParseDecimal(md.MerchantAmount, currency.Exponent)
	if err != nil || units <= 0 {
		return c, "metadata.merchant_amount must be a positive amount with the decimals of metadata.merchant_currency"
	}
	c.merchantCurrency, c.merchantMinorUnits = currency.Code, units
	return c, ""
}

// validID reports whether id can be an external reference: 1 to 64
// printable ASCII characters, so it also fits in a QR payload.
func validID(id string) bool {
	if id == "" || len(id) > maxIDLength {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < 0x20 || id[i] > 0x7E {
			return false
		}
	}
	return true
}

// inRange reports whether satang is within the wallet's per-payment range.
func inRange(satang int64) bool {
	return satang >= MinAmount && satang <= MaxAmount
}
