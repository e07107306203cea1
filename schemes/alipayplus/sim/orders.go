package sim

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/meridian-gw/meridian/fx"
	"github.com/meridian-gw/meridian/schemes/alipayplus"
	"github.com/meridian-gw/meridian/schemes/emvco"
	"github.com/meridian-gw/meridian/schemes/simkit"
)

// handleOrder answers a pay request in the order code scenario
// ("Merchant-presented Mode Payment (Order Code)"): it creates the order in
// the ledger and answers U PAYMENT_IN_PROCESS with the code to show, an
// EMVCo merchant-presented QR payload. A repeat answers the order's state
// now, with the same code.
func (s *Simulator) handleOrder(w http.ResponseWriter, r *http.Request, req *alipayplus.PayRequest) {
	amounts, expiresAt, problem := s.checkOrderRequest(req)
	if problem != "" {
		s.replyResult(w, r, alipayplus.Result{ResultStatus: alipayplus.ResultFailure, ResultCode: alipayplus.CodeParamIllegal, ResultMessage: problem})
		return
	}
	if _, ok := fx.ByCode(req.PaymentAmount.Currency); !ok {
		// The QR payload names the currency by its ISO 4217 number.
		s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeCurrencyNotSupport))
		return
	}
	res, err := s.ledger.CreateOrder(simkit.OrderCommand{
		RequestID:          req.PaymentRequestID,
		Hash:               s.orderHash(req),
		Currency:           req.PaymentAmount.Currency,
		MinorUnits:         amounts.payment,
		MerchantCurrency:   amounts.merchantCurrency,
		MerchantMinorUnits: amounts.merchant,
		ExpiresAt:          expiresAt,
	})
	if err != nil {
		s.ledgerUnavailable(w, r, err)
		return
	}
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "sim order", slog.String("paymentRequestId", req.PaymentRequestID),
		slog.String("outcome", string(res.Outcome)), slog.String("status", string(res.Payment.Status)))
	resp := payResponse(req.PaymentRequestID, res.Payment, res.Outcome)
	if res.Outcome == simkit.OutcomeOK {
		qr, err := orderCode(&res.Payment, &req.Order)
		if err != nil {
			s.log.LogAttrs(r.Context(), slog.LevelError, "sim order: build the QR payload", slog.String("error", err.Error()))
			s.replyResult(w, r, result(alipayplus.ResultFailure, alipayplus.CodeParamIllegal))
			return
		}
		resp.OrderCodeForm = &alipayplus.OrderCodeForm{
			ExpireTime:  res.Payment.ExpiresAt.Format(time.RFC3339),
			CodeDetails: []alipayplus.CodeDetail{{CodeValueType: alipayplus.CodeValueTypeQRCode, CodeValue: qr, DisplayType: alipayplus.DisplayTypeText}},
		}
	}
	s.reply(w, r, http.StatusOK, resp)
}

// checkOrderRequest checks the fields of an order code pay request and
// returns its amounts and expiry (zero: the default), or a problem for
// PARAM_ILLEGAL. A paymentExpiryTime beyond MaxOrderLifetime is shortened
// to it; one not in the future is refused.
func (s *Simulator) checkOrderRequest(req *alipayplus.PayRequest) (requestAmounts, time.Time, string) {
	switch {
	case !validID(req.PaymentRequestID):
		return requestAmounts{}, time.Time{}, "paymentRequestId is required, at most 64 characters"
	case req.ProductCode != alipayplus.ProductCodeInStorePayment:
		return requestAmounts{}, time.Time{}, "productCode must be IN_STORE_PAYMENT"
	case req.PaymentMethod.PaymentMethodType != alipayplus.PaymentMethodConnectWallet || req.PaymentMethod.PaymentMethodID != "":
		return requestAmounts{}, time.Time{}, "paymentMethod of an order code must be CONNECT_WALLET without a paymentMethodId"
	case req.Order.Merchant.ReferenceMerchantID == "":
		return requestAmounts{}, time.Time{}, "order.merchant.referenceMerchantId is required"
	}
	amounts, problem := checkAmounts(req)
	if problem != "" || req.PaymentExpiryTime == "" {
		return amounts, time.Time{}, problem
	}
	expiresAt, err := time.Parse(time.RFC3339, req.PaymentExpiryTime)
	now := s.cfg.Now()
	if err != nil || !expiresAt.After(now) {
		return requestAmounts{}, time.Time{}, "paymentExpiryTime must be an RFC 3339 time in the future"
	}
	if latest := now.Add(s.cfg.MaxOrderLifetime); expiresAt.After(latest) {
		expiresAt = latest
	}
	return amounts, expiresAt, ""
}

// orderHash identifies the content of an order code request, as payHash
// does for a payment. The expiry is left out: a retry of the same order
// may well compute it again.
func (s *Simulator) orderHash(req *alipayplus.PayRequest) string {
	return s.ledger.Hash(alipayplus.InStoreScenarioOrderCode, req.PaymentAmount.Currency, req.PaymentAmount.Value,
		req.Order.OrderAmount.Currency, req.Order.OrderAmount.Value,
		req.PaymentMethod.PaymentMethodType, req.Order.Merchant.ReferenceMerchantID)
}

// Fallbacks for the mandatory data objects of an EMVCo payload whose value
// the order does not give.
const (
	unknownCountry = "ZZ" // ISO 3166 user-assigned: unknown
	unknownCity    = "Unknown"
	// referenceLabelMax is the EMVCo bound on '62.05': a longer
	// paymentRequestId is cut to its last characters there (the token in
	// '26.01' is what identifies the order).
	referenceLabelMax = 25
)

// orderCode is the QR payload of an order: an EMVCo merchant-presented
// payload whose merchant account template '26' carries OrderCodeGUID and
// the order token, with the amount to pay ('53', '54'), the merchant, and
// the paymentRequestId as reference label ('62.05').
func orderCode(p *Payment, order *alipayplus.Order) (string, error) {
	currency, _ := fx.ByCode(p.Currency)
	m := order.Merchant
	country, city := unknownCountry, unknownCity
	if a := m.MerchantAddress; a != nil {
		country = emvText(strings.ToUpper(a.Region), 2, unknownCountry)
		city = emvText(a.City, 15, unknownCity)
	}
	return emvco.BuildMPM(emvco.MPM{
		PointOfInitiation: emvco.PointOfInitiationDynamic,
		MerchantAccounts: []emvco.MerchantAccount{{Tag: "26", GUID: alipayplus.OrderCodeGUID,
			Fields: []emvco.Field{{ID: "01", Value: p.OrderToken}}}},
		MCC:          mcc(m.MerchantMCC),
		Currency:     currency.Numeric,
		Amount:       emvco.FormatAmount(p.MinorUnits, currency.Exponent),
		Country:      country,
		MerchantName: emvText(m.MerchantName, 25, m.ReferenceMerchantID),
		MerchantCity: city,
		Additional:   []emvco.Field{{ID: "05", Value: emvText(lastChars(p.RequestID, referenceLabelMax), referenceLabelMax, "-")}},
	})
}

// emvText makes s fit an EMVCo text value of at most n characters:
// printable ASCII only (others are dropped), cut to n; fallback when
// nothing is left.
func emvText(s string, n int, fallback string) string {
	var b strings.Builder
	for i := 0; i < len(s) && b.Len() < n; i++ {
		if c := s[i]; c >= 0x20 && c <= 0x7E {
			b.WriteByte(c)
		}
	}
	if out := strings.TrimSpace(b.String()); out != "" {
		return out
	}
	if len(fallback) > n {
		return fallback[:n]
	}
	return fallback
}

// mcc is the merchant category code for '52': four digits, or 5999
// (miscellaneous retail) when the order has none.
func mcc(code string) string {
	if len(code) != 4 || strings.Trim(code, "0123456789") != "" {
		return "5999"
	}
	return code
}

func lastChars(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}

// decodeScan reads an order code as displayed: an EMVCo payload with a
// merchant account template of OrderCodeGUID, whose sub-field 01 is the
// order token. The scanning customer pays with DefaultScanBrand unless the
// scan names another.
func (s *Simulator) decodeScan(qr string) (simkit.ScanCommand, bool) {
	mpm, err := emvco.ParseMPM(qr)
	if err != nil {
		return simkit.ScanCommand{}, false
	}
	for _, a := range mpm.MerchantAccounts {
		if !strings.EqualFold(a.GUID, alipayplus.OrderCodeGUID) {
			continue
		}
		for _, f := range a.Fields {
			if f.ID == "01" {
				return simkit.ScanCommand{Token: f.Value, WalletBrand: DefaultScanBrand, CustomerID: customerID(f.Value)}, true
			}
		}
	}
	return simkit.ScanCommand{}, false
}
